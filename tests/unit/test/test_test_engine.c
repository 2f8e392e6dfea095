/*
 * tests/unit/test/test_test_engine.c - strata_test_run() (strata/test.h)
 * on small SQLite projects in a temporary folder, on the real engine (an
 * in-memory shadow): a history that passes every check, a down that leaves
 * a table behind, data checks, the check selection and bad input.
 */
#include "../core/dir_fixture.h"

#include <sys/stat.h>

#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/test.h"

/* A temporary project folder with its migrations folder. */
static int make_project(void **state)
{
	char path[300];

	make_dir(state);
	snprintf(path, sizeof(path), "%s/migrations", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	return 0;
}

/* migrations/<rev>_<slug>.sql revising parent, with up and down. */
static void put_revision(const char *rev, const char *parent, const char *up, const char *down)
{
	char name[128], text[2048];

	snprintf(name, sizeof(name), "migrations/%s_m.sql", rev);
	snprintf(text, sizeof(text),
		 "-- revision: %s\n-- revises: %s\n-- message: step %s\n\n-- +up\n%s\n\n-- +down\n%s\n",
		 rev, parent, rev, up, down);
	put(name, text);
}

#define REV1 "aaaaaaaaaaa1"
#define REV2 "aaaaaaaaaaa2"

/* Two revisions whose downs are right, and a schema.sql they end at. */
static void put_good_history(void)
{
	put("strata.ini", "[strata]\nmigrations = migrations\nschema = schema.sql\n");
	put_revision(REV1, "base", "CREATE TABLE a (id integer PRIMARY KEY, name text);",
		     "DROP TABLE a;");
	put_revision(REV2, REV1, "CREATE TABLE b (id integer PRIMARY KEY);\nCREATE INDEX a_name ON a (name);",
		     "DROP INDEX a_name;\nDROP TABLE b;");
	put("schema.sql", "CREATE TABLE a (id integer PRIMARY KEY, name text);\n"
			  "CREATE TABLE b (id integer PRIMARY KEY);\n"
			  "CREATE INDEX a_name ON a (name);\n");
}

/* What the progress callback saw. */
typedef struct progress_seen {
	size_t calls, last_done, total;
	char last_revision[64];
} progress_seen;

static progress_seen seen;

static void on_progress(void *payload, size_t done, size_t total, const strata_migration *m)
{
	progress_seen *p = payload;

	p->calls++;
	assert_int_equal(done, p->last_done + 1);
	p->last_done = done;
	p->total = total;
	snprintf(p->last_revision, sizeof(p->last_revision), "%s", m->revision);
}

/* Run the test on the project in dir; returns strata_test_run()'s code. */
static int run(strata_test_report **out, const strata_test_options *opts)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *cfg = NULL;
	strata_graph *g = NULL;
	int rc;

	in.cwd = dir;
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	assert_int_equal(strata_graph_load(&g, cfg->migrations), 0);
	memset(&seen, 0, sizeof(seen));
	rc = strata_test_run(out, opts, cfg, g, on_progress, &seen);
	strata_graph_free(g);
	strata_config_free(cfg);
	return rc;
}

static const strata_test_result *result(const strata_test_report *r, strata_test_check c)
{
	const strata_test_result *res = strata_test_report_result(r, c);

	assert_non_null(res);
	return res;
}

static void assert_passed(const strata_test_report *r, strata_test_check c)
{
	const strata_test_result *res = result(r, c);

	if (!res->enabled || res->nfailures || res->skipped)
		fail_msg("%s: enabled %d, %zu failure(s) (first: %s), skipped %s",
			 strata_test_check_name(c), res->enabled, res->nfailures,
			 res->nfailures ? res->failures[0].message : "-",
			 res->skipped ? res->skipped : "-");
}

