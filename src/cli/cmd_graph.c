/*
 * cli/cmd_graph.c - strata graph --format dot|mermaid: the revision graph.
 *
 * Nodes are revisions (id and message; heads, branch labels and release
 * tags marked), solid edges run parent -> child, dashed edges are
 * depends-on. The dot output renders with Graphviz; the mermaid output
 * with any Mermaid viewer.
 */
#include "cli/cli.h"

#include <string.h>

/* Labels go inside double quotes: escape quotes and backslashes, drop control characters. */
static void put_label(const char *s, int mermaid)
{
	for (; *s; s++) {
		if (*s == '"')
			fputs(mermaid ? "#quot;" : "\\\"", stdout);
		else if (*s == '\\' && !mermaid)
			fputs("\\\\", stdout);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, stdout);
	}
}

int cmd_graph(int argc, char **argv, cli_ctx *ctx)
{
	const char *format = "dot", *args[1];
	const size_t *heads;
	size_t nargs, n, i, k, nheads;
	int rc, mermaid;
	static const char *const formats[] = { "dot", "mermaid", NULL };
	const cli_option opts[] = {
		CLI_ENUM('f', "format", &format, "FORMAT", formats, "dot (default) or mermaid"),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	mermaid = format[0] == 'm';
	n = strata_graph_count(ctx->graph);
	nheads = strata_graph_heads(&heads, ctx->graph);
	puts(mermaid ? "flowchart BT" : "digraph strata {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];");
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(ctx->graph, i);
		int is_head = 0;

		for (k = 0; k < nheads; k++)
			is_head |= heads[k] == i;
		printf(mermaid ? "  r%s[\"" : "  \"%s\" [label=\"", m->revision);
		fputs(m->revision, stdout);
		fputs(mermaid ? "<br/>" : "\\n", stdout);
		put_label(m->message, mermaid);
		if (m->branch) {
			fputs(mermaid ? "<br/>branch " : "\\nbranch ", stdout);
			put_label(m->branch, mermaid);
		}
		for (k = 0; k < strata_graph_tag_count(ctx->graph); k++) {
			size_t rev;
			const char *tag = strata_graph_tag(&rev, ctx->graph, k);

			if (rev != i)
				continue;
			fputs(mermaid ? "<br/>tag " : "\\ntag ", stdout);
			put_label(tag, mermaid);
		}
		if (mermaid)
			printf("\"]%s\n", is_head ? ":::head" : "");
		else
			printf("\"%s];\n", is_head ? ", style=bold" : m->nrevises > 1 ? ", shape=ellipse" : "");
	}
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(ctx->graph, i);

		for (k = 0; k < m->nrevises; k++)
			printf(mermaid ? "  r%s --> r%s\n" : "  \"%s\" -> \"%s\";\n", m->revises[k], m->revision);
		for (k = 0; k < m->ndepends_on; k++)
			printf(mermaid ? "  r%s -.-> r%s\n" : "  \"%s\" -> \"%s\" [style=dashed];\n",
			       m->depends_on[k], m->revision);
	}
	puts(mermaid ? "  classDef head stroke-width:3px;" : "}");
	return EXIT_OK;
}
