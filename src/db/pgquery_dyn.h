/*
 * db/pgquery_dyn.h - libpg_query, loaded at run time the first time a
 * PostgreSQL script is split (internal to src/db/; see dynload.h for why
 * and how).
 *
 * Layer: db. Only sqlparse.c and pgquery_dyn.c include this file (and so
 * pg_query.h, for the types). strata__pgquery_dyn_load() dlopen()s libpg_query by
 * the soname of the library strata was built against (PGQUERY_SONAME,
 * found by the Makefile) and resolves the functions sqlparse.c calls,
 * its protobuf decoders included, into the table strata__pgquery_dyn.
 *
 * Invariant: once strata__pgquery_dyn_load() has returned 0 in a thread, every
 * slot is set and may be called from that thread (the table is written
 * once, inside pthread_once, before that).
 *
 * Calling a new libpg_query function from sqlparse.c: add it to
 * PGQUERY_FUNCTIONS.
 */
#ifndef STRATA_DB_PGQUERY_DYN_H
#define STRATA_DB_PGQUERY_DYN_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#ifndef PGQUERY_SONAME
#define PGQUERY_SONAME "libpg_query.so"
#endif
#ifndef PGQUERY_PACKAGE
#define PGQUERY_PACKAGE "libpg-query"
#endif

#define PGQUERY_FUNCTIONS(X)                     \
	X(pg_query_scan)                         \
	X(pg_query_free_scan_result)             \
	X(pg_query__scan_result__unpack)         \
	X(pg_query__scan_result__free_unpacked)  \
	X(pg_query_parse_protobuf)               \
	X(pg_query_free_protobuf_parse_result)   \
	X(pg_query__parse_result__unpack)        \
	X(pg_query__parse_result__free_unpacked) \
	X(pg_query_split_with_scanner)           \
	X(pg_query_split_with_parser)            \
	X(pg_query_free_split_result)            \
	X(pg_query_parse_plpgsql)                \
	X(pg_query_free_plpgsql_parse_result)

typedef struct pgquery_api {
#define PGQUERY_SLOT(fn) __typeof__(fn) *fn;
	PGQUERY_FUNCTIONS(PGQUERY_SLOT)
#undef PGQUERY_SLOT
} pgquery_api;

/* The resolved functions: call pgquery_dyn.pg_query_scan(...) once loaded. */
extern pgquery_api strata__pgquery_dyn;

/* Load libpg_query and fill strata__pgquery_dyn (once per process): 0 or STRATA_ERROR. */
int strata__pgquery_dyn_load(void);

#endif