static void test_test_engine__good_history_passes(void **state)
{
	strata_test_report *r = NULL;

	(void)state;
	put_good_history();
	assert_int_equal(run(&r, NULL), 0);
	assert_non_null(r);
	assert_string_equal(strata_test_report_engine(r), "sqlite");
	assert_int_equal(strata_test_report_revisions(r), 2);
	assert_int_equal(strata_test_report_failed(r), 0);
	assert_true(strata_test_report_elapsed_ms(r) >= 0);
	assert_passed(r, STRATA_TEST_SINGLE_HEAD);
	assert_passed(r, STRATA_TEST_UPGRADE);
	assert_passed(r, STRATA_TEST_STAIRWAY);
	assert_passed(r, STRATA_TEST_NO_TRACE);
	assert_passed(r, STRATA_TEST_SCHEMA);
	assert_passed(r, STRATA_TEST_LINT);
	/* No migrations/tests/: the data check is skipped, saying why. */
	assert_true(result(r, STRATA_TEST_DATA)->enabled);
	assert_int_equal(result(r, STRATA_TEST_DATA)->nfailures, 0);
	assert_non_null(result(r, STRATA_TEST_DATA)->skipped);
	assert_non_null(strstr(result(r, STRATA_TEST_DATA)->skipped, "no data-check files"));
	/* Progress after each revision walked, in apply order. */
	assert_int_equal(seen.calls, 2);
	assert_int_equal(seen.total, 2);
	assert_string_equal(seen.last_revision, REV2);
	strata_test_report_free(r);
}

/* The second revision's down forgets its table: down-leaves-no-trace
 * names it as a leftover, and the up again (stairway) fails on it. */
static void test_test_engine__wrong_down_is_reported(void **state)
{
	strata_test_report *r = NULL;
	const strata_test_result *nt, *st;
	const strata_test_failure *f;

	(void)state;
	put_good_history();
	put_revision(REV2, REV1, "CREATE TABLE b (id integer PRIMARY KEY);\nCREATE INDEX a_name ON a (name);",
		     "DROP INDEX a_name;");
	assert_int_equal(run(&r, NULL), 0);
	assert_non_null(r);
	assert_passed(r, STRATA_TEST_UPGRADE);

	nt = result(r, STRATA_TEST_NO_TRACE);
	assert_int_equal(nt->nfailures, 1);
	f = &nt->failures[0];
	assert_non_null(f->revision);
	assert_string_equal(f->revision, REV2);
	assert_string_equal(f->message, "the down leaves 1 difference(s) from the schema before the up");
	assert_int_equal(f->ndifferences, 1);
	assert_string_equal(f->differences[0].difference, "leftover");
	assert_string_equal(f->differences[0].kind, "table");
	assert_string_equal(f->differences[0].object, "b");
	assert_null(f->differences[0].detail);

	st = result(r, STRATA_TEST_STAIRWAY);
	assert_int_equal(st->nfailures, 1);
	assert_string_equal(st->failures[0].revision, REV2);
	assert_non_null(strstr(st->failures[0].message, "up again after the down: "));
	assert_int_equal(st->failures[0].ndifferences, 0);
	/* The walk stopped: the heads were not reached, schema-matches did not run. */
	assert_non_null(result(r, STRATA_TEST_SCHEMA)->skipped);
	assert_int_equal(result(r, STRATA_TEST_SCHEMA)->nfailures, 0);
	assert_int_equal(strata_test_report_failed(r), 2);
	strata_test_report_free(r);
}

