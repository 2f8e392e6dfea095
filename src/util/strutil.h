/*
 * util/strutil.h - small string helpers: durations, UTF-8, ids, redaction.
 */
#ifndef STRATA_UTIL_STRUTIL_H
#define STRATA_UTIL_STRUTIL_H

#include <stddef.h>
#include "util/buf.h"

/* Parse "500ms", "5s", "2min", "1h", "0" (plain numbers are milliseconds). */
int strata__parse_duration_ms(long *out, const char *s);
/* Parse a non-negative decimal integer; STRATA_EINVALID otherwise. */
int strata__parse_count(long *out, const char *s);
/* 1 if s[0..n) is valid UTF-8; else 0 and *bad_offset is the first bad byte. */
int strata__utf8_valid(const char *s, size_t n, size_t *bad_offset);
/* n random lowercase hex characters from the system's CSPRNG, NUL-terminated. */
int strata__random_hex(char *out, size_t n);
/* Append conninfo (URL or key=value) to out with any password replaced by "****". */
int strata__redact_conninfo(strata_buf *out, const char *conninfo);
/* Remove every occurrence of secret from the text (replaced by "****"), in place. */
void strata__redact_secret(char *text, const char *secret);
/* Pointer past leading blanks; trims trailing blanks by writing a NUL. */
char *strata__str_trim(char *s);
int strata__str_starts_with(const char *s, const char *prefix);
/* 1 if the line p[0..len) is a version-control merge conflict marker (<<<<<<<, =======, >>>>>>>, |||||||). */
int strata__str_is_conflict_marker(const char *p, size_t len);
/* Milliseconds of a monotonic clock. */
double strata__now_ms(void);
/* Sleep ms milliseconds (again after a signal interrupts it); <= 0 returns at once. */
void strata__pause_ms(long ms);
/* Current UTC time as ISO 8601 with milliseconds: 2026-01-02T03:04:05.678Z (25 bytes). */
void strata__utc_timestamp(char out[32]);

#endif
