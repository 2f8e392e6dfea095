/*
 * cli/cmd_lint.c - strata lint [FILES...]: catch locking, rewriting and
 * destructive migrations before they run.
 *
 * Which SQL: the FILES given (strata migrations or plain SQL files, each
 * on its own; a directory stands for every .sql file directly in it, in
 * name order); else the revisions not yet applied to the database, in
 * apply order and as one range (a table created by one is new to the
 * next), plus applied revisions whose file changed; or with --all every
 * revision, each on its own.
 *
 * History: every revision is linted with what the revisions before it in
 * the graph's order did to constraints (a CHECK (col IS NOT NULL) added
 * NOT VALID in one and validated in a later one proves col for a SET NOT
 * NULL after it). Applied revisions are learned (read, nothing reported);
 * a FILE that is one of the project's revisions learns the revisions
 * before it. With -d (or when the database is read for
 * pending revisions) a PostgreSQL server's version and table sizes are
 * used too. Findings go to stdout in the chosen format; the exit code is
 * 1 when an error-level finding remains, 2 for unparsable SQL.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/lint.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 4096

typedef struct lint_run {
	strata_lint_report *report;
	strata_lint_options opts;
	int parse_failed;
	const strata_graph *graph; /* the project's, for FILES that are its revisions; or NULL */
	size_t learned;            /* graph revisions [0, learned) are in the report's history */
} lint_run;

/* A syntax or file error: shown, remembered, and linting goes on. */
static int file_failed(lint_run *run, int rc)
{
	if (rc == STRATA_EPARSE || rc == STRATA_ENOTFOUND) {
		cli_report_error(rc);
		run->parse_failed = 1;
		return 0;
	}
	return rc;
}

/* Index in g of the revision whose file is path, or (size_t)-1. */
static size_t revision_of(const strata_graph *g, const char *path)
{
	char *want = realpath(path, NULL), *have;
	size_t i, n = g ? strata_graph_count(g) : 0, found = (size_t)-1;

	for (i = 0; want && i < n && found == (size_t)-1; i++) {
		if ((have = realpath(strata_graph_at(g, i)->path, NULL)) && strcmp(have, want) == 0)
			found = i;
		free(have);
	}
	free(want);
	return found;
}

/*
 * One file, on its own range. A revision of the project's graph has the
 * history of the revisions before it: learned from where the last file
 * left off when files come in graph order (a directory does), else from
 * the first revision again. Any other file starts with no history.
 */
static int lint_one(lint_run *run, const char *path)
{
	size_t at = revision_of(run->graph, path);
	int rc;

	if (at == (size_t)-1 || at < run->learned) {
		strata_lint_report_new_history(run->report);
		run->learned = 0;
	}
	for (; at != (size_t)-1 && run->learned < at; run->learned++)
		if ((rc = strata_lint_learn_migration(run->report,
						      strata_graph_at(run->graph, run->learned),
						      &run->opts)) < 0)
			return rc;
	strata_lint_report_new_range(run->report);
	run->opts.history_from_base = at != (size_t)-1;
	rc = strata_lint_file(run->report, path, &run->opts);
	if (at != (size_t)-1)
		run->learned = at + 1;
	return rc < 0 ? file_failed(run, rc) : 0;
}

