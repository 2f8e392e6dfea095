/*
 * cli/cmd_current.c - strata current: the revisions the database is at.
 *
 * Prints the applied heads (one per line), or nothing when no revision is
 * applied; --json gives {"database", "heads": [...], "pending": N, ...}.
 * Warns about a failed non-transactional revision and changed files.
 *
 * -v/--verbose also shows each head's parents, file, created time, and
 * when, by whom and from where it was applied (or stamped), from the
 * history; --json always has those.
 */
#include "cli/cli.h"
#include "strata/audit.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/*
 * The history row that made revision applied, as it now is: the newest up
 * row applied, stamped or accepted, or none (*out NULL) when the history
 * has no such row.
 */
static int applied_row(strata_audit **audit, const strata_audit_entry **out, cli_ctx *ctx,
		       const char *revision)
{
	strata_audit_options o = STRATA_AUDIT_OPTIONS_INIT;
	int rc;

	*out = NULL;
	o.revision = revision;
	if ((rc = strata_audit_read(audit, ctx->config, &o)) < 0)
		return rc;
	for (size_t i = 0; i < (*audit)->n && !*out; i++) {
		const strata_audit_entry *e = &(*audit)->entries[i];

		if ((strcmp(e->direction, "up") == 0 &&
		     (strcmp(e->outcome, "applied") == 0 || strcmp(e->outcome, "stamped") == 0 ||
		      strcmp(e->outcome, "expanded") == 0 || strcmp(e->outcome, "contracted") == 0 ||
		      strcmp(e->outcome, "expanding") == 0)) ||
		    strcmp(e->outcome, "adopted") == 0)
			*out = e;
	}
	return 0;
}

static json_t *applied_json(const strata_audit_entry *e)
{
	if (!e)
		return json_null();
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "outcome", e->outcome, "started_at",
			 e->started_at, "db_user", e->db_user, "client_host", e->client_host,
			 "tool_version", e->tool_version, "note", e->note);
}

static void print_applied(const strata_audit_entry *e)
{
	if (!e) {
		puts("    applied: (the history has no row for it)");
		return;
	}
	printf("    %s: %s by %s on %s (strata %s)\n", e->outcome, e->started_at,
	       e->db_user ? e->db_user : "?", e->client_host ? e->client_host : "?",
	       e->tool_version ? e->tool_version : "?");
	if (e->note)
		printf("    note: %s\n", e->note);
}

int cmd_current(int argc, char **argv, cli_ctx *ctx)
{
	strata_status *st = NULL;
	const char *args[1];
	size_t nargs, i, n, pending = 0;
	size_t *heads = NULL;
	int rc;

	if ((rc = cli_parse(argc, argv, NULL, ctx, args, 0, &nargs)) != 0)
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
	n = strata_graph_applied_heads(heads, n, ctx->graph, st->applied);
	if (ctx->g.json) {
		json_t *root = json_object(), *arr = json_array();
		strata_buf shown = STRATA_BUF_INIT;

		strata_redact_conninfo(&shown, ctx->config->database);
		json_object_set_new(root, "database", json_string(strata_buf_cstr(&shown)));
		strata_buf_release(&shown);
		for (i = 0; i < n; i++) {
			const strata_migration *m = strata_graph_at(ctx->graph, heads[i]);
			const strata_audit_entry *row;
			strata_audit *audit = NULL;
			json_t *h = json_object();

			if ((rc = applied_row(&audit, &row, ctx, m->revision)) < 0) {
				json_decref(h);
				json_decref(arr);
				json_decref(root);
				goto fail;
			}
			json_object_set_new(h, "revision", json_string(m->revision));
			json_object_set_new(h, "message", json_string(m->message));
			json_object_set_new(h, "file", json_string(m->path));
			json_object_set_new(h, "created",
					    m->created ? json_string(m->created) : json_null());
			json_object_set_new(h, "applied", applied_json(row));
			json_array_append_new(arr, h);
			strata_audit_free(audit);
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
		for (i = 0; i < n; i++) {
			const strata_audit_entry *row;
			strata_audit *audit = NULL;

			cli_describe(stdout, ctx->graph, heads[i], ctx->g.verbose);
			if (!ctx->g.verbose)
				continue;
			if ((rc = applied_row(&audit, &row, ctx,
					      strata_graph_at(ctx->graph, heads[i])->revision)) < 0)
				goto fail;
			print_applied(row);
			strata_audit_free(audit);
		}
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
	for (i = 0; i < strata_graph_count(ctx->graph); i++)
		if (st->expanded[i])
			cli_info(ctx, "online revision %s is expanded: both versions are live until it is "
				 "contracted (by the upgrade past a revision that says 'contracts: %s', or "
				 "'strata online complete')", strata_graph_at(ctx->graph, i)->revision,
				 strata_graph_at(ctx->graph, i)->revision);
	for (i = 0; i < st->nchanged; i++)
		cli_warn("revision %s changed since it was applied",
			 strata_graph_at(ctx->graph, st->changed[i])->revision);
	free(heads);
	strata_status_free(st);
	return EXIT_OK;
fail:
	rc = cli_report_error(rc);
	free(heads);
	strata_status_free(st);
	return rc;
}
