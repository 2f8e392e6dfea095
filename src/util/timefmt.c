/*
 * util/timefmt.c - ISO 8601 times and --since bounds (see util/timefmt.h).
 *
 * Layer: util. A time is read field by field with fixed widths, so
 * "2026-3-4" or "2026-03-04T5:06" are refused rather than guessed at, and
 * converted with timegm(), which never looks at the local time zone.
 */
#include "util/timefmt.h"
#include "strata/error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct cursor {
	const char *s;
	size_t n, i;
} cursor;

static int peek(const cursor *c)
{
	return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static int accept(cursor *c, char ch)
{
	if (peek(c) != (unsigned char)ch)
		return 0;
	c->i++;
	return 1;
}

/* Exactly width digits into *out. */
static int digits(cursor *c, int width, int *out)
{
	int v = 0, k;

	for (k = 0; k < width; k++) {
		int ch = peek(c);

		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
		c->i++;
	}
	*out = v;
	return 0;
}

static int leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* "+HH:MM", "+HHMM", "+HH" (or '-'): the offset east of UTC, in minutes. */
static int zone_offset(cursor *c, int *minutes)
{
	int sign = peek(c) == '-' ? -1 : 1, hh, mm = 0;

	c->i++;
	if (digits(c, 2, &hh) < 0 || hh > 23)
		return -1;
	if (accept(c, ':')) {
		if (digits(c, 2, &mm) < 0)
			return -1;
	} else if (peek(c) >= '0' && peek(c) <= '9' && digits(c, 2, &mm) < 0) {
		return -1;
	}
	if (mm > 59)
		return -1;
	*minutes = sign * (hh * 60 + mm);
	return 0;
}

int strata__iso_time_parse(int64_t *out_ms, const char *s, size_t n, int form)
{
	cursor c = { s, n, 0 };
	int lenient = form == ISO_TIME_LENIENT;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, offset = 0, ch;
	struct tm tm;
	time_t t;

	if (!s || digits(&c, 4, &y) < 0 || !accept(&c, '-') || digits(&c, 2, &mo) < 0 ||
	    !accept(&c, '-') || digits(&c, 2, &d) < 0)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (c.i == n && lenient)
		goto convert;
	ch = peek(&c);
	if (!(ch == 'T' || (lenient && (ch == 't' || ch == ' '))))
		return -1;
	c.i++;
	if (digits(&c, 2, &h) < 0 || !accept(&c, ':') || digits(&c, 2, &mi) < 0 || h > 23 ||
	    mi > 59)
		return -1;
	if (accept(&c, ':')) {
		if (digits(&c, 2, &sec) < 0 || sec > 59)
			return -1;
		if (accept(&c, '.') || accept(&c, ',')) {
			int k = 0;

			for (; peek(&c) >= '0' && peek(&c) <= '9'; k++, c.i++)
				if (k < 3)
					ms = ms * 10 + (s[c.i] - '0');
			if (k == 0 || k > 9)
				return -1;
			for (; k < 3; k++)
				ms *= 10;
		}
	} else if (!lenient) {
		return -1;
	}
	ch = peek(&c);
	if (ch == 'Z' || (lenient && ch == 'z')) {
		c.i++;
	} else if (lenient && (ch == '+' || ch == '-')) {
		if (zone_offset(&c, &offset) < 0)
			return -1;
	} else if (!lenient || ch != -1) {
		return -1;
	}
	if (c.i != n)
		return -1;
convert:
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out_ms = ((int64_t)t - (int64_t)offset * 60) * 1000 + ms;
	return 0;
}

static void format(char out[32], int64_t ms, int with_ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&t, &tm)) {
		strcpy(out, "?");
		return;
	}
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(out + n, 32 - n, ".%03dZ", (int)(ms - secs * 1000));
	else
		snprintf(out + n, 32 - n, "Z");
}

void strata__iso_time_format_ms(char out[32], int64_t ms)
{
	format(out, ms, 1);
}

void strata__iso_time_format(char out[32], int64_t ms)
{
	format(out, ms, 0);
}

int64_t strata__iso_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int strata__since_parse(int64_t *out_ms, const char *s, int64_t now_ms)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "s", 1000 }, { "sec", 1000 }, { "min", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	const char *p = s;
	int64_t v = 0;
	size_t i;

	if (!s || !*s)
		goto bad;
	if (strata__iso_time_parse(out_ms, s, strlen(s), ISO_TIME_LENIENT) == 0)
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > INT64_C(1000000000))
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (p == s)
		goto bad;
	while (*p == ' ')
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			*out_ms = now_ms - v * units[i].ms;
			return 0;
		}
	}
bad:
	strata_error_set(STRATA_EINVALID, "'%s' is neither an ISO date or time nor an age", s ? s : "");
	strata_error_hint("write a UTC date or time (2026-03-01, 2026-03-01T12:00, "
			  "2026-03-01T12:00:00+02:00) or an age: 30min, 12h, 7d, 2w");
	return STRATA_EINVALID;
}
