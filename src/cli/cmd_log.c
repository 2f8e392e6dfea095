/*
 * cli/cmd_log.c - strata log: the database's audit trail, newest first.
 *
 *   strata log [--since TIME|AGE] [--revision REV] [--outcome OUTCOME] [-n N] [--json]
 *
 * Every step strata ran or recorded on the database (strata/audit.h reads
 * them): when, which way, the revision and its message (from the file,
 * when the migrations folder has it), the outcome, how long, who and from
 * where, which strata, the error and failing statement of a failure, and
 * the note of anything unusual. Read-only. --revision takes what other
 * commands take (an id, a unique prefix, a branch label); a revision whose
 * file is gone is still found by its id or a prefix of it. Without a
 * migrations folder the log is still shown, without messages.
 */
#include "cli/cli.h"
#include "strata/audit.h"
#include "strata/error.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *number_or_null(long long v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static const strata_migration *file_of(const strata_graph *g, const char *revision)
{
	long i = g && revision ? strata_graph_index(g, revision) : -1;

	return i >= 0 ? strata_graph_at(g, (size_t)i) : NULL;
}

static json_t *entry_json(const strata_audit_entry *e, const strata_graph *g)
{
	const strata_migration *m = file_of(g, e->revision);
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer((json_int_t)e->id));
	json_object_set_new(o, "started_at", string_or_null(e->started_at));
	json_object_set_new(o, "finished_at", string_or_null(e->finished_at));
	json_object_set_new(o, "direction", string_or_null(e->direction));
	json_object_set_new(o, "revision", string_or_null(e->revision));
	json_object_set_new(o, "message", string_or_null(m ? m->message : NULL));
	json_object_set_new(o, "file", string_or_null(m ? m->path : NULL));
	json_object_set_new(o, "outcome", string_or_null(e->outcome));
	json_object_set_new(o, "duration_ms", number_or_null(e->duration_ms));
	json_object_set_new(o, "statements_run", number_or_null(e->statements_run));
	json_object_set_new(o, "db_user", string_or_null(e->db_user));
	json_object_set_new(o, "client_host", string_or_null(e->client_host));
	json_object_set_new(o, "tool_version", string_or_null(e->tool_version));
	json_object_set_new(o, "checksum", string_or_null(e->checksum));
	json_object_set_new(o, "error", string_or_null(e->error));
	json_object_set_new(o, "failed_statement", string_or_null(e->failed_statement));
	json_object_set_new(o, "note", string_or_null(e->note));
	return o;
}

/* "label: text", continuation lines of text indented under it. */
static void print_block(const char *label, const char *text)
{
	printf("    %s: ", label);
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			fputs("      ", stdout);
	}
	if (!*text || text[strlen(text) - 1] != '\n')
		putchar('\n');
}

/* Whether the step ran SQL (stamps and acceptances run none). */
static int ran_sql(const strata_audit_entry *e)
{
	return strcmp(e->outcome, "stamped") != 0 && strcmp(e->outcome, "accepted") != 0 &&
	       strcmp(e->outcome, "adopted") != 0;
}

static void print_entry(const strata_audit_entry *e, const strata_graph *g)
{
	const strata_migration *m = file_of(g, e->revision);
	const char *t = e->started_at ? e->started_at : "?";
	const char *dot = strchr(t, '.');
	int failure = e->error || e->failed_statement;

	/* The time to the second: "2026-03-04T05:06:07Z". */
	printf("%.*s%s  %-11s  %-4s  %s  %s\n", dot ? (int)(dot - t) : (int)strlen(t), t,
	       dot ? "Z" : "", e->outcome, e->direction, e->revision,
	       m ? m->message : g ? "(not in the migrations folder)" : "");
	printf("    by %s on %s, strata %s", e->db_user ? e->db_user : "?",
	       e->client_host ? e->client_host : "?", e->tool_version ? e->tool_version : "?");
	if (ran_sql(e) && e->duration_ms >= 0)
		printf(", %lld ms", e->duration_ms);
	if (ran_sql(e) && e->statements_run >= 0 && failure)
		printf(", failed at statement %ld", e->statements_run + 1);
	else if (ran_sql(e) && e->statements_run >= 0)
		printf(", %ld statement(s)", e->statements_run);
	putchar('\n');
	if (strcmp(e->outcome, "running") == 0)
		puts("    still running: a strata run holds the run lock");
	else if (strcmp(e->outcome, "interrupted") == 0)
		puts("    interrupted: the run stopped part-way and no strata run is alive; "
		     "'strata upgrade' says how to resolve it");
	if (e->error)
		print_block("error", e->error);
	if (e->failed_statement)
		print_block("statement", e->failed_statement);
	if (e->note)
		print_block("note", e->note);
}

