/*
 * cli/cmd_downgrade.c - strata downgrade TARGET
 *
 * Reverts applied revisions above TARGET (a revision, -N, or base). With
 * --sql FROM:TO it prints the script instead of running it. On a protected
 * environment (require_plan) it runs only with --force-protected REASON.
 */
#include "cli/run_common.h"

int cmd_downgrade(int argc, char **argv, cli_ctx *ctx)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	int sql = 0, single = 0, allow_changed = 0, rc;
	const char *args[1], *forced = NULL;
	char from[128];
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "sql", &sql, NULL, "print the SQL script instead of running it", 0, 0, NULL },
		{ OPT_FLAG, 0, "single-transaction", &single, NULL, "run all steps in one transaction", 0, 0, NULL },
		{ OPT_FLAG, 0, "allow-changed", &allow_changed, NULL,
		  "run although applied revisions changed (recorded in the history)", 0, 0, NULL },
		{ OPT_STRING, 0, "force-protected", &forced, "REASON",
		  "run on a protected environment (require_plan) anyway (reason recorded)", 0, 0, NULL },
		RUN_TIMEOUT_OPTIONS(ctx),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs)
		return cli_usage_error("downgrade", "downgrade needs a target (a revision, -1, or base)");
	o.target = args[0];
	if (forced && !*forced)
		return cli_usage_error("downgrade", "--force-protected needs a reason");
	o.force_protected = forced;
	if (sql && (rc = run_common_sql_range(&o, o.target, from, sizeof(from), "downgrade")) != 0)
		return rc;
	o.single_transaction = single;
	o.allow_changed = allow_changed;
	return run_common_execute(ctx, strata_downgrade, &o, RUN_READ_AHEAD, "reverted",
				  "nothing to revert");
}
