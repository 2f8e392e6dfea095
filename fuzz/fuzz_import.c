/*
 * fuzz/fuzz_import.c - the import readers' text parsers (src/import/) from
 * arbitrary bytes: a goose file, a dbmate file, a sqitch plan, and the
 * SQL-text helpers every reader uses (BEGIN/COMMIT wrappers, statements
 * that cannot run in a transaction, empty steps).
 *
 * A parse either fails with an error set (and leaves nothing behind) or
 * gives sections no longer than the input; a plan's requires name earlier
 * changes, its tags follow at least one change, and its ids are unique.
 */
#include "fuzz.h"

#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

static void check_sections(int (*parse)(strata_import_step *, const char *, const char *, size_t),
			   const char *text, size_t len)
{
	strata_import_step st = { 0 };

	st.transactional = 1;
	if (parse(&st, "fuzz.sql", text, len) == 0) {
		FUZZ_CHECK(st.up_sql != NULL);
		FUZZ_CHECK(strlen(st.up_sql) <= len);
		FUZZ_CHECK((st.down_sql == NULL) == (st.irreversible != NULL));
		if (st.down_sql)
			FUZZ_CHECK(strlen(st.up_sql) + strlen(st.down_sql) <= len);
		(void)strata__imp_sql_empty(st.up_sql, strlen(st.up_sql));
	} else {
		FUZZ_CHECK(strata_error_last()->code != 0 && strata_error_last()->message[0]);
	}
	strata__imp_step_release(&st);
}

static void check_plan(const char *text, size_t len)
{
	sqitch_plan p;
	size_t i, j, k;

	if (strata__sqitch_plan_parse(&p, "sqitch.plan", text, len) != 0) {
		FUZZ_CHECK(p.nchanges == 0 && p.changes == NULL);
		FUZZ_CHECK(strata_error_last()->message[0]);
		return;
	}
	for (i = 0; i < p.nchanges; i++) {
		FUZZ_CHECK(p.changes[i].id && p.changes[i].name && p.changes[i].note && p.changes[i].created);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(p.changes[i].id, p.changes[j].id) != 0);
		for (k = 0; k < p.changes[i].nrequires; k++) {
			for (j = 0; j < i && strcmp(p.changes[j].id, p.changes[i].requires[k]) != 0; j++)
				;
			FUZZ_CHECK(j < i);
		}
	}
	for (i = 0; i < p.ntags; i++)
		FUZZ_CHECK(p.tags[i].after >= 1 && p.tags[i].after <= p.nchanges);
	strata__sqitch_plan_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	size_t n = strlen(s);
	strata_buf b = STRATA_BUF_INIT;

	check_sections(strata__goose_parse, s, n);
	check_sections(strata__dbmate_parse, s, n);
	check_plan(s, n);
	(void)strata__imp_nontx_statement(s);
	if (strata__buf_putn(&b, s, n) == 0) {
		int rc = strata__imp_strip_tx_wrapper(&b);

		FUZZ_CHECK(rc >= 0);
		FUZZ_CHECK(rc == 0 ? b.len == n : b.len < n);
	}
	strata__buf_release(&b);
	free(s);
	strata_error_clear();
	return 0;
}
