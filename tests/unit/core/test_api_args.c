/*
 * tests/unit/core/test_api_args.c - misuse of the public API
 * (strata/strata.h): a NULL where a call needs a pointer returns
 * STRATA_EINVALID with "strata_xxx: invalid argument 'name'"
 * (STRATA_ASSERT_ARG, util/assert.h), and crashes nothing.
 */
#include "strata/strata.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void expect_invalid(int rc, const char *message)
{
	assert_int_equal(rc, STRATA_EINVALID);
	assert_int_equal(strata_error_last()->code, STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message, message);
	strata_error_clear();
}

static void test_api_args__null_out(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	long n;

	(void)state;
	expect_invalid(strata_config_load(NULL, &in), "strata_config_load: invalid argument 'out'");
	expect_invalid(strata_graph_load(NULL, "migrations"),
		       "strata_graph_load: invalid argument 'out'");
	expect_invalid(strata_migration_load(NULL, "x.sql"),
		       "strata_migration_load: invalid argument 'out'");
	expect_invalid(strata_parse_count(NULL, "3"), "strata_parse_count: invalid argument 'out'");
	expect_invalid(strata_parse_count(&n, NULL), "strata_parse_count: invalid argument 's'");
}

static void test_api_args__null_object(void **state)
{
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	strata_status *st = NULL;
	strata_config *cfg = NULL;
	strata_session *s = NULL;
	strata_graph *g = NULL;

	(void)state;
	expect_invalid(strata_config_load(&cfg, NULL), "strata_config_load: invalid argument 'in'");
	assert_null(cfg);
	expect_invalid(strata_upgrade(NULL, NULL, NULL, &ro), "strata_upgrade: invalid argument 'cfg'");
	expect_invalid(strata_downgrade(NULL, NULL, NULL, &ro),
		       "strata_downgrade: invalid argument 'cfg'");
	expect_invalid(strata_status_read(&st, NULL, NULL, 0),
		       "strata_status_read: invalid argument 'cfg'");
	assert_null(st);
	expect_invalid(strata_session_open(&s, NULL, NULL, NULL, NULL),
		       "strata_session_open: invalid argument 'cfg'");
	assert_null(s);
	expect_invalid(strata_session_step(NULL, 0, STRATA_UP),
		       "strata_session_step: invalid argument 's'");
	expect_invalid(strata_graph_lookup(NULL, g, "head"),
		       "strata_graph_lookup: invalid argument 'out'");
	expect_invalid(strata_mkdir_p(NULL), "strata_mkdir_p: invalid argument 'path'");
}

static void test_api_args__expression(void **state)
{
	strata_migration *m = NULL;

	(void)state;
	expect_invalid(strata_migration_parse(&m, "x.sql", NULL, 5),
		       "strata_migration_parse: invalid argument 'text || !len'");
	assert_null(m);
	/* Calls that answer yes or no say no. */
	assert_int_equal(strata_is_dir(NULL), 0);
	assert_string_equal(strata_error_last()->message, "strata_is_dir: invalid argument 'path'");
	strata_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_args__null_out),
		cmocka_unit_test(test_api_args__null_object),
		cmocka_unit_test(test_api_args__expression),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
