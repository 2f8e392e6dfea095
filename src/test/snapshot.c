/*
 * test/snapshot.c - the schema snapshots of strata test's walk: what the
 * schema holds before a revision's up and after its down, and strata's own
 * objects, left out of every catalog the test compares.
 *
 * Snapshots cost what the revision touches, not what the schema holds, so
 * the run's time grows linearly with the number of revisions:
 *  - SQLite: sqlite_schema's rows (type, name, SQL text: they determine
 *    the schema) of what the revision names and what belongs to it
 *    (schema/probe.h). Equal rows: nothing differs. Otherwise both sets of
 *    rows are replayed into scratch in-memory databases, read into the
 *    catalog model and compared. The snapshot after the down also reaches
 *    every object the one before held. (Reading the catalog model twice
 *    per revision would give the same answer, slower: the rows are the
 *    fast path, the model the comparison.)
 *  - PostgreSQL: the catalog model of the objects the revision's SQL
 *    names and everything that depends on them (strata__sc_introspect_scope; the
 *    snapshot after the down also reaches every object the one before
 *    held). A revision whose statements can do more than their names say
 *    (DO, CALL, extensions, ...: schema/sqlnames.h), or that writes rows
 *    while user triggers or functions exist or are being defined, is
 *    snapshotted whole; after one, event triggers make every later
 *    snapshot whole.
 *
 * Layer: test; uses schema, core (revtest), db and util. Every catalog
 * returned is the caller's to free (strata__sc_catalog_free).
 */
#include "test/test_int.h"
#include "db/db.h"
#include "schema/diff.h"
#include "schema/probe.h"
#include "strata/error.h"
#include "strata/online.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * strata's own objects are never part of a user's schema: the bookkeeping
 * tables (version_table and strata_history) with their indexes,
 * constraints and triggers, views named after them (strata online makes
 * those in its versioned schemas), the schema of a schema-qualified
 * version_table, and strata online's objects (strata/online.h): its
 * schema, its sync triggers and its versioned schemas of views. They are
 * left out of every catalog the test compares. The versioned schemas
 * are those the shadow's state table names; a catalog without those rows
 * (a schema file dumped from a database) that holds the strata_online
 * schema also loses each schema named "<schema>_<suffix>" after another of
 * its schemas that holds nothing but views, as strata online names them.
 */
typedef struct own_objects {
	const testrun *t;
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
		return strata__sc_strv_has(w->schemas, w->nschemas, o->name) ||
		       (w->bk_schema && strcmp(o->name, w->bk_schema) == 0);
	if (o->schema && strata__sc_strv_has(w->schemas, w->nschemas, o->schema))
		return 1;
	if (o->kind == SC_TRIGGER && strcmp(o->name, STRATA_ONLINE_TRIGGER) == 0)
		return 1;
	if (!o->table && o->kind != SC_TABLE && o->kind != SC_VIEW)
		return 0;
	if (w->bk_schema && o->schema && strcmp(o->schema, w->bk_schema) != 0)
		return 0;
	return own_name_eq(w, name, w->version) || own_name_eq(w, name, "strata_history");
}

int strata__testrun_drop_own_objects(const testrun *t, sc_catalog *cat)
{
	const char *vt = t->cfg.version_table ? t->cfg.version_table : "strata_version";
	const char *dot = strrchr(vt, '.');
	own_objects w = { t, dot ? dot + 1 : vt, NULL, NULL, 0 };
	int rc = 0, online = 0;

	if (dot && t->engine == DB_POSTGRES && !(w.bk_schema = strata_strndup(vt, (size_t)(dot - vt))))
		return STRATA_ERROR;
	if (t->engine == DB_POSTGRES) {
		rc = strata__sc_strv_push(&w.schemas, &w.nschemas, STRATA_ONLINE_SCHEMA);
		for (size_t i = 0; rc == 0 && i < t->nview_schemas; i++)
			rc = strata__sc_strv_push(&w.schemas, &w.nschemas, t->view_schemas[i]);
		/* Online revisions walked so far made version schemas too. */
		if (rc == 0)
			rc = strata__sc_online_state_schemas(&w.schemas, &w.nschemas, t->db);
		for (size_t i = 0; i < cat->n && !online; i++)
			online = (cat->objs[i]->kind == SC_SCHEMA &&
				  strcmp(cat->objs[i]->name, STRATA_ONLINE_SCHEMA) == 0) ||
				 (cat->objs[i]->schema &&
				  strcmp(cat->objs[i]->schema, STRATA_ONLINE_SCHEMA) == 0);
		if (rc == 0 && online)
			rc = strata__sc_add_versioned_schemas(cat, &w.schemas, &w.nschemas);
	}
	if (rc == 0)
		rc = strata__sc_catalog_drop_if(cat, is_own, &w);
	for (size_t i = 0; i < w.nschemas; i++)
		strata_free(w.schemas[i]);
	strata_free(w.schemas);
	strata_free(w.bk_schema);
	return rc;
}

