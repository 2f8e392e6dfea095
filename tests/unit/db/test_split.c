/*
 * tests/unit/db/test_split.c - strata__db_split(): scripts into statements.
 *
 * PostgreSQL scripts are split with libpg_query (dollar quotes, DO blocks,
 * comments, psql-style COPY ... FROM STDIN data ended by "\.", pg_dump's
 * \restrict and \unrestrict lines skipped, other meta-commands refused), SQLite
 * scripts with sqlite3_complete() (triggers, strings, comments). Every
 * case checks exact offsets and lengths into the original text: the caller
 * turns them into file:line:col. Then the SQL statements inside function
 * bodies and DO blocks (strata__sqlparse_body_statements): which are read, and
 * where each is placed in the text. No database is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/sqlparse.h"
#include "strata/error.h"
#include "util/alloc.h"

typedef struct split {
	db_stmt *v;
	size_t n;
	size_t err_offset;
	int rc;
} split;

static split run(db_engine engine, const char *sql)
{
	split s = { NULL, 0, (size_t)-1, 0 };

	s.rc = strata__db_split(&s.v, &s.n, &s.err_offset, engine, sql, strlen(sql));
	return s;
}

/* Statement i is exactly `expect`, found at the first occurrence of `expect` in sql. */
static void check_stmt(const char *sql, const split *s, size_t i, const char *expect)
{
	const char *at = strstr(sql, expect);

	assert_true(i < s->n);
	assert_non_null(at);
	assert_int_equal(s->v[i].offset, (size_t)(at - sql));
	assert_int_equal(s->v[i].len, strlen(expect));
	assert_int_equal(s->v[i].data_len, 0);
}

static void test_split__pg_plain_statements(void **state)
{
	const char *sql = "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n  SELECT 1  ;\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].offset, 0);
	assert_int_equal(s.v[0].len, 22);
	check_stmt(sql, &s, 1, "INSERT INTO t VALUES (1)");
	check_stmt(sql, &s, 2, "SELECT 1");
	strata_free(s.v);
}

static void test_split__pg_dollar_quoted_function(void **state)
{
	const char *fn = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
			 "BEGIN\n  PERFORM 1; RETURN 2; -- ; not an end\nEND;\n$body$";
	char sql[512];
	split s;

	snprintf(sql, sizeof(sql), "%s;\nSELECT f();", fn);
	s = run(DB_POSTGRES, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, fn);
	check_stmt(sql, &s, 1, "SELECT f()");
	strata_free(s.v);
}

static void test_split__pg_do_block(void **state)
{
	const char *sql = "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;\nDO LANGUAGE plpgsql $x$ BEGIN "
			  "PERFORM 1; END $x$;";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$");
	check_stmt(sql, &s, 1, "DO LANGUAGE plpgsql $x$ BEGIN PERFORM 1; END $x$");
	strata_free(s.v);
}

static void test_split__pg_comments_between_statements(void **state)
{
	const char *sql = "-- header; with a semicolon\n/* block; /* nested; */ */\nSELECT 1 -- tail;\n"
			  ";\n\n-- only a comment\n;;\n/* c */ SELECT 2 /* after */;\n-- end\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, "SELECT 1");
	check_stmt(sql, &s, 1, "SELECT 2");
	strata_free(s.v);
}

static void test_split__pg_string_with_semicolon(void **state)
{
	const char *sql = "INSERT INTO t VALUES ('a;b', E'c\\';d', 'it''s;');SELECT ';'";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, "INSERT INTO t VALUES ('a;b', E'c\\';d', 'it''s;')");
	check_stmt(sql, &s, 1, "SELECT ';'");
	strata_free(s.v);
}

