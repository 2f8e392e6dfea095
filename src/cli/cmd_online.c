/*
 * cli/cmd_online.c - strata online <start|complete|rollback|status>
 *
 * Online (expand/contract) migrations on PostgreSQL from operation files
 * in pgroll's JSON format (strata/online.h, docs/online.md). start expands
 * and backfills with a progress bar on a terminal; complete contracts;
 * rollback undoes; status shows the state (--json for machines). The
 * actions are rows of actions[] below: a new one is a row and a function.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/online.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void on_progress(void *payload, const strata_online_progress *p)
{
	cli_rows_bar(payload, p->table, p->done, p->total, p->rows_per_s, p->eta_s,
		     p->replica_lag_ms, p->waiting);
}

static json_t *versions_json(const strata_online_status *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nversions; i++) {
		const strata_online_version *v = &s->versions[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:I}", "schema", v->schema,
						   "migration", v->migration, "phase", v->phase,
						   "sessions", (json_int_t)v->sessions, "sessions_hidden",
						   (json_int_t)v->sessions_hidden));
	}
	return a;
}

static void print_versions(const strata_online_status *s)
{
	if (s->nversions)
		printf("version schemas (sessions seen naming each in their last statement):\n");
	for (size_t i = 0; i < s->nversions; i++) {
		const strata_online_version *v = &s->versions[i];

		printf("  %s  %s of %s: %ld session%s", v->schema,
		       strcmp(v->phase, "started") == 0 ? "new version"
		       : strcmp(v->phase, "previous") == 0 ? "previous version" : "completed",
		       v->migration, v->sessions, v->sessions == 1 ? "" : "s");
		if (v->sessions_hidden)
			printf(" (unknown for %ld session%s whose statements this role cannot see)",
			       v->sessions_hidden, v->sessions_hidden == 1 ? "" : "s");
		putchar('\n');
	}
}

static int print_status(cli_ctx *ctx, const strata_online_options *o)
{
	strata_online_status *s = NULL;
	int rc;

	if ((rc = strata_online_status_read(&s, ctx->config, o)) < 0)
		return cli_report_error(rc);
	if (ctx->g.json) {
		json_t *j = json_pack("{s:b, s:b}", "initialised", s->initialised, "active", s->active);

		if (s->active) {
			json_object_set_new(j, "name", json_string(s->name));
			json_object_set_new(j, "version_schema", json_string(s->version_schema));
			json_object_set_new(j, "previous_schema",
					    s->previous_schema ? json_string(s->previous_schema) : json_null());
			json_object_set_new(j, "started_at", s->started_at ? json_string(s->started_at) : json_null());
			json_object_set_new(j, "backfilled", json_boolean(s->backfilled));
			json_object_set_new(j, "rows_backfilled", json_integer(s->rows_backfilled));
		}
		json_object_set_new(j, "completed", json_integer(s->completed));
		json_object_set_new(j, "version_schemas", versions_json(s));
		json_object_set_new(j, "latest", s->latest_name ? json_string(s->latest_name) : json_null());
		json_object_set_new(j, "latest_schema",
				    s->latest_schema ? json_string(s->latest_schema) : json_null());
		cli_print_json(j);
	} else {
		if (s->active)
			printf("in progress: %s (started %s)\n  new version schema: %s\n  old version: %s\n"
			       "  backfill: %s (%lld rows)\n",
			       s->name, s->started_at ? s->started_at : "?", s->version_schema,
			       s->previous_schema ? s->previous_schema : "the tables themselves",
			       s->backfilled ? "done" : "not finished", s->rows_backfilled);
		else
			printf("no online migration in progress\n");
		if (s->latest_name)
			printf("latest completed: %s (version schema %s, %s); %ld completed in all\n",
			       s->latest_name, s->latest_schema, s->latest_completed_at ? s->latest_completed_at : "?",
			       s->completed);
	}
	if (!ctx->g.json)
		print_versions(s);
	strata_online_status_free(s);
	return EXIT_OK;
}

/*
 * After a complete: when the migration was an online revision's, its
 * contraction goes into strata_history as the upgrade would write it.
 * Without a migrations folder (an operation file started by hand) there
 * is no history to keep in step, so nothing is recorded.
 */
