/*
 * db/dynload.h - shared libraries opened on first use instead of linked
 * (internal to src/db/): libpq for PostgreSQL connections (libpq_dyn.h)
 * and libpg_query for splitting PostgreSQL scripts (pgquery_dyn.h).
 *
 * Layer: db. A linked library is mapped and relocated in every strata
 * process, used or not: libpq brings some twenty-five more (Kerberos,
 * LDAP, TLS...), libpg_query is 2.7 MB of relocations; together they
 * cost several times what a no-op SQLite run needs. Each library has a
 * small module that lists the functions it uses in an X-macro, loads it
 * once (pthread_once) with these helpers, and fills a table whose slots
 * have the functions' own types (__typeof__ of the header's prototype),
 * so every call is still checked by the compiler.
 *
 * Invariants:
 *  1. A library is loaded at most once per process and never unloaded
 *     once all its functions are found; a failed load is remembered, and
 *     every later use fails the same way.
 *  2. A failure is STRATA_ERROR with a message naming the library and a
 *     hint saying which package to install.
 */
#ifndef STRATA_DB_DYNLOAD_H
#define STRATA_DB_DYNLOAD_H

typedef struct dynload_lib {
	const char *soname;  /* given to dlopen(), e.g. "libpq.so.5" */
	const char *purpose; /* what it is needed for, e.g. "PostgreSQL support" */
	const char *hint;    /* how to install it */
	void *handle;        /* while loading; NULL after a failure */
	char failure[512];   /* why the load failed; "" if it did not */
} dynload_lib;

/* dlopen() the library; NULL (and lib->failure set) if it cannot be. */
void *strata__dynload_open(dynload_lib *lib);
/* One function of the opened library; NULL (failure set, library closed) if missing. */
void *strata__dynload_sym(dynload_lib *lib, const char *name);
/* After the load: 0, or STRATA_ERROR with the thread's error set from lib. */
int strata__dynload_result(const dynload_lib *lib);

#endif
