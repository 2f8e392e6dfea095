/*
 * db/driver.h - what db.c needs from each engine's driver (internal to src/db/).
 *
 * Layer: db. Each db_<engine>.c exports one open function that fills a
 * strata_db whose vt points at that engine's strata_db_vtable; strata__db_open()
 * (db.c) picks the engine from the connection string and calls it. The
 * engine splitters live in sqlparse.c (sqlparse.h).
 *
 * Invariants:
 *  1. An open function either returns 0 with *out set, or a negative
 *     strata_errcode with the thread's error set and nothing left open.
 *  2. (*out)->display is heap memory owned by the connection, freed by the
 *     driver's close, and never contains a password.
 */
#ifndef STRATA_DB_DRIVER_H
#define STRATA_DB_DRIVER_H

#include "db/db.h"

/* path: a file path or ":memory:" (the "sqlite:" prefix already removed). */
int strata__db_sqlite_open(strata_db **out, const char *path, const db_open_options *opts);
/* conninfo: a postgres:// URL or libpq key=value pairs, as the user gave it. */
int strata__db_pg_open(strata_db **out, const char *conninfo, const db_open_options *opts);

#endif
