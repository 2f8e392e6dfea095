/*
 * db/pgquery_dyn.c - loading libpg_query on first use (see pgquery_dyn.h,
 * dynload.h).
 */
#include "db/pgquery_dyn.h"
#include "db/dynload.h"

#include <pthread.h>

pgquery_api strata__pgquery_dyn;

static dynload_lib lib = {
	PGQUERY_SONAME, "splitting PostgreSQL scripts",
	"install libpg_query (apt-get install " PGQUERY_PACKAGE "); only PostgreSQL needs it",
	NULL, "",
};
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	pgquery_api api;

	if (!strata__dynload_open(&lib))
		return;
#define PGQUERY_RESOLVE(fn)                                                 \
	if (!(api.fn = (__typeof__(fn) *)strata__dynload_sym(&lib, #fn)))          \
		return;
	PGQUERY_FUNCTIONS(PGQUERY_RESOLVE)
#undef PGQUERY_RESOLVE
	strata__pgquery_dyn = api;
}

int strata__pgquery_dyn_load(void)
{
	pthread_once(&once, load);
	return strata__dynload_result(&lib);
}

/*
 * libpg_query leaks one byte each time pg_query_parse_plpgsql() cannot
 * compile a body (strata__sqlparse_body_statements reads bodies that way): the
 * copy of its captured stderr that pg_query_raw_parse() makes is never
 * handed back, so no caller can free it. Under AddressSanitizer that one
 * allocation site is suppressed for every program linked with libstrata;
 * what libpg_query hands back is freed with its pg_query_free_*()
 * functions, and a result strata forgot to free still leaks from other
 * sites and is still reported.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PGQUERY_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(PGQUERY_UNDER_ASAN)
#define PGQUERY_UNDER_ASAN 1
#endif
#ifdef PGQUERY_UNDER_ASAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:pg_query_raw_parse\n";
}
#endif
