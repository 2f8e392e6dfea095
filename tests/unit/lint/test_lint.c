/*
 * tests/unit/lint/test_lint.c - the lint rules and engine.
 *
 * For every rule, one SQL case that must trigger it and one safe variant
 * that must not (the table `cases`; test_lint__every_rule_has_a_case keeps
 * it complete). Then the engine: suppression comments, the same-migration
 * and same-range exemptions, positions in migration files, syntax errors,
 * table sizes, [lint] settings and the output formats. No database: the
 * rules read libpg_query's parse tree only (live sizes come through the
 * table_size callback, exercised here with fixed tables).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/error.h"
#include "strata/lint.h"
#include "util/alloc.h"

enum mode { PLAIN, PLAIN_TX, MIG_TX, MIG_NOTX, SQLITE, SQLITE_MIG_TX };

typedef struct lint_case {
	const char *rule;
	enum mode mode;
	int pg_version;     /* 0: default */
	int pg_version_num; /* 0: unknown */
	int enable;         /* turn an opt-in rule on */
	const char *bad;
	const char *good;
} lint_case;

static const lint_case cases[] = {
	{ "SL101", PLAIN, 0, 0, 0, "CREATE INDEX i ON t (a);", "CREATE INDEX CONCURRENTLY i ON t (a);" },
	{ "SL102", PLAIN, 0, 0, 0, "DROP INDEX i;", "DROP INDEX CONCURRENTLY i;" },
	{ "SL103", MIG_TX, 0, 0, 0, "CREATE INDEX CONCURRENTLY i ON t (a);", "CREATE INDEX i ON t (a);" },
	{ "SL103", MIG_NOTX, 0, 0, 0, "BEGIN; DROP INDEX CONCURRENTLY i; COMMIT;",
	  "DROP INDEX CONCURRENTLY IF EXISTS i;" },
	{ "SL103", PLAIN_TX, 0, 0, 0, "REINDEX TABLE CONCURRENTLY t;", "SELECT 1;" },
	{ "SL104", PLAIN, 0, 0, 0, "REINDEX TABLE t;", "REINDEX TABLE CONCURRENTLY t;" },
	{ "SL105", PLAIN, 0, 0, 0, "ALTER TABLE p DETACH PARTITION c;",
	  "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;" },
	{ "SL106", PLAIN, 0, 0, 0, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
	  "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;" },
	{ "SL106", MIG_TX, 0, 0, 0,
	  "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;",
	  "ALTER TABLE t VALIDATE CONSTRAINT c;" },
	{ "SL107", PLAIN, 0, 0, 0, "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);",
	  "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID;" },
	{ "SL107", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id);",
	  "CREATE TABLE n (u_id bigint REFERENCES u (id));" },
	{ "SL108", PLAIN, 0, 0, 0, "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
	  "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
	  "ALTER TABLE t VALIDATE CONSTRAINT a_nn;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;" },
	{ "SL109", PLAIN, 0, 0, 0, "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);",
	  "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_a_key;" },
	{ "SL110", PLAIN, 0, 0, 0, "ALTER TABLE t ADD PRIMARY KEY (id);",
	  "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_key;" },
	{ "SL111", PLAIN, 0, 0, 0, "ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);",
	  "CREATE TABLE n (r int4range, EXCLUDE USING gist (r WITH &&));" },
	{ "SL112", PLAIN, 0, 0, 0, "ALTER TABLE t ALTER COLUMN a TYPE bigint;",
	  "CREATE TABLE n (a bigint);\nALTER TABLE n ALTER COLUMN a TYPE text;" },
	{ "SL113", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();",
	  "ALTER TABLE t ADD COLUMN s text DEFAULT 'x', ADD COLUMN at timestamptz DEFAULT now();" },
	{ "SL113", PLAIN, 10, 0, 0, "ALTER TABLE t ADD COLUMN s text DEFAULT 'x';",
	  "ALTER TABLE t ADD COLUMN s text;" },
	{ "SL114", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN n bigserial;",
	  "ALTER TABLE t ADD COLUMN n bigint;" },
	{ "SL114", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS (a * 2) STORED;",
	  "CREATE TABLE n (a bigint, b bigint GENERATED ALWAYS AS (a * 2) STORED);" },
	{ "SL115", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN a text;",
	  "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN a text;" },
	{ "SL115", MIG_TX, 0, 0, 0, "SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN a text;",
	  "ALTER TABLE t ADD COLUMN a text;" },
	{ "SL116", PLAIN, 0, 0, 1, "ALTER TABLE t ADD COLUMN a text;",
	  "SET statement_timeout = '10min';\nALTER TABLE t ADD COLUMN a text;" },
	{ "SL117", PLAIN, 0, 0, 0, "VACUUM FULL t;", "VACUUM t;" },
	{ "SL117", PLAIN, 0, 0, 0, "CLUSTER t USING t_pkey;", "ANALYZE t;" },
	{ "SL118", PLAIN, 0, 0, 0, "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);",
	  "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;" },
	{ "SL119", PLAIN, 0, 0, 0, "CREATE DOMAIN d AS int CHECK (VALUE > 0);", "CREATE DOMAIN d AS int;" },
	{ "SL120", PLAIN, 0, 0, 0, "CREATE INDEX CONCURRENTLY i ON t (a, b, c, d);",
	  "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a, b, c, d);" },
	{ "SL121", PLAIN, 14, 140002, 0, "CREATE INDEX CONCURRENTLY i ON t (a);",
	  "CREATE TABLE n (a int);\nCREATE INDEX i ON n (a);" },
	{ "SL201", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN a text NOT NULL;",
	  "ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT '';" },
	{ "SL202", PLAIN, 0, 0, 0, "ALTER TABLE t DROP COLUMN a;",
	  "CREATE TABLE n (a int, b int);\nALTER TABLE n DROP COLUMN a;" },
	{ "SL203", PLAIN, 0, 0, 0, "DROP TABLE t;", "CREATE TABLE n (a int);\nDROP TABLE n;" },
	/* SQLite's rebuild keeps every row (AUTOINCREMENT: PostgreSQL's parser skips the
	 * CREATE TABLE); a copy of some rows is no rebuild */
	{ "SL203", SQLITE, 0, 0, 0,
	  "CREATE TABLE n (id INTEGER PRIMARY KEY, a int);\nINSERT INTO n (id, a) SELECT id, a FROM t "
	  "WHERE a > 0;\nDROP TABLE t;\nALTER TABLE n RENAME TO t;",
	  "CREATE TABLE n (id INTEGER PRIMARY KEY AUTOINCREMENT, a int);\nINSERT INTO n (rowid, id, a) "
	  "SELECT rowid, id, a FROM t;\nDROP TABLE t;\nALTER TABLE n RENAME TO t;" },
	{ "SL204", PLAIN, 0, 0, 0, "DROP DATABASE d;", "CREATE DATABASE d;" },
	{ "SL205", PLAIN, 0, 0, 0, "DROP SCHEMA s CASCADE;", "CREATE SCHEMA s;" },
	{ "SL206", PLAIN, 0, 0, 0, "ALTER TABLE t RENAME COLUMN a TO b;",
	  "CREATE TABLE n (a int);\nALTER TABLE n RENAME COLUMN a TO b;" },
	{ "SL207", PLAIN, 0, 0, 0, "ALTER TABLE t RENAME TO u;",
	  "CREATE TABLE n (a int);\nALTER TABLE n RENAME TO m;\nALTER TABLE m RENAME TO k;" },
	{ "SL208", PLAIN, 0, 0, 0, "ALTER SCHEMA s RENAME TO r;", "CREATE SCHEMA r;" },
	{ "SL209", PLAIN, 0, 0, 0, "ALTER TYPE e RENAME VALUE 'a' TO 'b';",
	  "ALTER TYPE e ADD VALUE 'c' AFTER 'b';" },
	{ "SL210", PLAIN, 0, 0, 0, "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;",
	  "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;" },
	{ "SL211", PLAIN, 0, 0, 0, "TRUNCATE t CASCADE;", "TRUNCATE t;" },
	{ "SL212", PLAIN, 0, 0, 0, "ALTER TYPE e ADD VALUE 'c';", "ALTER TYPE e ADD VALUE 'c' BEFORE 'd';" },
	{ "SL213", PLAIN, 0, 0, 0, "UPDATE t SET a = 1;", "UPDATE t SET a = 1 WHERE id BETWEEN 1 AND 1000;" },
	/* the backfill of a column: every row of an existing table matches */
	{ "SL213", PLAIN, 0, 0, 0, "UPDATE t SET a = 0 WHERE a IS NULL;",
	  "UPDATE t SET a = 0 WHERE a IS NULL AND id BETWEEN 1 AND 1000;" },
	{ "SL213", PLAIN, 0, 0, 0, "DELETE FROM t;",
	  "CREATE TABLE n (a int);\nINSERT INTO n VALUES (1);\nDELETE FROM n;" },
	{ "SL301", PLAIN, 0, 0, 0, "CREATE TABLE n (id int PRIMARY KEY);", "CREATE TABLE n (id bigint PRIMARY KEY);" },
	{ "SL302", PLAIN, 0, 0, 0, "CREATE TABLE n (a smallint);", "CREATE TABLE n (a bigint);" },
	{ "SL303", PLAIN, 0, 0, 0, "CREATE TABLE n (id bigserial PRIMARY KEY);",
	  "CREATE TABLE n (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);" },
	{ "SL304", PLAIN, 0, 0, 0, "CREATE TABLE n (a varchar(10));", "CREATE TABLE n (a text, b varchar);" },
	{ "SL305", PLAIN, 0, 0, 0, "CREATE TABLE n (a timestamp);", "CREATE TABLE n (a timestamptz);" },
	{ "SL306", PLAIN, 0, 0, 0, "CREATE TABLE n (a char(2));", "CREATE TABLE n (a text);" },
	{ "SL307", PLAIN, 0, 0, 0, "ALTER TABLE t ADD COLUMN a json;", "ALTER TABLE t ADD COLUMN a jsonb;" },
	{ "SL308", PLAIN, 0, 0, 0,
	  "CREATE TABLE a_table_name_that_goes_on_and_on_well_past_the_limit_of_sixty_three (a text);",
	  "CREATE TABLE a_short_name (a text);" },
	{ "SL309", PLAIN, 0, 0, 0, "CREATE TABLE n (a int, a int);", "CREATE TABLE n (a int, b int);" },
	{ "SL309", PLAIN, 0, 0, 0, "UPDATE t SET a = 1, a = 2 WHERE id = 1;",
	  "UPDATE t SET a = 1, b = 2 WHERE id = 1;" },
	{ "SL310", PLAIN, 0, 0, 1, "CREATE TABLE n (a text);", "CREATE TABLE app.n (a text);" },
	{ "SL401", MIG_TX, 0, 0, 0, "BEGIN;\nCREATE TABLE n (a text);\nCOMMIT;", "CREATE TABLE n (a text);" },
	{ "SL401", PLAIN, 0, 0, 0, "BEGIN;\nBEGIN;\nCOMMIT;", "BEGIN;\nCREATE TABLE n (a text);\nCOMMIT;" },
	{ "SL402", PLAIN, 0, 0, 0, "BEGIN;\nCREATE TABLE n (a text);", "BEGIN;\nCREATE TABLE n (a text);\nCOMMIT;" },
	/* In a strata migration --retry-failed drops the INVALID index a failed
	 * build leaves, so IF NOT EXISTS is robust there (or the drop first). */
	{ "SL403", MIG_NOTX, 0, 0, 0, "CREATE INDEX CONCURRENTLY i ON t (a);",
	  "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);" },
	{ "SL403", MIG_NOTX, 0, 0, 0, "CREATE INDEX CONCURRENTLY i ON t (a);",
	  "DROP INDEX CONCURRENTLY IF EXISTS i;\nCREATE INDEX CONCURRENTLY i ON t (a);" },
	/* Elsewhere IF NOT EXISTS would keep the INVALID index a failed build leaves */
	{ "SL403", PLAIN, 0, 0, 0, "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
	  "DROP INDEX CONCURRENTLY IF EXISTS public.i;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);" },
	{ "SL403", MIG_NOTX, 0, 0, 0, "CREATE INDEX IF NOT EXISTS i ON t (a);\nCREATE INDEX j ON t (a);",
	  "CREATE INDEX IF NOT EXISTS i ON t (a);" },
	{ "SL403", PLAIN, 0, 0, 0, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
	  "ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0) NOT VALID;" },
	/* dropped IF EXISTS by an earlier statement: the same table's only */
	{ "SL403", PLAIN, 0, 0, 0,
	  "ALTER TABLE u DROP CONSTRAINT IF EXISTS c;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
	  "ALTER TABLE t DROP CONSTRAINT IF EXISTS c;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;" },
	{ "SL403", MIG_NOTX, 0, 0, 0, "CREATE INDEX ON t (a);",
	  "DROP INDEX IF EXISTS i;\nCREATE INDEX i ON t (a);" },
	/* PostgreSQL names an unnamed primary key table_pkey */
	{ "SL403", MIG_NOTX, 0, 0, 0, "ALTER TABLE t ADD PRIMARY KEY (id);",
	  "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey;\nALTER TABLE t ADD PRIMARY KEY (id);" },
	/* a temporary table and its indexes are gone when a retry runs */
	{ "SL403", MIG_NOTX, 0, 0, 0, "CREATE TABLE n (a int);\nCREATE INDEX ON n (a);",
	  "CREATE TEMP TABLE n (a int);\nCREATE INDEX ON n (a);\n"
	  "CREATE TEMP TABLE m AS SELECT 1 AS a;\nCREATE INDEX ON m (a);" },
	/* a constraint over an index built concurrently: dropped in a statement of its own */
	{ "SL403", MIG_NOTX, 0, 0, 0,
	  "ALTER TABLE t DROP CONSTRAINT IF EXISTS v;\nALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX u;",
	  "ALTER TABLE t DROP CONSTRAINT IF EXISTS u;\nALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX u;" },
	{ "SL601", SQLITE, 0, 0, 0, "ALTER TABLE t ALTER COLUMN a TYPE text;",
	  "ALTER TABLE t RENAME COLUMN a TO b;" },
	{ "SL602", SQLITE, 0, 0, 0, "ALTER TABLE t ADD COLUMN b text NOT NULL;",
	  "ALTER TABLE t ADD COLUMN b text NOT NULL DEFAULT '';" },
	{ "SL602", SQLITE, 0, 0, 0, "ALTER TABLE t ADD COLUMN b timestamp DEFAULT CURRENT_TIMESTAMP;",
	  "ALTER TABLE t ADD COLUMN b timestamp DEFAULT '2020-01-01';" },
	{ "SL602", SQLITE, 0, 0, 0, "ALTER TABLE t ADD COLUMN b timestamp DEFAULT now();",
	  "ALTER TABLE t ADD COLUMN b timestamp DEFAULT 0;" },
	{ "SL603", SQLITE_MIG_TX, 0, 0, 0, "PRAGMA foreign_keys = OFF;\nCREATE TABLE n (a int);",
	  "PRAGMA defer_foreign_keys = ON;\nPRAGMA foreign_keys;\nPRAGMA foreign_key_check(t);" },
	/* SL501 and SL502 are about migration files: see their own tests below. */
	{ "SL501", MIG_TX, 0, 0, 0, NULL, NULL },
	{ "SL502", MIG_TX, 0, 0, 0, NULL, NULL },
	{ "SL503", MIG_TX, 0, 0, 0, NULL, NULL },
};

