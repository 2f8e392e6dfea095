/*
 * db/libpq_dyn.h - libpq, loaded at run time on the first PostgreSQL
 * connection (internal to src/db/).
 *
 * Layer: db. strata is not linked with libpq: linking it drags some
 * twenty-five shared libraries (Kerberos, LDAP, TLS, p11-kit...) into
 * every process, which costs more start-up time than a no-op SQLite run
 * takes in all. Instead libpq_dyn_load() dlopen()s "libpq.so.5" and
 * resolves the functions db_pg.c calls into the table libpq_dyn. The
 * types still come from libpq-fe.h, so every slot has the exact prototype
 * of the function it stands for.
 *
 * Invariants:
 *  1. The table is written once, inside pthread_once; after
 *     libpq_dyn_load() has returned 0 in a thread, every slot is set and
 *     may be called from that thread without further synchronisation.
 *  2. A failed load (library or symbol missing) is remembered: every later
 *     call fails the same way, with STRATA_ERROR and a hint naming the
 *     Debian package libpq5, and the table stays unusable.
 *  3. Once loaded, the library is never unloaded.
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
	X(PQsendQuery)         \
	X(PQsendQueryParams)   \
	X(PQserverVersion)     \
	X(PQsetNoticeProcessor) \
	X(PQsocket)            \
	X(PQstatus)            \
	X(PQtransactionStatus)

typedef struct libpq_api {
#define LIBPQ_SLOT(fn) __typeof__(fn) *fn;
	LIBPQ_FUNCTIONS(LIBPQ_SLOT)
#undef LIBPQ_SLOT
} libpq_api;

/* The resolved functions: call libpq_dyn.PQexec(...) once loaded. */
extern libpq_api libpq_dyn;

/* Load libpq and fill libpq_dyn (once per process): 0 or STRATA_ERROR. */
int libpq_dyn_load(void);

#endif