static void test_split__pg_unicode_escapes_and_bodies(void **state)
{
	/* libpg_query's scanner reports U&'...' tokens with end == start: a
	 * statement must still end after them */
	const char *sql = "SELECT U&'d\\0061t' AS U&\"x\\0061\";\n"
			  "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
			  "SELECT 2; END;\n"
			  "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); "
			  "INSERT INTO u VALUES (2));\n"
			  "SELECT U&'x' -- trailing comment\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 4);
	check_stmt(sql, &s, 0, "SELECT U&'d\\0061t' AS U&\"x\\0061\"");
	check_stmt(sql, &s, 1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC "
		   "SELECT 1; SELECT 2; END");
	check_stmt(sql, &s, 2, "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); "
		   "INSERT INTO u VALUES (2))");
	check_stmt(sql, &s, 3, "SELECT U&'x'");
	strata_free(s.v);
}

static void test_split__pg_copy_from_stdin(void **state)
{
	const char *data = "1\tsemi;colon\n2\tO'Brien\n3\t\\N\n";
	char sql[512];
	const char *copy = "COPY t (a, b) FROM STDIN";
	size_t data_at;
	split s;

	snprintf(sql, sizeof(sql), "CREATE TABLE t (a int, b text);\n%s; -- the rows\n%s\\.\n"
		 "SELECT count(*) FROM t;\n", copy, data);
	data_at = (size_t)(strstr(sql, data) - sql);
	s = run(DB_POSTGRES, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 3);
	check_stmt(sql, &s, 0, "CREATE TABLE t (a int, b text)");
	assert_int_equal(s.v[1].offset, (size_t)(strstr(sql, copy) - sql));
	assert_int_equal(s.v[1].len, strlen(copy));
	assert_int_equal(s.v[1].data_offset, data_at);
	assert_int_equal(s.v[1].data_len, strlen(data));
	check_stmt(sql, &s, 2, "SELECT count(*) FROM t");
	strata_free(s.v);
}

static void test_split__pg_two_copies_and_csv(void **state)
{
	const char *sql = "COPY a FROM stdin WITH (FORMAT csv);\r\n\"x;y\",'q\r\n\\.\r\n"
			  "COPY b FROM STDIN;\n\\.\nCOPY (SELECT 1) TO STDOUT;\nSELECT 3";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.v[0].offset, 0);
	assert_int_equal(s.v[0].len, strlen("COPY a FROM stdin WITH (FORMAT csv)"));
	assert_int_equal(s.v[0].data_offset, (size_t)(strstr(sql, "\"x;y\"") - sql));
	assert_int_equal(s.v[0].data_len, strlen("\"x;y\",'q\r\n"));
	assert_int_equal(s.v[1].offset, (size_t)(strstr(sql, "COPY b") - sql));
	assert_int_equal(s.v[1].len, strlen("COPY b FROM STDIN"));
	assert_int_equal(s.v[1].data_offset, (size_t)(strstr(sql, "COPY b") - sql) + 19);
	assert_int_equal(s.v[1].data_len, 0);
	check_stmt(sql, &s, 2, "COPY (SELECT 1) TO STDOUT");
	check_stmt(sql, &s, 3, "SELECT 3");
	strata_free(s.v);
}

static void test_split__pg_copy_without_end_marker(void **state)
{
	const char *sql = "SELECT 1;\nCOPY t FROM STDIN;\n1\t2\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_null(s.v);
	assert_int_equal(s.err_offset, 10);
	assert_non_null(strstr(strata_error_last()->message, "end-of-data"));

	s = run(DB_POSTGRES, "SELECT 1; COPY t FROM STDIN");
	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_int_equal(s.err_offset, 10);

	/* psql reads the data from the next line: nothing may follow the ';' */
	s = run(DB_POSTGRES, "COPY t FROM STDIN; SELECT 1;\n1\n\\.\n");
	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_int_equal(s.err_offset, 19);
	assert_true(strata_error_last()->hint[0] != '\0');
}

/* pg_dump (15.14, 16.10, 17.6 and later) opens and closes a plain dump with
 * \restrict KEY and \unrestrict KEY: skipped, the statements around them kept. */
