/*
 * cli/run_common.h - shared parts of the upgrade, downgrade and stamp commands.
 */
#ifndef STRATA_CLI_RUN_COMMON_H
#define STRATA_CLI_RUN_COMMON_H

#include "cli/cli.h"

typedef int (*run_fn)(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		      const strata_run_options *opts);

/* The timeout options every run command takes (entries for an option table). */
#define RUN_TIMEOUT_OPTIONS(ctx) \
	{ OPT_STRING, 0, "lock-timeout", &(ctx)->lock_timeout, "DURATION", \
	  "give up a lock after this long (default 5s; then retry)" }, \
	{ OPT_STRING, 0, "statement-timeout", &(ctx)->statement_timeout, "DURATION", \
	  "cancel any statement running longer (default 0: none)" }, \
	{ OPT_STRING, 0, "lock-wait", &(ctx)->lock_wait, "DURATION", \
	  "how long to wait for another strata run (default 60s)" }

/* The options of batched steps and backfills (entries for an option table). */
#define RUN_BATCH_OPTIONS(b) \
	{ OPT_STRING, 0, "batch-size", &(b)->size, "N", \
	  "rows per batch of a batched step (default: sized to [online] batch_target)" }, \
	{ OPT_STRING, 0, "batch-pause", &(b)->pause, "DURATION", "pause between batches (default 0)" }, \
	{ OPT_STRING, 0, "max-replica-lag", &(b)->lag, "DURATION", \
	  "pause the batches while a standby replays further behind" }

typedef struct run_batch_args {
	const char *size, *pause, *lag;
} run_batch_args;

/* The RUN_BATCH_OPTIONS values into o; 0, or the exit code of a bad value. */
int run_common_batch_options(strata_run_options *o, const run_batch_args *b, const char *command);

/* run_common_execute flags. */
enum run_common_flags {
	/* Read the database's state on a second thread while the migrations
	 * load (strata_prefetch_start): for runs that are often no-ops. */
	RUN_READ_AHEAD = 1 << 0,
};

/* Load graph, check strata.sum, run fn, print the summary; returns the exit code. */
int run_common_execute(cli_ctx *ctx, run_fn fn, strata_run_options *o, int flags,
		       const char *verb_done, const char *nothing);
/* After a run: clear the progress line, print the error or the summary
 * ("<verb_done> N revisions in T ms", or nothing when none ran); the exit code. */
int run_common_report(cli_ctx *ctx, int rc, const strata_run_result *res,
		      const strata_run_options *o, const char *verb_done, const char *nothing);
/* --sql [FROM:]TO: fill o->sql_from / o->target (FROM copied into buf). */
int run_common_sql_range(strata_run_options *o, const char *arg, char *buf, size_t bufsize,
			 const char *command);

#endif