static char *migration_text(const char *up, int transactional, const char *down)
{
#define MIGRATION_FMT "-- revision: aaaaaaaaaaaa\n-- revises: base\n-- transaction: %s\n\n" \
		      "-- +up\n%s\n\n-- +down\n%s\n"
	size_t n = sizeof(MIGRATION_FMT) + strlen(up) + strlen(down) + 8;
	char *s = malloc(n);

	snprintf(s, n, MIGRATION_FMT, transactional ? "on" : "off", up, down);
	return s;
}

static strata_migration *parse_migration(const char *text)
{
	strata_migration *m = NULL;

	assert_int_equal(strata_migration_parse(&m, "migrations/aaaaaaaaaaaa_x.sql", text,
						strlen(text)), 0);
	return m;
}

/* Lint sql the way the case's mode says; the report (never NULL). */
static strata_lint_report *lint_as(const lint_case *c, const char *sql)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings s;
	strata_lint_report *r = NULL;
	const strata_lint_rule *rule = strata_lint_rule_find(c->rule), *all;
	int rc;

	strata_lint_settings_init(&s);
	if (c->enable)
		s.severity[rule - (strata_lint_rules(&all), all)] = STRATA_LINT_WARNING;
	o.settings = &s;
	o.pg_version = c->pg_version;
	o.pg_version_num = c->pg_version_num;
	o.engine = c->mode == SQLITE || c->mode == SQLITE_MIG_TX ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	o.assume_in_transaction = c->mode == PLAIN_TX;
	o.runner_sets_lock_timeout = 1;
	if (c->mode == MIG_TX || c->mode == MIG_NOTX || c->mode == SQLITE_MIG_TX) {
		char *text = migration_text(sql, c->mode != MIG_NOTX, "SELECT 1;");
		strata_migration *m = parse_migration(text);

		assert_int_equal(strata_lint_report_new(&r), 0);
		rc = strata_lint_migration(r, m, &o);
		strata_migration_free(m);
		free(text);
	} else {
		rc = strata_lint_string(&r, sql, strlen(sql), &o);
	}
	if (rc != 0)
		fail_msg("lint failed: %s", strata_error_last()->message);
	return r;
}

