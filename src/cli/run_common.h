/*
 * cli/run_common.h - shared parts of the upgrade, downgrade and stamp commands.
 */
#ifndef STRATA_CLI_RUN_COMMON_H
#define STRATA_CLI_RUN_COMMON_H

#include "cli/cli.h"

typedef int (*run_fn)(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		      const strata_run_options *opts);

/* The timeout options every run command takes (entries for an option table;
 * kept as text: the config parses them with strata.ini's lock_timeout). */
#define RUN_TIMEOUT_OPTIONS(ctx) \
	{ OPT_STRING, 0, "lock-timeout", &(ctx)->lock_timeout, "D", \
	  "PostgreSQL lock_timeout per statement (default 5s); when it fires the " \
	  "revision is retried with back-off", 0, 0, NULL }, \
	{ OPT_STRING, 0, "statement-timeout", &(ctx)->statement_timeout, "D", \
	  "cancel statements running longer (default: none)", 0, 0, NULL }, \
	{ OPT_STRING, 0, "lock-wait", &(ctx)->lock_wait, "D", \
	  "wait this long for another strata run (default 60s)", 0, 0, NULL }

/* The options of batched steps and backfills (entries for an option table). */
#define RUN_BATCH_OPTIONS(b) \
	CLI_INT(0, "batch-size", &(b)->size, "N", 1, 0, \
		"rows per batch of a batched step (default: sized so a batch takes " \
		"[online] batch_target, 100ms)"), \
	{ OPT_DURATION, 0, "batch-pause", &(b)->pause, "D", \
	  "pause between batches (default 0)", 0, 0, NULL }, \
	{ OPT_DURATION, 0, "max-replica-lag", &(b)->lag, "D", \
	  "before each batch, wait while a standby is further behind", 0, 0, NULL }

/* The values of RUN_BATCH_OPTIONS: 0 when not given (OPT_INT, OPT_DURATION). */
typedef struct run_batch_args {
	long size, pause, lag;
} run_batch_args;

/* The RUN_BATCH_OPTIONS values given into o (cli_parse checked them). */
void run_common_batch_options(strata_run_options *o, const run_batch_args *b);

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
