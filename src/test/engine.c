/*
 * test/engine.c - strata_test_run() (strata/test.h): prove on a scratch
 * database that the migrations go up, come down without a trace and
 * match the declared schema.
 *
 * Layer: test. It sits beside advise/ and import/, above the modules it
 * drives (core's graph, runner sessions and data-check files; schema's
 * introspection, diff and shadows; lint; online through the runner), not
 * in core/, which must not depend on schema or lint. It never prints: the
 * report is the caller's to render (src/cli/cmd_test.c).
 *
 * One database serves the whole run (SQLite: in memory; PostgreSQL: a
 * shadow database, dropped at the end; or cfg->database with
 * opts->on_database), on one connection: each step goes through a runner
 * session (strata_session_step), which keeps the run lock and the
 * bookkeeping state between steps. The revisions are walked once in apply
 * order; for each: a snapshot (snapshot.c), its data-check "+before"
 * statements, up, its "+check" queries, down, a snapshot again and the
 * comparison (down-leaves-no-trace), its "+check-down" queries, up again
 * (stairway). At the end the schema at the heads is compared with
 * cfg->schema, and the lint's error-level findings over all revisions are
 * reported. A failing up or down stops the walk; with keep_going it goes
 * on with every revision whose ancestors are applied. strata's own
 * objects (bookkeeping, strata online's) are left out of every catalog
 * compared (strata__testrun_drop_own_objects).
 *
 * Invariants:
 *  1. Findings are recorded in the report, never returned as errors; an
 *     error (bad input, the database failing under the run) frees the
 *     report and returns the code, its detail in strata_error_last().
 *  2. The shadow database is dropped on every way out; when only dropping
 *     it fails, that is the run's error (the report is not handed out).
 *  3. Every string in a report is its own copy (or a static string).
 *
 * New check: add it to strata_test_check (strata/test.h) and check_names
 * below, then to docs/testing.md and `strata help test`.
 */
#include "test/test_int.h"
#include "db/db.h"
#include "schema/diff.h"
#include "schema/provider.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "strata/lint.h"
#include "strata/runner.h"
#include "strata/session.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The checks the rest of the walk serves after an up. */
static const int after_up[] = { STRATA_TEST_STAIRWAY, STRATA_TEST_NO_TRACE, STRATA_TEST_DATA,
				STRATA_TEST_SCHEMA };

static const char *const check_names[STRATA_TEST_NCHECKS] = {
	"single-head", "upgrade", "stairway", "down-leaves-no-trace",
	"schema-matches", "data-survives", "lint",
};

const char *strata_test_check_name(strata_test_check check)
{
	return (unsigned)check < STRATA_TEST_NCHECKS ? check_names[check] : NULL;
}

int strata_test_check_lookup(const char *name, size_t len)
{
	for (int c = 0; c < STRATA_TEST_NCHECKS; c++)
		if (strlen(check_names[c]) == len && strncmp(check_names[c], name, len) == 0)
			return c;
	return -1;
}

static strata_test_result *result(testrun *t, int check)
{
	return &t->report->results[check];
}

static int enabled(const testrun *t, int check)
{
	return t->report->results[check].enabled;
}

/* A copy of s (NULL stays NULL); sets t->oom when out of memory. */
static char *copy(testrun *t, const char *s)
{
	char *c = s ? strata_strdup(s) : NULL;

	if (s && !c)
		t->oom = 1;
	return c;
}

static void release_failure(strata_test_failure *f)
{
	for (size_t d = 0; d < f->ndifferences; d++) {
		strata_test_difference *x = (strata_test_difference *)&f->differences[d];

		strata_free((char *)x->difference);
		strata_free((char *)x->kind);
		strata_free((char *)x->object);
		strata_free((char *)x->detail);
	}
	strata_free((void *)f->differences);
	strata_free((char *)f->revision);
	strata_free((char *)f->message);
}

/* The differences of a change list into f, ignoring consequential ones;
 * labels name what each op means from the checker's point of view. */
