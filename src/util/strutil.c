/*
 * util/strutil.c - durations, UTF-8 validation, random ids, redaction.
 */
#include "util/strutil.h"
#include "strata/error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int parse_count(long *out, const char *s)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return strata_error_set(STRATA_EINVALID, "'%s' is not a non-negative number", s ? s : "");
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return strata_error_set(STRATA_EINVALID, "'%s' is not a non-negative number", s);
	*out = v;
	return 0;
}

int parse_duration_ms(long *out, const char *s)
{
	static const struct { const char *unit; long ms; } units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 },
		{ "m", 60000 }, { "h", 3600000 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		goto bad;
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double ms = v * (double)units[i].ms;

			if (ms > 2147483647.0)
				goto bad;
			*out = (long)(ms + 0.5);
			return 0;
		}
	}
bad:
	strata_error_set(STRATA_EINVALID, "'%s' is not a duration", s ? s : "");
	strata_error_hint("write a number with a unit: 500ms, 5s, 2min, 1h (0 means no limit)");
	return STRATA_EINVALID;
}

/* The end of the run of ASCII bytes from i: eight bytes at a time where it can. */
static size_t ascii_run_end(const unsigned char *s, size_t i, size_t n)
{
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

int utf8_valid(const char *str, size_t n, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len, k;
		unsigned long cp;

		if (c < 0x80) {
			i = ascii_run_end(s, i + 1, n);
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; cp = c & 0x07;
		} else {
			goto bad;
		}
		if (i + len > n)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += len;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

int random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, need = (n + 1) / 2;

	if (need > sizeof(raw))
		return strata_error_set(STRATA_EINVALID, "random id too long");
	if (getrandom(raw, need, 0) != (ssize_t)need)
		return strata_error_set(STRATA_ERROR, "cannot read random bytes: %s", strerror(errno));
	for (i = 0; i < n; i++)
		out[i] = hex[(raw[i / 2] >> ((i & 1) ? 0 : 4)) & 15];
	out[n] = '\0';
	return 0;
}

/* postgres://user:secret@host/db -> postgres://user:****@host/db */
static int redact_url(strata_buf *out, const char *url)
{
	const char *scheme_end = strstr(url, "://");
	const char *auth, *at, *colon, *p;

	if (!scheme_end)
		return buf_puts(out, url);
	auth = scheme_end + 3;
	at = NULL;
	for (p = auth; *p && *p != '/' && *p != '?'; p++)
		if (*p == '@')
			at = p;
	if (buf_putn(out, url, (size_t)(auth - url)) < 0)
		return STRATA_ERROR;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			if (buf_putn(out, auth, (size_t)(colon - auth)) < 0 || buf_puts(out, ":****") < 0)
				return STRATA_ERROR;
		} else if (buf_putn(out, auth, (size_t)(at - auth)) < 0) {
			return STRATA_ERROR;
		}
		auth = at;
	}
	/* Query parameters may carry password=...; mask their values too. */
	for (p = auth; *p; p++) {
		if ((p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0) {
			const char *end = p + 9;

			while (*end && *end != '&')
				end++;
			if (buf_puts(out, "password=****") < 0)
				return STRATA_ERROR;
			p = end - 1;
			continue;
		}
		if (buf_putc(out, *p) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

/* host=x password='a b' dbname=y -> host=x password=**** dbname=y */
static int redact_keywords(strata_buf *out, const char *s)
{
	while (*s) {
		const char *kw = s, *eq;

		if (isspace((unsigned char)*s)) {
			if (buf_putc(out, *s++) < 0)
				return STRATA_ERROR;
			continue;
		}
		eq = kw;
		while (*eq && *eq != '=' && !isspace((unsigned char)*eq))
			eq++;
		while (*eq && isspace((unsigned char)*eq))
			eq++;
		if (*eq != '=') {
			if (buf_putn(out, kw, (size_t)(eq - kw)) < 0)
				return STRATA_ERROR;
			s = eq;
			continue;
		}
		s = eq + 1;
		while (*s && isspace((unsigned char)*s))
			s++;
		{
			const char *vstart = s;

			if (*s == '\'') {
				s++;
				while (*s && *s != '\'') {
					if (*s == '\\' && s[1])
						s++;
					s++;
				}
				if (*s)
					s++;
			} else {
				while (*s && !isspace((unsigned char)*s))
					s++;
			}
			if (buf_putn(out, kw, (size_t)(eq + 1 - kw)) < 0)
				return STRATA_ERROR;
			if (strncmp(kw, "password", 8) == 0 && (kw[8] == '=' || isspace((unsigned char)kw[8]))) {
				if (buf_puts(out, "****") < 0)
					return STRATA_ERROR;
			} else if (buf_putn(out, vstart, (size_t)(s - vstart)) < 0) {
				return STRATA_ERROR;
			}
		}
	}
	return 0;
}

int redact_conninfo(strata_buf *out, const char *conninfo)
{
	if (strstr(conninfo, "://"))
		return redact_url(out, conninfo);
	return redact_keywords(out, conninfo);
}

void redact_secret(char *text, const char *secret)
{
	size_t slen;
	char *p;

	if (!secret || !*secret)
		return;
	slen = strlen(secret);
	while ((p = strstr(text, secret)) != NULL) {
		size_t mask = slen < 4 ? slen : 4;

		memset(p, '*', mask);
		memmove(p + mask, p + slen, strlen(p + slen) + 1);
	}
}

char *str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void utc_timestamp(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}
