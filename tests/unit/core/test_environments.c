/*
 * tests/unit/core/test_environments.c - [env.NAME] sections of strata.ini:
 * selecting one, what its keys replace, the database precedence with an
 * environment, and the mistakes that are errors naming what is wrong.
 *
 * Each case writes a real strata.ini into a temporary folder
 * (dir_fixture.h) and calls strata_config_load() / strata_config_load_env().
 */
#include "dir_fixture.h"

#include <unistd.h>

#include "strata/config.h"
#include "strata/error.h"

static const char three_envs[] =
	"[strata]\n"
	"database = sqlite:default.db\n"
	"lock_timeout = 5s\n"
	"[env.local]\n"
	"database = sqlite:local.db\n"
	"[env.staging]\n"
	"database = postgres://app@staging/app\n"
	"promote_from = local\n"
	"lock_timeout = 2s\n"
	"version_table = ops.strata_version\n"
	"[env.production]\n"
	"database = postgres://app@prod/app\n"
	"promote_from = staging\n"
	"protected = yes\n";

static void write_ini(const char *text)
{
	put("strata.ini", text);
}

/* Load with env selected (NULL: none) and the given -d flag and DATABASE_URL. */
static int load(strata_config **c, const char *env, const char *flag, const char *env_db)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;

	in.cwd = dir;
	in.env = env;
	in.database = flag;
	in.env_database_url = env_db;
	in.env_strata_database_url = env_db;
	return strata_config_load(c, &in);
}

static void test_environments__listed_and_none_selected(void **state)
{
	strata_config *c = NULL;

	write_ini(three_envs);
	assert_int_equal(load(&c, NULL, NULL, NULL), 0);
	assert_null(c->env);
	assert_null(c->promote_from);
	assert_int_equal(c->require_plan, 0);
	assert_int_equal(c->nenvs, 3);
	assert_string_equal(c->env_names[0], "local");
	assert_string_equal(c->env_names[1], "staging");
	assert_string_equal(c->env_names[2], "production");
	assert_string_equal(c->database, "sqlite:default.db");
	assert_int_equal(c->lock_timeout_ms, 5000);
	strata_config_free(c);
}

static void test_environments__keys_replace_strata_ones(void **state)
{
	strata_config *c = NULL;

	write_ini(three_envs);
	assert_int_equal(load(&c, "staging", NULL, NULL), 0);
	assert_string_equal(c->env, "staging");
	assert_string_equal(c->database, "postgres://app@staging/app");
	assert_string_equal(c->promote_from, "local");
	assert_int_equal(c->lock_timeout_ms, 2000);
	assert_string_equal(c->version_table, "ops.strata_version");
	assert_string_equal(c->history_table, "ops.strata_history");
	assert_int_equal(c->protected_env, 0);
	assert_int_equal(c->require_plan, 0);
	strata_config_free(c);
	/* what an environment does not set comes from [strata] */
	assert_int_equal(load(&c, "local", NULL, NULL), 0);
	assert_int_equal(c->lock_timeout_ms, 5000);
	assert_string_equal(c->version_table, "strata_version");
	strata_config_free(c);
}

static void test_environments__protected_requires_plans_unless_told(void **state)
{
	strata_config *c = NULL;

	write_ini(three_envs);
	assert_int_equal(load(&c, "production", NULL, NULL), 0);
	assert_int_equal(c->protected_env, 1);
	assert_int_equal(c->require_plan, 1);
	strata_config_free(c);
	write_ini("[env.prod]\ndatabase = sqlite:p.db\nprotected = yes\nrequire_plan = no\n"
		  "[env.ci]\ndatabase = sqlite:c.db\nrequire_plan = on\n");
	assert_int_equal(load(&c, "prod", NULL, NULL), 0);
	assert_int_equal(c->protected_env, 1);
	assert_int_equal(c->require_plan, 0);
	strata_config_free(c);
	assert_int_equal(load(&c, "ci", NULL, NULL), 0);
	assert_int_equal(c->protected_env, 0);
	assert_int_equal(c->require_plan, 1);
	strata_config_free(c);
}

