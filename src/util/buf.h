/*
 * util/buf.h - growable, always NUL-terminated byte strings.
 *
 * A strata_buf owns its memory; STRATA_BUF_INIT is an empty buffer that
 * allocates nothing until written. Appends return 0 or STRATA_ERROR.
 *
 * A failed append (out of memory, or a length or format that cannot be
 * written) is sticky: the buffer frees what it held and enters a failed
 * state in which every later append fails and changes nothing, strata__buf_clear
 * and strata__buf_truncate do nothing, strata__buf_cstr gives "" and strata__buf_detach gives
 * NULL. A buffer never holds the front half of what was appended, so
 * code that builds text with many appends may leave their results
 * unchecked and ask strata__buf_oom() once before it uses the text (stores,
 * runs or hands it on). strata__buf_release ends the state: the buffer is empty
 * and usable again.
 */
#ifndef STRATA_UTIL_BUF_H
#define STRATA_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "strata/buf.h" /* the type, STRATA_BUF_INIT, and the strata_buf_* names callers use */

int strata__buf_grow(strata_buf *b, size_t extra);
int strata__buf_putn(strata_buf *b, const char *s, size_t n);
int strata__buf_puts(strata_buf *b, const char *s);
int strata__buf_putc(strata_buf *b, char c);
int strata__buf_printf(strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strata__buf_vprintf(strata_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append s as a SQL string literal ('...' with quotes doubled). */
int strata__buf_put_sql_literal(strata_buf *b, const char *s);
/* Append s as a double-quoted SQL identifier. */
int strata__buf_put_sql_ident(strata_buf *b, const char *s);
/* Did an append fail since the buffer was made or last released? */
int strata__buf_oom(const strata_buf *b);
/* 0, or when strata__buf_oom(b) STRATA_ERROR with the thread's error set to
 * "out of memory": the one check before the contents are used. */
int strata__buf_check(const strata_buf *b);
void strata__buf_clear(strata_buf *b);
void strata__buf_truncate(strata_buf *b, size_t len);
/* The contents; never NULL (an empty or failed buffer gives ""). */
const char *strata__buf_cstr(const strata_buf *b);
/* Hand the memory to the caller (free with strata_free); the buffer is
 * reset. NULL, with the thread's error set, when out of memory (also
 * when strata__buf_oom(b)). */
char *strata__buf_detach(strata_buf *b);
void strata__buf_release(strata_buf *b);

#endif
