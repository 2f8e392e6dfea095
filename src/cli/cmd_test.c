/*
 * cli/cmd_test.c - strata test: prove on a shadow database that the
 * migrations go up, come down without a trace and match the declared
 * schema.
 *
 * The engine is the library's (strata/test.h, src/test/): this file
 * parses the options, runs strata_test_run() and prints its report, as
 * text (one PASS, FAIL or SKIP line per check, each failure below it) or
 * with --json as one object. Exit 1 when a check failed.
 */
#include "cli/cli.h"
#include "cli/schema_common.h"
#include "strata/error.h"
#include "strata/test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --only NAME[,NAME...] (repeatable) as a bit set of checks; 0 = all. */
static int select_checks(unsigned *checks, const cli_list *only)
{
	*checks = 0;
	for (size_t k = 0; k < only->n; k++) {
		const char *p = only->items[k];

		while (*p) {
			size_t len = strcspn(p, ",");
			int c = strata_test_check_lookup(p, len);

			if (c < 0)
				return cli_usage_error("test",
						       "unknown check '%.*s' (single-head, upgrade, stairway, "
						       "down-leaves-no-trace, schema-matches, data-survives, lint)",
						       (int)len, p);
			*checks |= 1u << c;
			p += len + (p[len] == ',');
		}
	}
	return 0;
}

static const char *status_of(const strata_test_result *r)
{
	return r->nfailures ? "fail" : r->skipped ? "skipped" : "pass";
}

static void print_failure_text(const strata_graph *g, const strata_test_failure *f)
{
	if (f->revision) {
		long i = strata_graph_index(g, f->revision);
		const char *msg = i >= 0 ? strata_graph_at(g, (size_t)i)->message : "";

		printf("  revision %s%s%s%s: %s\n", f->revision, *msg ? " (" : "", msg, *msg ? ")" : "",
		       f->message);
	} else {
		printf("  %s\n", f->message);
	}
	for (size_t d = 0; d < f->ndifferences; d++) {
		const strata_test_difference *x = &f->differences[d];

		printf("    %s %s %s%s%s\n", x->difference, x->kind, x->object, x->detail ? ": " : "",
		       x->detail ? x->detail : "");
	}
}

static void print_text(const strata_test_report *r, const strata_graph *g)
{
	size_t run = 0;

	for (int c = 0; c < STRATA_TEST_NCHECKS; c++) {
		const strata_test_result *res = strata_test_report_result(r, (strata_test_check)c);
		const char *name = strata_test_check_name((strata_test_check)c);

		if (!res->enabled)
			continue;
		run++;
		if (res->nfailures)
			printf("FAIL %s\n", name);
		else if (res->skipped)
			printf("SKIP %s: %s\n", name, res->skipped);
		else
			printf("PASS %s\n", name);
		for (size_t k = 0; k < res->nfailures; k++)
			print_failure_text(g, &res->failures[k]);
	}
	printf("%zu of %zu check(s) failed; %zu revision(s), %.0f ms\n", strata_test_report_failed(r),
	       run, strata_test_report_revisions(r), strata_test_report_elapsed_ms(r));
}

static json_t *failure_json(const strata_test_failure *f)
{
	json_t *o = json_pack("{s:s}", "message", f->message);

	if (f->revision)
		json_object_set_new(o, "revision", json_string(f->revision));
	if (f->ndifferences) {
		json_t *arr = json_array();

		for (size_t d = 0; d < f->ndifferences; d++) {
			const strata_test_difference *x = &f->differences[d];

			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?}", "difference",
							     x->difference, "kind", x->kind, "object",
							     x->object, "detail", x->detail));
		}
		json_object_set_new(o, "differences", arr);
	}
	return o;
}

static void print_json(const strata_test_report *r)
{
	json_t *checks = json_array();

	for (int c = 0; c < STRATA_TEST_NCHECKS; c++) {
		const strata_test_result *res = strata_test_report_result(r, (strata_test_check)c);
		json_t *failures = json_array();

		if (!res->enabled) {
			json_decref(failures);
			continue;
		}
		for (size_t k = 0; k < res->nfailures; k++)
			json_array_append_new(failures, failure_json(&res->failures[k]));
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s?, s:o}", "name",
							strata_test_check_name((strata_test_check)c),
							"status", status_of(res), "reason",
							res->nfailures ? NULL : res->skipped,
							"failures", failures));
	}
	cli_print_json(json_pack("{s:b, s:s, s:I, s:f, s:o}", "passed",
				 strata_test_report_failed(r) == 0, "engine",
				 strata_test_report_engine(r), "revisions",
				 (json_int_t)strata_test_report_revisions(r), "elapsed_ms",
				 strata_test_report_elapsed_ms(r), "checks", checks));
}

int cmd_test(int argc, char **argv, cli_ctx *ctx)
{
	strata_test_options to = STRATA_TEST_OPTIONS_INIT;
	strata_test_report *report = NULL;
	const char *from_arg = NULL, *schema = NULL;
	long want_heads = 0;
	int whole = 0, keep_going = 0, no_cache = 0;
	cli_list only = { { 0 }, 0 };
	size_t nargs;
	const char *args[1];
	int rc;
	const cli_option opts[] = {
		{ OPT_LIST, 0, "only", &only, "NAME", "run only this check (repeatable; or NAME,NAME)", 0, 0, NULL },
		{ OPT_STRING, 0, "from", &from_arg, "REV",
		  "walk the revisions from REV on (those before it are applied unchecked)", 0, 0, NULL },
		CLI_INT(0, "heads", &want_heads, "N", 1, 1000,
			"the number of heads expected (default: [test] heads in strata.ini, else 1)"),
		{ OPT_FLAG, 0, "whole-snapshots", &whole, NULL,
		  "PostgreSQL: snapshot the whole schema, not what each revision names (slower)", 0, 0, NULL },
		{ OPT_FLAG, 0, "keep-going", &keep_going, NULL,
		  "walk on past a failing step and report every one (exit status still 1)", 0, 0, NULL },
		{ OPT_STRING, 0, "schema", &schema, "SOURCE",
		  "schema-matches compares with this: a file or exec: COMMAND (default: schema in strata.ini)", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "load the desired schema in a shadow, not reading or writing .strata/cache", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = select_checks(&to.checks, &only)) != 0)
		return rc;
	to.heads = (int)want_heads;
	if ((rc = schema_take_options(ctx, schema, no_cache)) != 0)
		return rc;
	to.from = from_arg;
	to.whole_snapshots = whole;
	to.keep_going = keep_going;
	/* -d names a scratch database to run on; without it, a shadow. */
	to.on_database = ctx->g.database != NULL;

	schema_guard_signals();
	if ((rc = strata_test_run(&report, &to, ctx->config, ctx->graph, NULL, NULL)) != 0)
		return cli_report_error(rc);
	if (ctx->g.json)
		print_json(report);
	else
		print_text(report, ctx->graph);
	rc = strata_test_report_failed(report) ? EXIT_CHECK : EXIT_OK;
	strata_test_report_free(report);
	return rc;
}