static void test_environments__database_precedence(void **state)
{
	strata_config *c = NULL;

	write_ini(three_envs);
	/* the environment's database beats DATABASE_URL and STRATA_DATABASE_URL */
	assert_int_equal(load(&c, "local", NULL, "postgres://elsewhere/x"), 0);
	assert_string_equal(c->database, "sqlite:local.db");
	strata_config_free(c);
	/* -d beats the environment */
	assert_int_equal(load(&c, "local", "sqlite:flag.db", "postgres://elsewhere/x"), 0);
	assert_string_equal(c->database, "sqlite:flag.db");
	assert_string_equal(c->database_source, "--database");
	strata_config_free(c);
	/* an environment without a database takes the usual chain */
	write_ini("[strata]\ndatabase = sqlite:file.db\n[env.x]\nlock_timeout = 1s\n");
	assert_int_equal(load(&c, "x", NULL, "sqlite:url.db"), 0);
	assert_string_equal(c->database, "sqlite:url.db");
	assert_int_equal(c->lock_timeout_ms, 1000);
	strata_config_free(c);
}

static void test_environments__load_another(void **state)
{
	strata_config *c = NULL, *up = NULL;

	write_ini(three_envs);
	/* the flags that chose production's database are not the upstream's */
	assert_int_equal(load(&c, "production", "sqlite:flag.db", NULL), 0);
	assert_int_equal(strata_config_load_env(&up, c, c->promote_from), 0);
	assert_string_equal(up->env, "staging");
	assert_string_equal(up->database, "postgres://app@staging/app");
	assert_string_equal(up->history_table, "ops.strata_history");
	strata_config_free(up);
	assert_int_equal(strata_config_load_env(&up, c, "nope"), STRATA_ENOTFOUND);
	assert_null(up);
	strata_config_free(c);
}

/* ini: the file; env: selected; code and what the message must hold. */
static void expect_error(const char *ini, const char *env, int code, const char *text)
{
	strata_config *c = NULL;

	write_ini(ini);
	assert_int_equal(load(&c, env, NULL, NULL), code);
	assert_null(c);
	if (!strstr(strata_error_last()->message, text))
		fail_msg("'%s' not in: %s", text, strata_error_last()->message);
}

static void test_environments__mistakes_are_errors(void **state)
{
	expect_error(three_envs, "nope", STRATA_ENOTFOUND, "no environment 'nope'");
	assert_non_null(strstr(strata_error_last()->hint, "local, staging, production"));
	expect_error("[env.a]\ndatabase = sqlite:a.db\npromote_from = b\n", NULL, STRATA_EPARSE,
		     "promote_from = b, but there is no [env.b]");
	expect_error("[env.a]\ndatabase = sqlite:a.db\npromote_from = b\n"
		     "[env.b]\ndatabase = sqlite:b.db\npromote_from = a\n", NULL, STRATA_EPARSE,
		     "goes round in a loop");
	expect_error("[env.a]\npromote_from = a\n", NULL, STRATA_EPARSE, "loop");
	expect_error("[env.a]\ndatabase = sqlite:a.db\ncolour = red\n", NULL, STRATA_EPARSE,
		     ":3: unknown key 'colour' in [env.a]");
	expect_error("[env.a]\nprotected = sometimes\n", NULL, STRATA_EPARSE,
		     "protected must be yes or no, not 'sometimes'");
	expect_error("[env.a b]\ndatabase = sqlite:a.db\n", NULL, STRATA_EPARSE,
		     "environment name 'a b'");
	expect_error("[env.]\ndatabase = sqlite:a.db\n", NULL, STRATA_EPARSE, "environment name ''");
	/* no strata.ini at all */
	{
		char path[300];
		strata_config *c = NULL;

		snprintf(path, sizeof(path), "%s/strata.ini", dir);
		unlink(path);
		assert_int_equal(load(&c, "x", NULL, NULL), STRATA_ENOTFOUND);
		assert_non_null(strstr(strata_error_last()->message, "no environment 'x'"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_environments__listed_and_none_selected, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_environments__keys_replace_strata_ones, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_environments__protected_requires_plans_unless_told, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_environments__database_precedence, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_environments__load_another, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_environments__mistakes_are_errors, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
