/*
 * core/bookkeeping.c - version and history tables (see bookkeeping.h).
 *
 * Layer: core; talks to the database only through db/db.h. Table names
 * come from the config and are always quoted with strata__db_quote_qualified();
 * values are always bound ($1, $2, ...) in live runs.
 */
#include "core/bookkeeping.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_COLUMNS \
	"revision, direction, checksum, started_at, finished_at, duration_ms, db_user, " \
	"client_host, tool_version, outcome, error, failed_statement, statements_run, note"

static int quoted(strata_buf *out, const char *name)
{
	strata__buf_clear(out);
	return strata__db_quote_qualified(out, name);
}

/* "ops" of "ops.strata_version", quoted; empty when unqualified. */
static int schema_of(strata_buf *out, const char *name)
{
	const char *dot = strrchr(name, '.');
	char *schema;
	int rc;

	strata__buf_clear(out);
	if (!dot)
		return 0;
	if (!(schema = strata_strndup(name, (size_t)(dot - name))))
		return STRATA_ERROR;
	rc = strata__db_quote_qualified(out, schema);
	strata_free(schema);
	return rc;
}

static int ensure_sql(strata_buf *out, db_engine engine, const strata_config *cfg)
{
	strata_buf name = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	if (engine == DB_POSTGRES) {
		if (schema_of(&name, cfg->version_table) < 0)
			goto done;
		if (name.len && strata__buf_printf(out, "CREATE SCHEMA IF NOT EXISTS %s;\n", name.ptr) < 0)
			goto done;
	}
	if (quoted(&name, cfg->version_table) < 0 ||
	    strata__buf_printf(out, "CREATE TABLE IF NOT EXISTS %s (revision %s PRIMARY KEY);\n", name.ptr,
		       engine == DB_POSTGRES ? "varchar(32)" : "TEXT NOT NULL") < 0)
		goto done;
	if (quoted(&name, cfg->history_table) < 0)
		goto done;
	if (engine == DB_POSTGRES)
		rc = strata__buf_printf(out,
			"CREATE TABLE IF NOT EXISTS %s (\n"
			"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
			"    revision varchar(32) NOT NULL,\n"
			"    direction varchar(8) NOT NULL,\n"
			"    checksum text,\n"
			"    started_at timestamptz NOT NULL,\n"
			"    finished_at timestamptz,\n"
			"    duration_ms bigint,\n"
			"    db_user text,\n"
			"    client_host text,\n"
			"    tool_version text,\n"
			"    outcome varchar(16) NOT NULL,\n"
			"    error text,\n"
			"    failed_statement text,\n"
			"    statements_run integer,\n"
			"    note text\n"
			");\n", name.ptr);
	else
		rc = strata__buf_printf(out,
			"CREATE TABLE IF NOT EXISTS %s (\n"
			"    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
			"    revision TEXT NOT NULL,\n"
			"    direction TEXT NOT NULL,\n"
			"    checksum TEXT,\n"
			"    started_at TEXT NOT NULL,\n"
			"    finished_at TEXT,\n"
			"    duration_ms INTEGER,\n"
			"    db_user TEXT,\n"
			"    client_host TEXT,\n"
			"    tool_version TEXT,\n"
			"    outcome TEXT NOT NULL,\n"
			"    error TEXT,\n"
			"    failed_statement TEXT,\n"
			"    statements_run INTEGER,\n"
			"    note TEXT\n"
			");\n", name.ptr);
done:
	strata__buf_release(&name);
	return rc;
}

int strata__bk_render_ensure(strata_buf *out, db_engine engine, const strata_config *cfg)
{
	return ensure_sql(out, engine, cfg);
}

/* Run a multi-statement text of our own, statement by statement. */
static int exec_script(strata_db *db, const char *sql)
{
	db_stmt *stmts = NULL;
	size_t n = 0, i, err_off = 0;
	int rc;

	rc = strata__db_split(&stmts, &n, &err_off, strata__db_engine_kind(db), sql, strlen(sql));
	for (i = 0; rc == 0 && i < n; i++)
		rc = strata__db_exec_stmt(db, sql + stmts[i].offset, stmts[i].len, NULL, 0);
	strata_free(stmts);
	return rc;
}