static size_t count(const strata_lint_report *r, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < strata_lint_report_count(r); i++)
		n += strcmp(strata_lint_report_at(r, i)->rule->id, rule) == 0;
	return n;
}

/* The i-th finding of rule (0-based), or fail. */
static const strata_lint_finding *nth(const strata_lint_report *r, const char *rule, size_t k)
{
	size_t i;

	for (i = 0; i < strata_lint_report_count(r); i++)
		if (strcmp(strata_lint_report_at(r, i)->rule->id, rule) == 0 && k-- == 0)
			return strata_lint_report_at(r, i);
	fail_msg("no finding %s", rule);
	return NULL;
}

static void test_lint__rule_case(void **state)
{
	const lint_case *c = *state;
	strata_lint_report *r;

	r = lint_as(c, c->bad);
	if (count(r, c->rule) == 0)
		fail_msg("%s did not trigger on: %s", c->rule, c->bad);
	strata_lint_report_free(r);
	r = lint_as(c, c->good);
	if (count(r, c->rule) != 0)
		fail_msg("%s triggered on the safe variant: %s (%s)", c->rule, c->good,
			 strata_lint_report_at(r, 0)->message);
	strata_lint_report_free(r);
}

static void test_lint__every_rule_has_a_case(void **state)
{
	const strata_lint_rule *rules;
	size_t n = strata_lint_rules(&rules), i, j;

	for (i = 0; i < n; i++) {
		int found = 0;

		for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
			found |= strcmp(cases[j].rule, rules[i].id) == 0;
		if (!found)
			fail_msg("rule %s (%s) has no test case", rules[i].id, rules[i].name);
		assert_non_null(rules[i].hint);
		assert_ptr_equal(strata_lint_rule_find(rules[i].name), &rules[i]);
		assert_ptr_equal(strata_lint_rule_find(rules[i].id), &rules[i]);
		if (i)
			assert_true(strcmp(rules[i - 1].id, rules[i].id) < 0);
	}
}

static void test_lint__missing_down(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	const char *no_down = "-- revision: aaaaaaaaaaaa\n-- revises: base\n\n-- +up\nCREATE TABLE n (a text);\n";
	const char *empty = "-- revision: aaaaaaaaaaaa\n-- revises: base\n\n-- +up\nCREATE TABLE n (a text);\n"
			    "\n-- +down\n-- nothing\n";
	const char *irreversible = "-- revision: aaaaaaaaaaaa\n-- revises: base\n"
				   "-- irreversible: data is gone\n\n-- +up\nDROP TABLE n;\n";
	const char *texts[] = { no_down, empty, irreversible };
	size_t want[] = { 1, 1, 0 }, i;

	for (i = 0; i < 3; i++) {
		strata_lint_report *r;
		strata_migration *m = parse_migration(texts[i]);

		assert_int_equal(strata_lint_report_new(&r), 0);
		assert_int_equal(strata_lint_migration(r, m, &o), 0);
		assert_int_equal(count(r, "SL501"), want[i]);
		if (want[i] && i == 1) /* points at the empty down section */
			assert_int_equal(strata_lint_report_at(r, 0)->line, 8);
		strata_lint_report_free(r);
		strata_migration_free(m);
	}
}

/* A batch section: <value> is SL503 where it is; once filled, the
 * statement is linted with its placeholders as parameters, and an empty
 * down is no SL501 (a data step has no schema to revert). */
static void test_lint__batch_section(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	const char *left = "-- revision: aaaaaaaaaaaa\n-- revises: base\n\n-- +batch\n"
			   "UPDATE t SET c = <value> WHERE id > :last AND id <= :next;\n-- +down\n";
	const char *filled = "-- revision: aaaaaaaaaaaa\n-- revises: base\n\n-- +batch\n"
			     "UPDATE t SET c = 'x' WHERE id > :last AND id <= :next;\n-- +down\n";
	const char *bad = "-- revision: aaaaaaaaaaaa\n-- revises: base\n\n-- +batch\n"
			  "UPDATE t SET c = 'x' WHERE id > :last;\n-- +down\n";
	strata_lint_report *r;
	strata_migration *m = parse_migration(left);

	(void)state;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), 0);
	assert_int_equal(count(r, "SL503"), 1);
	assert_int_equal(strata_lint_report_at(r, 0)->line, 5);
	assert_int_equal(strata_lint_report_at(r, 0)->col, 18);
	strata_lint_report_free(r);
	strata_migration_free(m);

	m = parse_migration(filled);
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), 0);
	assert_int_equal(strata_lint_report_count(r), 0);
	assert_int_equal(strata_lint_report_statements(r), 1);
	strata_lint_report_free(r);
	strata_migration_free(m);

	m = parse_migration(bad);
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "no ':next' placeholder"));
	strata_lint_report_free(r);
	strata_migration_free(m);
}

static void test_lint__applied_revision_edited(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *text = migration_text("CREATE TABLE n (a text);", 1, "DROP TABLE n;");
	strata_migration *m = parse_migration(text);
	strata_lint_report *r;

	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_applied_changed(r, m, "sha256-v1:00", &o), 0);
	assert_int_equal(count(r, "SL502"), 1);
	assert_non_null(strstr(strata_lint_report_at(r, 0)->message, "sha256-v1:00"));
	assert_int_equal(strata_lint_report_errors(r), 1);
	strata_lint_report_free(r);
	strata_migration_free(m);
	free(text);
}

static strata_lint_report *lint_plain(const char *sql)
{
	strata_lint_report *r = NULL;

	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), NULL), 0);
	return r;
}

