/*
 * schema/probe.h - one-query questions about a live catalog, for callers
 * that must not pay for a whole introspection (diff.h's strata__sc_introspect)
 * each time they ask: strata test's snapshots (src/test/), which take two
 * per revision and must stay linear in the number of revisions.
 *
 * Each function runs one or two catalog queries on db (the caller's
 * connection, borrowed) and copies what it needs out before returning.
 * Layer: schema; uses db and util only.
 */
#ifndef STRATA_SCHEMA_PROBE_H
#define STRATA_SCHEMA_PROBE_H

#include <stddef.h>

struct strata_db;

/*
 * SQLite: sqlite_schema's rows, in creation order with tables first, of
 * the objects one of the names is or belongs to (an index or trigger of a
 * named table; names compared without case); with names_json NULL, all of
 * them. names_json is a JSON array of strings. SQLite's own objects and
 * the bookkeeping tables (version_table's bare name and strata_history)
 * are left out. Each row is one string "type\x1fname\x1ftbl_name\x1fsql"
 * (strata__sc_sqlite_schema_row_field() reads its fields).
 * @param[out] rows  *n strings, each and the array freed with strata_free
 * @return 0, STRATA_EDB or STRATA_ERROR
 */
int strata__sc_sqlite_schema_rows(char ***rows, size_t *n, struct strata_db *db, const char *version_table,
			  const char *names_json);

/* A row's field k (0 type, 1 name, 2 tbl_name, 3 sql) and its length. */
const char *strata__sc_sqlite_schema_row_field(const char *row, int k, size_t *len);

/* PostgreSQL: whether user code that DML can run exists: a user trigger,
 * or a function outside extensions (defaults, checks, policies and the
 * statements themselves can call it). */
int strata__sc_pg_user_code_exists(int *out, struct strata_db *db);

/* PostgreSQL: whether an event trigger exists (any DDL may then do more
 * than it names). */
int strata__sc_pg_event_triggers_exist(int *out, struct strata_db *db);

/* PostgreSQL: add to v (as strata__sc_strv_push, without repeats) the versioned
 * schemas strata online's state table names, current and previous; none
 * when the table does not exist. */
int strata__sc_online_state_schemas(char ***v, size_t *n, struct strata_db *db);

#endif
