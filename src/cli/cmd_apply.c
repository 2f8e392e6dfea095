/*
 * cli/cmd_apply.c - strata apply FILE
 *
 * Runs a reviewed plan written by `strata plan -o FILE` exactly as written,
 * with upgrade's run lock, transactions, bookkeeping and the plan's
 * lock_timeout; refuses (exit 1, nothing run) when the body was edited,
 * the database is another one, or its state or schema moved since the
 * plan (strata/planfile.h). A downgrade's plan (`strata plan --down`)
 * reverts its steps the same way.
 */
#include "cli/run_common.h"
#include "strata/error.h"
#include "strata/planfile.h"

#include <string.h>

#define MAX_PLAN_BYTES (256u << 20)

int cmd_apply(int argc, char **argv, cli_ctx *ctx)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res = { 0 };
	strata_planfile *p = NULL;
	strata_buf text = STRATA_BUF_INIT;
	const char *args[1], *skip = NULL;
	size_t nargs;
	int rc;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "skip-promotion-check", &skip, "REASON",
		  "apply although the upstream environment has not applied the revisions", 0, 0, NULL },
		{ OPT_STRING, 0, "lock-wait", &ctx->lock_wait, "DURATION",
		  "how long to wait for another strata run (default 60s)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (nargs != 1)
		return cli_usage_error("apply", "apply needs the plan file 'strata plan -o FILE' wrote");
	if (skip && !*skip)
		return cli_usage_error("apply", "--skip-promotion-check needs a reason");
	if ((rc = strata_file_read(&text, args[0], MAX_PLAN_BYTES)) < 0 ||
	    (rc = strata_planfile_parse(&p, text.ptr ? text.ptr : "", text.len, args[0])) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	cli_run_options(&o, ctx);
	o.skip_promotion_check = skip;
	rc = strata_plan_apply(&res, ctx->config, ctx->graph, p, args[0], &o);
	rc = run_common_report(ctx, rc, &res, &o, p->down ? "reverted" : "applied",
			       "the plan has no steps: nothing to do");
done:
	strata_planfile_free(p);
	strata_buf_release(&text);
	return rc;
}
