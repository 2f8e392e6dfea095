/*
 * tests/unit/schema/test_provider.c - schema providers (schema/provider.h):
 * how a command line is split into words, how it is shown, and running
 * real programs (/bin/sh, /bin/echo) to see each way one can end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "schema/provider.h"
#include "strata/error.h"

static void assert_words(const char *command, const char *const *want, size_t nwant)
{
	char **argv = NULL;
	size_t argc = 0;

	if (strata__sc_provider_argv(&argv, &argc, command) != 0)
		fail_msg("'%s': %s", command, strata_error_last()->message);
	assert_int_equal(argc, nwant);
	for (size_t i = 0; i < nwant; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[argc]);
	strata__sc_provider_argv_free(argv);
}

#define WORDS(cmd, ...)                                                                    \
	do {                                                                               \
		static const char *const w_[] = { __VA_ARGS__ };                           \
		assert_words(cmd, w_, sizeof(w_) / sizeof(*w_));                           \
	} while (0)

static void test_provider__split(void **state)
{
	(void)state;
	WORDS(" strata-sqlalchemy  app.models:Base\t--dialect sqlite ", "strata-sqlalchemy",
	      "app.models:Base", "--dialect", "sqlite");
	WORDS("sh -c 'echo \"$HOME\" | cat'", "sh", "-c", "echo \"$HOME\" | cat");
	WORDS("a \"b c\" \"d\\\"e\\\\f\\g\"", "a", "b c", "d\"e\\f\\g");
	WORDS("x\\ y 'it'\\''s' ''", "x y", "it's", "");
	WORDS("pre'quoted'\"mix\"post", "prequotedmixpost");
	WORDS("$VAR *.py >out", "$VAR", "*.py", ">out");
}

static void assert_split_error(const char *command, const char *fragment)
{
	char **argv = NULL;
	size_t argc = 0;

	assert_int_equal(strata__sc_provider_argv(&argv, &argc, command), STRATA_EINVALID);
	assert_null(argv);
	if (!strstr(strata_error_last()->message, fragment))
		fail_msg("'%s': '%s' lacks '%s'", command, strata_error_last()->message, fragment);
	assert_non_null(strstr(strata_error_last()->hint, "sh -c"));
}

static void test_provider__split_errors(void **state)
{
	(void)state;
	assert_split_error("a 'b", "unclosed '");
	assert_split_error("a \"b\\\"", "unclosed \"");
	assert_split_error("a b\\", "lone backslash");
	assert_split_error("   ", "no command");
	assert_split_error("", "no command");
}

static void test_provider__display_masks_passwords(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(strata__sc_provider_display(&b, "exec: tool --url postgres://u:hunter2@h/db 'a b'"), 0);
	assert_null(strstr(strata__buf_cstr(&b), "hunter2"));
	assert_non_null(strstr(strata__buf_cstr(&b), "postgres://u:"));
	assert_non_null(strstr(strata__buf_cstr(&b), "'a b'"));
	strata__buf_release(&b);
	assert_int_equal(strata__sc_provider_is("exec:x"), 1);
	assert_int_equal(strata__sc_provider_is("schema.sql"), 0);
	assert_int_equal(strata__sc_provider_is(NULL), 0);
}

static int run(strata_buf *sql, const char *spec, long timeout_ms)
{
	strata_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.root = (char *)"/";
	cfg.provider_timeout_ms = timeout_ms;
	strata__buf_release(sql);
	return strata__sc_provider_run(sql, spec, &cfg);
}

static void assert_message(const char *fragment)
{
	if (!strstr(strata_error_last()->message, fragment))
		fail_msg("'%s' lacks '%s'", strata_error_last()->message, fragment);
}

static void test_provider__run(void **state)
{
	strata_buf sql = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(run(&sql, "exec: /bin/echo 'CREATE TABLE t (a int);'", 5000), 0);
	assert_string_equal(strata__buf_cstr(&sql), "CREATE TABLE t (a int);\n");
	/* it runs in the project folder (cfg->root) */
	assert_int_equal(run(&sql, "exec: sh -c 'pwd'", 5000), 0);
	assert_string_equal(strata__buf_cstr(&sql), "/\n");
	/* stdout of a failing run is not kept; stderr is quoted */
	assert_int_equal(run(&sql, "exec: sh -c 'echo CREATE; echo no models >&2; exit 3'", 5000),
			 STRATA_EINVALID);
	assert_message("failed (exit status 3)");
	assert_message("| no models");
	assert_int_equal(sql.len, 0);
	assert_int_equal(run(&sql, "exec: sh -c 'kill -TERM $$'", 5000), STRATA_EINVALID);
	assert_message("killed by signal 15");
	assert_int_equal(run(&sql, "exec: /nonexistent/provider", 5000), STRATA_EINVALID);
	assert_message("cannot run the schema provider");
	assert_message("No such file or directory");
	assert_int_equal(run(&sql, "exec: sh -c 'printf \"   \\n\"'", 5000), STRATA_EPARSE);
	assert_message("printed no SQL");
	assert_int_equal(run(&sql, "exec: printf 'a\\0b'", 5000), STRATA_EPARSE);
	assert_message("not UTF-8 text");
	strata__buf_release(&sql);
}

/* A run past the limit is stopped, with what it started: the sleep its
 * shell left behind does not keep the pipe (and strata) waiting. */
static void test_provider__timeout_kills_the_group(void **state)
{
	strata_buf sql = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(run(&sql, "exec: sh -c 'sleep 30 & sleep 30'", 300), STRATA_EINVALID);
	assert_message("did not finish within 300 ms");
	assert_int_equal(run(&sql, "exec: sh -c 'echo CREATE TABLE x; exec sleep 30'", 1000),
			 STRATA_EINVALID);
	assert_message("within 1 s");
	assert_int_equal(sql.len, 0);
	strata__buf_release(&sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider__split),
		cmocka_unit_test(test_provider__split_errors),
		cmocka_unit_test(test_provider__display_masks_passwords),
		cmocka_unit_test(test_provider__run),
		cmocka_unit_test(test_provider__timeout_kills_the_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