static void test_split__pg_dump_restrict_lines(void **state)
{
	const char *sql = "--\n-- PostgreSQL database dump\n--\n\n\\restrict aBc123XyZ\n\n"
			  "SET statement_timeout = 0;\nCREATE TABLE public.t (id integer);\n"
			  "COPY public.t (id) FROM stdin;\n1\n\\.\n\n--\n  \\unrestrict aBc123XyZ\n"
			  "\nSELECT 1;\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 4);
	check_stmt(sql, &s, 0, "SET statement_timeout = 0");
	check_stmt(sql, &s, 1, "CREATE TABLE public.t (id integer)");
	assert_int_equal(s.v[2].offset, (size_t)(strstr(sql, "COPY") - sql));
	assert_int_equal(s.v[2].data_len, 2);
	check_stmt(sql, &s, 3, "SELECT 1");
	strata_free(s.v);

	/* the last line of a dump, with no newline after it */
	s = run(DB_POSTGRES, "SELECT 1;\n\\unrestrict k");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 1);
	strata_free(s.v);
}

/* Any other meta-command between statements is refused by name, at its
 * offset; a backslash inside a statement stays a syntax error. */
static void test_split__pg_other_meta_commands(void **state)
{
	const char *sql = "SELECT 1;\n\\connect other\nSELECT 2;\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_null(s.v);
	assert_int_equal(s.err_offset, (size_t)(strstr(sql, "\\connect") - sql));
	assert_non_null(strstr(strata_error_last()->message, "'\\connect'"));
	assert_true(strata_error_last()->hint[0] != '\0');

	s = run(DB_POSTGRES, "CREATE TABLE t (\n\\restrict k\n);\n");
	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_null(strstr(strata_error_last()->message, "meta-command"));

	s = run(DB_POSTGRES, "SELECT 1\n\\restrict k\n");
	assert_int_equal(s.rc, STRATA_EPARSE);
}

static void test_split__pg_syntax_error_offset(void **state)
{
	const char *sql = "SELECT 1;\n-- é comment\nSELECT 'ü', 1 2;";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	/* a byte offset, though libpg_query counts characters */
	assert_int_equal(s.err_offset, (size_t)(strstr(sql, "2;") - sql));
	assert_non_null(strstr(strata_error_last()->message, "syntax error at or near \"2\""));
}

static void test_split__pg_syntax_error_after_copy_data(void **state)
{
	const char *sql = "COPY t FROM STDIN;\nSELEC 1;\n\\.\nSELECT 1;\nCREAT TABLE x ();\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_int_equal(s.err_offset, (size_t)(strstr(sql, "CREAT") - sql));
}

static void test_split__pg_unterminated_string(void **state)
{
	const char *sql = "SELECT 1;\nSELECT 'abc\nSELECT 2;\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, STRATA_EPARSE);
	assert_int_equal(s.err_offset, (size_t)(strstr(sql, "'abc") - sql));
	assert_non_null(strstr(strata_error_last()->message, "unterminated quoted string"));
	assert_null(strchr(strata_error_last()->message, '\n'));
}

static void test_split__pg_empty_input(void **state)
{
	split s = run(DB_POSTGRES, "");

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	s = run(DB_POSTGRES, "  \n-- nothing here;\n/* nor; here */ ;; \n");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 0);
	strata_free(s.v);
}

static void test_split__pg_last_statement_without_semicolon(void **state)
{
	const char *sql = "SELECT 1;\n  ALTER TABLE t ADD COLUMN b int -- trailing\n";
	split s = run(DB_POSTGRES, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 1, "ALTER TABLE t ADD COLUMN b int");
	strata_free(s.v);
}

static void test_split__pg_length_bounded(void **state)
{
	const char *sql = "SELECT 1; SELECT 2; garbage that is not parsed";
	db_stmt *v = NULL;
	size_t n = 0;

	assert_int_equal(strata__db_split(&v, &n, NULL, DB_POSTGRES, sql, 19), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].offset, 10);
	assert_int_equal(v[1].len, 8);
	strata_free(v);
}

