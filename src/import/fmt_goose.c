/*
 * import/fmt_goose.c - goose histories: NNN_name.sql files with
 * "-- +goose Up" / "-- +goose Down" sections.
 *
 * Layer: import (see import_int.h). Maps: the version prefix (as written)
 * to the revision id, the rest of the name to the message, the Up section
 * to up and the Down section to down. "-- +goose StatementBegin/End"
 * lines are dropped: strata splits statements with the engine's own
 * parser, which keeps function bodies whole. "-- +goose NO TRANSACTION"
 * gives "transaction: off". A file without a Down annotation is
 * irreversible (goose would run nothing and forget the version); an empty
 * Down section is an explicit no-op. Go migrations (.go) cannot be
 * imported and are reported as skipped. Annotations are matched without
 * regard to case, as goose does.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct goose_state {
	int no_tx;
	int in_statement;
} goose_state;

static int classify(void *payload, const char *path, int lineno, const char *line, size_t n)
{
	goose_state *g = payload;
	const char *p = line, *end = line + n;
	size_t wl;

	/* "-- +goose", or "--+goose": goose trims what follows the "--". */
	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) < 2 || p[0] != '-' || p[1] != '-')
		return IMP_SQL;
	p += 2;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) < 6 || strncmp(p, "+goose", 6) != 0 ||
	    (end - p > 6 && !isspace((unsigned char)p[6])))
		return IMP_SQL;
	p += 6;
	while (p < end && isspace((unsigned char)*p))
		p++;
	wl = (size_t)(end - p);
	if (imp_line_is(p, wl, "Up"))
		return IMP_UP;
	if (imp_line_is(p, wl, "Down"))
		return IMP_DOWN;
	if (imp_line_is(p, wl, "StatementBegin")) {
		g->in_statement = lineno;
		return IMP_DROP;
	}
	if (imp_line_is(p, wl, "StatementEnd")) {
		if (!g->in_statement)
			return imp_perr(path, lineno, "pair each StatementEnd with a StatementBegin",
					"'-- +goose StatementEnd' without a StatementBegin");
		g->in_statement = 0;
		return IMP_DROP;
	}
	if (imp_line_is(p, wl, "NO TRANSACTION")) {
		g->no_tx = 1;
		return IMP_DROP;
	}
	if (wl >= 6 && strncasecmp(p, "ENVSUB", 6) == 0)
		return imp_perr(path, lineno,
				"goose substitutes environment variables at run time; write the values "
				"into the file, then import it",
				"'-- +goose ENVSUB' is not supported");
	return imp_perr(path, lineno,
			"goose knows Up, Down, StatementBegin, StatementEnd and NO TRANSACTION",
			"unknown goose annotation '%.*s'", (int)wl, p);
}

int goose_parse(strata_import_step *st, const char *path, const char *text, size_t len)
{
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT;
	goose_state g = { 0, 0 };
	int has_down, rc;

	rc = imp_sections(&up, &down, &has_down, path, text, len, "'-- +goose Up'", classify, &g);
	if (rc == 0 && g.in_statement)
		rc = imp_perr(path, g.in_statement, "close it with '-- +goose StatementEnd'",
			      "'-- +goose StatementBegin' is never ended");
	if (rc == 0) {
		st->transactional = !g.no_tx;
		if ((rc = imp_set(&st->up_sql, buf_cstr(&up))) == 0) {
			if (has_down)
				rc = imp_set(&st->down_sql, buf_cstr(&down));
			else
				rc = imp_set(&st->irreversible, "the goose file has no '-- +goose Down' section");
		}
	}
	buf_release(&up);
	buf_release(&down);
	return rc;
}

/* NNN_name.sql: the digits before the first '_'. */
static size_t version_len(const char *name)
{
	size_t n = strspn(name, "0123456789");

	return n && name[n] == '_' ? n : 0;
}

static int cmp_steps(const void *a, const void *b)
{
	const strata_import_step *x = a, *y = b;

	return imp_cmp_digits(x->id, strlen(x->id), y->id, strlen(y->id));
}

int fmt_goose_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = imp_list_dir(&names, &n, src, "goose migrations")) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		size_t len = strlen(name), v = version_len(name);
		strata_import_step *st;

		if (len > 3 && strcmp(name + len - 3, ".go") == 0) {
			rc = imp_skip(h, name, "a Go migration: its code runs inside goose and cannot be "
					       "imported; write its SQL as a strata revision");
			continue;
		}
		if (len < 5 || strcmp(name + len - 4, ".sql") != 0)
			continue;
		if (!v) {
			rc = imp_skip(h, name, "not named VERSION_name.sql, so goose does not run it");
			continue;
		}
		buf_clear(&path);
		if ((rc = imp_read_file(&text, src, name)) < 0 || (rc = imp_step_add(&st, h)) < 0 ||
		    (rc = imp_setn(&st->id, name, v)) < 0 ||
		    (rc = imp_message_from(&st->message, name + v + 1, len - v - 5)) < 0 ||
		    buf_printf(&path, "%s/%s", src, name) < 0 || (rc = imp_set(&st->source, buf_cstr(&path))) < 0)
			break;
		rc = goose_parse(st, buf_cstr(&path), text.ptr, text.len);
	}
	(void)opt;
	if (rc == 0) {
		imp_sort_steps(h, cmp_steps);
		rc = imp_chain(h);
	}
	fs_free_names(names, n);
	buf_release(&text);
	buf_release(&path);
	return rc;
}
