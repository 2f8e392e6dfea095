/*
 * cli/cmd_erd.c - strata erd [SOURCE] --format dot|mermaid: the schema's
 * tables, key columns and foreign keys as a diagram. SOURCE defaults to
 * the configured database; a schema file or migrations directory works
 * too. `strata erd | dot -Tsvg > schema.svg` renders it.
 */
#include "cli/schema_common.h"
#include "strata/error.h"

#include <stdio.h>
#include <string.h>

int cmd_erd(int argc, char **argv, cli_ctx *ctx)
{
	const char *format = "dot", *args[1], *source;
	strata_buf out = STRATA_BUF_INIT;
	strata_catalog *cat = NULL;
	int all = 0, engine, rc;
	size_t nargs;
	static const char *const formats[] = { "dot", "mermaid", NULL };
	const cli_option opts[] = {
		CLI_ENUM('f', "format", &format, "FORMAT", formats, "dot (Graphviz, default) or mermaid"),
		{ OPT_FLAG, 0, "all-columns", &all, NULL, "show every column, not just key columns", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	source = nargs ? args[0] : ctx->config->database;
	if (!source)
		return cli_usage_error("erd", "no database: pass -d URL or a SOURCE");
	if (!(engine = schema_engine(ctx, &source, 1)))
		return EXIT_USAGE;
	schema_guard_signals();
	if ((rc = schema_load(ctx, &cat, source, engine)) != 0)
		return rc;
	if ((rc = strata_schema_erd(&out, cat, format, all)) != 0)
		rc = cli_report_error(rc);
	else
		fputs(strata_buf_cstr(&out), stdout);
	strata_buf_release(&out);
	strata_catalog_free(cat);
	return rc;
}
