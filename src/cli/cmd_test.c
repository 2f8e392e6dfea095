/*
 * cli/cmd_test.c - strata test: prove on a shadow database that the
 * migrations go up, come down without a trace and match the declared
 * schema.
 *
 * One database serves the whole run (SQLite: in memory; PostgreSQL: a
 * shadow database, dropped at the end; or --database), on one connection:
 * each step goes through a runner session (strata_session_step), which
 * keeps the run lock and the bookkeeping state between steps. The
 * revisions are walked once in apply order; for each: a snapshot, its
 * data-check "+before" statements, up, its "+check" queries, down, a
 * snapshot again and the comparison (down-leaves-no-trace), its
 * "+check-down" queries, up again (stairway). At the end the schema at the
 * heads is compared with schema.sql, and the lint's error-level findings
 * over all revisions are reported. Each check is reported by name; exit 1
 * when one fails. A failing up or down stops the walk; with --keep-going
 * it goes on with every revision whose ancestors are applied. strata's
 * own objects (bookkeeping, strata online's) are left out of every
 * catalog compared (drop_own_objects).
 *
 * Snapshots cost what the revision touches, not what the schema holds, so
 * the run's time grows linearly with the number of revisions:
 *  - SQLite: sqlite_schema's rows (type, name, SQL text: they determine
 *    the schema) of what the revision names and what belongs to it. Equal
 *    rows: nothing differs. Otherwise both sets of rows are replayed into
 *    scratch in-memory databases, read into the catalog model and
 *    compared. The snapshot after the down also reaches every object the
 *    one before held.
 *  - PostgreSQL: the catalog model of the objects the revision's SQL
 *    names and everything that depends on them (sc_introspect_scope; the
 *    snapshot after the down also reaches every object the one before
 *    held). A revision whose statements can do more than their names say
 *    (DO, CALL, extensions, ...: schema/sqlnames.h), or that writes rows
 *    while user triggers or functions exist or are being defined, is
 *    snapshotted whole.
 */
#include "cli/schema_common.h"
#include "schema/provider.h"
#include "schema/sqlnames.h"
#include "strata/runner.h"
#include "core/revtest.h"
#include "db/db.h"
#include "strata/error.h"
#include "strata/lint.h"
#include "strata/online.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum {
	CHECK_SINGLE_HEAD,
	CHECK_UPGRADE,
	CHECK_STAIRWAY,
	CHECK_NO_TRACE,
	CHECK_SCHEMA,
	CHECK_DATA,
	CHECK_LINT,
	NCHECKS
};

static const char *const check_names[NCHECKS] = {
	"single-head", "upgrade", "stairway", "down-leaves-no-trace",
	"schema-matches", "data-survives", "lint",
};

typedef struct check_result {
	int enabled;
	const char *skipped; /* why it did not run, or NULL */
	json_t *failures;    /* [{revision?, message, differences?}] */
} check_result;

typedef struct test_run {
	cli_ctx *ctx;
	const strata_graph *g;
	strata_config cfg;   /* the project's, pointed at the shadow */
	strata_db *db;       /* the shadow: steps, catalogs and data checks */
	strata_session *session;
	int engine;
	int whole_reads;     /* PostgreSQL: always snapshot the whole schema (event triggers) */
	int keep_going;      /* walk on past a failing step */
	char **view_schemas; /* PostgreSQL: strata online's versioned schemas the shadow holds */
	size_t nview_schemas;
	revtest **datatests; /* per graph index, or NULL */
	check_result checks[NCHECKS];
} test_run;

static int enabled(const test_run *t, int check)
{
	return t->checks[check].enabled;
}

static void add_failure(test_run *t, int check, const char *revision, const char *message,
			json_t *differences)
{
	json_t *f = json_pack("{s:s}", "message", message);

	if (revision)
		json_object_set_new(f, "revision", json_string(revision));
	if (differences)
		json_object_set_new(f, "differences", differences);
	json_array_append_new(t->checks[check].failures, f);
}

/* Where a failed up is reported: the upgrade check, or when it is not
 * selected, the first selected check the walk serves. */
static int up_check(const test_run *t)
{
	static const int order[] = { CHECK_UPGRADE, CHECK_STAIRWAY, CHECK_NO_TRACE, CHECK_DATA,
				     CHECK_SCHEMA };

	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++)
		if (t->checks[order[i]].enabled)
			return order[i];
	return CHECK_UPGRADE;
}

static void skip_rest(test_run *t, const char *why, const int *checks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!t->checks[checks[i]].skipped)
			t->checks[checks[i]].skipped = why;
}

/* One step on the shadow: revision i up or down. */
static int run_step(test_run *t, size_t i, strata_direction dir)
{
	return strata_session_step(t->session, i, dir);
}

/* The differences of a change list as JSON, ignoring consequential ones;
 * labels name what each op means from the checker's point of view. */
static json_t *differences_json(const sc_changes *c, const char *create, const char *drop)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->n; i++) {
		const sc_change *ch = &c->v[i];

		if (ch->consequential)
			continue;
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s?}", "difference",
				       ch->op == SC_OP_CREATE ? create
				       : ch->op == SC_OP_DROP ? drop
							      : "changed",
				       "kind", sc_kind_name(ch->kind), "object", ch->object, "detail",
				       ch->op == SC_OP_ALTER ? ch->detail : NULL));
	}
	return arr;
}

typedef struct query_answer {
	size_t rows;
	int first_true;
} query_answer;

static int on_check_row(void *payload, int ncols, const char *const *values)
{
	query_answer *a = payload;

	if (a->rows++ == 0)
		a->first_true = ncols > 0 && revtest_is_true(values[0]);
	return 0;
}

/* Run one section of revision i's data checks; failures are recorded. */
static void run_datatest(test_run *t, size_t i, revtest_section section)
{
	const revtest *dt = t->datatests ? t->datatests[i] : NULL;
	const char *revision = strata_graph_at(t->g, i)->revision;
	strata_buf msg = STRATA_BUF_INIT;

	if (!dt || !enabled(t, CHECK_DATA))
		return;
	for (size_t k = 0; k < dt->n[section]; k++) {
		const revtest_stmt *s = &dt->stmts[section][k];
		query_answer a = { 0, 0 };
		int rc;

		buf_clear(&msg);
		if (section == REVTEST_BEFORE) {
			rc = db_exec_stmt(t->db, s->sql, strlen(s->sql), NULL, 0);
			if (rc != 0)
				buf_printf(&msg, "%s:%d: the +before statement failed: %s", dt->path,
					   s->line, strata_error_last()->message);
		} else {
			rc = db_query(t->db, s->sql, 0, NULL, on_check_row, &a);
			if (rc != 0)
				buf_printf(&msg, "%s:%d: the check failed after the %s: %s", dt->path,
					   s->line, section == REVTEST_CHECK ? "up" : "down",
					   strata_error_last()->message);
			else if (a.rows != 1 || !a.first_true)
				buf_printf(&msg, "%s:%d: after the %s, %s: %s", dt->path, s->line,
					   section == REVTEST_CHECK ? "up" : "down",
					   a.rows != 1 ? "the check did not return exactly one row"
						       : "the check is not true",
					   s->sql);
		}
		if (msg.len)
			add_failure(t, CHECK_DATA, revision, buf_cstr(&msg), NULL);
		strata_error_clear();
	}
	buf_release(&msg);
}

