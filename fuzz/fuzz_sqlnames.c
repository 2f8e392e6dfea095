/*
 * fuzz/fuzz_sqlnames.c - the name lexer of strata test's scoped snapshots
 * (schema/sqlnames.c) on arbitrary SQL: it ends, every name is 1 to 63
 * bytes with no NUL, and no name comes twice.
 */
#include "fuzz.h"

#include "schema/sqlnames.h"
#include "strata/error.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sc_names n = { NULL, 0, 0, 0, 0 };

	if (strata__sc_names_add_sql(&n, (const char *)data, size) == 0) {
		for (size_t i = 0; i < n.n; i++) {
			size_t len = strlen(n.v[i]);

			FUZZ_CHECK(len >= 1 && len <= 63);
			for (size_t j = i + 1; j < n.n && j < i + 64; j++)
				FUZZ_CHECK(strcmp(n.v[i], n.v[j]) != 0);
		}
	}
	strata__sc_names_release(&n);
	strata_error_clear();
	return 0;
}
