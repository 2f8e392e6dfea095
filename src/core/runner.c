/*
 * core/runner.c - upgrade, downgrade, stamp and status (see strata/runner.h).
 *
 * Layer: core. Uses db/ for the connection, core/bookkeeping for the
 * version and history tables, and the graph's planners for what to run.
 * The run itself (struct run, what its parts share) is core/run.h; the
 * --sql script of a run is core/runner_sql.c, and sessions
 * (strata/session.h) are core/session.c, both driving the functions here.
 *
 * Run state machine (one run):
 *
 *   settled_ahead() with opts->prefetch: the state read ahead, read-only
 *                     (core/prefetch.c); nothing to run or refuse: done
 *   strata__run_open()        connect, timeouts, run lock, bookkeeping tables, read state
 *     -> run_check_*  failed revisions and changed files stop the run here
 *     -> plan         strata_plan_upgrade / _downgrade from the applied set
 *     -> split_all    every statement of every step, before anything runs
 *     -> strata__run_step()*  one revision: BEGIN, re-read versions (replan if moved),
 *                     statements, version rows, history row, COMMIT
 *   strata__run_close()       unlock, disconnect (also on every error path)
 *
 *   opts->sql_only: strata__run_offline() (core/runner_sql.c) renders the plan instead.
 *
 * Invariants:
 *  1. A transactional step's SQL and its bookkeeping commit together.
 *  2. After an error the original message is what the user sees: clean-up
 *     work (ROLLBACK, the rolled-back history row) saves and restores it.
 *  3. Nothing here prints; messages go through opts->log.
 *  4. SQLite: every step starts with foreign keys off, as a new connection
 *     has them, whatever an earlier step set (PRAGMA foreign_keys does
 *     nothing inside a transaction, so a table rebuild in a transactional
 *     revision relies on this), and a PRAGMA foreign_key_check that returns
 *     rows fails its step like a statement that failed.
 */
#include "strata/runner.h"
#include "strata/status.h"
#include "strata/env.h"
#include "strata/error.h"
#include "strata/project.h"
#include "strata/sum.h"
#include "core/batch.h"
#include "core/bookkeeping.h"
#include "core/run.h"
#include "core/migfile.h"
#include "core/prefetch.h"
#include "db/db.h"
#include "db/lockretry.h"
#include "db/sqlparse.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESTARTS 100000


static void logf_(run *r, strata_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_(run *r, strata_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!r->o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o->log(r->o->payload, level, msg);
}
static const char *section(const strata_migration *m, strata_direction dir, size_t *len,
			   size_t *off)
{
	*off = dir == STRATA_UP ? m->up_offset : m->down_offset;
	*len = dir == STRATA_UP ? m->up_len : m->down_len;
	return m->text + *off;
}

/* Split one step's section; a syntax error names file:line:col. */
int strata__run_split_step(step_sql *out, const strata_migration *m, strata_direction dir,
		   db_engine engine)
{
	size_t len, off, err_off = 0;
	const char *sql = section(m, dir, &len, &off);
	int rc, line, col;

	out->base = off;
	if (dir == STRATA_UP && m->has_batch_marker) {
		batch_stmt st;
		size_t st_off, st_len, count = 1;

		/* The batched statements are checked with the others, before anything runs. */
		for (size_t k = 0; k < count; k++) {
			if ((rc = strata__batch_prepare(&st, &st_off, &st_len, &count, m, engine, k)) < 0)
				return rc;
			strata__batch_stmt_release(&st);
		}
	}
	rc = strata__db_split(&out->stmts, &out->n, &err_off, engine, sql, len);
	if (rc == STRATA_EPARSE) {
		strata_error err = *strata_error_last();

		strata_migration_position(&line, &col, m, off + err_off);
		strata_error_set(STRATA_EPARSE, "%s:%d:%d: %s (%s section of revision %s)", m->path,
				 line, col, err.message, dir == STRATA_UP ? "up" : "down", m->revision);
		strata_error_hint("fix the SQL; nothing was run");
	}
	return rc;
}

void strata__run_free_steps(step_sql *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		strata_free(s[i].stmts);
	strata_free(s);
}

static int open_db(run *r)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;

	if (r->db) /* a session's: already open */
		return 0;
	oo.project_root = r->cfg->root;
	return strata__db_open(&r->db, r->cfg->database, &oo);
}

/*
 * Open cfg->database for reading only: nothing is created or written.
 * A SQLite file that does not exist is STRATA_ENOTFOUND naming it, or,
 * with missing_ok, 0 and *out NULL (a database with nothing applied).
 */
int strata__run_open_read_only(strata_db **out, const strata_config *cfg, int missing_ok)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	int rc;

	oo.project_root = cfg->root;
	oo.read_only = 1;
	rc = strata__db_open(out, cfg->database, &oo);
	if (rc == STRATA_ENOTFOUND && missing_ok && strata__db_engine_of(cfg->database) == DB_SQLITE) {
		strata_error_clear();
		*out = NULL;
		return 0;
	}
	return rc;
}

/*
 * The bookkeeping tables were missing: create them, in one transaction
 * (SQLite: a write transaction, BEGIN IMMEDIATE), in which strata__bk_ensure() looks again,
 * so two runners racing to create them serialise and the second finds
 * them. Runs that find the tables (all but the first) take no write lock
 * here at all: strata__run_open() checks with a read first.
 */
static int create_bk_tables(run *r)
{
	int rc;

	/* One transaction on both engines, so that a run killed half-way
	 * never leaves one table without the other. */
	if ((rc = strata__db_begin(r->db)) < 0)
		return rc;
	rc = strata__bk_ensure(r->db, r->cfg);
	if (rc < 0) {
		strata__db_rollback_keep_error(r->db);
		return rc;
	}
	return strata__db_commit(r->db);
}

/*
 * sum = auto: strata.sum is brought up to date here, under the run lock and
 * from the applied set just read, so "not applied on this database" is
 * what this run sees and no other runner can apply those revisions
 * meanwhile.
 */
static int refresh_sum(run *r)
{
	char *names = NULL;
	int rc = strata_sum_refresh_unapplied(&names, r->cfg->migrations, r->g, r->applied);

	if (rc == 0 && names)
		logf_(r, STRATA_LOG_INFO, "recorded %s in %s (not applied on this database; sum = auto)",
		      names, STRATA_SUM_FILE);
	strata_free(names);
	return rc;
}

/* Connect, lock, create the tables, read the state. */
int strata__run_open(run *r, int create_tables)
{
	int rc, exists = 0;

	if (gethostname(r->host, sizeof(r->host) - 1) < 0)
		strcpy(r->host, "unknown");
	r->count = strata_graph_count(r->g);
	if (!(r->applied = strata_calloc(r->count ? r->count : 1, 1)))
		return STRATA_ERROR;
	if ((rc = open_db(r)) < 0)
		return rc;
	if ((rc = strata__db_set_timeouts(r->db, r->cfg->lock_timeout_ms, r->cfg->statement_timeout_ms)) < 0)
		return rc;
	if ((rc = strata__db_lock(r->db, r->cfg->version_table, r->cfg->lock_wait_ms)) < 0)
		return rc;
	r->locked = 1;
	if ((rc = strata__db_current_user(r->db, &r->db_user)) < 0)
		return rc;
	if ((rc = strata__bk_tables_exist(&exists, r->db, r->cfg)) < 0)
		return rc;
	if (!exists && create_tables && (rc = create_bk_tables(r)) < 0)
		return rc;
	if ((rc = exists ? strata__bk_read_rows(&r->state, r->db, r->cfg) :
			   strata__bk_read(&r->state, r->db, r->cfg)) < 0)
		return rc;
	if ((rc = strata_graph_applied(r->applied, r->g, (const char *const *)r->state.versions,
				       r->state.nversions)) < 0)
		return rc;
	return r->o->sum_auto ? refresh_sum(r) : 0;
}

void strata__run_close(run *r)
{
	strata_error saved = *strata_error_last();

	if (r->db) {
		if (r->locked)
			strata__db_unlock(r->db, r->cfg->version_table);
		if (!r->borrowed_db)
			strata__db_close(r->db);
	}
	strata_error_restore(&saved);
	strata__bk_state_release(&r->state);
	strata_free(r->applied);
	strata_free(r->db_user);
}

/* The history's word on a revision, if any. */
static const bk_revision_state *latest_row(const bk_state *s, const char *revision)
{
	return strata__map_get(&s->revisions, revision);
}

