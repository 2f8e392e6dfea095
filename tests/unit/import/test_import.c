/*
 * tests/unit/import/test_import.c - the import readers and writer
 * (src/import/): each format's parsing on small texts and temporary
 * folders, the SQL-text helpers, the files strata_import_write() writes
 * (read back as a revision graph) and its refusals, and the report.
 */
#include "../core/dir_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include "import/import_int.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "strata/project.h"
#include "strata/sum.h"
#include "util/alloc.h"

static void sub(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

static strata_import_history *read_ok(const char *format, const char *dialect)
{
	strata_import_options o = { dialect, 0 };
	strata_import_history *h = NULL;
	int rc = strata_import_read(&h, format, dir, &o);

	if (rc)
		fail_msg("%s: %s", format, strata_error_last()->message);
	return h;
}

static int read_fails(const char *format, const char *want)
{
	strata_import_history *h = NULL;
	int rc = strata_import_read(&h, format, dir, NULL);

	assert_null(h);
	if (!strstr(strata_error_last()->message, want))
		fail_msg("'%s' not in '%s'", want, strata_error_last()->message);
	return rc;
}

static void test_import__goose_sections(void **state)
{
	strata_import_step st = { 0 };
	const char *text = "-- a comment\n-- +goose NO TRANSACTION\n-- +goose Up\n"
			   "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
			   "-- +goose StatementEnd\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
			   "--+goose down\nDROP FUNCTION f();\n-- +gooseberry is a comment\n";

	(void)state;
	st.transactional = 1;
	assert_int_equal(strata__goose_parse(&st, "m/1_a.sql", text, strlen(text)), 0);
	assert_string_equal(st.up_sql, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
				       "CREATE INDEX CONCURRENTLY i ON t (a);\n");
	assert_string_equal(st.down_sql, "DROP FUNCTION f();\n-- +gooseberry is a comment\n");
	assert_int_equal(st.transactional, 0);
	assert_null(st.irreversible);
	strata__imp_step_release(&st);

	st.transactional = 1;
	text = "-- +goose Up\nCREATE TABLE t (a int);\n";
	assert_int_equal(strata__goose_parse(&st, "m/2_b.sql", text, strlen(text)), 0);
	assert_null(st.down_sql);
	assert_non_null(strstr(st.irreversible, "no '-- +goose Down'"));
	assert_int_equal(st.transactional, 1);
	strata__imp_step_release(&st);

	/* An empty Down section is a down that runs nothing, not a missing one. */
	text = "-- +goose Up\nCREATE TABLE t (a int);\n-- +goose Down\n";
	assert_int_equal(strata__goose_parse(&st, "m/3_c.sql", text, strlen(text)), 0);
	assert_string_equal(st.down_sql, "");
	strata__imp_step_release(&st);
}

static void test_import__goose_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "m.sql:2: '-- +goose StatementBegin' is never ended" },
		{ "SELECT 1;\n-- +goose Up\nSELECT 2;\n", "m.sql:1: SQL before '-- +goose Up'" },
		{ "-- only a comment\n", "m.sql:1: no '-- +goose Up' in the file" },
		{ "-- +goose Up\nSELECT 1;\n-- +goose Up\n", "m.sql:3: a second '-- +goose Up' (the first is on line 1)" },
		{ "-- +goose Up\n-- +goose StatementEnd\n", "m.sql:2: '-- +goose StatementEnd' without a StatementBegin" },
		{ "-- +goose Up\n-- +goose Sideways\n", "m.sql:2: unknown goose annotation 'Sideways'" },
		{ "-- +goose ENVSUB ON\n-- +goose Up\n", "m.sql:1: '-- +goose ENVSUB' is not supported" },
		{ "-- +goose Down\nSELECT 1;\n", "m.sql:1: a down section before '-- +goose Up'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_import_step st = { 0 };

		assert_int_equal(strata__goose_parse(&st, "m.sql", cases[i].text, strlen(cases[i].text)), STRATA_EPARSE);
		if (!strstr(strata_error_last()->message, cases[i].want))
			fail_msg("case %zu: '%s' not in '%s'", i, cases[i].want, strata_error_last()->message);
		assert_true(strata_error_last()->hint[0] != '\0');
		strata__imp_step_release(&st);
	}
}

