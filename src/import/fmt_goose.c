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
	if (strata__imp_line_is(p, wl, "Up"))
		return IMP_UP;
	if (strata__imp_line_is(p, wl, "Down"))
		return IMP_DOWN;
	if (strata__imp_line_is(p, wl, "StatementBegin")) {
		g->in_statement = lineno;
		return IMP_DROP;
	}
	if (strata__imp_line_is(p, wl, "StatementEnd")) {
		if (!g->in_statement)
			return strata__imp_perr(path, lineno, "pair each StatementEnd with a StatementBegin",
					"'-- +goose StatementEnd' without a StatementBegin");
		g->in_statement = 0;
		return IMP_DROP;
	}
	if (strata__imp_line_is(p, wl, "NO TRANSACTION")) {
		g->no_tx = 1;
		return IMP_DROP;
	}
	if (wl >= 6 && strncasecmp(p, "ENVSUB", 6) == 0)
		return strata__imp_perr(path, lineno,
				"goose substitutes environment variables at run time; write the values "
				"into the file, then import it",
				"'-- +goose ENVSUB' is not supported");
	return strata__imp_perr(path, lineno,
			"goose knows Up, Down, StatementBegin, StatementEnd and NO TRANSACTION",
			"unknown goose annotation '%.*s'", (int)wl, p);
}

int strata__goose_parse(strata_import_step *st, const char *path, const char *text, size_t len)
{
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT;
	goose_state g = { 0, 0 };
	int has_down, rc;

	rc = strata__imp_sections(&up, &down, &has_down, path, text, len, "'-- +goose Up'", classify, &g);
	if (rc == 0 && g.in_statement)
		rc = strata__imp_perr(path, g.in_statement, "close it with '-- +goose StatementEnd'",
			      "'-- +goose StatementBegin' is never ended");
	if (rc == 0) {
		st->transactional = !g.no_tx;
		rc = strata__imp_take_sections(st, &up, &down, has_down, "the goose file has no '-- +goose Down' section");
	}
	strata__buf_release(&up);
	strata__buf_release(&down);
	return rc;
}

int strata__fmt_goose_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	static const imp_annotated goose = {
		"goose", "goose migrations", strata__goose_parse, 1, ".go",
		"a Go migration: its code runs inside goose and cannot be imported; write its SQL as a "
		"strata revision",
	};

	(void)opt;
	return strata__imp_read_annotated(h, src, &goose);
}
