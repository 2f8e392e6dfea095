/*
 * util/timefmt.h - ISO 8601 times as strata writes and reads them: the
 * `-- created:` header of a revision, the times of the history table, and
 * the --since bound of `strata log`.
 *
 * Times are milliseconds since 1970-01-01T00:00:00Z (int64_t), always UTC;
 * nothing here reads the local time zone.
 */
#ifndef STRATA_UTIL_TIMEFMT_H
#define STRATA_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* What strata__iso_time_parse() accepts. */
enum iso_time_form {
	/* YYYY-MM-DDTHH:MM:SSZ, with an optional fraction of a second
	 * (.1 to .123456789) before the Z: what `strata revision` writes. */
	ISO_TIME_UTC = 1,
	/* Also a date alone (midnight UTC), a space or 't' for the 'T', no
	 * seconds, a lowercase 'z', an offset (+02:00, -0530, +02) or no zone
	 * at all (UTC). */
	ISO_TIME_LENIENT = 2,
};

/*
 * Parse s[0..n) in the given form into *out_ms. Every field is range
 * checked (month 1-12, the day within its month, leap years, hour 0-23,
 * minute and second 0-59); the fraction is cut to milliseconds.
 * @return 0, or -1 when s is not such a time (no error is set: callers
 *         say what they were reading)
 */
int strata__iso_time_parse(int64_t *out_ms, const char *s, size_t n, int form);

/* "2026-03-04T05:06:07.089Z" (25 bytes with the NUL). */
void strata__iso_time_format_ms(char out[32], int64_t ms);
/* "2026-03-04T05:06:07Z": whole seconds, the form of the created header. */
void strata__iso_time_format(char out[32], int64_t ms);

/* The current time, in milliseconds since the epoch (the real-time clock). */
int64_t strata__iso_time_now_ms(void);

/*
 * A lower bound in time, as `strata log --since` takes it: an ISO date or
 * time in the lenient form, or an age counted back from strata__now_ms: a whole
 * number and a unit, s, min, h, d or w ("30min", "12h", "7d", "2w"). A
 * bare 'm' is refused as ambiguous (minutes or months?).
 * @return 0, or STRATA_EINVALID with a message naming s and a hint
 */
int strata__since_parse(int64_t *out_ms, const char *s, int64_t now_ms);

#endif