typedef struct exists_ctx { int found; } exists_ctx;

static int on_exists(void *payload, int ncols, const char *const *values)
{
	((exists_ctx *)payload)->found = values[0] && strcmp(values[0], "0") != 0 &&
					 strcmp(values[0], "f") != 0;
	return 0;
}

/*
 * Does table exist (with column, when not NULL)? A read: creates nothing.
 * PostgreSQL: to_regclass of the quoted name honours search_path as every
 * statement does. SQLite: its columns, which SQLite finds by name in the
 * schema it has parsed, as it resolves the name in every statement (a scan
 * of sqlite_master costs a read of every row); a qualified name is
 * "<attached schema>.<table>".
 */
int strata__bk_table_has(int *out, strata_db *db, const char *table, const char *column)
{
	exists_ctx ctx = { 0 };
	const char *dot = strrchr(table, '.');
	strata_buf schema = STRATA_BUF_INIT, name = STRATA_BUF_INIT;
	const char *params[3];
	int rc = STRATA_ERROR, n = 0;

	if (strata__db_engine_kind(db) == DB_POSTGRES) {
		if (strata__db_quote_qualified(&name, table) < 0)
			goto done;
		params[0] = strata__buf_cstr(&name);
		params[1] = column;
		rc = column ? strata__db_query(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
				       "to_regclass($1) AND attname = $2 AND NOT attisdropped",
				       2, params, on_exists, &ctx)
			    : strata__db_query(db, "SELECT to_regclass($1) IS NOT NULL", 1, params, on_exists, &ctx);
		goto done;
	}
	if ((dot && strata__buf_putn(&schema, table, (size_t)(dot - table)) < 0) ||
	    strata__buf_puts(&name, dot ? dot + 1 : table) < 0)
		goto done;
	params[n++] = strata__buf_cstr(&name);
	if (dot)
		params[n++] = strata__buf_cstr(&schema);
	if (column)
		params[n++] = column;
	rc = strata__db_query(db, dot ? (column ? "SELECT count(*) FROM pragma_table_info($1, $2) WHERE name = $3"
					: "SELECT count(*) FROM pragma_table_info($1, $2)")
			      : (column ? "SELECT count(*) FROM pragma_table_info($1) WHERE name = $2"
					: "SELECT count(*) FROM pragma_table_info($1)"),
		      n, params, on_exists, &ctx);
done:
	strata__buf_release(&schema);
	strata__buf_release(&name);
	*out = ctx.found;
	return rc;
}

/* Does the version table exist? Checked first so read-only commands never create it. */
static int tables_exist(int *out, strata_db *db, const strata_config *cfg)
{
	return strata__bk_table_has(out, db, cfg->version_table, NULL);
}

int strata__bk_tables_exist(int *out, strata_db *db, const strata_config *cfg)
{
	return tables_exist(out, db, cfg);
}

int strata__bk_ensure(strata_db *db, const strata_config *cfg)
{
	strata_buf sql = STRATA_BUF_INIT;
	int exists = 0, rc;

	if ((rc = tables_exist(&exists, db, cfg)) < 0 || exists)
		return rc;
	if (ensure_sql(&sql, strata__db_engine_kind(db), cfg) < 0)
		return STRATA_ERROR;
	rc = exec_script(db, strata__buf_cstr(&sql));
	if (rc < 0)
		strata_error_append(" (creating the bookkeeping tables %s and %s)", cfg->version_table,
				    cfg->history_table);
	strata__buf_release(&sql);
	return rc;
}

typedef struct versions_ctx {
	char **rows;
	size_t n, cap;
} versions_ctx;

static int on_version(void *payload, int ncols, const char *const *values)
{
	versions_ctx *v = payload;

	if (!values[0])
		return 0;
	if (strata_grow((void **)&v->rows, &v->cap, v->n + 1, sizeof(char *)) < 0 ||
	    !(v->rows[v->n] = strata_strdup(values[0])))
		return STRATA_ERROR;
	v->n++;
	return 0;
}

