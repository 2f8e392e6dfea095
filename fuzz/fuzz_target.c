/*
 * fuzz/fuzz_target.c - revision targets and ranges (core/revgraph.c) from
 * arbitrary strings: head, heads, base, ids and prefixes, branch labels,
 * label@head, +N/-N, steps from a revision (REV+N, REV-N, head-N,
 * base+N), and FROM:TO as `upgrade --sql` and `history -r` take them.
 *
 * The graph is fixed: two roots, a branch point, labelled branches, a
 * merge and a depends-on edge. Each input is resolved and planned from
 * several applied states; a plan must name each revision at most once,
 * only unapplied ones going up and only applied ones going down. A range
 * is also rendered as the --sql script the runner would print.
 */
#include "fuzz.h"

#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "strata/runner.h"
#include "util/alloc.h"

static strata_graph *graph;

static const struct { const char *id, *revises, *extra; } revs[] = {
	{ "a00000000001", "base", "" },
	{ "a10000000002", "a00000000001", "-- branch: left\n" },
	{ "a20000000003", "a00000000001", "-- branch: right\n" },
	{ "a10000000004", "a10000000002", "" },
	{ "b00000000005", "a10000000004 a20000000003", "" },
	{ "c00000000006", "base", "-- branch: other\n" },
	{ "c00000000007", "c00000000006", "-- depends-on: a20000000003\n" },
	{ "d00000000008", "b00000000005", "-- transaction: off\n" },
};
#define NREVS (sizeof(revs) / sizeof(revs[0]))

static void setup(void)
{
	strata_migration **migs;
	size_t i;

	if (graph)
		return;
	if (!(migs = strata_calloc(NREVS, sizeof(*migs))))
		abort();
	for (i = 0; i < NREVS; i++) {
		char text[512], path[64];

		snprintf(text, sizeof(text),
			 "-- revision: %s\n-- revises: %s\n%s-- message: rev %zu\n\n"
			 "-- +up\nCREATE TABLE t%zu (id integer);\n-- +down\nDROP TABLE t%zu;\n",
			 revs[i].id, revs[i].revises, revs[i].extra, i, i, i);
		snprintf(path, sizeof(path), "migrations/%s_rev.sql", revs[i].id);
		if (strata_migration_parse(&migs[i], path, text, strlen(text)) != 0)
			abort();
	}
	if (strata_graph_build(&graph, migs, NREVS) != 0)
		abort();
}

static void check_plan(const strata_plan *p, const unsigned char *applied, int up)
{
	unsigned char seen[NREVS] = { 0 };
	size_t i;

	for (i = 0; i < p->nsteps; i++) {
		FUZZ_CHECK(p->steps[i] < NREVS);
		FUZZ_CHECK(!seen[p->steps[i]]);
		seen[p->steps[i]] = 1;
		FUZZ_CHECK(up ? !applied[p->steps[i]] : applied[p->steps[i]]);
	}
}

static void plans_from(const unsigned char *applied, const char *target)
{
	strata_plan p;

	memset(&p, 0, sizeof(p));
	if (strata_plan_upgrade(&p, graph, applied, target) == 0)
		check_plan(&p, applied, 1);
	strata_plan_release(&p);
	memset(&p, 0, sizeof(p));
	if (strata_plan_downgrade(&p, graph, applied, target) == 0)
		check_plan(&p, applied, 0);
	strata_plan_release(&p);
}

static void ignore_text(void *payload, const char *text, size_t len)
{
	(void)payload;
	(void)text;
	(void)len;
}

/* `upgrade --sql FROM:TO` and `downgrade --sql FROM:TO`: nothing is opened. */
static void offline_range(const char *from, const char *to)
{
	strata_config cfg;
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res;

	memset(&cfg, 0, sizeof(cfg));
	cfg.database = (char *)"sqlite::memory:";
	cfg.version_table = (char *)"strata_version";
	cfg.history_table = (char *)"strata_history";
	cfg.root = (char *)"/nonexistent";
	o.sql_only = 1;
	o.sql_from = from;
	o.target = to;
	o.emit = ignore_text;
	(void)strata_upgrade(&res, &cfg, graph, &o);
	(void)strata_downgrade(&res, &cfg, graph, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char applied[NREVS], stamped[NREVS];
	char *target;
	const char *colon;
	size_t idx, i;

	if (size > 256)
		return 0;
	setup();
	target = fuzz_cstr(data, size);
	if (strata_graph_lookup(&idx, graph, target) == 0)
		FUZZ_CHECK(idx < NREVS);

	/* from nothing, from everything, and from a partial state */
	memset(applied, 0, sizeof(applied));
	plans_from(applied, target);
	memset(applied, 1, sizeof(applied));
	plans_from(applied, target);
	if (strata_plan_stamp(applied, graph, "a10000000004") != 0)
		abort();
	plans_from(applied, target);
	if (strata_plan_stamp(stamped, graph, target) == 0)
		for (i = 0; i < NREVS; i++)
			FUZZ_CHECK(stamped[i] <= 1);

	colon = strchr(target, ':');
	if (colon && colon != target && colon[1]) {
		char *from = strata_strndup(target, (size_t)(colon - target));

		if (from)
			offline_range(from, colon + 1);
		strata_free(from);
	}
	free(target);
	strata_error_clear();
	return 0;
}
