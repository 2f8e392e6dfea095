/*
 * db/db.c - connection dispatch and the thin wrappers over the driver vtable.
 *
 * Layer: db (above util, below core/schema/lint/online). This file knows
 * no engine API: it recognises the connection-string forms, calls the
 * engine's open function (driver.h) and forwards every db_* call to the
 * connection's vtable. The engines live in db_sqlite.c and db_pg.c, the
 * script splitters in sqlparse.c.
 *
 * Invariants:
 *  1. A NULL connection (or NULL required argument) is misuse: the wrapper
 *     returns STRATA_EINVALID with a message naming the function, and never
 *     dereferences it.
 *  2. The same double-quote quoting (embedded quotes doubled) is valid for
 *     both SQLite and PostgreSQL identifiers, so strata__db_quote_qualified needs
 *     no engine.
 *  3. A connection string that is echoed in an error goes through
 *     strata__redact_conninfo() first: it may carry a password.
 *
 * New engine: add its open function to driver.h, recognise its strings in
 * strata__db_engine_of() and call it from strata__db_open().
 */
#include "db/db.h"
#include "db/driver.h"
#include "db/sqlparse.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <ctype.h>
#include <string.h>

#define ACCEPTED_FORMS \
	"use sqlite:PATH, sqlite::memory:, a file ending in .db, .sqlite or .sqlite3, " \
	"postgres://USER@HOST:PORT/DB, or libpq key=value pairs (host=... dbname=...)"

/* Misuse guard for the wrappers: a NULL connection is STRATA_EINVALID. */
#define DB_CHECK(db, fn)                                                              \
	do {                                                                          \
		if (!(db) || !(db)->vt)                                               \
			return strata_error_set(STRATA_EINVALID, "%s: no connection", fn); \
	} while (0)

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* "host=x ..." : a keyword, optional blanks, then '='. */
static int looks_like_keywords(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	while (isspace((unsigned char)*s))
		s++;
	return *s == '=';
}

db_engine strata__db_engine_of(const char *conninfo)
{
	if (!conninfo || !*conninfo)
		return 0;
	if (strata__str_starts_with(conninfo, "postgres://") || strata__str_starts_with(conninfo, "postgresql://"))
		return DB_POSTGRES;
	if (strata__str_starts_with(conninfo, "sqlite:"))
		return DB_SQLITE;
	if (looks_like_keywords(conninfo))
		return DB_POSTGRES;
	if (ends_with(conninfo, ".db") || ends_with(conninfo, ".sqlite") ||
	    ends_with(conninfo, ".sqlite3"))
		return DB_SQLITE;
	return 0;
}

static int unknown_form(const char *conninfo)
{
	strata_buf shown = STRATA_BUF_INIT;

	if (strata__redact_conninfo(&shown, conninfo) < 0)
		return STRATA_ERROR;
	strata_error_set(STRATA_EINVALID, "'%s' is not a database connection string",
			 strata__buf_cstr(&shown));
	strata_error_hint("%s", ACCEPTED_FORMS);
	strata__buf_release(&shown);
	return STRATA_EINVALID;
}

static int open_sqlite(strata_db **out, const char *conninfo, const db_open_options *opts)
{
	const char *path = conninfo;

	if (strata__str_starts_with(conninfo, "sqlite:"))
		path = conninfo + strlen("sqlite:");
	if (!*path) {
		strata_error_set(STRATA_EINVALID, "'sqlite:' names no database file");
		strata_error_hint("write sqlite:PATH (for example sqlite:strata.db) or sqlite::memory:");
		return STRATA_EINVALID;
	}
	return strata__db_sqlite_open(out, path, opts);
}

int strata__db_open(strata_db **out, const char *conninfo, const db_open_options *opts)
{
	static const db_open_options defaults = DB_OPEN_OPTIONS_INIT;

	if (!out)
		return strata_error_set(STRATA_EINVALID, "db_open: no output pointer");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->version != DB_OPEN_OPTIONS_VERSION)
		return strata_error_set(STRATA_EINVALID, "db_open: options version %d is not %d",
					opts->version, DB_OPEN_OPTIONS_VERSION);
	if (!conninfo || !*conninfo) {
		strata_error_set(STRATA_EINVALID, "no database given");
		strata_error_hint("%s", ACCEPTED_FORMS);
		return STRATA_EINVALID;
	}
	switch (strata__db_engine_of(conninfo)) {
	case DB_SQLITE:
		return open_sqlite(out, conninfo, opts);
	case DB_POSTGRES:
		return strata__db_pg_open(out, conninfo, opts);
	}
	return unknown_form(conninfo);
}

void strata__db_close(strata_db *db)
{
	if (db && db->vt)
		db->vt->close(db);
}

