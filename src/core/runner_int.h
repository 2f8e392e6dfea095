/*
 * core/runner_int.h - what core/planfile.c shares with the runner: a run
 * of exactly the steps a reviewed plan lists, checked under the run lock,
 * and the --sql rendering those steps have (core/runner.c and
 * core/runner_sql.c; the runner's own parts share core/run.h).
 *
 * Layer: core, internal (not part of the public API).
 */
#ifndef STRATA_CORE_RUNNER_INT_H
#define STRATA_CORE_RUNNER_INT_H

#include "strata/runner.h"
#include "db/db.h"
#include "util/buf.h"

typedef struct runner_plan_hooks {
	const size_t *steps;     /* run exactly these graph indexes, in this order */
	size_t nsteps;
	/*
	 * Called once the run lock is held and the state read, before any
	 * step runs: a negative return (with the error set) ends the run with
	 * nothing run. applied: per graph index.
	 */
	int (*before)(void *payload, strata_db *db, const unsigned char *applied);
	void *payload;
} runner_plan_hooks;

/* strata_upgrade() of exactly hooks->steps (a plan being applied; require_plan is met). */
int strata__runner_upgrade_plan(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
			const strata_run_options *opts, const runner_plan_hooks *hooks);

/* strata_downgrade() of exactly hooks->steps (a downgrade plan being applied). */
int strata__runner_downgrade_plan(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
			  const strata_run_options *opts, const runner_plan_hooks *hooks);

/*
 * The `upgrade --sql` (dir STRATA_UP) or `downgrade --sql` (STRATA_DOWN)
 * script that runs steps from the state applied, appended to out, as if
 * written on the machine named host (the history rows it inserts name
 * it). opts gives single_transaction and the note (skip_promotion_check);
 * nothing is checked or read here.
 */
int strata__runner_render_plan(strata_buf *out, const strata_config *cfg, const strata_graph *g,
		       strata_direction dir, const unsigned char *applied, const size_t *steps,
		       size_t nsteps, const char *host, const strata_run_options *opts);

#endif
