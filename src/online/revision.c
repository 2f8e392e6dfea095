/*
 * online/revision.c - online revisions inside the revision history: the
 * phases the runner hands over (strata_online_hooks, strata/runner.h).
 *
 * Layer: online. The runner (core) never calls online directly: the CLI
 * installs this table with strata_online_register().
 *
 * An online revision's operations are pgroll-format JSON (the revision's
 * "+online" section or the file its "online" header names). Its migration
 * name is the JSON's "name", else the operation file's name without
 * ".json", else the revision file's name without ".sql"; the version
 * schema is "<schema>_<name>" as for `strata online start`.
 *
 *   PostgreSQL  expand    strata_online_start (its own connection; resumes)
 *               contract  strata_online_complete (0 when already complete)
 *               rollback  strata_online_rollback (1: completed meanwhile)
 *               down of a contracted revision, in the runner's transaction:
 *                         the operations' inverse (or the revision's down
 *                         section, which the runner ran), then its version
 *                         schema is dropped and its state row rolled_back
 *   SQLite      up / down in the runner's transaction: the operations as
 *               plain ALTER TABLE statements and their inverse (SQLite has
 *               no concurrent readers to protect); what ALTER TABLE cannot
 *               do goes through the table rebuild (sqlite_rebuild.c), and
 *               --sql runs the step on a scratch in-memory database to show
 *               the rebuild's statements
 *
 * Around every plain PostgreSQL step (views_before / views_after) the
 * views of the version schemas of completed migrations are dropped and
 * made again over the tables as the step left them, in the step's
 * transaction: a plain revision never fails on strata's own views, and
 * the version schemas show every later change. The schemas of a
 * migration in progress are left alone (their views show two shapes).
 *
 * Inverse of each operation (after complete; applied newest first):
 * create_table -> DROP TABLE, add_column -> DROP COLUMN, rename_* -> the
 * rename back, create_index -> DROP INDEX, create_constraint -> DROP
 * CONSTRAINT, sql -> its "down" (SQLite: create_constraint and
 * rename_constraint through the rebuild). The others (drops, alter_column,
 * set_replica_identity, sql without down) have none: pgroll's format does
 * not say what was there before; a "-- +down" section is the way then.
 */
#include "online/online_int.h"
#include "schema/diff.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the revision's migration ------------------------------------------- */