/* Each file on its own; a directory stands for each of its .sql files, by name. */
static int lint_files(lint_run *run, const char *const *files, size_t n)
{
	size_t i, k, npaths;
	char **paths;
	struct stat st;
	int rc;

	for (i = 0; i < n; i++) {
		if (stat(files[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			if ((rc = lint_one(run, files[i])) < 0)
				return rc;
			continue;
		}
		if ((rc = strata_lint_dir_files(&paths, &npaths, files[i])) < 0) {
			if ((rc = file_failed(run, rc)) < 0)
				return rc;
			continue;
		}
		for (k = 0, rc = 0; k < npaths && rc == 0; k++)
			rc = lint_one(run, paths[k]);
		strata_lint_paths_free(paths, npaths);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Every revision (all), or the pending ones as one range plus changed applied ones. */
static int lint_revisions(lint_run *run, cli_ctx *ctx, int all)
{
	strata_status *st = NULL;
	size_t i, n = strata_graph_count(ctx->graph);
	int rc = 0;

	if (!all && (rc = strata_status_read(&st, ctx->config, ctx->graph,
						 STRATA_STATUS_MISSING_OK)) < 0)
		return rc;
	run->opts.history_from_base = 1;
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(ctx->graph, i);

		if (st && st->applied[i]) {
			if ((rc = strata_lint_learn_migration(run->report, m, &run->opts)) < 0)
				goto done;
			continue;
		}
		if (all)
			strata_lint_report_new_range(run->report);
		rc = strata_lint_migration(run->report, m, &run->opts);
		if (rc < 0 && (rc = file_failed(run, rc)) < 0)
			goto done;
	}
	for (i = 0; st && i < st->nchanged; i++)
		if ((rc = strata_lint_applied_changed(run->report, strata_graph_at(ctx->graph, st->changed[i]),
						      st->changed_recorded[i], &run->opts)) < 0)
			goto done;
	rc = 0;
done:
	strata_status_free(st);
	return rc;
}

int cmd_lint(int argc, char **argv, cli_ctx *ctx)
{
	static const char *args[MAX_FILES];
	static const char *const severities[] = { "warning", "error", NULL };
	const char *format_arg = NULL, *severity_arg = NULL, *engine_arg = NULL;
	long pg_version = 0;
	int all = 0, in_tx = 0, rc, exit_code = EXIT_OK;
	strata_lint_format format = STRATA_LINT_FORMAT_TEXT;
	strata_lint_severity threshold = STRATA_LINT_WARNING;
	strata_lint_settings settings;
	strata_lint_live *live = NULL;
	lint_run run;
	char *out = NULL;
	size_t nargs = 0;
	const char *live_db = NULL;
	const cli_option opts[] = {
		{ OPT_FLAG, 0, "all", &all, NULL,
		  "every revision, not only those not yet applied", 0, 0, NULL },
		CLI_ENUM(0, "format", &format_arg, "F", cli_findings_formats,
			 "text (file:line:col: severity RULE message, then the hint), json, sarif "
			 "(SARIF 2.1.0) or github (annotations)"),
		CLI_ENUM(0, "severity", &severity_arg, "L", severities,
			 "show only findings at L and above (warning, error)"),
		CLI_ENUM(0, "engine", &engine_arg, "E", cli_engines,
			 "postgres or sqlite (default: the configured database's)"),
		CLI_INT(0, "pg-version", &pg_version, "N", 9, 99,
			"target PostgreSQL major version (default: the server's, [lint] "
			"pg_version, or 12)"),
		{ OPT_FLAG, 0, "assume-in-transaction", &in_tx, NULL,
		  "plain SQL files run inside one transaction", 0, 0, NULL },
		CLI_OPT_END,
	};

	memset(&run, 0, sizeof(run));
	if ((rc = cli_parse(argc, argv, opts, ctx, args, MAX_FILES, &nargs)) != 0)
		return rc;
	if (ctx->g.json)
		format = STRATA_LINT_FORMAT_JSON;
	if (format_arg)
		format = (strata_lint_format)cli_findings_format(format_arg);
	if (severity_arg)
		threshold = strcmp(severity_arg, "error") == 0 ? STRATA_LINT_ERROR : STRATA_LINT_WARNING;
	if (all && nargs)
		return cli_usage_error("lint", "give FILES or --all, not both");
	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	strata_lint_settings_init(&settings);
	if ((rc = strata_lint_settings_load(&settings, ctx->config)) < 0)
		return cli_report_error(rc);
	if (pg_version)
		settings.pg_version = (int)pg_version;

	run.opts = (strata_lint_options)STRATA_LINT_OPTIONS_INIT;
	run.opts.settings = &settings;
	run.opts.assume_in_transaction = in_tx;
	run.opts.runner_sets_lock_timeout = ctx->config->lock_timeout_ms > 0;
	if (engine_arg)
		run.opts.engine = strcmp(engine_arg, "sqlite") == 0 ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	else if (strcmp(ctx->config->database_source, "default") != 0)
		run.opts.engine = strata_db_engine_of(ctx->config->database) == STRATA_ENGINE_SQLITE ? STRATA_LINT_SQLITE
										   : STRATA_LINT_PG;
	else
		run.opts.engine = nargs ? STRATA_LINT_PG : STRATA_LINT_SQLITE;
	/* The live database: with -d, or when it is read anyway for pending revisions. */
	if (ctx->g.database || (!nargs && !all))
		live_db = ctx->config->database;
	if (live_db && run.opts.engine == STRATA_LINT_PG &&
	    (rc = strata_lint_live_open(&live, &run.opts, live_db, ctx->config->root)) < 0)
		return cli_report_error(rc);
	if (pg_version)
		run.opts.pg_version = settings.pg_version;

	if ((rc = strata_lint_report_new(&run.report)) < 0) {
		exit_code = cli_report_error(rc);
		goto done;
	}
	if (nargs) {
		/* The files' history comes from the project's graph, when there is
		 * one to load; plain SQL files need none. */
		if (!ctx->graph && strata_graph_load(&ctx->graph, ctx->config->migrations) < 0)
			strata_error_clear();
		run.graph = ctx->graph;
		rc = lint_files(&run, args, nargs);
	} else {
		if ((exit_code = cli_load_graph(ctx)) != 0)
			goto done;
		rc = lint_revisions(&run, ctx, all);
	}
	if (rc < 0) {
		exit_code = cli_report_error(rc);
		goto done;
	}
	if ((rc = strata_lint_render(&out, run.report, format, threshold)) < 0) {
		exit_code = cli_report_error(rc);
		goto done;
	}
	fputs(out, stdout);
	if (format == STRATA_LINT_FORMAT_TEXT && !ctx->g.quiet) {
		size_t i, errors = 0, warnings = 0;

		for (i = 0; i < strata_lint_report_count(run.report); i++) {
			const strata_lint_finding *f = strata_lint_report_at(run.report, i);

			errors += f->severity == STRATA_LINT_ERROR;
			warnings += f->severity == STRATA_LINT_WARNING && threshold <= STRATA_LINT_WARNING;
		}
		fprintf(stderr, "%zu error(s), %zu warning(s) in %zu file(s), %zu statement(s)",
			errors, warnings, strata_lint_report_files(run.report),
			strata_lint_report_statements(run.report));
		if (strata_lint_report_suppressed(run.report))
			fprintf(stderr, "; %zu suppressed", strata_lint_report_suppressed(run.report));
		if (strata_lint_report_bodies_skipped(run.report))
			fprintf(stderr, "; %zu function or DO %s not read (not valid PL/pgSQL or SQL)",
				strata_lint_report_bodies_skipped(run.report),
				strata_lint_report_bodies_skipped(run.report) == 1 ? "body" : "bodies");
		fputc('\n', stderr);
	}
	exit_code = run.parse_failed ? EXIT_USAGE
		    : strata_lint_report_errors(run.report) ? EXIT_CHECK : EXIT_OK;
done:
	free(out);
	strata_lint_report_free(run.report);
	strata_lint_live_free(live);
	return exit_code;
}