static void test_lint__suppression_comment(void **state)
{
	strata_lint_report *r = lint_plain(
		"-- strata:ignore SL101 the table has 20 rows\nCREATE INDEX i ON t (a);\n"
		"-- strata:ignore require-concurrent-index-deletion, SL403 tiny\n"
		"-- second comment line\nDROP INDEX j;\n"
		"CREATE INDEX k ON t (b);\n");

	assert_int_equal(count(r, "SL101"), 1); /* only the unsuppressed k */
	assert_int_equal(nth(r, "SL101", 0)->line, 6);
	assert_int_equal(count(r, "SL403"), 2); /* i and k: only j's comment names SL403 */
	assert_int_equal(count(r, "SL102"), 0);
	assert_int_equal(strata_lint_report_suppressed(r) >= 3, 1);
	strata_lint_report_free(r);
	/* A comment naming another rule, or separated by SQL, does not suppress. */
	r = lint_plain("-- strata:ignore SL102\nCREATE INDEX i ON t (a);\n"
		       "-- strata:ignore SL101\nSELECT 1;\nCREATE INDEX j ON t (a);\n");
	assert_int_equal(count(r, "SL101"), 2);
	strata_lint_report_free(r);
}

static void test_lint__same_migration_exemption(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE TABLE orders (id bigint, user_id bigint, note text);\n"
		"CREATE INDEX orders_user ON orders (user_id);\n"
		"ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n"
		"ALTER TABLE orders ADD COLUMN total bigint NOT NULL;\n"
		"ALTER TABLE orders ALTER COLUMN note TYPE varchar;\n"
		"ALTER TABLE public.orders ALTER COLUMN note SET NOT NULL;\n"
		"UPDATE orders SET note = '';\n");

	assert_int_equal(strata_lint_report_errors(r), 0);
	strata_lint_report_free(r);
}

static void test_lint__range_exemption_across_migrations(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *t1 = migration_text("CREATE TABLE n (a text);", 1, "DROP TABLE n;");
	char *t2 = migration_text("CREATE INDEX n_a ON n (a);", 1, "DROP INDEX n_a;");
	strata_migration *m1 = parse_migration(t1), *m2 = parse_migration(t2);
	strata_lint_report *r;

	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m1, &o), 0);
	assert_int_equal(strata_lint_migration(r, m2, &o), 0);
	assert_int_equal(count(r, "SL101"), 0);
	strata_lint_report_new_range(r); /* the next file runs on its own */
	assert_int_equal(strata_lint_migration(r, m2, &o), 0);
	assert_int_equal(count(r, "SL101"), 1);
	strata_lint_report_free(r);
	strata_migration_free(m1);
	strata_migration_free(m2);
	free(t1);
	free(t2);
}

/* A learned revision reports and counts nothing and makes no table new,
 * but its NOT VALID check, validated later, proves the column for SET NOT
 * NULL; strata_lint_report_new_history() forgets it. */
static void test_lint__history_is_learned_and_forgotten(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *t1 = migration_text("CREATE TABLE u (id bigint, tier text);\n"
				  "ALTER TABLE u ADD CONSTRAINT u_nn CHECK (tier IS NOT NULL) NOT VALID;",
				  1, "DROP TABLE u;");
	char *t2 = migration_text("ALTER TABLE u VALIDATE CONSTRAINT u_nn;\n"
				  "ALTER TABLE u ALTER COLUMN tier SET NOT NULL;\n"
				  "CREATE INDEX u_tier ON u (tier);",
				  1, "ALTER TABLE u ALTER COLUMN tier DROP NOT NULL;");
	strata_migration *m1 = parse_migration(t1), *m2 = parse_migration(t2);
	strata_lint_report *r;

	o.runner_sets_lock_timeout = 1;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_learn_migration(r, m1, &o), 0);
	assert_int_equal(strata_lint_report_count(r), 0);
	assert_int_equal(strata_lint_report_files(r), 0);
	assert_int_equal(strata_lint_report_statements(r), 0);
	strata_lint_report_new_range(r);
	assert_int_equal(strata_lint_migration(r, m2, &o), 0);
	assert_int_equal(count(r, "SL108"), 0);
	assert_int_equal(count(r, "SL101"), 1); /* u was learned: it exists, not new */
	strata_lint_report_new_history(r);
	assert_int_equal(strata_lint_migration(r, m2, &o), 0);
	assert_int_equal(count(r, "SL108"), 1);
	strata_lint_report_free(r);
	strata_migration_free(m1);
	strata_migration_free(m2);
	free(t1);
	free(t2);
}

/* A down is linted after its up, with the context the up left: undoing the
 * up's own new objects is quiet; dropping what an older revision made, or
 * a blocking lock, is reported as the down's. The down changes nothing the
 * next revision sees. */
static void test_lint__down_sections_are_linted_after_the_up(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *own = migration_text("CREATE TABLE n (a text);\n"
				   "ALTER TABLE users ADD COLUMN nick text;\n"
				   "CREATE INDEX CONCURRENTLY users_nick ON users (nick);",
				   0, "DROP INDEX CONCURRENTLY users_nick;\n"
				   "ALTER TABLE users DROP COLUMN nick;\nDROP TABLE n;");
	char *old = migration_text("SELECT 1;", 1, "ALTER TABLE users DROP COLUMN email;\n"
				   "CREATE INDEX users_email ON users (email);\nDROP TABLE accounts;");
	char *after = migration_text("CREATE TABLE accounts2 (id bigint);", 1,
				     "CREATE TABLE accounts (id bigint);");
	char *next = migration_text("CREATE INDEX acc ON accounts (id);", 1, "DROP INDEX acc;");
	strata_migration *m_own = parse_migration(own), *m_old = parse_migration(old);
	strata_migration *m_after = parse_migration(after), *m_next = parse_migration(next);
	strata_lint_report *r;
	size_t i, n_own;
	int line = 0;

	o.runner_sets_lock_timeout = 1;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m_own, &o), 0);
	assert_int_equal(strata_lint_report_errors(r), 0); /* SL403 warnings: not retry-safe */
	assert_int_equal(count(r, "SL202") + count(r, "SL203") + count(r, "SL102"), 0);
	strata_lint_report_new_range(r);
	n_own = strata_lint_report_count(r);
	assert_int_equal(strata_lint_migration(r, m_old, &o), 0);
	assert_int_equal(count(r, "SL202"), 1);
	assert_int_equal(count(r, "SL101"), 1);
	assert_int_equal(count(r, "SL203"), 1);
	for (i = n_own; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		assert_non_null(strstr(f->message, "down section: "));
		if (strcmp(f->rule->id, "SL202") == 0)
			line = f->line;
	}
	assert_int_equal(line, 9); /* the down's first line in the file */
	strata_lint_report_new_range(r);
	/* A table the down creates is not new for the next revision's up. */
	assert_int_equal(strata_lint_migration(r, m_after, &o), 0);
	assert_int_equal(strata_lint_migration(r, m_next, &o), 0);
	assert_int_equal(count(r, "SL101"), 2);
	strata_lint_report_free(r);
	strata_migration_free(m_own);
	strata_migration_free(m_old);
	strata_migration_free(m_after);
	strata_migration_free(m_next);
	free(own);
	free(old);
	free(after);
	free(next);
}

/* A down that recreates the table its up dropped (autogenerate's down for a
 * dropped table) adds keys to a table that is new there: no SL107/SL110,
 * while the same statements on an existing table are reported. */
static void test_lint__down_recreating_a_table_is_new_there(void **state)
{
	char *text = migration_text("DROP TABLE b;", 1,
				    "CREATE TABLE b (id bigint NOT NULL, a_id bigint);\n"
				    "ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a(id);\n"
				    "ALTER TABLE b ADD CONSTRAINT b_pkey PRIMARY KEY (id);\n"
				    "ALTER TABLE c ADD CONSTRAINT c_a_fk FOREIGN KEY (a_id) REFERENCES a(id);");
	strata_migration *m = parse_migration(text);
	strata_lint_report *r;
	size_t i;

	(void)state;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, NULL), 0);
	assert_int_equal(count(r, "SL110"), 0);
	assert_int_equal(count(r, "SL107"), 1); /* only c's: c is not new */
	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (strcmp(f->rule->id, "SL107") == 0)
			assert_non_null(strstr(f->message, "c_a_fk"));
	}
	strata_lint_report_free(r);
	strata_migration_free(m);
	free(text);
}

