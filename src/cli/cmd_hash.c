/*
 * cli/cmd_hash.c - strata hash: rewrite migrations/strata.sum.
 *
 * For files added or edited by hand on purpose; `revision` and `merge`
 * keep it current themselves.
 */
#include "cli/cli.h"
#include "strata/project.h"

int cmd_hash(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1];
	size_t nargs;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = strata_sum_write(ctx->config->migrations)) < 0)
		return cli_report_error(rc);
	cli_info(ctx, "wrote %s/%s", ctx->config->migrations, STRATA_SUM_FILE);
	return EXIT_OK;
}
