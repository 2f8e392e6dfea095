/*
 * tests/unit/core/test_config.c - strata.ini, environment and flag precedence.
 *
 * Each case writes a real strata.ini into a temporary folder and calls
 * strata_config_load() with explicit flag and environment values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/config.h"
#include "strata/error.h"

static char dir[256];

static int make_dir(void **state)
{
	strcpy(dir, "/tmp/strata-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_ini(const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/strata.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static strata_config *load(const char *flag, const char *env_strata, const char *env_db)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	in.cwd = dir;
	in.database = flag;
	in.env_strata_database_url = env_strata;
	in.env_database_url = env_db;
	assert_int_equal(strata_config_load(&c, &in), 0);
	return c;
}

static void test_config__defaults_without_file(void **state)
{
	strata_config *c = load(NULL, NULL, NULL);
	char want[300];

	assert_string_equal(c->database, "sqlite:strata.db");
	assert_string_equal(c->database_source, "default");
	snprintf(want, sizeof(want), "%s/migrations", dir);
	assert_string_equal(c->migrations, want);
	assert_string_equal(c->version_table, "strata_version");
	assert_string_equal(c->history_table, "strata_history");
	assert_int_equal(c->lock_timeout_ms, 5000);
	assert_int_equal(c->statement_timeout_ms, 0);
	assert_null(c->config_path);
	strata_config_free(c);
}

static void test_config__precedence_flag_env_file_default(void **state)
{
	strata_config *c;

	write_ini("[strata]\ndatabase = sqlite:file.db\n");
	c = load(NULL, NULL, NULL);
	assert_string_equal(c->database, "sqlite:file.db");
	assert_string_equal(c->database_source, "strata.ini");
	strata_config_free(c);

	c = load(NULL, NULL, "sqlite:env.db");
	assert_string_equal(c->database, "sqlite:env.db");
	assert_string_equal(c->database_source, "DATABASE_URL");
	strata_config_free(c);

	c = load(NULL, "sqlite:strata_env.db", "sqlite:env.db");
	assert_string_equal(c->database, "sqlite:strata_env.db");
	assert_string_equal(c->database_source, "STRATA_DATABASE_URL");
	strata_config_free(c);

	c = load("sqlite:flag.db", "sqlite:strata_env.db", "sqlite:env.db");
	assert_string_equal(c->database, "sqlite:flag.db");
	assert_string_equal(c->database_source, "--database");
	strata_config_free(c);

	/* An empty environment variable does not count. */
	c = load(NULL, "", "");
	assert_string_equal(c->database, "sqlite:file.db");
	strata_config_free(c);
}

static void test_config__file_keys_and_inline_comments(void **state)
{
	strata_config *c;

	write_ini("; project settings\n[strata]\n"
		  "database = postgres://app@localhost/app ; a comment\n"
		  "migrations = db/migrations\n"
		  "version_table = ops.strata_version\n"
		  "lock_timeout = 2s\nstatement_timeout = 1min\nlock_wait = 500ms\nlock_retries = 3\n"
		  "[lint]\nsome-rule = off\n[test]\nheads = 2\n");
	c = load(NULL, NULL, NULL);
	assert_string_equal(c->database, "postgres://app@localhost/app");
	assert_non_null(strstr(c->migrations, "/db/migrations"));
	assert_string_equal(c->version_table, "ops.strata_version");
	assert_string_equal(c->history_table, "ops.strata_history");
	assert_int_equal(c->lock_timeout_ms, 2000);
	assert_int_equal(c->statement_timeout_ms, 60000);
	assert_int_equal(c->lock_wait_ms, 500);
	assert_int_equal(c->lock_retries, 3);
	assert_int_equal(c->test_heads, 2);
	strata_config_free(c);
}

static void test_config__found_from_a_subfolder(void **state)
{
	char sub[300];
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	write_ini("[strata]\nmigrations = m\n");
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", sub);
		assert_int_equal(system(cmd), 0);
	}
	in.cwd = sub;
	assert_int_equal(strata_config_load(&c, &in), 0);
	assert_string_equal(c->root, dir);
	strata_config_free(c);
}

static void test_config__flags_override_file_durations(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	write_ini("[strata]\nlock_timeout = 2s\n");
	in.cwd = dir;
	in.lock_timeout = "750ms";
	in.migrations = "elsewhere";
	assert_int_equal(strata_config_load(&c, &in), 0);
	assert_int_equal(c->lock_timeout_ms, 750);
	assert_non_null(strstr(c->migrations, "/elsewhere"));
	strata_config_free(c);
}

static void expect_parse_error(const char *ini, const char *needle)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;
	int rc;

	write_ini(ini);
	in.cwd = dir;
	rc = strata_config_load(&c, &in);
	assert_true(rc == STRATA_EPARSE || rc == STRATA_EINVALID);
	assert_null(c);
	if (!strstr(strata_error_last()->message, needle))
		fail_msg("'%s' not in '%s'", needle, strata_error_last()->message);
}

static void test_config__bad_files_name_the_line(void **state)
{
	expect_parse_error("[strata]\ndatabse = x\n", "strata.ini:2");
	expect_parse_error("[strata]\ndatabse = x\n", "databse");
	expect_parse_error("[nope]\nx = 1\n", "[nope]");
	expect_parse_error("[strata]\nlock_timeout = soon\n", "soon");
	expect_parse_error("[strata]\nversion_table = a.b.c\n", "a.b.c");
	expect_parse_error("[strata]\nlock_retries = many\n", "many");
	expect_parse_error("[test]\nheads = 0\n", "[test] heads must be 1 to 1000, not '0'");
	expect_parse_error("[test]\nhead = 2\n", "unknown key 'head' in [test]");
	expect_parse_error("[strata]\nsum = loose\n", "sum must be 'strict' or 'auto', not 'loose'");
}

static void test_config__sum_mode(void **state)
{
	strata_config *c = load(NULL, NULL, NULL);

	assert_int_equal(c->sum_mode, STRATA_SUM_STRICT);
	strata_config_free(c);
	write_ini("[strata]\nsum = auto\n");
	c = load(NULL, NULL, NULL);
	assert_int_equal(c->sum_mode, STRATA_SUM_AUTO);
	strata_config_free(c);
	write_ini("[strata]\nsum = strict\n");
	c = load(NULL, NULL, NULL);
	assert_int_equal(c->sum_mode, STRATA_SUM_STRICT);
	strata_config_free(c);
}

static void test_config__missing_explicit_file(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	in.cwd = dir;
	in.config_file = "nope.ini";
	assert_int_equal(strata_config_load(&c, &in), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_error_last()->message, "nope.ini"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config__defaults_without_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__precedence_flag_env_file_default, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__file_keys_and_inline_comments, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__found_from_a_subfolder, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__flags_override_file_durations, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__bad_files_name_the_line, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__missing_explicit_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_config__sum_mode, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
