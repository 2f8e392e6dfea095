/*
 * core/run.h - one run of the runner, shared by the files that make it
 * up: core/runner.c (upgrade, downgrade, stamp, status: connecting,
 * checking, planning, running steps), core/runner_sql.c (the --sql
 * script of a run) and core/session.c (strata/session.h: one step at a
 * time on the caller's connection).
 *
 * Layer: core, internal to those three files (not part of the public
 * API; core/runner_int.h is what the rest of core shares with the runner).
 *
 * A run borrows cfg, g and o from its caller; it owns db (unless
 * borrowed_db), db_user, applied and state, which strata__run_close() releases.
 * The run's state machine and invariants are at the top of core/runner.c.
 */
#ifndef STRATA_CORE_RUN_H
#define STRATA_CORE_RUN_H

#include "strata/runner.h"
#include "core/bookkeeping.h"
#include "core/runner_int.h"
#include "db/db.h"
#include "util/buf.h"

#define RESTART 1          /* strata__run_step() result: the version table moved; plan again */
typedef struct step_sql {
	db_stmt *stmts;
	size_t n;
	size_t base;           /* offset of the section within the file's text */
} step_sql;

typedef struct run {
	const strata_config *cfg;
	const strata_graph *g;
	const strata_run_options *o;
	strata_db *db;
	char *db_user;
	char host[256];
	size_t count;
	unsigned char *applied;
	bk_state state;
	int locked;
	int borrowed_db;       /* a session's connection: the caller closes it */
	int in_single_tx;
	strata_run_result *res;
	const runner_plan_hooks *hooks; /* a reviewed plan: exactly its steps, checked first */
	int render_only;       /* strata__runner_render_plan: render what it is given, check nothing */
	strata_buf *collect;   /* the --sql script goes here instead of opts->emit */
	/* What each step's history row notes: opts->note and a skipped promotion
	 * check (note_run), the same after "applied from a --sql script" in a
	 * script (note_sql), after a --retry-failed run again (note_retry). */
	char note_run[640], note_sql[640], note_retry[768];
} run;
typedef int (*planner)(strata_plan *out, const strata_graph *g, const unsigned char *applied,
		       const char *target);

/* --- core/runner.c -------------------------------------------------------- */

/* Set up r for one command; res is zeroed and filled as the run goes. */
void strata__run_init(run *r, const strata_config *cfg, const strata_graph *g,
	      const strata_run_options *opts, strata_run_result *res);

/* Connect (unless r->db is a session's), lock, create the tables
 * (create_tables), read the state. */
int strata__run_open(run *r, int create_tables);

/* Unlock, disconnect, free; keeps the error that is set. */
void strata__run_close(run *r);

/* Refuse to go on over a failed non-transactional revision. */
int strata__run_check_failed(run *r);

/* Applied revisions whose file changed since: refuse, or accept with a history row. */
int strata__run_check_changed(run *r);

/* Split one step's section of m; a syntax error names file:line:col. */
int strata__run_split_step(step_sql *out, const strata_migration *m, strata_direction dir,
		   db_engine engine);

void strata__run_free_steps(step_sql *s, size_t n);

/* Open cfg->database read-only (see runner.c for missing_ok). */
int strata__run_open_read_only(strata_db **out, const strata_config *cfg, int missing_ok);

/* The heads of applied, as version rows (borrowed revision strings; free *rows). */
int strata__run_heads_rows(run *r, const unsigned char *applied, char ***rows, size_t *n);

/* A history row about m by this run's user and host; the caller adds the rest. */
bk_entry strata__run_history_row(const run *r, const strata_migration *m, strata_direction dir,
			 const char *outcome, const char *started, const char *finished);

/* Before anything runs: m's online operations parse, a down has an inverse. */
int strata__run_online_check(run *r, const strata_migration *m, strata_direction dir,
		     const step_sql *sql, db_engine engine);

/* STRATA_EINVALID naming m unless online hooks are installed. */
int strata__run_need_hooks(const strata_migration *m);

/* The hooks' --sql rendering of online revision m (strata__run_need_hooks() first). */
int strata__run_online_render(const run *r, const strata_migration *m, strata_direction dir);

/* What to run: a reviewed plan's steps exactly, or plan_fn's plan to target. */
int strata__run_make_plan(run *r, planner plan_fn, strata_direction dir, strata_plan *plan,
		  const char *target);

/* Run one step. Returns 0, RESTART, or an error. */
int strata__run_step(run *r, size_t idx, strata_direction dir, const step_sql *s);

/* Apply (or revert) until the plan is done; replan when another runner moved things. */
int strata__run_execute(run *r, planner plan_fn, strata_direction dir);

/* The upgrade planner: to target, or to the heads. */
int strata__run_plan_up(strata_plan *out, const strata_graph *g, const unsigned char *applied,
		const char *target);

/* --- core/runner_sql.c ---------------------------------------------------- */

/* The --sql script of the run planned by plan_fn, to opts->emit or r->collect. */
int strata__run_offline(run *r, planner plan_fn, strata_direction dir);

#endif
