/*
 * tests/unit/schema/test_sqlnames.c - the names a script mentions, which
 * statements make it opaque, and which write rows or define code
 * (schema/sqlnames.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "schema/sqlnames.h"

static int has(const sc_names *n, const char *name)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->v[i], name) == 0)
			return 1;
	return 0;
}

static sc_names scan(const char *sql)
{
	sc_names n = { NULL, 0, 0, 0, 0 };

	assert_int_equal(strata__sc_names_add_sql(&n, sql, strlen(sql)), 0);
	return n;
}

static void identifiers_folded_quoted_kept(void **state)
{
	sc_names n = scan("CREATE TABLE App.Users (ID int, \"MixedCase\" text);\n"
			  "-- a comment naming ghost\nCREATE INDEX /* nested /* spectre */ */ ix ON "
			  "app.users (id);");

	(void)state;
	assert_true(has(&n, "app"));
	assert_true(has(&n, "users"));
	assert_true(has(&n, "id"));
	assert_true(has(&n, "MixedCase"));
	assert_true(has(&n, "ix"));
	assert_false(has(&n, "Users"));
	assert_false(has(&n, "ghost"));
	assert_false(has(&n, "spectre"));
	assert_false(n.opaque);
	/* no repeats */
	for (size_t i = 0; i < n.n; i++)
		for (size_t j = i + 1; j < n.n; j++)
			assert_string_not_equal(n.v[i], n.v[j]);
	strata__sc_names_release(&n);
}

static void literals_and_their_parts(void **state)
{
	sc_names n = scan("SELECT setval('app.order_seq', 10); "
			  "COMMENT ON TABLE t IS 'not a name at all'; "
			  "INSERT INTO t VALUES (E'it''s\\'here');");

	(void)state;
	assert_true(has(&n, "app.order_seq"));
	assert_true(has(&n, "order_seq"));
	assert_true(has(&n, "app"));
	assert_false(has(&n, "not a name at all"));
	assert_false(n.opaque); /* setval is known */
	strata__sc_names_release(&n);
}

static void bodies_are_not_names(void **state)
{
	sc_names n = scan("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1 FROM "
			  "hidden $x$ $body$; CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW "
			  "EXECUTE FUNCTION f();");

	(void)state;
	assert_true(has(&n, "f"));
	assert_true(has(&n, "tr"));
	assert_false(has(&n, "hidden"));
	/* EXECUTE inside CREATE TRIGGER does not make it opaque */
	assert_false(n.opaque);
	strata__sc_names_release(&n);
}

static void opaque_statements(void **state)
{
	static const char *const opaque[] = {
		"DO $$ BEGIN EXECUTE 'CREATE TABLE x ()'; END $$;",
		"CALL make_tables();",
		"CREATE EXTENSION pgcrypto;",
		"alter extension postgis update;",
		"DROP SCHEMA app CASCADE;",
		"DROP OWNED BY someone;",
		"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r;",
		"GRANT SELECT ON ALL TABLES IN SCHEMA app TO r;",
		"CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f();",
		"SELECT create_hypertable('metrics', 'time');",
		"WITH x AS (SELECT 1) SELECT my_setup();",
		"CREATE TABLE t (id int); SELECT 'open",
		"/* never closed",
	};
	static const char *const plain[] = {
		"SELECT 1;",
		"SELECT count(*) FROM t WHERE id IN (1, 2) AND EXISTS (SELECT 1);",
		"SELECT pg_catalog.set_config('search_path', '', false);",
		"UPDATE t SET name = my_fn(name);",
		"CREATE SCHEMA app; ALTER SCHEMA app RENAME TO app2;",
		"GRANT SELECT ON t TO r;",
		"INSERT INTO t VALUES (1);",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(opaque) / sizeof(*opaque); i++) {
		sc_names n = scan(opaque[i]);

		if (!n.opaque)
			fail_msg("not opaque: %s", opaque[i]);
		strata__sc_names_release(&n);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		sc_names n = scan(plain[i]);

		if (n.opaque)
			fail_msg("opaque: %s", plain[i]);
		strata__sc_names_release(&n);
	}
}

static void sqlite_quotes(void **state)
{
	sc_names n = scan("CREATE TABLE [my table] (`Odd Col` int); SELECT a[1] FROM t;");

	(void)state;
	assert_true(has(&n, "my table"));
	assert_true(has(&n, "my"));
	assert_true(has(&n, "Odd Col"));
	assert_true(has(&n, "a"));
	assert_false(n.opaque);
	strata__sc_names_release(&n);
}

/* DML can run triggers and functions; creating code is noted too. */
static void writes_and_code(void **state)
{
	static const char *const writing[] = {
		"INSERT INTO t VALUES (1);", "update t set a = 1", "DELETE FROM t;",
		"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;",
		"COPY t FROM STDIN;", "TRUNCATE t;", "CREATE TABLE a (); INSERT INTO a DEFAULT VALUES;",
	};
	static const char *const defining[] = {
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
		"create or replace function f() returns int language sql as 'select 1'",
		"CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';",
		"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
		"CREATE OR REPLACE CONSTRAINT TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
		"CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
	};
	static const char *const neither[] = {
		"CREATE TABLE t (id int); -- INSERT INTO t VALUES (1)",
		"SELECT 'INSERT INTO t';", "ALTER TABLE t ADD COLUMN updated_at timestamptz;",
		"CREATE INDEX insert_idx ON t (a);", "DROP FUNCTION f();", "DROP TRIGGER tr ON t;",
		"CREATE TABLE function (id int);",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(writing) / sizeof(*writing); i++) {
		sc_names n = scan(writing[i]);

		if (!n.writes || n.defines_code)
			fail_msg("writes %d, defines code %d: %s", n.writes, n.defines_code, writing[i]);
		strata__sc_names_release(&n);
	}
	for (size_t i = 0; i < sizeof(defining) / sizeof(*defining); i++) {
		sc_names n = scan(defining[i]);

		if (n.writes || !n.defines_code)
			fail_msg("writes %d, defines code %d: %s", n.writes, n.defines_code, defining[i]);
		strata__sc_names_release(&n);
	}
	for (size_t i = 0; i < sizeof(neither) / sizeof(*neither); i++) {
		sc_names n = scan(neither[i]);

		if (n.writes || n.defines_code)
			fail_msg("writes %d, defines code %d: %s", n.writes, n.defines_code, neither[i]);
		strata__sc_names_release(&n);
	}
}

static void added_across_calls(void **state)
{
	sc_names n = { NULL, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(strata__sc_names_add_sql(&n, "CREATE TABLE a ();", 18), 0);
	assert_int_equal(strata__sc_names_add_sql(&n, "DROP TABLE a;", 13), 0);
	assert_int_equal(strata__sc_names_add(&n, "b", 1), 0);
	assert_int_equal(strata__sc_names_add(&n, "b", 1), 0);
	assert_true(has(&n, "a") && has(&n, "b"));
	assert_int_equal(n.n, 5); /* create, table, a, drop, b */
	strata__sc_names_release(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identifiers_folded_quoted_kept),
		cmocka_unit_test(literals_and_their_parts),
		cmocka_unit_test(bodies_are_not_names),
		cmocka_unit_test(opaque_statements),
		cmocka_unit_test(sqlite_quotes),
		cmocka_unit_test(writes_and_code),
		cmocka_unit_test(added_across_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