/*
 * strata's own objects are never part of a user's schema: the bookkeeping
 * tables (version_table and strata_history) with their indexes,
 * constraints and triggers, views named after them (strata online makes
 * those in its versioned schemas), the schema of a schema-qualified
 * version_table, and strata online's objects (strata/online.h): its
 * schema, its sync triggers and its versioned schemas of views. They are
 * left out of every catalog this command compares. The versioned schemas
 * are those the shadow's state table names; a catalog without those rows
 * (a schema file dumped from a database) that holds the strata_online
 * schema also loses each schema named "<schema>_<suffix>" after another of
 * its schemas that holds nothing but views, as strata online names them.
 */
typedef struct own_objects {
	const test_run *t;
	const char *version;  /* bookkeeping tables: the version table's bare name */
	char *bk_schema;      /* their schema, or NULL: any */
	char **schemas;       /* schemas left out with all they hold */
	size_t nschemas;
} own_objects;

static int own_name_eq(const own_objects *w, const char *a, const char *b)
{
	return w->t->engine == DB_SQLITE ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static int is_own(const sc_object *o, void *payload)
{
	const own_objects *w = payload;
	const char *name = o->table ? o->table : o->name;

	if (o->kind == SC_SCHEMA)
		return sc_strv_has(w->schemas, w->nschemas, o->name) ||
		       (w->bk_schema && strcmp(o->name, w->bk_schema) == 0);
	if (o->schema && sc_strv_has(w->schemas, w->nschemas, o->schema))
		return 1;
	if (o->kind == SC_TRIGGER && strcmp(o->name, STRATA_ONLINE_TRIGGER) == 0)
		return 1;
	if (!o->table && o->kind != SC_TABLE && o->kind != SC_VIEW)
		return 0;
	if (w->bk_schema && o->schema && strcmp(o->schema, w->bk_schema) != 0)
		return 0;
	return own_name_eq(w, name, w->version) || own_name_eq(w, name, "strata_history");
}

static int on_flag(void *payload, int ncols, const char *const *v);

typedef struct schema_list {
	char ***v;
	size_t *n;
} schema_list;

static int on_state_schema(void *payload, int ncols, const char *const *v)
{
	schema_list *l = payload;

	return ncols == 1 && v[0] && !sc_strv_has(*l->v, *l->n, v[0]) ? sc_strv_add(l->v, l->n, v[0])
								       : 0;
}

/* The versioned schemas strata online's state table in db names. */
static int read_state_schemas(strata_db *db, char ***v, size_t *n)
{
	schema_list l = { v, n };
	int exists = 0, rc;

	rc = db_query(db, "SELECT pg_catalog.to_regclass('" STRATA_ONLINE_SCHEMA ".migrations') IS NOT NULL",
		      0, NULL, on_flag, &exists);
	if (rc != 0 || !exists)
		return rc;
	return db_query(db, "SELECT version_schema FROM " STRATA_ONLINE_SCHEMA ".migrations UNION "
			"SELECT previous_schema FROM " STRATA_ONLINE_SCHEMA ".migrations "
			"WHERE previous_schema IS NOT NULL",
			0, NULL, on_state_schema, &l);
}

static int drop_own_objects(const test_run *t, sc_catalog *cat)
{
	const char *vt = t->cfg.version_table ? t->cfg.version_table : "strata_version";
	const char *dot = strrchr(vt, '.');
	own_objects w = { t, dot ? dot + 1 : vt, NULL, NULL, 0 };
	int rc = 0, online = 0;

	if (dot && t->engine == DB_POSTGRES && !(w.bk_schema = strata_strndup(vt, (size_t)(dot - vt))))
		return STRATA_ERROR;
	if (t->engine == DB_POSTGRES) {
		rc = sc_strv_add(&w.schemas, &w.nschemas, STRATA_ONLINE_SCHEMA);
		for (size_t i = 0; rc == 0 && i < t->nview_schemas; i++)
			rc = sc_strv_add(&w.schemas, &w.nschemas, t->view_schemas[i]);
		/* Online revisions walked so far made version schemas too. */
		if (rc == 0)
			rc = read_state_schemas(t->db, &w.schemas, &w.nschemas);
		for (size_t i = 0; i < cat->n && !online; i++)
			online = (cat->objs[i]->kind == SC_SCHEMA &&
				  strcmp(cat->objs[i]->name, STRATA_ONLINE_SCHEMA) == 0) ||
				 (cat->objs[i]->schema &&
				  strcmp(cat->objs[i]->schema, STRATA_ONLINE_SCHEMA) == 0);
		if (rc == 0 && online)
			rc = sc_add_versioned_schemas(cat, &w.schemas, &w.nschemas);
	}
	if (rc == 0)
		rc = sc_catalog_drop_if(cat, is_own, &w);
	for (size_t i = 0; i < w.nschemas; i++)
		strata_free(w.schemas[i]);
	strata_free(w.schemas);
	strata_free(w.bk_schema);
	return rc;
}

/* PostgreSQL: the versioned schemas that strata online's state table in
 * the shadow (a scratch database given with -d) names. */
static int read_view_schemas(test_run *t)
{
	if (t->engine != DB_POSTGRES)
		return 0;
	return read_state_schemas(t->db, &t->view_schemas, &t->nview_schemas);
}

/* The catalog model: whole, or (names given, PostgreSQL) scoped to them. */
static int read_catalog(test_run *t, const sc_scope_names *names, sc_catalog **out)
{
	int rc = names ? sc_introspect_scope(t->db, t->cfg.version_table, names, out)
		       : sc_introspect(t->db, t->cfg.version_table, out);

	/* The introspection empties the session's search_path; the data
	 * checks that run on the same connection name tables as users do. */
	if (rc == 0 && t->engine == DB_POSTGRES)
		rc = db_exec(t->db, "RESET search_path", 0, NULL);
	if (rc == 0)
		rc = drop_own_objects(t, *out);
	if (rc != 0 && *out) {
		sc_catalog_free(*out);
		*out = NULL;
	}
	return rc;
}

static int snapshot(test_run *t, sc_catalog **out)
{
	return read_catalog(t, NULL, out);
}

/* What a revision's snapshot holds: see the top of this file. */
typedef struct rev_snap {
	sc_catalog *cat;     /* PostgreSQL */
	char **rows;         /* SQLite: "type\x1fname\x1ftbl_name\x1fsql" per sqlite_schema row */
	size_t nrows;
	sc_names names;      /* PostgreSQL: what the revision names; opaque = whole reads */
	char **pair_schemas; /* PostgreSQL, after the down: the objects the before snapshot held */
	char **pair_names;
	size_t npairs;
} rev_snap;

static void rev_snap_release(rev_snap *s)
{
	sc_catalog_free(s->cat);
	for (size_t i = 0; i < s->nrows; i++)
		strata_free(s->rows[i]);
	strata_free(s->rows);
	sc_names_release(&s->names);
	for (size_t i = 0; i < s->npairs; i++) {
		strata_free(s->pair_schemas[i]);
		strata_free(s->pair_names[i]);
	}
	strata_free(s->pair_schemas);
	strata_free(s->pair_names);
	memset(s, 0, sizeof(*s));
}

typedef struct row_list {
	char **v;
	size_t n;
	int rc;
} row_list;

static int on_schema_row(void *payload, int ncols, const char *const *v)
{
	row_list *l = payload;
	strata_buf b = STRATA_BUF_INIT;

	if (ncols != 4 || buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s", v[0], v[1], v[2], v[3]) != 0 ||
	    sc_strv_add(&l->v, &l->n, buf_cstr(&b)) != 0)
		l->rc = STRATA_ERROR;
	buf_release(&b);
	return l->rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * sqlite_schema's rows (in creation order, tables first) of the objects
 * one of the names is or belongs to (an index or trigger of a named
 * table); with names NULL (an opaque revision), all of them. One scan
 * inside SQLite, whose catalog has no index by name; what comes out is the
 * revision's own. An object whose table was not named brings its table's
 * rows in too (a second scan), so the rows always replay.
 */
static int sqlite_rows_once(strata_db *db, const char *version, const char *param, row_list *l)
{
	const char *params[2] = { param, version };
	int rc = db_query(db,
			  "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND "
			  "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name COLLATE NOCASE NOT IN "
			  "($2, 'strata_history') AND ($1 IS NULL OR tbl_name COLLATE "
			  "NOCASE IN (SELECT value FROM json_each($1)) OR name COLLATE NOCASE IN "
			  "(SELECT value FROM json_each($1))) ORDER BY CASE type WHEN 'table' "
			  "THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
			  2, params, on_schema_row, l);

	return rc == 0 && l->rc != 0 ? l->rc : rc;
}

static const char *row_field(const char *row, int k, size_t *len);

static int sqlite_rows(const test_run *t, const sc_names *names, char ***rows, size_t *n)
{
	const char *vt = t->cfg.version_table ? t->cfg.version_table : "strata_version";
	const char *version = strrchr(vt, '.') ? strrchr(vt, '.') + 1 : vt;
	row_list l = { NULL, 0, 0 };
	json_t *arr = NULL;
	char *param = NULL;
	int rc, again = 0;

	if (names && !names->opaque) {
		if (!(arr = json_array()))
			return STRATA_ERROR;
		for (size_t i = 0; i < names->n; i++)
			if (json_array_append_new(arr, json_string(names->v[i])) != 0) {
				json_decref(arr);
				return STRATA_ERROR;
			}
		if (!(param = json_dumps(arr, JSON_COMPACT))) {
			json_decref(arr);
			return STRATA_ERROR;
		}
	}
	rc = sqlite_rows_once(t->db, version, param, &l);
	/* Tables of rows that came in by their own name only. */
	for (size_t i = 0; rc == 0 && arr && i < l.n; i++) {
		size_t len;
		const char *tbl = row_field(l.v[i], 2, &len);
		char *name = strata_strndup(tbl, len);
		int known = 0;
		size_t k;
		json_t *x;

		if (!name) {
			rc = STRATA_ERROR;
			break;
		}
		json_array_foreach(arr, k, x)
			known |= strcasecmp(json_string_value(x), name) == 0;
		if (!known) {
			again = 1;
			rc = json_array_append_new(arr, json_string(name)) != 0 ? STRATA_ERROR : 0;
		}
		strata_free(name);
	}
	if (rc == 0 && again) {
		free(param);
		if (!(param = json_dumps(arr, JSON_COMPACT))) {
			rc = STRATA_ERROR;
		} else {
			for (size_t i = 0; i < l.n; i++)
				strata_free(l.v[i]);
			l.n = 0;
			rc = sqlite_rows_once(t->db, version, param, &l);
		}
	}
	json_decref(arr);
	free(param);
	if (rc != 0) {
		for (size_t i = 0; i < l.n; i++)
			strata_free(l.v[i]);
		strata_free(l.v);
		return rc;
	}
	*rows = l.v;
	*n = l.n;
	return 0;
}

/* A row's field k (0 type, 1 name, 2 tbl_name, 3 sql) and its length. */
static const char *row_field(const char *row, int k, size_t *len)
{
	for (int i = 0; i < k && i < 3; i++)
		row = strchr(row, '\x1f') + 1;
	*len = k < 3 ? strcspn(row, "\x1f") : strlen(row);
	return row;
}

/* The catalog model of the schema that sqlite_schema rows (in creation
 * order) describe: replayed into a scratch in-memory database and read. */
static int sqlite_catalog_of_rows(test_run *t, char *const *rows, size_t n, sc_catalog **out)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_db *scratch = NULL;
	int rc = db_open(&scratch, "sqlite::memory:", &o);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t len;
		const char *sql = row_field(rows[i], 3, &len);

		rc = db_exec_stmt(scratch, sql, len, NULL, 0);
	}
	if (rc == 0 && (rc = sc_introspect(scratch, t->cfg.version_table, out)) == 0 &&
	    (rc = drop_own_objects(t, *out)) != 0) {
		sc_catalog_free(*out);
		*out = NULL;
	}
	db_close(scratch);
	return rc;
}