int strata__bk_read_versions(char ***out, size_t *n, strata_db *db, const strata_config *cfg)
{
	strata_buf sql = STRATA_BUF_INIT;
	versions_ctx v = { 0 };
	int rc = STRATA_ERROR;

	if (strata__buf_puts(&sql, "SELECT revision FROM ") < 0 ||
	    strata__db_quote_qualified(&sql, cfg->version_table) < 0 ||
	    strata__buf_puts(&sql, " ORDER BY revision") < 0)
		goto done;
	rc = strata__db_query(db, strata__buf_cstr(&sql), 0, NULL, on_version, &v);
done:
	strata__buf_release(&sql);
	if (rc < 0) {
		strata__bk_free_versions(v.rows, v.n);
		return rc;
	}
	*out = v.rows;
	*n = v.n;
	return 0;
}

void strata__bk_free_versions(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strata_free(v[i]);
	strata_free(v);
}

static void revision_state_free(bk_revision_state *r)
{
	if (!r)
		return;
	strata_free(r->checksum);
	strata_free(r->outcome);
	strata_free(r->error);
	strata_free(r->failed_statement);
	strata_free(r->started_at);
	strata_free(r);
}

static int replace(char **slot, const char *v)
{
	if (*slot && v && strcmp(*slot, v) == 0)
		return 0;
	strata_free(*slot);
	*slot = NULL;
	if (v && !(*slot = strata_strdup(v)))
		return STRATA_ERROR;
	return 0;
}

static int is_unfinished(const char *outcome)
{
	return strcmp(outcome, "failed") == 0 || strcmp(outcome, "running") == 0;
}

/* The state of revision in s, added empty on its first row; NULL if out of memory. */
static bk_revision_state *state_of(bk_state *s, const char *revision)
{
	bk_revision_state *r = strata__map_get(&s->revisions, revision);
	char *id = NULL;

	if (r)
		return r;
	if (!(r = strata_calloc(1, sizeof(*r))) ||
	    strata_grow((void **)&s->ids, &s->idcap, s->nids + 1, sizeof(char *)) < 0 ||
	    !(id = strata_strdup(revision)) || strata__map_put(&s->revisions, id, r) < 0) {
		strata_free(id);
		revision_state_free(r);
		return NULL;
	}
	s->ids[s->nids++] = id;
	return r;
}

/* Rows (revision, direction, outcome, checksum) arrive in id order; the last row wins. */
static int on_history(void *payload, int ncols, const char *const *v)
{
	bk_state *s = payload;
	bk_revision_state *r;
	const char *outcome = v[2] ? v[2] : "";

	if (!v[0])
		return 0;
	if (!(r = state_of(s, v[0])) || replace(&r->outcome, outcome) < 0)
		return STRATA_ERROR;
	if (((strcmp(v[1] ? v[1] : "", "up") == 0 &&
	      (strcmp(outcome, "applied") == 0 || strcmp(outcome, "stamped") == 0 ||
	       strcmp(outcome, "accepted") == 0 || strata__bk_outcome_is_online(outcome))) ||
	     (strcmp(v[1] ? v[1] : "", "adopt") == 0 && strcmp(outcome, "adopted") == 0)) &&
	    replace(&r->checksum, v[3]) < 0)
		return STRATA_ERROR;
	return 0;
}

int strata__bk_outcome_is_online(const char *outcome)
{
	return strcmp(outcome, "expanding") == 0 || strcmp(outcome, "expanded") == 0 ||
	       strcmp(outcome, "contracted") == 0;
}

int strata__bk_note_outcome(bk_state *s, const char *revision, const char *outcome)
{
	bk_revision_state *r = state_of(s, revision);

	return r && replace(&r->outcome, outcome) == 0 ? 0 : STRATA_ERROR;
}

