/*
 * core/runner_sql.c - the --sql script of an upgrade or downgrade: what a
 * run would execute, rendered as one SQL script with its bookkeeping rows
 * (strata_run_options.sql_only), and the body of a reviewed plan
 * (strata__runner_render_plan(), core/runner_int.h).
 *
 * Layer: core, part of the runner (core/run.h). Reads the starting state
 * read-only or takes it as given; never creates or writes the database.
 *
 * Invariants:
 *  1. A script runs what a run would run, in the same order and
 *     transactions, and inserts the same version and history rows
 *     (noted "applied from a --sql script").
 *  2. Text from files (names, messages) goes into comments only, with
 *     control characters shown as '?' (put_comment_text()).
 *  3. Nothing here prints: the script goes to opts->emit or r->collect.
 *
 * New statement kinds in a step: keep render_step() in step with
 * strata__run_step() in core/runner.c.
 */
#include "strata/runner.h"
#include "strata/error.h"
#include "core/batch.h"
#include "core/bookkeeping.h"
#include "core/run.h"
#include "db/db.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void emit(const run *r, const char *text, size_t len)
{
	if (r->o->emit)
		r->o->emit(r->o->payload, text, len);
}

/*
 * --sql: the starting state is given ("base", a revision) or read from the
 * database, read-only: a script is only printed, so nothing may be
 * created. A SQLite file that does not exist yet is a database with
 * nothing applied, which is what `strata upgrade` would start from.
 */
static int offline_state(run *r)
{
	const char *from = r->o->sql_from;
	int rc;

	r->count = strata_graph_count(r->g);
	if (!(r->applied = strata_calloc(r->count ? r->count : 1, 1)))
		return STRATA_ERROR;
	if (from)
		return strata_plan_stamp(r->applied, r->g, from);
	if ((rc = strata__run_open_read_only(&r->db, r->cfg, 1)) < 0)
		return rc;
	if (r->db && (rc = strata__bk_read(&r->state, r->db, r->cfg)) < 0)
		return rc;
	return strata_graph_applied(r->applied, r->g, (const char *const *)r->state.versions,
				    r->state.nversions);
}

static int emit_buf(run *r, strata_buf *b)
{
	if (r->collect) {
		if (strata__buf_putn(r->collect, strata__buf_cstr(b), b->len) < 0)
			return STRATA_ERROR;
	} else {
		emit(r, strata__buf_cstr(b), b->len);
	}
	strata__buf_clear(b);
	return 0;
}

/*
 * Text from a file's name or header inside a "--" comment of a --sql
 * script. A line break would end the comment and turn the rest into SQL
 * (PostgreSQL also ends a comment at a lone '\r'), so every control
 * character is shown as '?'.
 */
static int put_comment_text(strata_buf *out, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++)
		if (strata__buf_putc(out, *p < 0x20 || *p == 0x7f ? '?' : (char)*p) < 0)
			return STRATA_ERROR;
	return 0;
}

/*
 * The file's path in a script. A reviewed plan's body (render_only) names
 * it relative to the project folder, so that the same checkout elsewhere
 * (a CI runner's) renders the same body.
 */
static const char *shown_path(const run *r, const strata_migration *m)
{
	size_t n = strlen(r->cfg->root);

	if (r->render_only && strncmp(m->path, r->cfg->root, n) == 0 && m->path[n] == '/')
		return m->path + n + 1;
	return m->path;
}

/*
 * --sql of an online revision: what each phase runs, from the hooks
 * (PostgreSQL: the expand, backfill and contract work happens in steps a
 * script cannot take, so they are shown for review; SQLite: one
 * transaction), then the bookkeeping rows.
 */
