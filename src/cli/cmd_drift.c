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
#include "db/db.h"
#include "strata/error.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdio.h>

/* How a change from the migrations' schema to the live one reads. */
static const char *describe(const sc_change *ch)
{
	switch (ch->op) {
	case SC_OP_CREATE: return "extra";
	case SC_OP_DROP: return "missing";
	default: return "changed";
	}
}

static int expected_catalog(cli_ctx *ctx, sc_catalog **out, int engine, strata_status **st)
{
	int rc = strata_status_read(st, ctx->config, ctx->graph, 0);

	if (rc != 0)
		return rc;
	return schema_load_applied(out, ctx->config, ctx->graph, *st, engine);
}

int cmd_drift(int argc, char **argv, cli_ctx *ctx)
{
	sc_catalog *expected = NULL, *live = NULL;
	sc_changes changes = { 0 }, fix = { 0 };
	strata_buf sql = STRATA_BUF_INIT;
	strata_status *st = NULL;
	size_t ndiff = 0, nargs;
	int want_sql = 0, no_cache = 0, engine, rc;
	const char *args[1], *schema = NULL, *against = "its migrations";
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "sql", &want_sql, NULL,
		  "print the SQL that brings the database back to the migrations" },
		{ OPT_STRING, 0, "schema", &schema, "SOURCE",
		  "compare with a desired schema (a file or exec: COMMAND) instead of the migrations" },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "replay in a shadow, not reading or writing .strata/cache" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
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
	if (!ctx->config->database)
		return cli_usage_error("drift", "no database: pass -d URL or set database in strata.ini");
	if (!(engine = db_engine_of(ctx->config->database)))
		return cli_report_error(strata_error_set(STRATA_EINVALID, "unknown database form"));
	schema_guard_signals();
	if ((schema ? (rc = sc_load(&expected, schema, engine, ctx->config))
		    : (rc = expected_catalog(ctx, &expected, engine, &st))) != 0 ||
	    (rc = sc_load_database(&live, ctx->config->database, ctx->config)) != 0 ||
	    (rc = sc_diff(expected, live, NULL, &changes)) != 0 ||
	    (want_sql && (rc = sc_diff(live, expected, NULL, &fix)) != 0)) {
		rc = cli_report_error(rc);
		goto done;
	}
	for (size_t i = 0; i < changes.n; i++)
		ndiff += !changes.v[i].consequential;
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < changes.n; i++) {
			const sc_change *ch = &changes.v[i];

			if (!ch->consequential)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?}", "difference",
								     describe(ch), "kind",
								     sc_kind_name(ch->kind), "object",
								     ch->object, "detail", ch->detail));
		}
		cli_print_json(json_pack("{s:b, s:o}", "drift", ndiff > 0, "differences", arr));
	} else if (want_sql) {
		if (schema_changes_sql(&fix, &sql) != 0) {
			rc = cli_report_error(STRATA_ERROR);
			goto done;
		}
		fputs(buf_cstr(&sql), stdout);
	} else if (ndiff) {
		printf("drift: %zu difference(s) between the database and %s:\n", ndiff, against);
		for (size_t i = 0; i < changes.n; i++) {
			const sc_change *ch = &changes.v[i];

			if (!ch->consequential)
				printf("  %-8s %s %s%s%s\n", describe(ch), sc_kind_name(ch->kind),
				       ch->object, ch->op == SC_OP_ALTER && ch->detail ? ": " : "",
				       ch->op == SC_OP_ALTER && ch->detail ? ch->detail : "");
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
	buf_release(&sql);
	sc_changes_release(&changes);
	sc_changes_release(&fix);
	sc_catalog_free(expected);
	sc_catalog_free(live);
	return rc;
}
