/*
 * fuzz/fuzz_alembic.c - the alembic reader's answer from its helper
 * (import/fmt_alembic.c, strata__alembic_parse) from arbitrary bytes.
 *
 * The helper prints what Alembic read from the user's revision files
 * (ids, messages, SQL, error texts), so whatever arrives must become a
 * history or an EPARSE error, never a crash. A history that parses keeps
 * the reader's promises: valid ids, an up section for every step (a stub
 * says so in it), and a reason wherever the down is missing.
 */
#include "fuzz.h"

#include "import/import_int.h"
#include "strata/error.h"
#include "strata/migration.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_import_history *h = strata_calloc(1, sizeof(*h));
	size_t i;

	if (!h)
		return 0;
	h->format = "alembic";
	if (strata__alembic_parse(h, (const char *)data, size, "/fuzz") == 0) {
		for (i = 0; i < h->nsteps; i++) {
			const strata_import_step *st = &h->steps[i];

			FUZZ_CHECK(strata_revision_id_valid(st->id));
			FUZZ_CHECK(st->up_sql != NULL && st->message != NULL);
			FUZZ_CHECK(!st->stub || strstr(st->up_sql, "-- STUB") == st->up_sql);
			FUZZ_CHECK(st->down_sql || st->irreversible);
		}
	} else {
		FUZZ_CHECK(strata_error_last()->code != 0 && strata_error_last()->message[0]);
	}
	strata_import_history_free(h);
	strata_error_clear();
	return 0;
}
