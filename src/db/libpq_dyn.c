/*
 * db/libpq_dyn.c - loading libpq on first use (see libpq_dyn.h).
 *
 * Layer: db. The outcome of the one load is kept as text (what failed and
 * why), so each thread that asks gets its own strata_error from it.
 */
#include "db/libpq_dyn.h"
#include "strata/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define INSTALL_HINT \
	"install the libpq5 package (apt-get install libpq5); it is only needed for PostgreSQL"

libpq_api libpq_dyn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512]; /* empty once loaded; else why the load failed */

/* Resolve one symbol, or say which one is missing. */
static void *resolve(void *lib, const char *name)
{
	void *sym = dlsym(lib, name);

	if (!sym)
		snprintf(failure, sizeof(failure), "%s has no function %s (too old a libpq?)",
			 LIBPQ_SONAME, name);
	return sym;
}

static void load(void)
{
	libpq_api api;
	void *lib = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (!lib) {
		why = dlerror();
		snprintf(failure, sizeof(failure), "cannot load %s: %s", LIBPQ_SONAME,
			 why ? why : "not found");
		return;
	}
#define LIBPQ_RESOLVE(fn)                                              \
	if (!(api.fn = (__typeof__(fn) *)resolve(lib, #fn))) { \
		dlclose(lib);                                          \
		return;                                                \
	}
	LIBPQ_FUNCTIONS(LIBPQ_RESOLVE)
#undef LIBPQ_RESOLVE
	libpq_dyn = api;
}

int libpq_dyn_load(void)
{
	pthread_once(&once, load);
	if (!failure[0])
		return 0;
	strata_error_set(STRATA_ERROR, "PostgreSQL support is not available: %s", failure);
	strata_error_hint(INSTALL_HINT);
	return STRATA_ERROR;
}