/* PostgreSQL: the versioned schemas that strata online's state table in
 * the shadow (a scratch database given with -d) names. */
int strata__testrun_read_view_schemas(testrun *t)
{
	if (t->engine != DB_POSTGRES)
		return 0;
	return strata__sc_online_state_schemas(&t->view_schemas, &t->nview_schemas, t->db);
}

/* The catalog model: whole, or (names given, PostgreSQL) scoped to them. */
static int read_catalog(testrun *t, const sc_scope_names *names, sc_catalog **out)
{
	int rc = names ? strata__sc_introspect_scope(t->db, t->cfg.version_table, names, out)
		       : strata__sc_introspect(t->db, t->cfg.version_table, out);

	/* The introspection empties the session's search_path; the data
	 * checks that run on the same connection name tables as users do. */
	if (rc == 0 && t->engine == DB_POSTGRES)
		rc = strata__db_exec(t->db, "RESET search_path", 0, NULL);
	if (rc == 0)
		rc = strata__testrun_drop_own_objects(t, *out);
	if (rc != 0 && *out) {
		strata__sc_catalog_free(*out);
		*out = NULL;
	}
	return rc;
}

int strata__testrun_snapshot(testrun *t, sc_catalog **out)
{
	return read_catalog(t, NULL, out);
}

void strata__testrun_snap_release(rev_snap *s)
{
	strata__sc_catalog_free(s->cat);
	for (size_t i = 0; i < s->nrows; i++)
		strata_free(s->rows[i]);
	strata_free(s->rows);
	strata__sc_names_release(&s->names);
	for (size_t i = 0; i < s->npairs; i++) {
		strata_free(s->pair_schemas[i]);
		strata_free(s->pair_names[i]);
	}
	strata_free(s->pair_schemas);
	strata_free(s->pair_names);
	memset(s, 0, sizeof(*s));
}
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_rows(char **rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strata_free(rows[i]);
	strata_free(rows);
}

/*
 * sqlite_schema's rows (in creation order, tables first) of the objects
 * one of the names is or belongs to (an index or trigger of a named
 * table); with names NULL (an opaque revision), all of them. What comes
 * out is the revision's own. An object whose table was not named brings
 * its table's rows in too (a second scan), so the rows always replay.
 */
static int sqlite_rows(const testrun *t, const sc_names *names, char ***rows, size_t *n)
{
	char **v = NULL;
	size_t nv = 0;
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
	rc = strata__sc_sqlite_schema_rows(&v, &nv, t->db, t->cfg.version_table, param);
	/* Tables of rows that came in by their own name only. */
	for (size_t i = 0; rc == 0 && arr && i < nv; i++) {
		size_t len;
		const char *tbl = strata__sc_sqlite_schema_row_field(v[i], 2, &len);
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
		free_rows(v, nv);
		v = NULL;
		nv = 0;
		if (!(param = json_dumps(arr, JSON_COMPACT)))
			rc = STRATA_ERROR;
		else
			rc = strata__sc_sqlite_schema_rows(&v, &nv, t->db, t->cfg.version_table, param);
	}
	json_decref(arr);
	free(param);
	if (rc != 0) {
		free_rows(v, nv);
		return rc;
	}
	*rows = v;
	*n = nv;
	return 0;
}

/* The catalog model of the schema that sqlite_schema rows (in creation
 * order) describe: replayed into a scratch in-memory database and read. */
static int sqlite_catalog_of_rows(testrun *t, char *const *rows, size_t n, sc_catalog **out)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_db *scratch = NULL;
	int rc = strata__db_open(&scratch, "sqlite::memory:", &o);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t len;
		const char *sql = strata__sc_sqlite_schema_row_field(rows[i], 3, &len);

		rc = strata__db_exec_stmt(scratch, sql, len, NULL, 0);
	}
	if (rc == 0 && (rc = strata__sc_introspect(scratch, t->cfg.version_table, out)) == 0 &&
	    (rc = strata__testrun_drop_own_objects(t, *out)) != 0) {
		strata__sc_catalog_free(*out);
		*out = NULL;
	}
	strata__db_close(scratch);
	return rc;
}

/* What revision i's SQL (and its data checks) names. Whether it writes
 * or defines code is the revision's own up and down only. */
