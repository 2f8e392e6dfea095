/*
 * online/engine.c - start, complete, roll back and show online migrations.
 *
 * Layer: online. Each entry point opens its own PostgreSQL connection,
 * sets lock_timeout and statement_timeout from the config, and holds the
 * advisory lock "strata_online" for its run, so two machines never work
 * on the same migration at once.
 *
 * The steps, each safe to run again after a crash (state.c has the
 * diagram of phases):
 *
 *   start     1. expand: one transaction runs every operation's expand
 *                statements, the sync triggers, the new version schema
 *                and inserts the state row with the plan. Nothing of it
 *                stays if it fails or the process dies.
 *             2. indexes built concurrently; an invalid one left by a crash
 *                is dropped and built again (ensure_indexes).
 *             3. backfill in batches, resumable (backfill.c).
 *   complete  2. and 3. if not done, then each VALIDATE CONSTRAINT on its
 *             own, then one transaction: drop the previous version schema
 *             and the triggers, drop old columns, rename new ones, recreate
 *             the version schema's views, mark the row complete.
 *   rollback  one transaction: drop the version schema, the triggers and
 *             everything start added; mark the row rolled_back.
 *
 * Every transaction that takes locks is retried with back-off when
 * lock_timeout fires (SQLSTATE 55P03), up to lock_retries times: no
 * statement waits in the lock queue long enough to stall traffic.
 */
#include "online/online_int.h"
#include "db/lockretry.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_LOCK "strata_online"

static int open_run(online_run *r, const strata_config *cfg, const strata_online_options *o,
		    int read_only)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->o = o;
	if (strata__db_engine_of(cfg->database) != DB_POSTGRES) {
		strata_error_set(STRATA_EINVALID, "online migrations need PostgreSQL, and the "
				 "database is not a PostgreSQL one");
		strata_error_hint("pass -d postgres://... or set database in strata.ini");
		return STRATA_EINVALID;
	}
	oo.project_root = cfg->root;
	oo.application_name = "strata online";
	oo.read_only = read_only;
	if ((rc = strata__db_open(&r->db, cfg->database, &oo)) < 0)
		return rc;
	if ((rc = strata__db_set_timeouts(r->db, cfg->lock_timeout_ms, cfg->statement_timeout_ms)) < 0)
		return rc;
	if (!read_only && (rc = strata__db_lock(r->db, RUN_LOCK, cfg->lock_wait_ms)) < 0)
		return rc;
	return 0;
}

static void close_run(online_run *r)
{
	strata__state_free(r->st);
	r->st = NULL;
	/* strata__db_close() sets no error: the one the run failed with stays. */
	strata__db_rollback_keep_error(r->db);
	strata__db_close(r->db);
	r->db = NULL;
}

static const char *schema_opt(const strata_online_options *o)
{
	return o && o->schema && *o->schema ? o->schema : "public";
}

/* 1 after pausing for a retry of what (db/lockretry.h); 0: give up. */
static int retry_or_give_up(online_run *r, db_lock_retry *retry, const char *what)
{
	if (!strata__db_lock_retry_next(retry))
		return 0;
	strata__online_log(r, STRATA_LOG_WARN, "%s: lock not had within lock_timeout (%ld ms); retry %d "
		   "of %d", what, r->cfg->lock_timeout_ms, retry->done, retry->max);
	strata__pause_ms(retry->wait_ms);
	return 1;
}

static void retries_init(const online_run *r, db_lock_retry *retry)
{
	strata__db_lock_retry_init(retry, r->cfg->lock_retries, DB_LOCK_RETRY_FIRST_MS);
}

static void gave_up(online_run *r, const char *what)
{
	if (strata__db_error_is_lock_timeout())
		strata_error_append("\n  %s gave up after %d retries; nothing of it was kept", what,
				    r->cfg->lock_retries);
}

