/*
 * cli/cmd_tag.c - strata tag [NAME [REV]] [-d NAME]: release tags.
 *
 *   strata tag                 list the tags, oldest revision first (--json too)
 *   strata tag NAME [REV]      tag REV (default: the single head) as NAME
 *   strata tag -d NAME         delete the tag NAME
 *
 * Tags live in migrations/strata.tags (see strata/project.h); strata.sum
 * records that file. Only the migrations folder is read or written. Here
 * -d is --delete; the database option is spelled --database.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/project.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct tag_row {
	const char *name;
	size_t revision;
} tag_row;

static int cmp_row(const void *a, const void *b)
{
	const tag_row *x = a, *y = b;

	if (x->revision != y->revision)
		return x->revision < y->revision ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Tags in apply order of their revisions (then by name). */
static int list_tags(cli_ctx *ctx)
{
	const strata_graph *g = ctx->graph;
	size_t n = strata_graph_tag_count(g), i;
	tag_row *rows = calloc(n ? n : 1, sizeof(*rows));
	json_t *arr = ctx->g.json ? json_array() : NULL;

	if (!rows)
		return cli_report_error(strata_error_set(STRATA_ERROR, "out of memory"));
	for (i = 0; i < n; i++)
		rows[i].name = strata_graph_tag(&rows[i].revision, g, i);
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_row);
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(g, rows[i].revision);

		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "tag", rows[i].name,
							     "revision", m->revision, "message",
							     m->message));
		else
			printf("%-16s %s %s\n", rows[i].name, m->revision, m->message);
	}
	if (arr)
		cli_print_json(arr);
	else if (!n)
		cli_info(ctx, "no tags yet: `strata tag NAME` tags the head");
	free(rows);
	return EXIT_OK;
}

int cmd_tag(int argc, char **argv, cli_ctx *ctx)
{
	const char *del = NULL, *args[2];
	size_t nargs, idx;
	int rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'd', "delete", &del, "NAME",
		  "delete the tag NAME (here -d is not --database)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (del && nargs)
		return cli_usage_error("tag", "-d NAME takes no other argument");
	if (del) {
		if ((rc = strata_tag_delete(ctx->config->migrations, ctx->graph, del)) < 0)
			return cli_report_error(rc);
		cli_info(ctx, "deleted tag %s", del);
		return EXIT_OK;
	}
	if (!nargs)
		return list_tags(ctx);
	if ((rc = strata_tag_add(ctx->config->migrations, ctx->graph, args[0],
				 nargs > 1 ? args[1] : NULL)) < 0)
		return cli_report_error(rc);
	if (strata_graph_lookup(&idx, ctx->graph, nargs > 1 ? args[1] : "head") == 0)
		cli_info(ctx, "tagged %s as %s", strata_graph_at(ctx->graph, idx)->revision, args[0]);
	return EXIT_OK;
}
