/*
 * import/fmt_dbmate.c - dbmate histories: VERSION_name.sql files with
 * "-- migrate:up" and "-- migrate:down" sections.
 *
 * Layer: import (see import_int.h). Maps: the version prefix (as written,
 * usually a timestamp) to the revision id, the rest of the name to the
 * message, the sections to up and down. "transaction:false" after either
 * marker gives "transaction: off" (strata has one setting per revision,
 * for both directions). A file without a down marker is irreversible; an
 * empty down section is an explicit no-op.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <ctype.h>
#include <string.h>

typedef struct dbmate_state {
	int no_tx;
} dbmate_state;

/* The options after a marker: "transaction:false" and friends, blank-separated. */
static int options(dbmate_state *d, const char *path, int lineno, const char *p, const char *end)
{
	while (p < end) {
		const char *w;

		while (p < end && isspace((unsigned char)*p))
			p++;
		for (w = p; p < end && !isspace((unsigned char)*p); p++)
			;
		if (p == w)
			break;
		if ((size_t)(p - w) == 17 && strncmp(w, "transaction:false", 17) == 0)
			d->no_tx = 1;
		else if (!((size_t)(p - w) == 16 && strncmp(w, "transaction:true", 16) == 0))
			return strata__imp_perr(path, lineno, "dbmate's one option is transaction:false",
					"unknown dbmate option '%.*s'", (int)(p - w), w);
	}
	return 0;
}

static int classify(void *payload, const char *path, int lineno, const char *line, size_t n)
{
	const char *p = line, *end = line + n;
	int k, rc;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) >= 13 && strncmp(p, "-- migrate:up", 13) == 0 &&
	    (end - p == 13 || isspace((unsigned char)p[13])))
		k = IMP_UP, p += 13;
	else if ((size_t)(end - p) >= 15 && strncmp(p, "-- migrate:down", 15) == 0 &&
		 (end - p == 15 || isspace((unsigned char)p[15])))
		k = IMP_DOWN, p += 15;
	else
		return IMP_SQL;
	if ((rc = options(payload, path, lineno, p, end)) < 0)
		return rc;
	return k;
}

int strata__dbmate_parse(strata_import_step *st, const char *path, const char *text, size_t len)
{
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT;
	dbmate_state d = { 0 };
	int has_down, rc;

	rc = strata__imp_sections(&up, &down, &has_down, path, text, len, "'-- migrate:up'", classify, &d);
	if (rc == 0) {
		st->transactional = !d.no_tx;
		rc = strata__imp_take_sections(st, &up, &down, has_down, "the dbmate file has no '-- migrate:down' section");
	}
	strata__buf_release(&up);
	strata__buf_release(&down);
	return rc;
}

int strata__fmt_dbmate_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	/* dbmate applies pending files in the order of their names. */
	static const imp_annotated dbmate = {
		"dbmate", "dbmate migrations (db/migrations)", strata__dbmate_parse, 0, NULL, NULL,
	};

	(void)opt;
	return strata__imp_read_annotated(h, src, &dbmate);
}