static const bk_revision_state *history_of(const run *r, const char *revision)
{
	return latest_row(&r->state, revision);
}

static int is_unfinished(const bk_revision_state *h)
{
	return h && (strcmp(h->outcome, "failed") == 0 || strcmp(h->outcome, "running") == 0);
}

/* A history row about m by this run's user and host; the caller adds the rest. */
bk_entry strata__run_history_row(const run *r, const strata_migration *m, strata_direction dir,
			 const char *outcome, const char *started, const char *finished)
{
	bk_entry e = { 0 };

	e.revision = m->revision;
	e.direction = dir == STRATA_UP ? "up" : "down";
	e.checksum = m->checksum;
	e.started_at = started;
	e.finished_at = finished;
	e.db_user = r->db_user;
	e.client_host = r->host;
	e.outcome = outcome;
	if (r->note_run[0])
		e.note = r->note_run;
	/* A revision this run goes over although it failed part-way before. */
	if (r->o->retry_failed && dir == STRATA_UP && is_unfinished(history_of(r, m->revision)))
		e.note = r->note_retry;
	return e;
}

/* Was m applied with other contents than its file's now? */
static int changed_since(const bk_revision_state *h, const strata_migration *m)
{
	return h && h->checksum && strcmp(h->checksum, m->checksum) != 0;
}

/* Refuse to go on over a failed non-transactional revision. */
int strata__run_check_failed(run *r)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		const bk_revision_state *h = history_of(r, m->revision);

		if (r->applied[i] || !is_unfinished(h))
			continue;
		if (r->o->retry_failed) {
			logf_(r, STRATA_LOG_WARN, "running revision %s again from its first statement "
			      "(--retry-failed)", m->revision);
			continue;
		}
		/* This run holds the run lock, and a lock dies with its holder: so
		 * a "running" row here is a run that is no longer alive. */
		strata_error_set(STRATA_ECONFLICT,
				 "revision %s (%s) %s on %s and is not applied%s%s%s%s; %ld statement(s) "
				 "had completed",
				 m->revision, m->path,
				 strcmp(h->outcome, "running") == 0 ? "was interrupted part-way"
								   : "failed part-way",
				 h->started_at ? h->started_at : "?",
				 h->error ? ": " : "", h->error ? h->error : "",
				 h->failed_statement ? "\n  failing statement: " : "",
				 h->failed_statement ? h->failed_statement : "", h->statements_run);
		strata_error_hint("it ran outside a transaction, so part of it may be in the database. "
				  "Fix the cause, then either run 'strata upgrade --retry-failed' to run "
				  "it again from its first statement (its statements must be safe to "
				  "repeat, e.g. IF NOT EXISTS; an INVALID index it builds is dropped first), or finish it "
				  "by hand and run 'strata stamp %s' to record it as applied",
				  m->revision);
		return STRATA_ECONFLICT;
	}
	return 0;
}

/* Applied revisions whose file changed since: refuse, or accept with a history row. */
int strata__run_check_changed(run *r)
{
	strata_buf list = STRATA_BUF_INIT;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < r->count; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		const bk_revision_state *h;

		if (!r->applied[i] || !changed_since(h = history_of(r, m->revision), m))
			continue;
		n++;
		if (r->o->allow_changed) {
			char now[32];
			bk_entry e;

			strata__utc_timestamp(now);
			e = strata__run_history_row(r, m, STRATA_UP, "accepted", now, now);
			e.note = "applied file changed since; accepted with --allow-changed";
			if ((rc = strata__bk_insert(r->db, r->cfg, &e)) < 0)
				break;
			logf_(r, STRATA_LOG_WARN, "revision %s (%s) changed since it was applied; "
			      "accepted (--allow-changed), recorded in the history", m->revision, m->path);
			continue;
		}
		strata__buf_printf(&list, "\n  %s (%s)", m->revision, m->path);
	}
	if (rc == 0 && list.len) {
		rc = strata_error_set(STRATA_ECHECK,
				      "%zu applied revision(s) changed since they were applied:%s", n,
				      strata__buf_cstr(&list));
		strata_error_hint("restore the applied files (see 'strata verify'), or run again with "
				  "--allow-changed to accept the new contents (recorded in the history)");
	}
	strata__buf_release(&list);
	return rc;
}

int strata__run_heads_rows(run *r, const unsigned char *applied, char ***rows, size_t *n)
{
	size_t *idx = strata_calloc(r->count ? r->count : 1, sizeof(size_t));
	size_t k, i;

	*rows = NULL;
	*n = 0;
	if (!idx)
		return STRATA_ERROR;
	k = strata_graph_applied_heads(idx, r->count, r->g, applied);
	if (!(*rows = strata_calloc(k ? k : 1, sizeof(char *)))) {
		strata_free(idx);
		return STRATA_ERROR;
	}
	for (i = 0; i < k; i++)
		(*rows)[i] = (char *)strata_graph_at(r->g, idx[i])->revision;
	*n = k;
	strata_free(idx);
	return 0;
}

/* Inside a step's transaction: has another runner moved the version table? */
static int versions_moved(run *r, int *moved)
{
	char **rows = NULL;
	size_t n = 0;
	unsigned char *now = NULL;
	int rc;

	*moved = 0;
	if ((rc = strata__bk_read_versions(&rows, &n, r->db, r->cfg)) < 0)
		return rc;
	if (!(now = strata_calloc(r->count ? r->count : 1, 1))) {
		rc = STRATA_ERROR;
		goto done;
	}
	if ((rc = strata_graph_applied(now, r->g, (const char *const *)rows, n)) < 0)
		goto done;
	if (memcmp(now, r->applied, r->count) != 0) {
		memcpy(r->applied, now, r->count);
		*moved = 1;
	}
done:
	strata_free(now);
	strata__bk_free_versions(rows, n);
	return rc;
}

/* Record a failed or rolled-back step; keeps the original error. */
static void record_failure(run *r, const strata_migration *m, strata_direction dir,
			   const char *outcome, const char *started, double t0, const char *stmt,
			   size_t stmt_len, size_t ran)
{
	strata_error saved = *strata_error_last();
	char now[32], *stmt_text = stmt ? strata_strndup(stmt, stmt_len) : NULL;
	bk_entry e;

	strata__utc_timestamp(now);
	e = strata__run_history_row(r, m, dir, outcome, started, now);
	e.duration_ms = (long)(strata__now_ms() - t0);
	e.error = saved.message;
	e.failed_statement = stmt_text;
	e.statements_run = (long)ran;
	if (strata__bk_insert(r->db, r->cfg, &e) < 0)
		logf_(r, STRATA_LOG_WARN, "could not record the failure in %s: %s",
		      r->cfg->history_table, strata_error_last()->message);
	strata_free(stmt_text);
	strata_error_restore(&saved);
}

/* PostgreSQL: name INVALID indexes a failed concurrent build left behind. */
static void report_invalid_indexes(run *r);

static int on_invalid_index(void *payload, int ncols, const char *const *v)
{
	strata_buf *b = payload;

	return strata__buf_printf(b, "%s%s", b->len ? ", " : "", v[0] ? v[0] : "?");
}

static void report_invalid_indexes(run *r)
{
	strata_error saved = *strata_error_last();
	strata_buf names = STRATA_BUF_INIT;

	if (strata__db_engine_kind(r->db) != DB_POSTGRES)
		return;
	if (strata__db_query(r->db, "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid "
			    "ORDER BY 1", 0, NULL, on_invalid_index, &names) == 0 && names.len) {
		strata_error_restore(&saved);
		strata_error_append("\n  INVALID index(es) left by a failed concurrent build: %s "
				    "('strata upgrade --retry-failed' drops the one the revision "
				    "builds before building it again)",
				    strata__buf_cstr(&names));
	} else {
		strata_error_restore(&saved);
	}
	strata__buf_release(&names);
}

static int on_first_value(void *payload, int ncols, const char *const *v)
{
	char **out = payload;

	if (ncols < 1 || !v[0] || *out)
		return 0;
	return (*out = strata_strdup(v[0])) ? 0 : STRATA_ERROR;
}

/*
 * --retry-failed on PostgreSQL: the CREATE INDEX CONCURRENTLY about to run
 * again may have failed the first time, leaving an INVALID index of its
 * name on its table. Drop that one (DROP INDEX CONCURRENTLY, as the
 * revision runs outside a transaction) so that the build starts over,
 * rather than failing on the name or, with IF NOT EXISTS, keeping the
 * broken index. A valid index of the name is left alone.
 */
