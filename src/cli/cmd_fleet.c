/*
 * cli/cmd_fleet.c - strata fleet NAME upgrade|status [TARGET]
 *
 * Runs an upgrade (or reads the state) of every target of strata.ini's
 * [fleet.NAME] (strata/fleet.h): --parallel N at a time, --canary N first,
 * --max-failures N, --resume. A progress bar on a terminal; then one line
 * per target (outcome, time, error), or --json. Exit 0 when every target
 * succeeded, 1 when some failed or did not start, 2 for bad usage.
 */
#include "cli/cli.h"
#include "strata/error.h"
#include "strata/fleet.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *outcome_name(strata_fleet_outcome o)
{
	switch (o) {
	case STRATA_FLEET_APPLIED: return "applied";
	case STRATA_FLEET_UP_TO_DATE: return "up-to-date";
	case STRATA_FLEET_FAILED: return "failed";
	default: return "not-started";
	}
}

static void on_progress(void *payload, const strata_fleet_progress *p)
{
	double rate = p->elapsed_ms > 0 ? (double)p->done * 1000.0 / p->elapsed_ms : 0;
	double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
	int width = 30, filled = p->total ? (int)((double)width * (double)p->done / (double)p->total) : 0;
	char bar[64];

	(void)payload;
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(width - filled));
	bar[width] = '\0';
	fprintf(stderr, "\r\033[K[%s] %zu/%zu done, %zu failed, %zu running, %.1f/s, ETA %.0fs", bar,
		p->done, p->total, p->failed, p->running, rate, eta);
}

int cmd_fleet(int argc, char **argv, cli_ctx *ctx)
{
	strata_fleet_options fo = STRATA_FLEET_OPTIONS_INIT;
	strata_fleet *f = NULL;
	const char *args[3];
	long par = -1, can = -1, maxf = -1; /* -1: not given */
	size_t nargs, counts[4] = { 0 };
	int resume = 0, rc, status;
	double t0 = strata_now_ms();
	const cli_option opts[] = {
		CLI_INT(0, "parallel", &par, "N", 1, 1000000,
			"targets at a time (default: parallel = in the fleet, or 4)"),
		CLI_INT(0, "canary", &can, "N", 0, 1000000,
			"run the first N first; if one fails nothing else starts"),
		CLI_INT(0, "max-failures", &maxf, "N", 0, 1000000,
			"start no new target once more than N failed"),
		{ OPT_FLAG, 0, "resume", &resume, NULL,
		  "read every target first and skip those at the target", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 3, &nargs)) != 0)
		return rc;
	if (nargs < 2)
		return cli_usage_error("fleet", "usage: strata fleet NAME upgrade|status [TARGET]");
	if (strcmp(args[1], "upgrade") == 0)
		fo.action = STRATA_FLEET_UPGRADE;
	else if (strcmp(args[1], "status") == 0)
		fo.action = STRATA_FLEET_STATUS;
	else
		return cli_usage_error("fleet", "unknown fleet action '%s' (upgrade or status)", args[1]);
	if (nargs > 2 && fo.action != STRATA_FLEET_UPGRADE)
		return cli_usage_error("fleet", "status takes no target");
	fo.target = nargs > 2 ? args[2] : NULL;
	if (par >= 0)
		fo.parallel = (int)par;
	if (can >= 0)
		fo.canary = (int)can;
	if (maxf >= 0)
		fo.max_failures = (int)maxf;
	fo.resume = resume;
	if (ctx->progress && !ctx->g.quiet) {
		fo.progress = on_progress;
		fo.payload = ctx;
	}
	if ((rc = strata_fleet_load(&f, ctx->config, args[0])) < 0)
		return cli_report_error(rc);
	status = strata_fleet_run(f, ctx->config, ctx->graph, &fo);
	if (fo.progress)
		fputs("\r\033[K", stderr);
	if (status < 0 && status != STRATA_ECHECK) {
		rc = cli_report_error(status);
		goto done;
	}
	for (size_t i = 0; i < f->n; i++)
		counts[f->targets[i].outcome]++;
	if (ctx->g.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < f->n; i++) {
			const strata_fleet_target *t = &f->targets[i];
			json_t *o = json_pack("{s:s, s:s?, s:s, s:b, s:f}", "target", t->shown, "schema",
					      t->schema, "outcome", outcome_name(t->outcome), "canary",
					      t->canary, "ms", t->ms);

			if (fo.action == STRATA_FLEET_UPGRADE)
				json_object_set_new(o, "applied", json_integer((json_int_t)t->applied));
			else if (t->outcome != STRATA_FLEET_FAILED)
				json_object_set_new(o, "state", json_pack("{s:s?, s:i, s:i}", "heads", t->heads,
									  "applied", (int)t->applied,
									  "pending", (int)t->pending));
			if (t->error)
				json_object_set_new(o, "error", json_string(t->error));
			json_array_append_new(arr, o);
		}
		cli_print_json(json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:o}", "fleet", f->name,
					 "action", args[1], "applied", (int)counts[STRATA_FLEET_APPLIED],
					 "up_to_date", (int)counts[STRATA_FLEET_UP_TO_DATE], "failed",
					 (int)counts[STRATA_FLEET_FAILED], "not_started",
					 (int)counts[STRATA_FLEET_NOT_STARTED], "ms", strata_now_ms() - t0,
					 "targets", arr));
	} else {
		for (size_t i = 0; i < f->n; i++) {
			const strata_fleet_target *t = &f->targets[i];

			printf("%-11s %7.0f ms  %s", outcome_name(t->outcome), t->ms, t->shown);
			if (fo.action == STRATA_FLEET_UPGRADE && t->outcome == STRATA_FLEET_APPLIED)
				printf("  (%zu revision%s)", t->applied, t->applied == 1 ? "" : "s");
			if (fo.action == STRATA_FLEET_STATUS && t->outcome != STRATA_FLEET_FAILED)
				printf("  heads %s, %zu pending", t->heads && *t->heads ? t->heads : "none",
				       t->pending);
			if (t->canary)
				fputs("  [canary]", stdout);
			if (t->error)
				printf("\n    %s", t->error);
			fputc('\n', stdout);
		}
		printf("fleet %s: %zu target(s): %zu applied, %zu up to date, %zu failed, %zu not "
		       "started, in %.0f ms\n", f->name, f->n, counts[STRATA_FLEET_APPLIED],
		       counts[STRATA_FLEET_UP_TO_DATE], counts[STRATA_FLEET_FAILED],
		       counts[STRATA_FLEET_NOT_STARTED], strata_now_ms() - t0);
	}
	rc = status == STRATA_ECHECK ? EXIT_CHECK : EXIT_OK;
	if (rc)
		cli_warn("fleet %s: %zu failed, %zu not started", f->name, counts[STRATA_FLEET_FAILED],
			 counts[STRATA_FLEET_NOT_STARTED]);
done:
	strata_fleet_free(f);
	return rc;
}