/* What revision i's SQL (and its data checks) names. Whether it writes
 * or defines code is the revision's own up and down only. */
static int revision_text_names(test_run *t, size_t i, sc_names *names)
{
	const strata_migration *m = strata_graph_at(t->g, i);
	const revtest *dt = t->datatests ? t->datatests[i] : NULL;
	int rc, writes, defines_code;

	if ((rc = sc_names_add_sql(names, m->text + m->up_offset, m->up_len)) != 0 ||
	    (rc = sc_names_add_sql(names, m->text + m->down_offset, m->down_len)) != 0)
		return rc;
	/* An online revision's operations name no object in SQL: read whole. */
	if (m->online_text)
		names->opaque = 1;
	writes = names->writes;
	defines_code = names->defines_code;
	for (size_t s = 0; dt && s < REVTEST_NSECTIONS; s++)
		for (size_t k = 0; k < dt->n[s]; k++)
			if ((rc = sc_names_add_sql(names, dt->stmts[s][k].sql,
						   strlen(dt->stmts[s][k].sql))) != 0)
				return rc;
	names->writes = writes;
	names->defines_code = defines_code;
	return 0;
}

static int on_flag(void *payload, int ncols, const char *const *v)
{
	*(int *)payload = ncols == 1 && revtest_is_true(v[0]);
	return 0;
}

