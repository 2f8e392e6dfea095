/*
 * db/libpq_dyn.h - libpq, loaded at run time on the first PostgreSQL
 * connection (internal to src/db/; see dynload.h for why and how).
 *
 * Layer: db. Only db_pg.c and libpq_dyn.c include this file (and so
 * libpq-fe.h, for the types). strata__libpq_dyn_load() dlopen()s "libpq.so.5"
 * and resolves the functions db_pg.c calls into the table strata__libpq_dyn.
 *
 * Invariant: once strata__libpq_dyn_load() has returned 0 in a thread, every slot
 * is set and may be called from that thread (the table is written once,
 * inside pthread_once, before that).
 *
 * Calling a new libpq function from db_pg.c: add it to LIBPQ_FUNCTIONS.
 */
#ifndef STRATA_DB_LIBPQ_DYN_H
#define STRATA_DB_LIBPQ_DYN_H

#include <libpq-fe.h>

/* The shared object loaded, by its soname. */
#define LIBPQ_SONAME "libpq.so.5"

#define LIBPQ_FUNCTIONS(X)    \
	X(PQbackendPID)        \
	X(PQclear)             \
	X(PQcmdStatus)         \
	X(PQconnectPoll)       \
	X(PQconnectStartParams) \
	X(PQconnectionNeedsPassword) \
	X(PQconninfoFree)      \
	X(PQconninfoParse)     \
	X(PQconsumeInput)      \
	X(PQerrorMessage)      \
	X(PQexec)              \
	X(PQexecParams)        \
	X(PQfinish)            \
	X(PQfreemem)           \
	X(PQgetCopyData)       \
	X(PQgetResult)         \
	X(PQgetisnull)         \
	X(PQgetvalue)          \
	X(PQisBusy)            \
	X(PQnfields)           \
	X(PQntuples)           \
	X(PQputCopyData)       \
	X(PQputCopyEnd)        \
	X(PQresultErrorField)  \
	X(PQresultErrorMessage) \
	X(PQresultStatus)      \
	X(PQsendPrepare)       \
	X(PQsendQuery)         \
	X(PQsendQueryParams)   \
	X(PQsendQueryPrepared) \
	X(PQserverVersion)     \
	X(PQsetErrorVerbosity) \
	X(PQsetNoticeProcessor) \
	X(PQsocket)            \
	X(PQstatus)            \
	X(PQtransactionStatus) \
	X(PQuser)

typedef struct libpq_api {
#define LIBPQ_SLOT(fn) __typeof__(fn) *fn;
	LIBPQ_FUNCTIONS(LIBPQ_SLOT)
#undef LIBPQ_SLOT
} libpq_api;

/* The resolved functions: call libpq_dyn.PQexec(...) once loaded. */
extern libpq_api strata__libpq_dyn;

/* Load libpq and fill strata__libpq_dyn (once per process): 0 or STRATA_ERROR. */
int strata__libpq_dyn_load(void);

#endif
