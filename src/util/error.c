/*
 * util/error.c - the per-thread error record behind strata/error.h.
 *
 * One record per thread, overwritten by each strata_error_set(). Messages
 * are truncated, never overflowed. Nothing here prints.
 */
#include "strata/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local strata_error last;

int strata_error_set_at(const char *file, int line, int code, const char *fmt, ...)
{
	va_list ap;

	memset(&last, 0, sizeof(last));
	last.code = code;
	last.src_file = file;
	last.src_line = line;
	va_start(ap, fmt);
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	va_end(ap);
	return code;
}

void strata_error_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last.hint, sizeof(last.hint), fmt, ap);
	va_end(ap);
}

void strata_error_append(const char *fmt, ...)
{
	size_t used = strlen(last.message);
	va_list ap;

	if (used + 1 >= sizeof(last.message))
		return;
	va_start(ap, fmt);
	vsnprintf(last.message + used, sizeof(last.message) - used, fmt, ap);
	va_end(ap);
}

void strata_error_sqlstate(const char *state)
{
	snprintf(last.sqlstate, sizeof(last.sqlstate), "%s", state ? state : "");
}

const strata_error *strata_error_last(void)
{
	return &last;
}

void strata_error_restore(const strata_error *saved)
{
	if (saved != &last)
		last = *saved;
}

void strata_error_clear(void)
{
	memset(&last, 0, sizeof(last));
}

int strata_error_has_sqlstate(const strata_error *e)
{
	return e && strlen(e->sqlstate) == 5;
}
