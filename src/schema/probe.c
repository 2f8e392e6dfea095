/*
 * schema/probe.c - one-query questions about a live catalog (see
 * probe.h): sqlite_schema's rows of named objects, and on PostgreSQL
 * whether user code or event triggers exist and which versioned schemas
 * strata online's state table names.
 */
#include "schema/probe.h"
#include "db/db.h"
#include "schema/catalog.h"
#include "strata/error.h"
#include "strata/online.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

typedef struct row_list {
	char **v;
	size_t n;
	int rc;
} row_list;

static int on_schema_row(void *payload, int ncols, const char *const *v)
{
	row_list *l = payload;
	strata_buf b = STRATA_BUF_INIT;

	if (ncols != 4 || strata__buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s", v[0], v[1], v[2], v[3]) != 0 ||
	    strata__sc_strv_push(&l->v, &l->n, strata__buf_cstr(&b)) != 0)
		l->rc = STRATA_ERROR;
	strata__buf_release(&b);
	return l->rc;
}

/* One scan inside SQLite, whose catalog has no index by name. */
int strata__sc_sqlite_schema_rows(char ***rows, size_t *n, strata_db *db, const char *version_table,
			  const char *names_json)
{
	const char *vt = version_table ? version_table : "strata_version";
	const char *params[2] = { names_json, strrchr(vt, '.') ? strrchr(vt, '.') + 1 : vt };
	row_list l = { NULL, 0, 0 };
	int rc = strata__db_query(db,
			  "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND "
			  "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name COLLATE NOCASE NOT IN "
			  "($2, 'strata_history') AND ($1 IS NULL OR tbl_name COLLATE "
			  "NOCASE IN (SELECT value FROM json_each($1)) OR name COLLATE NOCASE IN "
			  "(SELECT value FROM json_each($1))) ORDER BY CASE type WHEN 'table' "
			  "THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
			  2, params, on_schema_row, &l);

	if (rc == 0 && l.rc != 0)
		rc = l.rc;
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

const char *strata__sc_sqlite_schema_row_field(const char *row, int k, size_t *len)
{
	for (int i = 0; i < k && i < 3; i++)
		row = strchr(row, '\x1f') + 1;
	*len = k < 3 ? strcspn(row, "\x1f") : strlen(row);
	return row;
}

static int on_flag(void *payload, int ncols, const char *const *v)
{
	*(int *)payload = ncols == 1 && v[0] && v[0][0] == 't';
	return 0;
}

int strata__sc_pg_user_code_exists(int *out, strata_db *db)
{
	*out = 0;
	return strata__db_query(db,
			"SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE NOT g.tgisinternal) "
			"OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid >= 16384 AND NOT "
			"EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
			"'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND "
			"d.deptype = 'e'))",
			0, NULL, on_flag, out);
}

int strata__sc_pg_event_triggers_exist(int *out, strata_db *db)
{
	*out = 0;
	return strata__db_query(db, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger)", 0, NULL,
			on_flag, out);
}

typedef struct schema_list {
	char ***v;
	size_t *n;
} schema_list;

static int on_state_schema(void *payload, int ncols, const char *const *v)
{
	schema_list *l = payload;

	return ncols == 1 && v[0] && !strata__sc_strv_has(*l->v, *l->n, v[0]) ? strata__sc_strv_push(l->v, l->n, v[0])
								       : 0;
}

int strata__sc_online_state_schemas(char ***v, size_t *n, strata_db *db)
{
	schema_list l = { v, n };
	int exists = 0, rc;

	rc = strata__db_query(db, "SELECT pg_catalog.to_regclass('" STRATA_ONLINE_SCHEMA ".migrations') IS NOT NULL",
		      0, NULL, on_flag, &exists);
	if (rc != 0 || !exists)
		return rc;
	return strata__db_query(db, "SELECT version_schema FROM " STRATA_ONLINE_SCHEMA ".migrations UNION "
			"SELECT previous_schema FROM " STRATA_ONLINE_SCHEMA ".migrations "
			"WHERE previous_schema IS NOT NULL",
			0, NULL, on_state_schema, &l);
}
