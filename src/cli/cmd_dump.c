/*
 * cli/cmd_dump.c - strata dump [SOURCE]: a schema as canonical SQL.
 *
 * The output creates every object in dependency order, in a stable order
 * (the same schema always dumps to the same bytes), and loads into an
 * empty database. SOURCE defaults to the configured database.
 */
#include "cli/schema_common.h"
#include "strata/error.h"

#include <stdio.h>

int cmd_dump(int argc, char **argv, cli_ctx *ctx)
{
	const char *output = NULL, *args[1], *source;
	strata_catalog *cat = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	size_t nargs;
	int engine, rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'o', "output", &output, "FILE", "write to FILE instead of stdout", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	source = nargs ? args[0] : ctx->config->database;
	if (!source)
		return cli_usage_error("dump", "no database: pass -d URL or a SOURCE");
	if (!(engine = schema_engine(ctx, &source, 1)))
		return EXIT_USAGE;
	schema_guard_signals();
	if ((rc = schema_load(ctx, &cat, source, engine)) != 0)
		goto done;
	if ((rc = strata_schema_dump(&sql, cat)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (output) {
		if ((rc = strata_file_write(output, sql.ptr ? sql.ptr : "", sql.len)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	} else {
		fputs(strata_buf_cstr(&sql), stdout);
	}
	rc = EXIT_OK;
done:
	strata_buf_release(&sql);
	strata_catalog_free(cat);
	return rc;
}