/* An unfinished step's row: error, failed statement, start, statements run. */
static int on_details(void *payload, int ncols, const char *const *v)
{
	bk_revision_state *r = payload;

	if (replace(&r->error, v[0]) < 0 || replace(&r->failed_statement, v[1]) < 0 ||
	    replace(&r->started_at, v[2]) < 0)
		return STRATA_ERROR;
	r->statements_run = v[3] ? atol(v[3]) : 0;
	return 0;
}

/*
 * The details of the revisions whose latest row is unfinished: the only
 * ones ever shown, so they are not read for every row (they are rare).
 */
static int read_details(bk_state *s, strata_db *db, const strata_config *cfg)
{
	strata_buf sql = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < s->nids && rc == 0; i++) {
		bk_revision_state *r = strata__map_get(&s->revisions, s->ids[i]);
		const char *params[1] = { s->ids[i] };

		if (!is_unfinished(r->outcome))
			continue;
		if (!sql.len &&
		    (strata__buf_puts(&sql, "SELECT error, failed_statement, CAST(started_at AS TEXT), "
				    "statements_run FROM ") < 0 ||
		     strata__db_quote_qualified(&sql, cfg->history_table) < 0 ||
		     strata__buf_puts(&sql, " WHERE revision = $1 AND outcome IN ('failed', 'running') "
				    "ORDER BY id DESC LIMIT 1") < 0)) {
			rc = STRATA_ERROR;
			break;
		}
		rc = strata__db_query(db, strata__buf_cstr(&sql), 1, params, on_details, r);
	}
	strata__buf_release(&sql);
	return rc;
}

int strata__bk_read(bk_state *out, strata_db *db, const strata_config *cfg)
{
	int rc, exists = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = tables_exist(&exists, db, cfg)) < 0 || !exists)
		return rc;
	return strata__bk_read_rows(out, db, cfg);
}

int strata__bk_read_rows(bk_state *out, strata_db *db, const strata_config *cfg)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	out->tables_exist = 1;
	if ((rc = strata__bk_read_versions(&out->versions, &out->nversions, db, cfg)) < 0)
		return rc;
	rc = STRATA_ERROR;
	if (strata__buf_puts(&sql, "SELECT revision, direction, outcome, checksum FROM ") < 0 ||
	    strata__db_quote_qualified(&sql, cfg->history_table) < 0 || strata__buf_puts(&sql, " ORDER BY id") < 0)
		goto done;
	if ((rc = strata__db_query(db, strata__buf_cstr(&sql), 0, NULL, on_history, out)) == 0)
		rc = read_details(out, db, cfg);
done:
	strata__buf_release(&sql);
	if (rc < 0)
		strata__bk_state_release(out);
	return rc;
}

void strata__bk_state_release(bk_state *s)
{
	size_t i;

	strata__bk_free_versions(s->versions, s->nversions);
	for (i = 0; i < s->nids; i++) {
		revision_state_free(strata__map_get(&s->revisions, s->ids[i]));
		strata_free(s->ids[i]);
	}
	strata_free(s->ids);
	strata__map_release(&s->revisions);
	memset(s, 0, sizeof(*s));
}

int strata__bk_set_heads(strata_db *db, const strata_config *cfg, const char *const *heads, size_t n)
{
	strata_buf del = STRATA_BUF_INIT, ins = STRATA_BUF_INIT;
	size_t i;
	int rc = STRATA_ERROR;

	if (strata__buf_puts(&del, "DELETE FROM ") < 0 || strata__db_quote_qualified(&del, cfg->version_table) < 0 ||
	    strata__buf_puts(&ins, "INSERT INTO ") < 0 || strata__db_quote_qualified(&ins, cfg->version_table) < 0 ||
	    strata__buf_puts(&ins, " (revision) VALUES ($1)") < 0)
		goto done;
	if ((rc = strata__db_exec(db, strata__buf_cstr(&del), 0, NULL)) < 0)
		goto done;
	for (i = 0; i < n && rc == 0; i++)
		rc = strata__db_exec(db, strata__buf_cstr(&ins), 1, &heads[i]);
done:
	strata__buf_release(&del);
	strata__buf_release(&ins);
	return rc;
}