static void add_differences(testrun *t, strata_test_failure *f, const sc_changes *c,
			    const char *create, const char *drop)
{
	strata_test_difference *v;
	size_t n = 0;

	if (!f)
		return;
	if (!(v = strata_calloc(c->n ? c->n : 1, sizeof(*v)))) {
		t->oom = 1;
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		const sc_change *ch = &c->v[i];

		if (ch->consequential)
			continue;
		v[n].difference = copy(t, ch->op == SC_OP_CREATE ? create
					  : ch->op == SC_OP_DROP ? drop
								 : "changed");
		v[n].kind = copy(t, strata__sc_kind_name(ch->kind));
		v[n].object = copy(t, ch->object);
		v[n].detail = copy(t, ch->op == SC_OP_ALTER ? ch->detail : NULL);
		n++;
	}
	f->differences = v;
	f->ndifferences = n;
}

/* Record a failure of check (about revision, or NULL); NULL when out of
 * memory (t->oom is set). */
static strata_test_failure *add_failure(testrun *t, int check, const char *revision,
					const char *message)
{
	strata_test_result *r = result(t, check);
	size_t *cap = &t->report->cap[check];
	strata_test_failure *f;

	if (r->nfailures == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *v = strata_realloc((void *)r->failures, ncap * sizeof(*r->failures));

		if (!v) {
			t->oom = 1;
			return NULL;
		}
		r->failures = v;
		*cap = ncap;
	}
	f = (strata_test_failure *)&r->failures[r->nfailures++];
	memset(f, 0, sizeof(*f));
	f->revision = copy(t, revision);
	f->message = copy(t, message);
	return f;
}

/* Where a failed up is reported: the upgrade check, or when it is not
 * selected, the first selected check the walk serves. */
static int up_check(const testrun *t)
{
	static const int order[] = { STRATA_TEST_UPGRADE, STRATA_TEST_STAIRWAY, STRATA_TEST_NO_TRACE,
				     STRATA_TEST_DATA, STRATA_TEST_SCHEMA };

	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++)
		if (enabled(t, order[i]))
			return order[i];
	return STRATA_TEST_UPGRADE;
}

static void skip_rest(testrun *t, const char *why, const int *checks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!result(t, checks[i])->skipped)
			result(t, checks[i])->skipped = why;
}

/* One step on the scratch database: revision i up or down. */
static int strata__run_step(testrun *t, size_t i, strata_direction dir)
{
	return strata_session_step(t->session, i, dir);
}

typedef struct query_answer {
	size_t rows;
	int first_true;
} query_answer;

static int on_check_row(void *payload, int ncols, const char *const *values)
{
	query_answer *a = payload;

	if (a->rows++ == 0)
		a->first_true = ncols > 0 && strata__revtest_is_true(values[0]);
	return 0;
}

/* Run one section of revision i's data checks; failures are recorded. */
static void run_datatest(testrun *t, size_t i, revtest_section section)
{
	const revtest *dt = t->datatests ? t->datatests[i] : NULL;
	const char *revision = strata_graph_at(t->g, i)->revision;
	strata_buf msg = STRATA_BUF_INIT;

	if (!dt || !enabled(t, STRATA_TEST_DATA))
		return;
	for (size_t k = 0; k < dt->n[section]; k++) {
		const revtest_stmt *s = &dt->stmts[section][k];
		query_answer a = { 0, 0 };
		int rc;

		strata__buf_clear(&msg);
		if (section == REVTEST_BEFORE) {
			rc = strata__db_exec_stmt(t->db, s->sql, strlen(s->sql), NULL, 0);
			if (rc != 0)
				strata__buf_printf(&msg, "%s:%d: the +before statement failed: %s", dt->path,
					   s->line, strata_error_last()->message);
		} else {
			rc = strata__db_query(t->db, s->sql, 0, NULL, on_check_row, &a);
			if (rc != 0)
				strata__buf_printf(&msg, "%s:%d: the check failed after the %s: %s", dt->path,
					   s->line, section == REVTEST_CHECK ? "up" : "down",
					   strata_error_last()->message);
			else if (a.rows != 1 || !a.first_true)
				strata__buf_printf(&msg, "%s:%d: after the %s, %s: %s", dt->path, s->line,
					   section == REVTEST_CHECK ? "up" : "down",
					   a.rows != 1 ? "the check did not return exactly one row"
						       : "the check is not true",
					   s->sql);
		}
		if (msg.len)
			add_failure(t, STRATA_TEST_DATA, revision, strata__buf_cstr(&msg));
		strata_error_clear();
	}
	strata__buf_release(&msg);
}

