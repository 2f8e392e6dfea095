/*
 * strata/db.h - connections to the databases libstrata works on.
 *
 * Most calls open and close their own connection from a configuration's
 * database (strata/config.h). A caller opens one itself for the calls
 * that work on a connection it keeps: sessions (strata/session.h).
 *
 * Connection strings: "sqlite:PATH", "sqlite::memory:", a path ending in
 * .db, .sqlite or .sqlite3, "postgres://..." or "postgresql://...", or
 * libpq key=value pairs ("host=... dbname=..."). No message ever shows a
 * connection's password.
 */
#ifndef STRATA_DB_H
#define STRATA_DB_H

#include "strata/buf.h"
#include "strata/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The database engines. */
typedef enum strata_engine {
	STRATA_ENGINE_SQLITE = 1,
	STRATA_ENGINE_POSTGRES = 2,
} strata_engine;

/** An open connection. */
typedef struct strata_db strata_db;

/** Which engine a connection string names, without connecting; 0 when none. */
strata_engine strata_db_engine_of(const char *conninfo);

/**
 * Open a connection to cfg's database, as upgrade opens it: a relative
 * sqlite: path resolves against the project folder (cfg->root), and
 * PostgreSQL's application_name is "strata".
 * @param[out] out  close with strata_db_close()
 * @param cfg  borrowed for the call
 * @return 0, STRATA_EINVALID (no database, or a string of no known form,
 *         with a hint listing the forms), STRATA_EDB (could not connect)
 */
int strata_db_open(strata_db **out, const strata_config *cfg);

/** Close a connection strata_db_open() opened. NULL is fine. */
void strata_db_close(strata_db *db);

/**
 * Append to out the same PostgreSQL connection string with
 * connect_timeout=seconds, unless it sets one already (then it is copied
 * as it is). Other engines' strings are copied unchanged.
 */
int strata_db_conninfo_with_connect_timeout(strata_buf *out, const char *conninfo, long seconds);

#ifdef __cplusplus
}
#endif
#endif
