/*
 * cli/cmd_stamp.c - strata stamp TARGET [--purge]
 *
 * Sets the version table to TARGET's state without running any SQL, and
 * records a "stamped" history row for each revision whose state changes.
 * Also resolves a failed non-transactional revision that was finished by hand.
 * On a protected environment (require_plan) it runs only with
 * --force-protected REASON, recorded in the rows it writes.
 */
#include "cli/run_common.h"

int cmd_stamp(int argc, char **argv, cli_ctx *ctx)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	int purge = 0, rc;
	const char *args[1], *forced = NULL;
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "purge", &purge, NULL,
		  "replace the version rows even if they name unknown revisions", 0, 0, NULL },
		{ OPT_STRING, 0, "force-protected", &forced, "REASON",
		  "run on a protected environment (require_plan) anyway (reason recorded)", 0, 0, NULL },
		RUN_TIMEOUT_OPTIONS(ctx),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs)
		return cli_usage_error("stamp", "stamp needs a target (a revision, heads, or base)");
	o.target = args[0];
	if (forced && !*forced)
		return cli_usage_error("stamp", "--force-protected needs a reason");
	o.force_protected = forced;
	o.purge = purge;
	return run_common_execute(ctx, strata_stamp, &o, 0, "stamped",
				  "nothing to stamp: already there");
}
