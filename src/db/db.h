/*
 * db/db.h - the database driver interface: one small vtable per engine.
 *
 * Layer: db (above util, below core/schema/lint/online). Only src/db/
 * includes libpq-fe.h and sqlite3.h; only src/db/sqlparse.c uses
 * libpg_query (the one wrapper of it, shared later by lint and schema,
 * which sit above this layer). libpq and libpg_query are not linked but
 * loaded when PostgreSQL first needs them (dynload.h).
 *
 * Callers use the db_* wrappers below, never the vtable pointers.
 *
 * Invariants:
 *  1. Every driver function returns 0 or a negative strata_errcode, and on
 *     failure has set the thread's strata_error. Engine errors keep their
 *     SQLSTATE (PostgreSQL) or extended result code (SQLite) in
 *     strata_error.sqlstate.
 *  2. No message, hint or log line ever contains the connection password:
 *     drivers only ever show strata__db_display_name(), which is redacted.
 *  3. Parameters are bound, never spliced: SQL text uses $1, $2, ... for
 *     both engines (the SQLite driver binds them by name), values are text
 *     (NULL pointer = SQL NULL).
 *  4. Row callbacks get values as NUL-terminated text (NULL for SQL NULL),
 *     valid only during the call: copy what you keep.
 *
 * Adding an engine: a new db_<engine>.c filling strata_db_vtable, and a
 * line in strata__db_open() (db.c) that recognises its connection strings.
 */
#ifndef STRATA_DB_DB_H
#define STRATA_DB_DB_H

#include <stddef.h>
#include "strata/db.h" /* strata_db, and the public names of the calls below */

/* The same values as strata_engine (strata/db.h). */
typedef enum db_engine {
	DB_SQLITE = 1,
	DB_POSTGRES = 2,
} db_engine;

typedef struct strata_db strata_db;

/* Options for opening a connection. */
typedef struct db_open_options {
	int version;               /* DB_OPEN_OPTIONS_VERSION */
	const char *project_root;  /* relative sqlite: paths resolve against this; NULL = cwd */
	long connect_timeout_ms;   /* 0 = engine default */
	const char *application_name; /* PostgreSQL application_name, e.g. "strata" */
	int read_only;             /* SQLite: open an existing file read-only, never creating */
				   /*   it; PostgreSQL: a session with default_transaction_read_only */
} db_open_options;
#define DB_OPEN_OPTIONS_VERSION 1
#define DB_OPEN_OPTIONS_INIT { DB_OPEN_OPTIONS_VERSION, NULL, 0, "strata", 0 }

/* One statement of a script, located in the script's text. */
typedef struct db_stmt {
	size_t offset;      /* start of the statement text (after leading blanks/comments) */
	size_t len;         /* its length, without the terminating ';' */
	size_t data_offset; /* PostgreSQL COPY ... FROM STDIN: the data lines after it, */
	size_t data_len;    /*   up to and excluding the "\." line; 0/0 otherwise */
} db_stmt;

/* Row callback: return 0 to go on, anything else stops the query and is returned. */
typedef int (*db_row_cb)(void *payload, int ncols, const char *const *values);

typedef struct strata_db_vtable {
	int version; /* STRATA_DB_VTABLE_VERSION */
	const char *name; /* "sqlite" or "postgres" */
	db_engine engine;
	void (*close)(strata_db *db);
	/* Run one statement, with optional bound text parameters; results discarded. */
	int (*exec)(strata_db *db, const char *sql, int nparams, const char *const *params);
	/* Run one statement and hand each row to cb. */
	int (*query)(strata_db *db, const char *sql, int nparams, const char *const *params,
		     db_row_cb cb, void *payload);
	/* Run one statement of a migration: text [sql, sql+len), and COPY data when given. */
	int (*exec_stmt)(strata_db *db, const char *sql, size_t len, const char *copy_data,
			 size_t copy_len);
	/* Transactions. SQLite's begin is BEGIN IMMEDIATE (takes the write lock,
	 * waiting up to the lock-wait time); PostgreSQL's is BEGIN. */
	int (*begin)(strata_db *db);
	int (*commit)(strata_db *db);
	int (*rollback)(strata_db *db);
	/* The run lock that serialises concurrent strata runners on one database.
	 * PostgreSQL: a session advisory lock, keyed by the given name, waited for
	 * up to wait_ms, and on failure an STRATA_ELOCKED error naming the holder
	 * (pid, host, since when). SQLite: an exclusive flock on "<db>.strata-lock",
	 * waited for the same way (see db_sqlite.c for why), and the busy
	 * timeout set to wait_ms. Either way the lock outlives transactions, so
	 * a `transaction: off` step is covered too, and dies with its holder. */
	int (*lock)(strata_db *db, const char *key, long wait_ms);
	int (*unlock)(strata_db *db, const char *key);
	/* Session timeouts (PostgreSQL: SET lock_timeout / statement_timeout;
	 * SQLite: statement_timeout via a progress handler, lock_timeout via
	 * the busy timeout). 0 = no limit. */
	int (*set_timeouts)(strata_db *db, long lock_timeout_ms, long statement_timeout_ms);
	/* The database user this session runs as (malloc'ed, caller frees). */
	int (*current_user)(strata_db *db, char **out);
	/* The engine's version as a number (PostgreSQL server_version_num, SQLite 3xxxyyy). */
	int (*server_version)(strata_db *db);
	/* query, for a statement run many times on this connection: name is
	 * its name there, always for the same sql. NULL: strata__db_query_prepared
	 * runs it with query. */
	int (*query_prepared)(strata_db *db, const char *name, const char *sql, int nparams,
			      const char *const *params, db_row_cb cb, void *payload);
	/* *held = 1 when some session (this one included) holds the run lock
	 * key: a "running" history row is then a run in progress, not one that
	 * died part-way. Read-only: takes and creates nothing that stays. */
	int (*lock_held)(strata_db *db, const char *key, int *held);
	/* Replace, in place, every secret of this connection (PostgreSQL: the
	 * password, sslpassword and PGPASSWORD) found in text by "****", for
	 * text read from the database that is to be shown. NULL: no secrets. */
	void (*scrub)(const strata_db *db, char *text);
} strata_db_vtable;
#define STRATA_DB_VTABLE_VERSION 1

