/*
 * online/views.c - the version schemas of completed online migrations,
 * kept in step with the tables.
 *
 * Layer: online. A version schema holds one plain view per table of its
 * schema. Once its migration is complete, its views show the tables as
 * they are, so any later change to a table (a plain revision, the next
 * migration's contract) is made with those views set aside (dropped) and
 * then made again over the tables as the change left them, in the same
 * transaction: nothing of strata's ever blocks a user's DROP COLUMN, and
 * a reader never sees a version schema half made.
 *
 * The schemas of a migration in progress (its new version and the
 * previous one it keeps serving) show two shapes of the same tables and
 * are left alone outside its own contract.
 */
#include "online/online_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/strutil.h"

#include <string.h>

typedef struct kept {
	char *schema;  /* the tables' schema */
	char *vs;      /* the version schema */
} kept;

struct online_views {
	kept *v;
	size_t n;
	int drop_from; /* contract: rows from here on are dropped, not kept */
	int failed;
};

static int on_kept(void *payload, int ncols, const char *const *v)
{
	online_views *w = payload;
	kept *grown;

	if (ncols < 2 || !v[0] || !v[1])
		return 0;
	if (!(grown = strata_realloc(w->v, (w->n + 1) * sizeof(*grown))))
		return STRATA_ERROR;
	w->v = grown;
	w->v[w->n].schema = strata_strdup(v[0]);
	w->v[w->n].vs = strata_strdup(v[1]);
	w->n++;
	return w->v[w->n - 1].schema && w->v[w->n - 1].vs ? 0 : STRATA_ERROR;
}

/* Statements one per row, NUL-separated in the buffer. */
static int on_text_row(void *payload, int ncols, const char *const *v)
{
	strata_buf *b = payload;

	return ncols && v[0] ? (strata__buf_puts(b, v[0]) < 0 || strata__buf_putc(b, '\0') < 0 ? STRATA_ERROR : 0) : 0;
}

/* Drop the views of version schema vs (DROP VIEW: never what depends on them). */
static int drop_views(strata_db *db, const char *vs)
{
	strata_buf sql = STRATA_BUF_INIT;
	const char *params[1] = { vs };
	int rc;

	rc = strata__db_query(db, "SELECT format('DROP VIEW %I.%I', n.nspname, c.relname) FROM "
		      "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		      "WHERE n.nspname = $1 AND c.relkind = 'v' ORDER BY c.relname",
		      1, params, on_text_row, &sql);
	for (size_t at = 0; rc == 0 && at < sql.len; at += strlen(sql.ptr + at) + 1)
		rc = strata__db_exec(db, sql.ptr + at, 0, NULL);
	if (rc < 0)
		strata_error_append(", setting aside the views of version schema %s", vs);
	strata__buf_release(&sql);
	return rc;
}

static int drop_schema(strata_db *db, const char *vs)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc = strata__sqlf(&sql, "DROP SCHEMA IF EXISTS %I CASCADE", vs);

	if (rc == 0)
		rc = strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL);
	strata__buf_release(&sql);
	return rc;
}

int strata__online_views_set_aside(online_views **out, strata_db *db, const online_state *contracting,
			   int keep)
{
	online_views *w;
	int exists = 0, rc;
	size_t i;

	*out = NULL;
	if ((rc = strata__state_exists(db, &exists)) < 0 || !exists)
		return rc;
	if (!(w = strata_calloc(1, sizeof(*w))))
		return STRATA_ERROR;
	/* Newest first; outside a contract the schemas of the migration in
	 * progress are not ours to rebuild. */
	rc = strata__db_query(db,
		      "SELECT m.schema_name, m.version_schema FROM " ONLINE_SCHEMA ".migrations m "
		      "WHERE m.phase = 'complete' AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n "
		      "WHERE n.nspname = m.version_schema) AND ($1 = 'contract' OR NOT EXISTS ("
		      "SELECT 1 FROM " ONLINE_SCHEMA ".migrations a WHERE a.phase = 'started' AND "
		      "m.version_schema IN (a.version_schema, a.previous_schema))) ORDER BY m.id DESC",
		      1, (const char *const[]){ contracting ? "contract" : "step" }, on_kept, w);
	/* A contract keeps keep - 1 of them beside its own new version. */
	w->drop_from = contracting ? (keep > 1 ? keep - 1 : 0) : (int)w->n;
	for (i = 0; rc == 0 && i < w->n; i++)
		rc = (int)i >= w->drop_from ? drop_schema(db, w->v[i].vs) : drop_views(db, w->v[i].vs);
	if (rc < 0) {
		strata__online_views_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int on_true(void *payload, int ncols, const char *const *v)
{
	*(int *)payload = 1;
	return 0;
}

int strata__online_views_rebuild(strata_db *db, online_views *w)
{
	int rc = 0;

	for (size_t i = 0; w && rc == 0 && i < w->n && (int)i < w->drop_from; i++) {
		const char *params[1] = { w->v[i].vs };
		online_model model;
		int still = 0;

		/* Not when the change undid its migration (an online revision's inverse). */
		if ((rc = strata__db_query(db, "SELECT true FROM " ONLINE_SCHEMA ".migrations WHERE "
				   "version_schema = $1 AND phase = 'complete' LIMIT 1", 1, params,
				   on_true, &still)) < 0 || !still)
			continue;
		memset(&model, 0, sizeof(model));
		if ((rc = strata__model_load(&model, db, w->v[i].schema)) == 0)
			rc = strata__plan_create_views(db, &model, w->v[i].vs);
		if (rc < 0)
			strata_error_append(", making the views of version schema %s again",
					    w->v[i].vs);
		strata__model_release(&model);
	}
	return rc;
}

void strata__online_views_free(online_views *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		strata_free(w->v[i].schema);
		strata_free(w->v[i].vs);
	}
	strata_free(w->v);
	strata_free(w);
}
