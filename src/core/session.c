/*
 * core/session.c - sessions (strata/session.h): one step at a time on one
 * connection the caller opened and closes, as `strata test` walks the
 * graph.
 *
 * Layer: core, part of the runner (core/run.h): a session is a run that
 * stays open (strata__run_open() at strata_session_open(), strata__run_close() at
 * strata_session_close()), so every step goes through strata__run_step() with
 * the run's checks, bookkeeping and history rows.
 *
 * Invariants:
 *  1. A step is allowed only where a plan from the session's state would
 *     allow it (step_allowed()): up needs its parents and dependencies
 *     applied, down needs no applied revision building on it.
 *  2. The connection is borrowed: never closed here.
 */
#include "strata/session.h"
#include "strata/error.h"
#include "core/run.h"
#include "db/db.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <string.h>

struct strata_session {
	run r;
	strata_run_options opts;
	strata_run_result res;
};

int strata_session_open(strata_session **out, const strata_config *cfg, const strata_graph *g,
			struct strata_db *db, const strata_run_options *opts)
{
	strata_session *s;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	*out = NULL;
	if (!db || (opts && opts->sql_only))
		return strata_error_set(STRATA_EINVALID, "strata_session_open: needs an open "
					"connection and no sql_only");
	if (!(s = strata_calloc(1, sizeof(*s))))
		return STRATA_ERROR;
	if (opts) {
		s->opts = *opts;
	} else {
		strata_run_options init = STRATA_RUN_OPTIONS_INIT;

		s->opts = init;
	}
	s->opts.single_transaction = 0;
	s->opts.prefetch = NULL;
	strata__run_init(&s->r, cfg, g, &s->opts, &s->res);
	s->r.db = db;
	s->r.borrowed_db = 1;
	if ((rc = strata__run_open(&s->r, 1)) < 0 || (rc = strata__run_check_failed(&s->r)) < 0 ||
	    (rc = strata__run_check_changed(&s->r)) < 0) {
		strata_session_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Whether revision idx can go dir from the session's state, as a plan would allow. */
static int step_allowed(const run *r, size_t idx, strata_direction dir)
{
	const strata_migration *m = strata_graph_at(r->g, idx);
	const size_t *rel;
	size_t n;

	if (dir == STRATA_UP) {
		if (r->applied[idx])
			return strata_error_set(STRATA_EINVALID, "revision %s is already applied",
						m->revision);
		n = strata_graph_parents(&rel, r->g, idx);
		for (size_t k = 0; k < n; k++)
			if (!r->applied[rel[k]])
				goto order;
		n = strata_graph_dependencies(&rel, r->g, idx);
		for (size_t k = 0; k < n; k++)
			if (!r->applied[rel[k]])
				goto order;
		return 0;
	}
	if (!r->applied[idx])
		return strata_error_set(STRATA_EINVALID, "revision %s is not applied", m->revision);
	for (size_t j = 0; j < r->count; j++) {
		if (!r->applied[j])
			continue;
		n = strata_graph_parents(&rel, r->g, j);
		for (size_t k = 0; k < n; k++)
			if (rel[k] == idx)
				goto order;
		n = strata_graph_dependencies(&rel, r->g, j);
		for (size_t k = 0; k < n; k++)
			if (rel[k] == idx)
				goto order;
	}
	return 0;
order:
	return strata_error_set(STRATA_EINVALID, "revision %s cannot be %s from this state: %s",
				m->revision, dir == STRATA_UP ? "applied" : "reverted",
				dir == STRATA_UP ? "what it builds on is not applied"
						 : "an applied revision builds on it");
}

int strata_session_step(strata_session *s, size_t idx, strata_direction dir)
{
	STRATA_ASSERT_ARG(s);

	run *r = &s->r;
	const strata_migration *m;
	step_sql sql = { 0 };
	int rc;

	if (idx >= r->count)
		return strata_error_set(STRATA_EINVALID, "strata_session_step: no revision %zu", idx);
	m = strata_graph_at(r->g, idx);
	if ((rc = strata_migration_check_complete(m)) < 0 || (rc = step_allowed(r, idx, dir)) < 0)
		return rc;
	if (dir == STRATA_DOWN && m->irreversible) {
		strata_error_set(STRATA_EIRREVERSIBLE, "revision %s (%s) is irreversible: %s",
				 m->revision, m->path, m->irreversible);
		return STRATA_EIRREVERSIBLE;
	}
	if ((rc = strata__run_split_step(&sql, m, dir, strata__db_engine_kind(r->db))) < 0)
		goto done;
	rc = strata__run_step(r, idx, dir, &sql);
	if (rc == RESTART)
		rc = strata_error_set(STRATA_ECONFLICT, "another runner moved the version table "
				      "during this session");
	else if (rc == 0)
		r->res->done++;
done:
	strata_free(sql.stmts);
	return rc;
}

int strata_session_upgrade(strata_session *s, const char *target)
{
	STRATA_ASSERT_ARG(s);

	const strata_run_options *saved = s->r.o;
	strata_run_options o = s->opts;
	int rc;

	o.target = target;
	s->r.o = &o;
	rc = strata__run_execute(&s->r, strata__run_plan_up, STRATA_UP);
	s->r.o = saved;
	return rc;
}

const unsigned char *strata_session_applied(const strata_session *s)
{
	return s->r.applied;
}

void strata_session_close(strata_session *s)
{
	if (!s)
		return;
	strata__run_close(&s->r);
	strata_free(s);
}