static void test_split__sqlite_trigger(void **state)
{
	const char *trg = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
			  "  INSERT INTO log VALUES ('a;b');\n  UPDATE t SET n = n + 1;\nEND";
	char sql[512];
	split s;

	snprintf(sql, sizeof(sql), "CREATE TABLE t (n int);\n%s;\nSELECT 1;", trg);
	s = run(DB_SQLITE, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 3);
	check_stmt(sql, &s, 0, "CREATE TABLE t (n int)");
	check_stmt(sql, &s, 1, trg);
	check_stmt(sql, &s, 2, "SELECT 1");
	strata_free(s.v);
}

static void test_split__sqlite_strings_and_comments(void **state)
{
	const char *sql = "-- lead; comment\n/* block; */ INSERT INTO t VALUES ('x;y', \"q;\");\n"
			  ";;\n-- just a comment;\n  SELECT 'it''s;'  ;\n-- tail\n";
	split s = run(DB_SQLITE, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, "INSERT INTO t VALUES ('x;y', \"q;\")");
	check_stmt(sql, &s, 1, "SELECT 'it''s;'");
	strata_free(s.v);
}

static void test_split__sqlite_missing_final_semicolon(void **state)
{
	const char *sql = "CREATE TABLE a (x);\n\nCREATE TABLE b (y)\n\n";
	split s = run(DB_SQLITE, sql);

	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 2);
	check_stmt(sql, &s, 0, "CREATE TABLE a (x)");
	check_stmt(sql, &s, 1, "CREATE TABLE b (y)");
	strata_free(s.v);
	s = run(DB_SQLITE, "");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.n, 0);
}

static void test_split__bad_arguments(void **state)
{
	db_stmt *v = NULL;
	size_t n = 0, at = 0;

	assert_int_equal(strata__db_split(&v, &n, NULL, (db_engine)99, "SELECT 1", 8), STRATA_EINVALID);
	assert_int_equal(strata__db_split(&v, &n, &at, DB_POSTGRES, "SELECT 1;\0SELECT 2", 18),
			 STRATA_EPARSE);
	assert_int_equal(at, 9);
}

/* ---- statements inside function bodies and DO blocks ------------------ */

typedef struct body {
	sqlparse_body_stmt *v;
	size_t n;
	int rc;
} body;

static body read_body(const char *sql)
{
	body b = { NULL, 0, 0 };

	b.rc = strata__sqlparse_body_statements(&b.v, &b.n, sql, strlen(sql));
	return b;
}

/* Statement i is `expect`, placed as `place` at the first occurrence of
 * `at` in sql (the statement itself for SQLPARSE_PLACE_TEXT). */
static void check_body_stmt(const char *sql, const body *b, size_t i, const char *expect,
			    sqlparse_place place, const char *at, int guarded)
{
	const char *where = at ? strstr(sql, at) : NULL;

	assert_true(i < b->n);
	assert_string_equal(b->v[i].sql, expect);
	assert_int_equal(b->v[i].len, strlen(expect));
	assert_int_equal(b->v[i].place, place);
	assert_int_equal(b->v[i].guarded, guarded);
	if (place == SQLPARSE_PLACE_NONE)
		return;
	assert_non_null(where);
	assert_int_equal(b->v[i].offset, (size_t)(where - sql));
}