static int render_online(run *r, strata_buf *out, db_engine engine, size_t idx,
			 strata_direction dir, const step_sql *s)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	char **rows = NULL;
	size_t nrows = 0;
	bk_entry e = { 0 };
	int rc;

	if ((rc = strata__run_need_hooks(m)) < 0)
		return rc;
	if (strata__buf_printf(out, "\n-- %s %s: ", dir == STRATA_UP ? "upgrade" : "downgrade",
		       m->revision) < 0 || put_comment_text(out, m->message) < 0 ||
	    strata__buf_puts(out, "\n-- ") < 0 || put_comment_text(out, shown_path(r, m)) < 0 ||
	    strata__buf_puts(out, " (online revision)\n") < 0)
		return STRATA_ERROR;
	emit_buf(r, out);
	for (size_t i = 0; dir == STRATA_DOWN && i < s->n; i++) {
		const db_stmt *st = &s->stmts[i];

		if (strata__buf_putn(out, m->text + s->base + st->offset, st->len) < 0 || strata__buf_puts(out, ";\n") < 0)
			return STRATA_ERROR;
	}
	emit_buf(r, out);
	if (dir == STRATA_UP || s->n == 0 || engine == DB_POSTGRES)
		if ((rc = strata__run_online_render(r, m, dir)) < 0)
			return rc;
	r->applied[idx] = dir == STRATA_UP;
	if (strata__run_heads_rows(r, r->applied, &rows, &nrows) < 0)
		return STRATA_ERROR;
	e = strata__run_history_row(r, m, dir, dir == STRATA_DOWN ? "reverted" :
			    engine == DB_POSTGRES ? "expanded" : "applied", NULL, NULL);
	e.note = "applied from a --sql script";
	rc = strata__buf_puts(out, "BEGIN;\n") < 0 ||
	     strata__bk_render_set_heads(out, r->cfg, (const char *const *)rows, nrows) < 0 ||
	     strata__bk_render_insert(out, engine, r->cfg, &e) < 0 || strata__buf_puts(out, "COMMIT;\n") < 0
		     ? STRATA_ERROR : 0;
	strata_free(rows);
	return rc;
}

static int render_step(run *r, strata_buf *out, db_engine engine, size_t idx,
		       strata_direction dir, const step_sql *s)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	const char *base = m->text + s->base;
	char **rows = NULL;
	size_t nrows = 0, i;
	bk_entry e = { 0 };
	int tx = m->transactional && !r->o->single_transaction;

	if (m->online_text)
		return render_online(r, out, engine, idx, dir, s);

	if (strata__buf_printf(out, "\n-- %s %s: ", dir == STRATA_UP ? "upgrade" : "downgrade",
		       m->revision) < 0 || put_comment_text(out, m->message) < 0 ||
	    strata__buf_puts(out, "\n-- ") < 0 || put_comment_text(out, shown_path(r, m)) < 0 ||
	    strata__buf_printf(out, "%s\n",
		       m->transactional ? "" : " (transaction: off, runs statement by statement)") < 0)
		return STRATA_ERROR;
	if (tx && strata__buf_puts(out, "BEGIN;\n") < 0)
		return STRATA_ERROR;
	if (dir == STRATA_UP && m->has_batch_marker && strata__batch_render(out, m, engine) < 0)
		return STRATA_ERROR;
	for (i = 0; i < s->n; i++) {
		const db_stmt *st = &s->stmts[i];

		if (strata__buf_putn(out, base + st->offset, st->len) < 0 || strata__buf_puts(out, ";\n") < 0)
			return STRATA_ERROR;
		if (st->data_len && (strata__buf_putn(out, base + st->data_offset, st->data_len) < 0 ||
				     strata__buf_puts(out, "\\.\n") < 0))
			return STRATA_ERROR;
	}
	if (!m->transactional && !r->o->single_transaction && strata__buf_puts(out, "BEGIN;\n") < 0)
		return STRATA_ERROR;
	r->applied[idx] = dir == STRATA_UP;
	if (strata__run_heads_rows(r, r->applied, &rows, &nrows) < 0)
		return STRATA_ERROR;
	/* Times and user come from the database running the script (strata__bk_render_insert). */
	e = strata__run_history_row(r, m, dir, dir == STRATA_UP ? "applied" : "reverted", NULL, NULL);
	e.statements_run = (long)s->n;
	e.note = r->note_sql;
	if (strata__bk_render_set_heads(out, r->cfg, (const char *const *)rows, nrows) < 0 ||
	    strata__bk_render_insert(out, engine, r->cfg, &e) < 0) {
		strata_free(rows);
		return STRATA_ERROR;
	}
	strata_free(rows);
	if (!r->o->single_transaction && strata__buf_puts(out, "COMMIT;\n") < 0)
		return STRATA_ERROR;
	return 0;
}

