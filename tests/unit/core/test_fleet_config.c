/*
 * tests/unit/core/test_fleet_config.c - [fleet.NAME] sections: kept as
 * read by strata_config_load(), and turned into targets by
 * strata_fleet_load() from a list, a file or a command (no database
 * needed), with parallel, canary and max_failures; every mistake an error
 * naming the fleet.
 */
#include "dir_fixture.h"

#include "strata/config.h"
#include "strata/error.h"
#include "strata/fleet.h"

static strata_config *load_ok(const char *ini)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	put("strata.ini", ini);
	in.cwd = dir;
	assert_int_equal(strata_config_load(&c, &in), 0);
	return c;
}

static void expect_load_error(const char *ini, const char *text)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	put("strata.ini", ini);
	in.cwd = dir;
	assert_int_equal(strata_config_load(&c, &in), STRATA_EPARSE);
	if (!strstr(strata_error_last()->message, text))
		fail_msg("'%s' not in: %s", text, strata_error_last()->message);
}

static void test_fleet_config__entries_kept_in_order(void **state)
{
	strata_config *c = load_ok("[fleet.a]\ntargets = sqlite:x.db sqlite:y.db\nparallel = 2\n"
				   "[fleet.b]\ndatabase = postgres://h/d\nschemas = SELECT 1\n");

	assert_int_equal(c->nfleet_entries, 4);
	assert_string_equal(c->fleet_entry_names[0], "a");
	assert_string_equal(c->fleet_entry_keys[1], "parallel");
	assert_string_equal(c->fleet_entry_values[1], "2");
	assert_string_equal(c->fleet_entry_names[3], "b");
	assert_string_equal(c->fleet_entry_keys[3], "schemas");
	strata_config_free(c);
}

static void test_fleet_config__bad_sections(void **state)
{
	expect_load_error("[fleet.a]\ncolour = red\n", ":2: unknown key 'colour' in [fleet.a]");
	expect_load_error("[fleet.a b]\ntargets = sqlite:x.db\n", "fleet name 'a b'");
}

static void test_fleet_config__targets_from_list_file_and_command(void **state)
{
	strata_config *c = load_ok("[fleet.list]\ntargets = sqlite:x.db  postgres://u:pw@h/d\n"
				   "canary = 1\nmax_failures = 3\n"
				   "[fleet.file]\ntargets = fleet.txt\nparallel = 16\n"
				   "[fleet.cmd]\ntargets = exec: printf 'sqlite:c.db\\n'\n");
	strata_fleet *f = NULL;

	assert_int_equal(strata_fleet_load(&f, c, "list"), 0);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->targets[1].url, "postgres://u:pw@h/d");
	assert_null(strstr(f->targets[1].shown, "pw"));
	assert_int_equal(f->parallel, 4);
	assert_int_equal(f->canary, 1);
	assert_int_equal(f->max_failures, 3);
	strata_fleet_free(f);
	put("fleet.txt", "# customers\nsqlite:one.db\n\n   sqlite:two.db  \n");
	assert_int_equal(strata_fleet_load(&f, c, "file"), 0);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->targets[1].url, "sqlite:two.db");
	assert_int_equal(f->parallel, 16);
	assert_int_equal(f->max_failures, -1);
	strata_fleet_free(f);
	assert_int_equal(strata_fleet_load(&f, c, "cmd"), 0);
	assert_int_equal(f->n, 1);
	assert_string_equal(f->targets[0].url, "sqlite:c.db");
	strata_fleet_free(f);
	strata_config_free(c);
}

static void expect_fleet_error(const char *ini, const char *name, int code, const char *text)
{
	strata_config *c = load_ok(ini);
	strata_fleet *f = NULL;

	assert_int_equal(strata_fleet_load(&f, c, name), code);
	assert_null(f);
	if (!strstr(strata_error_last()->message, text))
		fail_msg("'%s' not in: %s", text, strata_error_last()->message);
	strata_config_free(c);
}

static void test_fleet_config__mistakes(void **state)
{
	expect_fleet_error("[fleet.a]\ntargets = sqlite:x.db\n", "b", STRATA_ENOTFOUND, "no fleet 'b'");
	expect_fleet_error("[fleet.a]\nparallel = 2\n", "a", STRATA_EPARSE, "neither targets nor schemas");
	expect_fleet_error("[fleet.a]\ntargets = sqlite:x.db\nschemas = SELECT 1\n", "a", STRATA_EPARSE,
			   "both targets and schemas");
	expect_fleet_error("[fleet.a]\ntargets = sqlite:x.db\nparallel = lots\n", "a", STRATA_EPARSE,
			   "parallel must be a number");
	expect_fleet_error("[fleet.a]\nschemas = SELECT 1\n", "a", STRATA_EPARSE,
			   "schemas needs database = a PostgreSQL URL");
	expect_fleet_error("[fleet.a]\ntargets = query: SELECT 1\n", "a", STRATA_EPARSE, "needs control");
	expect_fleet_error("[fleet.a]\ntargets = missing.txt\n", "a", STRATA_ENOTFOUND,
			   "the targets file of [fleet.a]");
	expect_fleet_error("[fleet.a]\ntargets = exec: exit 4\n", "a", STRATA_ERROR,
			   "the targets command of [fleet.a] failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fleet_config__entries_kept_in_order, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fleet_config__bad_sections, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fleet_config__targets_from_list_file_and_command, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fleet_config__mistakes, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