/* A down that drops the schema its own up created is quiet; one that drops
 * an older revision's schema is reported. */
static void test_lint__down_drops_own_schema_quietly(void **state)
{
	char *own = migration_text("CREATE SCHEMA audit;\nCREATE TABLE audit.log (id bigint);", 1,
				   "DROP TABLE audit.log;\nDROP SCHEMA audit;");
	char *old = migration_text("CREATE TABLE audit2 (id bigint);", 1,
				   "DROP TABLE audit2;\nDROP SCHEMA audit CASCADE;");
	strata_migration *m_own = parse_migration(own), *m_old = parse_migration(old);
	strata_lint_report *r;

	(void)state;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m_own, NULL), 0);
	assert_int_equal(count(r, "SL205"), 0);
	strata_lint_report_new_range(r);
	assert_int_equal(strata_lint_migration(r, m_old, NULL), 0);
	assert_int_equal(count(r, "SL205"), 1);
	strata_lint_report_free(r);
	strata_migration_free(m_own);
	strata_migration_free(m_old);
	free(own);
	free(old);
}

static void test_lint__positions_map_to_the_file(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *text = migration_text("SELECT 1;\n\n  CREATE INDEX i ON t (a);", 1, "DROP INDEX i;");
	strata_migration *m = parse_migration(text);
	strata_lint_report *r;
	const strata_lint_finding *f;

	o.runner_sets_lock_timeout = 1;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), 0);
	assert_int_equal(strata_lint_report_count(r), 1);
	f = strata_lint_report_at(r, 0);
	assert_string_equal(f->rule->id, "SL101");
	assert_int_equal(f->line, 8);
	assert_int_equal(f->col, 21); /* the table name */
	assert_string_equal(f->path, "migrations/aaaaaaaaaaaa_x.sql");
	strata_lint_report_free(r);
	strata_migration_free(m);
	free(text);
}

static void test_lint__syntax_error_names_line_and_column(void **state)
{
	strata_lint_report *r = NULL;
	const char *sql = "SELECT 1;\nCREATE TABLE (;\n";
	int rc = strata_lint_string(&r, sql, strlen(sql), NULL);

	assert_int_equal(rc, STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "<string>:2:14:"));
	strata_lint_report_free(r);
}

static void test_lint__copy_data_and_function_bodies(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
		"COPY t (a) FROM STDIN;\n1\n2\n\\.\nCREATE INDEX i ON t (a);\n");

	assert_int_equal(count(r, "SL101"), 1);
	assert_int_equal(strata_lint_report_at(r, strata_lint_report_count(r) - 1)->line, 6);
	strata_lint_report_free(r);
}

static void test_lint__sqlite_skips_its_own_dialect(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_report *r = NULL;
	const char *sql = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
			  "ALTER TABLE t ADD COLUMN b text NOT NULL;\nCREATE INDEX i ON t (b);\n";

	o.engine = STRATA_LINT_SQLITE;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_int_equal(count(r, "SL602"), 1);
	assert_int_equal(count(r, "SL101"), 0); /* no CONCURRENTLY in SQLite */
	assert_int_equal(count(r, "SL201"), 0);
	strata_lint_report_free(r);
}

/* Lint an up section as a SQLite migration with r's history; r's findings. */
static void lint_sqlite_migration(strata_lint_report *r, const char *up, int transactional,
				  int learn)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *text = migration_text(up, transactional, "SELECT 1;");
	strata_migration *m = parse_migration(text);

	o.engine = STRATA_LINT_SQLITE;
	strata_lint_report_new_range(r);
	assert_int_equal(learn ? strata_lint_learn_migration(r, m, &o) : strata_lint_migration(r, m, &o),
			 0);
	strata_migration_free(m);
	free(text);
}

/* A table created by an applied revision (learned: its columns are known,
 * though PostgreSQL's parser cannot read that CREATE TABLE) and rebuilt
 * by a later one: every column copied is quiet, a column left behind is a
 * dropped column, a plain DROP TABLE still loses the table. */
static void test_lint__sqlite_rebuild_keeps_rows_or_names_lost_columns(void **state)
{
#define REBUILD(shape, cols) \
	"CREATE TABLE _new_t (id INTEGER PRIMARY KEY AUTOINCREMENT, " shape ");\n" \
	"INSERT INTO _new_t (rowid, " cols ") SELECT rowid, " cols " FROM t;\n" \
	"DROP TABLE t;\nALTER TABLE _new_t RENAME TO t;\n"
	strata_lint_report *r;

	assert_int_equal(strata_lint_report_new(&r), 0);
	lint_sqlite_migration(r, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a text, "
				 "\"B\" text, CONSTRAINT t_a UNIQUE (a));", 1, 1);
	lint_sqlite_migration(r, REBUILD("a text NOT NULL, b text", "id, a, b"), 1, 0);
	assert_int_equal(count(r, "SL203"), 0);
	assert_int_equal(count(r, "SL202"), 0);
	/* the rebuilt t has the new shape: a later rebuild that drops b is seen */
	lint_sqlite_migration(r, REBUILD("a text NOT NULL", "id, a"), 1, 0);
	assert_int_equal(count(r, "SL203"), 0);
	assert_int_equal(count(r, "SL202"), 1);
	assert_non_null(strstr(nth(r, "SL202", 0)->message, "not column(s) b:"));
	lint_sqlite_migration(r, "DROP TABLE t;", 1, 0);
	assert_int_equal(count(r, "SL203"), 1);
	/* rows copied into a table that is not new: no rebuild */
	lint_sqlite_migration(r, "INSERT INTO kept (a) SELECT a FROM u;\nDROP TABLE u;", 1, 0);
	assert_int_equal(count(r, "SL203"), 2);
	/* outside a transaction PRAGMA foreign_keys works */
	lint_sqlite_migration(r, "PRAGMA foreign_keys = ON;\nBEGIN;\nPRAGMA main.foreign_keys = OFF;\n"
				 "COMMIT;", 0, 0);
	assert_int_equal(count(r, "SL603"), 1);
	assert_non_null(strstr(nth(r, "SL603", 0)->message, "(after BEGIN)"));
	strata_lint_report_free(r);
#undef REBUILD
}

/* A live database of five tables: tiny, mid, big (2 GB, 512 MB of
 * indexes), stray (no revision creates it) and fresh (a pending revision
 * creates it). */