/* The 14 parameters of a history row (duration and stmts: the caller's buffers). */
static void history_params(const char *params[14], const bk_entry *e, char duration[32],
			   char stmts[32])
{
	snprintf(duration, 32, "%ld", e->duration_ms);
	snprintf(stmts, 32, "%ld", e->statements_run);
	params[0] = e->revision;
	params[1] = e->direction;
	params[2] = e->checksum;
	params[3] = e->started_at;
	params[4] = e->finished_at;
	params[5] = duration;
	params[6] = e->db_user;
	params[7] = e->client_host;
	params[8] = STRATA_VERSION;
	params[9] = e->outcome;
	params[10] = e->error;
	params[11] = e->failed_statement;
	params[12] = stmts;
	params[13] = e->note;
}

#define HISTORY_VALUES_PG "($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::bigint, $7, $8, $9, " \
			  "$10, $11, $12, $13::integer, $14)"

/* "INSERT INTO history (columns) VALUES (...)" with PostgreSQL's typed parameters. */
static int put_history_insert_pg(strata_buf *sql, const strata_config *cfg)
{
	if (strata__buf_puts(sql, "INSERT INTO ") < 0 || strata__db_quote_qualified(sql, cfg->history_table) < 0 ||
	    strata__buf_puts(sql, " (" HISTORY_COLUMNS ") VALUES " HISTORY_VALUES_PG) < 0)
		return STRATA_ERROR;
	return 0;
}

int strata__bk_insert(strata_db *db, const strata_config *cfg, const bk_entry *e)
{
	strata_buf sql = STRATA_BUF_INIT;
	char duration[32], stmts[32];
	const char *params[14];
	int rc = STRATA_ERROR;

	history_params(params, e, duration, stmts);
	if (strata__buf_puts(&sql, "INSERT INTO ") < 0 || strata__db_quote_qualified(&sql, cfg->history_table) < 0 ||
	    strata__buf_puts(&sql, " (" HISTORY_COLUMNS ") VALUES "
			   "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)") < 0)
		goto done;
	if (strata__db_engine_kind(db) == DB_POSTGRES) {
		/* Typed casts so PostgreSQL infers the right parameter types. */
		strata__buf_clear(&sql);
		if (put_history_insert_pg(&sql, cfg) < 0)
			goto done;
	}
	rc = strata__db_exec(db, strata__buf_cstr(&sql), 14, params);
done:
	strata__buf_release(&sql);
	return rc;
}

/* heads as a PostgreSQL text[] literal: {"a","b"}, quotes and backslashes escaped. */
static int put_text_array(strata_buf *out, const char *const *v, size_t n)
{
	if (strata__buf_puts(out, "{") < 0)
		return STRATA_ERROR;
	for (size_t i = 0; i < n; i++) {
		if (strata__buf_puts(out, i ? ",\"" : "\"") < 0)
			return STRATA_ERROR;
		for (const char *c = v[i]; *c; c++) {
			if ((*c == '"' || *c == '\\') && strata__buf_puts(out, "\\") < 0)
				return STRATA_ERROR;
			if (strata__buf_putn(out, c, 1) < 0)
				return STRATA_ERROR;
		}
		if (strata__buf_puts(out, "\"") < 0)
			return STRATA_ERROR;
	}
	return strata__buf_puts(out, "}");
}

/*
 * PostgreSQL: the version rows set and the history row written by one
 * statement. The DELETE keeps the heads that stay, and the INSERT adds
 * only those not there yet (both read the snapshot from before the
 * statement), so the version table's primary key never sees a row twice.
 */
