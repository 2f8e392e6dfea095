/*
 * util/buf.c - growable strings (see buf.h).
 */
#include "util/buf.h"
#include "util/alloc.h"
#include "strata/error.h"

#include <stdio.h>
#include <string.h>

int buf_grow(strata_buf *b, size_t extra)
{
	void *p = b->ptr;

	if (b->len + extra + 1 < b->len)
		return strata_error_set(STRATA_ERROR, "string too long");
	if (strata_grow(&p, &b->cap, b->len + extra + 1, 1) < 0)
		return STRATA_ERROR;
	b->ptr = p;
	return 0;
}

int buf_putn(strata_buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n) < 0)
		return STRATA_ERROR;
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_puts(strata_buf *b, const char *s)
{
	return buf_putn(b, s, strlen(s));
}

int buf_putc(strata_buf *b, char c)
{
	return buf_putn(b, &c, 1);
}

int buf_vprintf(strata_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return strata_error_set(STRATA_ERROR, "bad format string");
	if (buf_grow(b, (size_t)n) < 0)
		return STRATA_ERROR;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

static int put_quoted(strata_buf *b, const char *s, char q)
{
	if (buf_putc(b, q) < 0)
		return STRATA_ERROR;
	for (; *s; s++) {
		if (*s == q && buf_putc(b, q) < 0)
			return STRATA_ERROR;
		if (buf_putc(b, *s) < 0)
			return STRATA_ERROR;
	}
	return buf_putc(b, q);
}

int buf_put_sql_literal(strata_buf *b, const char *s)
{
	return put_quoted(b, s, '\'');
}

int buf_put_sql_ident(strata_buf *b, const char *s)
{
	return put_quoted(b, s, '"');
}

void buf_clear(strata_buf *b)
{
	buf_truncate(b, 0);
}

void buf_truncate(strata_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

const char *buf_cstr(const strata_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *buf_detach(strata_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = strata_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_release(strata_buf *b)
{
	strata_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}
