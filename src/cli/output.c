/*
 * cli/output.c - everything the CLI shows: errors and hints, logs, the
 * progress bar, JSON; and loading the config and the graph for commands.
 *
 * stdout carries data only; stderr carries diagnostics. Colour only on a
 * terminal and never with NO_COLOR. The connection string is never shown
 * except through strata_redact_conninfo().
 */
#include "cli/cli.h"
#include "cli/schema_common.h"
#include "strata/error.h"
#include "strata/project.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int err_color(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = isatty(2) && !getenv("NO_COLOR");
	return cached;
}

int cli_exit_code(int code)
{
	switch (code) {
	case STRATA_OK:
		return EXIT_OK;
	case STRATA_ECHECK:
		return EXIT_CHECK;
	case STRATA_ENOTFOUND:
	case STRATA_EAMBIGUOUS:
	case STRATA_EPARSE:
	case STRATA_EINVALID:
		return EXIT_USAGE;
	default:
		return EXIT_RUNTIME;
	}
}

int cli_report_error(int code)
{
	const strata_error *e = strata_error_last();
	int exit_code = cli_exit_code(code);
	const char *red = err_color() ? "\033[31m" : "", *reset = err_color() ? "\033[0m" : "";

	schema_hold_if_interrupted();
	if (exit_code == EXIT_OK)
		exit_code = EXIT_RUNTIME;
	fprintf(stderr, "strata: %serror%s: %s\n", red, reset,
		e->message[0] ? e->message : "unknown error");
	/* SQLite's codes are no SQLSTATE: the message names them already. */
	if (strata_error_has_sqlstate(e) && e->code == STRATA_EDB)
		fprintf(stderr, "  (SQLSTATE %s)\n", e->sqlstate);
	if (e->hint[0])
		fprintf(stderr, "hint: %s\n", e->hint);
	return exit_code;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fputs("strata: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "hint: see 'strata help%s%s'\n", command ? " " : "", command ? command : "");
	return EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "strata: %swarning%s: ", err_color() ? "\033[33m" : "",
		err_color() ? "\033[0m" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_info(cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->g.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int progress_shown;

const char *const cli_engines[] = { "postgres", "sqlite", NULL };

const char *const cli_findings_formats[] = { "text", "json", "sarif", "github", NULL };

int cli_findings_format(const char *name)
{
	for (int i = 0; cli_findings_formats[i]; i++)
		if (strcmp(name, cli_findings_formats[i]) == 0)
			return i + 1;
	return -1;
}

static void clear_progress(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
}

void cli_log(void *payload, strata_log_level level, const char *msg)
{
	cli_ctx *ctx = payload;

	if (level == STRATA_LOG_DEBUG && !ctx->g.verbose)
		return;
	if (level >= STRATA_LOG_INFO && ctx->g.quiet)
		return;
	clear_progress();
	if (level <= STRATA_LOG_WARN)
		cli_warn("%s", msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void on_progress(void *payload, size_t done, size_t total, const strata_migration *m)
{
	cli_ctx *ctx = payload;
	int width = 30, filled;

	if (!ctx->progress || ctx->g.quiet || total < 2)
		return;
	filled = (int)(total ? (double)done / (double)total * width : 0);
	fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %s", filled, "==============================",
		width - filled, "", done, total, m->revision);
	progress_shown = 1;
}

void cli_progress_clear(void)
{
	clear_progress();
}

void cli_rows_bar(cli_ctx *ctx, const char *label, long long done, long long total,
		  double rows_per_s, double eta_s, double lag_ms, int waiting)
{
	int width = 24, filled;
	char eta[32] = "?";

	if (!ctx->progress || ctx->g.quiet)
		return;
	filled = total > 0 ? (int)((double)done / (double)total * width) : 0;
	if (filled > width)
		filled = width;
	if (eta_s >= 0)
		snprintf(eta, sizeof(eta), "%.0fs", eta_s);
	fprintf(stderr, "\r\033[K%s [%.*s%*s] %lld/%lld rows, %.0f rows/s, ETA %s", label, filled,
		"========================", width - filled, "", done, total, rows_per_s, eta);
	if (lag_ms >= 0)
		fprintf(stderr, ", replica lag %.0f ms%s", lag_ms, waiting ? " (paused)" : "");
	progress_shown = 1;
}

static void on_batch_progress(void *payload, const strata_batch_progress *p)
{
	char label[128];

	snprintf(label, sizeof(label), "%s %s", p->m->revision, p->table);
	cli_rows_bar(payload, label, p->done, p->total, p->rows_per_s, p->eta_s, p->replica_lag_ms,
		     p->waiting);
}

static void on_emit(void *payload, const char *text, size_t len)
{
	fwrite(text, 1, len, stdout);
}

void cli_run_options(strata_run_options *o, cli_ctx *ctx)
{
	o->log = cli_log;
	o->progress = on_progress;
	o->batch_progress = on_batch_progress;
	o->emit = on_emit;
	o->payload = ctx;
}

void cli_print_json(void *json)
{
	json_t *j = json;

	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

int cli_load_config(cli_ctx *ctx)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	int rc;

	if (ctx->config)
		return 0;
	in.config_file = ctx->g.config;
	in.database = ctx->g.database;
	in.migrations = ctx->g.migrations;
	in.env_strata_database_url = getenv("STRATA_DATABASE_URL");
	in.env_database_url = getenv("DATABASE_URL");
	in.lock_timeout = ctx->lock_timeout;
	in.statement_timeout = ctx->statement_timeout;
	in.lock_wait = ctx->lock_wait;
	in.env = ctx->g.env ? ctx->g.env : getenv("STRATA_ENV");
	if ((rc = strata_config_load(&ctx->config, &in)) < 0)
		return cli_report_error(rc);
	if (ctx->g.verbose) {
		strata_buf shown = STRATA_BUF_INIT;

		strata_redact_conninfo(&shown, ctx->config->database);
		fprintf(stderr, "database: %s (from %s)\n", strata_buf_cstr(&shown),
			ctx->config->database_source);
		strata_buf_release(&shown);
	}
	return 0;
}

int cli_load_graph(cli_ctx *ctx)
{
	int rc;

	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	if (ctx->graph)
		return 0;
	rc = strata_graph_load(&ctx->graph, ctx->config->migrations);
	if (rc == STRATA_ENOTFOUND && !strata_error_last()->hint[0])
		strata_error_hint("run 'strata init' to create a project, or pass --migrations DIR");
	return rc < 0 ? cli_report_error(rc) : 0;
}

int cli_check_sum(cli_ctx *ctx)
{
	char *report = NULL;
	int rc;

	if ((rc = cli_load_config(ctx)) != 0)
		return rc;
	rc = ctx->graph ? strata_sum_check_graph(&report, ctx->config->migrations, ctx->graph)
			: strata_sum_check(&report, ctx->config->migrations);
	free(report);
	return rc < 0 ? cli_report_error(rc) : 0;
}

void cli_describe(FILE *f, const strata_graph *g, size_t i, int verbose)
{
	cli_describe_marked(f, g, i, verbose, NULL);
}

void cli_describe_marked(FILE *f, const strata_graph *g, size_t i, int verbose, const char *mark)
{
	const strata_migration *m = strata_graph_at(g, i);
	const size_t *heads, *kids;
	size_t nheads = strata_graph_heads(&heads, g), k, nkids = strata_graph_children(&kids, g, i);
	const char *sep = " (";
	int tags = 0;

	fputs(m->revision, f);
	for (k = 0; k < nheads; k++) {
		if (heads[k] == i) {
			fprintf(f, "%shead", sep);
			sep = ", ";
			tags = 1;
		}
	}
	if (nkids > 1) {
		fprintf(f, "%sbranchpoint", sep);
		sep = ", ";
		tags = 1;
	}
	if (m->nrevises > 1) {
		fprintf(f, "%smergepoint", sep);
		sep = ", ";
		tags = 1;
	}
	if (m->branch) {
		fprintf(f, "%sbranch %s", sep, m->branch);
		sep = ", ";
		tags = 1;
	}
	if (mark) {
		fprintf(f, "%s%s", sep, mark);
		sep = ", ";
		tags = 1;
	}
	for (k = 0; k < strata_graph_tag_count(g); k++) {
		size_t rev;
		const char *name = strata_graph_tag(&rev, g, k);

		if (rev == i) {
			fprintf(f, "%stag %s", sep, name);
			sep = ", ";
			tags = 1;
		}
	}
	if (tags)
		fputc(')', f);
	fprintf(f, " %s\n", m->message);
	if (verbose) {
		fprintf(f, "    revises: ");
		if (!m->nrevises)
			fputs("base", f);
		for (k = 0; k < m->nrevises; k++)
			fprintf(f, "%s%s", k ? " " : "", m->revises[k]);
		fputc('\n', f);
		if (m->ndepends_on) {
			fputs("    depends-on:", f);
			for (k = 0; k < m->ndepends_on; k++)
				fprintf(f, " %s", m->depends_on[k]);
			fputc('\n', f);
		}
		fprintf(f, "    file: %s\n", m->path);
		if (m->created)
			fprintf(f, "    created: %s\n", m->created);
		if (!m->transactional)
			fputs("    transaction: off\n", f);
		if (m->irreversible)
			fprintf(f, "    irreversible: %s\n", m->irreversible);
	}
}

void *cli_tags_json(const strata_graph *g, size_t i)
{
	json_t *arr = json_array();

	for (size_t k = 0; arr && k < strata_graph_tag_count(g); k++) {
		size_t rev;
		const char *name = strata_graph_tag(&rev, g, k);

		if (rev == i)
			json_array_append_new(arr, json_string(name));
	}
	return arr;
}
