/*
 * tests/unit/cli/test_options.c - the option parser (cli/options.c): the
 * integer, duration and enum types parse and range-check their values in
 * one place, with a usage error (EXIT_USAGE) naming the option, the value
 * and what it takes; the setup of the command (cli_setup) runs only after
 * a parse that succeeded; the help mode prints the table instead of
 * parsing; which global options take a value comes from their table.
 *
 * Linked with options.o and output.o (Makefile: tests/cli/); the command
 * table, help pages and cli_setup are the ones below, so the test sees
 * what the parser asks of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* ---- what options.c needs from the rest of the command line -------------- */

const cli_command cli_commands[] = {
	{ "demo", NULL, "a command for the test", CMD_NEEDS_CONFIG },
	{ NULL, NULL, NULL, 0 },
};

static int setups;

int cli_setup(cli_ctx *ctx)
{
	setups++;
	return 0;
}

const char *cli_help_text(const char *command)
{
	return strcmp(command, "demo") == 0 ? "usage: strata demo [--limit N]\n\n@options\nExample:\n"
					      "  strata demo -n 3\n"
					    : NULL;
}

/* ---- the table under test ------------------------------------------------ */

static const char *const formats[] = { "text", "json", "sarif", NULL };

static long limit, timeout_ms;
static const char *format;
static int flag;

static const cli_option opts[] = {
	CLI_INT('n', "limit", &limit, "N", 1, 100, "the newest N (a | in a cell)"),
	CLI_DURATION(0, "timeout", &timeout_ms, 1, 0, "give up after this long"),
	CLI_ENUM('f', "format", &format, "FORMAT", formats, "how to print"),
	{ OPT_FLAG, 0, "all", &flag, NULL,
	  "every one of them, explained at such length that the explanation has to be "
	  "wrapped over several lines of the help page", 0, 0, NULL },
	CLI_OPT_END,
};