static void test_split__body_plpgsql(void **state)
{
	const char *sql = "CREATE FUNCTION f(x int) RETURNS SETOF int LANGUAGE plpgsql AS $fn$\n"
			  "DECLARE v int := (SELECT 1);\n"
			  "BEGIN\n"
			  "  v := (SELECT count(*) FROM a);\n"
			  "  UPDATE b SET c = 1 RETURNING c INTO v;\n"
			  "  IF x > 0 THEN DELETE FROM d; END IF;\n"
			  "  BEGIN\n"
			  "    INSERT INTO e VALUES (1);\n"
			  "  EXCEPTION WHEN others THEN NULL;\n"
			  "  END;\n"
			  "  EXECUTE 'TRUNCATE g';\n"
			  "  EXECUTE format('TRUNCATE %I', 'h');\n"
			  "  RETURN QUERY SELECT 1;\n"
			  "END $fn$";
	body b = read_body(sql);

	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 5);
	check_body_stmt(sql, &b, 0, "UPDATE b SET c = 1 RETURNING c", SQLPARSE_PLACE_TEXT,
			"UPDATE b", 0);
	assert_int_equal(b.v[0].line, 5);
	check_body_stmt(sql, &b, 1, "DELETE FROM d", SQLPARSE_PLACE_TEXT, "DELETE FROM d", 1);
	check_body_stmt(sql, &b, 2, "INSERT INTO e VALUES (1)", SQLPARSE_PLACE_TEXT, "INSERT", 1);
	check_body_stmt(sql, &b, 3, "TRUNCATE g", SQLPARSE_PLACE_TEXT, "TRUNCATE g", 0);
	check_body_stmt(sql, &b, 4, "SELECT 1", SQLPARSE_PLACE_TEXT, "SELECT 1;\nEND", 0);
	strata__sqlparse_body_free(b.v, b.n);
}

/* A doubled quote makes a statement differ from the file's text: it is
 * placed on its line only. An escape string is placed nowhere. */
static void test_split__body_quoted(void **state)
{
	const char *sql = "DO 'BEGIN\n  UPDATE a SET b = ''x''; DELETE FROM c;\nEND'";
	const char *esc = "DO E'BEGIN\\n  DELETE FROM c;\\nEND'";
	body b = read_body(sql);

	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 2);
	check_body_stmt(sql, &b, 0, "UPDATE a SET b = 'x'", SQLPARSE_PLACE_LINE, "UPDATE", 0);
	check_body_stmt(sql, &b, 1, "DELETE FROM c", SQLPARSE_PLACE_TEXT, "DELETE", 0);
	strata__sqlparse_body_free(b.v, b.n);
	b = read_body(esc);
	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 1);
	check_body_stmt(esc, &b, 0, "DELETE FROM c", SQLPARSE_PLACE_NONE, NULL, 0);
	strata__sqlparse_body_free(b.v, b.n);
}

/* A DO block's body is read through a function around it whose dollar
 * quote the body does not hold. */
static void test_split__body_do_block_with_dollar_tags(void **state)
{
	const char *sql = "DO LANGUAGE plpgsql $x$ BEGIN RAISE NOTICE '$body$'; "
			  "RAISE NOTICE '$body'; DELETE FROM t; END $x$";
	body b = read_body(sql);

	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 1);
	check_body_stmt(sql, &b, 0, "DELETE FROM t", SQLPARSE_PLACE_TEXT, "DELETE", 0);
	strata__sqlparse_body_free(b.v, b.n);
}

static void test_split__body_sql(void **state)
{
	const char *sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n"
			  "  DELETE FROM a;\n  SELECT 1\n$$";
	const char *atomic = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC\n"
			     "  UPDATE a SET b = CASE WHEN true THEN 1 END;\n  DELETE FROM c;\nEND";
	body b = read_body(sql);

	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 2);
	check_body_stmt(sql, &b, 0, "DELETE FROM a", SQLPARSE_PLACE_TEXT, "DELETE", 0);
	check_body_stmt(sql, &b, 1, "SELECT 1", SQLPARSE_PLACE_TEXT, "SELECT", 0);
	assert_int_equal(b.v[1].line, 3);
	strata__sqlparse_body_free(b.v, b.n);
	b = read_body(atomic);
	assert_int_equal(b.rc, 0);
	assert_int_equal(b.n, 2);
	check_body_stmt(atomic, &b, 0, "UPDATE a SET b = CASE WHEN true THEN 1 END",
			SQLPARSE_PLACE_TEXT, "UPDATE", 0);
	check_body_stmt(atomic, &b, 1, "DELETE FROM c", SQLPARSE_PLACE_TEXT, "DELETE", 0);
	strata__sqlparse_body_free(b.v, b.n);
}

