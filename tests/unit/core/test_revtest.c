/*
 * tests/unit/core/test_revtest.c - parsing migrations/tests/<revision>.sql
 * data-check files: sections, statements with their lines, and the
 * file:line errors for bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/revtest.h"
#include "db/db.h"
#include "strata/error.h"

static revtest *parse_ok(const char *text)
{
	revtest *t = NULL;

	assert_int_equal(strata__revtest_parse(&t, "tests/x.sql", text, strlen(text), DB_SQLITE), 0);
	assert_non_null(t);
	return t;
}

static void parse_fails(const char *text, const char *message)
{
	revtest *t = NULL;

	assert_int_equal(strata__revtest_parse(&t, "tests/x.sql", text, strlen(text), DB_SQLITE),
			 STRATA_EPARSE);
	assert_null(t);
	if (!strstr(strata_error_last()->message, message))
		fail_msg("'%s' lacks '%s'", strata_error_last()->message, message);
}

static void test_revtest__sections_and_lines(void **state)
{
	revtest *t = parse_ok("-- data kept through the split\n\n"
			      "-- +before\n"
			      "INSERT INTO u VALUES (1);\nINSERT INTO u VALUES (2);\n"
			      "-- +check\n"
			      "SELECT count(*) = 2 FROM u;\n"
			      "-- +check-down\n"
			      "SELECT 1;\n");

	(void)state;
	assert_int_equal(t->n[REVTEST_BEFORE], 2);
	assert_int_equal(t->n[REVTEST_CHECK], 1);
	assert_int_equal(t->n[REVTEST_CHECK_DOWN], 1);
	assert_string_equal(t->stmts[REVTEST_BEFORE][1].sql, "INSERT INTO u VALUES (2)");
	assert_int_equal(t->stmts[REVTEST_BEFORE][0].line, 4);
	assert_int_equal(t->stmts[REVTEST_BEFORE][1].line, 5);
	assert_int_equal(t->stmts[REVTEST_CHECK][0].line, 7);
	assert_int_equal(t->stmts[REVTEST_CHECK_DOWN][0].line, 9);
	strata__revtest_free(t);
}

static void test_revtest__check_only(void **state)
{
	revtest *t = parse_ok("-- +check\nSELECT 1");

	(void)state;
	assert_int_equal(t->n[REVTEST_BEFORE], 0);
	assert_int_equal(t->n[REVTEST_CHECK], 1);
	strata__revtest_free(t);
}

static void test_revtest__errors_name_the_line(void **state)
{
	(void)state;
	parse_fails("\nSELECT 1;\n-- +check\nSELECT 1;\n", "tests/x.sql:2: SQL before any section");
	parse_fails("-- +check\nSELECT 1;\n-- +after\n", "tests/x.sql:3: unknown section '-- +after'");
	parse_fails("-- +check\nSELECT 1;\n-- +check\nSELECT 2;\n",
		    "tests/x.sql:3: a second '-- +check'");
	parse_fails("-- +before\nINSERT INTO u VALUES (1);\n", "no '-- +check'");
}

static void test_revtest__truth(void **state)
{
	(void)state;
	assert_true(strata__revtest_is_true("t"));
	assert_true(strata__revtest_is_true("TRUE"));
	assert_true(strata__revtest_is_true("1"));
	assert_false(strata__revtest_is_true("f"));
	assert_false(strata__revtest_is_true("0"));
	assert_false(strata__revtest_is_true("2"));
	assert_false(strata__revtest_is_true(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revtest__sections_and_lines),
		cmocka_unit_test(test_revtest__check_only),
		cmocka_unit_test(test_revtest__errors_name_the_line),
		cmocka_unit_test(test_revtest__truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
