/*
 * fuzz/fuzz_provider.c - the splitting of a provider's command line
 * (schema = exec: ..., schema/provider.c) on arbitrary text: it ends;
 * on success there is at least one word and the list ends with NULL;
 * showing the command never fails on what splits.
 */
#include "fuzz.h"

#include "schema/provider.h"
#include "strata/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_buf spec = STRATA_BUF_INIT, shown = STRATA_BUF_INIT;
	char **argv = NULL;
	size_t argc = 0;

	strata__buf_puts(&spec, SC_PROVIDER_PREFIX);
	strata__buf_putn(&spec, (const char *)data, strnlen((const char *)data, size));
	if (strata__sc_provider_argv(&argv, &argc, strata__buf_cstr(&spec) + 5) == 0) {
		FUZZ_CHECK(argc >= 1 && argv[argc] == NULL);
		for (size_t i = 0; i < argc; i++)
			FUZZ_CHECK(argv[i] != NULL);
		FUZZ_CHECK(strata__sc_provider_display(&shown, strata__buf_cstr(&spec)) == 0);
	} else {
		FUZZ_CHECK(argv == NULL && argc == 0);
	}
	strata__sc_provider_argv_free(argv);
	strata__buf_release(&spec);
	strata__buf_release(&shown);
	strata_error_clear();
	return 0;
}