static int drop_invalid_index(run *r, const strata_migration *m, const char *sql, size_t len)
{
	char *schema = NULL, *table = NULL, *index = NULL, *found = NULL;
	strata_buf rel = STRATA_BUF_INIT, drop = STRATA_BUF_INIT;
	const char *params[2];
	int rc;

	if (strata__db_engine_kind(r->db) != DB_POSTGRES)
		return 0;
	if ((rc = strata__sqlparse_concurrent_index(&schema, &table, &index, sql, len)) <= 0)
		return rc;
	rc = STRATA_ERROR;
	if ((schema && (strata__db_quote_qualified(&rel, schema) < 0 || strata__buf_putc(&rel, '.') < 0)) ||
	    strata__db_quote_qualified(&rel, table) < 0 || strata__buf_oom(&rel))
		goto done;
	params[0] = index;
	params[1] = strata__buf_cstr(&rel);
	if ((rc = strata__db_query(r->db, "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
				  "FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
				  "JOIN pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE NOT x.indisvalid AND c.relname = $1 "
				  "AND x.indrelid = to_regclass($2)",
			   2, params, on_first_value, &found)) < 0 || !found)
		goto done;
	logf_(r, STRATA_LOG_WARN, "revision %s: dropping the INVALID index %s that its failed build "
	      "left, to build it again (--retry-failed)", m->revision, found);
	if (strata__buf_printf(&drop, "DROP INDEX CONCURRENTLY IF EXISTS %s", found) < 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	rc = strata__db_exec(r->db, strata__buf_cstr(&drop), 0, NULL);
done:
	strata_free(schema);
	strata_free(table);
	strata_free(index);
	strata_free(found);
	strata__buf_release(&rel);
	strata__buf_release(&drop);
	return rc;
}

static void locate_failure(const strata_migration *m, const step_sql *s, size_t i,
			   strata_direction dir)
{
	strata_error saved = *strata_error_last();
	int line, col;

	strata_migration_position(&line, &col, m, s->base + s->stmts[i].offset);
	strata_error_set(saved.code, "revision %s, %s:%d (%s, statement %zu): %s", m->revision,
			 m->path, line, dir == STRATA_UP ? "up" : "down", i + 1, saved.message);
	strata_error_sqlstate(saved.sqlstate);
	if (saved.hint[0])
		strata_error_hint("%s", saved.hint);
}

/* ---- SQLite foreign keys (invariant 4) ---------------------------------- */

static int foreign_keys_off(run *r)
{
	if (strata__db_engine_kind(r->db) != DB_SQLITE || r->in_single_tx)
		return 0;
	return strata__db_exec(r->db, "PRAGMA foreign_keys = OFF", 0, NULL);
}

/* Whether a SQLite statement is PRAGMA [schema.]foreign_key_check[(...)]. */
static int is_foreign_key_check(const char *sql, size_t len)
{
	static const char pragma[] = "PRAGMA", name[] = "foreign_key_check";
	size_t i = sizeof(pragma) - 1, word;

	if (len < i || strncasecmp(sql, pragma, i) != 0)
		return 0;
	for (int part = 0; part < 2; part++) {
		while (i < len && isspace((unsigned char)sql[i]))
			i++;
		word = i;
		while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_'))
			i++;
		if (i - word == sizeof(name) - 1 && strncasecmp(sql + word, name, i - word) == 0)
			return i == len || !(isalnum((unsigned char)sql[i]) || sql[i] == '_');
		while (i < len && isspace((unsigned char)sql[i]))
			i++;
		if (i >= len || sql[i] != '.') /* schema.foreign_key_check */
			return 0;
		i++;
	}
	return 0;
}

typedef struct fk_violations {
	strata_db *db;
	size_t n;
	strata_buf shown; /* the first few, for people */
} fk_violations;

static int on_fk_column(void *payload, int ncols, const char *const *v)
{
	strata_buf *b = payload;

	return ncols > 0 && v[0] ? strata__buf_puts(b, v[0]) : 0;
}

/* One row of PRAGMA foreign_key_check: table, rowid, parent, fkid. */
static int on_fk_violation(void *payload, int ncols, const char *const *v)
{
	fk_violations *x = payload;
	strata_buf columns = STRATA_BUF_INIT;
	const char *params[2];
	int rc = 0;

	if (ncols < 4 || x->n++ >= 3)
		return 0;
	params[0] = v[0];
	params[1] = v[3];
	if (v[0] && v[3])
		strata__db_query(x->db, "SELECT group_concat(\"from\", ', ') FROM pragma_foreign_key_list($1) "
				"WHERE id = CAST($2 AS INTEGER)", 2, params, on_fk_column, &columns);
	rc = strata__buf_printf(&x->shown, "%s%s rowid %s: %s references %s, which has no such row",
			x->shown.len ? "; " : "", v[0] ? v[0] : "?", v[1] ? v[1] : "(none)",
			columns.len ? strata__buf_cstr(&columns) : "a column", v[2] ? v[2] : "?");
	strata__buf_release(&columns);
	return rc;
}

/* Run the check; its rows are an error (STRATA_EDB) naming them. */
static int run_foreign_key_check(run *r, const char *sql, size_t len)
{
	fk_violations x = { r->db, 0, STRATA_BUF_INIT };
	char *one = strata_strndup(sql, len);
	int rc;

	if (!one)
		return STRATA_ERROR;
	rc = strata__db_query(r->db, one, 0, NULL, on_fk_violation, &x);
	strata_free(one);
	if (rc == 0 && x.n) {
		rc = strata_error_set(STRATA_EDB, "PRAGMA foreign_key_check found %zu row(s) that break "
				      "a foreign key: %s%s", x.n, strata__buf_cstr(&x.shown),
				      x.n > 3 ? "; ..." : "");
		/* (a step outside a transaction says what it left instead) */
		strata_error_hint("the revision was rolled back; the database is as it was before it. "
				  "Fix those rows (or the foreign key in the schema) and run again "
				  "(SELECT * FROM pragma_foreign_key_check lists them all)");
	}
	strata__buf_release(&x.shown);
	return rc;
}

/* Statement i of a step; retrying: the step is a failed non-transactional
 * revision run again (--retry-failed). */
static int exec_step_stmt(run *r, const strata_migration *m, const step_sql *s, size_t i,
			  int retrying)
{
	const db_stmt *st = &s->stmts[i];
	const char *base = m->text + s->base;
	int rc;

	if (retrying && (rc = drop_invalid_index(r, m, base + st->offset, st->len)) < 0)
		return rc;
	if (strata__db_engine_kind(r->db) == DB_SQLITE && is_foreign_key_check(base + st->offset, st->len))
		return run_foreign_key_check(r, base + st->offset, st->len);
	return strata__db_exec_stmt(r->db, base + st->offset, st->len,
			    st->data_len ? base + st->data_offset : NULL, st->data_len);
}

/*
 * In the step's open transaction: the version rows and the history row of
 * a step that ran, then COMMIT (not inside --single-transaction). On
 * failure the transaction is rolled back and the applied set restored.
 */
static int finish_step(run *r, size_t idx, strata_direction dir, const char *started, double t0,
		       long statements)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	char now[32], **rows = NULL;
	size_t nrows = 0;
	bk_entry e;
	int rc;

	r->applied[idx] = dir == STRATA_UP;
	if ((rc = strata__run_heads_rows(r, r->applied, &rows, &nrows)) < 0)
		goto fail;
	strata__utc_timestamp(now);
	e = strata__run_history_row(r, m, dir, dir == STRATA_UP ? "applied" : "reverted", started, now);
	e.duration_ms = (long)(strata__now_ms() - t0);
	e.statements_run = statements;
	if ((rc = strata__bk_record_step(r->db, r->cfg, (const char *const *)rows, nrows, &e)) < 0)
		goto fail;
	if (!r->in_single_tx && (rc = strata__db_commit(r->db)) < 0)
		goto fail;
	strata_free(rows);
	logf_(r, STRATA_LOG_INFO, "%s %s %s (%.1f ms)", dir == STRATA_UP ? "applied " : "reverted",
	      m->revision, m->message, strata__now_ms() - t0);
	return 0;
fail:
	strata_free(rows);
	r->applied[idx] = dir != STRATA_UP;
	if (!r->in_single_tx)
		strata__db_rollback_keep_error(r->db);
	return rc;
}

