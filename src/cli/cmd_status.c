/*
 * cli/cmd_status.c - strata status: every environment of strata.ini side
 * by side (or the one database when there are none, or the one -e names):
 * applied heads, pending revisions, the last applied step and who ran it,
 * and whether the schema drifted from what its migrations make.
 *
 * Each environment is read on its own thread (one connection each: the
 * total time is the slowest environment's, not the sum of the connect
 * timeouts), read-only, with a short connect timeout; one that cannot be
 * read is reported as unreachable on its own line and the others are
 * still shown, in the file's order (exit 3 then, so that scripts notice).
 * Threads share nothing but the project's config and graph, read-only;
 * each writes its own row, and strata_error is per thread.
 */
#include "cli/schema_common.h"
#include "strata/drift.h"
#include "strata/audit.h"
#include "strata/error.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct env_row {
	const char *name;          /* NULL: the project's one database */
	char *database;            /* shown: password masked */
	char *promote_from;
	int protected_env;
	int reachable;
	char *error;               /* why it could not be read */
	int exists;                /* SQLite: 0 when the file is not created yet */
	char **heads;
	size_t nheads;
	size_t applied, pending;
	char *failed;              /* a failed revision, or NULL */
	char *last_at, *last_by, *last_host, *last_revision;
	int drift;                 /* 1 yes, 0 no, -1 not known / not checked */
	char *drift_error;
} env_row;

static void row_release(env_row *r)
{
	strata_free(r->database);
	strata_free(r->promote_from);
	strata_free(r->error);
	for (size_t i = 0; i < r->nheads; i++)
		strata_free(r->heads[i]);
	strata_free(r->heads);
	strata_free(r->failed);
	strata_free(r->last_at);
	strata_free(r->last_by);
	strata_free(r->last_host);
	strata_free(r->last_revision);
	strata_free(r->drift_error);
}

static char *dup_or_null(const char *s)
{
	return s ? strata_strdup(s) : NULL;
}

/* The last error as one line, password-free (drivers redact it already). */
static char *last_error(void)
{
	return strata_strdup(strata_error_last()->message);
}

/* Does the live schema differ from what its applied revisions make? (strata drift's code) */
static void check_drift(env_row *row, const strata_config *cfg, const strata_graph *g)
{
	size_t ndiff = 0, heads = 0;

	row->drift = -1;
	if (strata_drift_count(&ndiff, &heads, cfg, g) < 0) {
		row->drift_error = last_error();
		strata_error_clear();
	} else {
		row->drift = ndiff > 0;
	}
}

static void read_env(env_row *row, const strata_config *cfg, const strata_graph *g,
		     long timeout_s, int drift)
{
	strata_config timed = *cfg;
	strata_buf conninfo = STRATA_BUF_INIT, shown = STRATA_BUF_INIT;
	strata_audit_options ao = STRATA_AUDIT_OPTIONS_INIT;
	strata_status *st = NULL;
	strata_audit *a = NULL;
	size_t n = strata_graph_count(g);

	row->drift = -1;
	strata_redact_conninfo(&shown, cfg->database);
	row->database = strata_buf_detach(&shown);
	row->promote_from = dup_or_null(cfg->promote_from);
	row->protected_env = cfg->protected_env;
	if (strata_db_conninfo_with_connect_timeout(&conninfo, cfg->database, timeout_s) < 0)
		goto failed;
	timed.database = conninfo.ptr;
	if (strata_status_read(&st, &timed, g, STRATA_STATUS_MISSING_OK) < 0)
		goto failed;
	row->reachable = 1;
	row->exists = 1;
	if (strata_db_engine_of(cfg->database) == STRATA_ENGINE_SQLITE && !st->tables_exist) {
		/* Without MISSING_OK a file that is not there is an error. */
		strata_status *probe = NULL;

		row->exists = strata_status_read(&probe, &timed, g, 0) == 0;
		strata_status_free(probe);
		strata_error_clear();
	}
	if (!(row->heads = strata_calloc(st->nversions ? st->nversions : 1, sizeof(char *))))
		goto failed;
	for (size_t i = 0; i < st->nversions; i++)
		row->heads[row->nheads++] = strata_strdup(st->versions[i]);
	for (size_t i = 0; i < n; i++)
		row->applied += st->applied[i] != 0;
	row->pending = n - row->applied;
	if (st->failed >= 0)
		row->failed = strata_strdup(strata_graph_at(g, (size_t)st->failed)->revision);
	ao.outcome = "applied";
	ao.limit = 1;
	if (st->tables_exist && strata_audit_read(&a, &timed, &ao) == 0 && a->n) {
		row->last_at = dup_or_null(a->entries[0].finished_at ? a->entries[0].finished_at
					   : a->entries[0].started_at);
		row->last_by = dup_or_null(a->entries[0].db_user);
		row->last_host = dup_or_null(a->entries[0].client_host);
		row->last_revision = dup_or_null(a->entries[0].revision);
	}
	strata_error_clear();
	if (drift && row->exists)
		check_drift(row, &timed, g);
	goto done;
failed:
	row->reachable = 0;
	row->error = last_error();
	strata_error_clear();
done:
	strata_audit_free(a);
	strata_status_free(st);
	strata_buf_release(&conninfo);
}

/* One environment's read, on its own thread. */
typedef struct env_job {
	env_row *row;
	const strata_config *project; /* the project's config */
	const strata_graph *g;
	long timeout_s;
	int drift;
	int by_name;                  /* load [env.row->name] first; else read project */
} env_job;