const char *strata__db_display_name(const strata_db *db)
{
	return db && db->display ? db->display : "";
}

db_engine strata__db_engine_kind(const strata_db *db)
{
	return db && db->vt ? db->vt->engine : 0;
}

int strata__db_exec(strata_db *db, const char *sql, int nparams, const char *const *params)
{
	DB_CHECK(db, "strata__db_exec");
	if (!sql || nparams < 0 || (nparams > 0 && !params))
		return strata_error_set(STRATA_EINVALID, "db_exec: bad arguments");
	return db->vt->exec(db, sql, nparams, params);
}

int strata__db_query(strata_db *db, const char *sql, int nparams, const char *const *params,
	     db_row_cb cb, void *payload)
{
	DB_CHECK(db, "strata__db_query");
	if (!sql || !cb || nparams < 0 || (nparams > 0 && !params))
		return strata_error_set(STRATA_EINVALID, "db_query: bad arguments");
	return db->vt->query(db, sql, nparams, params, cb, payload);
}

int strata__db_query_prepared(strata_db *db, const char *name, const char *sql, int nparams,
		      const char *const *params, db_row_cb cb, void *payload)
{
	DB_CHECK(db, "strata__db_query_prepared");
	if (!name || strncmp(name, "strata_", 7) != 0 || !sql || !cb || nparams < 0 ||
	    (nparams > 0 && !params))
		return strata_error_set(STRATA_EINVALID, "db_query_prepared: bad arguments");
	if (!db->vt->query_prepared)
		return db->vt->query(db, sql, nparams, params, cb, payload);
	return db->vt->query_prepared(db, name, sql, nparams, params, cb, payload);
}

int strata__db_exec_stmt(strata_db *db, const char *sql, size_t len, const char *copy_data,
		 size_t copy_len)
{
	DB_CHECK(db, "strata__db_exec_stmt");
	if (!sql)
		return strata_error_set(STRATA_EINVALID, "db_exec_stmt: no statement");
	return db->vt->exec_stmt(db, sql, len, copy_data, copy_len);
}

int strata__db_begin(strata_db *db)
{
	DB_CHECK(db, "strata__db_begin");
	return db->vt->begin(db);
}

int strata__db_commit(strata_db *db)
{
	DB_CHECK(db, "strata__db_commit");
	return db->vt->commit(db);
}

int strata__db_rollback(strata_db *db)
{
	DB_CHECK(db, "strata__db_rollback");
	return db->vt->rollback(db);
}

void strata__db_rollback_keep_error(strata_db *db)
{
	strata_error saved;

	if (!db || !db->vt || !db->in_transaction)
		return;
	saved = *strata_error_last();
	db->vt->rollback(db);
	strata_error_restore(&saved);
}

int strata__db_lock(strata_db *db, const char *key, long wait_ms)
{
	DB_CHECK(db, "strata__db_lock");
	if (!key || wait_ms < 0)
		return strata_error_set(STRATA_EINVALID, "db_lock: bad arguments");
	return db->vt->lock(db, key, wait_ms);
}

int strata__db_unlock(strata_db *db, const char *key)
{
	DB_CHECK(db, "strata__db_unlock");
	if (!key)
		return strata_error_set(STRATA_EINVALID, "db_unlock: no lock key");
	return db->vt->unlock(db, key);
}

int strata__db_lock_held(strata_db *db, const char *key, int *held)
{
	DB_CHECK(db, "strata__db_lock_held");
	if (!key || !held)
		return strata_error_set(STRATA_EINVALID, "db_lock_held: bad arguments");
	return db->vt->lock_held(db, key, held);
}

void strata__db_scrub(const strata_db *db, char *text)
{
	if (db && db->vt && db->vt->scrub && text)
		db->vt->scrub(db, text);
}

int strata__db_set_timeouts(strata_db *db, long lock_timeout_ms, long statement_timeout_ms)
{
	DB_CHECK(db, "strata__db_set_timeouts");
	if (lock_timeout_ms < 0 || statement_timeout_ms < 0)
		return strata_error_set(STRATA_EINVALID, "db_set_timeouts: negative timeout");
	return db->vt->set_timeouts(db, lock_timeout_ms, statement_timeout_ms);
}

int strata__db_current_user(strata_db *db, char **out)
{
	DB_CHECK(db, "strata__db_current_user");
	if (!out)
		return strata_error_set(STRATA_EINVALID, "db_current_user: no output pointer");
	*out = NULL;
	return db->vt->current_user(db, out);
}

int strata__db_server_version(strata_db *db)
{
	DB_CHECK(db, "strata__db_server_version");
	return db->vt->server_version(db);
}