int strata__bk_record_step(strata_db *db, const strata_config *cfg, const char *const *heads, size_t n,
		   const bk_entry *e)
{
	strata_buf sql = STRATA_BUF_INIT, arr = STRATA_BUF_INIT;
	char duration[32], stmts[32];
	const char *params[15];
	int rc = STRATA_ERROR;

	if (strata__db_engine_kind(db) != DB_POSTGRES) {
		if ((rc = strata__bk_set_heads(db, cfg, heads, n)) < 0)
			return rc;
		return strata__bk_insert(db, cfg, e);
	}
	history_params(params, e, duration, stmts);
	if (put_text_array(&arr, heads, n) < 0)
		goto done;
	params[14] = strata__buf_cstr(&arr);
	if (strata__buf_puts(&sql, "WITH gone AS (DELETE FROM ") < 0 ||
	    strata__db_quote_qualified(&sql, cfg->version_table) < 0 ||
	    strata__buf_puts(&sql, " WHERE revision <> ALL ($15::text[])), added AS (INSERT INTO ") < 0 ||
	    strata__db_quote_qualified(&sql, cfg->version_table) < 0 ||
	    strata__buf_puts(&sql, " (revision) SELECT h FROM unnest($15::text[]) AS h WHERE NOT EXISTS "
			   "(SELECT 1 FROM ") < 0 ||
	    strata__db_quote_qualified(&sql, cfg->version_table) < 0 ||
	    strata__buf_puts(&sql, " v WHERE v.revision = h)) ") < 0 || put_history_insert_pg(&sql, cfg) < 0)
		goto done;
	rc = strata__db_exec(db, strata__buf_cstr(&sql), 15, params);
done:
	strata__buf_release(&sql);
	strata__buf_release(&arr);
	return rc;
}

static int put_literal_or_null(strata_buf *out, const char *v)
{
	return v ? strata__buf_put_sql_literal(out, v) : strata__buf_puts(out, "NULL");
}

int strata__bk_render_set_heads(strata_buf *out, const strata_config *cfg, const char *const *heads,
			size_t n)
{
	size_t i;

	if (strata__buf_puts(out, "DELETE FROM ") < 0 || strata__db_quote_qualified(out, cfg->version_table) < 0 ||
	    strata__buf_puts(out, ";\n") < 0)
		return STRATA_ERROR;
	for (i = 0; i < n; i++) {
		if (strata__buf_puts(out, "INSERT INTO ") < 0 ||
		    strata__db_quote_qualified(out, cfg->version_table) < 0 ||
		    strata__buf_puts(out, " (revision) VALUES (") < 0 || strata__buf_put_sql_literal(out, heads[i]) < 0 ||
		    strata__buf_puts(out, ");\n") < 0)
			return STRATA_ERROR;
	}
	return 0;
}

int strata__bk_render_insert(strata_buf *out, db_engine engine, const strata_config *cfg,
		     const bk_entry *e)
{
	const char *now = engine == DB_POSTGRES ? "now()"
			  : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
	const char *finished = engine == DB_POSTGRES ? "clock_timestamp()" : now;
	const char *duration = engine == DB_POSTGRES
		? "CAST(round(extract(epoch FROM clock_timestamp() - now()) * 1000) AS bigint)" : "0";
	const char *user = engine == DB_POSTGRES ? "current_user" : "NULL";

	if (strata__buf_puts(out, "INSERT INTO ") < 0 || strata__db_quote_qualified(out, cfg->history_table) < 0 ||
	    strata__buf_puts(out, " (" HISTORY_COLUMNS ")\nVALUES (") < 0 ||
	    strata__buf_put_sql_literal(out, e->revision) < 0 || strata__buf_puts(out, ", ") < 0 ||
	    strata__buf_put_sql_literal(out, e->direction) < 0 || strata__buf_puts(out, ", ") < 0 ||
	    put_literal_or_null(out, e->checksum) < 0 ||
	    strata__buf_printf(out, ", %s, %s, %s, %s, ", now, finished, duration, user) < 0 ||
	    put_literal_or_null(out, e->client_host) < 0 || strata__buf_puts(out, ", ") < 0 ||
	    strata__buf_put_sql_literal(out, STRATA_VERSION) < 0 || strata__buf_puts(out, ", ") < 0 ||
	    strata__buf_put_sql_literal(out, e->outcome) < 0 ||
	    strata__buf_printf(out, ", NULL, NULL, %ld, ", e->statements_run) < 0 ||
	    put_literal_or_null(out, e->note) < 0 || strata__buf_puts(out, ");\n") < 0)
		return STRATA_ERROR;
	return 0;
}
