/*
 * cli/cmd_import.c - strata import FORMAT SRC [--into DIR] [--dialect D]:
 * bring another tool's migration history into strata.
 *
 * Reads SRC in FORMAT (strata_import_read), writes the revision files and
 * strata.sum into DIR (default: the project's migrations folder), then
 * prints the report (text, or JSON with --json) on stdout. The dialect
 * picks the files of dialect-aware formats (pop) and what counts as a
 * statement that cannot run in a transaction; it defaults to the
 * configured database's engine. Bad input writes nothing and exits 2.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/import.h"

#include <stdlib.h>
#include <string.h>

int cmd_import(int argc, char **argv, cli_ctx *ctx)
{
	const char *into = NULL, *dialect = NULL, *args[2];
	strata_import_options opt = { NULL, 0 };
	strata_import_history *h = NULL;
	char *report = NULL;
	size_t nargs;
	int rc;
	static const char *const dialects[] = { "postgresql", "sqlite", NULL };
	const cli_option opts[] = {
		{ OPT_STRING, 0, "into", &into, "DIR",
		  "write the revisions there", 0, 0, NULL },
		CLI_ENUM(0, "dialect", &dialect, "DIALECT", dialects,
			 "postgresql or sqlite: which files of a dialect-aware format (pop) to "
			 "read; default: the database's engine"),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (nargs != 2)
		return cli_usage_error("import", "import needs FORMAT and SRC (the source's migrations folder)");
	if (!dialect)
		dialect = ctx->config->database && strncmp(ctx->config->database, "sqlite:", 7) == 0
				  ? "sqlite"
				  : "postgresql";
	opt.dialect = dialect;
	if ((rc = strata_import_read(&h, args[0], args[1], &opt)) < 0 ||
	    (rc = strata_import_write(h, into ? into : ctx->config->migrations)) < 0 ||
	    (rc = strata_import_report(&report, h, ctx->g.json)) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	fputs(report, stdout);
	cli_info(ctx, "wrote %zu revision file%s and strata.sum into %s", h->nsteps, h->nsteps == 1 ? "" : "s",
		 into ? into : ctx->config->migrations);
	rc = EXIT_OK;
done:
	free(report);
	strata_import_history_free(h);
	return rc;
}
