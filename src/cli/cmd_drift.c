/*
 * cli/cmd_drift.c - strata drift: does the live database still have the
 * schema its migrations made?
 *
 * The revisions the database has applied (its version table) are replayed
 * into a shadow database, and the two schemas compared. Exit 0 when they
 * match, 1 with a report of every difference when they do not. --sql
 * prints the SQL that brings the database back to what the migrations say.
 *
 * --schema SOURCE compares the database with a desired schema instead of
 * its migrations: a schema file or a provider (exec: COMMAND, e.g. the
 * application's ORM models), so "does production have what the models
 * describe?" is one command.
 */
#include "cli/schema_common.h"
#include "strata/drift.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdio.h>

/* How a change from the migrations' schema to the live one reads. */
static const char *describe(const strata_change_info *ch)
{
	switch (ch->op) {
	case STRATA_CHANGE_CREATE: return "extra";
	case STRATA_CHANGE_DROP: return "missing";
	default: return "changed";
	}
}

int cmd_drift(int argc, char **argv, cli_ctx *ctx)
{
	strata_catalog *expected = NULL, *live = NULL;
	strata_changes *changes = NULL, *fix = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	strata_status *st = NULL;
	size_t ndiff = 0, nargs;
	int want_sql = 0, no_cache = 0, engine, rc;
	const char *args[1], *schema = NULL, *against = "its migrations";
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "sql", &want_sql, NULL,
		  "print the SQL that brings the database back to the migrations", 0, 0, NULL },
		{ OPT_STRING, 0, "schema", &schema, "SOURCE",
		  "compare with a desired schema (a file or exec: COMMAND) instead of the migrations", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "replay in a shadow, not reading or writing .strata/cache", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if (schema && (rc = cli_load_config(ctx)) != 0)
		return rc;
	if (!schema && ((rc = cli_load_graph(ctx)) != 0 || (rc = cli_check_sum(ctx)) != 0))
		return rc;
	if ((rc = schema_take_options(ctx, NULL, no_cache)) != 0)
		return rc;
	if (schema)
		against = "the desired schema";
	if (!(engine = strata_db_engine_of(ctx->database)))
		return cli_report_error(strata_error_set(STRATA_EINVALID, "unknown database form"));
	schema_guard_signals();
	if ((schema ? ((rc = strata_catalog_load(&expected, schema, engine, ctx->config)) != 0 ||
		       (rc = strata_catalog_load_database(&live, ctx->database, ctx->config)) != 0)
		    : (rc = strata_drift_catalogs(&expected, &live, &st, ctx->config, ctx->graph)) != 0) ||
	    (rc = strata_schema_diff(&changes, expected, live, NULL)) != 0 ||
	    (want_sql && (rc = strata_schema_diff(&fix, live, expected, NULL)) != 0)) {
		rc = cli_report_error(rc);
		goto done;
	}
	for (size_t i = 0; i < strata_changes_count(changes); i++) {
		strata_change_info ch;

		strata_changes_get(&ch, changes, i);
		ndiff += !ch.consequential;
	}
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < strata_changes_count(changes); i++) {
			strata_change_info ch;

			strata_changes_get(&ch, changes, i);
			if (!ch.consequential)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?}", "difference",
								     describe(&ch), "kind", ch.kind,
								     "object", ch.object, "detail",
								     ch.detail));
		}
		cli_print_json(json_pack("{s:b, s:o}", "drift", ndiff > 0, "differences", arr));
	} else if (want_sql) {
		if (strata_changes_sql(&sql, fix) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		fputs(strata_buf_cstr(&sql), stdout);
	} else if (ndiff) {
		printf("drift: %zu difference(s) between the database and %s:\n", ndiff, against);
		for (size_t i = 0; i < strata_changes_count(changes); i++) {
			strata_change_info ch;

			strata_changes_get(&ch, changes, i);
			if (!ch.consequential)
				printf("  %-8s %s %s%s%s\n", describe(&ch), ch.kind, ch.object,
				       ch.op == STRATA_CHANGE_ALTER && ch.detail ? ": " : "",
				       ch.op == STRATA_CHANGE_ALTER && ch.detail ? ch.detail : "");
		}
		printf("  (extra: in the database, not in %s; missing: in %s, not in the database)\n",
		       against, against);
		fprintf(stderr, "hint: 'strata drift%s%s --sql' prints the SQL that brings the "
			"database back to %s\n", schema ? " --schema " : "", schema ? "SOURCE" : "",
			against);
	} else if (schema) {
		printf("no drift: the database matches the desired schema\n");
	} else {
		printf("no drift: the database matches its migrations (%zu applied head(s))\n",
		       st->nversions);
	}
	rc = ndiff ? EXIT_CHECK : EXIT_OK;
done:
	strata_status_free(st);
	strata_buf_release(&sql);
	strata_changes_free(changes);
	strata_changes_free(fix);
	strata_catalog_free(expected);
	strata_catalog_free(live);
	return rc;
}