/* Run a stored statement text, which may hold several statements (raw sql). */
static int exec_text(online_run *r, const char *text)
{
	db_stmt *stmts = NULL;
	size_t n = 0, i, at = 0;
	int rc = strata__db_split(&stmts, &n, &at, DB_POSTGRES, text, strlen(text));

	for (i = 0; rc == 0 && i < n; i++)
		rc = strata__db_exec_stmt(r->db, text + stmts[i].offset, stmts[i].len, NULL, 0);
	if (rc < 0)
		strata_error_append("\n  running: %.300s", text);
	strata_free(stmts);
	return rc;
}

/* Statements that must run outside a transaction, one by one, each retried. */
static int exec_autocommit(online_run *r, const char *sql, const char *what)
{
	int rc;
	db_lock_retry retry;

	for (retries_init(r, &retry);;) {
		if ((rc = strata__db_exec(r->db, sql, 0, NULL)) == 0)
			return 0;
		if (!retry_or_give_up(r, &retry, what)) {
			gave_up(r, what);
			return rc;
		}
	}
}

/* ---- step 2: indexes built concurrently ------------------------------- */

static int on_text(void *payload, int ncols, const char *const *v)
{
	char **out = payload;

	if (!(*out = strata_strdup(v[0] ? v[0] : "")))
		return STRATA_ERROR;
	return 1;
}

static int ensure_indexes(online_run *r)
{
	const json_t *list = json_object_get(r->st->plan, "concurrent"), *e;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "index"));
		const char *params[2] = { r->st->schema, name };
		db_lock_retry retry;

		for (retries_init(r, &retry);;) {
			char *valid = NULL;

			if ((rc = strata__db_query(r->db, "SELECT i.indisvalid::text FROM pg_index i "
					   "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n "
					   "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
					   2, params, on_text, &valid)) < 0)
				goto done;
			if (valid && strcmp(valid, "true") == 0) {
				strata_free(valid);
				break;
			}
			if (valid) {
				/* Left invalid by a build that failed or was killed. */
				strata__buf_clear(&sql);
				if ((rc = strata__sqlf(&sql, "DROP INDEX CONCURRENTLY IF EXISTS %Q", r->st->schema,
					       name)) < 0 ||
				    (rc = exec_autocommit(r, strata__buf_cstr(&sql), "dropping an invalid index")) < 0) {
					strata_free(valid);
					goto done;
				}
			}
			strata_free(valid);
			strata__online_log(r, STRATA_LOG_INFO, "building index %s concurrently", name);
			rc = strata__db_exec(r->db, json_string_value(json_object_get(e, "sql")), 0, NULL);
			if (rc == 0)
				continue; /* look again: valid now */
			if (!retry_or_give_up(r, &retry, "building an index")) {
				strata_error_append("\n  building index %s; run the command again to "
						    "retry, or roll back", name);
				goto done;
			}
		}
	}
done:
	strata__buf_release(&sql);
	return rc;
}

static int finish_expand(online_run *r)
{
	int rc;

	if ((rc = ensure_indexes(r)) < 0)
		return rc;
	if (!r->st->backfilled && (rc = strata__backfill_run(r)) < 0)
		return rc;
	return 0;
}

/* ---- start ------------------------------------------------------------ */

static int on_exists(void *payload, int ncols, const char *const *v)
{
	*(int *)payload = 1;
	return 1;
}

static int expand_once(online_run *r, const strata_online_migration *m, const char *schema,
		       const char *vs, const char *prev)
{
	online_plan_ctx ctx;
	char *mig = NULL, *plan = NULL;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.db = r->db;
	ctx.m = m;
	ctx.schema = schema;
	ctx.version_schema = vs;
	ctx.log = r->o ? r->o->log : NULL;
	ctx.payload = r->o ? r->o->payload : NULL;
	if ((rc = strata__db_begin(r->db)) < 0)
		goto done;
	if ((rc = strata__plan_expand(&ctx)) < 0)
		goto done;
	if (!(mig = json_dumps(m->root, JSON_COMPACT)) || !(plan = json_dumps(ctx.plan, JSON_COMPACT))) {
		rc = strata_error_set(STRATA_ERROR, "out of memory");
		goto done;
	}
	if ((rc = strata__state_insert(r->db, schema, m->name, vs, prev, mig, plan)) < 0 ||
	    (rc = strata__db_commit(r->db)) < 0)
		goto done;
done:
	if (rc < 0)
		strata__db_rollback_keep_error(r->db);
	free(mig);
	free(plan);
	json_decref(ctx.plan);
	strata__model_release(&ctx.model);
	return rc;
}

