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
	const cli_option opts[] = {
		{ OPT_STRING, 'f', "format", &format, "FORMAT", "dot (Graphviz, default) or mermaid" },
		{ OPT_FLAG, 0, "all-columns", &all, NULL, "show every column, not just key columns" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (strcmp(format, "dot") != 0 && strcmp(format, "mermaid") != 0)
		return cli_usage_error("erd", "unknown format '%s': use dot or mermaid", format);
	if ((rc = cli_load_config(ctx)) != 0)
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