static int revision_text_names(testrun *t, size_t i, sc_names *names)
{
	const strata_migration *m = strata_graph_at(t->g, i);
	const revtest *dt = t->datatests ? t->datatests[i] : NULL;
	int rc, writes, defines_code;

	if ((rc = strata__sc_names_add_sql(names, m->text + m->up_offset, m->up_len)) != 0 ||
	    (rc = strata__sc_names_add_sql(names, m->text + m->down_offset, m->down_len)) != 0)
		return rc;
	/* An online revision's operations name no object in SQL: read whole. */
	if (m->online_text)
		names->opaque = 1;
	writes = names->writes;
	defines_code = names->defines_code;
	for (size_t s = 0; dt && s < REVTEST_NSECTIONS; s++)
		for (size_t k = 0; k < dt->n[s]; k++)
			if ((rc = strata__sc_names_add_sql(names, dt->stmts[s][k].sql,
						   strlen(dt->stmts[s][k].sql))) != 0)
				return rc;
	names->writes = writes;
	names->defines_code = defines_code;
	return 0;
}
/* PostgreSQL: what revision i (and its data checks) names. A revision
 * that writes rows while user code exists, or that defines code and
 * writes, is opaque: a trigger or a function its DML runs could change
 * objects it never names. */
static int revision_names(testrun *t, size_t i, sc_names *names)
{
	int rc, code = 0;

	if ((rc = revision_text_names(t, i, names)) != 0 || names->opaque || !names->writes ||
	    t->engine != DB_POSTGRES || t->whole_reads)
		return rc;
	if (names->defines_code)
		code = 1;
	else if ((rc = strata__sc_pg_user_code_exists(&code, t->db)) != 0)
		return rc;
	names->opaque = code;
	return 0;
}

static int scoped_snapshot(testrun *t, const rev_snap *s, sc_catalog **out)
{
	sc_scope_names sn;

	if (s->names.opaque || t->whole_reads)
		return strata__testrun_snapshot(t, out);
	sn.names = (const char *const *)s->names.v;
	sn.nnames = s->names.n;
	sn.pair_schemas = (const char *const *)s->pair_schemas;
	sn.pair_names = (const char *const *)s->pair_names;
	sn.npairs = s->npairs;
	return read_catalog(t, &sn, out);
}

/* The snapshot before revision i's up. */
int strata__testrun_snapshot_before(testrun *t, size_t i, rev_snap *s)
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
int strata__testrun_snapshot_after(testrun *t, rev_snap *s, sc_catalog **before, sc_catalog **after)
{
	int rc, same = 0;

	*before = *after = NULL;
	if (t->engine == DB_SQLITE) {
		char **now = NULL, **a, **b;
		size_t n = 0;

		/* The same names, and those of every object the before rows hold. */
		for (size_t k = 0; k < s->nrows; k++) {
			size_t len;
			const char *f = strata__sc_sqlite_schema_row_field(s->rows[k], 1, &len);

			if ((rc = strata__sc_names_add(&s->names, f, len)) != 0)
				return rc;
			f = strata__sc_sqlite_schema_row_field(s->rows[k], 2, &len);
			if ((rc = strata__sc_names_add(&s->names, f, len)) != 0)
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
			strata__sc_catalog_free(*before);
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
			if ((rc = strata__sc_names_add(&s->names, o->name, strlen(o->name))) != 0)
				return rc;
			continue;
		}
		if (!o->schema)
			continue;
		if (!(bare = strata_strndup(name, len)))
			return STRATA_ERROR;
		/* Both lists stay npairs long, also when an allocation fails. */
		rc = strata__sc_strv_push(&s->pair_names, &nnames, bare);
		strata_free(bare);
		if (rc != 0)
			return STRATA_ERROR;
		if (strata__sc_strv_push(&s->pair_schemas, &s->npairs, o->schema) != 0) {
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
/* After an opaque revision on PostgreSQL: event triggers mean any DDL can
 * do more than it names, so every later snapshot reads the whole schema. */
int strata__testrun_note_event_triggers(testrun *t)
{
	int found = 0, rc = strata__sc_pg_event_triggers_exist(&found, t->db);

	if (found)
		t->whole_reads = 1;
	return rc;
}

/* After revision i is applied: whether later snapshots must read
 * everything. opaque: what its snapshot before found, or -1 when it took
 * none (its names are read here then). */
int strata__testrun_opaque_revision(testrun *t, size_t i, int opaque)
{
	sc_names names = { NULL, 0, 0, 0, 0 };
	int rc = 0;

	if (t->engine != DB_POSTGRES || t->whole_reads)
		return 0;
	if (opaque < 0 && (rc = revision_names(t, i, &names)) == 0)
		opaque = names.opaque;
	if (rc == 0 && opaque)
		rc = strata__testrun_note_event_triggers(t);
	strata__sc_names_release(&names);
	return rc;
}
