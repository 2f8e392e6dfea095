/*
 * cli/cmd_plan.c - strata plan [TARGET] [-o FILE], strata plan --down TARGET
 *
 * Writes a reviewed plan (strata/planfile.h): the exact upgrade script for
 * the database as it is now, with a header naming the database, its state
 * and schema fingerprint, the lint summary of the planned revisions and
 * the SHA-256 of the body. `strata apply FILE` runs it unchanged or not at
 * all. Reads the database only; nothing is written there.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/lint.h"
#include "strata/planfile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A finding's file, relative to the project folder when it is inside it. */
static const char *project_path(const cli_ctx *ctx, const char *path)
{
	size_t n = strlen(ctx->config->root);

	return strncmp(path, ctx->config->root, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

/*
 * Lint the planned revisions as `strata lint` lints pending ones: what is
 * applied is learnt from, the steps are one range, a live PostgreSQL
 * database gives table sizes. The summary and findings go into the plan.
 */
static int lint_steps(strata_planfile *p, cli_ctx *ctx, size_t *errors)
{
	strata_lint_options lo = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings settings;
	strata_lint_report *report = NULL;
	strata_lint_live *live = NULL;
	char **lines = NULL, summary[128];
	size_t count = strata_graph_count(ctx->graph), n = 0, warnings = 0;
	size_t *steps = strata_calloc(p->nsteps ? p->nsteps : 1, sizeof(size_t));
	unsigned char *applied = strata_calloc(count ? count : 1, 1), *planned = strata_calloc(count ? count : 1, 1);
	int rc = STRATA_ERROR;

	*errors = 0;
	strata_lint_settings_init(&settings);
	if (!steps || !applied || !planned)
		goto done;
	if ((rc = strata_lint_settings_load(&settings, ctx->config)) < 0 ||
	    (rc = strata_planfile_step_indexes(steps, p, ctx->graph)) < 0 ||
	    (rc = strata_graph_applied(applied, ctx->graph, (const char *const *)p->applied,
				       p->napplied)) < 0 ||
	    (rc = strata_lint_report_new(&report)) < 0)
		goto done;
	lo.settings = &settings;
	lo.engine = strcmp(p->engine, "sqlite") == 0 ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	lo.runner_sets_lock_timeout = p->lock_timeout_ms > 0;
	lo.history_from_base = 1;
	if (lo.engine == STRATA_LINT_PG &&
	    (rc = strata_lint_live_open(&live, &lo, ctx->config->database, ctx->config->root)) < 0)
		goto done;
	for (size_t i = 0; i < p->nsteps; i++)
		planned[steps[i]] = 1;
	for (size_t i = 0; i < count; i++) {
		const strata_migration *m = strata_graph_at(ctx->graph, i);

		if (applied[i])
			rc = strata_lint_learn_migration(report, m, &lo);
		else if (planned[i])
			rc = strata_lint_migration(report, m, &lo);
		else
			continue;
		/* A revision that does not parse is a finding of its own. */
		if (rc == STRATA_ERROR)
			goto done;
	}
	strata_error_clear();
	n = strata_lint_report_count(report);
	if (!(lines = strata_calloc(n ? n : 1, sizeof(char *)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const strata_lint_finding *f = strata_lint_report_at(report, i);
		strata_buf b = STRATA_BUF_INIT;

		*errors += f->severity == STRATA_LINT_ERROR;
		warnings += f->severity == STRATA_LINT_WARNING;
		strata_buf_printf(&b, "%s:%d:%d: %s %s %s", project_path(ctx, f->path), f->line, f->col,
			   f->severity == STRATA_LINT_ERROR ? "error" : "warning", f->rule->id,
			   f->message);
		if (!(lines[i] = strata_buf_detach(&b))) {
			rc = STRATA_ERROR;
			goto done;
		}
	}
	snprintf(summary, sizeof(summary), "%zu error(s), %zu warning(s) in %zu revision(s)",
		 *errors, warnings, p->nsteps);
	rc = strata_planfile_set_lint(p, summary, (const char *const *)lines, n);
done:
	for (size_t i = 0; lines && i < n; i++)
		strata_free(lines[i]);
	strata_free(lines);
	strata_free(steps);
	strata_free(applied);
	strata_free(planned);
	strata_lint_report_free(report);
	strata_lint_live_free(live);
	return rc;
}

int cmd_plan(int argc, char **argv, cli_ctx *ctx)
{
	strata_plan_options po = STRATA_PLAN_OPTIONS_INIT;
	strata_planfile *p = NULL;
	const char *args[1], *output = NULL, *skip = NULL;
	char *text = NULL;
	size_t nargs, errors = 0;
	int down = 0, rc;
	const cli_option opts[] = {
		{ OPT_STRING, 'o', "output", &output, "FILE",
		  "write the plan to FILE (default: stdout)", 0, 0, NULL },
		{ OPT_STRING, 0, "skip-promotion-check", &skip, "REASON",
		  "plan revisions the upstream environment has not applied (reason recorded)", 0, 0, NULL },
		{ OPT_FLAG, 0, "down", &down, NULL, "plan a downgrade to TARGET (required then)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (skip && !*skip)
		return cli_usage_error("plan", "--skip-promotion-check needs a reason");
	if (output && !*output)
		return cli_usage_error("plan", "-o needs a file name");
	if (down && !nargs)
		return cli_usage_error("plan", "--down needs a target (a revision, -1, or base)");
	if (down && skip)
		return cli_usage_error("plan", "a downgrade has no promotion check to skip");
	po.target = nargs ? args[0] : "heads";
	po.skip_promotion_check = skip;
	po.down = down;
	if ((rc = strata_plan_create(&p, ctx->config, ctx->graph, &po)) < 0 ||
	    /* A downgrade runs down sections the lint does not judge: left "not run". */
	    (!down && (rc = lint_steps(p, ctx, &errors)) < 0) || (rc = strata_planfile_format(&text, p)) < 0) {
		rc = cli_report_error(rc);
		goto done;
	}
	if (output) {
		if ((rc = strata_file_write(output, text, strlen(text))) < 0) {
			rc = cli_report_error(rc);
			goto done;
		}
	} else {
		fputs(text, stdout);
	}
	if (ctx->g.json && output) {
		json_t *steps = json_array();

		for (size_t i = 0; i < p->nsteps; i++)
			json_array_append_new(steps, json_string(p->steps[i]));
		cli_print_json(json_pack("{s:s, s:s?, s:s, s:o, s:s, s:s}", "plan", output,
					 "environment", p->environment, "identity", p->identity,
					 "steps", steps, "lint", p->lint, "body_sha256",
					 p->body_sha256));
	}
	if (errors)
		cli_warn("the plan's revisions have %zu lint error(s): see its lint-finding lines", errors);
	if (output)
		cli_info(ctx, "wrote %s: %zu step(s)%s%s; review it, then run 'strata%s%s apply %s'",
			 output, p->nsteps, p->environment ? " for " : "",
			 p->environment ? p->environment : "", p->environment ? " -e " : "",
			 p->environment ? p->environment : "", output);
	rc = EXIT_OK;
done:
	strata_free(text);
	strata_planfile_free(p);
	return rc;
}