/* Compare the schema before revision i's up with the one after its down. */
static int compare_no_trace(testrun *t, size_t i, rev_snap *s)
{
	sc_catalog *before = NULL, *after = NULL;
	sc_changes changes = { 0 };
	size_t ndiff = 0;
	int rc;

	if ((rc = strata__testrun_snapshot_after(t, s, &before, &after)) != 0 || !after)
		return rc;
	if ((rc = strata__sc_diff(before, after, NULL, &changes)) != 0)
		goto done;
	for (size_t k = 0; k < changes.n; k++)
		ndiff += !changes.v[k].consequential;
	if (ndiff) {
		char msg[128];

		snprintf(msg, sizeof(msg), "the down leaves %zu difference(s) from the schema before the up",
			 ndiff);
		add_differences(t, add_failure(t, STRATA_TEST_NO_TRACE, strata_graph_at(t->g, i)->revision,
					       msg),
				&changes, "leftover", "missing");
	}
done:
	strata__sc_changes_release(&changes);
	strata__sc_catalog_free(before);
	strata__sc_catalog_free(after);
	return rc;
}

/* Whether everything revision i builds on is applied on the shadow. */
static int can_apply(const testrun *t, size_t i)
{
	const unsigned char *applied = strata_session_applied(t->session);
	const size_t *e;
	size_t n = strata_graph_parents(&e, t->g, i);

	for (size_t k = 0; k < n; k++)
		if (!applied[e[k]])
			return 0;
	n = strata_graph_dependencies(&e, t->g, i);
	for (size_t k = 0; k < n; k++)
		if (!applied[e[k]])
			return 0;
	return 1;
}

/* A step of revision i failed: the failure goes to check, and the checks
 * that needed the rest of the walk are skipped, for why (the walk stops)
 * or for why_on (keep_going: the walk goes on, but not every revision is
 * walked whole, and the heads are not reached). Returns whether the walk
 * goes on. */
static int step_failed(testrun *t, int check, size_t i, const char *prefix, const char *why,
		       const char *why_on)
{
	strata_buf msg = STRATA_BUF_INIT;

	strata__buf_printf(&msg, "%s%s", prefix, strata_error_last()->message);
	add_failure(t, check, strata_graph_at(t->g, i)->revision, strata__buf_cstr(&msg));
	strata__buf_release(&msg);
	strata_error_clear();
	skip_rest(t, t->keep_going ? why_on : why, after_up, sizeof(after_up) / sizeof(*after_up));
	return t->keep_going;
}

/* Revision i is walked (or passed over): tell the caller's progress callback. */
static void walked(const testrun *t, size_t i, size_t n)
{
	if (t->progress)
		t->progress(t->payload, i + 1, n, strata_graph_at(t->g, i));
}

/*
 * The walk: every revision from `from` on, in apply order. Returns 0, or
 * the code of an error that is not a finding (the shadow went away).
 * *at_heads is set when it reached the end with everything applied.
 * Without keep_going it stops at the first failing step; with it, every
 * revision whose ancestors are applied is walked, and those that build on
 * a failed one are listed as not run.
 */