/* User code that DML can run: triggers, and functions (outside extensions)
 * that defaults, checks, policies and the statements themselves can call. */
#define USER_CODE_SQL                                                                       \
	"SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE NOT g.tgisinternal) "    \
	"OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid >= 16384 AND NOT EXISTS " \
	"(SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "                           \
	"'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'))"

/* PostgreSQL: what revision i (and its data checks) names. A revision
 * that writes rows while user code exists, or that defines code and
 * writes, is opaque: a trigger or a function its DML runs could change
 * objects it never names. */
static int revision_names(test_run *t, size_t i, sc_names *names)
{
	int rc, code = 0;

	if ((rc = revision_text_names(t, i, names)) != 0 || names->opaque || !names->writes ||
	    t->engine != DB_POSTGRES || t->whole_reads)
		return rc;
	if (names->defines_code)
		code = 1;
	else if ((rc = db_query(t->db, USER_CODE_SQL, 0, NULL, on_flag, &code)) != 0)
		return rc;
	names->opaque = code;
	return 0;
}

static int scoped_snapshot(test_run *t, const rev_snap *s, sc_catalog **out)
{
	sc_scope_names sn;

	if (s->names.opaque || t->whole_reads)
		return snapshot(t, out);
	sn.names = (const char *const *)s->names.v;
	sn.nnames = s->names.n;
	sn.pair_schemas = (const char *const *)s->pair_schemas;
	sn.pair_names = (const char *const *)s->pair_names;
	sn.npairs = s->npairs;
	return read_catalog(t, &sn, out);
}

/* The snapshot before revision i's up. */
static int snapshot_before(test_run *t, size_t i, rev_snap *s)
{
	int rc;

	if ((rc = revision_names(t, i, &s->names)) != 0)
		return rc;
	if (t->engine == DB_SQLITE)
		return sqlite_rows(t, t->whole_reads ? NULL : &s->names, &s->rows, &s->nrows);
	return scoped_snapshot(t, s, &s->cat);
}

/* The differences between the schema before revision i's up (s) and now,
 * after its down: *before and *after are set to two catalogs to compare,
 * or both left NULL when nothing differs. */
static int snapshot_after(test_run *t, rev_snap *s, sc_catalog **before, sc_catalog **after)
{
	int rc, same = 0;

	*before = *after = NULL;
	if (t->engine == DB_SQLITE) {
		char **now = NULL, **a, **b;
		size_t n = 0;

		/* The same names, and those of every object the before rows hold. */
		for (size_t k = 0; k < s->nrows; k++) {
			size_t len;
			const char *f = row_field(s->rows[k], 1, &len);

			if ((rc = sc_names_add(&s->names, f, len)) != 0)
				return rc;
			f = row_field(s->rows[k], 2, &len);
			if ((rc = sc_names_add(&s->names, f, len)) != 0)
				return rc;
		}
		if ((rc = sqlite_rows(t, t->whole_reads ? NULL : &s->names, &now, &n)) != 0)
			return rc;
		if (n == s->nrows) {
			same = 1;
			for (size_t k = 0; same && k < n; k++)
				same = strcmp(now[k], s->rows[k]) == 0;
		}
		if (n == s->nrows && !same) { /* the same rows in another order? */
			a = strata_malloc((n ? n : 1) * sizeof(*a));
			b = strata_malloc((n ? n : 1) * sizeof(*b));
			if (!a || !b) {
				rc = STRATA_ERROR;
			} else {
				memcpy(a, now, n * sizeof(*a));
				memcpy(b, s->rows, n * sizeof(*b));
				qsort(a, n, sizeof(*a), cmp_str);
				qsort(b, n, sizeof(*b), cmp_str);
				same = 1;
				for (size_t k = 0; same && k < n; k++)
					same = strcmp(a[k], b[k]) == 0;
			}
			strata_free(a);
			strata_free(b);
		}
		/* Some SQL text differs: compare what the two sets of rows mean. */
		if (rc == 0 && !same &&
		    (rc = sqlite_catalog_of_rows(t, s->rows, s->nrows, before)) == 0 &&
		    (rc = sqlite_catalog_of_rows(t, now, n, after)) != 0) {
			sc_catalog_free(*before);
			*before = NULL;
		}
		for (size_t k = 0; k < n; k++)
			strata_free(now[k]);
		strata_free(now);
		return rc;
	}
	/* PostgreSQL: the same names, and exactly the objects the before
	 * snapshot held (by schema and name: a bare name could reach an
	 * unrelated namesake the before snapshot did not hold). */
	for (size_t k = 0; s->cat && k < s->cat->n; k++) {
		const sc_object *o = s->cat->objs[k];
		const char *name = o->table ? o->table : o->name;
		size_t len = o->kind == SC_FUNCTION ? strcspn(name, "(") : strlen(name);
		char *bare;
		size_t nnames = s->npairs;

		if (o->kind == SC_SCHEMA) {
			if ((rc = sc_names_add(&s->names, o->name, strlen(o->name))) != 0)
				return rc;
			continue;
		}
		if (!o->schema)
			continue;
		if (!(bare = strata_strndup(name, len)))
			return STRATA_ERROR;
		/* Both lists stay npairs long, also when an allocation fails. */
		rc = sc_strv_add(&s->pair_names, &nnames, bare);
		strata_free(bare);
		if (rc != 0)
			return STRATA_ERROR;
		if (sc_strv_add(&s->pair_schemas, &s->npairs, o->schema) != 0) {
			strata_free(s->pair_names[nnames - 1]);
			return STRATA_ERROR;
		}
	}
	if ((rc = scoped_snapshot(t, s, after)) != 0)
		return rc;
	*before = s->cat;
	s->cat = NULL;
	return 0;
}