static int fixed_size(void *payload, const char *schema, const char *table,
		      strata_lint_table_size *out)
{
	static const struct { const char *name; long rows; long long table, index; } live[] = {
		{ "tiny", 12, 8192, 0 },
		{ "mid", 50000, 4LL << 20, 1LL << 20 },
		{ "big", 5000000, 2048LL << 20, 512LL << 20 },
		{ "stray", 100000, 8LL << 20, 0 },
		{ "fresh", 5000000, 2048LL << 20, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (strcmp(table, live[i].name) == 0) {
			out->rows = live[i].rows;
			out->table_bytes = live[i].table;
			out->index_bytes = live[i].index;
			return 0;
		}
	return -1;
}

static void test_lint__live_table_size_softens_locking_rules(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings settings;
	strata_lint_report *r = NULL;
	const char *sql = "SET lock_timeout = '1s';\nCREATE INDEX a ON tiny (x);\nCREATE INDEX b ON big (x);\n"
			  "CREATE INDEX c ON unknown (x);\nALTER TABLE tiny RENAME COLUMN x TO y;\n"
			  "CREATE INDEX d ON mid (x);\nALTER TABLE big ALTER COLUMN x TYPE bigint;\n";

	o.table_size = fixed_size;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_int_equal(count(r, "SL101"), 4);
	assert_int_equal(nth(r, "SL101", 0)->severity, STRATA_LINT_WARNING);
	assert_string_equal(strstr(nth(r, "SL101", 0)->message, " (small"), " (small table: about 12 rows)");
	assert_int_equal(nth(r, "SL101", 1)->severity, STRATA_LINT_ERROR);
	assert_string_equal(strstr(nth(r, "SL101", 1)->message, " (large"),
			    " (large table: about 5,000,000 rows, 2.0 GB; the build blocks writes for "
			    "roughly 41 s (2.0 GB at 50 MB/s))");
	assert_int_equal(nth(r, "SL101", 2)->severity, STRATA_LINT_ERROR);
	assert_null(strstr(nth(r, "SL101", 2)->message, "rows"));
	assert_string_equal(strstr(nth(r, "SL101", 3)->message, " (about"), " (about 50000 rows)");
	/* A rewrite writes the indexes too: 2.5 GB at 30 MB/s. */
	assert_string_equal(strstr(nth(r, "SL112", 0)->message, " (large"),
			    " (large table: about 5,000,000 rows, 2.0 GB; the rewrite holds the lock "
			    "for roughly 85 s (2.5 GB at 30 MB/s))");
	/* Renames break code whatever the size. */
	assert_int_equal(nth(r, "SL206", 0)->severity, STRATA_LINT_ERROR);
	strata_lint_report_free(r);

	/* large_table_rows moves the threshold. */
	strata_lint_settings_init(&settings);
	settings.large_table_rows = 10000000;
	o.settings = &settings;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_string_equal(strstr(nth(r, "SL101", 1)->message, " (about"), " (about 5000000 rows)");
	strata_lint_report_free(r);
}

/* With the history complete from base, a live table no revision created is
 * possible drift; a table a pending revision creates is new and empty
 * whatever the live database holds under its name. */
static void test_lint__live_context_with_history(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *t1 = migration_text("CREATE TABLE tiny (x int);\nCREATE TABLE big (x int);\n"
				  "CREATE TABLE gone (x int);\nALTER TABLE gone RENAME TO mid;", 1, "SELECT 1;");
	strata_migration *m1 = parse_migration(t1);
	const char *sql = "CREATE INDEX a ON tiny (x);\nCREATE INDEX b ON stray (x);\n"
			  "CREATE INDEX d ON mid (x);\nCREATE INDEX e ON gone (x);\n"
			  "CREATE TABLE fresh (x int);\nCREATE INDEX f ON fresh (x);\n";
	strata_lint_report *r;
	size_t i;

	o.table_size = fixed_size;
	o.runner_sets_lock_timeout = 1;
	o.history_from_base = 1;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_learn_migration(r, m1, &o), 0);
	assert_int_equal(strata_lint_sql(r, "x.sql", sql, strlen(sql), &o), 0);
	assert_int_equal(count(r, "SL101"), 4);
	assert_string_equal(strstr(nth(r, "SL101", 1)->message, " (about"),
			    " (about 100000 rows; possible drift: stray is on the database but no "
			    "revision before this one creates it)");
	for (i = 0; i < 4; i++)
		if (i != 1)
			assert_null(strstr(nth(r, "SL101", i)->message, "drift"));
	strata_lint_report_free(r);

	/* Without the whole history nothing is said about drift. */
	o.history_from_base = 0;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_null(strstr(nth(r, "SL101", 1)->message, "drift"));
	strata_lint_report_free(r);
	strata_migration_free(m1);
	free(t1);
}

static void test_lint__settings_from_config(void **state)
{
	char dir[] = "/tmp/strata-lint-XXXXXX", path[256];
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_lint_settings s;
	strata_config *cfg = NULL;
	const strata_lint_rule *rules;
	FILE *f;

	strata_lint_rules(&rules);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/strata.ini", dir);
	f = fopen(path, "w");
	fputs("[strata]\nmigrations = m\n\n[lint]\nSL301 = off\nprefer-timestamptz = error\n"
	      "pg_version = 10\nsmall_table_rows = 50\nlarge_table_rows = 500000\n", f);
	fclose(f);
	in.cwd = dir;
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	strata_lint_settings_init(&s);
	assert_int_equal(strata_lint_settings_load(&s, cfg), 0);
	assert_int_equal(s.severity[strata_lint_rule_find("SL301") - rules], STRATA_LINT_OFF);
	assert_int_equal(s.severity[strata_lint_rule_find("SL305") - rules], STRATA_LINT_ERROR);
	assert_int_equal(s.pg_version, 10);
	assert_int_equal(s.small_table_rows, 50);
	assert_int_equal(s.large_table_rows, 500000);
	strata_config_free(cfg);

	f = fopen(path, "w");
	fputs("[strata]\n[lint]\n\nSL999 = off\n", f);
	fclose(f);
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	strata_lint_settings_init(&s);
	assert_int_equal(strata_lint_settings_load(&s, cfg), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "strata.ini:4:"));
	assert_non_null(strstr(strata_error_last()->message, "SL999"));
	strata_config_free(cfg);

	f = fopen(path, "w");
	fputs("[lint]\nSL101 = loud\n", f);
	fclose(f);
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	assert_int_equal(strata_lint_settings_load(&s, cfg), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "off, warning or error"));
	strata_config_free(cfg);
	unlink(path);
	rmdir(dir);
}

static void test_lint__settings_change_severity(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_settings s;
	strata_lint_report *r = NULL;
	const strata_lint_rule *rules;
	const char *sql = "CREATE TABLE n (a int, b timestamp);";

	strata_lint_rules(&rules);
	strata_lint_settings_init(&s);
	s.severity[strata_lint_rule_find("SL301") - rules] = STRATA_LINT_OFF;
	s.severity[strata_lint_rule_find("SL305") - rules] = STRATA_LINT_ERROR;
	o.settings = &s;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_int_equal(count(r, "SL301"), 0);
	assert_int_equal(count(r, "SL305"), 1);
	assert_int_equal(strata_lint_report_errors(r), 1);
	strata_lint_report_free(r);
}

static void test_lint__render_formats(void **state)
{
	strata_lint_report *r = lint_plain("CREATE TABLE n (a timestamp);\nCREATE INDEX i ON t (a);\n");
	json_t *j, *res;
	json_error_t err;
	char *out = NULL;

	assert_int_equal(strata_lint_render(&out, r, STRATA_LINT_FORMAT_TEXT, STRATA_LINT_WARNING), 0);
	assert_non_null(strstr(out, "<string>:2:19: error SL101 "));
	assert_non_null(strstr(out, "    hint: CREATE INDEX CONCURRENTLY"));
	strata_free(out);
	assert_int_equal(strata_lint_render(&out, r, STRATA_LINT_FORMAT_TEXT, STRATA_LINT_ERROR), 0);
	assert_null(strstr(out, "SL305"));
	strata_free(out);

	assert_int_equal(strata_lint_render(&out, r, STRATA_LINT_FORMAT_JSON, STRATA_LINT_WARNING), 0);
	j = json_loads(out, 0, &err);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "errors")), 1);
	assert_true(json_array_size(json_object_get(j, "findings")) >= 2);
	json_decref(j);
	strata_free(out);

	assert_int_equal(strata_lint_render(&out, r, STRATA_LINT_FORMAT_SARIF, STRATA_LINT_WARNING), 0);
	j = json_loads(out, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	res = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results");
	assert_true(json_array_size(res) >= 2);
	{
		json_t *last = json_array_get(res, json_array_size(res) - 1);
		json_t *loc = json_array_get(json_object_get(last, "locations"), 0);
		json_t *region = json_object_get(json_object_get(loc, "physicalLocation"), "region");

		assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 2);
	}
	json_decref(j);
	strata_free(out);

	assert_int_equal(strata_lint_render(&out, r, STRATA_LINT_FORMAT_GITHUB, STRATA_LINT_WARNING), 0);
	assert_non_null(strstr(out, "::error file=<string>,line=2,col=19,title=SL101 "));
	assert_non_null(strstr(out, "%0Ahint: "));
	assert_null(strstr(out, "\nhint"));
	strata_free(out);
	strata_lint_report_free(r);
}