/*
 * A batched data step (core/batch.h): its batches commit one by one, each
 * with its progress row; then one transaction removes the progress row
 * and writes the version rows and the history row. When a batch fails,
 * the batches before it stay, and the next run goes on after them.
 */
static int step_batched(run *r, size_t idx)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	char started[32];
	double t0 = strata__now_ms();
	int rc, moved = 0;

	strata__utc_timestamp(started);
	if ((rc = foreign_keys_off(r)) < 0 || (rc = strata__db_begin(r->db)) < 0)
		return rc;
	rc = versions_moved(r, &moved);
	if (rc < 0 || moved) {
		strata__db_rollback_keep_error(r->db);
		return rc < 0 ? rc : RESTART;
	}
	if ((rc = strata__db_commit(r->db)) < 0)
		return rc;
	if ((rc = strata__batch_run(r->db, r->cfg, r->o, m, r->db_user)) < 0) {
		record_failure(r, m, STRATA_UP, "rolled-back", started, t0, m->text + m->batch_offset,
			       m->batch_len, 0);
		if (!strata_error_last()->hint[0])
			strata_error_hint("the batches committed so far are kept, with their progress "
					  "in %s; fix the cause and run strata upgrade again to go on "
					  "after them", BATCH_PROGRESS_TABLE);
		return rc;
	}
	if ((rc = strata__db_begin(r->db)) < 0)
		return rc;
	if ((rc = strata__batch_progress_clear(r->db, r->cfg, m->revision)) < 0) {
		strata__db_rollback_keep_error(r->db);
		return rc;
	}
	return finish_step(r, idx, STRATA_UP, started, t0, 1);
}

static int online_step(run *r, size_t idx, strata_direction dir, const step_sql *s);
static int views_before(run *r, const strata_migration *m, void **saved);
static int views_after(run *r, const strata_migration *m, void *saved);
static void views_free(void *saved);

/* Run one step. Returns 0, RESTART, or an error. */
int strata__run_step(run *r, size_t idx, strata_direction dir, const step_sql *s)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	int tx = m->transactional, rc = 0, moved;
	/* A failed non-transactional revision run again (--retry-failed). */
	int retrying = !tx && r->o->retry_failed && is_unfinished(history_of(r, m->revision));
	char started[32];
	size_t i = 0;
	double t0 = 0;
	void *views = NULL;
	db_lock_retry retry;

	if (m->online_text)
		return online_step(r, idx, dir, s);
	if (dir == STRATA_UP && m->has_batch_marker)
		return step_batched(r, idx);
	strata__db_lock_retry_init(&retry, r->cfg->lock_retries, DB_LOCK_RETRY_FIRST_MS);
	for (;;) {
		strata__utc_timestamp(started);
		t0 = strata__now_ms();
		if ((rc = foreign_keys_off(r)) < 0)
			return rc;
		if (!r->in_single_tx && (rc = strata__db_begin(r->db)) < 0)
			return rc;
		if ((rc = versions_moved(r, &moved)) < 0)
			goto fail_tx;
		if (moved) {
			if (!r->in_single_tx)
				strata__db_rollback(r->db);
			return RESTART;
		}
		if (!tx) {
			/* Mark it running, visibly to everyone, then leave the transaction. */
			bk_entry run_row = strata__run_history_row(r, m, dir, "running", started, NULL);

			if ((rc = strata__bk_insert(r->db, r->cfg, &run_row)) < 0 || (rc = strata__db_commit(r->db)) < 0)
				goto fail_tx;
		}
		if (tx && (rc = views_before(r, m, &views)) < 0)
			goto fail_tx;
		for (i = 0; i < s->n; i++)
			if ((rc = exec_step_stmt(r, m, s, i, retrying)) < 0)
				break;
		if (rc == 0 && tx && (rc = views_after(r, m, views)) < 0)
			goto fail_tx;
		views_free(views);
		views = NULL;
		if (rc == 0)
			break;
		locate_failure(m, s, i, dir);
		if (!tx) {
			report_invalid_indexes(r);
			record_failure(r, m, dir, "failed", started, t0, m->text + s->base + s->stmts[i].offset,
				       s->stmts[i].len, i);
			strata_error_hint("the revision ran outside a transaction and stopped part-way "
					  "(%zu of %zu statements done). Fix the cause, then run "
					  "'strata upgrade --retry-failed' to run it again from the start, "
					  "or finish it by hand and 'strata stamp %s'", i, s->n,
					  m->revision);
			return rc;
		}
		if (r->in_single_tx)
			return rc;
		strata__db_rollback_keep_error(r->db);
		if (strata__db_lock_retry_next(&retry)) {
			logf_(r, STRATA_LOG_WARN, "revision %s: lock not had within lock_timeout (%ldms); "
			      "retry %d of %d in %ldms", m->revision, r->cfg->lock_timeout_ms,
			      retry.done, retry.max, retry.wait_ms);
			strata__pause_ms(retry.wait_ms);
			continue;
		}
		record_failure(r, m, dir, "rolled-back", started, t0,
			       m->text + s->base + s->stmts[i].offset, s->stmts[i].len, i);
		if (strata__db_error_is_lock_timeout()) {
			char driver_hint[STRATA_ERROR_HINT_MAX];

			/* Keep the driver's hint: it names the blocker's pid to end. */
			snprintf(driver_hint, sizeof(driver_hint), "%s", strata_error_last()->hint);
			strata_error_append("\n  gave up after %d retries", r->cfg->lock_retries);
			strata_error_hint("the migration was rolled back; nothing changed. %s",
					  driver_hint[0] ? driver_hint
					  : "Run it when the blocking session has finished, or end that session");
		} else if (!strata_error_last()->hint[0]) {
			strata_error_hint("the revision was rolled back; the database is as it was before "
					  "it. Fix the statement and run the command again");
		}
		return rc;
	}

	/* Success: bookkeeping, in the step's transaction (or a new one after a non-tx step). */
	if (!tx && !r->in_single_tx && (rc = strata__db_begin(r->db)) < 0)
		return rc;
	return finish_step(r, idx, dir, started, t0, (long)s->n);

fail_tx:
	views_free(views);
	r->applied[idx] = dir != STRATA_UP;
	if (!r->in_single_tx)
		strata__db_rollback_keep_error(r->db);
	return rc;
}

/* ---- online revisions (strata_online_hooks) ------------------------------ */

static const strata_online_hooks *online_hooks;

void strata_runner_set_online(const strata_online_hooks *hooks)
{
	online_hooks = hooks;
}

static strata_online_step online_ctx(const run *r, const strata_migration *m)
{
	strata_online_step s;

	memset(&s, 0, sizeof(s));
	s.cfg = r->cfg;
	s.db = r->db;
	s.m = m;
	s.log = r->o->log;
	s.emit = r->o->emit;
	s.payload = r->o->payload;
	return s;
}

int strata__run_online_render(const run *r, const strata_migration *m, strata_direction dir)
{
	strata_online_step os = online_ctx(r, m);

	return online_hooks->render(&os, dir);
}

int strata__run_need_hooks(const strata_migration *m)
{
	if (online_hooks)
		return 0;
	strata_error_set(STRATA_EINVALID, "revision %s (%s) is an online revision, and this "
			 "program runs no online migrations", m->revision, m->path);
	strata_error_hint("run it with the strata command");
	return STRATA_EINVALID;
}

static int is_online_outcome(const char *outcome, const char *which)
{
	return outcome && strcmp(outcome, which) == 0;
}

/* An applied online revision's phase from its latest history row. */
static int online_expanded(const run *r, const strata_migration *m)
{
	const bk_revision_state *h = history_of(r, m->revision);

	return h && (is_online_outcome(h->outcome, "expanding") ||
		     is_online_outcome(h->outcome, "expanded"));
}

/* PostgreSQL: the views of strata's version schemas around a plain step. */
static int views_before(run *r, const strata_migration *m, void **saved)
{
	strata_online_step s = online_ctx(r, m);

	*saved = NULL;
	if (!online_hooks || strata__db_engine_kind(r->db) != DB_POSTGRES)
		return 0;
	return online_hooks->views_before(&s, saved);
}

static int views_after(run *r, const strata_migration *m, void *saved)
{
	strata_online_step s = online_ctx(r, m);

	if (!online_hooks || !saved)
		return 0;
	return online_hooks->views_after(&s, saved);
}