static int do_complete(online_run *r);

int strata_online_start(const strata_config *cfg, const strata_online_migration *m,
			const strata_online_options *opts)
{
	strata_online_options defaults = STRATA_ONLINE_OPTIONS_INIT;
	const strata_online_options *o = opts ? opts : &defaults;
	const char *schema = schema_opt(o);
	char vs[256], *prev = NULL;
	online_run r;
	int rc, exists = 0;
	db_lock_retry retry;

	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(m);

	if ((rc = open_run(&r, cfg, o, 0)) < 0 || (rc = strata__state_ensure(r.db)) < 0 ||
	    (rc = strata__state_active(&r.st, r.db)) < 0)
		goto done;
	if (r.st && (strcmp(r.st->name, m->name) != 0 || strcmp(r.st->schema, schema) != 0)) {
		rc = strata_error_set(STRATA_ECONFLICT, "online migration \"%s\" is in progress on "
				      "schema \"%s\" (started %s); only one runs at a time", r.st->name,
				      r.st->schema, r.st->started_at ? r.st->started_at : "");
		strata_error_hint("finish it first: 'strata online complete' or 'strata online rollback'");
		goto done;
	}
	if (r.st) {
		strata__online_log(&r, STRATA_LOG_INFO, "migration %s was started before: resuming it", m->name);
	} else {
		const char *params[2] = { schema, m->name };

		if ((rc = strata__db_query(r.db, "SELECT 1 FROM " ONLINE_SCHEMA ".migrations WHERE "
				   "schema_name = $1 AND name = $2 AND phase = 'complete'", 2, params,
				   on_exists, &exists)) < 0)
			goto done;
		if (exists) {
			rc = strata_error_set(STRATA_ECONFLICT, "online migration \"%s\" was already "
					      "completed on schema \"%s\"", m->name, schema);
			strata_error_hint("give the new migration another name (its file name)");
			goto done;
		}
		if (m->version_schema)
			snprintf(vs, sizeof(vs), "%s", m->version_schema);
		else
			snprintf(vs, sizeof(vs), "%s_%s", schema, m->name);
		if (strlen(vs) > 63) {
			rc = strata_error_set(STRATA_EINVALID, "the version schema name \"%s\" is longer "
					      "than PostgreSQL's 63 bytes", vs);
			strata_error_hint("shorten the migration's name, or set \"version_schema\" in "
					  "the file");
			goto done;
		}
		params[0] = vs;
		exists = 0;
		if ((rc = strata__db_query(r.db, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, params,
				   on_exists, &exists)) < 0)
			goto done;
		if (exists) {
			rc = strata_error_set(STRATA_ECONFLICT, "schema \"%s\" already exists; strata "
					      "would use it for the new version's views", vs);
			strata_error_hint("drop it if it is a leftover, or set \"version_schema\" in "
					  "the file");
			goto done;
		}
		if ((rc = strata__state_latest_schema(&prev, r.db, schema)) < 0)
			goto done;
		for (retries_init(&r, &retry);;) {
			if ((rc = expand_once(&r, m, schema, vs, prev)) == 0)
				break;
			if (!retry_or_give_up(&r, &retry, "start")) {
				gave_up(&r, "start");
				goto done;
			}
		}
		if ((rc = strata__state_active(&r.st, r.db)) < 0)
			goto done;
		if (!r.st) {
			rc = strata_error_set(STRATA_ERROR, "the started migration's state row is missing");
			goto done;
		}
		strata__online_log(&r, STRATA_LOG_INFO, "started %s: new version in schema %s%s%s", m->name, vs,
			   prev ? ", previous version in " : "", prev ? prev : "");
	}
	if ((rc = finish_expand(&r)) < 0)
		goto done;
	if (o->complete)
		rc = do_complete(&r);
done:
	strata_free(prev);
	close_run(&r);
	return rc;
}

