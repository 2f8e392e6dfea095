/*
 * fuzz/fuzz_advise_index.c - the advisor's reader of index definitions
 * (advise/model.c, strata__adv_index_parse) on arbitrary text: it ends, never
 * reads past the text, and what it reads holds together (every key has
 * text, a column's modifiers are set, a method is named).
 */
#include "fuzz.h"

#include "advise/advise.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *def = strata_strndup((const char *)data, size);
	adv_index x;

	if (!def)
		return 0;
	memset(&x, 0, sizeof(x));
	if (strata__adv_index_parse(&x, def) == 0) {
		FUZZ_CHECK(x.nkeys > 0 && x.method && *x.method);
		for (size_t i = 0; i < x.nkeys; i++) {
			FUZZ_CHECK(x.keys[i].text != NULL);
			FUZZ_CHECK(!x.keys[i].col || x.keys[i].rest);
		}
	}
	strata__adv_index_release(&x);
	strata_free(def);
	strata_error_clear();
	return 0;
}
