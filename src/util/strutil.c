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
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int strata__parse_count(long *out, const char *s)
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

int strata__parse_duration_ms(long *out, const char *s)
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

int strata__utf8_valid(const char *str, size_t n, size_t *bad_offset)
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

int strata__random_hex(char *out, size_t n)
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

/*
 * Redaction follows libpq's own reading of a connection string, and where
 * the two could disagree it masks more, never less:
 *  - URL form ("scheme://..."): the user info runs to the last '@' before
 *    the first '/' (libpq stops at the first '@'; a password with an
 *    unencoded '@' or '?' is still masked whole), and every query
 *    parameter whose name, percent-decoded, ends in "password" (password,
 *    sslpassword) has its value masked.
 *  - key=value form: values are read as libpq reads them (quoted with
 *    '...', or up to a blank, a backslash escaping the next character), and
 *    the value of every keyword ending in "password" is masked, even when
 *    the '=' is missing.
 */
static int ends_with_password(const char *name, size_t n)
{
	static const char word[] = "password";
	size_t k = sizeof(word) - 1;

	return n >= k && strncasecmp(name + n - k, word, k) == 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A URL query parameter's name, percent-decoded (cut at 63 bytes), names a password. */
static int url_param_is_password(const char *name, size_t n)
{
	char dec[64];
	size_t i, d = 0;

	for (i = 0; i < n && d < sizeof(dec) - 1; i++) {
		if (name[i] == '%' && i + 2 < n && hex_value(name[i + 1]) >= 0 &&
		    hex_value(name[i + 2]) >= 0) {
			dec[d++] = (char)(hex_value(name[i + 1]) * 16 + hex_value(name[i + 2]));
			i += 2;
		} else {
			dec[d++] = name[i];
		}
	}
	return ends_with_password(dec, d);
}

/* "scheme://" at the start: letters, then letters, digits, '+', '-' or '.'. */
static size_t url_scheme_len(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return strncmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

/* postgres://user:secret@host/db?sslpassword=x -> postgres://user:****@host/db?sslpassword=**** */
/* Scrub the percent-decoded form of a URL password [pw, end) from what was
 * written from start on: a password written encoded in its place may
 * stand decoded in another parameter's value. */
static int scrub_decoded(strata_buf *out, size_t start, const char *pw, const char *end)
{
	strata_buf dec = STRATA_BUF_INIT;
	int changed = 0;

	for (const char *p = pw; p < end; p++) {
		int c = (unsigned char)*p;

		if (c == '%' && end - p >= 3 && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			char hex[3] = { p[1], p[2], 0 };

			c = (int)strtol(hex, NULL, 16);
			p += 2;
			changed = 1;
		}
		if (c == 0 || strata__buf_putc(&dec, (char)c) < 0) {
			strata__buf_release(&dec);
			return c == 0 ? 0 : STRATA_ERROR;
		}
	}
	if (changed && dec.len && out->ptr && !strata__buf_oom(out)) {
		strata__redact_secret(out->ptr + start, strata__buf_cstr(&dec));
		out->len = start + strlen(out->ptr + start);
	}
	strata__buf_release(&dec);
	return 0;
}

static int redact_url(strata_buf *out, const char *url, size_t scheme_len)
{
	const char *auth = url + scheme_len, *at = NULL, *p, *colon, *pw = NULL, *pw_end = NULL;
	size_t start = out->len;
	int rc;

	if (strata__buf_putn(out, url, scheme_len) < 0)
		return STRATA_ERROR;
	for (p = auth; *p && *p != '/'; p++)
		if (*p == '@')
			at = p;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (strata__buf_putn(out, auth, colon ? (size_t)(colon - auth) : (size_t)(at - auth)) < 0 ||
		    (colon && strata__buf_puts(out, ":****") < 0))
			return STRATA_ERROR;
		if (colon) {
			pw = colon + 1;
			pw_end = at;
		}
		auth = at;
	}
	for (p = auth; *p; ) {
		if (*p == '?' || *p == '&') {
			const char *name = p + 1, *eq = name;

			while (*eq && *eq != '=' && *eq != '&')
				eq++;
			if (*eq == '=' && url_param_is_password(name, (size_t)(eq - name))) {
				const char *end = eq + 1;

				while (*end && *end != '&')
					end++;
				if (strata__buf_putn(out, p, (size_t)(eq + 1 - p)) < 0 || strata__buf_puts(out, "****") < 0)
					return STRATA_ERROR;
				p = end;
				continue;
			}
		}
		if (strata__buf_putc(out, *p++) < 0)
			return STRATA_ERROR;
	}
	rc = pw ? scrub_decoded(out, start, pw, pw_end) : 0;
	return rc;
}

/* The end of a key=value value as libpq reads it: '...' quoted, or up to a blank. */
static const char *keyword_value_end(const char *s)
{
	if (*s == '\'') {
		s++;
		while (*s && *s != '\'') {
			if (*s == '\\' && s[1])
				s++;
			s++;
		}
		return *s ? s + 1 : s;
	}
	while (*s && !isspace((unsigned char)*s)) {
		if (*s == '\\' && s[1])
			s++;
		s++;
	}
	return s;
}

/* host=x password='a b' dbname=y -> host=x password=**** dbname=y */
static int redact_keywords(strata_buf *out, const char *s)
{
	while (*s) {
		const char *kw = s, *kw_end, *v;
		int secret;

		if (isspace((unsigned char)*s)) {
			if (strata__buf_putc(out, *s++) < 0)
				return STRATA_ERROR;
			continue;
		}
		while (*s && *s != '=' && !isspace((unsigned char)*s))
			s++;
		kw_end = s;
		secret = ends_with_password(kw, (size_t)(kw_end - kw));
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '=' && !secret) {
			/* Not key=value (libpq refuses it): show the word, go on. */
			if (strata__buf_putn(out, kw, (size_t)(s - kw)) < 0)
				return STRATA_ERROR;
			continue;
		}
		if (*s == '=')
			s++;
		/* shown: the keyword up to its '=', then the value (blanks between dropped) */
		if (strata__buf_putn(out, kw, (size_t)(s - kw)) < 0)
			return STRATA_ERROR;
		while (isspace((unsigned char)*s))
			s++;
		v = s;
		s = keyword_value_end(v);
		if (secret ? (s > v && strata__buf_puts(out, "****") < 0) : strata__buf_putn(out, v, (size_t)(s - v)) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

int strata__redact_conninfo(strata_buf *out, const char *conninfo)
{
	size_t scheme = url_scheme_len(conninfo);

	if (scheme)
		return redact_url(out, conninfo, scheme);
	return redact_keywords(out, conninfo);
}

/*
 * The mask is "****" (shorter for a shorter secret), in a character the
 * secret does not contain: a mask that could join the text around it into
 * another copy of the secret ("*" + "abc" for the secret "*abc"), or match
 * the secret itself ("**"), would leave the secret in the output.
 */
static char mask_char(const char *secret)
{
	static const char preferred[] = "*#x";
	int c;

	for (c = 0; preferred[c]; c++)
		if (!strchr(secret, preferred[c]))
			return preferred[c];
	for (c = '!'; c <= '~'; c++)
		if (!strchr(secret, c))
			return (char)c;
	return '\0';
}

void strata__redact_secret(char *text, const char *secret)
{
	size_t slen;
	char *p = text, mask_with;

	if (!secret || !*secret)
		return;
	slen = strlen(secret);
	mask_with = mask_char(secret);
	while ((p = strstr(p, secret)) != NULL) {
		size_t mask = !mask_with ? 0 : slen < 4 ? slen : 4;

		memset(p, mask_with, mask);
		memmove(p + mask, p + slen, strlen(p + slen) + 1);
		p += mask;
	}
}

char *strata__str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int strata__str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int strata__str_is_conflict_marker(const char *p, size_t len)
{
	static const char *const markers[] = { "<<<<<<<", "=======", ">>>>>>>", "|||||||" };
	size_t i;

	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (len >= 7 && memcmp(p, markers[i], 7) == 0 && (len == 7 || p[7] == ' ' ||
								     (markers[i][0] == '=' && p[7] == '\r')))
			return 1;
	return 0;
}

double strata__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void strata__pause_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void strata__utc_timestamp(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}