static void views_free(void *saved)
{
	if (online_hooks && saved)
		online_hooks->views_free(saved);
}

/*
 * One bookkeeping transaction of an online revision: the version rows
 * (applied is the revision's new state) and a history row. With
 * may_restart, another runner having moved the version table is RESTART
 * (nothing of this step has run yet).
 */
static int online_record(run *r, size_t idx, strata_direction dir, int applied,
			 const char *outcome, const char *note, const char *started, double t0,
			 int may_restart)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	char **rows = NULL, now[32];
	size_t nrows = 0;
	int rc, moved = 0, was = r->applied[idx];
	bk_entry e;

	if ((rc = strata__db_begin(r->db)) < 0)
		return rc;
	if (may_restart && (rc = versions_moved(r, &moved)) == 0 && moved) {
		strata__db_rollback(r->db);
		return RESTART;
	}
	if (rc < 0)
		goto fail;
	r->applied[idx] = (unsigned char)applied;
	if (was != applied && ((rc = strata__run_heads_rows(r, r->applied, &rows, &nrows)) < 0 ||
			       (rc = strata__bk_set_heads(r->db, r->cfg, (const char *const *)rows, nrows)) < 0))
		goto fail;
	strata__utc_timestamp(now);
	e = strata__run_history_row(r, m, dir, outcome, started, now);
	e.duration_ms = (long)(strata__now_ms() - t0);
	e.note = note;
	if ((rc = strata__bk_insert(r->db, r->cfg, &e)) < 0 || (rc = strata__db_commit(r->db)) < 0)
		goto fail;
	strata_free(rows);
	/* The latest row is what the next steps of this run go by. */
	return strata__bk_note_outcome(&r->state, m->revision, outcome);
fail:
	r->applied[idx] = (unsigned char)was;
	strata_free(rows);
	strata__db_rollback_keep_error(r->db);
	return rc;
}

/* Finish an expand (start and backfill, resumed when begun), then record it. */
static int online_finish_expand(run *r, size_t idx, const char *started, double t0)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	strata_online_step s = online_ctx(r, m);
	int rc;

	if ((rc = online_hooks->expand(&s)) < 0) {
		strata_error_append("\n  (online revision %s, %s: recorded as applied and expanding)",
				    m->revision, m->path);
		strata_error_hint("fix the cause and run 'strata upgrade' again to resume the expand, "
				  "or 'strata downgrade' past %s to roll it back", m->revision);
		return rc;
	}
	rc = online_record(r, idx, STRATA_UP, 1, "expanded", "online: started and backfilled",
			   started, t0, 0);
	if (rc == 0)
		logf_(r, STRATA_LOG_INFO, "expanded %s %s (%.1f ms; both versions are live until "
		      "it is contracted)", m->revision, m->message, strata__now_ms() - t0);
	return rc;
}

/* Contract an expanded online revision (complete), then record it. */
static int online_contract(run *r, size_t idx, const char *why)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	strata_online_step s = online_ctx(r, m);
	const bk_revision_state *h = history_of(r, m->revision);
	char started[32];
	double t0 = strata__now_ms();
	int rc;

	strata__utc_timestamp(started);
	if (h && is_online_outcome(h->outcome, "expanding") &&
	    (rc = online_finish_expand(r, idx, started, t0)) < 0)
		return rc;
	if ((rc = online_hooks->contract(&s)) < 0) {
		strata_error_append("\n  (contracting online revision %s, %s)", m->revision, m->path);
		return rc;
	}
	if ((rc = online_record(r, idx, STRATA_UP, 1, "contracted", why, started, t0, 0)) == 0)
		logf_(r, STRATA_LOG_INFO, "contracted %s %s (%.1f ms)", m->revision, m->message,
		      strata__now_ms() - t0);
	return rc;
}

/* online_contract's exceptions: revisions the caller keeps expanded. */
static int left_expanded(const run *r, const strata_migration *m)
{
	for (size_t i = 0; i < r->o->nonline_expanded; i++)
		if (strcmp(r->o->online_expanded[i], m->revision) == 0)
			return 1;
	return 0;
}

/* An online revision's step (see strata_online_hooks for its phases). */
static int online_step(run *r, size_t idx, strata_direction dir, const step_sql *sql)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	strata_online_step s = online_ctx(r, m);
	int pg = strata__db_engine_kind(r->db) == DB_POSTGRES, rc, moved = 0;
	char started[32];
	double t0 = strata__now_ms();
	void *views = NULL;

	if ((rc = strata__run_need_hooks(m)) < 0)
		return rc;
	strata__utc_timestamp(started);
	if (pg && dir == STRATA_UP) {
		if ((rc = online_record(r, idx, dir, 1, "expanding", "online: expand begins", started,
					t0, 1)) != 0)
			return rc;
		if ((rc = online_finish_expand(r, idx, started, t0)) < 0)
			return rc;
		return r->o->online_contract && !left_expanded(r, m)
			       ? online_contract(r, idx, "online: contracted right after its expand")
			       : 0;
	}
	if (pg && online_expanded(r, m)) {
		if ((rc = online_hooks->rollback(&s)) < 0) {
			strata_error_append("\n  (rolling back online revision %s, %s)", m->revision,
					    m->path);
			return rc;
		}
		if (rc == 0) {
			rc = online_record(r, idx, dir, 0, "reverted", "online: expand rolled back",
					   started, t0, 1);
			if (rc == 0)
				logf_(r, STRATA_LOG_INFO, "reverted %s %s (expand rolled back, %.1f ms)",
				      m->revision, m->message, strata__now_ms() - t0);
			return rc;
		}
		/* Completed meanwhile ('strata online complete'): say so, then undo it. */
		if ((rc = online_record(r, idx, STRATA_UP, 1, "contracted",
					"online: completed by 'strata online complete'", started, t0,
					0)) < 0)
			return rc;
	}
	/* One transaction: SQLite's whole step; PostgreSQL's down of a contracted
	 * revision (its down section, or the operations' inverse). */
	if ((rc = foreign_keys_off(r)) < 0 || (rc = strata__db_begin(r->db)) < 0)
		return rc;
	if ((rc = versions_moved(r, &moved)) < 0)
		goto fail;
	if (moved) {
		strata__db_rollback(r->db);
		return RESTART;
	}
	if (pg && (rc = views_before(r, m, &views)) < 0)
		goto fail;
	for (size_t i = 0; dir == STRATA_DOWN && i < sql->n; i++) {
		if ((rc = exec_step_stmt(r, m, sql, i, 0)) < 0) {
			locate_failure(m, sql, i, dir);
			goto fail;
		}
	}
	if ((rc = online_hooks->apply(&s, dir, dir == STRATA_DOWN && sql->n > 0)) < 0 ||
	    (rc = views_after(r, m, views)) < 0)
		goto fail;
	views_free(views);
	views = NULL;
	if ((rc = strata__db_commit(r->db)) < 0)
		goto fail;
	rc = online_record(r, idx, dir, dir == STRATA_UP, dir == STRATA_UP ? "applied" : "reverted",
			   dir == STRATA_DOWN ? (sql->n ? "online: its down section ran"
							: "online: the operations' inverse ran")
			   : "online revision run as one plain transaction: SQLite has no "
			     "concurrent readers to protect",
			   started, t0, 0);
	if (rc == 0)
		logf_(r, STRATA_LOG_INFO, "%s %s %s (%.1f ms)", dir == STRATA_UP ? "applied " : "reverted",
		      m->revision, m->message, strata__now_ms() - t0);
	return rc;
fail:
	views_free(views);
	{
		strata__db_rollback_keep_error(r->db);
		if (!strata_error_last()->hint[0])
			strata_error_hint("the step was rolled back; the database is as it was before "
					  "it. Fix the cause and run the command again");
	}
	return rc;
}

/*
 * Before an upgrade's steps: applied online revisions whose expand was
 * interrupted are finished first. Before step idx: the online revision
 * its "contracts" header names is contracted (finishing its expand first).
 */
/*
 * Applied online revisions recorded "expanded" whose migration was
 * completed outside the runner ('strata online complete' between two
 * upgrades): the contraction is written to the history as the upgrade
 * writes it, so every later step goes by what the database holds.
 */
