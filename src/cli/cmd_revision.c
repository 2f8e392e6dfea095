/*
 * cli/cmd_revision.c - strata revision -m MESSAGE: write a new revision file.
 *
 * The parent is --head (a revision, label, or "base"), else the single
 * head (or base in an empty folder). Several heads without --head is an
 * error that suggests `strata merge`. Prints the new file's path.
 *
 * --autogenerate writes the up and down SQL itself: the migrations are
 * replayed in one shadow database, schema.sql loaded into another, and the
 * diff between them (both ways) is the revision. Nothing is written when
 * they already match.
 */
#include "cli/cli.h"
#include "cli/schema_common.h"
#include "db/db.h"
#include "strata/error.h"
#include "strata/project.h"

#include <stdlib.h>
#include <string.h>

/* Resolve names (ids, prefixes, labels) to full ids; "base" gives none. */
static int resolve_all(const strata_graph *g, const cli_list *names, const char **out, size_t *n)
{
	size_t i, idx;
	int rc;

	*n = 0;
	for (i = 0; i < names->n; i++) {
		if (strcmp(names->items[i], "base") == 0)
			continue;
		if ((rc = strata_graph_lookup(&idx, g, names->items[i])) < 0)
			return cli_report_error(rc);
		out[(*n)++] = strata_graph_at(g, idx)->revision;
	}
	return 0;
}

/* Fill up/down from the diff between the migrations and schema.sql.
 * Returns 0, an exit code, or -1 when there is nothing to write. */
static int autogenerate(cli_ctx *ctx, strata_buf *up, strata_buf *down)
{
	sc_catalog *have = NULL, *want = NULL;
	sc_changes fwd = { 0 }, back = { 0 };
	const char *schema;
	int engine, rc;

	if ((rc = schema_desired_file(ctx, &schema, NULL, "to generate the revision from")) != 0)
		return rc;
	if (!ctx->config->database || !(engine = db_engine_of(ctx->config->database)))
		return cli_usage_error("revision", "--autogenerate needs the project's database "
						   "(-d URL or database in strata.ini) for its engine");
	schema_guard_signals();
	if ((rc = schema_load_pair(ctx, &have, ctx->config->migrations, &want, schema, engine)) != 0)
		goto done;
	if ((rc = sc_diff(have, want, NULL, &fwd)) != 0 || (rc = sc_diff(want, have, NULL, &back)) != 0 ||
	    (rc = schema_changes_sql(&fwd, up)) != 0 || (rc = schema_changes_sql(&back, down)) != 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	rc = fwd.n ? 0 : -1;
done:
	sc_changes_release(&fwd);
	sc_changes_release(&back);
	sc_catalog_free(have);
	sc_catalog_free(want);
	return rc;
}

int cmd_revision(int argc, char **argv, cli_ctx *ctx)
{
	const char *message = NULL, *branch = NULL, *irreversible = NULL, *args[1];
	cli_list heads_opt = { { 0 }, 0 }, depends = { { 0 }, 0 };
	const char *parents[64], *deps[64];
	int no_tx = 0, autogen = 0, rc;
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT;
	size_t nargs, nparents = 0, ndeps = 0;
	strata_revision_spec spec = { 0 };
	char *path = NULL, id[13];
	const cli_option opts[] = {
		{ OPT_STRING, 'm', "message", &message, "MESSAGE", "what the revision does" },
		{ OPT_LIST, 0, "head", &heads_opt, "REV", "parent revision (default: the single head; 'base' for a new root)" },
		{ OPT_STRING, 0, "branch", &branch, "LABEL", "label this revision's branch" },
		{ OPT_LIST, 0, "depends-on", &depends, "REV", "an extra dependency (repeatable)" },
		{ OPT_FLAG, 0, "no-transaction", &no_tx, NULL, "run outside a transaction (CREATE INDEX CONCURRENTLY)" },
		{ OPT_STRING, 0, "irreversible", &irreversible, "REASON", "mark as irreversible (no down section)" },
		{ OPT_FLAG, 0, "autogenerate", &autogen, NULL, "write the SQL from the diff between the migrations and schema.sql" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if (!message)
		return cli_usage_error("revision", "revision needs -m MESSAGE");
	if ((rc = cli_load_graph(ctx)) != 0)
		return rc;
	if (heads_opt.n) {
		if ((rc = resolve_all(ctx->graph, &heads_opt, parents, &nparents)) != 0)
			return rc;
	} else {
		const size_t *heads;
		size_t nheads = strata_graph_heads(ctx->graph, &heads), i;

		if (nheads > 1) {
			fprintf(stderr, "strata: error: there are %zu heads; which one does this revision build on?\n", nheads);
			for (i = 0; i < nheads; i++) {
				fputs("  ", stderr);
				cli_describe(stderr, ctx->graph, heads[i], 0);
			}
			fputs("hint: pass --head REV, or join them first with 'strata merge -m MESSAGE'\n", stderr);
			return EXIT_USAGE;
		}
		if (nheads == 1)
			parents[nparents++] = strata_graph_at(ctx->graph, heads[0])->revision;
	}
	if ((rc = resolve_all(ctx->graph, &depends, deps, &ndeps)) != 0)
		return rc;
	spec.message = message;
	spec.parents = parents;
	spec.nparents = nparents;
	spec.depends_on = deps;
	spec.ndepends_on = ndeps;
	spec.branch = branch;
	spec.transactional = !no_tx;
	spec.irreversible = irreversible;
	if (irreversible)
		spec.down_sql = "";
	if (autogen) {
		if ((rc = autogenerate(ctx, &up, &down)) != 0) {
			buf_release(&up);
			buf_release(&down);
			if (rc < 0) {
				cli_info(ctx, "schema.sql matches the migrations: no revision written");
				return EXIT_OK;
			}
			return rc;
		}
		spec.up_sql = buf_cstr(&up);
		spec.down_sql = irreversible ? "" : buf_cstr(&down);
	}
	rc = strata_revision_write(&path, id, ctx->config->migrations, &spec);
	buf_release(&up);
	buf_release(&down);
	if (rc < 0)
		return cli_report_error(rc);
	puts(path);
	cli_info(ctx, "created revision %s", id);
	free(path);
	return EXIT_OK;
}
