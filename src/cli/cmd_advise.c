/*
 * cli/cmd_advise.c - strata advise [SOURCE]: review a schema's design
 * (keys, indexes, types and naming, normalization) and, on a live
 * PostgreSQL database, its statistics.
 *
 * SOURCE: a database URL, a schema .sql file or a migrations directory
 * (loaded into a shadow database, as diff does); default the configured
 * database. Findings go to stdout in the chosen format, a one-line
 * summary to stderr; the exit code is 1 when a finding at or above
 * --severity remains, 2 for bad usage, a bad source or a bad [advise]
 * section, 3 when the database fails.
 */
#include "cli/schema_common.h"
#include "strata/advise.h"
#include "strata/error.h"

#include <stdio.h>
#include <string.h>

static int parse_severity(strata_advise_severity *out, const char *s)
{
	static const char *const names[] = { "info", "warning", "error" };

	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (strata_advise_severity)(i + 1);
			return 0;
		}
	return -1;
}

int cmd_advise(int argc, char **argv, cli_ctx *ctx)
{
	static const char *const severities[] = { "info", "warning", "error", NULL };
	const char *format_arg = NULL, *severity_arg = NULL, *engine_arg = NULL, *args[1], *source;
	int sample = 0, no_stats = 0, rc, engine;
	strata_advise_format format = STRATA_ADVISE_FORMAT_TEXT;
	strata_advise_severity threshold = STRATA_ADVISE_WARNING;
	strata_advise_options aopts = STRATA_ADVISE_OPTIONS_INIT;
	strata_advise_settings settings;
	strata_advise_report *report = NULL;
	char *out = NULL;
	size_t nargs = 0;
	double age = -1;
	const cli_option opts[] = {
		CLI_ENUM(0, "format", &format_arg, "F", cli_findings_formats,
			 "text (object: severity RULE message, hint, fix), json, sarif (SARIF "
			 "2.1.0) or github (annotations)"),
		CLI_ENUM(0, "severity", &severity_arg, "L", severities,
			 "show findings at L and above: info, warning (default), error; exit 1 "
			 "when one is shown"),
		{ OPT_FLAG, 0, "sample", &sample, NULL,
		  "read a bounded sample of each table's text columns ([advise] "
		  "sample_rows, TABLESAMPLE on large tables) to find delimited lists; "
		  "never a full scan", 0, 0, NULL },
		{ OPT_FLAG, 0, "no-stats", &no_stats, NULL,
		  "do not read PostgreSQL's statistics", 0, 0, NULL },
		CLI_ENUM(0, "engine", &engine_arg, "E", cli_engines,
			 "postgres or sqlite, for a schema file or migrations directory (default: "
			 "the configured database's)"),
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (ctx->g.json)
		format = STRATA_ADVISE_FORMAT_JSON;
	if (format_arg)
		format = (strata_advise_format)cli_findings_format(format_arg);
	if (severity_arg)
		parse_severity(&threshold, severity_arg);
	source = nargs ? args[0] : ctx->config->database;
	if (!source)
		return cli_usage_error("advise", "no database: pass -d URL or a SOURCE");
	if (engine_arg)
		engine = strcmp(engine_arg, "sqlite") == 0 ? STRATA_ADVISE_ENGINE_SQLITE
							   : STRATA_ADVISE_ENGINE_POSTGRES;
	else if (!(engine = schema_engine(ctx, &source, 1)))
		return EXIT_USAGE;
	strata_advise_settings_init(&settings);
	if ((rc = strata_advise_settings_load(&settings, ctx->config)) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	aopts.engine = engine;
	aopts.sample = sample;
	aopts.no_live = no_stats;
	aopts.settings = &settings;
	schema_guard_signals();
	if ((rc = strata_advise_source(&report, source, ctx->config, &aopts)) < 0) {
		schema_hold_if_interrupted();
		rc = cli_report_error(rc);
		goto done;
	}
	if ((rc = strata_advise_render(&out, report, format, threshold, nargs ? source : NULL)) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	fputs(out, stdout);
	fflush(stdout);
	if (!ctx->g.quiet) {
		int live = strata_advise_report_live(&age, report);

		fprintf(stderr,
			"advised %zu tables: %zu errors, %zu warnings, %zu info (%zu ignored)",
			strata_advise_report_tables(report),
			strata_advise_report_at_least(report, STRATA_ADVISE_ERROR),
			strata_advise_report_at_least(report, STRATA_ADVISE_WARNING) -
				strata_advise_report_at_least(report, STRATA_ADVISE_ERROR),
			strata_advise_report_count(report) -
				strata_advise_report_at_least(report, STRATA_ADVISE_WARNING),
			strata_advise_report_ignored(report));
		if (live && age < 3600)
			fprintf(stderr, "; statistics %.0f seconds old", age);
		else if (live && age < 2 * 86400)
			fprintf(stderr, "; statistics %.1f hours old", age / 3600.0);
		else if (live)
			fprintf(stderr, "; statistics %.0f days old", age / 86400.0);
		if (strata_advise_report_sampled(report))
			fprintf(stderr, "; %zu tables sampled", strata_advise_report_sampled(report));
		fputc('\n', stderr);
	}
	rc = strata_advise_report_at_least(report, threshold) ? EXIT_CHECK : EXIT_OK;
done:
	strata_free(out);
	strata_advise_report_free(report);
	strata_advise_settings_release(&settings);
	return rc;
}
