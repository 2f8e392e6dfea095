/*
 * util/buf.h - growable, always NUL-terminated byte strings.
 *
 * A strata_buf owns its memory; STRATA_BUF_INIT is an empty buffer that
 * allocates nothing until written. Appends return 0 or STRATA_ERROR (out
 * of memory), after which the buffer keeps its previous contents.
 */
#ifndef STRATA_UTIL_BUF_H
#define STRATA_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strata_buf {
	char *ptr;
	size_t len;
	size_t cap;
} strata_buf;

#define STRATA_BUF_INIT { NULL, 0, 0 }

int buf_grow(strata_buf *b, size_t extra);
int buf_putn(strata_buf *b, const char *s, size_t n);
int buf_puts(strata_buf *b, const char *s);
int buf_putc(strata_buf *b, char c);
int buf_printf(strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(strata_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append s as a SQL string literal ('...' with quotes doubled). */
int buf_put_sql_literal(strata_buf *b, const char *s);
/* Append s as a double-quoted SQL identifier. */
int buf_put_sql_ident(strata_buf *b, const char *s);
void buf_clear(strata_buf *b);
void buf_truncate(strata_buf *b, size_t len);
/* The contents; never NULL (an empty buffer gives ""). */
const char *buf_cstr(const strata_buf *b);
/* Hand the memory to the caller (free with strata_free); the buffer is reset. */
char *buf_detach(strata_buf *b);
void buf_release(strata_buf *b);

#endif