static int parse_of(strata_online_migration **out, const strata_migration *m)
{
	char source[1024], name[256];
	const char *base = m->online_file ? m->online_file : m->filename;
	size_t n = strlen(base);
	const char *ext = m->online_file ? ".json" : ".sql";

	if (n > strlen(ext) && strcmp(base + n - strlen(ext), ext) == 0)
		n -= strlen(ext);
	snprintf(name, sizeof(name), "%.*s", (int)n, base);
	if (m->online_file)
		snprintf(source, sizeof(source), "%.*s%s", (int)(m->filename - m->path), m->path,
			 m->online_file);
	else
		snprintf(source, sizeof(source), "%s:%d (the +online section)", m->path,
			 m->online_line);
	return strata_online_parse(out, m->online_text, m->online_len, source, name);
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void set_options(strata_online_options *o, const strata_online_step *s)
{
	strata_online_options init = STRATA_ONLINE_OPTIONS_INIT;

	*o = init;
	o->log = s->log;
	o->payload = s->payload;
}

/* Run SQL text (one or more statements) on the runner's connection. */
static int exec_script(strata_db *db, const char *text)
{
	db_stmt *stmts = NULL;
	size_t n = 0, at = 0;
	int rc = strata__db_split(&stmts, &n, &at, strata__db_engine_kind(db), text, strlen(text));

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = strata__db_exec_stmt(db, text + stmts[i].offset, stmts[i].len, NULL, 0);
	if (rc < 0)
		strata_error_append("\n  running: %.300s", text);
	strata_free(stmts);
	return rc;
}

/* ---- statements: SQLite's plain path and the inverse -------------------- */

/* A statement list: each entry one statement (or, for sql, a script), or
 * (v NULL, rebuild = operation index + 1) an operation SQLite runs through
 * its table rebuild (sqlite_rebuild.c), whose SQL depends on the table as
 * the database has it then. */
typedef struct stmts {
	char **v;
	size_t *rebuild;
	size_t n;
} stmts;

static void stmts_free(stmts *l)
{
	for (size_t i = 0; i < l->n; i++)
		strata_free(l->v[i]);
	strata_free(l->v);
	strata_free(l->rebuild);
	l->v = NULL;
	l->rebuild = NULL;
	l->n = 0;
}

static int stmts_grow(stmts *l)
{
	char **v;
	size_t *r;

	if (!(v = strata_realloc(l->v, (l->n + 1) * sizeof(*v))))
		return STRATA_ERROR;
	l->v = v;
	if (!(r = strata_realloc(l->rebuild, (l->n + 1) * sizeof(*r))))
		return STRATA_ERROR;
	l->rebuild = r;
	return 0;
}

static int stmts_take(stmts *l, strata_buf *b)
{
	if (strata__buf_check(b) < 0 || stmts_grow(l) < 0)
		return STRATA_ERROR;
	l->rebuild[l->n] = 0;
	l->v[l->n++] = strata__buf_detach(b);
	return 0;
}

static int stmts_rebuild(stmts *l, size_t op)
{
	if (stmts_grow(l) < 0)
		return STRATA_ERROR;
	l->rebuild[l->n] = op + 1;
	l->v[l->n++] = NULL;
	return 0;
}

static int has_rebuild(const stmts *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rebuild[i])
			return 1;
	return 0;
}

static int unsupported(const strata_online_migration *mig, size_t i, const char *kind,
		       const char *why)
{
	strata_error_set(STRATA_EINVALID, "%s: operations[%zu].%s %s", mig->source, i, kind, why);
	strata_error_hint("do this change in a plain revision, or give the revision a '-- +down' "
			  "section");
	return STRATA_EINVALID;
}

/* SQLite: a column of create_table / add_column; a key of several
 * columns (several with "pk") is written after them by create_table. */
static int sqlite_column(strata_buf *b, const json_t *col, int add, int one_key)
{
	const json_t *chk = json_object_get(col, "check"), *ref = json_object_get(col, "references");
	int nullable = json_is_true(json_object_get(col, "nullable"));

	strata__sqlf(b, "%I %s", str(col, "name"), str(col, "type"));
	if (json_is_true(json_object_get(col, "pk")) && one_key)
		strata__buf_puts(b, " PRIMARY KEY");
	else if (json_is_true(json_object_get(col, "pk")))
		strata__buf_puts(b, " NOT NULL");
	if (!nullable && !json_is_true(json_object_get(col, "pk")))
		strata__buf_puts(b, " NOT NULL");
	if (json_is_true(json_object_get(col, "unique")) && !add)
		strata__buf_puts(b, " UNIQUE");
	if (str(col, "default"))
		strata__sqlf(b, " DEFAULT (%s)", str(col, "default"));
	if (chk)
		strata__sqlf(b, " CONSTRAINT %I CHECK (%s)", str(chk, "name"), str(chk, "constraint"));
	if (ref)
		strata__sqlf(b, " REFERENCES %I (%I)", str(ref, "table"), str(ref, "column"));
	return strata__buf_check(b);
}

static int index_columns(strata_buf *b, const json_t *cols)
{
	const char *key;
	const json_t *v;
	size_t i, n = 0;

	if (json_is_array(cols)) { /* names, or pgroll's [{"column": name, ...}] */
		json_array_foreach(cols, i, v)
			strata__sqlf(b, "%s%I", i ? ", " : "",
			     json_is_object(v) ? str(v, "column") : json_string_value(v));
	} else {
		json_object_foreach((json_t *)cols, key, v)
			strata__sqlf(b, "%s%I", n++ ? ", " : "", key);
	}
	return strata__buf_check(b);
}

