/*
 * cli/cmd_baseline.c - strata baseline: adopt a database that was built
 * without strata.
 *
 * Reads the live schema, writes it as the project's first revision (up:
 * the canonical dump; down: dropping all of it) and stamps the database at
 * that revision, so that later revisions build on what is there. Only
 * for a project with no revisions yet; the database's data is untouched.
 */
#include "cli/schema_common.h"
#include "strata/error.h"
#include "strata/project.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_baseline(int argc, char **argv, cli_ctx *ctx)
{
	const char *message = "baseline", *args[1];
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT;
	strata_revision_spec spec = { 0 };
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res;
	strata_graph *g = NULL;
	strata_catalog *cat = NULL;
	char *path = NULL, id[13];
	size_t nargs;
	int rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'm', "message", &message, "MESSAGE", "the revision's message (default: baseline)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if (strata_graph_count(ctx->graph) > 0) {
		fprintf(stderr, "strata: error: %s already has %zu revision(s); a baseline is the first one\n",
			ctx->config->migrations, strata_graph_count(ctx->graph));
		fputs("hint: to record the current schema on top, use 'strata revision --autogenerate'; "
		      "'strata drift' shows what differs\n",
		      stderr);
		return EXIT_USAGE;
	}
	if ((rc = strata_catalog_load_database(&cat, ctx->database, ctx->config)) != 0 ||
	    (rc = strata_schema_dump(&up, cat)) != 0 || (rc = strata_schema_drop_all(&down, cat)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (!up.len) {
		fputs("strata: error: the database has no schema objects to baseline\n", stderr);
		fputs("hint: start with 'strata revision -m MESSAGE' instead\n", stderr);
		rc = EXIT_USAGE;
		goto done;
	}
	spec.message = message;
	spec.transactional = 1;
	spec.up_sql = strata_buf_cstr(&up);
	spec.down_sql = strata_buf_cstr(&down);
	if ((rc = strata_revision_write(&path, id, ctx->config->migrations, &spec)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	puts(path);
	/* Stamp, with the graph as it now is. */
	if ((rc = strata_graph_load(&g, ctx->config->migrations)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	cli_run_options(&o, ctx);
	o.target = id;
	o.note = "strata baseline: the existing database adopted at this revision";
	if ((rc = strata_stamp(&res, ctx->config, g, &o)) != 0) {
		rc = cli_report_error(rc);
		fprintf(stderr, "hint: the revision was written; stamp the database with 'strata stamp %s'\n", id);
		goto done;
	}
	cli_info(ctx, "wrote revision %s from the live schema and stamped the database at it", id);
	rc = EXIT_OK;
done:
	strata_graph_free(g);
	free(path);
	strata_buf_release(&up);
	strata_buf_release(&down);
	strata_catalog_free(cat);
	return rc;
}