/* ---- complete ------------------------------------------------------------ */

static int drop_functions(online_run *r)
{
	const json_t *fns = json_object_get(r->st->plan, "functions"), *f;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	json_array_foreach(fns, i, f) {
		strata__buf_clear(&sql);
		if ((rc = strata__sqlf(&sql, "DROP FUNCTION IF EXISTS %s() CASCADE", json_string_value(f))) < 0 ||
		    (rc = strata__db_exec(r->db, strata__buf_cstr(&sql), 0, NULL)) < 0)
			break;
	}
	strata__buf_release(&sql);
	return rc;
}

static int drop_schema(online_run *r, const char *name)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if ((rc = strata__sqlf(&sql, "DROP SCHEMA IF EXISTS %I CASCADE", name)) == 0)
		rc = strata__db_exec(r->db, strata__buf_cstr(&sql), 0, NULL);
	strata__buf_release(&sql);
	return rc;
}

static int contract_once(online_run *r)
{
	const json_t *list = json_object_get(r->st->plan, "complete"), *s;
	online_model model;
	online_views *kept = NULL;
	size_t i;
	int rc;

	memset(&model, 0, sizeof(model));
	if ((rc = strata__db_begin(r->db)) < 0)
		return rc;
	/* The previous versions: the newest keep_versions - 1 stay, rebuilt over
	 * the new shape below; the others (the previous one by default) go. */
	if ((rc = strata__online_views_set_aside(&kept, r->db, r->st, r->cfg->online_keep_versions)) < 0)
		goto done;
	if ((rc = drop_schema(r, r->st->version_schema)) < 0 || (rc = drop_functions(r)) < 0)
		goto done;
	json_array_foreach(list, i, s)
		if ((rc = exec_text(r, json_string_value(s))) < 0)
			goto done;
	/* The new version's views, now over columns with their final names. */
	if ((rc = strata__model_load(&model, r->db, r->st->schema)) < 0 ||
	    (rc = strata__plan_create_views(r->db, &model, r->st->version_schema)) < 0 ||
	    (rc = strata__online_views_rebuild(r->db, kept)) < 0 ||
	    (rc = strata__state_set_phase(r->db, r->st->id, "complete")) < 0)
		goto done;
	rc = strata__db_commit(r->db);
done:
	if (rc < 0)
		strata__db_rollback_keep_error(r->db);
	strata__online_views_free(kept);
	strata__model_release(&model);
	return rc;
}

static int do_complete(online_run *r)
{
	const json_t *list = json_object_get(r->st->plan, "validate"), *s;
	size_t i;
	int rc;
	db_lock_retry retry;

	if ((rc = finish_expand(r)) < 0)
		return rc;
	json_array_foreach(list, i, s) {
		if ((rc = exec_autocommit(r, json_string_value(s), "validating a constraint")) < 0) {
			if (!strata__db_error_is_lock_timeout())
				strata_error_hint("rows break the new constraint: fix them (or the "
						  "migration's up expression, then roll back and start "
						  "again), or run 'strata online rollback'");
			return rc;
		}
	}
	for (retries_init(r, &retry);;) {
		if ((rc = contract_once(r)) == 0)
			break;
		if (!retry_or_give_up(r, &retry, "complete")) {
			gave_up(r, "complete");
			if (!strata_error_last()->hint[0])
				strata_error_hint("nothing of the contract step was kept; fix the cause and "
						  "run 'strata online complete' again, or roll back");
			return rc;
		}
	}
	strata__online_log(r, STRATA_LOG_INFO, "completed %s: clients should now use schema %s", r->st->name,
		   r->st->version_schema);
	return 0;
}