static void test_split__body_nothing_to_read_or_unreadable(void **state)
{
	static const char *const none[] = {
		"SELECT 1",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1",
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpython3u AS $$ plpy.execute('x') $$",
		"CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'sym'",
		"DO LANGUAGE plperl $$ 1; $$",
	};
	static const char *const bad[] = {
		"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET a = 1 $$",
		"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ UPDATE t SET $$",
		"DO $$ BEGIN IF THEN END $$",
	};
	size_t i;

	for (i = 0; i < sizeof(none) / sizeof(*none); i++) {
		body b = read_body(none[i]);

		assert_int_equal(b.rc, 0);
		assert_int_equal(b.n, 0);
		assert_null(b.v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		body b = read_body(bad[i]);

		assert_int_equal(b.rc, STRATA_EPARSE);
		assert_null(b.v);
		assert_non_null(strstr(strata_error_last()->message, "the body is not valid"));
	}
}

static void test_split__body_out_of_memory(void **state)
{
	const char *sql = "DO $$ BEGIN UPDATE a SET b = 1; IF true THEN DELETE FROM c; END IF; "
			  "EXECUTE 'TRUNCATE d'; END $$";
	long k;
	int rc = -1;

	for (k = 0; k < 1000 && rc != 0; k++) {
		body b = { NULL, 0, 0 };

		strata_alloc_fail_after(k);
		rc = strata__sqlparse_body_statements(&b.v, &b.n, sql, strlen(sql));
		strata_alloc_fail_after(-1);
		if (rc != 0) {
			assert_int_equal(rc, STRATA_ERROR);
			assert_null(b.v);
		} else {
			assert_int_equal(b.n, 3);
		}
		strata__sqlparse_body_free(b.v, b.n);
	}
	assert_int_equal(rc, 0);
	assert_true(k > 1); /* some allocation did fail on the way */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split__pg_plain_statements),
		cmocka_unit_test(test_split__pg_dollar_quoted_function),
		cmocka_unit_test(test_split__pg_do_block),
		cmocka_unit_test(test_split__pg_comments_between_statements),
		cmocka_unit_test(test_split__pg_string_with_semicolon),
		cmocka_unit_test(test_split__pg_unicode_escapes_and_bodies),
		cmocka_unit_test(test_split__pg_copy_from_stdin),
		cmocka_unit_test(test_split__pg_two_copies_and_csv),
		cmocka_unit_test(test_split__pg_copy_without_end_marker),
		cmocka_unit_test(test_split__pg_dump_restrict_lines),
		cmocka_unit_test(test_split__pg_other_meta_commands),
		cmocka_unit_test(test_split__pg_syntax_error_offset),
		cmocka_unit_test(test_split__pg_syntax_error_after_copy_data),
		cmocka_unit_test(test_split__pg_unterminated_string),
		cmocka_unit_test(test_split__pg_empty_input),
		cmocka_unit_test(test_split__pg_last_statement_without_semicolon),
		cmocka_unit_test(test_split__pg_length_bounded),
		cmocka_unit_test(test_split__sqlite_trigger),
		cmocka_unit_test(test_split__sqlite_strings_and_comments),
		cmocka_unit_test(test_split__sqlite_missing_final_semicolon),
		cmocka_unit_test(test_split__bad_arguments),
		cmocka_unit_test(test_split__body_plpgsql),
		cmocka_unit_test(test_split__body_quoted),
		cmocka_unit_test(test_split__body_do_block_with_dollar_tags),
		cmocka_unit_test(test_split__body_sql),
		cmocka_unit_test(test_split__body_nothing_to_read_or_unreadable),
		cmocka_unit_test(test_split__body_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