static int online_note_completed(run *r, size_t *recorded)
{
	if (!online_hooks || online_hooks->version < 2 || strata__db_engine_kind(r->db) != DB_POSTGRES)
		return 0;
	for (size_t i = 0; i < r->count; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		const bk_revision_state *h;
		strata_online_step s;
		char started[32];
		int rc;

		if (!m->online_text || !r->applied[i] || !(h = history_of(r, m->revision)) ||
		    !is_online_outcome(h->outcome, "expanded"))
			continue;
		s = online_ctx(r, m);
		if ((rc = online_hooks->completed(&s)) <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		strata__utc_timestamp(started);
		if ((rc = online_record(r, i, STRATA_UP, 1, "contracted",
					"online: completed by 'strata online complete'", started,
					strata__now_ms(), 0)) < 0)
			return rc;
		logf_(r, STRATA_LOG_INFO, "recorded %s %s as contracted (completed by 'strata online "
		      "complete')", m->revision, m->message);
		if (recorded)
			(*recorded)++;
	}
	return 0;
}

static int online_resume(run *r)
{
	int rc = online_note_completed(r, NULL);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r->count; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		const bk_revision_state *h;
		char started[32];

		if (!m->online_text || !r->applied[i] || !(h = history_of(r, m->revision)) ||
		    !is_online_outcome(h->outcome, "expanding"))
			continue;
		if ((rc = strata__run_need_hooks(m)) < 0)
			return rc;
		logf_(r, STRATA_LOG_INFO, "online revision %s: resuming its expand", m->revision);
		strata__utc_timestamp(started);
		if ((rc = online_finish_expand(r, i, started, strata__now_ms())) < 0)
			return rc;
	}
	return 0;
}

static int online_contracts_before(run *r, size_t idx)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	char why[128];
	size_t j;

	if (!m->contracts || strata__db_engine_kind(r->db) != DB_POSTGRES)
		return 0;
	j = (size_t)strata_graph_index(r->g, m->contracts);
	if (strata_graph_index(r->g, m->contracts) < 0 || !r->applied[j] ||
	    !online_expanded(r, strata_graph_at(r->g, j)))
		return 0;
	snprintf(why, sizeof(why), "online: contracted before %s, which says 'contracts: %s'",
		 m->revision, m->contracts);
	return online_contract(r, j, why);
}

/* A "contracts" header names an online revision that comes before. */
static int online_check_contracts(const run *r, const strata_migration *m)
{
	long j;

	if (!m->contracts)
		return 0;
	j = strata_graph_index(r->g, m->contracts);
	if (j < 0 || !strata_graph_at(r->g, (size_t)j)->online_text) {
		strata_error_set(STRATA_EPARSE, "%s:%d: 'contracts: %s' names %s", m->path,
				 strata__migfile_header_line(m, "contracts"), m->contracts,
				 j < 0 ? "no known revision" : "a plain revision");
		strata_error_hint("name the online revision (one with '-- online:' or '-- +online') "
				  "whose contract runs before this one");
		return STRATA_EPARSE;
	}
	return 0;
}

/* The hooks' check of m, with the contracts header's. */
static int online_check_as(const run *r, const strata_migration *m, strata_direction dir,
			   int need_inverse)
{
	strata_online_step s;
	int rc;

	if ((rc = online_check_contracts(r, m)) < 0 || !m->online_text)
		return rc;
	if ((rc = strata__run_need_hooks(m)) < 0)
		return rc;
	s = online_ctx(r, m);
	return online_hooks->check(&s, dir, need_inverse);
}

/* Before connecting: every online revision's operations parse, every
 * "contracts" header names one (bad input, exit 2, nothing touched). */
static int online_check_early(const run *r, const strata_migration *m)
{
	return online_check_as(r, m, STRATA_UP, 0);
}

/* Before anything runs: the operations parse, and a down across a
 * contracted (or SQLite) online revision without a down section has an inverse. */
int strata__run_online_check(run *r, const strata_migration *m, strata_direction dir,
		     const step_sql *sql, db_engine engine)
{
	return online_check_as(r, m, dir,
			       dir == STRATA_DOWN && sql->n == 0 &&
				       (engine != DB_POSTGRES || !online_expanded(r, m)));
}

/*
 * What to run: a reviewed plan's steps exactly (each still unapplied), or
 * plan_fn's plan to target. Upgrades on an environment with promote_from
 * then pass the promotion check (strata/env.h) unless it is skipped.
 */
int strata__run_make_plan(run *r, planner plan_fn, strata_direction dir, strata_plan *plan,
		  const char *target)
{
	size_t i;
	int rc;

	if (r->hooks) {
		plan->direction = dir;
		if (!(plan->steps = strata_calloc(r->hooks->nsteps ? r->hooks->nsteps : 1,
						  sizeof(size_t))))
			return STRATA_ERROR;
		for (i = 0; i < r->hooks->nsteps; i++) {
			size_t idx = r->hooks->steps[i];

			/* up: each still unapplied; down: each still applied */
			if (idx >= r->count || (r->applied[idx] != 0) == (dir == STRATA_UP)) {
				strata_error_set(STRATA_ECHECK, "revision %s of the plan is %s",
						 idx < r->count ? strata_graph_at(r->g, idx)->revision : "?",
						 dir == STRATA_UP ? "already applied" : "not applied");
				strata_error_hint("nothing more was run; the database moved since the plan: "
						  "make a new plan");
				return STRATA_ECHECK;
			}
			plan->steps[plan->nsteps++] = idx;
		}
	} else if ((rc = plan_fn(plan, r->g, r->applied, target)) < 0) {
		return rc;
	}
	/* (A session's connection is the caller's own scratch database: strata test.) */
	if (dir == STRATA_UP && !r->render_only && !r->borrowed_db && r->cfg->promote_from &&
	    !r->o->skip_promotion_check)
		return strata_promotion_check(r->cfg, r->g, plan->steps, plan->nsteps);
	return 0;
}

static int plan_and_split(run *r, planner plan_fn, strata_direction dir, strata_plan *plan,
			  step_sql **sqls)
{
	const char *target = r->o->target;
	size_t i;
	int rc;

	if ((rc = strata__run_make_plan(r, plan_fn, dir, plan, target)) < 0)
		return rc;
	if (!(*sqls = strata_calloc(plan->nsteps ? plan->nsteps : 1, sizeof(step_sql))))
		return STRATA_ERROR;
	for (i = 0; i < plan->nsteps; i++) {
		const strata_migration *m = strata_graph_at(r->g, plan->steps[i]);

		if ((rc = strata_migration_check_complete(m)) < 0)
			return rc;
		if (dir == STRATA_DOWN && m->irreversible) {
			strata_error_set(STRATA_EIRREVERSIBLE, "revision %s (%s) is irreversible: %s",
					 m->revision, m->path, m->irreversible);
			strata_error_hint("nothing was reverted; downgrade to a target above it, or restore "
					  "from a backup");
			return STRATA_EIRREVERSIBLE;
		}
		if (r->o->single_transaction && dir == STRATA_UP && m->has_batch_marker) {
			strata_error_set(STRATA_EINVALID, "revision %s (%s) is a batched step (-- +batch), "
					 "which commits batch by batch and cannot run inside "
					 "--single-transaction", m->revision, m->path);
			strata_error_hint("run without --single-transaction");
			return STRATA_EINVALID;
		}
		if (r->o->single_transaction && !m->transactional) {
			strata_error_set(STRATA_EINVALID, "revision %s (%s) has 'transaction: off' and "
					 "cannot run inside --single-transaction", m->revision, m->path);
			strata_error_hint("run without --single-transaction");
			return STRATA_EINVALID;
		}
		if ((rc = strata__run_split_step(&(*sqls)[i], m, dir, strata__db_engine_kind(r->db))) < 0 ||
		    (rc = strata__run_online_check(r, m, dir, &(*sqls)[i], strata__db_engine_kind(r->db))) < 0)
			return rc;
	}
	return 0;
}

