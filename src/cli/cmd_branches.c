/*
 * cli/cmd_branches.c - strata branches: branch points and branch labels.
 *
 * For each revision with several children: the revision, then each child
 * branch. Then each branch label with the head it leads to.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>

int cmd_branches(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1];
	size_t nargs, n, nb, i, k, *points;
	json_t *arr = NULL;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 0, &nargs)) != 0)
		return rc;
	n = strata_graph_count(ctx->graph);
	if (!(points = calloc(n ? n : 1, sizeof(size_t))))
		return EXIT_RUNTIME;
	nb = strata_graph_branchpoints(points, n, ctx->graph);
	if (ctx->g.json)
		arr = json_array();
	for (i = 0; i < nb; i++) {
		const size_t *kids;
		size_t nk = strata_graph_children(&kids, ctx->graph, points[i]);
		const strata_migration *m = strata_graph_at(ctx->graph, points[i]);

		if (arr) {
			json_t *o = json_object(), *ch = json_array();

			for (k = 0; k < nk; k++)
				json_array_append_new(ch, json_string(strata_graph_at(ctx->graph, kids[k])->revision));
			json_object_set_new(o, "revision", json_string(m->revision));
			json_object_set_new(o, "message", json_string(m->message));
			json_object_set_new(o, "children", ch);
			json_array_append_new(arr, o);
			continue;
		}
		cli_describe(stdout, ctx->graph, points[i], 0);
		for (k = 0; k < nk; k++) {
			fputs("  -> ", stdout);
			cli_describe(stdout, ctx->graph, kids[k], 0);
		}
	}
	if (arr) {
		cli_print_json(arr);
	} else {
		for (i = 0; i < n; i++) {
			const strata_migration *m = strata_graph_at(ctx->graph, i);

			if (m->branch)
				printf("branch %s: starts at %s\n", m->branch, m->revision);
		}
	}
	free(points);
	return EXIT_OK;
}