static int walk(testrun *t, size_t from, int *at_heads)
{
	size_t n = strata_graph_count(t->g);
	int need_down = enabled(t, STRATA_TEST_STAIRWAY) || enabled(t, STRATA_TEST_NO_TRACE) ||
			enabled(t, STRATA_TEST_DATA);
	strata_buf not_run = STRATA_BUF_INIT;
	size_t nnot_run = 0;
	int rc = 0, stopped = 0, failed = 0;

	*at_heads = 0;
	if (from > 0) {
		char target[32];

		snprintf(target, sizeof(target), "+%zu", from);
		if (strata_session_upgrade(t->session, target) != 0) {
			add_failure(t, up_check(t), NULL, strata_error_last()->message);
			skip_rest(t, "the revisions before --from did not apply", after_up,
				  sizeof(after_up) / sizeof(*after_up));
			return 0;
		}
		if (t->engine == DB_POSTGRES && (rc = strata__testrun_note_event_triggers(t)) != 0)
			return rc;
	}
	for (size_t i = from; i < n && !stopped; walked(t, i++, n)) {
		const strata_migration *m = strata_graph_at(t->g, i);
		int reversible = need_down && !m->irreversible;
		int snapped = reversible && enabled(t, STRATA_TEST_NO_TRACE), opaque = -1;
		int down_check = enabled(t, STRATA_TEST_STAIRWAY) ? STRATA_TEST_STAIRWAY : up_check(t);
		rev_snap before;

		if (!can_apply(t, i)) {
			/* keep_going, past a failed step this revision builds on */
			strata__buf_printf(&not_run, " %s", m->revision);
			nnot_run++;
			continue;
		}
		memset(&before, 0, sizeof(before));
		if (snapped && (rc = strata__testrun_snapshot_before(t, i, &before)) != 0) {
			strata__testrun_snap_release(&before);
			break;
		}
		if (snapped)
			opaque = before.names.opaque;
		run_datatest(t, i, REVTEST_BEFORE);
		if (strata__run_step(t, i, STRATA_UP) != 0) {
			strata__testrun_snap_release(&before);
			failed = 1;
			stopped = !step_failed(t, up_check(t), i, "", "the upgrade failed",
					       "not every revision was walked: an up failed");
			continue;
		}
		run_datatest(t, i, REVTEST_CHECK);
		if (!reversible) {
			strata__testrun_snap_release(&before);
			continue;
		}
		if (strata__run_step(t, i, STRATA_DOWN) != 0) {
			strata__testrun_snap_release(&before);
			failed = 1;
			stopped = !step_failed(t, down_check, i, "", "the stairway stopped",
					       "not every revision was walked: a down failed");
			if (!stopped && (rc = strata__testrun_opaque_revision(t, i, opaque)) != 0)
				break;
			continue;
		}
		rc = snapped ? compare_no_trace(t, i, &before) : 0;
		strata__testrun_snap_release(&before);
		if (rc != 0)
			break;
		run_datatest(t, i, REVTEST_CHECK_DOWN);
		if (strata__run_step(t, i, STRATA_UP) != 0) {
			failed = 1;
			stopped = !step_failed(t, down_check, i, "up again after the down: ",
					       "the stairway stopped",
					       "not every revision was walked: an up again failed");
			continue;
		}
		if ((rc = strata__testrun_opaque_revision(t, i, opaque)) != 0)
			break;
	}
	if (rc == 0 && nnot_run) {
		strata_buf msg = STRATA_BUF_INIT;

		strata__buf_printf(&msg, "not run: %zu revision(s) build on one whose step failed:%s",
			   nnot_run, strata__buf_cstr(&not_run));
		add_failure(t, up_check(t), NULL, strata__buf_cstr(&msg));
		strata__buf_release(&msg);
	}
	strata__buf_release(&not_run);
	if (rc == 0 && !failed)
		*at_heads = 1;
	return rc;
}