/* The statements of operation i on SQLite, appended to out. */
static int sqlite_up(stmts *out, const strata_online_migration *mig, size_t i)
{
	json_t *body;
	const char *kind = strata__online_op_kind(mig, i, &body);
	strata_buf b = STRATA_BUF_INIT;
	int rc = 0;

	if (strata__online_sqlite_needs_rebuild(mig, i, STRATA_UP))
		return stmts_rebuild(out, i);
	if (strcmp(kind, "create_table") == 0) {
		const json_t *c;
		size_t k;

		size_t npk = 0;

		json_array_foreach(json_object_get(body, "columns"), k, c)
			npk += json_is_true(json_object_get(c, "pk"));
		strata__sqlf(&b, "CREATE TABLE %I (", str(body, "name"));
		json_array_foreach(json_object_get(body, "columns"), k, c) {
			if (k)
				strata__buf_puts(&b, ", ");
			sqlite_column(&b, c, 0, npk == 1);
		}
		if (npk > 1) {
			size_t n = 0;

			strata__buf_puts(&b, ", PRIMARY KEY (");
			json_array_foreach(json_object_get(body, "columns"), k, c)
				if (json_is_true(json_object_get(c, "pk")))
					strata__sqlf(&b, "%s%I", n++ ? ", " : "", str(c, "name"));
			strata__buf_puts(&b, ")");
		}
		json_array_foreach(json_object_get(body, "constraints"), k, c) {
			strata__sqlf(&b, ", CONSTRAINT %I ", str(c, "name"));
			if (strata__online_sqlite_constraint_body(&b, c) == STRATA_EINVALID) {
				strata__buf_release(&b);
				return unsupported(mig, i, kind, "has a constraint type SQLite has not "
						   "(exclude)");
			}
		}
		strata__buf_puts(&b, ")");
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "drop_table") == 0) {
		strata__sqlf(&b, "DROP TABLE %I", str(body, "name"));
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "rename_table") == 0) {
		strata__sqlf(&b, "ALTER TABLE %I RENAME TO %I", str(body, "from"), str(body, "to"));
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "add_column") == 0) {
		const json_t *col = json_object_get(body, "column");

		if (json_is_true(json_object_get(col, "pk")))
			return unsupported(mig, i, kind, "adds a primary-key column: a SQLite table's "
					   "key is fixed when it is made (create_table, or "
					   "create_constraint of type primary_key on a table without one)");
		strata__sqlf(&b, "ALTER TABLE %I ADD COLUMN ", str(body, "table"));
		sqlite_column(&b, col, 1, 1);
		if ((rc = stmts_take(out, &b)) == 0 && str(body, "up")) {
			strata__sqlf(&b, "UPDATE %I SET %I = (%s)", str(body, "table"), str(col, "name"),
			     str(body, "up"));
			rc = stmts_take(out, &b);
		}
	} else if (strcmp(kind, "alter_column") == 0) { /* a rename alone */
		if (str(body, "name") && strcmp(str(body, "name"), str(body, "column")) != 0) {
			strata__sqlf(&b, "ALTER TABLE %I RENAME COLUMN %I TO %I", str(body, "table"),
			     str(body, "column"), str(body, "name"));
			rc = stmts_take(out, &b);
		}
	} else if (strcmp(kind, "set_replica_identity") == 0) {
		/* nothing on SQLite: it has no logical replication to identify rows for */
	} else if (strcmp(kind, "rename_column") == 0) {
		strata__sqlf(&b, "ALTER TABLE %I RENAME COLUMN %I TO %I", str(body, "table"), str(body, "from"),
		     str(body, "to"));
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "create_index") == 0) {
		strata__sqlf(&b, "CREATE %sINDEX %I ON %I (",
		     json_is_true(json_object_get(body, "unique")) ? "UNIQUE " : "", str(body, "name"),
		     str(body, "table"));
		index_columns(&b, json_object_get(body, "columns"));
		strata__buf_puts(&b, ")");
		if (str(body, "predicate"))
			strata__sqlf(&b, " WHERE %s", str(body, "predicate"));
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "drop_index") == 0) {
		strata__sqlf(&b, "DROP INDEX %I", str(body, "name"));
		rc = stmts_take(out, &b);
	} else if (strcmp(kind, "sql") == 0) {
		rc = strata__buf_puts(&b, str(body, "up")) < 0 ? STRATA_ERROR : stmts_take(out, &b);
	} else {
		return unsupported(mig, i, kind, "is not run on SQLite");
	}
	strata__buf_release(&b);
	return rc;
}

