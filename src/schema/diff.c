/*
 * schema/diff.c - the engine-neutral parts of the diff (see diff.h): the
 * change list, and dispatching introspection and diffing to the engine.
 */
#include "schema/diff.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

int strata__sc_changes_add(sc_changes *c, sc_change_op op, sc_kind kind, const char *object,
		   const char *detail, const char *sql, int destructive)
{
	sc_change ch = { op, kind, NULL, NULL, NULL, destructive, 0, NULL, NULL, 0, 0, NULL, NULL };

	if (strata_grow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v)) != 0)
		return STRATA_ERROR;
	if (!(ch.object = strata_strdup(object ? object : "")) ||
	    (detail && !(ch.detail = strata_strdup(detail))) ||
	    (sql && !(ch.sql = strata_strdup(sql)))) {
		strata_free(ch.object);
		strata_free(ch.detail);
		return STRATA_ERROR;
	}
	c->v[c->n++] = ch;
	return 0;
}

void strata__sc_change_release(sc_change *ch)
{
	strata_free(ch->object);
	strata_free(ch->detail);
	strata_free(ch->sql);
	strata_free(ch->key);
	strata_free(ch->column);
	memset(ch, 0, sizeof(*ch));
}

void strata__sc_change_link(sc_change *ch, const sc_catalog *from, const sc_catalog *to, const char *key)
{
	ch->from = strata__sc_catalog_find(from, key);
	ch->to = strata__sc_catalog_find(to, key);
}

void strata__sc_changes_release(sc_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		strata__sc_change_release(&c->v[i]);
	strata_free(c->v);
	memset(c, 0, sizeof(*c));
}

int strata__sc_change_put_sql(strata_buf *out, const sc_change *ch)
{
	if (!ch->sql)
		return 0;
	if (ch->destructive &&
	    strata__buf_printf(out, "-- destructive: %s %s: %s\n", strata__sc_kind_name(ch->kind), ch->object,
		       ch->detail ? ch->detail : "") != 0)
		return STRATA_ERROR;
	return strata__buf_puts(out, ch->sql) != 0 ? STRATA_ERROR : 0;
}

int strata__sc_changes_marked_sql(const sc_changes *c, strata_buf *out)
{
	for (size_t i = 0; i < c->n; i++)
		if (strata__sc_change_put_sql(out, &c->v[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

int strata__sc_changes_sql(const sc_changes *c, strata_buf *out)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].sql && strata__buf_puts(out, c->v[i].sql) != 0)
			return STRATA_ERROR;
	return 0;
}

int strata__sc_diff(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
	    sc_changes *out)
{
	sc_diff_options defaults = SC_DIFF_OPTIONS_INIT;

	if (from->engine != to->engine)
		return strata_error_set(STRATA_EINVALID,
					"cannot compare a SQLite schema with a PostgreSQL one");
	if (!opts)
		opts = &defaults;
	return from->engine == DB_POSTGRES ? strata__sc_diff_pg(from, to, opts, out)
					   : strata__sc_diff_sqlite(from, to, opts, out);
}

static int introspect(strata_db *db, const char *version_table, const sc_scope_names *names,
		      sc_catalog **out)
{
	int scoped = names != NULL;
	sc_catalog *cat;
	int rc;

	*out = NULL;
	if (scoped && strata__db_engine_kind(db) != DB_POSTGRES)
		return strata_error_set(STRATA_EINVALID, "a scoped schema read is for PostgreSQL");
	if (!(cat = strata__sc_catalog_new(strata__db_engine_kind(db))))
		return STRATA_ERROR;
	cat->server_version = strata__db_server_version(db);
	rc = scoped			   ? strata__sc_introspect_pg_scope(db, version_table, names, cat)
	     : cat->engine == DB_POSTGRES ? strata__sc_introspect_pg(db, version_table, cat)
					  : strata__sc_introspect_sqlite(db, version_table, cat);
	if (rc == 0)
		rc = strata__sc_catalog_finish(cat);
	if (rc != 0) {
		strata__sc_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

int strata__sc_introspect(strata_db *db, const char *version_table, sc_catalog **out)
{
	return introspect(db, version_table, NULL, out);
}

int strata__sc_introspect_scope(strata_db *db, const char *version_table, const sc_scope_names *names,
			sc_catalog **out)
{
	return introspect(db, version_table, names, out);
}

/* The changes between cat and an empty catalog of its engine, in the
 * direction asked, as SQL. */
static int against_empty(const sc_catalog *cat, int create, strata_buf *out)
{
	sc_catalog *empty = strata__sc_catalog_new(cat->engine);
	sc_changes changes = { 0 };
	int rc;

	if (!empty)
		return STRATA_ERROR;
	empty->server_version = cat->server_version;
	rc = strata__sc_catalog_finish(empty);
	if (rc == 0)
		rc = create ? strata__sc_diff(empty, cat, NULL, &changes) : strata__sc_diff(cat, empty, NULL, &changes);
	if (rc == 0)
		rc = strata__sc_changes_sql(&changes, out);
	strata__sc_changes_release(&changes);
	strata__sc_catalog_free(empty);
	return rc;
}

int strata__sc_dump_sql(const sc_catalog *cat, strata_buf *out)
{
	return against_empty(cat, 1, out);
}

int strata__sc_drop_all_sql(const sc_catalog *cat, strata_buf *out)
{
	return against_empty(cat, 0, out);
}