/* An unnamed index or constraint is said to be unnamed, not named "". */
static void test_lint__unnamed_objects_in_messages(void **state)
{
	strata_lint_report *r = lint_plain("ALTER TABLE t ADD UNIQUE (a);\n"
					   "CREATE INDEX ON t (a);\nCREATE INDEX CONCURRENTLY ON t (b);\n"
					   "ALTER TABLE t ADD PRIMARY KEY (id);\n");

	assert_int_equal(count(r, "SL403"), 4);
	assert_non_null(strstr(nth(r, "SL403", 0)->message, "ADD CONSTRAINT without a name"));
	assert_non_null(strstr(nth(r, "SL403", 3)->message, "ADD CONSTRAINT t_pkey cannot run twice"));
	assert_non_null(strstr(nth(r, "SL403", 1)->message, "CREATE INDEX (unnamed) without"));
	assert_non_null(strstr(nth(r, "SL403", 2)->message, "CREATE INDEX CONCURRENTLY without a name"));
	assert_non_null(strstr(nth(r, "SL101", 0)->message, "CREATE INDEX (unnamed) on"));
	strata_lint_report_free(r);
}

/* Two tables in one message are both named. */
static void test_lint__detach_names_both_tables(void **state)
{
	strata_lint_report *r = lint_plain("ALTER TABLE app.m DETACH PARTITION app.m_2006;\n");

	assert_int_equal(count(r, "SL105"), 1);
	assert_non_null(strstr(nth(r, "SL105", 0)->message, "DETACH PARTITION app.m_2006 from app.m "));
	strata_lint_report_free(r);
}

/* ---- function bodies and DO blocks ---------------------------------- */

/* Finding k of rule is at line:col and its message starts with `start`. */
static void check_at(const strata_lint_report *r, const char *rule, size_t k, int line, int col,
		     const char *start)
{
	const strata_lint_finding *f = nth(r, rule, k);

	if (f->line != line || f->col != col || strncmp(f->message, start, strlen(start)) != 0)
		fail_msg("%s #%zu: %d:%d \"%s\", expected %d:%d \"%s...\"", rule, k, f->line, f->col,
			 f->message, line, col, start);
}

/* A statement starts after the comments before it; PostgreSQL's block
 * comments nest, so a nested one is skipped whole. */
static void test_lint__finding_after_nested_comment(void **state)
{
	strata_lint_report *r = lint_plain("SELECT 1;\n/* a /* b */ c */ -- d\n  UPDATE t SET a = 1;\n");

	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 3, 3, "UPDATE t without WHERE");
	strata_lint_report_free(r);
}

static void test_lint__plpgsql_function_body(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE FUNCTION app.touch() RETURNS void LANGUAGE plpgsql AS $$\n"
		"BEGIN\n"
		"    UPDATE t SET a = 1;\n"
		"END $$;\n");

	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 3, 5, "in function app.touch(): UPDATE t without WHERE");
	assert_int_equal(strata_lint_report_statements(r), 2);
	assert_int_equal(strata_lint_report_bodies_skipped(r), 0);
	strata_lint_report_free(r);
}

/* In a migration file too; a location inside the statement (the table of
 * CREATE INDEX) maps to its column. */
static void test_lint__do_block(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *text = migration_text("DO $$\nBEGIN\n  UPDATE t SET a = 1;\n"
				    "  CREATE INDEX i ON big (a);\nEND $$;", 1, "SELECT 1;");
	strata_migration *m = parse_migration(text);
	strata_lint_report *r;

	o.runner_sets_lock_timeout = 1;
	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), 0);
	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 8, 3, "in DO block: UPDATE t without WHERE");
	assert_int_equal(count(r, "SL101"), 1);
	check_at(r, "SL101", 0, 9, 21, "in DO block: CREATE INDEX i on existing table big");
	strata_lint_report_free(r);
	strata_migration_free(m);
	free(text);
}

/* Statements at any depth: IF / ELSIF / ELSE, FOR and WHILE loops, a block
 * with an EXCEPTION handler, CASE; RETURNING ... INTO is blanked out of the
 * statement PL/pgSQL runs but it is still found in the file. */
static void test_lint__nested_plpgsql_statements(void **state)
{
	strata_lint_report *r = lint_plain(
		"DO $$\n"
		"DECLARE r record; v int;\n"
		"BEGIN\n"
		"  IF true THEN\n"
		"    FOR r IN SELECT 1 LOOP\n"
		"      BEGIN\n"
		"        DELETE FROM t1;\n"
		"      EXCEPTION WHEN others THEN\n"
		"        UPDATE t2 SET a = 1 RETURNING a INTO v;\n"
		"      END;\n"
		"    END LOOP;\n"
		"  ELSIF false THEN\n"
		"    UPDATE t3 SET a = 1;\n"
		"  ELSE\n"
		"    CASE v WHEN 1 THEN DELETE FROM t4; ELSE NULL; END CASE;\n"
		"  END IF;\n"
		"  WHILE false LOOP DELETE FROM t5; END LOOP;\n"
		"END $$;\n");

	assert_int_equal(count(r, "SL213"), 5);
	check_at(r, "SL213", 0, 7, 9, "in DO block: DELETE FROM t1 ");
	check_at(r, "SL213", 1, 9, 9, "in DO block: UPDATE t2 ");
	check_at(r, "SL213", 2, 13, 5, "in DO block: UPDATE t3 ");
	check_at(r, "SL213", 3, 15, 24, "in DO block: DELETE FROM t4 ");
	check_at(r, "SL213", 4, 17, 20, "in DO block: DELETE FROM t5 ");
	strata_lint_report_free(r);
}

static void test_lint__sql_function_bodies(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$\n"
		"  SELECT 1;\n"
		"  DELETE FROM t;\n"
		"$$;\n"
		"CREATE PROCEDURE reset() LANGUAGE sql\n"
		"BEGIN ATOMIC\n"
		"  UPDATE t SET a = 0;\n"
		"END;\n"
		"CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1;\n");

	assert_int_equal(count(r, "SL213"), 2);
	check_at(r, "SL213", 0, 3, 3, "in function purge(): DELETE FROM t ");
	check_at(r, "SL213", 1, 7, 3, "in procedure reset(): UPDATE t ");
	strata_lint_report_free(r);
}

/* Bounded, or dynamic SQL strata cannot read: quiet. EXECUTE of one string
 * literal is read. */
static void test_lint__quiet_body_statements(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE FUNCTION f(x bigint) RETURNS void LANGUAGE plpgsql AS $$\n"
		"BEGIN\n"
		"  UPDATE t SET a = 1 WHERE id = x;\n"
		"  EXECUTE format('UPDATE %I SET a = 1', 't');\n"
		"  EXECUTE 'DELETE FROM ' || 't';\n"
		"  x := (SELECT count(*) FROM t);\n"
		"  IF x > 0 THEN PERFORM 1; END IF;\n"
		"END $$;\n"
		"DO $$ BEGIN EXECUTE 'DELETE FROM u'; END $$;\n");

	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 9, 22, "in DO block: DELETE FROM u ");
	strata_lint_report_free(r);
}

/* A comment above the CREATE FUNCTION / DO statement, or above the
 * statement's own line inside the body. */
