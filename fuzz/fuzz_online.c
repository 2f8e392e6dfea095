/*
 * fuzz/fuzz_online.c - online-migration operation files (pgroll's JSON
 * format) parsed from arbitrary bytes, without a database: a migration or
 * a parse error, never a crash; a parsed file has a name and operations
 * with a kind each.
 */
#include "fuzz.h"

#include "strata/error.h"
#include "strata/online.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_online_migration *m = NULL;
	int rc = strata_online_parse(&m, (const char *)data, size, "fuzz.json", NULL);

	FUZZ_CHECK(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ERROR);
	if (rc == 0) {
		FUZZ_CHECK(m != NULL);
		FUZZ_CHECK(strata_online_name(m) != NULL);
		for (size_t i = 0; i < strata_online_op_count(m); i++)
			FUZZ_CHECK(strata_online_op_kind(m, i) != NULL);
		strata_online_free(m);
	} else {
		FUZZ_CHECK(m == NULL);
	}
	strata_error_clear();
	return 0;
}
