/*
 * cli/cmd_check.c - strata check [--schema FILE]: do the migrations make
 * the desired schema?
 *
 * The migrations are replayed, up to their heads, in one shadow database
 * and the schema file (--schema, else strata.ini's schema) is loaded into
 * another, as `revision --autogenerate` does; the change list between
 * them is what `strata diff MIGRATIONS SCHEMA` prints. Exit 0 with a
 * "no differences" line when they match; exit 1 with the changes (the SQL
 * a new revision would need) when they do not; 2 with no schema file or a
 * bad migration; 3 when a shadow database cannot be made or loaded. The
 * project's database is never touched: it only names the engine.
 */
#include "cli/schema_common.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdio.h>

int cmd_check(int argc, char **argv, cli_ctx *ctx)
{
	const char *schema_opt = NULL, *schema, *args[1];
	strata_catalog *have = NULL, *want = NULL;
	strata_changes *changes = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	size_t nargs;
	int engine, no_cache = 0, rc;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "schema", &schema_opt, "SOURCE",
		  "the desired schema, a file or exec: COMMAND (default: schema in strata.ini, schema.sql)", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL, "replay both sides, not reading or writing .strata/cache", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = schema_take_options(ctx, NULL, no_cache)) != 0)
		return rc;
	if ((rc = schema_desired_file(ctx, &schema, schema_opt, "to check the migrations against")) != 0)
		return rc;
	if (!(engine = strata_db_engine_of(ctx->database)))
		return cli_usage_error("check", "check needs the project's database (-d URL or "
						"database in strata.ini) for its engine");
	schema_guard_signals();
	if ((rc = schema_load_pair(ctx, &have, ctx->config->migrations, &want, schema, engine)) != 0)
		goto done;
	if ((rc = strata_schema_diff(&changes, have, want, NULL)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (ctx->g.json) {
		cli_print_json(json_pack("{s:s, s:s, s:b, s:o}", "schema", schema_shown(schema), "migrations",
					 ctx->config->migrations, "match", strata_changes_count(changes) == 0, "changes",
					 schema_changes_json(changes)));
	} else if (strata_changes_count(changes)) {
		if (strata_changes_sql(&sql, changes) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		fputs(strata_buf_cstr(&sql), stdout);
		fprintf(stderr, "strata check: %zu difference(s): the migrations do not make the "
			"schema in %s\n", strata_changes_count(changes), schema_shown(schema));
		fputs("hint: the SQL above is what is missing; write it as a revision with "
		      "'strata revision --autogenerate -m MESSAGE'\n", stderr);
	} else {
		printf("no differences: the migrations make the schema in %s\n", schema_shown(schema));
	}
	rc = strata_changes_count(changes) ? EXIT_CHECK : EXIT_OK;
done:
	strata_buf_release(&sql);
	strata_changes_free(changes);
	strata_catalog_free(have);
	strata_catalog_free(want);
	return rc;
}
