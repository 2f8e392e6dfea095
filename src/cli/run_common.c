/*
 * cli/run_common.c - what upgrade, downgrade and stamp share: their run
 * options (timeouts, --sql) and the summary they print.
 */
#include "cli/run_common.h"
#include "strata/error.h"
#include "strata/project.h"

#include <stdlib.h>
#include <string.h>

/*
 * strata.sum before the run. Strict (the default): any difference stops
 * here, before any connection. sum = auto: a difference is left to the
 * run, which records the files whose revision the database has not
 * applied once it holds the run lock (strata_run_options.sum_auto); the
 * state read ahead cannot settle such a run, so it is dropped. --sql
 * reads no applied set to decide by, so it stays strict.
 */
static int check_sum(cli_ctx *ctx, strata_run_options *o)
{
	char *report = NULL;
	int rc;

	if (ctx->config->sum_mode != STRATA_SUM_AUTO || o->sql_only)
		return cli_check_sum(ctx);
	rc = strata_sum_check_graph(&report, ctx->config->migrations, ctx->graph);
	free(report);
	if (rc == STRATA_ECHECK) {
		o->sum_auto = 1;
		return 0;
	}
	return rc < 0 ? cli_report_error(rc) : 0;
}

int run_common_report(cli_ctx *ctx, int rc, const strata_run_result *res,
		      const strata_run_options *o, const char *verb_done, const char *nothing)
{
	if (ctx->progress && !ctx->g.quiet && res->planned > 1)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		if (res->done)
			cli_info(ctx, "%zu of %zu step(s) completed before the error", res->done,
				 res->planned);
		return cli_report_error(rc);
	}
	if (o->sql_only)
		return EXIT_OK;
	if (res->done == 0)
		cli_info(ctx, "%s", nothing);
	else
		cli_info(ctx, "%s %zu revision%s in %.0f ms", verb_done, res->done,
			 res->done == 1 ? "" : "s", res->elapsed_ms);
	return EXIT_OK;
}

/* Run fn and print its summary; returns the exit code. */
static int run_and_report(cli_ctx *ctx, run_fn fn, strata_run_options *o, const char *verb_done,
			  const char *nothing)
{
	strata_run_result res = { 0 };
	int rc;

	cli_run_options(o, ctx);
	rc = fn(&res, ctx->config, ctx->graph, o);
	return run_common_report(ctx, rc, &res, o, verb_done, nothing);
}

int run_common_execute(cli_ctx *ctx, run_fn fn, strata_run_options *o, int flags,
		       const char *verb_done, const char *nothing)
{
	strata_prefetch *ahead = NULL;
	int rc;

	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	/* Read the database's state while the migrations load (read-only, see
	 * strata/runner.h). It only saves time: if it cannot start, run without. */
	if ((flags & RUN_READ_AHEAD) && !o->sql_only &&
	    strata_prefetch_start(&ahead, ctx->config) < 0)
		ahead = NULL;
	if ((rc = cli_load_graph(ctx)) != 0 || (rc = check_sum(ctx, o)) != 0)
		goto done;
	o->prefetch = o->sum_auto ? NULL : ahead;
	rc = run_and_report(ctx, fn, o, verb_done, nothing);
done:
	o->prefetch = NULL;
	strata_prefetch_free(ahead);
	return rc;
}

void run_common_batch_options(strata_run_options *o, const run_batch_args *b)
{
	if (b->size)
		o->batch_size = b->size;
	if (b->pause)
		o->batch_pause_ms = b->pause;
	if (b->lag)
		o->max_replica_lag_ms = b->lag;
}

int run_common_sql_range(strata_run_options *o, const char *arg, char *buf, size_t bufsize,
			 const char *command)
{
	const char *colon = strchr(arg, ':');

	o->sql_only = 1;
	if (!colon) {
		o->target = arg;
		return 0;
	}
	if ((size_t)(colon - arg) + 1 > bufsize)
		return cli_usage_error(command, "range '%s' is too long", arg);
	memcpy(buf, arg, (size_t)(colon - arg));
	buf[colon - arg] = '\0';
	o->sql_from = buf;
	o->target = colon + 1;
	if (!*o->sql_from || !*o->target)
		return cli_usage_error(command, "range '%s' needs FROM:TO", arg);
	return 0;
}
