/*
 * cli/cmd_verify.c - strata verify: is what ran what the files say?
 *
 * Checks, in order, and reports every finding (exit 1 if any):
 *  1. migrations/strata.sum matches the folder (before any database is touched);
 *  2. the revision graph has a single head (unless --allow-multiple-heads),
 *     and every revision is complete (SQL in its up section; a down section
 *     or an "irreversible" header);
 *  3. unless --offline: every applied revision's file still has the checksum
 *     recorded when it ran, and no non-transactional revision is left failed.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/project.h"

#include <jansson.h>
#include <stdlib.h>

int cmd_verify(int argc, char **argv, cli_ctx *ctx)
{
	int offline = 0, many_heads_ok = 0, rc, findings = 0;
	const char *args[1];
	char *report = NULL;
	const size_t *heads;
	size_t nargs, nheads, i;
	strata_status *st = NULL;
	json_t *out = NULL, *problems = NULL;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "offline", &offline, NULL, "check the files only, not the database", 0, 0, NULL },
		{ OPT_FLAG, 0, "allow-multiple-heads", &many_heads_ok, NULL,
		  "do not fail when the graph has several heads", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	if (ctx->g.json) {
		out = json_object();
		problems = json_array();
	}
	rc = strata_sum_check(&report, ctx->config->migrations);
	if (rc == STRATA_ECHECK) {
		findings++;
		if (problems)
			json_array_append_new(problems, json_pack("{s:s,s:s}", "check", "strata.sum",
								  "detail", report ? report : ""));
		else
			cli_report_error(rc);
	} else if (rc < 0) {
		free(report);
		json_decref(out);
		json_decref(problems);
		return cli_report_error(rc);
	}
	free(report);
	if ((rc = cli_load_graph(ctx)) != 0) {
		json_decref(out);
		json_decref(problems);
		return rc;
	}
	nheads = strata_graph_heads(&heads, ctx->graph);
	if (nheads > 1 && !many_heads_ok) {
		findings++;
		if (problems) {
			json_t *h = json_array();

			for (i = 0; i < nheads; i++)
				json_array_append_new(h, json_string(strata_graph_at(ctx->graph, heads[i])->revision));
			json_array_append_new(problems, json_pack("{s:s,s:o}", "check", "single-head", "heads", h));
		} else {
			fprintf(stderr, "strata: error: the revision graph has %zu heads:\n", nheads);
			for (i = 0; i < nheads; i++) {
				fputs("  ", stderr);
				cli_describe(stderr, ctx->graph, heads[i], 0);
			}
			fputs("hint: run 'strata merge -m \"merge heads\"' to join them\n", stderr);
		}
	}
	for (i = 0; i < strata_graph_count(ctx->graph); i++) {
		const strata_migration *m = strata_graph_at(ctx->graph, i);

		if (!m->incomplete)
			continue;
		findings++;
		if (problems)
			json_array_append_new(problems, json_pack("{s:s,s:s,s:s}", "check", "complete",
				"revision", m->revision, "detail", m->incomplete));
		else
			fprintf(stderr, "strata: error: %s (revision %s)\nhint: %s\n", m->incomplete,
				m->revision, m->incomplete_hint);
	}
	if (!offline) {
		if ((rc = strata_status_read(&st, ctx->config, ctx->graph, 0)) < 0) {
			json_decref(out);
			json_decref(problems);
			return cli_report_error(rc);
		}
		for (i = 0; i < st->nchanged; i++) {
			const strata_migration *m = strata_graph_at(ctx->graph, st->changed[i]);

			findings++;
			if (problems)
				json_array_append_new(problems, json_pack("{s:s,s:s,s:s,s:s,s:s}", "check",
					"applied-checksum", "revision", m->revision, "file", m->path,
					"recorded", st->changed_recorded[i], "current", m->checksum));
			else
				fprintf(stderr, "strata: error: revision %s (%s) changed since it was applied\n"
					"  recorded: %s\n  now:      %s\n", m->revision, m->path,
					st->changed_recorded[i], m->checksum);
		}
		if (st->failed >= 0 && st->failed_in_progress) {
			/* Not a finding: another run is applying it now and holds the lock. */
			if (!ctx->g.json)
				cli_info(ctx, "revision %s is being applied by another strata run right now "
					 "(started %s)", strata_graph_at(ctx->graph, (size_t)st->failed)->revision,
					 st->failed_at ? st->failed_at : "?");
		} else if (st->failed >= 0) {
			const strata_migration *m = strata_graph_at(ctx->graph, (size_t)st->failed);

			findings++;
			if (problems)
				json_array_append_new(problems, json_pack("{s:s,s:s,s:s?,s:s?}", "check",
					"failed-revision", "revision", m->revision, "error", st->failed_error,
					"statement", st->failed_statement));
			else
				fprintf(stderr, "strata: error: revision %s (%s) failed part-way: %s\n", m->revision,
					m->path, st->failed_error ? st->failed_error : "interrupted");
		}
		if (!ctx->g.json && st->nchanged)
			fputs("hint: restore the applied files from version control; if the change is "
			      "deliberate, 'strata upgrade --allow-changed' accepts it\n", stderr);
		strata_status_free(st);
	}
	if (out) {
		json_object_set_new(out, "ok", json_boolean(findings == 0));
		json_object_set_new(out, "problems", problems);
		cli_print_json(out);
	} else if (!findings) {
		cli_info(ctx, "ok: %zu revision(s) verified", strata_graph_count(ctx->graph));
	}
	return findings ? EXIT_CHECK : EXIT_OK;
}