static void *read_env_job(void *arg)
{
	env_job *j = arg;
	strata_config *ecfg = NULL;

	if (!j->by_name) {
		read_env(j->row, j->project, j->g, j->timeout_s, j->drift);
	} else if (strata_config_load_env(&ecfg, j->project, j->row->name) < 0) {
		j->row->error = last_error();
		strata_error_clear();
	} else {
		read_env(j->row, ecfg, j->g, j->timeout_s, j->drift);
	}
	strata_config_free(ecfg);
	return NULL;
}

static json_t *row_json(const env_row *r)
{
	json_t *heads = json_array(), *o;

	for (size_t i = 0; i < r->nheads; i++)
		json_array_append_new(heads, json_string(r->heads[i]));
	o = json_pack("{s:s?, s:s, s:s?, s:b, s:b}", "name", r->name, "database", r->database,
		      "promote_from", r->promote_from, "protected", r->protected_env, "reachable",
		      r->reachable);
	if (!r->reachable) {
		json_decref(heads);
		json_object_set_new(o, "error", json_string(r->error ? r->error : ""));
		return o;
	}
	json_object_set_new(o, "heads", heads);
	json_object_set_new(o, "applied", json_integer((json_int_t)r->applied));
	json_object_set_new(o, "pending", json_integer((json_int_t)r->pending));
	json_object_set_new(o, "failed", r->failed ? json_string(r->failed) : json_null());
	json_object_set_new(o, "last_applied",
			    r->last_at ? json_pack("{s:s, s:s?, s:s?, s:s?}", "at", r->last_at, "by",
						   r->last_by, "host", r->last_host, "revision",
						   r->last_revision)
				       : json_null());
	json_object_set_new(o, "drift", r->drift < 0 ? json_null() : json_boolean(r->drift));
	if (r->drift_error)
		json_object_set_new(o, "drift_error", json_string(r->drift_error));
	return o;
}

static void row_text(const env_row *r)
{
	char heads[96] = "";
	size_t used = 0;

	for (size_t i = 0; i < r->nheads && used + 14 < sizeof(heads); i++)
		used += (size_t)snprintf(heads + used, sizeof(heads) - used, "%s%.12s", i ? "," : "",
					 r->heads[i]);
	printf("%-12s ", r->name ? r->name : "(database)");
	if (!r->reachable) {
		printf("unreachable: %s\n", r->error ? r->error : "?");
		return;
	}
	printf("%-14s %4zu pending  ", r->nheads ? heads : r->exists ? "(base)" : "(no database)",
	       r->pending);
	if (r->last_at)
		printf("last %s by %s%s%s  ", r->last_at, r->last_by ? r->last_by : "?",
		       r->last_host ? " on " : "", r->last_host ? r->last_host : "");
	else
		printf("never applied  ");
	printf("drift %s", r->drift < 0 ? "?" : r->drift ? "yes" : "no");
	if (r->failed)
		printf("  FAILED %s", r->failed);
	if (r->promote_from || r->protected_env)
		printf("  (%s%s%s)", r->promote_from ? "from " : "",
		       r->promote_from ? r->promote_from : "",
		       r->protected_env ? (r->promote_from ? ", protected" : "protected") : "");
	fputc('\n', stdout);
}

int cmd_status(int argc, char **argv, cli_ctx *ctx)
{
	int no_drift = 0, rc, unreachable = 0;
	long timeout_ms = 3000;
	size_t nargs, n, i;
	env_row *rows = NULL;
	env_job *jobs = NULL;
	pthread_t *threads = NULL;
	unsigned char *started = NULL;
	const char *args[1];
	const cli_option opts[] = {
		{ OPT_DURATION, 0, "connect-timeout", &timeout_ms, "D",
		  "give up an environment after D (default 3s)", 1, 0, NULL },
		{ OPT_FLAG, 0, "no-drift", &no_drift, NULL,
		  "skip the drift comparison (no shadow database)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	/* Every environment, unless -e picked one; without any, the one database. */
	n = ctx->config->env || !ctx->config->nenvs ? 1 : ctx->config->nenvs;
	if (!(rows = strata_calloc(n, sizeof(*rows))))
		return cli_report_error(STRATA_ERROR);
	if (!no_drift)
		schema_guard_signals();
	if (!(jobs = strata_calloc(n, sizeof(*jobs))) || !(threads = strata_calloc(n, sizeof(*threads))) ||
	    !(started = strata_calloc(n, 1))) {
		rc = cli_report_error(STRATA_ERROR);
		goto done;
	}
	for (i = 0; i < n; i++) {
		jobs[i].row = &rows[i];
		jobs[i].project = ctx->config;
		jobs[i].g = ctx->graph;
		jobs[i].timeout_s = (timeout_ms + 999) / 1000;
		jobs[i].drift = !no_drift;
		jobs[i].by_name = !(ctx->config->env || !ctx->config->nenvs);
		rows[i].name = jobs[i].by_name ? ctx->config->env_names[i] : ctx->config->env;
	}
	/* Side by side; one whose thread cannot start is read here, in turn. */
	for (i = 0; n > 1 && i < n; i++)
		started[i] = pthread_create(&threads[i], NULL, read_env_job, &jobs[i]) == 0;
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			read_env_job(&jobs[i]);
		unreachable += !rows[i].reachable;
	}
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, row_json(&rows[i]));
		cli_print_json(json_pack("{s:i, s:o}", "revisions", (int)strata_graph_count(ctx->graph),
					 "environments", arr));
	} else {
		for (i = 0; i < n; i++)
			row_text(&rows[i]);
	}
	if (unreachable)
		cli_warn("%d environment(s) could not be read", unreachable);
	rc = unreachable ? EXIT_RUNTIME : EXIT_OK;
done:
	for (i = 0; i < n; i++)
		row_release(&rows[i]);
	strata_free(rows);
	strata_free(jobs);
	strata_free(threads);
	strata_free(started);
	return rc;
}
