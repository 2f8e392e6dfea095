/*
 * cli/cmd_current.c - strata current: the revisions the database is at.
 *
 * Prints the applied heads (one per line), or nothing when no revision is
 * applied; --json gives {"database", "heads": [...], "pending": N, ...}.
 * Warns about a failed non-transactional revision and changed files.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int cmd_current(int argc, char **argv, cli_ctx *ctx)
{
	strata_status *st = NULL;
	const char *args[1];
	size_t nargs, i, n, pending = 0;
	size_t *heads = NULL;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 0, &nargs)) != 0)
		return rc;
	if ((rc = cli_load_graph(ctx)) != 0)
		return rc;
	if ((rc = strata_status_read(&st, ctx->config, ctx->graph, 0)) < 0)
		return cli_report_error(rc);
	n = strata_graph_count(ctx->graph);
	heads = calloc(n ? n : 1, sizeof(size_t));
	if (!heads) {
		strata_status_free(st);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++)
		pending += !st->applied[i];
	n = strata_graph_applied_heads(ctx->graph, st->applied, heads, n);
	if (ctx->g.json) {
		json_t *root = json_object(), *arr = json_array();
		strata_buf shown = STRATA_BUF_INIT;

		redact_conninfo(&shown, ctx->config->database);
		json_object_set_new(root, "database", json_string(buf_cstr(&shown)));
		buf_release(&shown);
		for (i = 0; i < n; i++) {
			const strata_migration *m = strata_graph_at(ctx->graph, heads[i]);
			json_t *h = json_object();

			json_object_set_new(h, "revision", json_string(m->revision));
			json_object_set_new(h, "message", json_string(m->message));
			json_object_set_new(h, "file", json_string(m->path));
			json_array_append_new(arr, h);
		}
		json_object_set_new(root, "heads", arr);
		json_object_set_new(root, "pending", json_integer((json_int_t)pending));
		json_object_set_new(root, "changed", json_integer((json_int_t)st->nchanged));
		json_object_set_new(root, "failed", st->failed >= 0 && !st->failed_in_progress
			? json_string(strata_graph_at(ctx->graph, (size_t)st->failed)->revision)
			: json_null());
		json_object_set_new(root, "running", st->failed >= 0 && st->failed_in_progress
			? json_string(strata_graph_at(ctx->graph, (size_t)st->failed)->revision)
			: json_null());
		cli_print_json(root);
	} else {
		for (i = 0; i < n; i++)
			cli_describe(stdout, ctx->graph, heads[i], ctx->g.verbose);
		if (!n)
			cli_info(ctx, "no revision applied (%zu pending)", pending);
		else if (pending)
			cli_info(ctx, "%zu revision(s) pending", pending);
	}
	if (st->failed >= 0 && st->failed_in_progress)
		cli_warn("revision %s is being applied by another strata run right now (started %s)",
			 strata_graph_at(ctx->graph, (size_t)st->failed)->revision,
			 st->failed_at ? st->failed_at : "?");
	else if (st->failed >= 0)
		cli_warn("revision %s failed part-way; see 'strata upgrade' for how to resolve it",
			 strata_graph_at(ctx->graph, (size_t)st->failed)->revision);
	for (i = 0; i < st->nchanged; i++)
		cli_warn("revision %s changed since it was applied",
			 strata_graph_at(ctx->graph, st->changed[i])->revision);
	free(heads);
	strata_status_free(st);
	return EXIT_OK;
}