/* Apply (or revert) until the plan is done; replan when another runner moved things. */
int strata__run_execute(run *r, planner plan_fn, strata_direction dir)
{
	strata_plan plan = { 0 };
	step_sql *sqls = NULL;
	size_t i, restarts = 0;
	int rc;

again:
	if (dir == STRATA_UP && !restarts && (rc = online_resume(r)) < 0)
		goto done;
	if ((rc = plan_and_split(r, plan_fn, dir, &plan, &sqls)) < 0)
		goto done;
	if (r->res->planned == 0)
		r->res->planned = plan.nsteps;
	if (r->o->single_transaction && !r->in_single_tx && plan.nsteps) {
		if ((rc = foreign_keys_off(r)) < 0 || (rc = strata__db_begin(r->db)) < 0)
			goto done;
		r->in_single_tx = 1;
	}
	for (i = 0; i < plan.nsteps; i++) {
		const strata_migration *m = strata_graph_at(r->g, plan.steps[i]);

		if (r->o->progress)
			r->o->progress(r->o->payload, r->res->done, r->res->planned, m);
		if (dir == STRATA_UP && (rc = online_contracts_before(r, plan.steps[i])) < 0)
			goto done;
		rc = strata__run_step(r, plan.steps[i], dir, &sqls[i]);
		if (rc == RESTART) {
			if (++restarts > MAX_RESTARTS) {
				rc = strata_error_set(STRATA_ECONFLICT, "the version table keeps changing "
						      "under this run");
				goto done;
			}
			logf_(r, STRATA_LOG_DEBUG, "another runner moved the version table; planning again");
			strata__run_free_steps(sqls, plan.nsteps);
			sqls = NULL;
			strata_plan_release(&plan);
			goto again;
		}
		if (rc < 0)
			goto done;
		r->res->done++;
	}
	if (r->in_single_tx) {
		rc = strata__db_commit(r->db);
		r->in_single_tx = 0;
	}
done:
	if (rc < 0 && r->in_single_tx) {
		strata__db_rollback_keep_error(r->db);
		strata_error_hint("the whole run was one transaction (--single-transaction) and was "
				  "rolled back; nothing changed");
		r->in_single_tx = 0;
	}
	strata__run_free_steps(sqls, plan.nsteps);
	strata_plan_release(&plan);
	return rc;
}

int strata__run_plan_up(strata_plan *out, const strata_graph *g, const unsigned char *applied,
		const char *target)
{
	return strata_plan_upgrade(out, g, applied, target ? target : "heads");
}

/*
 * Settle the run from the state read ahead (core/prefetch.c), if that can
 * be done without writing: 1 when it shows nothing to run and nothing to
 * refuse, and the run is then over. 0 sends the run the usual way: steps
 * to run, a failed or changed revision to refuse (or to retry or accept
 * with their options), tables to create, or a read that failed. The
 * usual path meets the same conditions and reports them; the checks here
 * are strata__run_check_failed() and strata__run_check_changed() without their side effects.
 */
static int settled_ahead(run *r, planner plan_fn)
{
	strata_plan plan = { 0 };
	const bk_state *st;
	unsigned char *applied = NULL;
	size_t n = strata_graph_count(r->g), i;
	int settled = 0;

	if (strata__prefetch_state(&st, r->o->prefetch) < 0 || !st->tables_exist ||
	    !(applied = strata_calloc(n ? n : 1, 1)) ||
	    strata_graph_applied(applied, r->g, (const char *const *)st->versions, st->nversions) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		const bk_revision_state *h = latest_row(st, m->revision);

		if (applied[i] ? changed_since(h, m) : is_unfinished(h))
			goto done;
	}
	if (plan_fn(&plan, r->g, applied, r->o->target) < 0)
		goto done;
	settled = plan.nsteps == 0;
	if (settled)
		logf_(r, STRATA_LOG_DEBUG, "nothing to do (the state was read ahead, read-only)");
done:
	strata_plan_release(&plan);
	strata_free(applied);
	return settled;
}

void strata__run_init(run *r, const strata_config *cfg, const strata_graph *g,
		     const strata_run_options *opts, strata_run_result *res)
{
	const char *retry = "run again with --retry-failed after it stopped part-way";
	const char *skip = opts->skip_promotion_check;
	char skipped[576] = "";
	size_t n;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->g = g;
	r->o = opts;
	r->res = res;
	memset(res, 0, sizeof(*res));
	if (skip)
		snprintf(skipped, sizeof(skipped), "promotion check skipped: %s", skip);
	n = strlen(skipped);
	if (opts->force_protected)
		snprintf(skipped + n, sizeof(skipped) - n, "%sprotected environment %s forced: %s",
			 n ? "; " : "", cfg->env ? cfg->env : "?", opts->force_protected);
	snprintf(r->note_run, sizeof(r->note_run), "%s%s%s", opts->note ? opts->note : "",
		 opts->note && skip ? "; " : "", skipped);
	snprintf(r->note_sql, sizeof(r->note_sql), "applied from a --sql script%s%s",
		 skip ? "; " : "", skipped);
	snprintf(r->note_retry, sizeof(r->note_retry), "%s%s%s", retry, r->note_run[0] ? "; " : "",
		 r->note_run);
}

/*
 * downgrade and stamp on an environment with require_plan (a protected
 * one): refused unless opts->force_protected gives a reason. Reverting or
 * restamping production is possible, never by accident, and the reason is
 * in the history rows the run writes (strata__run_init() puts it in the note).
 */
static int protected_refusal(const strata_config *cfg, const strata_run_options *opts,
			     const char *command)
{
	const char *env = cfg->env ? cfg->env : "NAME";

	if (!cfg->require_plan || opts->force_protected)
		return 0;
	strata_error_set(STRATA_EINVALID, "environment '%s' is protected: %s is refused there",
			 env, command);
	if (strcmp(command, "downgrade") == 0)
		strata_error_hint("nothing was run. Write a reviewed plan of it with 'strata -e %s plan "
				  "--down TARGET -o FILE', review it, then run 'strata -e %s apply FILE'; "
				  "or pass --force-protected REASON (recorded in the history), or set "
				  "require_plan = no in [env.%s]", env, env, env);
	else
		strata_error_hint("nothing was run. To run it anyway, pass --force-protected REASON "
				  "(recorded in the history), or set require_plan = no in [env.%s]", env);
	return STRATA_EINVALID;
}

static int run_command(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		       const strata_run_options *opts, planner plan_fn, strata_direction dir,
		       const runner_plan_hooks *hooks)
{
	strata_run_result local = { 0 };
	run r;
	double t0 = strata__now_ms();
	int rc;

	strata__run_init(&r, cfg, g, opts, res ? res : &local);
	r.hooks = hooks;
	if (dir == STRATA_UP && !opts->sql_only && cfg->require_plan && !hooks) {
		rc = strata_error_set(STRATA_EINVALID, "environment '%s' is protected: it is upgraded "
				      "only from a reviewed plan", cfg->env ? cfg->env : "?");
		strata_error_hint("nothing was run. Write one with 'strata -e %s plan -o FILE', review "
				  "it, then run 'strata -e %s apply FILE' (or set require_plan = no in "
				  "[env.%s])", cfg->env ? cfg->env : "NAME", cfg->env ? cfg->env : "NAME",
				  cfg->env ? cfg->env : "NAME");
		goto done;
	}
	if (dir == STRATA_DOWN && !opts->sql_only && !hooks &&
	    (rc = protected_refusal(cfg, opts, "downgrade")) < 0)
		goto done;
	/* An unknown target is bad input too: resolve names before connecting. */
	if (opts->target && opts->target[0] != '+' && opts->target[0] != '-') {
		unsigned char *probe = strata_calloc(strata_graph_count(g) + 1, 1);

		if (!probe) {
			rc = STRATA_ERROR;
			goto done;
		}
		rc = strata_plan_stamp(probe, g, opts->target);
		strata_free(probe);
		if (rc < 0)
			goto done;
	}
	/* A folder with an incomplete revision is bad input: refuse before connecting. */
	for (size_t i = 0; i < strata_graph_count(g); i++)
		if ((rc = strata_migration_check_complete(strata_graph_at(g, i))) < 0 ||
		    (rc = online_check_early(&r, strata_graph_at(g, i))) < 0)
			goto done;
	if (opts->sql_only) {
		rc = strata__run_offline(&r, plan_fn, dir);
	} else if (opts->prefetch && !hooks && settled_ahead(&r, plan_fn)) {
		rc = 0;
	} else if ((rc = strata__run_open(&r, !hooks)) == 0 && (rc = strata__run_check_failed(&r)) == 0 &&
		   (rc = strata__run_check_changed(&r)) == 0 &&
		   (!hooks || !hooks->before || (rc = hooks->before(hooks->payload, r.db, r.applied)) == 0) &&
		   /* a plan's checks come first: a refused plan creates no tables either */
		   (!hooks || r.state.tables_exist || (rc = create_bk_tables(&r)) == 0)) {
		rc = strata__run_execute(&r, plan_fn, dir);
	}
done:
	strata__run_close(&r);
	r.res->elapsed_ms = strata__now_ms() - t0;
	return rc;
}

