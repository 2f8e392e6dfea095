/*
 * cli/cmd_history.c - strata history [-r FROM:TO]: revisions, newest first.
 *
 * A range FROM:TO lists the revisions that are ancestors of TO (inclusive)
 * and not ancestors of FROM, plus FROM; either side may be empty ("base" /
 * "heads"). A side may also be relative to the database's state, as
 * upgrade and downgrade targets are: "current", "-N" (where downgrade -N
 * would go), "+N" (where upgrade +N would go); only then is the database
 * read (read-only). Otherwise only the migrations folder is read.
 *
 * --indicate-current (-i) reads the database too and marks each revision
 * with its state there: current (an applied head), applied, pending,
 * failed (a non-transactional revision stopped part-way), running (being
 * applied right now), and changed (applied, but its file changed since).
 * -v adds parents, file and created time.
 */
#include "cli/cli.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *revision_json(const strata_graph *g, size_t i)
{
	const strata_migration *m = strata_graph_at(g, i);
	json_t *o = json_object(), *rev = json_array(), *dep = json_array();
	const size_t *heads;
	size_t k, nheads = strata_graph_heads(&heads, g);
	int is_head = 0;

	for (k = 0; k < m->nrevises; k++)
		json_array_append_new(rev, json_string(m->revises[k]));
	for (k = 0; k < m->ndepends_on; k++)
		json_array_append_new(dep, json_string(m->depends_on[k]));
	for (k = 0; k < nheads; k++)
		is_head |= heads[k] == i;
	json_object_set_new(o, "revision", json_string(m->revision));
	json_object_set_new(o, "revises", rev);
	json_object_set_new(o, "depends_on", dep);
	json_object_set_new(o, "message", json_string(m->message));
	json_object_set_new(o, "branch", m->branch ? json_string(m->branch) : json_null());
	json_object_set_new(o, "tags", cli_tags_json(g, i));
	json_object_set_new(o, "head", json_boolean(is_head));
	json_object_set_new(o, "transactional", json_boolean(m->transactional));
	json_object_set_new(o, "irreversible", m->irreversible ? json_string(m->irreversible) : json_null());
	json_object_set_new(o, "file", json_string(m->path));
	json_object_set_new(o, "created", m->created ? json_string(m->created) : json_null());
	json_object_set_new(o, "checksum", json_string(m->checksum));
	return o;
}

/* Revision i's state in the database: current, applied, failed, running or pending. */
static const char *state_of(const strata_status *st, const unsigned char *current, size_t i)
{
	if (st->expanded[i]) /* an online revision: both versions live */
		return current[i] ? "current, expanded" : "expanded";
	if (current[i])
		return "current";
	if (st->applied[i])
		return "applied";
	if (st->failed == (long)i)
		return st->failed_in_progress ? "running" : "failed";
	return "pending";
}

static int changed(const strata_status *st, size_t i)
{
	for (size_t k = 0; k < st->nchanged; k++)
		if (st->changed[k] == i)
			return 1;
	return 0;
}

/* current[i] = 1 for the database's applied heads. */
static int mark_current(unsigned char *current, const strata_graph *g, const strata_status *st)
{
	size_t n = strata_graph_count(g), *heads, k, i;

	if (!(heads = calloc(n ? n : 1, sizeof(*heads))))
		return strata_error_set(STRATA_ERROR, "out of memory");
	k = strata_graph_applied_heads(heads, n, g, st->applied);
	for (i = 0; i < k && i < n; i++)
		current[heads[i]] = 1;
	free(heads);
	return 0;
}

static int relative(const char *bound)
{
	return bound[0] == '+' || bound[0] == '-' || strcmp(bound, "current") == 0;
}

/* The revisions up to bound (ancestors included) into set; the bound itself marked in tip. */
static int resolve_bound(unsigned char *set, unsigned char *tip, const strata_graph *g,
			 const strata_status *st, const char *bound)
{
	size_t n = strata_graph_count(g), *heads, k, i;
	int rc;

	if ((rc = strata_plan_state(set, g, st ? st->applied : NULL, bound)) < 0)
		return rc;
	if (!tip)
		return 0;
	if (!(heads = calloc(n ? n : 1, sizeof(*heads))))
		return strata_error_set(STRATA_ERROR, "out of memory");
	k = strata_graph_applied_heads(heads, n, g, set);
	for (i = 0; i < k && i < n; i++)
		tip[heads[i]] = 1;
	free(heads);
	return 0;
}

int cmd_history(int argc, char **argv, cli_ctx *ctx)
{
	const char *range = NULL, *args[1];
	unsigned char *upper = NULL, *lower = NULL, *from_tip = NULL, *current = NULL;
	strata_status *st = NULL;
	size_t nargs, n, i;
	int indicate = 0, rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'r', "rev-range", &range, "FROM:TO",
		  "only revisions in this range (FROM, TO: a revision, base, heads, current, -N, +N)", 0, 0, NULL },
		{ OPT_FLAG, 'i', "indicate-current", &indicate, NULL,
		  "mark each revision current, applied, pending or failed in the database", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	n = strata_graph_count(ctx->graph);
	upper = calloc(n ? n : 1, 1);
	lower = calloc(n ? n : 1, 1);
	from_tip = calloc(n ? n : 1, 1);
	current = calloc(n ? n : 1, 1);
	if (!upper || !lower || !from_tip || !current) {
		rc = EXIT_RUNTIME;
		goto done;
	}
	memset(upper, 1, n);
	if (range) {
		const char *colon = strchr(range, ':');
		char from[128] = "";
		const char *to;

		if (!colon || (size_t)(colon - range) >= sizeof(from)) {
			rc = cli_usage_error("history", "range '%s' must be FROM:TO", range);
			goto done;
		}
		memcpy(from, range, (size_t)(colon - range));
		to = colon + 1;
		if ((relative(from) || relative(to)) &&
		    (rc = strata_status_read(&st, ctx->config, ctx->graph, 0)) < 0) {
			rc = cli_report_error(rc);
			goto done;
		}
		if ((*to && (rc = resolve_bound(upper, NULL, ctx->graph, st, to)) < 0) ||
		    (*from && (rc = resolve_bound(lower, from_tip, ctx->graph, st, from)) < 0)) {
			rc = cli_report_error(rc);
			goto done;
		}
	}
	if (indicate && ((!st && (rc = strata_status_read(&st, ctx->config, ctx->graph, 0)) < 0) ||
			 (rc = mark_current(current, ctx->graph, st)) < 0)) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (i = n; i-- > 0;) {
			json_t *o;

			if (!upper[i] || (lower[i] && !from_tip[i]))
				continue;
			o = revision_json(ctx->graph, i);
			if (indicate) {
				json_object_set_new(o, "state", json_string(state_of(st, current, i)));
				json_object_set_new(o, "changed", json_boolean(changed(st, i)));
			}
			json_array_append_new(arr, o);
		}
		cli_print_json(arr);
	} else {
		for (i = n; i-- > 0;) {
			char mark[32];

			if (!upper[i] || (lower[i] && !from_tip[i]))
				continue;
			if (indicate)
				snprintf(mark, sizeof(mark), "%s%s", state_of(st, current, i),
					 changed(st, i) ? ", changed" : "");
			cli_describe_marked(stdout, ctx->graph, i, ctx->g.verbose, indicate ? mark : NULL);
		}
	}
	rc = EXIT_OK;
done:
	free(current);
	strata_status_free(st);
	free(upper);
	free(lower);
	free(from_tip);
	return rc;
}