static void test_import__dbmate_sections(void **state)
{
	strata_import_step st = { 0 };
	const char *text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n"
			   "-- migrate:down\nDROP INDEX i;\n";

	(void)state;
	st.transactional = 1;
	assert_int_equal(strata__dbmate_parse(&st, "d.sql", text, strlen(text)), 0);
	assert_int_equal(st.transactional, 0);
	assert_string_equal(st.up_sql, "CREATE INDEX CONCURRENTLY i ON t (a);\n\n");
	assert_string_equal(st.down_sql, "DROP INDEX i;\n");
	strata__imp_step_release(&st);

	st.transactional = 1;
	text = "-- migrate:up\nSELECT 1;\n";
	assert_int_equal(strata__dbmate_parse(&st, "d.sql", text, strlen(text)), 0);
	assert_int_equal(st.transactional, 1);
	assert_null(st.down_sql);
	assert_non_null(strstr(st.irreversible, "migrate:down"));
	strata__imp_step_release(&st);

	text = "-- migrate:up transaction:maybe\nSELECT 1;\n";
	assert_int_equal(strata__dbmate_parse(&st, "d.sql", text, strlen(text)), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "d.sql:1: unknown dbmate option 'transaction:maybe'"));
	strata__imp_step_release(&st);
	/* "-- migrate:upgrade" is not the marker. */
	text = "-- migrate:upgrade\nSELECT 1;\n";
	assert_int_equal(strata__dbmate_parse(&st, "d.sql", text, strlen(text)), STRATA_EPARSE);
	strata__imp_step_release(&st);
}

static void test_import__sqitch_plan(void **state)
{
	const char *plan = "%syntax-version=1.0.0\n%project=shop\n\n"
			   "# a comment\n"
			   "schema 2024-01-01T00:00:00Z Tester <t@example.com> # the tables\n"
			   "items [schema !legacy other:thing] 2024-01-02T00:00:00Z Tester <t@example.com>\n"
			   "@v1.0 2024-01-03T00:00:00Z Tester <t@example.com> # release\n"
			   "items [items@v1.0] 2024-01-04T00:00:00Z Tester <t@example.com> # again\n";
	sqitch_plan p;

	(void)state;
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), 0);
	assert_string_equal(p.project, "shop");
	assert_int_equal(p.nchanges, 3);
	assert_string_equal(p.changes[0].id, "schema");
	assert_string_equal(p.changes[0].note, "the tables");
	assert_string_equal(p.changes[0].created, "2024-01-01T00:00:00Z");
	assert_int_equal(p.changes[1].nrequires, 1);
	assert_string_equal(p.changes[1].requires[0], "schema");
	assert_int_equal(p.changes[1].nconflicts, 1);
	assert_string_equal(p.changes[1].conflicts[0], "legacy");
	assert_string_equal(p.changes[1].note, "");
	/* the first instance of a reworked change reads its scripts at the next tag */
	assert_string_equal(p.changes[1].script_tag, "v1.0");
	assert_string_equal(p.changes[2].id, "items.2");
	assert_null(p.changes[2].script_tag);
	assert_string_equal(p.changes[2].requires[0], "items");
	assert_int_equal(p.ntags, 1);
	assert_string_equal(p.tags[0].name, "v1.0");
	assert_int_equal(p.tags[0].after, 2);
	assert_int_equal(p.nnotes, 2); /* the other project's requirement, the rework */
	strata__sqitch_plan_release(&p);

	plan = "a 2024-01-01T00:00:00Z T <t@e>\nb [c] 2024-01-01T00:00:00Z T <t@e>\n";
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "sqitch.plan:2: b requires 'c', which is not planned before it"));
	plan = "a 2024-01-01T00:00:00Z T <t@e>\na 2024-01-01T00:00:00Z T <t@e>\n";
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "sqitch.plan:2: change a is planned again with no tag"));
	plan = "a T <t@e>\n";
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "sqitch.plan:1: change a has no planned time"));
	plan = "@v1 2024-01-01T00:00:00Z T <t@e>\n";
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), STRATA_EPARSE);
	plan = "a [b 2024-01-01T00:00:00Z T <t@e>\n";
	assert_int_equal(strata__sqitch_plan_parse(&p, "sqitch.plan", plan, strlen(plan)), STRATA_EPARSE);
}