int strata__db_split(db_stmt **out, size_t *n, size_t *err_offset, db_engine engine, const char *sql,
	     size_t len)
{
	if (!out || !n || (!sql && len))
		return strata_error_set(STRATA_EINVALID, "db_split: bad arguments");
	*out = NULL;
	*n = 0;
	if (err_offset)
		*err_offset = 0;
	switch (engine) {
	case DB_POSTGRES:
		return strata__sqlparse_split_pg(out, n, err_offset, sql ? sql : "", len);
	case DB_SQLITE:
		return strata__sqlparse_split_sqlite(out, n, err_offset, sql ? sql : "", len);
	}
	return strata_error_set(STRATA_EINVALID, "db_split: unknown engine %d", (int)engine);
}

/* [s, s + n) double-quoted; with a failed append the buffer is failed (util/buf.h). */
static int put_ident_n(struct strata_buf *out, const char *s, size_t n)
{
	size_t i;

	strata__buf_putc(out, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			strata__buf_putc(out, '"');
		strata__buf_putc(out, s[i]);
	}
	return strata__buf_putc(out, '"');
}

int strata__db_quote_qualified(struct strata_buf *out, const char *name)
{
	const char *part = name;
	size_t start_len;

	if (!out || !name)
		return strata_error_set(STRATA_EINVALID, "db_quote_qualified: bad arguments");
	start_len = out->len;
	for (;;) {
		const char *dot = strchr(part, '.');
		size_t n = dot ? (size_t)(dot - part) : strlen(part);

		if (n == 0) {
			strata__buf_truncate(out, start_len);
			return strata_error_set(STRATA_EINVALID, "'%s' is not a valid name: empty part",
						name);
		}
		if (put_ident_n(out, part, n) < 0 || (dot && strata__buf_putc(out, '.') < 0))
			return STRATA_ERROR;
		if (!dot)
			return 0;
		part = dot + 1;
	}
}

int strata__db_conninfo_with_dbname(struct strata_buf *out, const char *conninfo, const char *dbname)
{
	const char *scheme = strstr(conninfo, "://");

	if (!scheme || strata__db_engine_of(conninfo) != DB_POSTGRES) {
		/* libpq keyword form: a later keyword wins over an earlier one. */
		if (strata__db_engine_of(conninfo) != DB_POSTGRES)
			return strata_error_set(STRATA_EINVALID,
						"only PostgreSQL connections name a database");
		return strata__buf_printf(out, "%s dbname='", conninfo) < 0 || strata__buf_puts(out, dbname) < 0 ||
			       strata__buf_putc(out, '\'') < 0
			       ? STRATA_ERROR
			       : 0;
	}
	{
		/* URL: replace the path (after the authority, before '?'). */
		const char *auth = scheme + 3;
		const char *path = auth + strcspn(auth, "/?");
		const char *query = strchr(path, '?');

		if (strata__buf_putn(out, conninfo, (size_t)(path - conninfo)) < 0 || strata__buf_putc(out, '/') < 0)
			return STRATA_ERROR;
		for (const char *p = dbname; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if (((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			    c == '-' || c == '.') {
				if (strata__buf_putc(out, (char)c) < 0)
					return STRATA_ERROR;
			} else if (strata__buf_printf(out, "%%%02X", c) < 0) {
				return STRATA_ERROR;
			}
		}
		return query && strata__buf_puts(out, query) < 0 ? STRATA_ERROR : 0;
	}
}

int strata__db_conninfo_with_connect_timeout(struct strata_buf *out, const char *conninfo, long seconds)
{
	int url = strstr(conninfo, "://") != NULL;

	if (strata__db_engine_of(conninfo) != DB_POSTGRES || strstr(conninfo, "connect_timeout"))
		return strata__buf_puts(out, conninfo) < 0 ? STRATA_ERROR : 0;
	if (strata__buf_puts(out, conninfo) < 0 ||
	    strata__buf_printf(out, "%sconnect_timeout=%ld", url ? (strchr(conninfo, '?') ? "&" : "?") : " ",
		       seconds < 1 ? 1 : seconds) < 0)
		return STRATA_ERROR;
	return 0;
}

/* The public names (strata/db.h); strata_db_open, which reads a
 * configuration, is core/connect.c. */
_Static_assert((int)DB_SQLITE == (int)STRATA_ENGINE_SQLITE && (int)DB_POSTGRES == (int)STRATA_ENGINE_POSTGRES,
	       "db_engine and strata_engine must agree");

strata_engine strata_db_engine_of(const char *conninfo)
{
	return (strata_engine)strata__db_engine_of(conninfo);
}

void strata_db_close(strata_db *db)
{
	strata__db_close(db);
}

int strata_db_conninfo_with_connect_timeout(strata_buf *out, const char *conninfo, long seconds)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(conninfo);

	return strata__db_conninfo_with_connect_timeout(out, conninfo, seconds);
}
