/*
 * util/buf.c - growable strings (see buf.h).
 *
 * The failed state is ptr == oom_marker (a static, never written) with
 * len and cap 0, as libgit2's git_str does it: no extra field, and
 * strata__buf_cstr and code that reads ptr see an empty string.
 */
#include "util/buf.h"
#include "util/alloc.h"
#include "strata/error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char oom_marker[1];

int strata__buf_oom(const strata_buf *b)
{
	return b->ptr == oom_marker;
}

int strata__buf_check(const strata_buf *b)
{
	return strata__buf_oom(b) ? strata_error_set(STRATA_ERROR, "out of memory") : 0;
}

/* Enter the failed state (the error is already set); returns STRATA_ERROR. */
static int fail(strata_buf *b)
{
	if (!strata__buf_oom(b))
		strata_free(b->ptr);
	b->ptr = oom_marker;
	b->len = b->cap = 0;
	return STRATA_ERROR;
}

static int failed_before(void)
{
	return strata_error_set(STRATA_ERROR, "out of memory (an earlier append to this "
				"string failed)");
}

int strata__buf_grow(strata_buf *b, size_t extra)
{
	void *p = b->ptr;

	if (strata__buf_oom(b))
		return failed_before();
	if (extra > SIZE_MAX - 1 - b->len) {
		strata_error_set(STRATA_ERROR, "string too long");
		return fail(b);
	}
	if (strata_grow(&p, &b->cap, b->len + extra + 1, 1) < 0)
		return fail(b);
	b->ptr = p;
	return 0;
}

int strata__buf_putn(strata_buf *b, const char *s, size_t n)
{
	if (strata__buf_grow(b, n) < 0)
		return STRATA_ERROR;
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int strata__buf_puts(strata_buf *b, const char *s)
{
	return strata__buf_putn(b, s, strlen(s));
}

int strata__buf_putc(strata_buf *b, char c)
{
	return strata__buf_putn(b, &c, 1);
}

int strata__buf_vprintf(strata_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (strata__buf_oom(b))
		return failed_before();
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		strata_error_set(STRATA_ERROR, "bad format string");
		return fail(b);
	}
	if (strata__buf_grow(b, (size_t)n) < 0)
		return STRATA_ERROR;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int strata__buf_printf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata__buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

static int put_quoted(strata_buf *b, const char *s, char q)
{
	if (strata__buf_putc(b, q) < 0)
		return STRATA_ERROR;
	for (; *s; s++) {
		if (*s == q && strata__buf_putc(b, q) < 0)
			return STRATA_ERROR;
		if (strata__buf_putc(b, *s) < 0)
			return STRATA_ERROR;
	}
	return strata__buf_putc(b, q);
}

int strata__buf_put_sql_literal(strata_buf *b, const char *s)
{
	return put_quoted(b, s, '\'');
}

int strata__buf_put_sql_ident(strata_buf *b, const char *s)
{
	return put_quoted(b, s, '"');
}

void strata__buf_clear(strata_buf *b)
{
	strata__buf_truncate(b, 0);
}

void strata__buf_truncate(strata_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

const char *strata__buf_cstr(const strata_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *strata__buf_detach(strata_buf *b)
{
	char *p = b->ptr;

	if (strata__buf_oom(b)) {
		failed_before();
		p = NULL;
	} else if (!p) {
		p = strata_strdup("");
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void strata__buf_release(strata_buf *b)
{
	if (!strata__buf_oom(b))
		strata_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

/* The public names (strata/buf.h) of the calls above: the same functions
 * under a second name, not copies. */
int strata_buf_puts(strata_buf *b, const char *s) __attribute__((alias("strata__buf_puts")));
int strata_buf_printf(strata_buf *b, const char *fmt, ...) __attribute__((alias("strata__buf_printf")));
const char *strata_buf_cstr(const strata_buf *b) __attribute__((alias("strata__buf_cstr")));
char *strata_buf_detach(strata_buf *b) __attribute__((alias("strata__buf_detach")));
void strata_buf_release(strata_buf *b) __attribute__((alias("strata__buf_release")));