static void test_import__sql_helpers(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_true(strata__imp_sql_empty("", 0));
	assert_true(strata__imp_sql_empty("\n  -- nothing\n\n", strlen("\n  -- nothing\n\n")));
	assert_false(strata__imp_sql_empty("-- x\nSELECT 1;", 14));

	strata__buf_puts(&b, "-- deploy\nBEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\n");
	assert_int_equal(strata__imp_strip_tx_wrapper(&b), 1);
	assert_string_equal(strata__buf_cstr(&b), "-- deploy\nCREATE TABLE t (a int);\n");
	strata__buf_clear(&b);
	strata__buf_puts(&b, "CREATE TABLE t (a int);\nBEGIN;\nSELECT 1;\nCOMMIT;\n");
	assert_int_equal(strata__imp_strip_tx_wrapper(&b), 0);
	assert_string_equal(strata__buf_cstr(&b), "CREATE TABLE t (a int);\nBEGIN;\nSELECT 1;\nCOMMIT;\n");
	strata__buf_clear(&b);
	strata__buf_puts(&b, "begin;\nSELECT 1;\n");
	assert_int_equal(strata__imp_strip_tx_wrapper(&b), 0);
	strata__buf_release(&b);

	assert_non_null(strata__imp_nontx_statement("create unique index concurrently i on t (a);"));
	assert_non_null(strata__imp_nontx_statement("DROP INDEX CONCURRENTLY i;"));
	assert_non_null(strata__imp_nontx_statement("VACUUM ANALYZE t;"));
	assert_non_null(strata__imp_nontx_statement("CREATE DATABASE x;"));
	assert_null(strata__imp_nontx_statement("REFRESH MATERIALIZED VIEW CONCURRENTLY v;"));
	assert_null(strata__imp_nontx_statement("-- CREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 'CONCURRENTLY';"));
	/* PostgreSQL's lexical rules: nested comments, E'...' escapes, dollar quotes */
	assert_null(strata__imp_nontx_statement("/* a /* b */ CREATE INDEX CONCURRENTLY i ON t (a); */ SELECT 1;"));
	assert_null(strata__imp_nontx_statement("SELECT E'\\' VACUUM';"));
	assert_null(strata__imp_nontx_statement("SELECT $q$ VACUUM $q$;"));
	assert_non_null(strata__imp_nontx_statement("SELECT $q$ x $q$; VACUUM;"));
	assert_null(strata__imp_nontx_statement("DO $x$ BEGIN EXECUTE 'VACUUM'; PERFORM concurrently; END $x$;"));
	assert_null(strata__imp_nontx_statement("SELECT \"vacuum\" FROM t /* VACUUM */;"));

	assert_true(strata__imp_cmp_digits("0010", 4, "9", 1) > 0);
	assert_int_equal(strata__imp_cmp_digits("007", 3, "7", 1), 0);
}