static int irreversible(const strata_online_migration *mig, size_t i, const char *kind,
			const char *why)
{
	strata_error_set(STRATA_EIRREVERSIBLE, "%s: operations[%zu].%s has no inverse: %s",
			 mig->source, i, kind, why);
	strata_error_hint("write the SQL that undoes the revision in a '-- +down' section, or "
			  "downgrade to a target above it; nothing was reverted");
	return STRATA_EIRREVERSIBLE;
}

/* The inverse of operation i after its migration completed, appended to out. */
static int inverse_of(stmts *out, const strata_online_migration *mig, size_t i, int pg,
		      const char *schema)
{
	json_t *body;
	const char *kind = strata__online_op_kind(mig, i, &body);
	strata_buf b = STRATA_BUF_INIT;

	if (!pg && strata__online_sqlite_needs_rebuild(mig, i, STRATA_DOWN))
		return stmts_rebuild(out, i);

	if (strcmp(kind, "create_table") == 0)
		pg ? strata__sqlf(&b, "DROP TABLE %Q", schema, str(body, "name"))
		   : strata__sqlf(&b, "DROP TABLE %I", str(body, "name"));
	else if (strcmp(kind, "add_column") == 0)
		pg ? strata__sqlf(&b, "ALTER TABLE %Q DROP COLUMN %I", schema, str(body, "table"),
			  str(json_object_get(body, "column"), "name"))
		   : strata__sqlf(&b, "ALTER TABLE %I DROP COLUMN %I", str(body, "table"),
			  str(json_object_get(body, "column"), "name"));
	else if (strcmp(kind, "rename_table") == 0)
		pg ? strata__sqlf(&b, "ALTER TABLE %Q RENAME TO %I", schema, str(body, "to"), str(body, "from"))
		   : strata__sqlf(&b, "ALTER TABLE %I RENAME TO %I", str(body, "to"), str(body, "from"));
	else if (strcmp(kind, "rename_column") == 0)
		pg ? strata__sqlf(&b, "ALTER TABLE %Q RENAME COLUMN %I TO %I", schema, str(body, "table"),
			  str(body, "to"), str(body, "from"))
		   : strata__sqlf(&b, "ALTER TABLE %I RENAME COLUMN %I TO %I", str(body, "table"),
			  str(body, "to"), str(body, "from"));
	else if (strcmp(kind, "create_index") == 0)
		pg ? strata__sqlf(&b, "DROP INDEX %Q", schema, str(body, "name"))
		   : strata__sqlf(&b, "DROP INDEX %I", str(body, "name"));
	else if (pg && strcmp(kind, "create_constraint") == 0)
		strata__sqlf(&b, "ALTER TABLE %Q DROP CONSTRAINT %I", schema, str(body, "table"),
		     str(body, "name"));
	else if (pg && strcmp(kind, "rename_constraint") == 0)
		strata__sqlf(&b, "ALTER TABLE %Q RENAME CONSTRAINT %I TO %I", schema, str(body, "table"),
		     str(body, "to"), str(body, "from"));
	else if (strcmp(kind, "sql") == 0 && str(body, "down"))
		strata__buf_puts(&b, str(body, "down"));
	else if (strcmp(kind, "sql") == 0)
		return irreversible(mig, i, kind, "it has no \"down\"");
	else if (strncmp(kind, "drop_", 5) == 0)
		return irreversible(mig, i, kind, "what it dropped is gone, and the file does not "
				    "say how to make it again");
	else
		return irreversible(mig, i, kind, "the file does not say what was there before");
	return stmts_take(out, &b);
}