/* Only the checks asked for are enabled; single-head counts the heads. */
static void test_test_engine__selected_checks(void **state)
{
	strata_test_options o = STRATA_TEST_OPTIONS_INIT;
	strata_test_report *r = NULL;
	const strata_test_result *sh;

	(void)state;
	put_good_history();
	put_revision("aaaaaaaaaaa3", REV1, "CREATE TABLE c (id integer);", "DROP TABLE c;");
	o.checks = 1u << STRATA_TEST_SINGLE_HEAD;
	assert_int_equal(run(&r, &o), 0);
	for (int c = 0; c < STRATA_TEST_NCHECKS; c++)
		assert_int_equal(result(r, (strata_test_check)c)->enabled, c == STRATA_TEST_SINGLE_HEAD);
	sh = result(r, STRATA_TEST_SINGLE_HEAD);
	assert_int_equal(sh->nfailures, 1);
	assert_null(sh->failures[0].revision);
	assert_non_null(strstr(sh->failures[0].message, "2 heads, expected 1:"));
	assert_int_equal(strata_test_report_failed(r), 1);
	strata_test_report_free(r);

	o.heads = 2;
	assert_int_equal(run(&r, &o), 0);
	assert_int_equal(strata_test_report_failed(r), 0);
	strata_test_report_free(r);
}

/* A data check whose query is false after the up is a data-survives failure. */
static void test_test_engine__data_checks(void **state)
{
	strata_test_report *r = NULL;
	const strata_test_result *d;
	char path[300];

	(void)state;
	put_good_history();
	snprintf(path, sizeof(path), "%s/migrations/tests", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put("migrations/tests/" REV2 ".sql", "-- +before\nINSERT INTO a VALUES (1, 'x');\n"
					     "-- +check\nSELECT count(*) = 1 FROM a;\n"
					     "SELECT count(*) = 5 FROM a;\n");
	assert_int_equal(run(&r, NULL), 0);
	d = result(r, STRATA_TEST_DATA);
	assert_null(d->skipped);
	assert_int_equal(d->nfailures, 1);
	assert_string_equal(d->failures[0].revision, REV2);
	assert_non_null(strstr(d->failures[0].message, ":5: after the up, the check is not true"));
	assert_passed(r, STRATA_TEST_NO_TRACE);
	strata_test_report_free(r);
}

/* Bad input is an error, and no report. */
static void test_test_engine__bad_input(void **state)
{
	strata_test_options o = STRATA_TEST_OPTIONS_INIT;
	strata_test_report *r = (strata_test_report *)&o; /* must be reset to NULL */
	char path[300];

	(void)state;
	put_good_history();
	o.from = "bbbbbbbbbbbb";
	assert_int_equal(run(&r, &o), STRATA_ENOTFOUND);
	assert_null(r);

	snprintf(path, sizeof(path), "%s/migrations/tests", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put("migrations/tests/cccccccccccc.sql", "-- +check\nSELECT 1;\n");
	assert_int_equal(run(&r, NULL), STRATA_EPARSE);
	assert_null(r);
	assert_non_null(strstr(strata_error_last()->message, "no revision 'cccccccccccc'"));
}

static void test_test_engine__check_names(void **state)
{
	(void)state;
	for (int c = 0; c < STRATA_TEST_NCHECKS; c++) {
		const char *name = strata_test_check_name((strata_test_check)c);

		assert_non_null(name);
		assert_int_equal(strata_test_check_lookup(name, strlen(name)), c);
	}
	assert_string_equal(strata_test_check_name(STRATA_TEST_NO_TRACE), "down-leaves-no-trace");
	assert_int_equal(strata_test_check_lookup("lint,upgrade", 4), STRATA_TEST_LINT);
	assert_int_equal(strata_test_check_lookup("lin", 3), -1);
	assert_null(strata_test_check_name(STRATA_TEST_NCHECKS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_test_engine__good_history_passes, make_project, remove_dir),
		cmocka_unit_test_setup_teardown(test_test_engine__wrong_down_is_reported, make_project, remove_dir),
		cmocka_unit_test_setup_teardown(test_test_engine__selected_checks, make_project, remove_dir),
		cmocka_unit_test_setup_teardown(test_test_engine__data_checks, make_project, remove_dir),
		cmocka_unit_test_setup_teardown(test_test_engine__bad_input, make_project, remove_dir),
		cmocka_unit_test(test_test_engine__check_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
