/*
 * strata/buf.h - growable, always NUL-terminated byte strings.
 *
 * Several calls give their text through a strata_buf the caller owns
 * (strata_schema_dump(), strata_schema_erd(), ...): start it as
 * STRATA_BUF_INIT, let calls append to it, read it with strata_buf_cstr()
 * and end it with strata_buf_release(), or take its memory with
 * strata_buf_detach() (then free that with strata_free()).
 *
 * A failed append (out of memory) is sticky: the buffer drops what it
 * held, every later append fails, and strata_buf_cstr() gives "". So a
 * run of appends can be checked once, at the end.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_buf {
	char *ptr;   /* the text, NUL-terminated; NULL until something is written */
	size_t len;  /* its length */
	size_t cap;  /* bytes allocated */
} strata_buf;

#define STRATA_BUF_INIT { NULL, 0, 0 }

/** Append a string; 0 or STRATA_ERROR (out of memory). */
int strata_buf_puts(strata_buf *b, const char *s);
/** Append printf-formatted text; 0 or STRATA_ERROR. */
int strata_buf_printf(strata_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The contents; never NULL ("" for an empty or failed buffer). Borrowed until the next change. */
const char *strata_buf_cstr(const strata_buf *b);
/** Take the memory (free with strata_free()); the buffer is empty again. NULL when out of memory. */
char *strata_buf_detach(strata_buf *b);
/** Free the contents; the buffer is empty and usable again. */
void strata_buf_release(strata_buf *b);

#ifdef __cplusplus
}
#endif
#endif