/* What was written to f, which is closed. */
static char *read_back(FILE *f, char *out, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

/* Parse the words of line (split at blanks) with opts; stderr kept in err. */
static char err[4096];

static int parse(cli_ctx *ctx, const char *line)
{
	char copy[512], *argv[32], *w;
	const char *args[4];
	size_t nargs;
	int argc = 0, rc, saved = dup(2);
	FILE *tmp = tmpfile();

	snprintf(copy, sizeof(copy), "demo %s", line);
	for (w = strtok(copy, " "); w && argc < 31; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = cli_parse(argc, argv, opts, ctx, args, 4, &nargs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	read_back(tmp, err, sizeof(err));
	return rc;
}

static int reset(void **state)
{
	limit = timeout_ms = 0;
	format = NULL;
	flag = 0;
	setups = 0;
	err[0] = '\0';
	(void)state;
	return 0;
}

static cli_ctx demo_ctx(void)
{
	cli_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.command = "demo";
	ctx.cmd = &cli_commands[0];
	return ctx;
}

static void test_options__int_in_range(void **state)
{
	cli_ctx ctx = demo_ctx();

	assert_int_equal(parse(&ctx, "--limit 7"), 0);
	assert_int_equal(limit, 7);
	assert_int_equal(parse(&ctx, "--limit=100"), 0);
	assert_int_equal(limit, 100);
	assert_int_equal(parse(&ctx, "-n1"), 0);
	assert_int_equal(limit, 1);
	(void)state;
}

static void test_options__int_bad_values(void **state)
{
	static const char *const bad[] = { "--limit 0", "--limit 101", "--limit abc", "--limit 5x",
					   "--limit 99999999999999999999999", "--limit=", "-n -3" };
	cli_ctx ctx = demo_ctx();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		limit = 42;
		assert_int_equal(parse(&ctx, bad[i]), EXIT_USAGE);
		assert_int_equal(limit, 42);
		assert_non_null(strstr(err, "wants a whole number from 1 to 100"));
		assert_non_null(strstr(err, "hint: see 'strata help demo'"));
	}
	assert_int_equal(parse(&ctx, "--limit abc"), EXIT_USAGE);
	assert_non_null(strstr(err, "option '--limit' wants a whole number from 1 to 100, not 'abc'"));
	assert_int_equal(parse(&ctx, "--limit"), EXIT_USAGE);
	assert_non_null(strstr(err, "option '--limit' needs a value"));
	assert_int_equal(setups, 0);
	(void)state;
}

static void test_options__duration(void **state)
{
	cli_ctx ctx = demo_ctx();

	assert_int_equal(parse(&ctx, "--timeout 500ms"), 0);
	assert_int_equal(timeout_ms, 500);
	assert_int_equal(parse(&ctx, "--timeout 2min"), 0);
	assert_int_equal(timeout_ms, 120000);
	assert_int_equal(parse(&ctx, "--timeout=5s"), 0);
	assert_int_equal(timeout_ms, 5000);
	assert_int_equal(parse(&ctx, "--timeout soon"), EXIT_USAGE);
	assert_non_null(strstr(err, "option '--timeout' wants a duration (500ms, 5s, 2min, 1h), "
				    "not 'soon'"));
	assert_int_equal(parse(&ctx, "--timeout 0"), EXIT_USAGE);
	assert_non_null(strstr(err, "wants a duration, 1ms or more, not '0'"));
	assert_int_equal(timeout_ms, 5000);
	(void)state;
}

static void test_options__enum(void **state)
{
	cli_ctx ctx = demo_ctx();

	assert_int_equal(parse(&ctx, "--format json"), 0);
	/* the table's own word is stored, so it may be compared by address */
	assert_ptr_equal(format, formats[1]);
	assert_int_equal(parse(&ctx, "-f sarif"), 0);
	assert_ptr_equal(format, formats[2]);
	assert_int_equal(parse(&ctx, "--format xml"), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown format 'xml' (text, json or sarif)"));
	assert_int_equal(parse(&ctx, "--format JSON"), EXIT_USAGE);
	assert_ptr_equal(format, formats[2]);
	(void)state;
}

static void test_options__setup_after_a_good_parse_only(void **state)
{
	cli_ctx ctx = demo_ctx();

	assert_int_equal(parse(&ctx, "--limit 3 arg"), 0);
	assert_int_equal(setups, 1);
	assert_int_equal(parse(&ctx, "--nope"), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option '--nope'"));
	assert_int_equal(parse(&ctx, "--all=1"), EXIT_USAGE);
	assert_int_equal(setups, 1);
	(void)state;
}

/* The help mode prints the page with the table's options, parses nothing. */
static void test_options__help_mode_prints_the_table(void **state)
{
	cli_ctx ctx = demo_ctx();
	char out[8192], *line;
	FILE *f = tmpfile();

	ctx.help_mode = CLI_HELP_TEXT;
	ctx.help_out = f;
	assert_int_equal(parse(&ctx, "--limit 5"), EXIT_USAGE);
	assert_true(ctx.help_shown);
	assert_int_equal(limit, 0);
	assert_int_equal(setups, 0);
	read_back(f, out, sizeof(out));
	assert_non_null(strstr(out, "usage: strata demo [--limit N]\n\nOptions:\n"));
	assert_non_null(strstr(out, "  -n, --limit N            the newest N"));
	assert_non_null(strstr(out, "  -f, --format FORMAT      how to print (text, json or sarif)\n"));
	assert_non_null(strstr(out, "\nExample:\n  strata demo -n 3\n"));
	assert_non_null(strstr(out, "Global options:\n  -d, --database URL"));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(strlen(line) <= 79);
	(void)state;
}

static void test_options__markdown(void **state)
{
	cli_ctx ctx = demo_ctx();
	char out[8192];
	FILE *f = tmpfile();

	ctx.help_mode = CLI_HELP_MARKDOWN;
	ctx.help_out = f;
	assert_int_equal(parse(&ctx, ""), EXIT_USAGE);
	read_back(f, out, sizeof(out));
	assert_non_null(strstr(out, "<!-- options: demo -->\n| option | what it does |\n|---|---|\n"));
	assert_non_null(strstr(out, "| `-n, --limit N` | the newest N (a \\| in a cell) |\n"));
	assert_non_null(strstr(out, "| `--timeout DURATION` | give up after this long |\n"));
	assert_non_null(strstr(out, "<!-- /options -->\n"));
	(void)state;
}

static void test_options__globals_that_take_a_value(void **state)
{
	assert_true(cli_global_takes_next("-d"));
	assert_true(cli_global_takes_next("--database"));
	assert_true(cli_global_takes_next("--migrations"));
	assert_true(cli_global_takes_next("-e"));
	assert_false(cli_global_takes_next("--database=x"));
	assert_false(cli_global_takes_next("-dURL"));
	assert_false(cli_global_takes_next("--json"));
	assert_false(cli_global_takes_next("-q"));
	assert_false(cli_global_takes_next("--nope"));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_options__int_in_range, reset),
		cmocka_unit_test_setup(test_options__int_bad_values, reset),
		cmocka_unit_test_setup(test_options__duration, reset),
		cmocka_unit_test_setup(test_options__enum, reset),
		cmocka_unit_test_setup(test_options__setup_after_a_good_parse_only, reset),
		cmocka_unit_test_setup(test_options__help_mode_prints_the_table, reset),
		cmocka_unit_test_setup(test_options__markdown, reset),
		cmocka_unit_test_setup(test_options__globals_that_take_a_value, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
