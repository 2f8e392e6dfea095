/*
 * cli/cmd_merge.c - strata merge -m MESSAGE [REV...]: join heads.
 *
 * Writes a revision whose parents are the given revisions, or every head
 * when none are given (at least two are needed). Its up and down sections
 * are empty comments: a merge usually has no SQL of its own.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/project.h"

#include <stdlib.h>

int cmd_merge(int argc, char **argv, cli_ctx *ctx)
{
	const char *message = NULL, *args[64], *parents[64];
	size_t nargs, n = 0, i, idx;
	strata_revision_spec spec = { 0 };
	char *path = NULL, id[13];
	int rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'm', "message", &message, "MESSAGE", "what the merge joins", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 64, &nargs)) != 0)
		return rc;
	if (!message)
		return cli_usage_error("merge", "merge needs -m MESSAGE");
	if (nargs) {
		for (i = 0; i < nargs; i++) {
			if ((rc = strata_graph_lookup(&idx, ctx->graph, args[i])) < 0)
				return cli_report_error(rc);
			parents[n++] = strata_graph_at(ctx->graph, idx)->revision;
		}
	} else {
		const size_t *heads;
		size_t nheads = strata_graph_heads(&heads, ctx->graph);

		for (i = 0; i < nheads && i < 64; i++)
			parents[n++] = strata_graph_at(ctx->graph, heads[i])->revision;
	}
	if (n < 2)
		return cli_usage_error("merge", "a merge needs at least two revisions (there %s %zu head%s)",
				       n == 1 ? "is" : "are", n, n == 1 ? "" : "s");
	spec.message = message;
	spec.parents = parents;
	spec.nparents = n;
	spec.transactional = 1;
	spec.up_sql = "-- merge: no SQL of its own";
	spec.down_sql = "-- merge: no SQL of its own";
	if ((rc = strata_revision_write(&path, id, ctx->config->migrations, &spec)) < 0)
		return cli_report_error(rc);
	puts(path);
	cli_info(ctx, "created merge revision %s of %zu heads", id, n);
	free(path);
	return EXIT_OK;
}
