/*
 * cli/cmd_heads.c - strata heads: the revisions nothing else builds on.
 */
#include "cli/cli.h"

#include <jansson.h>

int cmd_heads(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1];
	const size_t *heads;
	size_t nargs, n, i;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 0, &nargs)) != 0)
		return rc;
	n = strata_graph_heads(&heads, ctx->graph);
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			const strata_migration *m = strata_graph_at(ctx->graph, heads[i]);
			json_t *o = json_object();

			json_object_set_new(o, "revision", json_string(m->revision));
			json_object_set_new(o, "message", json_string(m->message));
			json_object_set_new(o, "branch", m->branch ? json_string(m->branch) : json_null());
			json_array_append_new(arr, o);
		}
		cli_print_json(arr);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		cli_describe(stdout, ctx->graph, heads[i], ctx->g.verbose);
	if (n > 1)
		cli_info(ctx, "%zu heads: run 'strata merge -m MESSAGE' to join them", n);
	return EXIT_OK;
}