/*
 * --revision REV as other commands take it, into a full id or (for a
 * revision whose file is gone) an id prefix; *unknown is set when the
 * folder does not name it, so an empty log for it is an error. 0, or the
 * exit code.
 */
static int resolve_revision(const char **out, int *unknown, const strata_graph *g,
			    const char *name)
{
	size_t idx;
	int rc;

	*out = name;
	*unknown = !g;
	if (!g)
		return 0;
	if ((rc = strata_graph_lookup(&idx, g, name)) == 0) {
		*out = strata_graph_at(g, idx)->revision;
		return 0;
	}
	/* Not in the folder: still an id (or its start) the history may name. */
	if (rc == STRATA_ENOTFOUND && strlen(name) >= 4 && strata_revision_id_valid(name)) {
		strata_error_clear();
		*unknown = 1;
		return 0;
	}
	return cli_report_error(rc);
}

/* A prefix matching rows of several revisions is as ambiguous as in the graph. */
static int check_one_revision(const strata_audit *a, const char *name)
{
	for (size_t i = 1; i < a->n; i++) {
		if (strcmp(a->entries[i].revision, a->entries[0].revision) != 0) {
			fprintf(stderr, "strata: error: '%s' names several revisions in the history "
				"(%s, %s, ...)\n", name, a->entries[0].revision, a->entries[i].revision);
			fputs("hint: give more characters of the revision id\n", stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_log(int argc, char **argv, cli_ctx *ctx)
{
	strata_audit_options o = STRATA_AUDIT_OPTIONS_INIT;
	const char *revision = NULL, *args[1];
	strata_graph *g = NULL;
	strata_audit *a = NULL;
	size_t nargs;
	long n = 0;
	int rc, unknown = 0;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "since", &o.since, "TIME",
		  "steps started since TIME: a UTC date or time (2026-03-01, "
		  "2026-03-01T12:00, ...+02:00) or an age (30min, 12h, 7d, 2w)", 0, 0, NULL },
		{ OPT_STRING, 'r', "revision", &revision, "REV",
		  "steps of one revision (an id, a unique prefix, a branch label for its "
		  "head; an id whose file is gone is still found)", 0, 0, NULL },
		{ OPT_STRING, 0, "outcome", &o.outcome, "OUTCOME",
		  "steps with this outcome", 0, 0, NULL },
		CLI_INT('n', "limit", &n, "N", 1, 0, "the newest N steps (after the other filters)"),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	o.limit = (size_t)n;
	/* Messages come from the files; a log is still worth reading without them. */
	rc = strata_graph_load(&g, ctx->config->migrations);
	if (rc == STRATA_ENOTFOUND) {
		strata_error_clear();
	} else if (rc < 0) {
		return cli_report_error(rc);
	}
	if (revision && (rc = resolve_revision(&o.revision, &unknown, g, revision)) != 0)
		goto done;
	if ((rc = strata_audit_read(&a, ctx->config, &o)) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (revision && unknown && a->n == 0) {
		fprintf(stderr, "strata: error: unknown revision '%s': neither the migrations folder "
			"nor the database's history names it\n", revision);
		fputs("hint: see `strata history` for the revisions and branch labels\n", stderr);
		rc = EXIT_USAGE;
		goto done;
	}
	if (revision && (rc = check_one_revision(a, revision)) != 0)
		goto done;
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < a->n; i++)
			json_array_append_new(arr, entry_json(&a->entries[i], g));
		cli_print_json(arr);
	} else {
		for (size_t i = 0; i < a->n; i++)
			print_entry(&a->entries[i], g);
		if (!a->tables_exist)
			cli_info(ctx, "no history: the database has no strata bookkeeping tables "
				      "(nothing was ever applied)");
		else if (!a->n)
			cli_info(ctx, "no step in the history matches");
	}
	rc = EXIT_OK;
done:
	strata_audit_free(a);
	strata_graph_free(g);
	return rc;
}
