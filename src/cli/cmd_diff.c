/*
 * cli/cmd_diff.c - strata diff FROM TO: the SQL that turns FROM's schema
 * into TO's. Each side is a database URL, a schema .sql file or a
 * migrations directory, or a schema provider "exec: COMMAND ARGS" (files,
 * providers' output and directories are loaded into shadow databases
 * first, or read from the snapshot cache when loaded before).
 */
#include "cli/schema_common.h"
#include "strata/error.h"

#include <stdio.h>

int cmd_diff(int argc, char **argv, cli_ctx *ctx)
{
	int exit_code = 0, no_grants = 0, ext_versions = 0, no_cache = 0, engine, rc;
	strata_diff_options dopts = STRATA_DIFF_OPTIONS_INIT;
	strata_catalog *from = NULL, *to = NULL;
	strata_changes *changes = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	const char *args[2];
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "exit-code", &exit_code, NULL,
		  "exit 1 when there are differences", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-grants", &no_grants, NULL,
		  "leave GRANT/REVOKE out", 0, 0, NULL },
		{ OPT_FLAG, 0, "extension-versions", &ext_versions, NULL,
		  "compare extension versions too", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "load into shadows; do not read or write .strata/cache", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (nargs != 2)
		return cli_usage_error("diff", "diff needs FROM and TO");
	if ((rc = schema_take_options(ctx, NULL, no_cache)) != 0)
		return rc;
	if (!(engine = schema_engine(ctx, args, 2)))
		return EXIT_USAGE;
	schema_guard_signals();
	dopts.with_grants = !no_grants;
	dopts.extension_versions = ext_versions;
	if ((rc = schema_load_pair(ctx, &from, args[0], &to, args[1], engine)) != 0)
		goto done;
	if ((rc = strata_schema_diff(&changes, from, to, &dopts)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (ctx->g.json) {
		cli_print_json(schema_changes_json(changes));
	} else {
		if (strata_changes_sql(&sql, changes) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		fputs(strata_buf_cstr(&sql), stdout);
	}
	cli_info(ctx, strata_changes_count(changes) ? "%zu change(s)" : "no differences",
		 strata_changes_count(changes));
	rc = exit_code && strata_changes_count(changes) ? EXIT_CHECK : EXIT_OK;
done:
	strata_buf_release(&sql);
	strata_changes_free(changes);
	strata_catalog_free(from);
	strata_catalog_free(to);
	return rc;
}
