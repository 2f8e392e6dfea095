/*
 * cli/cmd_dump.c - strata dump [SOURCE]: a schema as canonical SQL.
 *
 * The output creates every object in dependency order, in a stable order
 * (the same schema always dumps to the same bytes), and loads into an
 * empty database. SOURCE defaults to the configured database.
 */
#include "cli/schema_common.h"
#include "strata/error.h"
#include "util/buf.h"
#include "util/fs.h"

#include <stdio.h>

int cmd_dump(int argc, char **argv, cli_ctx *ctx)
{
	const char *output = NULL, *args[1], *source;
	sc_catalog *cat = NULL, *empty = NULL;
	sc_changes changes = { 0 };
	strata_buf sql = STRATA_BUF_INIT;
	size_t nargs;
	int engine, rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'o', "output", &output, "FILE", "write to FILE instead of stdout" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	source = nargs ? args[0] : ctx->config->database;
	if (!source)
		return cli_usage_error("dump", "no database: pass -d URL or a SOURCE");
	if (!(engine = schema_engine(ctx, &source, 1)))
		return EXIT_USAGE;
	schema_guard_signals();
	if ((rc = schema_load(ctx, &cat, source, engine)) != 0)
		goto done;
	if (!(empty = sc_catalog_new(engine)) || sc_catalog_finish(empty) != 0 ||
	    (rc = sc_diff(empty, cat, NULL, &changes)) != 0 || sc_changes_sql(&changes, &sql) != 0) {
		rc = cli_report_error(rc ? rc : STRATA_ERROR);
		goto done;
	}
	if (output) {
		if ((rc = fs_write_file(output, sql.ptr ? sql.ptr : "", sql.len)) != 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	} else {
		fputs(buf_cstr(&sql), stdout);
	}
	rc = EXIT_OK;
done:
	buf_release(&sql);
	sc_changes_release(&changes);
	sc_catalog_free(cat);
	sc_catalog_free(empty);
	return rc;
}
