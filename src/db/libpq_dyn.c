/*
 * db/libpq_dyn.c - loading libpq on first use (see libpq_dyn.h, dynload.h).
 */
#include "db/libpq_dyn.h"
#include "db/dynload.h"

#include <pthread.h>

libpq_api strata__libpq_dyn;

static dynload_lib lib = {
	LIBPQ_SONAME, "PostgreSQL support",
	"install the libpq5 package (apt-get install libpq5); only PostgreSQL needs it",
	NULL, "",
};
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	libpq_api api;

	if (!strata__dynload_open(&lib))
		return;
#define LIBPQ_RESOLVE(fn)                                                   \
	if (!(api.fn = (__typeof__(fn) *)strata__dynload_sym(&lib, #fn)))          \
		return;
	LIBPQ_FUNCTIONS(LIBPQ_RESOLVE)
#undef LIBPQ_RESOLVE
	strata__libpq_dyn = api;
}

int strata__libpq_dyn_load(void)
{
	pthread_once(&once, load);
	return strata__dynload_result(&lib);
}