static void test_import__flyway_order(void **state)
{
	strata_import_history *h;

	(void)state;
	put("V1__init.sql", "CREATE TABLE a (id int);\n");
	put("V2__two.sql", "CREATE TABLE b (id int);\n");
	put("V2_1__two_one.sql", "BEGIN;\nCREATE TABLE c (id int);\nCOMMIT;\n");
	put("V10__ten.sql", "CREATE INDEX CONCURRENTLY ai ON a (id);\n");
	put("V9__nine.sql", "INSERT INTO a VALUES (${start});\n");
	put("U2__two.sql", "DROP TABLE b;\n");
	put("R__views.sql", "CREATE VIEW v AS SELECT 1;\n");
	put("V11__conf.sql", "SELECT 1;\n");
	put("V11__conf.sql.conf", "executeInTransaction=false\n");
	put("README.md", "not read\n");
	h = read_ok("flyway", "postgresql");
	assert_int_equal(h->nsteps, 6);
	assert_string_equal(h->steps[0].id, "1");
	assert_string_equal(h->steps[1].id, "2");
	assert_string_equal(h->steps[2].id, "2.1");
	assert_string_equal(h->steps[3].id, "9");
	assert_string_equal(h->steps[4].id, "10");
	assert_string_equal(h->steps[5].id, "11");
	assert_string_equal(h->steps[2].revises[0], "2");
	assert_string_equal(h->steps[2].message, "two one");
	assert_string_equal(h->steps[2].up_sql, "CREATE TABLE c (id int);\n");
	assert_string_equal(h->steps[1].down_sql, "DROP TABLE b;\n");
	assert_null(h->steps[0].down_sql);
	assert_non_null(strstr(h->steps[0].irreversible, "undo"));
	assert_int_equal(h->steps[4].transactional, 0);
	assert_int_equal(h->steps[5].transactional, 0);
	assert_int_equal(h->steps[3].transactional, 1);
	assert_int_equal(h->nskipped, 1);
	assert_string_equal(h->skipped[0].what, "R__views.sql");
	{
		size_t i, placeholder = 0;

		for (i = 0; i < h->nnotes; i++)
			placeholder += strstr(h->notes[i], "9 uses Flyway placeholders") != NULL;
		assert_int_equal(placeholder, 1);
	}
	strata_import_history_free(h);

	/* 1 and 1.0 are one version to Flyway */
	put("V1.0__again.sql", "SELECT 1;\n");
	assert_int_equal(read_fails("flyway", "version 1 is also"), STRATA_EPARSE);
	/* an undo script with no version to undo */
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/V1.0__again.sql", dir);
		unlink(path);
	}
	put("U7__seven.sql", "SELECT 1;\n");
	assert_int_equal(read_fails("flyway", "undo script for version 7, which has no V script"), STRATA_EPARSE);
}

static void test_import__golang_migrate(void **state)
{
	strata_import_history *h;

	(void)state;
	put("0002_b.up.sql", "CREATE TABLE b (id int);\n");
	put("0002_b.down.sql", "DROP TABLE b;\n");
	put("0010_c.up.sql", "");
	put("1_a.up.sql", "CREATE TABLE a (id int);\n");
	put("notes.txt", "x\n");
	h = read_ok("golang-migrate", "postgresql");
	assert_int_equal(h->nsteps, 3);
	assert_string_equal(h->steps[0].id, "1");
	assert_string_equal(h->steps[1].id, "0002");
	assert_string_equal(h->steps[2].id, "0010");
	assert_string_equal(h->steps[1].revises[0], "1");
	assert_string_equal(h->steps[1].down_sql, "DROP TABLE b;\n");
	assert_null(h->steps[2].down_sql);
	strata_import_history_free(h);
	put("0011_d.down.sql", "SELECT 1;\n");
	assert_int_equal(read_fails("golang-migrate", "version 0011 has a down file but no up file"), STRATA_EPARSE);
}

static void test_import__pop_dialects(void **state)
{
	strata_import_history *h;

	(void)state;
	put("20200101000000_a.up.sql", "CREATE TABLE a (id int);\n");
	put("20200101000000_a.postgres.up.sql", "CREATE TABLE a (id serial);\n");
	put("20200101000000_a.down.sql", "DROP TABLE a;\n");
	put("20200102000000_b.sqlite3.up.sql", "CREATE TABLE b (id int);\n");
	put("20200102000000_b.sqlite3.down.sql", "DROP TABLE b;\n");
	put("20200103000000_c.postgres.autocommit.up.sql", "CREATE INDEX CONCURRENTLY ai ON a (id);\n");
	put("20200103000000_c.postgres.autocommit.down.sql", "DROP INDEX CONCURRENTLY ai;\n");
	put("20200104000000_d.mysql.up.sql", "bad SQL for us;\n");
	put("20200105000000_e.up.fizz", "create_table(\"e\") {}\n");
	put("20200106000000_f.up.sql", "");
	put("20200106000000_f.down.sql", "");
	h = read_ok("pop", "postgresql");
	assert_int_equal(h->nsteps, 3);
	assert_string_equal(h->steps[0].up_sql, "CREATE TABLE a (id serial);\n");
	assert_string_equal(h->steps[0].down_sql, "DROP TABLE a;\n");
	assert_string_equal(h->steps[1].id, "20200103000000");
	assert_int_equal(h->steps[1].transactional, 0);
	assert_string_equal(h->steps[2].id, "20200106000000");
	assert_string_equal(h->steps[2].revises[0], "20200103000000");
	assert_int_equal(h->nskipped, 1);
	assert_non_null(strstr(h->skipped[0].why, "fizz"));
	strata_import_history_free(h);

	h = read_ok("pop", "sqlite");
	assert_int_equal(h->nsteps, 3);
	assert_string_equal(h->steps[0].up_sql, "CREATE TABLE a (id int);\n");
	assert_string_equal(h->steps[1].id, "20200102000000");
	assert_int_equal(h->steps[1].transactional, 1);
	strata_import_history_free(h);
}

