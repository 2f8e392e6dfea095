/*
 * cli/cmd_upgrade.c - strata upgrade [TARGET]
 *
 * Applies revisions up to TARGET (default: head). With --sql [FROM:]TO it
 * prints the script instead of running it. --batch-size, --batch-pause and
 * --max-replica-lag drive batched steps ("-- +batch" sections).
 */
#include "cli/run_common.h"

int cmd_upgrade(int argc, char **argv, cli_ctx *ctx)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	int sql = 0, single = 0, allow_changed = 0, retry = 0, rc;
	run_batch_args batch = { NULL, NULL, NULL };
	const char *args[1], *skip_promotion = NULL;
	char from[128];
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "sql", &sql, NULL, "print the SQL script instead of running it" },
		{ OPT_FLAG, 0, "single-transaction", &single, NULL, "run all steps in one transaction" },
		{ OPT_FLAG, 0, "allow-changed", &allow_changed, NULL,
		  "run although applied revisions changed (recorded in the history)" },
		{ OPT_FLAG, 0, "retry-failed", &retry, NULL,
		  "run a failed non-transactional revision again from its start" },
		{ OPT_STRING, 0, "skip-promotion-check", &skip_promotion, "REASON",
		  "run revisions the upstream environment has not applied (reason recorded)" },
		RUN_TIMEOUT_OPTIONS(ctx),
		RUN_BATCH_OPTIONS(&batch),
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if ((rc = run_common_batch_options(&o, &batch, "upgrade")) != 0)
		return rc;
	o.target = nargs ? args[0] : "head";
	if (sql && (rc = run_common_sql_range(&o, o.target, from, sizeof(from), "upgrade")) != 0)
		return rc;
	o.single_transaction = single;
	o.allow_changed = allow_changed;
	o.retry_failed = retry;
	if (skip_promotion && !*skip_promotion)
		return cli_usage_error("upgrade", "--skip-promotion-check needs a reason");
	o.skip_promotion_check = skip_promotion;
	return run_common_execute(ctx, strata_upgrade, &o, RUN_READ_AHEAD, "applied",
				  "already up to date");
}
