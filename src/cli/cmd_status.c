/*
 * cli/cmd_status.c - strata status: every environment of strata.ini side
 * by side (or the one database when there are none, or the one -e names):
 * applied heads, pending revisions, the last applied step and who ran it,
 * and whether the schema drifted from what its migrations make.
 *
 * Each environment is read on its own, read-only, with a short connect
 * timeout; one that cannot be read is reported as unreachable and the
 * others are still shown (exit 3 then, so that scripts notice).
 */
#include "cli/schema_common.h"
#include "db/db.h"
#include "strata/audit.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <jansson.h>
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

/* Does the live schema differ from what its applied revisions make? */
static void check_drift(env_row *row, const strata_config *cfg, const strata_graph *g,
			const strata_status *st)
{
	sc_catalog *expected = NULL, *live = NULL;
	sc_changes changes = { 0 };
	int engine = db_engine_of(cfg->database);

	row->drift = -1;
	if (schema_load_applied(&expected, cfg, g, st, engine) < 0 ||
	    sc_load_database(&live, cfg->database, cfg) < 0 ||
	    sc_diff(expected, live, NULL, &changes) < 0) {
		row->drift_error = last_error();
		strata_error_clear();
	} else {
		row->drift = 0;
		for (size_t i = 0; i < changes.n; i++)
			row->drift |= !changes.v[i].consequential;
	}
	sc_changes_release(&changes);
	sc_catalog_free(expected);
	sc_catalog_free(live);
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
	redact_conninfo(&shown, cfg->database);
	row->database = buf_detach(&shown);
	row->promote_from = dup_or_null(cfg->promote_from);
	row->protected_env = cfg->protected_env;
	if (db_conninfo_with_connect_timeout(&conninfo, cfg->database, timeout_s) < 0)
		goto failed;
	timed.database = conninfo.ptr;
	if (strata_status_read(&st, &timed, g, STRATA_STATUS_MISSING_OK) < 0)
		goto failed;
	row->reachable = 1;
	row->exists = 1;
	if (db_engine_of(cfg->database) == DB_SQLITE && !st->tables_exist) {
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
		check_drift(row, &timed, g, st);
	goto done;
failed:
	row->reachable = 0;
	row->error = last_error();
	strata_error_clear();
done:
	strata_audit_free(a);
	strata_status_free(st);
	buf_release(&conninfo);
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
	const char *timeout_arg = NULL;
	int no_drift = 0, rc, unreachable = 0;
	long timeout_ms = 3000;
	size_t nargs, n, i;
	env_row *rows = NULL;
	const char *args[1];
	const cli_option opts[] = {
		{ OPT_STRING, 0, "connect-timeout", &timeout_arg, "DURATION",
		  "give up an environment that does not answer within this (default 3s)" },
		{ OPT_FLAG, 0, "no-drift", &no_drift, NULL, "do not compare each schema with its migrations" },
		{ OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 0, &nargs)) != 0)
		return rc;
	if (timeout_arg && (parse_duration_ms(&timeout_ms, timeout_arg) < 0 || timeout_ms <= 0))
		return cli_usage_error("status", "--connect-timeout wants a duration like 2s, not '%s'",
				       timeout_arg);
	if ((rc = cli_load_graph(ctx)) != 0)
		return rc;
	/* Every environment, unless -e picked one; without any, the one database. */
	n = ctx->config->env || !ctx->config->nenvs ? 1 : ctx->config->nenvs;
	if (!(rows = strata_calloc(n, sizeof(*rows))))
		return cli_report_error(STRATA_ERROR);
	if (!no_drift)
		schema_guard_signals();
	for (i = 0; i < n; i++) {
		strata_config *ecfg = NULL;

		if (ctx->config->env || !ctx->config->nenvs) {
			rows[i].name = ctx->config->env;
			read_env(&rows[i], ctx->config, ctx->graph, (timeout_ms + 999) / 1000, !no_drift);
		} else {
			rows[i].name = ctx->config->env_names[i];
			if (strata_config_load_env(&ecfg, ctx->config, rows[i].name) < 0) {
				rows[i].error = last_error();
				strata_error_clear();
			} else {
				read_env(&rows[i], ecfg, ctx->graph, (timeout_ms + 999) / 1000, !no_drift);
			}
			strata_config_free(ecfg);
		}
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
	for (i = 0; i < n; i++)
		row_release(&rows[i]);
	strata_free(rows);
	if (unreachable)
		cli_warn("%d environment(s) could not be read", unreachable);
	return unreachable ? EXIT_RUNTIME : EXIT_OK;
}
