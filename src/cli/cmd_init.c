/*
 * cli/cmd_init.c - strata init [DIR]: start a project.
 *
 * Writes DIR/strata.ini (database from -d, default sqlite:strata.db) and
 * DIR/migrations/ with an empty strata.sum. Never overwrites.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/project.h"

int cmd_init(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1], *dir;
	size_t nargs;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 1, &nargs)) != 0)
		return rc;
	dir = nargs ? args[0] : ".";
	if (!strata_is_dir(dir) && (rc = strata_mkdir_p(dir)) < 0)
		return cli_report_error(rc);
	if ((rc = strata_project_init(dir, ctx->g.database)) < 0)
		return cli_report_error(rc);
	cli_info(ctx, "created %s/strata.ini and %s/migrations/\n"
		 "next: strata revision -m \"create first table\"", dir, dir);
	return EXIT_OK;
}