/* All statements of a direction: up in order, the inverse newest first. */
static int statements(stmts *out, const strata_online_migration *mig, strata_direction dir,
		      int pg, const char *schema)
{
	size_t n = strata_online_op_count(mig);
	int rc = 0;

	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = dir == STRATA_UP ? sqlite_up(out, mig, k) : inverse_of(out, mig, n - 1 - k, pg, schema);
	if (rc < 0)
		stmts_free(out);
	return rc;
}

static int is_pg(const strata_online_step *s)
{
	return strata__db_engine_of(s->cfg->database) == DB_POSTGRES;
}

/* ---- hooks ------------------------------------------------------------- */

static int hook_check(const strata_online_step *s, strata_direction dir, int need_inverse)
{
	strata_online_migration *mig = NULL;
	stmts l = { NULL, NULL, 0 };
	int rc;

	if ((rc = parse_of(&mig, s->m)) < 0)
		return rc;
	if (!is_pg(s) && dir == STRATA_UP)
		rc = statements(&l, mig, STRATA_UP, 0, NULL);
	else if (need_inverse)
		rc = statements(&l, mig, STRATA_DOWN, is_pg(s), "public");
	if (rc < 0)
		strata_error_append(" (online revision %s)", s->m->revision);
	stmts_free(&l);
	strata_online_free(mig);
	return rc;
}

/* The phase of the latest state row of the revision's migration, or NULL. */
static int phase_of(char **out, const strata_online_step *s, const strata_online_migration *mig,
		    char **vs)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;
	int rc;

	*out = NULL;
	if (vs)
		*vs = NULL;
	oo.project_root = s->cfg->root;
	oo.read_only = 1;
	oo.application_name = "strata online";
	if ((rc = strata__db_open(&db, s->cfg->database, &oo)) < 0)
		return rc;
	rc = strata__online_phase_read(out, vs, db, "public", mig->name);
	strata__db_close(db);
	return rc;
}

static int hook_expand(const strata_online_step *s)
{
	strata_online_migration *mig = NULL;
	strata_online_options o;
	char *phase = NULL;
	int rc;

	set_options(&o, s);
	if ((rc = parse_of(&mig, s->m)) < 0 || (rc = phase_of(&phase, s, mig, NULL)) < 0)
		goto done;
	/* A crash after start but before the history said so: already done. */
	if (!(phase && strcmp(phase, "complete") == 0))
		rc = strata_online_start(s->cfg, mig, &o);
done:
	strata_free(phase);
	strata_online_free(mig);
	return rc;
}

/* Whether the migration in progress is this revision's. */
static int active_is(int *yes, const strata_online_step *s, const strata_online_migration *mig,
		     char **phase)
{
	int rc = phase_of(phase, s, mig, NULL);

	*yes = rc == 0 && *phase && strcmp(*phase, "started") == 0;
	return rc;
}

/*
 * Contract (complete) or roll back the revision's migration when it is the
 * one in progress. Not in progress: contract is 0 when it was completed,
 * else an error; rollback is 1 when it was completed, else 0.
 */
static int finish(const strata_online_step *s, int contract)
{
	strata_online_migration *mig = NULL;
	strata_online_options o;
	char *phase = NULL;
	int rc, active = 0, complete;

	set_options(&o, s);
	if ((rc = parse_of(&mig, s->m)) < 0 || (rc = active_is(&active, s, mig, &phase)) < 0)
		goto done;
	complete = phase && strcmp(phase, "complete") == 0;
	if (active) {
		rc = contract ? strata_online_complete(s->cfg, &o) : strata_online_rollback(s->cfg, &o);
	} else if (!contract) {
		rc = complete;
	} else if (!complete) {
		rc = strata_error_set(STRATA_ECONFLICT, "online migration \"%s\" of revision %s is "
				      "not in progress (%s)", mig->name, s->m->revision,
				      phase ? phase : "never started");
		strata_error_hint("'strata online status' shows the state; 'strata downgrade' past "
				  "the revision and 'strata upgrade' start it again");
	}
done:
	strata_free(phase);
	strata_online_free(mig);
	return rc;
}