int strata_upgrade(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		   const strata_run_options *opts)
{
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(opts);

	return run_command(res, cfg, g, opts, strata__run_plan_up, STRATA_UP, NULL);
}

int strata__runner_upgrade_plan(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
			const strata_run_options *opts, const runner_plan_hooks *hooks)
{
	return run_command(res, cfg, g, opts, strata__run_plan_up, STRATA_UP, hooks);
}

int strata__runner_downgrade_plan(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
			  const strata_run_options *opts, const runner_plan_hooks *hooks)
{
	return run_command(res, cfg, g, opts, strata_plan_downgrade, STRATA_DOWN, hooks);
}

int strata_runner_record_completed(size_t *recorded, const strata_config *cfg,
				   const strata_graph *g, const strata_run_options *opts)
{
	strata_run_result res;
	run r;
	int rc;

	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	if (recorded)
		*recorded = 0;
	strata__run_init(&r, cfg, g, opts, &res);
	if ((rc = strata__run_open(&r, 0)) == 0 && r.state.tables_exist)
		rc = online_note_completed(&r, recorded);
	strata__run_close(&r);
	return rc;
}

int strata_downgrade(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		     const strata_run_options *opts)
{
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(opts);

	if (!opts->target) {
		strata_error_set(STRATA_EINVALID, "downgrade needs a target");
		strata_error_hint("give a revision, -1 for one step, or base for everything");
		return STRATA_EINVALID;
	}
	return run_command(res, cfg, g, opts, strata_plan_downgrade, STRATA_DOWN, NULL);
}

int strata_stamp(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		 const strata_run_options *opts)
{
	strata_run_result local = { 0 };
	run r;
	unsigned char *want = NULL;
	char **rows = NULL;
	size_t nrows = 0, i;
	strata_buf resolved = STRATA_BUF_INIT, forced = STRATA_BUF_INIT;
	const char *note;
	int rc;

	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(opts);

	strata__run_init(&r, cfg, g, opts, res ? res : &local);
	if (!opts->target) {
		rc = strata_error_set(STRATA_EINVALID, "stamp needs a target");
		strata_error_hint("give a revision, heads, or base");
		goto done;
	}
	if ((rc = protected_refusal(cfg, opts, "stamp")) < 0)
		goto done;
	r.count = strata_graph_count(g);
	if (!(want = strata_calloc(r.count ? r.count : 1, 1))) {
		rc = STRATA_ERROR;
		goto done;
	}
	if ((rc = strata_plan_stamp(want, g, opts->target)) < 0)
		goto done;
	rc = strata__run_open(&r, 1);
	if (rc == STRATA_ENOTFOUND && opts->purge)
		rc = 0; /* unknown rows are what --purge is for */
	if (rc < 0)
		goto done;
	if ((rc = strata__db_begin(r.db)) < 0)
		goto done;
	if ((rc = strata__run_heads_rows(&r, want, &rows, &nrows)) < 0 ||
	    (rc = strata__bk_set_heads(r.db, cfg, (const char *const *)rows, nrows)) < 0)
		goto rollback;
	note = opts->note ? opts->note : opts->purge ? "strata stamp --purge" : "strata stamp";
	if (opts->force_protected) {
		if (strata__buf_printf(&forced, "%s; protected environment %s forced: %s", note,
			       cfg->env ? cfg->env : "?", opts->force_protected) < 0) {
			rc = STRATA_ERROR;
			goto rollback;
		}
		note = strata__buf_cstr(&forced);
	}
	if (strata__buf_printf(&resolved, "%s: recorded as applied after it stopped part-way "
			       "(finished by hand)", note) < 0) {
		rc = STRATA_ERROR;
		goto rollback;
	}
	for (i = 0; i < r.count; i++) {
		const strata_migration *m = strata_graph_at(g, i);
		const bk_revision_state *h = history_of(&r, m->revision);
		int resolves = want[i] && is_unfinished(h);
		bk_entry e;
		char now[32];

		/* A row for each revision whose state changes, and for an unfinished one resolved. */
		if (want[i] == r.applied[i] && !resolves)
			continue;
		strata__utc_timestamp(now);
		e = strata__run_history_row(&r, m, want[i] ? STRATA_UP : STRATA_DOWN, "stamped", now, now);
		e.note = resolves ? strata__buf_cstr(&resolved) : note;
		if ((rc = strata__bk_insert(r.db, cfg, &e)) < 0)
			goto rollback;
		r.res->done++;
	}
	rc = strata__db_commit(r.db);
	goto done;
rollback:
	strata__db_rollback_keep_error(r.db);
done:
	strata__buf_release(&resolved);
	strata__buf_release(&forced);
	strata_free(rows);
	strata_free(want);
	strata__run_close(&r);
	return rc;
}

int strata_status_read(strata_status **out, const strata_config *cfg, const strata_graph *g,
		       unsigned flags)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_status *s = NULL;
	run r = { 0 };
	size_t i;
	int rc = STRATA_ERROR;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	*out = NULL;
	r.cfg = cfg;
	r.g = g;
	r.o = &o;
	r.count = strata_graph_count(g);
	if (!(s = strata_calloc(1, sizeof(*s))) ||
	    !(s->applied = strata_calloc(r.count ? r.count : 1, 1)) ||
	    !(s->changed = strata_calloc(r.count ? r.count : 1, sizeof(size_t))) ||
	    !(s->changed_recorded = strata_calloc(r.count ? r.count : 1, sizeof(char *))) ||
	    !(s->expanded = strata_calloc(r.count ? r.count : 1, 1)))
		goto done;
	s->failed = -1;
	/* A read: never create or write the database. A SQLite file that does
	 * not exist is an error naming it, unless the caller takes it for a
	 * database with nothing applied. */
	rc = strata__run_open_read_only(&r.db, cfg, flags & STRATA_STATUS_MISSING_OK);
	if (rc < 0 || (r.db && (rc = strata__bk_read(&r.state, r.db, cfg)) < 0))
		goto done;
	s->tables_exist = r.state.tables_exist;
	s->versions = r.state.versions;
	s->nversions = r.state.nversions;
	r.state.versions = NULL;
	r.state.nversions = 0;
	if ((rc = strata_graph_applied(s->applied, g, (const char *const *)s->versions,
				       s->nversions)) < 0)
		goto done;
	rc = STRATA_ERROR;
	for (i = 0; i < r.count; i++) {
		const strata_migration *m = strata_graph_at(g, i);
		const bk_revision_state *h = history_of(&r, m->revision);

		s->expanded[i] = s->applied[i] && m->online_text && online_expanded(&r, m);
		if (s->applied[i] && changed_since(h, m)) {
			if (!(s->changed_recorded[s->nchanged] = strata_strdup(h->checksum)))
				goto done;
			s->changed[s->nchanged++] = i;
		}
		if (!s->applied[i] && is_unfinished(h) && s->failed < 0) {
			s->failed = (long)i;
			s->failed_statements_run = h->statements_run;
			if ((h->error && !(s->failed_error = strata_strdup(h->error))) ||
			    (h->failed_statement &&
			     !(s->failed_statement = strata_strdup(h->failed_statement))) ||
			    (h->started_at && !(s->failed_at = strata_strdup(h->started_at))))
				goto done;
			/* A "running" row is a run in progress while someone holds the
			 * run lock (held only by live processes); else that run died. */
			if (r.db && strcmp(h->outcome, "running") == 0 &&
			    (rc = strata__db_lock_held(r.db, cfg->version_table, &s->failed_in_progress)) < 0)
				goto done;
			rc = STRATA_ERROR;
		}
	}
	*out = s;
	s = NULL;
	rc = 0;
done:
	strata_status_free(s);
	strata__run_close(&r);
	return rc;
}

void strata_status_free(strata_status *s)
{
	size_t i;

	if (!s)
		return;
	strata__bk_free_versions(s->versions, s->nversions);
	for (i = 0; i < s->nchanged; i++)
		strata_free(s->changed_recorded[i]);
	strata_free(s->changed_recorded);
	strata_free(s->expanded);
	strata_free(s->changed);
	strata_free(s->applied);
	strata_free(s->failed_error);
	strata_free(s->failed_statement);
	strata_free(s->failed_at);
	strata_free(s);
}