/* The common head of every driver's connection struct. */
struct strata_db {
	const strata_db_vtable *vt;
	char *display; /* the connection string with any password masked */
	int in_transaction;
};

/*
 * Open a connection. conninfo: "sqlite:PATH", "sqlite::memory:", a path
 * ending in .db/.sqlite/.sqlite3, "postgres://..." / "postgresql://...",
 * or libpq key=value pairs ("host=... dbname=..."). Unknown forms are
 * STRATA_EINVALID with a hint listing the accepted forms.
 */
int strata__db_open(strata_db **out, const char *conninfo, const db_open_options *opts);
void strata__db_close(strata_db *db);
/* Which engine a connection string names, without connecting; 0 if none. */
db_engine strata__db_engine_of(const char *conninfo);
const char *strata__db_display_name(const strata_db *db);
db_engine strata__db_engine_kind(const strata_db *db);

int strata__db_exec(strata_db *db, const char *sql, int nparams, const char *const *params);
int strata__db_query(strata_db *db, const char *sql, int nparams, const char *const *params,
	     db_row_cb cb, void *payload);
/*
 * strata__db_query for a statement a caller runs many times on one connection.
 * PostgreSQL prepares it under name on first use and afterwards only
 * binds and runs it: no parsing, and once the server settles on a generic
 * plan (after five runs) no planning either. A name always stands for the
 * same sql on a connection; names start with "strata_". A statement the
 * session lost (DEALLOCATE, DISCARD) is prepared again. SQLite: strata__db_query.
 */
int strata__db_query_prepared(strata_db *db, const char *name, const char *sql, int nparams,
		      const char *const *params, db_row_cb cb, void *payload);
int strata__db_exec_stmt(strata_db *db, const char *sql, size_t len, const char *copy_data,
		 size_t copy_len);
int strata__db_begin(strata_db *db);
int strata__db_commit(strata_db *db);
int strata__db_rollback(strata_db *db);
/*
 * Roll back the open transaction (if any; none and a NULL db do nothing),
 * keeping the error that made it needed: the caller's failure, not a
 * failed ROLLBACK's, stays in strata_error_last(). For failure paths.
 */
void strata__db_rollback_keep_error(strata_db *db);
int strata__db_lock(strata_db *db, const char *key, long wait_ms);
int strata__db_unlock(strata_db *db, const char *key);
int strata__db_lock_held(strata_db *db, const char *key, int *held);
/* The connection's secrets scrubbed from text (may be NULL), in place. */
void strata__db_scrub(const strata_db *db, char *text);
int strata__db_set_timeouts(strata_db *db, long lock_timeout_ms, long statement_timeout_ms);
int strata__db_current_user(strata_db *db, char **out);
int strata__db_server_version(strata_db *db);

/*
 * Split a migration script into statements without connecting.
 * PostgreSQL: with libpg_query's parser (dollar quotes, function bodies,
 * DO blocks, comments, COPY ... FROM STDIN data). SQLite: with SQLite's own
 * sqlite3_complete() (strings, comments, CREATE TRIGGER ... END).
 * A syntax error is STRATA_EPARSE with *err_offset set to the byte offset
 * of the error in sql (the caller turns it into file:line:col).
 * Empty statements (";;", comment-only text) are dropped.
 * *out is malloc'ed (strata_free); *n may be 0.
 */
int strata__db_split(db_stmt **out, size_t *n, size_t *err_offset, db_engine engine, const char *sql,
	     size_t len);

/* Append the SQL identifier, quoted for the engine, to a strata_buf (util/buf.h).
 * A dotted name "ops.strata_version" is quoted part by part. An empty part
 * is STRATA_EINVALID with out as it was; out of memory leaves out failed. */
struct strata_buf;
int strata__db_quote_qualified(struct strata_buf *out, const char *name);

/* Whether the n bytes at word are one of SQLite's keywords (any case), which
 * must be quoted to serve as an identifier (sqlite3_keyword_check). */
int strata__db_sqlite_is_keyword(const char *word, size_t n);

/* The same PostgreSQL connection string naming another database (URL
 * path replaced, or a dbname keyword added). Appends to out. */
int strata__db_conninfo_with_dbname(struct strata_buf *out, const char *conninfo, const char *dbname);

/* The same PostgreSQL connection string with connect_timeout=seconds,
 * unless it sets one already (then it is copied as it is). Appends to out.
 * Other engines' strings are copied unchanged. */
int strata__db_conninfo_with_connect_timeout(struct strata_buf *out, const char *conninfo, long seconds);

/* SQLSTATE of PostgreSQL's lock_not_available (lock_timeout fired). */
#define DB_SQLSTATE_LOCK_NOT_AVAILABLE "55P03"

#endif