/* 1 when the revision's migration's latest state row says complete. */
static int hook_completed(const strata_online_step *s)
{
	strata_online_migration *mig = NULL;
	char *phase = NULL;
	int rc;

	if ((rc = parse_of(&mig, s->m)) == 0 && (rc = phase_of(&phase, s, mig, NULL)) == 0)
		rc = phase && strcmp(phase, "complete") == 0;
	strata_free(phase);
	strata_online_free(mig);
	return rc;
}

static int hook_contract(const strata_online_step *s)
{
	return finish(s, 1);
}

static int hook_rollback(const strata_online_step *s)
{
	return finish(s, 0);
}

/* In the runner's transaction: drop the migration's version schema and
 * mark its state row rolled back (the inverse ran). */
static int forget(strata_db *db, const strata_online_migration *mig)
{
	char *phase = NULL, *vs = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	const char *params[2] = { "public", mig->name };
	int rc;

	if ((rc = strata__online_phase_read(&phase, &vs, db, "public", mig->name)) < 0 || !phase)
		goto done;
	if (vs && (rc = strata__sqlf(&sql, "DROP SCHEMA IF EXISTS %I CASCADE", vs)) == 0)
		rc = strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL);
	if (rc == 0)
		rc = strata__db_exec(db, "UPDATE " ONLINE_SCHEMA ".migrations SET phase = 'rolled_back', "
			     "finished_at = now() WHERE schema_name = $1 AND name = $2 AND "
			     "phase = 'complete'", 2, params);
done:
	strata__buf_release(&sql);
	strata_free(phase);
	strata_free(vs);
	return rc;
}