static void test_lint__suppression_in_bodies(void **state)
{
	strata_lint_report *r = lint_plain(
		"-- strata:ignore SL213 the table has 20 rows\n"
		"DO $$\n"
		"BEGIN\n"
		"  UPDATE t SET a = 1;\n"
		"END $$;\n"
		"DO $$\n"
		"BEGIN\n"
		"  -- strata:ignore SL213 the table has 20 rows\n"
		"  UPDATE t SET a = 1;\n"
		"  DELETE FROM t;\n"
		"END $$;\n"
		"-- strata:ignore SL213 only ever called on a fresh table\n"
		"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t $$;\n");

	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 10, 3, "in DO block: DELETE FROM t ");
	assert_int_equal(strata_lint_report_suppressed(r), 3);
	strata_lint_report_free(r);
}

/* A DO block runs with the migration: a table it creates is new to its own
 * later statements and to the file's. A function body runs later: a table
 * it creates is new only to its own later statements, and a table the file
 * created is not new to it (it holds rows by the time the function runs). */
static void test_lint__do_block_and_function_contexts(void **state)
{
	strata_lint_report *r = lint_plain(
		"DO $$\n"
		"BEGIN\n"
		"  CREATE TABLE IF NOT EXISTS fresh (a bigint);\n"
		"  UPDATE fresh SET a = 1;\n"
		"END $$;\n"
		"UPDATE fresh SET a = 2;\n"
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
		"BEGIN\n"
		"  CREATE TABLE IF NOT EXISTS made (a bigint);\n"
		"  UPDATE made SET a = 1;\n"
		"  UPDATE fresh SET a = 3;\n"
		"END $$;\n"
		"UPDATE made SET a = 4;\n");

	assert_int_equal(count(r, "SL213"), 2);
	check_at(r, "SL213", 0, 11, 3, "in function f(): UPDATE fresh ");
	check_at(r, "SL213", 1, 13, 1, "UPDATE made ");
	strata_lint_report_free(r);
}

/* The file's transaction control, timeouts and retries are nothing to a
 * function body; a DO block's statements are linted as the file's, and
 * CONCURRENTLY cannot run in either. A statement under IF (its condition
 * makes it safe to run again) is not asked to be re-runnable. */
static void test_lint__rules_that_apply_in_bodies(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	char *text = migration_text(
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
		"BEGIN\n"
		"  ALTER TABLE t ADD COLUMN b text;\n"
		"  CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n"
		"  START TRANSACTION;\n"
		"END $$;\n"
		"DO $$\n"
		"BEGIN\n"
		"  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'c') THEN\n"
		"    ALTER TABLE t ADD COLUMN c text;\n"
		"  END IF;\n"
		"  ALTER TABLE t ADD COLUMN d text;\n"
		"  DROP INDEX CONCURRENTLY IF EXISTS j;\n"
		"END $$;", 0, "SELECT 1;");
	strata_migration *m = parse_migration(text);
	strata_lint_report *r;

	assert_int_equal(strata_lint_report_new(&r), 0);
	assert_int_equal(strata_lint_migration(r, m, &o), 0);
	assert_int_equal(count(r, "SL401"), 0);
	assert_int_equal(count(r, "SL402"), 0);
	assert_int_equal(count(r, "SL115"), 1); /* once per file: the DO block's ALTER TABLE */
	check_at(r, "SL115", 0, 15, 5, "in DO block: this statement locks t");
	assert_int_equal(count(r, "SL103"), 2);
	check_at(r, "SL103", 0, 9, 3, "in function f(): CREATE INDEX CONCURRENTLY inside a transaction");
	check_at(r, "SL103", 1, 18, 3, "in DO block: DROP INDEX CONCURRENTLY inside a transaction");
	assert_int_equal(count(r, "SL403"), 1); /* d: neither in f() nor under IF */
	check_at(r, "SL403", 0, 17, 3, "in DO block: ADD COLUMN without IF NOT EXISTS");
	strata_lint_report_free(r);
	strata_migration_free(m);
	free(text);
}

/* PostgreSQL checks a body itself when the function is created: one that
 * does not parse is skipped and counted, never an error. */
static void test_lint__unreadable_bodies_are_skipped(void **state)
{
	strata_lint_report *r = lint_plain(
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET a = 1 $$;\n"
		"CREATE FUNCTION g() RETURNS void LANGUAGE sql AS $$ DELETE FROM $$;\n"
		"DO $$ BEGIN IF THEN END $$;\n"
		"CREATE FUNCTION p() RETURNS void LANGUAGE plpython3u AS $$ plpy.execute('x') $$;\n"
		"DELETE FROM t;\n");

	assert_int_equal(count(r, "SL213"), 1);
	check_at(r, "SL213", 0, 5, 1, "DELETE FROM t ");
	assert_int_equal(strata_lint_report_bodies_skipped(r), 3);
	assert_int_equal(strata_lint_report_statements(r), 5);
	strata_lint_report_free(r);
}

/* A body in single quotes: a statement holding a doubled quote is not the
 * file's text byte for byte, so it points at its line; an escape string's
 * lines are not the file's either, so its statements point at the DO. */
static void test_lint__quoted_bodies_never_guess(void **state)
{
	strata_lint_report *r = lint_plain(
		"DO 'BEGIN\n"
		"  UPDATE t SET a = ''x'';  DELETE FROM u;\n"
		"END';\n"
		"SELECT 1; DO E'BEGIN\\n DELETE FROM v; END';\n");

	assert_int_equal(count(r, "SL213"), 3);
	check_at(r, "SL213", 0, 2, 3, "in DO block: UPDATE t ");
	check_at(r, "SL213", 1, 2, 28, "in DO block: DELETE FROM u ");
	check_at(r, "SL213", 2, 4, 11, "in DO block: DELETE FROM v ");
	strata_lint_report_free(r);
}

static void test_lint__sqlite_reads_no_bodies(void **state)
{
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	strata_lint_report *r = NULL;
	const char *sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
			  "BEGIN DELETE FROM u; END $$;\nDELETE FROM t;\n";

	o.engine = STRATA_LINT_SQLITE;
	assert_int_equal(strata_lint_string(&r, sql, strlen(sql), &o), 0);
	assert_int_equal(count(r, "SL213"), 1); /* the file's own DELETE only */
	assert_int_equal(nth(r, "SL213", 0)->line, 3);
	assert_int_equal(strata_lint_report_bodies_skipped(r), 0);
	strata_lint_report_free(r);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 32];
	size_t n = 0, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static char names[sizeof(cases) / sizeof(cases[0])][64];

		if (!cases[i].bad)
			continue;
		snprintf(names[i], sizeof(names[i]), "test_lint__rule_%s_%zu", cases[i].rule, i);
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_lint__rule_case,
									(void *)&cases[i]);
		tests[n++].name = names[i];
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__every_rule_has_a_case);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__missing_down);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__batch_section);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__applied_revision_edited);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__suppression_comment);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__same_migration_exemption);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__range_exemption_across_migrations);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__positions_map_to_the_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__history_is_learned_and_forgotten);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__down_sections_are_linted_after_the_up);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__down_drops_own_schema_quietly);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__down_recreating_a_table_is_new_there);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__syntax_error_names_line_and_column);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__finding_after_nested_comment);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__copy_data_and_function_bodies);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__sqlite_skips_its_own_dialect);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__sqlite_rebuild_keeps_rows_or_names_lost_columns);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__live_table_size_softens_locking_rules);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__live_context_with_history);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__settings_from_config);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__settings_change_severity);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__render_formats);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__unnamed_objects_in_messages);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__detach_names_both_tables);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__plpgsql_function_body);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__do_block);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__nested_plpgsql_statements);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__sql_function_bodies);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__quiet_body_statements);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__suppression_in_bodies);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__do_block_and_function_contexts);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__rules_that_apply_in_bodies);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__unreadable_bodies_are_skipped);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__quoted_bodies_never_guess);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lint__sqlite_reads_no_bodies);
	return _cmocka_run_group_tests("lint", tests, n, NULL, NULL);
}