int strata__run_offline(run *r, planner plan_fn, strata_direction dir)
{
	db_engine engine = strata__db_engine_of(r->cfg->database);
	strata_plan plan = { 0 };
	step_sql *sqls = NULL;
	strata_buf out = STRATA_BUF_INIT;
	size_t i;
	int rc;

	if (!r->host[0] && gethostname(r->host, sizeof(r->host) - 1) < 0)
		strcpy(r->host, "unknown");
	if (!engine) {
		rc = strata_error_set(STRATA_EINVALID, "cannot tell the database engine of '%s'",
				      r->cfg->database);
		goto done;
	}
	if (!r->render_only && (rc = offline_state(r)) < 0)
		goto done;
	if ((rc = strata__run_make_plan(r, plan_fn, dir, &plan, r->o->target)) < 0)
		goto done;
	rc = STRATA_ERROR;
	if (!(sqls = strata_calloc(plan.nsteps ? plan.nsteps : 1, sizeof(step_sql))))
		goto done;
	for (i = 0; i < plan.nsteps; i++) {
		const strata_migration *m = strata_graph_at(r->g, plan.steps[i]);

		if ((rc = strata_migration_check_complete(m)) < 0)
			goto done;
		if (dir == STRATA_DOWN && m->irreversible) {
			rc = strata_error_set(STRATA_EIRREVERSIBLE, "revision %s (%s) is irreversible: %s",
					      m->revision, m->path, m->irreversible);
			goto done;
		}
		if ((rc = strata__run_split_step(&sqls[i], m, dir, engine)) < 0 ||
		    (rc = strata__run_online_check(r, m, dir, &sqls[i], engine)) < 0)
			goto done;
	}
	rc = STRATA_ERROR;
	if (strata__buf_printf(&out, "-- strata %s script (%s, %zu step%s), generated by strata %s\n",
		       dir == STRATA_UP ? "upgrade" : "downgrade",
		       engine == DB_POSTGRES ? "PostgreSQL" : "SQLite", plan.nsteps,
		       plan.nsteps == 1 ? "" : "s", STRATA_VERSION) < 0)
		goto done;
	if (engine == DB_POSTGRES &&
	    strata__buf_printf(&out, "SET lock_timeout = %ld;\nSET statement_timeout = %ld;\n",
		       r->cfg->lock_timeout_ms, r->cfg->statement_timeout_ms) < 0)
		goto done;
	if (r->o->single_transaction && strata__buf_puts(&out, "BEGIN;\n") < 0)
		goto done;
	if (strata__bk_render_ensure(&out, engine, r->cfg) < 0 || emit_buf(r, &out) < 0)
		goto done;
	for (i = 0; i < plan.nsteps; i++) {
		if ((rc = render_step(r, &out, engine, plan.steps[i], dir, &sqls[i])) < 0)
			goto done;
		rc = STRATA_ERROR;
		if (emit_buf(r, &out) < 0)
			goto done;
		r->res->done++;
	}
	if (r->o->single_transaction && strata__buf_puts(&out, "COMMIT;\n") < 0)
		goto done;
	if (emit_buf(r, &out) < 0)
		goto done;
	r->res->planned = plan.nsteps;
	rc = 0;
done:
	strata__buf_release(&out);
	strata__run_free_steps(sqls, plan.nsteps);
	strata_plan_release(&plan);
	return rc;
}

int strata__runner_render_plan(strata_buf *out, const strata_config *cfg, const strata_graph *g,
		       strata_direction dir, const unsigned char *applied, const size_t *steps,
		       size_t nsteps, const char *host, const strata_run_options *opts)
{
	runner_plan_hooks fixed = { steps, nsteps, NULL, NULL };
	strata_run_result res;
	run r;
	int rc;

	strata__run_init(&r, cfg, g, opts, &res);
	r.hooks = &fixed;
	r.render_only = 1;
	r.collect = out;
	snprintf(r.host, sizeof(r.host), "%s", host);
	r.count = strata_graph_count(g);
	if (!(r.applied = strata_calloc(r.count ? r.count : 1, 1)))
		return STRATA_ERROR;
	memcpy(r.applied, applied, r.count);
	rc = strata__run_offline(&r, dir == STRATA_UP ? strata__run_plan_up : strata_plan_downgrade, dir);
	strata__run_close(&r);
	return rc;
}
