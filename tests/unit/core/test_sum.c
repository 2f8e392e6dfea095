/*
 * tests/unit/core/test_sum.c - reading and checking migrations/strata.sum.
 *
 * Each case writes real migration files and a strata.sum into a temporary
 * folder and calls strata_sum_write() / strata_sum_check().
 */
#include "dir_fixture.h"

#include <unistd.h>

#include "strata/error.h"
#include "strata/project.h"
#include "strata/sum.h"
#include "util/sha256.h"

/* The contents of strata.sum (static buffer). */
static const char *sum_text(void)
{
	return file_text(STRATA_SUM_FILE);
}

/* strata_sum_check's code; *report_out (if given) gets its report. */
static int check(char **report_out)
{
	char *report = NULL;
	int rc = strata_sum_check(&report, dir);

	if (report_out)
		*report_out = report;
	else
		free(report);
	return rc;
}

static void two_files(void)
{
	put("aaaaaaaaaaaa_one.sql", "-- revision: aaaaaaaaaaaa\n-- revises: base\n");
	put("bbbbbbbbbbbb_two.sql", "-- revision: bbbbbbbbbbbb\n-- revises: aaaaaaaaaaaa\n");
}

/* One line per file, sorted, and no line that hashes the others. */
static void test_sum__one_line_per_file_and_nothing_else(void **state)
{
	const char *t;

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	t = sum_text();
	assert_non_null(strstr(t, "\naaaaaaaaaaaa_one.sql sha256-v1:"));
	assert_non_null(strstr(t, "\nbbbbbbbbbbbb_two.sql sha256-v1:"));
	assert_true(strstr(t, "aaaaaaaaaaaa_one") < strstr(t, "bbbbbbbbbbbb_two"));
	/* every line is a comment or names a file */
	for (const char *p = t; *p; p = strchr(p, '\n') + 1) {
		assert_true(*p == '#' || strncmp(p, "aaaa", 4) == 0 || strncmp(p, "bbbb", 4) == 0);
		if (!strchr(p, '\n'))
			break;
	}
	assert_int_equal(check(NULL), 0);
}

/* Adding a file changes no line that was there: what git merges cleanly. */
static void test_sum__adding_a_file_keeps_every_other_line(void **state)
{
	char before[8192];

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	strcpy(before, sum_text());
	put("cccccccccccc_three.sql", "-- revision: cccccccccccc\n");
	assert_int_equal(strata_sum_write(dir), 0);
	assert_int_equal(strncmp(sum_text(), before, strlen(before)), 0);
}

/* The set of lines against the set of files: added, removed, changed. */
static void test_sum__set_comparison_finds_added_removed_changed(void **state)
{
	char *report = NULL, path[512];

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	put("cccccccccccc_three.sql", "-- revision: cccccccccccc\n");
	assert_int_equal(check(&report), STRATA_ECHECK);
	assert_non_null(strstr(report, "added: cccccccccccc_three.sql"));
	free(report);
	assert_int_equal(strata_sum_write(dir), 0);
	snprintf(path, sizeof(path), "%s/aaaaaaaaaaaa_one.sql", dir);
	assert_int_equal(unlink(path), 0);
	put("bbbbbbbbbbbb_two.sql", "-- revision: bbbbbbbbbbbb\n-- revises: base\n");
	assert_int_equal(check(&report), STRATA_ECHECK);
	assert_non_null(strstr(report, "removed: aaaaaaaaaaaa_one.sql"));
	assert_non_null(strstr(report, "changed: bbbbbbbbbbbb_two.sql"));
	assert_null(strstr(report, "three"));
	free(report);
}

/* Order, blank lines, comments and CRLF do not matter: the lines are a set. */
static void test_sum__order_and_line_endings_do_not_matter(void **state)
{
	char a[256], b[256], text[1024];
	const char *t;

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	t = strstr(sum_text(), "aaaaaaaaaaaa_one.sql");
	assert_non_null(t);
	sscanf(t, "%255[^\n]\n%255[^\n]", a, b);
	snprintf(text, sizeof(text), "%s\r\n\r\n# hand-merged\r\n%s\r\n", b, a);
	put(STRATA_SUM_FILE, text);
	assert_int_equal(check(NULL), 0);
}

/* A file written by older versions (line 1 hashing the rest) is still read. */
static void test_sum__old_format_is_read(void **state)
{
	char lines[1024] = "", text[2048], hex[65], *report = NULL;
	unsigned char d[32];
	const char *t;
	sha256_ctx c;

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	t = strstr(sum_text(), "aaaaaaaaaaaa_one.sql");
	assert_non_null(t);
	strcpy(lines, t);
	strata__sha256_init(&c);
	strata__sha256_update(&c, lines, strlen(lines));
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, hex);
	snprintf(text, sizeof(text), "sha256-v1:%s\n%s", hex, lines);
	put(STRATA_SUM_FILE, text);
	assert_int_equal(check(NULL), 0);
	/* and still checked: a file it does not list is found */
	put("cccccccccccc_three.sql", "-- revision: cccccccccccc\n");
	assert_int_equal(check(&report), STRATA_ECHECK);
	assert_non_null(strstr(report, "added: cccccccccccc_three.sql"));
	free(report);
	/* the next write is the new format */
	assert_int_equal(strata_sum_write(dir), 0);
	assert_int_equal(sum_text()[0], '#');
	assert_null(strstr(sum_text(), hex));
	assert_int_equal(check(NULL), 0);
}

static void test_sum__conflict_markers_name_the_line(void **state)
{
	char a[256], b[256], text[2048];
	const char *t;

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	t = strstr(sum_text(), "aaaaaaaaaaaa_one.sql");
	sscanf(t, "%255[^\n]\n%255[^\n]", a, b);
	snprintf(text, sizeof(text), "%s\n<<<<<<< HEAD\n%s\n=======\n%s\n>>>>>>> other\n", a, b, b);
	put(STRATA_SUM_FILE, text);
	assert_int_equal(check(NULL), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message,
			    "strata.sum has merge conflict markers (line 2): resolve the conflict, "
			    "then run strata hash");
	/* strata hash resolves it from the files */
	assert_int_equal(strata_sum_write(dir), 0);
	assert_int_equal(check(NULL), 0);
}

static void test_sum__malformed_and_duplicate_lines_are_errors(void **state)
{
	char a[256], text[2048];
	const char *t;

	(void)state;
	two_files();
	assert_int_equal(strata_sum_write(dir), 0);
	t = strstr(sum_text(), "aaaaaaaaaaaa_one.sql");
	sscanf(t, "%255[^\n]", a);
	snprintf(text, sizeof(text), "%s\n%sbbbbbbbbbbbb_two.sql\n", t, "");
	put(STRATA_SUM_FILE, text);
	assert_int_equal(check(NULL), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, ":4: not a '<file> sha256-v1:<hash>' line"));
	snprintf(text, sizeof(text), "%s%s\n", t, a);
	put(STRATA_SUM_FILE, text);
	assert_int_equal(check(NULL), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message,
			       "lists aaaaaaaaaaaa_one.sql twice (lines 1 and 3)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sum__one_line_per_file_and_nothing_else, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__adding_a_file_keeps_every_other_line, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__set_comparison_finds_added_removed_changed, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__order_and_line_endings_do_not_matter, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__old_format_is_read, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__conflict_markers_name_the_line, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sum__malformed_and_duplicate_lines_are_errors, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
