/*
 * cli/cmd_show.c - strata show REV: one revision's header and SQL.
 */
#include "cli/cli.h"
#include "strata/error.h"

#include <jansson.h>

int cmd_show(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1];
	size_t nargs, idx;
	const strata_migration *m;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs)
		return cli_usage_error("show", "show needs a revision");
	if ((rc = strata_graph_lookup(&idx, ctx->graph, args[0])) < 0)
		return cli_report_error(rc);
	m = strata_graph_at(ctx->graph, idx);
	if (ctx->g.json) {
		json_t *o = json_object();

		json_object_set_new(o, "revision", json_string(m->revision));
		json_object_set_new(o, "message", json_string(m->message));
		json_object_set_new(o, "file", json_string(m->path));
		json_object_set_new(o, "checksum", json_string(m->checksum));
		json_object_set_new(o, "transactional", json_boolean(m->transactional));
		json_object_set_new(o, "up", json_stringn(m->text + m->up_offset, m->up_len));
		json_object_set_new(o, "down", json_stringn(m->text + m->down_offset, m->down_len));
		cli_print_json(o);
		return EXIT_OK;
	}
	cli_describe(stdout, ctx->graph, idx, 1);
	printf("    checksum: %s\n\n", m->checksum);
	fwrite(m->text, 1, m->text_len, stdout);
	if (m->text_len && m->text[m->text_len - 1] != '\n')
		fputc('\n', stdout);
	return EXIT_OK;
}
