/*
 * db/pgquery_dyn.c - loading libpg_query on first use (see pgquery_dyn.h,
 * dynload.h).
 */
#include "db/pgquery_dyn.h"
#include "db/dynload.h"

#include <pthread.h>

pgquery_api pgquery_dyn;

static dynload_lib lib = {
	PGQUERY_SONAME, "splitting PostgreSQL scripts",
	"install libpg_query (apt-get install " PGQUERY_PACKAGE "); only PostgreSQL needs it",
	NULL, "",
};
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	pgquery_api api;

	if (!dynload_open(&lib))
		return;
#define PGQUERY_RESOLVE(fn)                                                 \
	if (!(api.fn = (__typeof__(fn) *)dynload_sym(&lib, #fn)))          \
		return;
	PGQUERY_FUNCTIONS(PGQUERY_RESOLVE)
#undef PGQUERY_RESOLVE
	pgquery_dyn = api;
}

int pgquery_dyn_load(void)
{
	pthread_once(&once, load);
	return dynload_result(&lib);
}