static int record_completed(cli_ctx *ctx)
{
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	size_t n = 0;
	int rc;

	if (!ctx->graph && (rc = strata_graph_load(&ctx->graph, ctx->config->migrations)) < 0) {
		if (rc == STRATA_ENOTFOUND) {
			strata_error_clear();
			return 0;
		}
	} else {
		cli_run_options(&ro, ctx);
		rc = strata_runner_record_completed(&n, ctx->config, ctx->graph, &ro);
	}
	if (rc < 0) {
		strata_error_append("\n  (the migration is complete; its history row is not written)");
		strata_error_hint("fix the cause, then 'strata upgrade' records it");
	} else if (n) {
		cli_info(ctx, "recorded %zu online revision%s as contracted in the history", n,
			 n == 1 ? "" : "s");
	}
	return rc;
}

static int act_start(cli_ctx *ctx, strata_online_migration *m, const strata_online_options *o)
{
	return strata_online_start(ctx->config, m, o);
}

static int act_complete(cli_ctx *ctx, strata_online_migration *m, const strata_online_options *o)
{
	int rc = strata_online_complete(ctx->config, o);

	(void)m;
	return rc == 0 ? record_completed(ctx) : rc;
}

static int act_rollback(cli_ctx *ctx, strata_online_migration *m, const strata_online_options *o)
{
	return strata_online_rollback(ctx->config, o);
}

/*
 * The actions of strata online. takes_file: the action's one argument is
 * an operation file (read and checked before any connection). run returns
 * a library code (< 0 an error to report); report, when set, prints and
 * returns the exit code itself.
 */
static const struct online_action {
	const char *name;
	int takes_file;
	int (*run)(cli_ctx *ctx, strata_online_migration *m, const strata_online_options *o);
	int (*report)(cli_ctx *ctx, const strata_online_options *o);
} actions[] = {
	{ "start", 1, act_start, NULL },
	{ "complete", 0, act_complete, NULL },
	{ "rollback", 0, act_rollback, NULL },
	{ "status", 0, NULL, print_status },
	{ NULL, 0, NULL, NULL },
};

static const struct online_action *find_action(const char *name)
{
	const struct online_action *a;

	for (a = actions; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

int cmd_online(int argc, char **argv, cli_ctx *ctx)
{
	strata_online_options o = STRATA_ONLINE_OPTIONS_INIT;
	strata_online_migration *m = NULL;
	const struct online_action *action;
	const char *args[2], *schema = NULL;
	int complete = 0, rc;
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "schema", &schema, "NAME",
		  "schema the operations act on (default public)", 0, 0, NULL },
		CLI_INT(0, "batch-size", &o.batch_size, "N", 1, 0,
			"rows per backfill batch (default: sized to [online] batch_target)"),
		{ OPT_DURATION, 0, "batch-pause", &o.batch_pause_ms, "D",
		  "pause between batches (default 0)", 0, 0, NULL },
		{ OPT_DURATION, 0, "max-replica-lag", &o.max_replica_lag_ms, "D",
		  "pause the backfill while a standby's lag exceeds D", 0, 0, NULL },
		{ OPT_FLAG, 0, "complete", &complete, NULL,
		  "start, then complete at once", 0, 0, NULL },
		{ OPT_STRING, 0, "lock-timeout", &ctx->lock_timeout, "D",
		  "lock_timeout of every statement (default 5s); a step whose lock is not "
		  "had is retried with back-off", 0, 0, NULL },
		{ OPT_STRING, 0, "statement-timeout", &ctx->statement_timeout, "D",
		  "cancel statements running longer (default: none)", 0, 0, NULL },
		{ OPT_STRING, 0, "lock-wait", &ctx->lock_wait, "D",
		  "wait this long for another strata online run", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (nargs == 0)
		return cli_usage_error("online", "say what to do: start FILE, complete, rollback or status");
	action = find_action(args[0]);
	if (action ? nargs != 1 + (size_t)action->takes_file : nargs != 1)
		return cli_usage_error("online", action && action->takes_file
				       ? "'online %s' takes one operation file"
				       : "'online %s' takes no file", args[0]);
	if (!action)
		return cli_usage_error("online", "unknown action '%s' (start, complete, rollback, status)",
				       args[0]);
	o.schema = schema;
	o.complete = complete;
	o.log = cli_log;
	o.progress = on_progress;
	o.payload = ctx;
	/* The operation file is checked before any connection is made (the
	 * config, CMD_NEEDS_CONFIG, was read by cli_parse). */
	if (action->takes_file && (rc = strata_online_load(&m, args[1])) < 0)
		return cli_report_error(rc);
	if (action->report) {
		rc = action->report(ctx, &o);
		goto done;
	}
	rc = action->run(ctx, m, &o);
	cli_progress_clear();
	rc = rc < 0 ? cli_report_error(rc) : EXIT_OK;
done:
	strata_online_free(m);
	return rc;
}