/* Union-find over revision indexes: the root of i's set. */
static size_t set_of(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

/*
 * The revisions fall into lines joined by any edge, revises or
 * depends-on: a second base joined to the others (a branch started at
 * base and later merged, or depended on) belongs with them. The line with
 * the most revisions (the first base's on a tie) is the project's; every
 * base of another line is orphaned, and named.
 */
static int check_orphans(testrun *t, const size_t *bases, size_t nbases)
{
	size_t n = strata_graph_count(t->g), *up, *size, main_set = 0, main_base = 0;
	strata_buf msg = STRATA_BUF_INIT;

	if (nbases < 2)
		return 0;
	up = strata_calloc(n, sizeof(*up));
	size = strata_calloc(n, sizeof(*size));
	if (!up || !size) {
		strata_free(up);
		strata_free(size);
		return STRATA_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		up[i] = i;
	for (size_t i = 0; i < n; i++) {
		const size_t *e;
		size_t ne = strata_graph_parents(&e, t->g, i);

		for (int pass = 0; pass < 2; pass++) {
			for (size_t k = 0; k < ne; k++)
				up[set_of(up, e[k])] = set_of(up, i);
			ne = strata_graph_dependencies(&e, t->g, i);
		}
	}
	for (size_t i = 0; i < n; i++)
		size[set_of(up, i)]++;
	for (size_t b = 0; b < nbases; b++) {
		size_t s = set_of(up, bases[b]);

		if (b == 0 || size[s] > size[main_set]) {
			main_set = s;
			main_base = bases[b];
		}
	}
	for (size_t b = 0; b < nbases; b++) {
		if (set_of(up, bases[b]) == main_set)
			continue;
		strata__buf_clear(&msg);
		strata__buf_printf(&msg,
			   "orphaned: revises base, and no revision joins it (by revises or depends-on) "
			   "to the revisions from %s",
			   strata_graph_at(t->g, main_base)->revision);
		add_failure(t, STRATA_TEST_SINGLE_HEAD, strata_graph_at(t->g, bases[b])->revision,
			    strata__buf_cstr(&msg));
	}
	strata__buf_release(&msg);
	strata_free(up);
	strata_free(size);
	return 0;
}

static int check_single_head(testrun *t, long want_heads)
{
	const size_t *heads, *bases;
	size_t nheads = strata_graph_heads(&heads, t->g);
	size_t nbases = strata_graph_bases(&bases, t->g);
	strata_buf msg = STRATA_BUF_INIT;

	if (strata_graph_count(t->g) && nheads != (size_t)want_heads) {
		strata__buf_printf(&msg, "%zu heads, expected %ld:", nheads, want_heads);
		for (size_t i = 0; i < nheads; i++)
			strata__buf_printf(&msg, " %s", strata_graph_at(t->g, heads[i])->revision);
		add_failure(t, STRATA_TEST_SINGLE_HEAD, NULL, strata__buf_cstr(&msg));
	}
	strata__buf_release(&msg);
	return check_orphans(t, bases, nbases);
}

static int check_schema(testrun *t)
{
	sc_catalog *head = NULL, *declared = NULL;
	sc_changes changes = { 0 };
	size_t ndiff = 0;
	int rc;

	if ((rc = strata__testrun_snapshot(t, &head)) != 0 ||
	    (rc = strata__sc_load(&declared, t->project->schema, t->engine, &t->cfg)) != 0 ||
	    (rc = strata__testrun_drop_own_objects(t, declared)) != 0 ||
	    (rc = strata__sc_diff(declared, head, NULL, &changes)) != 0)
		goto done;
	for (size_t k = 0; k < changes.n; k++)
		ndiff += !changes.v[k].consequential;
	if (ndiff) {
		strata_buf shown = STRATA_BUF_INIT;
		char msg[256];

		if (strata__sc_source_shown(&shown, t->project->schema) != 0)
			t->oom = 1;
		snprintf(msg, sizeof(msg), "the schema at the heads differs from %s in %zu place(s)",
			 strata__buf_cstr(&shown), ndiff);
		strata__buf_release(&shown);
		add_differences(t, add_failure(t, STRATA_TEST_SCHEMA, NULL, msg), &changes,
				"only in the migrations", "only in the schema file");
	}
done:
	strata__sc_changes_release(&changes);
	strata__sc_catalog_free(head);
	strata__sc_catalog_free(declared);
	return rc;
}

static int check_lint(testrun *t)
{
	strata_lint_options lo = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings settings;
	strata_lint_report *report = NULL;
	size_t n = strata_graph_count(t->g), seen = 0;
	int rc;

	strata_lint_settings_init(&settings);
	if ((rc = strata_lint_settings_load(&settings, t->project)) < 0)
		return rc;
	lo.settings = &settings;
	lo.engine = t->engine == DB_SQLITE ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	lo.runner_sets_lock_timeout = t->cfg.lock_timeout_ms > 0;
	lo.history_from_base = 1; /* every revision, in graph order, from base */
	if ((rc = strata_lint_report_new(&report)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(t->g, i);

		strata_lint_report_new_range(report);
		if ((rc = strata_lint_migration(report, m, &lo)) < 0) {
			if (rc != STRATA_EPARSE)
				break;
			add_failure(t, STRATA_TEST_LINT, m->revision, strata_error_last()->message);
			rc = 0;
		}
		for (; seen < strata_lint_report_count(report); seen++) {
			const strata_lint_finding *f = strata_lint_report_at(report, seen);
			strata_buf msg = STRATA_BUF_INIT;

			if (f->severity != STRATA_LINT_ERROR)
				continue;
			strata__buf_printf(&msg, "%s:%d:%d: %s %s [%s]", f->path, f->line, f->col, f->rule->id,
				   f->message, f->rule->name);
			add_failure(t, STRATA_TEST_LINT, m->revision, strata__buf_cstr(&msg));
			strata__buf_release(&msg);
		}
	}
	strata_lint_report_free(report);
	return rc < 0 ? rc : 0;
}

/* Read migrations/tests/<revision>.sql files; STRATA_EPARSE on bad input. */
static int load_datatests(testrun *t)
{
	strata_buf dir = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t nnames = 0;
	int rc = 0;

	if (strata__fs_join(&dir, t->project->migrations, "tests") != 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	if (!strata__fs_is_dir(strata__buf_cstr(&dir)))
		goto done;
	if (strata__fs_list_dir(&names, &nnames, strata__buf_cstr(&dir)) != 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	if (!(t->datatests = strata_calloc(strata_graph_count(t->g) + 1, sizeof(revtest *)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	for (size_t k = 0; k < nnames; k++) {
		size_t len = strlen(names[k]), idx;
		char revision[64];

		if (len < 5 || strcmp(names[k] + len - 4, ".sql") != 0)
			continue;
		strata__buf_clear(&path);
		if (strata__fs_join(&path, strata__buf_cstr(&dir), names[k]) != 0) {
			rc = STRATA_ERROR;
			goto done;
		}
		snprintf(revision, sizeof(revision), "%.*s", (int)(len - 4), names[k]);
		if (strata_graph_lookup(&idx, t->g, revision) != 0) {
			strata_error_clear();
			strata_error_set(STRATA_EPARSE, "%s: no revision '%s' in %s", strata__buf_cstr(&path),
					 revision, t->project->migrations);
			strata_error_hint("name a data-check file after its revision: tests/<revision>.sql");
			rc = STRATA_EPARSE;
			goto done;
		}
		if (t->datatests[idx]) {
			strata_error_set(STRATA_EPARSE, "%s: a second data-check file for revision %s",
					 strata__buf_cstr(&path), strata_graph_at(t->g, idx)->revision);
			rc = STRATA_EPARSE;
			goto done;
		}
		if ((rc = strata__revtest_load(&t->datatests[idx], strata__buf_cstr(&path), t->engine)) != 0)
			goto done;
	}
done:
	strata__fs_free_names(names, nnames);
	strata__buf_release(&dir);
	strata__buf_release(&path);
	return rc;
}

/* A scratch database to run on must hold nothing yet. */
static int check_scratch_empty(testrun *t)
{
	sc_catalog *cat = NULL;
	int rc = strata__testrun_snapshot(t, &cat), filled = 0;

	if (rc != 0)
		return rc;
	/* Schemas (PostgreSQL's public) and extensions come with a new
	 * database; anything else means someone's data. */
	for (size_t i = 0; i < cat->n; i++)
		if (cat->objs[i]->kind != SC_SCHEMA && cat->objs[i]->kind != SC_EXTENSION)
			filled = 1;
	if (filled) {
		strata__sc_catalog_free(cat);
		strata_error_set(STRATA_EINVALID,
				 "the database given with --database is not empty; strata test "
				 "needs a scratch database it may fill (or none: it then creates "
				 "a shadow database and drops it)");
		strata_error_hint("see 'strata help test'");
		return STRATA_EINVALID;
	}
	strata__sc_catalog_free(cat);
	return 0;
}

/* The checks and the walk on the open scratch database. */
static int run_checks(testrun *t, size_t from, long want_heads)
{
	int rc, at_heads = 0;

	if (enabled(t, STRATA_TEST_SINGLE_HEAD) && (rc = check_single_head(t, want_heads)) != 0)
		return rc;
	if (enabled(t, STRATA_TEST_UPGRADE) || enabled(t, STRATA_TEST_STAIRWAY) ||
	    enabled(t, STRATA_TEST_NO_TRACE) || enabled(t, STRATA_TEST_DATA) ||
	    enabled(t, STRATA_TEST_SCHEMA)) {
		if ((rc = walk(t, from, &at_heads)) != 0)
			return rc;
	}
	if (enabled(t, STRATA_TEST_SCHEMA) && !result(t, STRATA_TEST_SCHEMA)->skipped) {
		const char *schema = t->project->schema;

		if (!schema || (!strata__sc_provider_is(schema) && !strata__fs_exists(schema)))
			result(t, STRATA_TEST_SCHEMA)->skipped = "no schema file (schema in strata.ini)";
		else if (at_heads && (rc = check_schema(t)) != 0)
			return rc;
	}
	if (enabled(t, STRATA_TEST_DATA) && !t->datatests && !result(t, STRATA_TEST_DATA)->skipped)
		result(t, STRATA_TEST_DATA)->skipped =
			"no data-check files (migrations/tests/<revision>.sql)";
	if (enabled(t, STRATA_TEST_LINT) && (rc = check_lint(t)) != 0)
		return rc;
	return 0;
}

int strata_test_run(strata_test_report **out, const strata_test_options *opts,
		    const strata_config *cfg, const strata_graph *g,
		    strata_test_progress_fn progress, void *payload)
{
	static const strata_test_options defaults = STRATA_TEST_OPTIONS_INIT;
	db_open_options dbo = DB_OPEN_OPTIONS_INIT;
	strata_run_options so = STRATA_RUN_OPTIONS_INIT;
	sc_shadow *shadow = NULL;
	double started = strata__now_ms();
	size_t from = 0;
	testrun t;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	*out = NULL;
	if (!opts)
		opts = &defaults;
	memset(&t, 0, sizeof(t));
	t.g = g;
	t.project = cfg;
	t.progress = progress;
	t.payload = payload;
	if (!(t.report = strata_calloc(1, sizeof(*t.report))))
		return strata_error_set(STRATA_ERROR, "out of memory");
	for (size_t c = 0; c < STRATA_TEST_NCHECKS; c++)
		t.report->results[c].enabled = opts->checks == 0 || (opts->checks & (1u << c));
	t.report->revisions = strata_graph_count(g);
	if (opts->from && (rc = strata_graph_lookup(&from, g, opts->from)) != 0)
		goto done;
	if (!(t.engine = strata__db_engine_of(cfg->database))) {
		rc = strata_error_set(STRATA_EINVALID,
				      "cannot tell the database engine; pass -d URL of a scratch "
				      "database or set database in strata.ini");
		strata_error_hint("see 'strata help test'");
		goto done;
	}
	t.report->engine = t.engine;
	if ((rc = load_datatests(&t)) != 0)
		goto done;

	t.cfg = *cfg;
	t.whole_reads = opts->whole_snapshots;
	t.keep_going = opts->keep_going;
	if (!opts->on_database && t.engine == DB_SQLITE) {
		/* SQLite: in memory, gone with the connection. */
		t.cfg.database = "sqlite::memory:";
		t.cfg.database_source = "shadow";
	} else if (!opts->on_database) {
		if ((rc = strata__sc_shadow_create(&shadow, t.engine,
					   cfg->shadow_database ? cfg->shadow_database
								: cfg->database)) != 0)
			goto done;
		t.cfg.database = (char *)strata__sc_shadow_conninfo(shadow);
		t.cfg.database_source = "shadow";
	}
	dbo.project_root = cfg->root;
	dbo.application_name = "strata test";
	if ((rc = strata__db_open(&t.db, t.cfg.database, &dbo)) != 0 ||
	    (rc = strata__testrun_read_view_schemas(&t)) != 0 ||
	    (opts->on_database && (rc = check_scratch_empty(&t)) != 0))
		goto done;
	/* Online revisions: start, backfill and complete up; down is their inverse. */
	so.online_contract = 1;
	if ((rc = strata_session_open(&t.session, &t.cfg, g, t.db, &so)) != 0)
		goto done;
	rc = run_checks(&t, from, opts->heads > 0 ? opts->heads : cfg->test_heads);
	if (rc == 0 && t.oom)
		rc = strata_error_set(STRATA_ERROR, "out of memory");
done:
	strata_session_close(t.session);
	strata__db_close(t.db);
	if (shadow) {
		strata_error saved = *strata_error_last();
		int drop_rc = strata__sc_shadow_drop(shadow);

		if (rc == 0)
			rc = drop_rc;
		else
			strata_error_restore(&saved);
	}
	for (size_t i = 0; t.datatests && i < strata_graph_count(g); i++)
		strata__revtest_free(t.datatests[i]);
	strata_free(t.datatests);
	for (size_t i = 0; i < t.nview_schemas; i++)
		strata_free(t.view_schemas[i]);
	strata_free(t.view_schemas);
	if (rc != 0) {
		strata_test_report_free(t.report);
		return rc;
	}
	t.report->elapsed_ms = strata__now_ms() - started;
	*out = t.report;
	return 0;
}

const strata_test_result *strata_test_report_result(const strata_test_report *r,
						    strata_test_check check)
{
	return (unsigned)check < STRATA_TEST_NCHECKS ? &r->results[check] : NULL;
}

size_t strata_test_report_failed(const strata_test_report *r)
{
	size_t failed = 0;

	for (size_t c = 0; c < STRATA_TEST_NCHECKS; c++)
		failed += r->results[c].enabled && r->results[c].nfailures > 0;
	return failed;
}

const char *strata_test_report_engine(const strata_test_report *r)
{
	return r->engine == DB_SQLITE ? "sqlite" : "postgres";
}

size_t strata_test_report_revisions(const strata_test_report *r)
{
	return r->revisions;
}

double strata_test_report_elapsed_ms(const strata_test_report *r)
{
	return r->elapsed_ms;
}

void strata_test_report_free(strata_test_report *r)
{
	if (!r)
		return;
	for (size_t c = 0; c < STRATA_TEST_NCHECKS; c++) {
		strata_test_result *res = &r->results[c];

		for (size_t k = 0; k < res->nfailures; k++)
			release_failure((strata_test_failure *)&res->failures[k]);
		strata_free((void *)res->failures);
	}
	strata_free(r);
}