/* The files strata_import_write() writes read back as the same chain, tags included. */
static void test_import__write_sqitch(void **state)
{
	char into[300];
	strata_import_history *h;
	strata_graph *g = NULL;
	char *report = NULL;
	size_t idx;

	(void)state;
	sub("deploy");
	sub("revert");
	sub("verify");
	put("sqitch.plan", "%project=p\n"
			   "a 2024-01-01T00:00:00Z T <t@e> # first\n"
			   "b [a] 2024-01-02T00:00:00Z T <t@e> # second\n"
			   "@v1 2024-01-03T00:00:00Z T <t@e>\n"
			   "c 2024-01-04T00:00:00Z T <t@e> # empty\n");
	put("deploy/a.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n");
	put("revert/a.sql", "BEGIN;\nDROP TABLE a;\nCOMMIT;\n");
	put("verify/a.sql", "SELECT id FROM a;\n");
	put("deploy/b.sql", "CREATE TABLE b (id int);\n");
	put("deploy/c.sql", "-- nothing yet\n");
	put("revert/c.sql", "");
	h = read_ok("sqitch", "sqlite");
	assert_int_equal(h->nsteps, 3);
	assert_int_equal(h->steps[0].transactional, 1);
	assert_int_equal(h->steps[1].transactional, 0);
	assert_null(h->steps[1].down_sql);
	assert_int_equal(h->nskipped, 1);
	assert_int_equal(h->ntags, 1);

	snprintf(into, sizeof(into), "%s/out", dir);
	assert_int_equal(strata_import_write(h, into), 0);
	assert_int_equal(strata_graph_load(&g, into), 0);
	assert_int_equal(strata_graph_count(g), 3);
	assert_int_equal(strata_graph_lookup(&idx, g, "v1"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revision, "b");
	assert_int_equal(strata_graph_lookup(&idx, g, "c"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revises[0], "b");
	assert_null(strata_graph_at(g, idx)->incomplete);
	assert_non_null(strstr(strata_graph_at(g, idx)->text, "-- nothing yet\n-- no-op: the source step has no SQL\nSELECT 1;"));
	assert_int_equal(strata_graph_lookup(&idx, g, "b"), 0);
	assert_string_equal(strata_graph_at(g, idx)->depends_on[0], "a");
	assert_int_equal(strata_graph_at(g, idx)->transactional, 0);
	assert_non_null(strata_graph_at(g, idx)->irreversible);
	strata_graph_free(g);
	{
		char *sum_report = NULL;

		assert_int_equal(strata_sum_check(&sum_report, into), 0);
		free(sum_report);
	}

	/* Again into the same folder: refused, and the folder is as it was. */
	assert_int_equal(strata_import_write(h, into), STRATA_EINVALID);
	assert_non_null(strstr(strata_error_last()->message, "already holds revision a"));
	assert_int_equal(strata_graph_load(&g, into), 0);
	assert_int_equal(strata_graph_count(g), 3);
	strata_graph_free(g);

	assert_int_equal(strata_import_report(&report, h, 0), 0);
	assert_non_null(strstr(report, "imported 3 sqitch steps as revisions a .. c"));
	assert_non_null(strstr(report, "transaction: off: b c\n"));
	assert_non_null(strstr(report, "tag v1: b\n"));
	assert_non_null(strstr(report, "skipped "));
	strata_free(report);
	assert_int_equal(strata_import_report(&report, h, 1), 0);
	assert_non_null(strstr(report, "\"imported\": 3"));
	assert_non_null(strstr(report, "\"noop\": true"));
	strata_free(report);
	strata_import_history_free(h);
}

/* Out of memory at every allocation of reading and writing a history:
 * an error, nothing handed back, no file left behind (and, under
 * make test-asan, nothing leaked). */
static void test_import__alloc_failures(void **state)
{
	char into[300], path[400];
	strata_import_history *h = NULL;
	long k;
	int rc = -1, wrc = -1;

	(void)state;
	put("001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n");
	put("002_b.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n");
	put("003_c.sql", "-- +goose Up\n-- +goose Down\n");
	put("004_d.go", "package x\n");
	snprintf(into, sizeof(into), "%s/out", dir);
	for (k = 0; k < 5000 && rc != 0; k++) {
		strata_alloc_fail_after(k);
		rc = strata_import_read(&h, "goose", dir, NULL);
		strata_alloc_fail_after(-1);
		if (rc) {
			assert_int_equal(rc, STRATA_ERROR);
			assert_null(h);
		}
	}
	assert_int_equal(rc, 0);
	for (k = 0; k < 5000 && wrc != 0; k++) {
		char *report = NULL;

		strata_alloc_fail_after(k);
		wrc = strata_import_write(h, into);
		if (wrc == 0)
			rc = strata_import_report(&report, h, (int)(k & 1));
		strata_alloc_fail_after(-1);
		strata_free(report);
		if (wrc) {
			/* nothing written: the folder is gone or holds nothing */
			snprintf(path, sizeof(path), "%s/001_a.sql", into);
			assert_int_equal(access(path, F_OK), -1);
		}
	}
	assert_int_equal(wrc, 0);
	strata_import_history_free(h);
}

/* A file of the name a revision would get, even one that is no revision, is never overwritten. */
static void test_import__name_taken(void **state)
{
	char into[300];
	strata_import_history *h;

	(void)state;
	put("001_add_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n");
	h = read_ok("goose", "postgresql");
	snprintf(into, sizeof(into), "%s/out", dir);
	sub("out");
	put("out/001_add_a.sql", "SELECT 'not a revision';\n");
	assert_int_equal(strata_import_write(h, into), STRATA_EINVALID);
	assert_non_null(strstr(strata_error_last()->message, "already holds a file named 001_add_a.sql"));
	assert_string_equal(file_text("out/001_add_a.sql"), "SELECT 'not a revision';\n");
	strata_import_history_free(h);
}

static void test_import__bad_arguments(void **state)
{
	strata_import_history *h = NULL;
	strata_import_options o = { "oracle", 0 };

	(void)state;
	assert_int_equal(strata_import_read(&h, "liquibase", dir, NULL), STRATA_EINVALID);
	assert_non_null(strstr(strata_error_last()->hint, "flyway, golang-migrate, goose, dbmate, sqitch, pop"));
	assert_int_equal(strata_import_read(&h, "goose", dir, &o), STRATA_EINVALID);
	assert_int_equal(strata_import_read(&h, "goose", "/nonexistent/x", NULL), STRATA_EINVALID);
	/* an empty folder has no history */
	assert_int_equal(strata_import_read(&h, "goose", dir, NULL), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "no goose migrations found"));
	assert_int_equal(strata_import_read(&h, "sqitch", dir, NULL), STRATA_EINVALID);
	assert_non_null(strstr(strata_error_last()->message, "has no sqitch.plan"));
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import__goose_sections),
		cmocka_unit_test(test_import__goose_errors),
		cmocka_unit_test(test_import__dbmate_sections),
		cmocka_unit_test(test_import__sqitch_plan),
		cmocka_unit_test(test_import__sql_helpers),
		cmocka_unit_test_setup_teardown(test_import__flyway_order, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__golang_migrate, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__pop_dialects, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__write_sqitch, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__bad_arguments, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__alloc_failures, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_import__name_taken, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
