/*
 * cli/cmd_diff.c - strata diff FROM TO: the SQL that turns FROM's schema
 * into TO's. Each side is a database URL, a schema .sql file or a
 * migrations directory, or a schema provider "exec: COMMAND ARGS" (files,
 * providers' output and directories are loaded into shadow databases
 * first, or read from the snapshot cache when loaded before).
 */
#include "cli/schema_common.h"
#include "strata/error.h"
#include "util/buf.h"

#include <stdio.h>

int cmd_diff(int argc, char **argv, cli_ctx *ctx)
{
	int exit_code = 0, no_grants = 0, ext_versions = 0, no_cache = 0, engine, rc;
	sc_diff_options dopts = SC_DIFF_OPTIONS_INIT;
	sc_catalog *from = NULL, *to = NULL;
	sc_changes changes = { 0 };
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
	if ((rc = sc_diff(from, to, &dopts, &changes)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (ctx->g.json) {
		cli_print_json(schema_changes_json(&changes));
	} else {
		if (schema_changes_sql(&changes, &sql) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		fputs(buf_cstr(&sql), stdout);
	}
	cli_info(ctx, changes.n ? "%zu change(s)" : "no differences", changes.n);
	rc = exit_code && changes.n ? EXIT_CHECK : EXIT_OK;
done:
	buf_release(&sql);
	sc_changes_release(&changes);
	sc_catalog_free(from);
	sc_catalog_free(to);
	return rc;
}
