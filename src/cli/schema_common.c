/*
 * cli/schema_common.c - shared parts of the schema commands (see
 * schema_common.h).
 */
#include "cli/schema_common.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int schema_engine(cli_ctx *ctx, const char *const *specs, size_t n)
{
	int engine = 0;

	for (size_t i = 0; i < n; i++) {
		int e = strata_schema_source_engine(specs[i]);

		if (e && engine && e != engine) {
			cli_usage_error(ctx->command, "cannot compare a SQLite schema with a PostgreSQL one");
			return 0;
		}
		if (e)
			engine = e;
	}
	if (!engine && ctx->config && ctx->config->database)
		engine = strata_db_engine_of(ctx->config->database);
	if (!engine) {
		cli_usage_error(ctx->command,
				"cannot tell the database engine for schema files and migrations; "
				"name a database on one side or pass -d URL");
		return 0;
	}
	/*
	 * A PostgreSQL schema file or migrations folder loads into a shadow
	 * database on shadow_database, else on the project's database. When
	 * neither is a PostgreSQL server (no strata.ini: the default database
	 * is sqlite:strata.db), the server of the database named on the
	 * command line is used, as `strata diff schema.sql postgres://...`
	 * means: the role there needs CREATEDB, as it would anyway.
	 */
	if (engine == STRATA_ENGINE_POSTGRES && ctx->config && !ctx->config->shadow_database &&
	    strata_db_engine_of(ctx->config->database) != STRATA_ENGINE_POSTGRES) {
		for (size_t i = 0; i < n; i++) {
			if (strata_schema_source_engine(specs[i]) != STRATA_ENGINE_POSTGRES)
				continue;
			if (!(ctx->config->shadow_database = strdup(specs[i]))) {
				cli_report_error(strata_error_set(STRATA_ERROR, "out of memory"));
				return 0;
			}
			break;
		}
	}
	return engine;
}

/* Set by the guard thread before it drops the shadows. Dropping them ends
 * the main thread's sessions, so the main thread may see an error at any
 * moment after this; it must not report it or exit with its own code. */
static atomic_int interrupting;

void schema_hold_if_interrupted(void)
{
	if (atomic_load(&interrupting))
		for (;;)
			pause(); /* the guard thread ends the process */
}

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;

	if (sigwait(set, &sig) == 0) {
		static const char msg[] = "\nstrata: interrupted: dropping shadow databases\n";

		atomic_store(&interrupting, 1);

		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* nothing more to say */
		}
		strata_schema_abort_all();
		_exit(128 + sig);
	}
	return NULL;
}

void schema_guard_signals(void)
{
	static sigset_t set;
	static int started;
	pthread_t t;

	if (started)
		return;
	started = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked here and in every thread started later; the guard thread
	 * takes them with sigwait. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, signal_thread, &set) == 0)
		pthread_detach(t);
	else
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int schema_desired_file(cli_ctx *ctx, const char **out, const char *path, const char *purpose)
{
	const char *file = path ? path : ctx->config->schema;

	*out = file;
	if (file && (strata_schema_is_provider(file) || access(file, R_OK) == 0))
		return 0;
	fprintf(stderr, "strata: error: no schema file %s %s\n", file ? file : "(schema.sql)",
		purpose);
	fputs("hint: write the schema you want in schema.sql (or set schema in strata.ini, to a "
	      "file or to exec: COMMAND, a schema provider)\n",
	      stderr);
	return EXIT_USAGE;
}

int schema_take_options(cli_ctx *ctx, const char *schema, int no_cache)
{
	if (no_cache)
		ctx->config->no_cache = 1;
	if (schema) {
		char *copy = strdup(schema);

		if (!copy)
			return cli_report_error(strata_error_set(STRATA_ERROR, "out of memory"));
		free(ctx->config->schema);
		ctx->config->schema = copy;
	}
	return 0;
}

const char *schema_shown(const char *spec)
{
	static strata_buf shown = STRATA_BUF_INIT;

	strata_buf_release(&shown);
	if (!strata_schema_is_provider(spec))
		return spec;
	if (strata_buf_puts(&shown, STRATA_SCHEMA_PROVIDER_PREFIX " ") != 0 ||
	    strata_schema_provider_display(&shown, spec) != 0)
		return STRATA_SCHEMA_PROVIDER_PREFIX " ...";
	return strata_buf_cstr(&shown);
}

int schema_load(cli_ctx *ctx, strata_catalog **out, const char *spec, int engine)
{
	int rc = strata_catalog_load(out, spec, (strata_engine)engine, ctx->config);

	return rc != 0 ? cli_report_error(rc) : 0;
}

int schema_load_pair(cli_ctx *ctx, strata_catalog **a, const char *spec_a, strata_catalog **b,
		     const char *spec_b, int engine)
{
	int rc = strata_catalog_load_pair(a, b, spec_a, spec_b, (strata_engine)engine, ctx->config);

	return rc != 0 ? cli_report_error(rc) : 0;
}

static const char *op_name(strata_change_op op)
{
	return op == STRATA_CHANGE_CREATE ? "create" : op == STRATA_CHANGE_DROP ? "drop" : "alter";
}

void *schema_changes_json(const strata_changes *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < strata_changes_count(c); i++) {
		strata_change_info ch;

		strata_changes_get(&ch, c, i);
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s?}", "op", op_name(ch.op), "kind",
				       ch.kind, "object", ch.object, "detail", ch.detail,
				       "destructive", ch.destructive, "sql", ch.sql));
	}
	return arr;
}