/* Compare the schema before revision i's up with the one after its down. */
static int compare_no_trace(test_run *t, size_t i, rev_snap *s)
{
	sc_catalog *before = NULL, *after = NULL;
	sc_changes changes = { 0 };
	size_t ndiff = 0;
	int rc;

	if ((rc = snapshot_after(t, s, &before, &after)) != 0 || !after)
		return rc;
	if ((rc = sc_diff(before, after, NULL, &changes)) != 0)
		goto done;
	for (size_t k = 0; k < changes.n; k++)
		ndiff += !changes.v[k].consequential;
	if (ndiff) {
		char msg[128];

		snprintf(msg, sizeof(msg), "the down leaves %zu difference(s) from the schema before the up",
			 ndiff);
		add_failure(t, CHECK_NO_TRACE, strata_graph_at(t->g, i)->revision, msg,
			    differences_json(&changes, "leftover", "missing"));
	}
done:
	sc_changes_release(&changes);
	sc_catalog_free(before);
	sc_catalog_free(after);
	return rc;
}

/* After an opaque revision on PostgreSQL: event triggers mean any DDL can
 * do more than it names, so every later snapshot reads the whole schema. */
static int note_event_triggers(test_run *t)
{
	int found = 0, rc;

	rc = db_query(t->db, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger)", 0, NULL,
		      on_flag, &found);
	if (found)
		t->whole_reads = 1;
	return rc;
}

/* After revision i is applied: whether later snapshots must read
 * everything. opaque: what its snapshot before found, or -1 when it took
 * none (its names are read here then). */
static int opaque_revision(test_run *t, size_t i, int opaque)
{
	sc_names names = { NULL, 0, 0, 0, 0 };
	int rc = 0;

	if (t->engine != DB_POSTGRES || t->whole_reads)
		return 0;
	if (opaque < 0 && (rc = revision_names(t, i, &names)) == 0)
		opaque = names.opaque;
	if (rc == 0 && opaque)
		rc = note_event_triggers(t);
	sc_names_release(&names);
	return rc;
}

/* Whether everything revision i builds on is applied on the shadow. */
static int can_apply(const test_run *t, size_t i)
{
	const unsigned char *applied = strata_session_applied(t->session);
	const size_t *e;
	size_t n = strata_graph_parents(t->g, i, &e);

	for (size_t k = 0; k < n; k++)
		if (!applied[e[k]])
			return 0;
	n = strata_graph_dependencies(t->g, i, &e);
	for (size_t k = 0; k < n; k++)
		if (!applied[e[k]])
			return 0;
	return 1;
}

/* A step of revision i failed: the failure goes to check, and the checks
 * that needed the rest of the walk are skipped, for why (the walk stops)
 * or for why_on (--keep-going: the walk goes on, but not every revision is
 * walked whole, and the heads are not reached). Returns whether the walk
 * goes on. */
static int step_failed(test_run *t, int check, size_t i, const char *prefix, const char *why,
		       const char *why_on)
{
	static const int after_up[] = { CHECK_STAIRWAY, CHECK_NO_TRACE, CHECK_DATA, CHECK_SCHEMA };
	strata_buf msg = STRATA_BUF_INIT;

	buf_printf(&msg, "%s%s", prefix, strata_error_last()->message);
	add_failure(t, check, strata_graph_at(t->g, i)->revision, buf_cstr(&msg), NULL);
	buf_release(&msg);
	strata_error_clear();
	skip_rest(t, t->keep_going ? why_on : why, after_up, 4);
	return t->keep_going;
}

/*
 * The walk: every revision from `from` on, in apply order. Returns 0, or
 * the code of an error that is not a finding (the shadow went away).
 * *at_heads is set when it reached the end with everything applied.
 * Without --keep-going it stops at the first failing step; with it, every
 * revision whose ancestors are applied is walked, and those that build on
 * a failed one are listed as not run.
 */
static int walk(test_run *t, size_t from, int *at_heads)
{
	static const int after_up[] = { CHECK_STAIRWAY, CHECK_NO_TRACE, CHECK_DATA, CHECK_SCHEMA };
	size_t n = strata_graph_count(t->g);
	int need_down = enabled(t, CHECK_STAIRWAY) || enabled(t, CHECK_NO_TRACE) || enabled(t, CHECK_DATA);
	strata_buf not_run = STRATA_BUF_INIT;
	size_t nnot_run = 0;
	int rc = 0, stopped = 0, failed = 0;

	*at_heads = 0;
	if (from > 0) {
		char target[32];

		snprintf(target, sizeof(target), "+%zu", from);
		if (strata_session_upgrade(t->session, target) != 0) {
			add_failure(t, up_check(t), NULL, strata_error_last()->message, NULL);
			skip_rest(t, "the revisions before --from did not apply", after_up, 4);
			return 0;
		}
		if (t->engine == DB_POSTGRES && (rc = note_event_triggers(t)) != 0)
			return rc;
	}
	for (size_t i = from; i < n && !stopped; i++) {
		const strata_migration *m = strata_graph_at(t->g, i);
		int reversible = need_down && !m->irreversible;
		int snapped = reversible && enabled(t, CHECK_NO_TRACE), opaque = -1;
		int down_check = enabled(t, CHECK_STAIRWAY) ? CHECK_STAIRWAY : up_check(t);
		rev_snap before;

		if (!can_apply(t, i)) {
			/* --keep-going, past a failed step this revision builds on */
			buf_printf(&not_run, " %s", m->revision);
			nnot_run++;
			continue;
		}
		memset(&before, 0, sizeof(before));
		if (snapped && (rc = snapshot_before(t, i, &before)) != 0) {
			rev_snap_release(&before);
			break;
		}
		if (snapped)
			opaque = before.names.opaque;
		run_datatest(t, i, REVTEST_BEFORE);
		if (run_step(t, i, STRATA_UP) != 0) {
			rev_snap_release(&before);
			failed = 1;
			stopped = !step_failed(t, up_check(t), i, "", "the upgrade failed",
					       "not every revision was walked: an up failed");
			continue;
		}
		run_datatest(t, i, REVTEST_CHECK);
		if (!reversible) {
			rev_snap_release(&before);
			continue;
		}
		if (run_step(t, i, STRATA_DOWN) != 0) {
			rev_snap_release(&before);
			failed = 1;
			stopped = !step_failed(t, down_check, i, "", "the stairway stopped",
					       "not every revision was walked: a down failed");
			if (!stopped && (rc = opaque_revision(t, i, opaque)) != 0)
				break;
			continue;
		}
		rc = snapped ? compare_no_trace(t, i, &before) : 0;
		rev_snap_release(&before);
		if (rc != 0)
			break;
		run_datatest(t, i, REVTEST_CHECK_DOWN);
		if (run_step(t, i, STRATA_UP) != 0) {
			failed = 1;
			stopped = !step_failed(t, down_check, i, "up again after the down: ",
					       "the stairway stopped",
					       "not every revision was walked: an up again failed");
			continue;
		}
		if ((rc = opaque_revision(t, i, opaque)) != 0)
			break;
	}
	if (rc == 0 && nnot_run) {
		strata_buf msg = STRATA_BUF_INIT;

		buf_printf(&msg, "not run: %zu revision(s) build on one whose step failed:%s",
			   nnot_run, buf_cstr(&not_run));
		add_failure(t, up_check(t), NULL, buf_cstr(&msg), NULL);
		buf_release(&msg);
	}
	buf_release(&not_run);
	if (rc == 0 && !failed)
		*at_heads = 1;
	return rc;
}