static int hook_apply(const strata_online_step *s, strata_direction dir, int down_sql)
{
	strata_online_migration *mig = NULL;
	stmts l = { NULL, NULL, 0 };
	int pg = strata__db_engine_kind(s->db) == DB_POSTGRES, rc;

	if ((rc = parse_of(&mig, s->m)) < 0)
		return rc;
	if (!down_sql && (rc = statements(&l, mig, dir, pg, "public")) < 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = l.rebuild[i] ? strata__online_sqlite_rebuild(s->db, s->cfg->version_table, mig,
							  l.rebuild[i] - 1, dir, NULL)
				  : exec_script(s->db, l.v[i]);
	if (rc == 0 && pg)
		rc = forget(s->db, mig);
	if (rc < 0)
		strata_error_append(" (online revision %s, %s)", s->m->revision,
				    dir == STRATA_UP ? "up" : "down");
done:
	stmts_free(&l);
	strata_online_free(mig);
	return rc;
}

static int hook_views_before(const strata_online_step *s, void **saved)
{
	return strata__online_views_set_aside((online_views **)saved, s->db, NULL, 0);
}

static int hook_views_after(const strata_online_step *s, void *saved)
{
	return strata__online_views_rebuild(s->db, saved);
}

static void hook_views_free(void *saved)
{
	strata__online_views_free(saved);
}

static void emitf(const strata_online_step *s, strata_buf *b)
{
	if (s->emit)
		s->emit(s->payload, strata__buf_cstr(b), b->len);
	strata__buf_clear(b);
}

/*
 * --sql on SQLite when an operation rebuilds a table: its statements
 * depend on the table as it is then, so the step runs on a scratch
 * in-memory database holding the schema the step starts from (the
 * migrations replayed to the revision's parents for up, to the revision
 * for down), and what ran there is what is printed.
 */
static int render_rebuilds(strata_buf *out, const strata_online_step *s,
			   const strata_online_migration *mig, const stmts *l, strata_direction dir)
{
	const char *self[1] = { s->m->revision };
	const char *const *targets = dir == STRATA_UP ? (const char *const *)s->m->revises : self;
	size_t ntargets = dir == STRATA_UP ? s->m->nrevises : 1;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	sc_catalog *cat = NULL;
	strata_buf dump = STRATA_BUF_INIT;
	strata_db *scratch = NULL;
	int rc;

	if ((rc = strata__sc_load_replayed(&cat, s->cfg->migrations, targets, ntargets, NULL, DB_SQLITE,
				   s->cfg)) < 0 ||
	    (rc = strata__sc_dump_sql(cat, &dump)) < 0 || (rc = strata__db_open(&scratch, "sqlite::memory:", &oo)) < 0)
		goto done;
	if (dump.len && (rc = exec_script(scratch, strata__buf_cstr(&dump))) < 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		if (l->rebuild[i]) {
			rc = strata__online_sqlite_rebuild(scratch, s->cfg->version_table, mig, l->rebuild[i] - 1,
						   dir, out);
		} else if ((rc = exec_script(scratch, l->v[i])) == 0) {
			strata__buf_printf(out, "%s;\n", l->v[i]);
		}
	}
done:
	if (rc < 0)
		strata_error_append(" (writing the SQL of online revision %s on a scratch database)",
				    s->m->revision);
	strata__db_close(scratch);
	strata__buf_release(&dump);
	strata__sc_catalog_free(cat);
	return rc;
}

static int hook_render(const strata_online_step *s, strata_direction dir)
{
	strata_online_migration *mig = NULL;
	strata_buf b = STRATA_BUF_INIT;
	stmts l = { NULL, NULL, 0 };
	int pg = is_pg(s), rc;

	if ((rc = parse_of(&mig, s->m)) < 0)
		return rc;
	if (pg && dir == STRATA_UP) {
		strata__buf_printf(&b, "-- online migration %s, version schema %s:\n-- expand (as 'strata "
			   "online start'): one transaction adds", mig->name,
			   mig->version_schema ? mig->version_schema : "public_<name>");
		for (size_t i = 0; i < strata_online_op_count(mig); i++)
			strata__buf_printf(&b, "%s %s", i ? "," : "", strata_online_op_kind(mig, i));
		strata__buf_puts(&b, ",\n--   the sync triggers and the version schema; then indexes are built "
			     "concurrently\n-- backfill: in batches by primary key, each its own "
			     "transaction (run by 'strata upgrade', not by a script)\n-- contract "
			     "(as 'strata online complete'): ");
		strata__buf_puts(&b, "when a later revision says 'contracts: ");
		strata__buf_puts(&b, s->m->revision);
		strata__buf_puts(&b, "', or by 'strata online complete'\n");
		emitf(s, &b);
		goto done;
	}
	if ((rc = statements(&l, mig, dir, pg, "public")) < 0)
		goto done;
	strata__buf_puts(&b, "BEGIN;\n");
	if (!pg && has_rebuild(&l)) {
		if ((rc = render_rebuilds(&b, s, mig, &l, dir)) < 0)
			goto done;
	} else {
		for (size_t i = 0; i < l.n; i++)
			strata__buf_printf(&b, "%s;\n", l.v[i]);
	}
	if (pg)
		strata__buf_printf(&b, "-- then the version schema of %s is dropped, and its state row "
			   "marked rolled_back\n", mig->name);
	strata__buf_puts(&b, "COMMIT;\n");
	emitf(s, &b);
done:
	strata__buf_release(&b);
	stmts_free(&l);
	strata_online_free(mig);
	return rc;
}

static const strata_online_hooks hooks = {
	STRATA_ONLINE_HOOKS_VERSION, hook_check, hook_expand, hook_contract, hook_rollback,
	hook_apply, hook_views_before, hook_views_after, hook_views_free, hook_render,
	hook_completed,
};

void strata_online_register(void)
{
	strata_runner_set_online(&hooks);
}
