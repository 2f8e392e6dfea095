/*
 * cli/cmd_revision.c - strata revision -m MESSAGE: write a new revision file.
 *
 * The parent is --head (a revision, label, or "base"), else the single
 * head (or base in an empty folder). Several heads without --head is an
 * error that suggests `strata merge`. Prints the new file's path.
 *
 * --autogenerate writes the up and down SQL itself: the migrations are
 * replayed in one shadow database, schema.sql loaded into another, and the
 * diff between them (both ways) is the revision, or on PostgreSQL a chain
 * of up to three when changes to existing tables need the safe patterns
 * (strata/schema.h: NOT VALID, CONCURRENTLY, validation later). Nothing is
 * written when they already match.
 *
 * --template not-null TABLE COLUMN [--type TYPE] writes the three
 * revisions of the two-phase NOT NULL (schema/template.h) on the schema
 * the migrations build, with the backfill value left as <value>.
 */
#include "cli/cli.h"
#include "cli/schema_common.h"
#include "strata/error.h"
#include "strata/project.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The steps from the migrations to schema.sql (steps->n 0: they match).
 * Returns 0 or an exit code. */
static int autogenerate(cli_ctx *ctx, strata_schema_steps *steps, const char *schema_opt)
{
	strata_catalog *have = NULL, *want = NULL;
	const char *schema;
	int engine, rc;

	if ((rc = schema_desired_file(ctx, &schema, schema_opt, "to generate the revision from")) != 0)
		return rc;
	if (!ctx->config->database || !(engine = strata_db_engine_of(ctx->config->database)))
		return cli_usage_error("revision", "--autogenerate needs the project's database "
						   "(-d URL or database in strata.ini) for its engine");
	schema_guard_signals();
	if ((rc = schema_load_pair(ctx, &have, ctx->config->migrations, &want, schema, engine)) != 0)
		goto done;
	if ((rc = strata_schema_steps_plan(steps, have, want)) != 0)
		rc = cli_report_error(rc);
done:
	strata_catalog_free(have);
	strata_catalog_free(want);
	return rc;
}

/* The steps of --template NAME ARGS on the migrations' head; 0 or an exit code. */
static int template_steps(cli_ctx *ctx, strata_schema_steps *steps, const char *name, const char *const *args,
			  size_t nargs, const char *type)
{
	strata_catalog *have = NULL, *work = NULL;
	int engine, rc;

	if (strcmp(name, "not-null") != 0)
		return cli_usage_error("revision", "unknown template '%s' (known: not-null)", name);
	if (nargs != 2)
		return cli_usage_error("revision", "--template not-null takes TABLE COLUMN");
	if (!ctx->config->database || !(engine = strata_db_engine_of(ctx->config->database)))
		return cli_usage_error("revision", "--template needs the project's database "
						   "(-d URL or database in strata.ini) for its engine");
	schema_guard_signals();
	if ((rc = schema_load_pair(ctx, &have, ctx->config->migrations, &work,
				   ctx->config->migrations, engine)) != 0)
		goto done;
	if ((rc = strata_schema_template_not_null(steps, have, work, args[0], args[1], type)) != 0)
		rc = cli_report_error(rc);
done:
	strata_catalog_free(have);
	strata_catalog_free(work);
	return rc;
}

/* Undo a chain written part-way: its files go, strata.sum is written again. */
static void remove_written(cli_ctx *ctx, char **paths, size_t n)
{
	strata_error saved = *strata_error_last();

	for (size_t i = 0; i < n; i++)
		unlink(paths[i]);
	if (n && strata_sum_write(ctx->config->migrations) < 0)
		cli_warn("could not rewrite %s/strata.sum: %s", ctx->config->migrations,
			 strata_error_last()->message);
	strata_error_restore(&saved);
}

/*
 * One revision per step, each revising the one before; the first takes the
 * parents, dependencies and branch asked for. A chain's messages say which
 * step each is: "MESSAGE (2/3: concurrent indexes)". Prints each new
 * file's path; on failure the files already written are removed.
 */
static int write_steps(cli_ctx *ctx, strata_revision_spec spec, const strata_schema_steps *steps)
{
	char *paths[8] = { 0 }, ids[8][13], message[1024];
	const char *base_message = spec.message, *parent[1];
	int no_tx = !spec.transactional, rc = 0;
	size_t i, written = 0;

	if (steps->n > sizeof(paths) / sizeof(*paths))
		return cli_report_error(strata_error_set(STRATA_ERROR, "too many steps"));
	for (i = 0; i < steps->nnotes; i++)
		cli_info(ctx, "note: %s", steps->notes[i]);
	for (i = 0; i < steps->n; i++) {
		const strata_schema_step *st = &steps->v[i];

		if (steps->n > 1) {
			snprintf(message, sizeof(message), "%s (%zu/%zu: %s)", base_message, i + 1,
				 steps->n, st->label);
			spec.message = message;
		}
		if (i > 0) {
			parent[0] = ids[i - 1];
			spec.parents = parent;
			spec.nparents = 1;
			spec.depends_on = NULL;
			spec.ndepends_on = 0;
			spec.branch = NULL;
		}
		spec.transactional = st->transactional && !no_tx;
		spec.up_sql = st->up;
		spec.batch_sql = st->batch;
		spec.down_sql = spec.irreversible ? "" : st->down;
		if ((rc = strata_revision_write(&paths[i], ids[i], ctx->config->migrations, &spec)) < 0)
			break;
		written++;
	}
	if (rc < 0) {
		remove_written(ctx, paths, written);
		rc = cli_report_error(rc);
	} else {
		for (i = 0; i < written; i++)
			puts(paths[i]);
		for (i = 0; i < written; i++)
			cli_info(ctx, "created revision %s%s%s", ids[i],
				 steps->n > 1 ? ": " : "", steps->n > 1 ? steps->v[i].label : "");
	}
	for (i = 0; i < written; i++)
		free(paths[i]);
	return rc;
}