static int need_active(online_run *r)
{
	int exists = 0, rc;

	if ((rc = strata__state_exists(r->db, &exists)) < 0)
		return rc;
	if (exists && (rc = strata__state_active(&r->st, r->db)) < 0)
		return rc;
	if (!r->st) {
		strata_error_set(STRATA_ENOTFOUND, "no online migration is in progress");
		strata_error_hint("start one with 'strata online start FILE'; 'strata online status' "
				  "shows the state");
		return STRATA_ENOTFOUND;
	}
	return 0;
}

int strata_online_complete(const strata_config *cfg, const strata_online_options *opts)
{
	strata_online_options defaults = STRATA_ONLINE_OPTIONS_INIT;
	online_run r;
	int rc;

	STRATA_ASSERT_ARG(cfg);

	if ((rc = open_run(&r, cfg, opts ? opts : &defaults, 0)) == 0 && (rc = need_active(&r)) == 0)
		rc = do_complete(&r);
	close_run(&r);
	return rc;
}

/* ---- rollback ------------------------------------------------------------ */

static int rollback_once(online_run *r)
{
	const json_t *list = json_object_get(r->st->plan, "rollback"), *s;
	size_t i;
	int rc;

	if ((rc = strata__db_begin(r->db)) < 0)
		return rc;
	if ((rc = drop_schema(r, r->st->version_schema)) < 0 || (rc = drop_functions(r)) < 0)
		goto done;
	json_array_foreach(list, i, s)
		if ((rc = exec_text(r, json_string_value(s))) < 0)
			goto done;
	if ((rc = strata__state_set_phase(r->db, r->st->id, "rolled_back")) < 0)
		goto done;
	rc = strata__db_commit(r->db);
done:
	if (rc < 0)
		strata__db_rollback_keep_error(r->db);
	return rc;
}

int strata_online_rollback(const strata_config *cfg, const strata_online_options *opts)
{
	strata_online_options defaults = STRATA_ONLINE_OPTIONS_INIT;
	online_run r;
	int rc;
	db_lock_retry retry;

	STRATA_ASSERT_ARG(cfg);

	if ((rc = open_run(&r, cfg, opts ? opts : &defaults, 0)) < 0 || (rc = need_active(&r)) < 0)
		goto done;
	for (retries_init(&r, &retry);;) {
		if ((rc = rollback_once(&r)) == 0)
			break;
		if (!retry_or_give_up(&r, &retry, "rollback")) {
			gave_up(&r, "rollback");
			goto done;
		}
	}
	strata__online_log(&r, STRATA_LOG_INFO, "rolled back %s", r.st->name);
done:
	close_run(&r);
	return rc;
}

/* ---- status ------------------------------------------------------------- */

static int on_latest(void *payload, int ncols, const char *const *v)
{
	strata_online_status *s = payload;

	s->completed = v[0] ? atol(v[0]) : 0;
	if ((v[1] && !(s->latest_name = strata_strdup(v[1]))) ||
	    (v[2] && !(s->latest_schema = strata_strdup(v[2]))) ||
	    (v[3] && !(s->latest_completed_at = strata_strdup(v[3]))))
		return STRATA_ERROR;
	return 1;
}

static int on_version(void *payload, int ncols, const char *const *v)
{
	strata_online_status *s = payload;
	strata_online_version *grown, *e;

	if (ncols < 5 || !v[0])
		return 0;
	if (!(grown = strata_realloc(s->versions, (s->nversions + 1) * sizeof(*grown))))
		return STRATA_ERROR;
	s->versions = grown;
	e = &s->versions[s->nversions++];
	memset(e, 0, sizeof(*e));
	e->sessions = v[3] ? atol(v[3]) : 0;
	e->sessions_hidden = v[4] ? atol(v[4]) : 0;
	return (e->schema = strata_strdup(v[0])) && (e->migration = strata_strdup(v[1] ? v[1] : "")) &&
		       (e->phase = strata_strdup(v[2] ? v[2] : ""))
		       ? 0
		       : STRATA_ERROR;
}

