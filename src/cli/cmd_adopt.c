/*
 * cli/cmd_adopt.c - strata adopt FORMAT [--table NAME] [--registry FILE]
 *                   [--project NAME] [--force]
 *
 * Records, on the configured database, the strata state equivalent to
 * what another tool's bookkeeping says is applied (strata_import_adopt):
 * the version rows and one "adopted" history row per revision, without
 * running SQL and leaving the tool's table as it is. `strata upgrade`
 * goes on from there.
 */
#include "cli/run_common.h"
#include "strata/error.h"
#include "strata/import.h"

#include <jansson.h>
#include <stdio.h>

static void print_json(const strata_adopt_result *r, const char *format)
{
	json_t *o = json_object(), *adopted = json_array(), *heads = json_array();
	size_t i;

	for (i = 0; i < r->nadopted; i++)
		json_array_append_new(adopted, json_string(r->adopted[i]));
	for (i = 0; i < r->nheads; i++)
		json_array_append_new(heads, json_string(r->heads[i]));
	json_object_set_new(o, "format", json_string(format));
	json_object_set_new(o, "source", json_string(r->source));
	json_object_set_new(o, "adopted", adopted);
	json_object_set_new(o, "heads", heads);
	json_object_set_new(o, "unchanged", json_boolean(r->unchanged));
	cli_print_json(o);
}

int cmd_adopt(int argc, char **argv, cli_ctx *ctx)
{
	strata_adopt_options o = STRATA_ADOPT_OPTIONS_INIT;
	strata_adopt_result *r = NULL;
	const char *args[1];
	size_t nargs, i;
	int rc;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "table", &o.table, "NAME",
		  "the tool's table, when renamed (schema.table allowed)", 0, 0, NULL },
		{ OPT_STRING, 0, "registry", &o.registry, "REG",
		  "sqitch: its registry; on SQLite a file (default: sqitch.EXT beside the "
		  "database), on PostgreSQL a schema (default: sqitch)", 0, 0, NULL },
		{ OPT_STRING, 0, "project", &o.project, "NAME",
		  "sqitch: the project, when the registry holds several", 0, 0, NULL },
		{ OPT_FLAG, 0, "force", &o.force, NULL,
		  "replace the version rows strata already has", 0, 0, NULL },
		RUN_TIMEOUT_OPTIONS(ctx),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs)
		return cli_usage_error("adopt", "adopt needs a format: alembic, flyway, golang-migrate, "
				       "goose, dbmate, sqitch or pop");
	if ((rc = strata_import_adopt(&r, args[0], ctx->config, ctx->graph, &o)) < 0)
		return cli_report_error(rc);
	if (ctx->g.json) {
		print_json(r, args[0]);
	} else if (r->unchanged) {
		cli_info(ctx, "nothing to adopt: %s already records what %s says", ctx->config->version_table,
			 r->source);
	} else {
		strata_buf heads = STRATA_BUF_INIT;

		for (i = 0; i < r->nadopted; i++)
			puts(r->adopted[i]);
		for (i = 0; i < r->nheads; i++)
			strata_buf_printf(&heads, "%s%s", i ? ", " : "", r->heads[i]);
		cli_info(ctx, "adopted %zu revision(s) from %s; %s now at %s", r->nadopted, r->source,
			 ctx->config->version_table, heads.len ? strata_buf_cstr(&heads) : "base (nothing applied)");
		strata_buf_release(&heads);
	}
	strata_adopt_result_free(r);
	return EXIT_OK;
}
