/*
 * db/dynload.c - opening shared libraries on first use (see dynload.h).
 *
 * Layer: db. The outcome of a load is kept as text in the dynload_lib, so
 * each thread that asks later gets its own strata_error from it.
 */
#include "db/dynload.h"
#include "strata/error.h"

#include <dlfcn.h>
#include <stdio.h>

void *strata__dynload_open(dynload_lib *lib)
{
	const char *why;

	if ((lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) != NULL)
		return lib->handle;
	why = dlerror();
	snprintf(lib->failure, sizeof(lib->failure), "cannot load %s: %s", lib->soname,
		 why ? why : "not found");
	return NULL;
}

void *strata__dynload_sym(dynload_lib *lib, const char *name)
{
	void *sym = dlsym(lib->handle, name);

	if (sym)
		return sym;
	snprintf(lib->failure, sizeof(lib->failure), "%s has no function %s (too old a version?)",
		 lib->soname, name);
	dlclose(lib->handle);
	lib->handle = NULL;
	return NULL;
}

int strata__dynload_result(const dynload_lib *lib)
{
	if (!lib->failure[0])
		return 0;
	strata_error_set(STRATA_ERROR, "%s is not available: %s", lib->purpose, lib->failure);
	strata_error_hint("%s", lib->hint);
	return STRATA_ERROR;
}