int strata_online_status_read(strata_online_status **out, const strata_config *cfg,
			      const strata_online_options *opts)
{
	strata_online_options defaults = STRATA_ONLINE_OPTIONS_INIT;
	strata_online_status *s;
	online_run r;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);

	*out = NULL;
	if (!(s = strata_calloc(1, sizeof(*s))))
		return STRATA_ERROR;
	if ((rc = open_run(&r, cfg, opts ? opts : &defaults, 1)) < 0 ||
	    (rc = strata__state_exists(r.db, &s->initialised)) < 0 || !s->initialised)
		goto done;
	if ((rc = strata__state_active(&r.st, r.db)) < 0)
		goto done;
	if (r.st) {
		const json_t *pr = r.st->progress;

		s->active = 1;
		s->name = strata_strdup(r.st->name);
		s->version_schema = strata_strdup(r.st->version_schema);
		s->previous_schema = r.st->previous_schema ? strata_strdup(r.st->previous_schema) : NULL;
		s->started_at = r.st->started_at ? strata_strdup(r.st->started_at) : NULL;
		s->backfilled = r.st->backfilled;
		s->rows_backfilled = pr ? (long long)(json_integer_value(json_object_get(pr, "rows")) +
						      json_integer_value(json_object_get(pr, "done")))
					: 0;
	}
	{
		const char *params[1] = { schema_opt(opts) };

		rc = strata__db_query(r.db, "SELECT (SELECT count(*) FROM " ONLINE_SCHEMA ".migrations WHERE "
			      "phase = 'complete' AND schema_name = $1), name, version_schema, "
			      "to_char(finished_at, 'YYYY-MM-DD HH24:MI:SSOF') FROM " ONLINE_SCHEMA
			      ".migrations WHERE schema_name = $1 AND phase = 'complete' "
			      "ORDER BY id DESC LIMIT 1", 1, params, on_latest, s);
	}
	if (rc == 0)
		rc = strata__db_query(r.db,
			      "WITH v AS (SELECT version_schema AS vs, name, CASE phase WHEN 'started' "
			      "THEN 'started' ELSE 'complete' END AS phase, id FROM " ONLINE_SCHEMA
			      ".migrations m WHERE phase = 'started' OR (phase = 'complete' AND NOT EXISTS "
			      "(SELECT 1 FROM " ONLINE_SCHEMA ".migrations a WHERE a.phase = 'started' "
			      "AND a.previous_schema = m.version_schema)) UNION ALL SELECT "
			      "previous_schema, name, 'previous', id FROM " ONLINE_SCHEMA ".migrations "
			      "WHERE phase = 'started' AND previous_schema IS NOT NULL), "
			      "a AS (SELECT query FROM pg_catalog.pg_stat_activity WHERE datname = "
			      "current_database() AND pid <> pg_backend_pid() AND backend_type = "
			      "'client backend') "
			      "SELECT v.vs, v.name, v.phase, (SELECT count(*) FROM a WHERE a.query IS NOT "
			      "NULL AND a.query <> '<insufficient privilege>' AND strpos(a.query, v.vs) > "
			      "0), (SELECT count(*) FROM a WHERE a.query IS NULL OR a.query = "
			      "'<insufficient privilege>') FROM v JOIN pg_catalog.pg_namespace n ON "
			      "n.nspname = v.vs ORDER BY v.id DESC, v.phase DESC",
			      0, NULL, on_version, s);
done:
	close_run(&r);
	if (rc < 0) {
		strata_online_status_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void strata_online_status_free(strata_online_status *s)
{
	if (!s)
		return;
	strata_free(s->name);
	strata_free(s->version_schema);
	strata_free(s->previous_schema);
	strata_free(s->started_at);
	strata_free(s->latest_name);
	strata_free(s->latest_schema);
	strata_free(s->latest_completed_at);
	for (size_t i = 0; i < s->nversions; i++) {
		strata_free(s->versions[i].schema);
		strata_free(s->versions[i].migration);
		strata_free(s->versions[i].phase);
	}
	strata_free(s->versions);
	strata_free(s);
}
