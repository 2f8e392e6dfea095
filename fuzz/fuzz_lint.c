/*
 * fuzz/fuzz_lint.c - the lint entry point (strata_lint_string) on arbitrary
 * SQL, for both engines: a report or a parse error, never a crash; every
 * finding points inside the text. On PostgreSQL the statements inside
 * function bodies and DO blocks are read too (seed bodies.sql).
 */
#include "fuzz.h"

#include "strata/error.h"
#include "strata/lint.h"

static void lint_one(unsigned engine, const char *sql, size_t len)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_report *r = NULL;
	int rc;

	o.engine = engine;
	rc = strata_lint_string(&r, sql, len, &o);
	FUZZ_CHECK(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ERROR);
	if (r) {
		for (size_t i = 0; i < strata_lint_report_count(r); i++) {
			const strata_lint_finding *f = strata_lint_report_at(r, i);

			FUZZ_CHECK(f != NULL);
			FUZZ_CHECK(f->line >= 1 && f->col >= 1);
		}
		strata_lint_report_free(r);
	}
	strata_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lint_one(STRATA_LINT_PG, (const char *)data, size);
	lint_one(STRATA_LINT_SQLITE, (const char *)data, size);
	return 0;
}
