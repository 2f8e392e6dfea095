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
	run_batch_args batch = { 0, 0, 0 };
	const char *args[1], *skip_promotion = NULL;
	char from[128];
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "sql", &sql, NULL,
		  "print the SQL script (with transactions and bookkeeping) instead of "
		  "running it; TARGET may then be FROM:TO, FROM defaulting to the database's "
		  "state (read only: --sql never creates a database)", 0, 0, NULL },
		{ OPT_FLAG, 0, "single-transaction", &single, NULL,
		  "run the whole upgrade in one transaction", 0, 0, NULL },
		{ OPT_FLAG, 0, "allow-changed", &allow_changed, NULL,
		  "run although applied revisions' files changed (recorded)", 0, 0, NULL },
		{ OPT_FLAG, 0, "retry-failed", &retry, NULL,
		  "run a failed non-transactional revision again", 0, 0, NULL },
		{ OPT_STRING, 0, "skip-promotion-check", &skip_promotion, "REASON",
		  "run revisions the environment's promote_from has not applied (REASON is "
		  "recorded in the history)", 0, 0, NULL },
		RUN_TIMEOUT_OPTIONS(ctx),
		RUN_BATCH_OPTIONS(&batch),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	run_common_batch_options(&o, &batch);
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
