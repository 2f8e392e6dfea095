/*
 * lint/live.c - what lint reads from a live PostgreSQL database: the
 * server version and each table's estimated size.
 *
 * Layer: lint (uses db only through db.h). The connection is read-only
 * and closed as soon as both are read; rows come from pg_class.reltuples
 * (-1 for a table never analyzed: then 0 when the table has no pages,
 * else unknown), bytes from relpages times the block size, for the table
 * and the sum of its indexes (both as of the last VACUUM or ANALYZE, like
 * reltuples: the planner's own figures, read without touching the
 * table). Tables are keyed "schema.table" and, for tables in the schemas
 * of search_path, also by bare name.
 */
#include "lint/lint.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct strata_lint_live {
	strata_map tables; /* key -> index into sizes */
	strata_lint_table_size *sizes;
	size_t nsizes, sizes_cap;
	char **keys;
	size_t nkeys, keys_cap;
};

static int keep_key(strata_lint_live *l, const char *key, size_t at)
{
	void *v = l->keys;
	char *k;

	if (strata__map_has(&l->tables, key))
		return 0;
	if (strata_grow(&v, &l->keys_cap, l->nkeys + 1, sizeof(char *)) < 0 || !(k = strata_strdup(key)))
		return STRATA_ERROR;
	l->keys = v;
	l->keys[l->nkeys++] = k;
	return strata__map_put(&l->tables, k, (void *)(at + 1));
}

/* Row: schema, table, reltuples, has_pages, visible_by_bare_name,
 * table bytes, index bytes. */
static int on_table(void *payload, int ncols, const char *const *v)
{
	strata_lint_live *l = payload;
	strata_lint_table_size *sz;
	char key[300];
	double tuples;
	void *grown = l->sizes;

	if (ncols < 7 || !v[0] || !v[1] || !v[2])
		return 0;
	if (strata_grow(&grown, &l->sizes_cap, l->nsizes + 1, sizeof(*l->sizes)) < 0)
		return STRATA_ERROR;
	l->sizes = grown;
	sz = &l->sizes[l->nsizes];
	tuples = strtod(v[2], NULL);
	sz->rows = tuples >= 0 ? (long)tuples : (v[3] && v[3][0] == 't' ? -1 : 0);
	sz->table_bytes = v[5] ? strtoll(v[5], NULL, 10) : -1;
	sz->index_bytes = v[6] ? strtoll(v[6], NULL, 10) : 0;
	snprintf(key, sizeof(key), "%s.%s", v[0], v[1]);
	if (keep_key(l, key, l->nsizes) < 0)
		return STRATA_ERROR;
	if (v[4] && v[4][0] == 't' && keep_key(l, v[1], l->nsizes) < 0)
		return STRATA_ERROR;
	l->nsizes++;
	return 0;
}

static int live_size(void *payload, const char *schema, const char *table,
		     strata_lint_table_size *out)
{
	const strata_lint_live *l = payload;
	char key[300];
	void *v;

	if (schema)
		snprintf(key, sizeof(key), "%s.%s", schema, table);
	else
		snprintf(key, sizeof(key), "%s", table);
	if (!(v = strata__map_get(&l->tables, key)))
		return -1;
	*out = l->sizes[(size_t)v - 1];
	return 0;
}

int strata_lint_live_open(strata_lint_live **out, strata_lint_options *opts, const char *conninfo,
			  const char *project_root)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;
	strata_lint_live *l = NULL;
	int rc, version;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(conninfo);

	*out = NULL;
	if (strata__db_engine_of(conninfo) != DB_POSTGRES)
		return 0;
	oo.project_root = project_root;
	oo.read_only = 1;
	if ((rc = strata__db_open(&db, conninfo, &oo)) < 0)
		return rc;
	if (!(l = strata_calloc(1, sizeof(*l)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	version = strata__db_server_version(db);
	rc = strata__db_query(db,
		      "SELECT n.nspname, c.relname, c.reltuples::float8, "
		      "pg_relation_size(c.oid) > 0, pg_table_is_visible(c.oid), "
		      "c.relpages::int8 * current_setting('block_size')::int8, "
		      "(SELECT coalesce(sum(i.relpages), 0)::int8 * current_setting('block_size')::int8 "
		      " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
		      " WHERE x.indrelid = c.oid) "
		      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		      "WHERE c.relkind IN ('r', 'p', 'm') "
		      "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
		      "ORDER BY n.nspname, c.relname",
		      0, NULL, on_table, l);
	if (rc < 0)
		goto done;
	if (version > 0) {
		opts->pg_version_num = version;
		opts->pg_version = version / 10000;
	}
	opts->table_size = live_size;
	opts->payload = l;
	*out = l;
	l = NULL;
done:
	strata_lint_live_free(l);
	strata__db_close(db);
	return rc;
}

void strata_lint_live_free(strata_lint_live *l)
{
	size_t i;

	if (!l)
		return;
	strata__map_release(&l->tables);
	strata_free(l->sizes);
	for (i = 0; i < l->nkeys; i++)
		strata_free(l->keys[i]);
	strata_free(l->keys);
	strata_free(l);
}