int cmd_revision(int argc, char **argv, cli_ctx *ctx)
{
	const char *message = NULL, *branch = NULL, *irreversible = NULL, *schema = NULL, *args[2];
	const char *template = NULL, *type = NULL;
	char default_message[256];
	cli_list heads_opt = { { 0 }, 0 }, depends = { { 0 }, 0 };
	const char *parents[64], *deps[64];
	int no_tx = 0, autogen = 0, no_cache = 0, rc;
	size_t nargs, nparents = 0, ndeps = 0;
	strata_revision_spec spec = { 0 };
	char *path = NULL, id[13];
	const cli_option opts[] = {
		{ OPT_STRING, 'm', "message", &message, "MESSAGE",
		  "what the revision does", 0, 0, NULL },
		{ OPT_LIST, 0, "head", &heads_opt, "REV",
		  "parent (repeatable; 'base' starts a new root)", 0, 0, NULL },
		{ OPT_STRING, 0, "branch", &branch, "LABEL",
		  "label the branch this revision starts", 0, 0, NULL },
		{ OPT_LIST, 0, "depends-on", &depends, "REV",
		  "an extra dependency edge (repeatable)", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-transaction", &no_tx, NULL,
		  "run outside a transaction (CREATE INDEX CONCURRENTLY)", 0, 0, NULL },
		{ OPT_STRING, 0, "irreversible", &irreversible, "REASON",
		  "no down section; downgrade stops here with REASON", 0, 0, NULL },
		{ OPT_FLAG, 0, "autogenerate", &autogen, NULL,
		  "write the up and down SQL from the diff between the migrations "
		  "(replayed in a shadow database) and schema.sql", 0, 0, NULL },
		{ OPT_STRING, 0, "schema", &schema, "SOURCE",
		  "the desired schema: a file, or exec: COMMAND ARGS (a schema provider; "
		  "default: schema in strata.ini)", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-cache", &no_cache, NULL,
		  "replay both sides; do not read or write .strata/cache", 0, 0, NULL },
		{ OPT_STRING, 0, "template", &template, "NAME",
		  "write a pattern's revisions; not-null TABLE COLUMN writes the three "
		  "revisions of a NOT NULL without a long lock: add (nullable) with a guard, "
		  "a batched backfill whose value is left as <value> for you to fill, then "
		  "validate and SET NOT NULL (SQLite: a table rebuild)", 0, 0, NULL },
		{ OPT_STRING, 0, "type", &type, "TYPE",
		  "with --template not-null: the type of a column that does not exist yet",
		  0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (!template && nargs)
		return cli_usage_error("revision", "unexpected argument '%s'", args[0]);
	if (template && autogen)
		return cli_usage_error("revision", "--template and --autogenerate cannot be combined");
	if (template && !message && nargs == 2) {
		snprintf(default_message, sizeof(default_message), "make %s.%s NOT NULL", args[0],
			 args[1]);
		message = default_message;
	}
	if (!message)
		return cli_usage_error("revision", "revision needs -m MESSAGE");
	if ((rc = schema_take_options(ctx, NULL, no_cache)) != 0)
		return rc;
	if ((schema || no_cache) && !autogen)
		return cli_usage_error("revision", "--schema and --no-cache go with --autogenerate");
	if (heads_opt.n) {
		if ((rc = resolve_all(ctx->graph, &heads_opt, parents, &nparents)) != 0)
			return rc;
	} else {
		const size_t *heads;
		size_t nheads = strata_graph_heads(&heads, ctx->graph), i;

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
	if (template) {
		strata_schema_steps steps = { 0 };

		if ((rc = template_steps(ctx, &steps, template, args, nargs, type)) == 0)
			rc = write_steps(ctx, spec, &steps);
		strata_schema_steps_release(&steps);
		if (rc == 0)
			cli_info(ctx, "replace <value> in the backfill revision with the value existing "
				 "rows get; until then lint, upgrade and --sql refuse it");
		return rc;
	}
	if (autogen) {
		strata_schema_steps steps = { 0 };

		if ((rc = autogenerate(ctx, &steps, schema)) == 0) {
			if (steps.n)
				rc = write_steps(ctx, spec, &steps);
			else
				cli_info(ctx, "the desired schema matches the migrations: no revision written");
		}
		strata_schema_steps_release(&steps);
		return rc;
	}
	rc = strata_revision_write(&path, id, ctx->config->migrations, &spec);
	if (rc < 0)
		return cli_report_error(rc);
	puts(path);
	cli_info(ctx, "created revision %s", id);
	free(path);
	return EXIT_OK;
}