/* Union-find over revision indexes: the root of i's set. */
static size_t set_of(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

/*
 * The revisions fall into lines joined by any edge, revises or
 * depends-on: a second base joined to the others (a branch started at
 * base and later merged, or depended on) belongs with them. The line with
 * the most revisions (the first base's on a tie) is the project's; every
 * base of another line is orphaned, and named.
 */
static int check_orphans(test_run *t, const size_t *bases, size_t nbases)
{
	size_t n = strata_graph_count(t->g), *up, *size, main_set = 0, main_base = 0;
	strata_buf msg = STRATA_BUF_INIT;

	if (nbases < 2)
		return 0;
	up = strata_calloc(n, sizeof(*up));
	size = strata_calloc(n, sizeof(*size));
	if (!up || !size) {
		strata_free(up);
		strata_free(size);
		return STRATA_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		up[i] = i;
	for (size_t i = 0; i < n; i++) {
		const size_t *e;
		size_t ne = strata_graph_parents(t->g, i, &e);

		for (int pass = 0; pass < 2; pass++) {
			for (size_t k = 0; k < ne; k++)
				up[set_of(up, e[k])] = set_of(up, i);
			ne = strata_graph_dependencies(t->g, i, &e);
		}
	}
	for (size_t i = 0; i < n; i++)
		size[set_of(up, i)]++;
	for (size_t b = 0; b < nbases; b++) {
		size_t s = set_of(up, bases[b]);

		if (b == 0 || size[s] > size[main_set]) {
			main_set = s;
			main_base = bases[b];
		}
	}
	for (size_t b = 0; b < nbases; b++) {
		if (set_of(up, bases[b]) == main_set)
			continue;
		buf_clear(&msg);
		buf_printf(&msg,
			   "orphaned: revises base, and no revision joins it (by revises or depends-on) "
			   "to the revisions from %s",
			   strata_graph_at(t->g, main_base)->revision);
		add_failure(t, CHECK_SINGLE_HEAD, strata_graph_at(t->g, bases[b])->revision,
			    buf_cstr(&msg), NULL);
	}
	buf_release(&msg);
	strata_free(up);
	strata_free(size);
	return 0;
}

static int check_single_head(test_run *t, long want_heads)
{
	const size_t *heads, *bases;
	size_t nheads = strata_graph_heads(t->g, &heads);
	size_t nbases = strata_graph_bases(t->g, &bases);
	strata_buf msg = STRATA_BUF_INIT;

	if (strata_graph_count(t->g) && nheads != (size_t)want_heads) {
		buf_printf(&msg, "%zu heads, expected %ld:", nheads, want_heads);
		for (size_t i = 0; i < nheads; i++)
			buf_printf(&msg, " %s", strata_graph_at(t->g, heads[i])->revision);
		add_failure(t, CHECK_SINGLE_HEAD, NULL, buf_cstr(&msg), NULL);
	}
	buf_release(&msg);
	return check_orphans(t, bases, nbases);
}

static int check_schema(test_run *t)
{
	sc_catalog *head = NULL, *declared = NULL;
	sc_changes changes = { 0 };
	size_t ndiff = 0;
	int rc;

	if ((rc = snapshot(t, &head)) != 0 ||
	    (rc = sc_load(&declared, t->ctx->config->schema, t->engine, &t->cfg)) != 0 ||
	    (rc = drop_own_objects(t, declared)) != 0 ||
	    (rc = sc_diff(declared, head, NULL, &changes)) != 0)
		goto done;
	for (size_t k = 0; k < changes.n; k++)
		ndiff += !changes.v[k].consequential;
	if (ndiff) {
		char msg[256];

		snprintf(msg, sizeof(msg), "the schema at the heads differs from %s in %zu place(s)",
			 schema_shown(t->ctx->config->schema), ndiff);
		add_failure(t, CHECK_SCHEMA, NULL, msg,
			    differences_json(&changes, "only in the migrations", "only in the schema file"));
	}
done:
	sc_changes_release(&changes);
	sc_catalog_free(head);
	sc_catalog_free(declared);
	return rc;
}

static int check_lint(test_run *t)
{
	strata_lint_options lo = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings settings;
	strata_lint_report *report = NULL;
	size_t n = strata_graph_count(t->g), seen = 0;
	int rc;

	strata_lint_settings_init(&settings);
	if ((rc = strata_lint_settings_load(&settings, t->ctx->config)) < 0)
		return rc;
	lo.settings = &settings;
	lo.engine = t->engine == DB_SQLITE ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	lo.runner_sets_lock_timeout = t->cfg.lock_timeout_ms > 0;
	lo.history_from_base = 1; /* every revision, in graph order, from base */
	if ((rc = strata_lint_report_new(&report)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(t->g, i);

		strata_lint_report_new_range(report);
		if ((rc = strata_lint_migration(report, m, &lo)) < 0) {
			if (rc != STRATA_EPARSE)
				break;
			add_failure(t, CHECK_LINT, m->revision, strata_error_last()->message, NULL);
			rc = 0;
		}
		for (; seen < strata_lint_report_count(report); seen++) {
			const strata_lint_finding *f = strata_lint_report_at(report, seen);
			strata_buf msg = STRATA_BUF_INIT;

			if (f->severity != STRATA_LINT_ERROR)
				continue;
			buf_printf(&msg, "%s:%d:%d: %s %s [%s]", f->path, f->line, f->col, f->rule->id,
				   f->message, f->rule->name);
			add_failure(t, CHECK_LINT, m->revision, buf_cstr(&msg), NULL);
			buf_release(&msg);
		}
	}
	strata_lint_report_free(report);
	return rc < 0 ? rc : 0;
}

/* Read migrations/tests/<revision>.sql files; exit code on bad input. */
static int load_datatests(test_run *t)
{
	strata_buf dir = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t nnames = 0;
	int rc = 0;

	if (fs_join(&dir, t->ctx->config->migrations, "tests") != 0) {
		rc = cli_report_error(STRATA_ERROR);
		goto done;
	}
	if (!fs_is_dir(buf_cstr(&dir)))
		goto done;
	if (fs_list_dir(&names, &nnames, buf_cstr(&dir)) != 0) {
		rc = cli_report_error(STRATA_ERROR);
		goto done;
	}
	if (!(t->datatests = strata_calloc(strata_graph_count(t->g) + 1, sizeof(revtest *)))) {
		rc = cli_report_error(STRATA_ERROR);
		goto done;
	}
	for (size_t k = 0; k < nnames; k++) {
		size_t len = strlen(names[k]), idx;
		char revision[64];

		if (len < 5 || strcmp(names[k] + len - 4, ".sql") != 0)
			continue;
		buf_clear(&path);
		if (fs_join(&path, buf_cstr(&dir), names[k]) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		snprintf(revision, sizeof(revision), "%.*s", (int)(len - 4), names[k]);
		if (strata_graph_lookup(&idx, t->g, revision) != 0) {
			strata_error_clear();
			strata_error_set(STRATA_EPARSE, "%s: no revision '%s' in %s", buf_cstr(&path),
					 revision, t->ctx->config->migrations);
			strata_error_hint("name a data-check file after its revision: tests/<revision>.sql");
			rc = cli_report_error(STRATA_EPARSE);
			goto done;
		}
		if (t->datatests[idx]) {
			strata_error_set(STRATA_EPARSE, "%s: a second data-check file for revision %s",
					 buf_cstr(&path), strata_graph_at(t->g, idx)->revision);
			rc = cli_report_error(STRATA_EPARSE);
			goto done;
		}
		if ((rc = revtest_load(&t->datatests[idx], buf_cstr(&path), t->engine)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	}
done:
	fs_free_names(names, nnames);
	buf_release(&dir);
	buf_release(&path);
	return rc;
}

static int select_checks(test_run *t, const cli_list *only)
{
	for (size_t c = 0; c < NCHECKS; c++)
		t->checks[c].enabled = only->n == 0;
	for (size_t k = 0; k < only->n; k++) {
		const char *p = only->items[k];

		while (*p) {
			size_t len = strcspn(p, ","), c;

			for (c = 0; c < NCHECKS; c++)
				if (strlen(check_names[c]) == len && strncmp(check_names[c], p, len) == 0)
					break;
			if (c == NCHECKS)
				return cli_usage_error("test",
						       "unknown check '%.*s' (single-head, upgrade, stairway, "
						       "down-leaves-no-trace, schema-matches, data-survives, lint)",
						       (int)len, p);
			t->checks[c].enabled = 1;
			p += len + (p[len] == ',');
		}
	}
	return 0;
}

static const char *status_of(const check_result *c)
{
	return json_array_size(c->failures) ? "fail" : c->skipped ? "skipped" : "pass";
}

static void print_text(const test_run *t, double elapsed_ms)
{
	size_t failed = 0, run = 0;

	for (size_t c = 0; c < NCHECKS; c++) {
		const check_result *r = &t->checks[c];
		size_t k;
		json_t *f;

		if (!r->enabled)
			continue;
		run++;
		if (json_array_size(r->failures)) {
			failed++;
			printf("FAIL %s\n", check_names[c]);
		} else if (r->skipped) {
			printf("SKIP %s: %s\n", check_names[c], r->skipped);
		} else {
			printf("PASS %s\n", check_names[c]);
		}
		json_array_foreach(r->failures, k, f) {
			json_t *rev = json_object_get(f, "revision"), *diffs = json_object_get(f, "differences");
			size_t d;
			json_t *x;

			if (rev) {
				long i = strata_graph_index(t->g, json_string_value(rev));
				const char *msg = i >= 0 ? strata_graph_at(t->g, (size_t)i)->message : "";

				printf("  revision %s%s%s%s: %s\n", json_string_value(rev), *msg ? " (" : "",
				       msg, *msg ? ")" : "", json_string_value(json_object_get(f, "message")));
			} else {
				printf("  %s\n", json_string_value(json_object_get(f, "message")));
			}
			json_array_foreach(diffs, d, x) {
				const char *detail = json_string_value(json_object_get(x, "detail"));

				printf("    %s %s %s%s%s\n",
				       json_string_value(json_object_get(x, "difference")),
				       json_string_value(json_object_get(x, "kind")),
				       json_string_value(json_object_get(x, "object")), detail ? ": " : "",
				       detail ? detail : "");
			}
		}
	}
	printf("%zu of %zu check(s) failed; %zu revision(s), %.0f ms\n", failed, run,
	       strata_graph_count(t->g), elapsed_ms);
}

static void print_json(const test_run *t, double elapsed_ms, int failed)
{
	json_t *checks = json_array();

	for (size_t c = 0; c < NCHECKS; c++) {
		const check_result *r = &t->checks[c];

		if (!r->enabled)
			continue;
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s?, s:O}", "name", check_names[c],
							"status", status_of(r), "reason",
							json_array_size(r->failures) ? NULL : r->skipped,
							"failures", r->failures));
	}
	cli_print_json(json_pack("{s:b, s:s, s:I, s:f, s:o}", "passed", !failed, "engine",
				 t->engine == DB_SQLITE ? "sqlite" : "postgres", "revisions",
				 (json_int_t)strata_graph_count(t->g), "elapsed_ms", elapsed_ms,
				 "checks", checks));
}

/* A scratch database named with --database must hold nothing yet. */
static int check_scratch_empty(test_run *t)
{
	sc_catalog *cat = NULL;
	int rc = snapshot(t, &cat), filled = 0;

	if (rc != 0)
		return cli_report_error(rc);
	/* Schemas (PostgreSQL's public) and extensions come with a new
	 * database; anything else means someone's data. */
	for (size_t i = 0; i < cat->n; i++)
		if (cat->objs[i]->kind != SC_SCHEMA && cat->objs[i]->kind != SC_EXTENSION)
			filled = 1;
	if (filled) {
		sc_catalog_free(cat);
		return cli_usage_error("test",
				       "the database given with --database is not empty; strata test "
				       "needs a scratch database it may fill (or none: it then creates "
				       "a shadow database and drops it)");
	}
	sc_catalog_free(cat);
	return 0;
}

int cmd_test(int argc, char **argv, cli_ctx *ctx)
{
	db_open_options dbo = DB_OPEN_OPTIONS_INIT;
	const char *from_arg = NULL, *heads_arg = NULL, *schema = NULL;
	int whole = 0, keep_going = 0, no_cache = 0;
	cli_list only = { { 0 }, 0 };
	sc_shadow *shadow = NULL;
	test_run t;
	size_t from = 0, nargs;
	const char *args[1];
	long want_heads = 0;
	int rc, failed = 0, at_heads = 0;
	double started = now_ms();
	const cli_option opts[] = {
		{ OPT_LIST, 0, "only", &only, "NAME", "run only this check (repeatable; or NAME,NAME)" },
		{ OPT_STRING, 0, "from", &from_arg, "REV",
		  "walk the revisions from REV on (those before it are applied unchecked)" },
		{ OPT_STRING, 0, "heads", &heads_arg, "N", "the number of heads expected (default: [test] heads in strata.ini, else 1)" },
		{ OPT_FLAG, 0, "whole-snapshots", &whole, NULL,
		  "PostgreSQL: snapshot the whole schema, not what each revision names (slower)" },
		{ OPT_FLAG, 0, "keep-going", &keep_going, NULL,
		  "walk on past a failing step and report every one (exit status still 1)" },
		{ OPT_STRING, 0, "schema", &schema, "SOURCE",
		  "schema-matches compares with this: a file or exec: COMMAND (default: schema in strata.ini)" },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "load the desired schema in a shadow, not reading or writing .strata/cache" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = select_checks(&t, &only)) != 0)
		return rc;
	if (heads_arg) {
		char *end;

		want_heads = strtol(heads_arg, &end, 10);
		if (*end || want_heads < 1 || want_heads > 1000)
			return cli_usage_error("test", "--heads wants a number of heads, not '%s'",
					       heads_arg);
	}
	if ((rc = cli_load_graph(ctx)) != 0 || (rc = schema_take_options(ctx, schema, no_cache)) != 0)
		return rc;
	if (!heads_arg)
		want_heads = ctx->config->test_heads;
	t.g = ctx->graph;
	if (from_arg && strata_graph_lookup(&from, t.g, from_arg) != 0)
		return cli_report_error(STRATA_EINVALID);
	if (!(t.engine = db_engine_of(ctx->config->database)))
		return cli_usage_error("test", "cannot tell the database engine; pass -d URL of a "
					       "scratch database or set database in strata.ini");
	if ((rc = load_datatests(&t)) != 0)
		goto done;
	for (size_t c = 0; c < NCHECKS; c++)
		t.checks[c].failures = json_array();

	schema_guard_signals();
	t.cfg = *ctx->config;
	t.whole_reads = whole;
	t.keep_going = keep_going;
	if (!ctx->g.database && t.engine == DB_SQLITE) {
		/* SQLite: in memory, gone with the connection. */
		t.cfg.database = "sqlite::memory:";
		t.cfg.database_source = "shadow";
	} else if (!ctx->g.database) {
		if ((rc = sc_shadow_create(&shadow, t.engine,
					   ctx->config->shadow_database ? ctx->config->shadow_database
									 : ctx->config->database)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
		t.cfg.database = (char *)sc_shadow_conninfo(shadow);
		t.cfg.database_source = "shadow";
	}
	dbo.project_root = ctx->config->root;
	dbo.application_name = "strata test";
	if ((rc = db_open(&t.db, t.cfg.database, &dbo)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if ((rc = read_view_schemas(&t)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (ctx->g.database && (rc = check_scratch_empty(&t)) != 0)
		goto done;
	{
		strata_run_options so = STRATA_RUN_OPTIONS_INIT;

		/* Online revisions: start, backfill and complete up; down is their inverse. */
		so.online_contract = 1;
		if ((rc = strata_session_open(&t.session, &t.cfg, t.g, t.db, &so)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	}

	if (enabled(&t, CHECK_SINGLE_HEAD) && (rc = check_single_head(&t, want_heads)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (enabled(&t, CHECK_UPGRADE) || enabled(&t, CHECK_STAIRWAY) || enabled(&t, CHECK_NO_TRACE) ||
	    enabled(&t, CHECK_DATA) || enabled(&t, CHECK_SCHEMA)) {
		if ((rc = walk(&t, from, &at_heads)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	}
	if (enabled(&t, CHECK_SCHEMA) && !t.checks[CHECK_SCHEMA].skipped) {
		if (!ctx->config->schema ||
		    (!sc_provider_is(ctx->config->schema) && !fs_exists(ctx->config->schema)))
			t.checks[CHECK_SCHEMA].skipped = "no schema file (schema in strata.ini)";
		else if (at_heads && (rc = check_schema(&t)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	}
	if (enabled(&t, CHECK_DATA) && !t.datatests && !t.checks[CHECK_DATA].skipped)
		t.checks[CHECK_DATA].skipped = "no data-check files (migrations/tests/<revision>.sql)";
	if (enabled(&t, CHECK_LINT) && (rc = check_lint(&t)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}

	for (size_t c = 0; c < NCHECKS; c++)
		failed += t.checks[c].enabled && json_array_size(t.checks[c].failures) > 0;
	if (ctx->g.json)
		print_json(&t, now_ms() - started, failed);
	else
		print_text(&t, now_ms() - started);
	rc = failed ? EXIT_CHECK : EXIT_OK;
done:
	strata_session_close(t.session);
	db_close(t.db);
	if (shadow) {
		int drop_rc = sc_shadow_drop(shadow);

		if (drop_rc != 0 && rc == EXIT_OK)
			rc = cli_report_error(drop_rc);
	}
	for (size_t i = 0; t.datatests && i < strata_graph_count(t.g); i++)
		revtest_free(t.datatests[i]);
	strata_free(t.datatests);
	for (size_t c = 0; c < NCHECKS; c++)
		json_decref(t.checks[c].failures);
	for (size_t i = 0; i < t.nview_schemas; i++)
		strata_free(t.view_schemas[i]);
	strata_free(t.view_schemas);
	return rc;
}
