/*
 * cli/cmd_online.c - strata online <start|complete|rollback|status>
 *
 * Online (expand/contract) migrations on PostgreSQL from operation files
 * in pgroll's JSON format (strata/online.h, docs/online.md). start expands
 * and backfills with a progress bar on a terminal; complete contracts;
 * rollback undoes; status shows the state (--json for machines).
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/online.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void on_progress(void *payload, const strata_online_progress *p)
{
	cli_rows_bar(payload, p->table, p->done, p->total, p->rows_per_s, p->eta_s,
		     p->replica_lag_ms, p->waiting);
}

static int duration_opt(long *out, const char *value, const char *name)
{
	if (!value)
		return 0;
	if (parse_duration_ms(out, value) < 0)
		return cli_usage_error("online", "%s '%s' is not a duration (500ms, 5s, 2min)", name,
				       value);
	return 0;
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

int cmd_online(int argc, char **argv, cli_ctx *ctx)
{
	strata_online_options o = STRATA_ONLINE_OPTIONS_INIT;
	strata_online_migration *m = NULL;
	const char *args[2], *schema = NULL, *batch = NULL, *pause = NULL, *lag = NULL;
	int complete = 0, rc;
	size_t nargs;
	const cli_option opts[] = {
		{ OPT_STRING, 0, "schema", &schema, "NAME", "schema the operations act on (default public)" },
		{ OPT_STRING, 0, "batch-size", &batch, "N", "rows per backfill batch (default: sized to [online] batch_target)" },
		{ OPT_STRING, 0, "batch-pause", &pause, "DURATION", "pause between batches (default 0)" },
		{ OPT_STRING, 0, "max-replica-lag", &lag, "DURATION",
		  "pause the backfill while a standby replays further behind" },
		{ OPT_FLAG, 0, "complete", &complete, NULL, "start: complete right after the backfill" },
		{ OPT_STRING, 0, "lock-timeout", &ctx->lock_timeout, "DURATION",
		  "give up a lock after this long (then retry)" },
		{ OPT_STRING, 0, "statement-timeout", &ctx->statement_timeout, "DURATION",
		  "cancel any statement running longer" },
		{ OPT_STRING, 0, "lock-wait", &ctx->lock_wait, "DURATION",
		  "how long to wait for another strata online run" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 2, &nargs)) != 0)
		return rc;
	if (nargs == 0)
		return cli_usage_error("online", "say what to do: start FILE, complete, rollback or status");
	if (strcmp(args[0], "start") == 0 ? nargs != 2 : nargs != 1)
		return cli_usage_error("online", strcmp(args[0], "start") == 0
				       ? "'online start' takes one operation file"
				       : "'online %s' takes no file", args[0]);
	if (strcmp(args[0], "start") && strcmp(args[0], "complete") && strcmp(args[0], "rollback") &&
	    strcmp(args[0], "status"))
		return cli_usage_error("online", "unknown action '%s' (start, complete, rollback, status)",
				       args[0]);
	if (batch) {
		long n;

		if (parse_count(&n, batch) < 0 || n <= 0)
			return cli_usage_error("online", "--batch-size '%s' is not a positive number", batch);
		o.batch_size = n;
	}
	if ((rc = duration_opt(&o.batch_pause_ms, pause, "--batch-pause")) != 0 ||
	    (rc = duration_opt(&o.max_replica_lag_ms, lag, "--max-replica-lag")) != 0)
		return rc;
	o.schema = schema;
	o.complete = complete;
	o.log = cli_log;
	o.progress = on_progress;
	o.payload = ctx;
	/* The operation file is checked before any connection is made. */
	if (strcmp(args[0], "start") == 0 && (rc = strata_online_load(&m, args[1])) < 0)
		return cli_report_error(rc);
	if ((rc = cli_load_config(ctx)) != 0)
		goto done;
	if (strcmp(args[0], "status") == 0) {
		rc = print_status(ctx, &o);
		goto done;
	}
	if (strcmp(args[0], "start") == 0)
		rc = strata_online_start(ctx->config, m, &o);
	else if (strcmp(args[0], "complete") == 0 && (rc = strata_online_complete(ctx->config, &o)) == 0)
		rc = record_completed(ctx);
	else if (strcmp(args[0], "complete") == 0)
		;
	else
		rc = strata_online_rollback(ctx->config, &o);
	cli_progress_clear();
	rc = rc < 0 ? cli_report_error(rc) : EXIT_OK;
done:
	strata_online_free(m);
	return rc;
}
