/*
 * strata/util.h - memory, durations, counts, the clock, files and
 * connection strings, as libstrata's callers need them.
 *
 * Memory: plain strings and arrays libstrata hands out (char **out
 * parameters, strata_buf_detach()) are freed with strata_free(); objects
 * have their own strata_<type>_free() (strata/strata.h states the rule).
 * strata_malloc() and friends are the same allocator, for memory a caller
 * hands to libstrata to free.
 */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

#include <stddef.h>
#include "strata/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Allocate; NULL (with the thread's error set to "out of memory") on failure. */
void *strata_malloc(size_t n);
void *strata_calloc(size_t count, size_t size);
char *strata_strdup(const char *s);
/** Free what libstrata allocated as a plain string or array. NULL is fine. */
void strata_free(void *p);

/** Parse "500ms", "5s", "2min", "1h", "0" (a plain number is milliseconds); STRATA_EINVALID otherwise. */
int strata_parse_duration_ms(long *out, const char *s);
/** Parse a non-negative decimal integer; STRATA_EINVALID otherwise. */
int strata_parse_count(long *out, const char *s);

/** Milliseconds of a monotonic clock. */
double strata_now_ms(void);

/** Append a connection string (URL or key=value) to out with any password shown as "****". */
int strata_redact_conninfo(strata_buf *out, const char *conninfo);

/** Append the file's contents to out; a file larger than max bytes is STRATA_EPARSE; errors name the path. */
int strata_file_read(strata_buf *out, const char *path, size_t max);
/** Write a file whole (through a temporary file renamed over it); errors name the path. */
int strata_file_write(const char *path, const char *data, size_t len);
/** Create a directory and its parents (mode 0755); 0 when it exists. */
int strata_mkdir_p(const char *path);
/** 1 when path is a directory, else 0. */
int strata_is_dir(const char *path);

#ifdef __cplusplus
}
#endif
#endif
