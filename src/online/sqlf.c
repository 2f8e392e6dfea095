/*
 * online/sqlf.c - strata__sqlf(), the printf of SQL text the online engine builds
 * its statements with (%I identifiers, %Q schema-qualified names, %L
 * literals; see online_int.h).
 *
 * Layer: online. Appends to a strata_buf; an append that fails leaves the
 * buffer failed (util/buf.h), checked once by whoever runs the statement.
 */
#include "online/online_int.h"
#include "online/plan_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int strata__sqlf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p;
	int rc = 0;

	va_start(ap, fmt);
	for (p = fmt; *p && rc == 0; p++) {
		if (*p != '%') {
			rc = strata__buf_putc(b, *p);
			continue;
		}
		switch (*++p) {
		case 'I':
			rc = strata__buf_put_sql_ident(b, va_arg(ap, const char *));
			break;
		case 'Q': {
			const char *schema = va_arg(ap, const char *);
			const char *name = va_arg(ap, const char *);

			if ((rc = strata__buf_put_sql_ident(b, schema)) == 0 && (rc = strata__buf_putc(b, '.')) == 0)
				rc = strata__buf_put_sql_ident(b, name);
			break;
		}
		case 'L':
			rc = strata__buf_put_sql_literal(b, va_arg(ap, const char *));
			break;
		case 's':
			rc = strata__buf_puts(b, va_arg(ap, const char *));
			break;
		case 'd':
			rc = strata__buf_printf(b, "%d", va_arg(ap, int));
			break;
		case 'u':
			rc = strata__buf_printf(b, "%u", va_arg(ap, unsigned));
			break;
		case '%':
			rc = strata__buf_putc(b, '%');
			break;
		default:
			rc = STRATA_ERROR;
			break;
		}
	}
	va_end(ap);
	return rc < 0 ? STRATA_ERROR : 0;
}
