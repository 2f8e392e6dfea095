/*
 * tests/unit/core/test_tags.c - release tags (core/tags.c, strata.tags):
 * the file read with the folder and its errors by line, tag names checked,
 * tags as targets (alone and with steps), strata_tag_add() and
 * strata_tag_delete() writing the file sorted, and strata.sum covering it.
 *
 * Each case writes real migration files into a temporary folder and loads
 * it with strata_graph_load().
 */
#include "dir_fixture.h"

#include "core/tags.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/project.h"
#include "strata/sum.h"

#define ID1 "100000000000"
#define ID2 "200000000000"
#define ID3 "300000000000"

static void rev(const char *id, const char *parent, const char *branch)
{
	char name[64], text[512];

	snprintf(name, sizeof(name), "%s_rev.sql", id);
	snprintf(text, sizeof(text),
		 "-- revision: %s\n-- revises: %s\n%s%s%s-- message: rev %s\n\n-- +up\nSELECT 1;\n"
		 "-- +down\nSELECT 2;\n",
		 id, parent, branch ? "-- branch: " : "", branch ? branch : "", branch ? "\n" : "", id);
	put(name, text);
}

/* 1000 - 2000 - 3000, the middle one labelled "billing" when asked. */
static void three(const char *label)
{
	rev(ID1, "base", NULL);
	rev(ID2, ID1, label);
	rev(ID3, ID2, NULL);
}

static strata_graph *load_ok(void)
{
	strata_graph *g = NULL;

	if (strata_graph_load(&g, dir) != 0)
		fail_msg("load: %s", strata_error_last()->message);
	return g;
}

static int load_rc(void)
{
	strata_graph *g = NULL;
	int rc = strata_graph_load(&g, dir);

	if (rc == 0)
		strata_graph_free(g);
	else
		assert_null(g);
	return rc;
}

static const char *lookup(const strata_graph *g, const char *name)
{
	size_t i;

	if (strata_graph_lookup(&i, g, name) != 0)
		fail_msg("lookup %s: %s", name, strata_error_last()->message);
	return strata_graph_at(g, i)->revision;
}

#define assert_msg_contains(needle) do { \
	const char *m_ = strata_error_last()->message; \
	if (!strstr(m_, (needle))) \
		fail_msg("message '%s' lacks '%s'", m_, (needle)); \
} while (0)

static void test_tags__read_with_the_folder_and_used_as_targets(void **state)
{
	strata_graph *g;
	size_t idx;

	(void)state;
	three(NULL);
	put(STRATA_TAGS_FILE, "# a comment\n\nv1.1 " ID3 "\r\nv1.0 " ID1 "\n");
	g = load_ok();
	assert_int_equal(strata_graph_tag_count(g), 2);
	assert_string_equal(strata_graph_tag(&idx, g, 0), "v1.0"); /* sorted by name */
	assert_string_equal(strata_graph_at(g, idx)->revision, ID1);
	assert_null(strata_graph_tag(NULL, g, 2));
	assert_string_equal(lookup(g, "v1.0"), ID1);
	assert_string_equal(lookup(g, "v1.1"), ID3);
	assert_string_equal(lookup(g, "v1.0+1"), ID2);
	assert_string_equal(lookup(g, "v1.1-2"), ID1);
	assert_int_equal(strata_graph_lookup(&idx, g, "v1.1+1"), STRATA_EINVALID);
	assert_int_equal(strata_graph_lookup(&idx, g, "v9"), STRATA_ENOTFOUND);
	strata_graph_free(g);
}

static void test_tags__file_errors_name_the_line(void **state)
{
	(void)state;
	three("billing");
	put(STRATA_TAGS_FILE, "v1.0 " ID1 "\nv2.0 " "999999999999\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:2: tag v2.0 names revision 999999999999, which is not in");
	put(STRATA_TAGS_FILE, "v1.0\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:1: not a '<tag> <revision id>' line");
	put(STRATA_TAGS_FILE, "v1.0 1000\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:1:");
	put(STRATA_TAGS_FILE, "# x\nv1.0 " ID1 "\nv1.0 " ID2 "\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:3: tag v1.0 is listed twice (also line 2)");
	put(STRATA_TAGS_FILE, "<<<<<<< HEAD\nv1.0 " ID1 "\n=======\nv1.0 " ID2 "\n>>>>>>> b\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:1: strata.tags has merge conflict markers");
	put(STRATA_TAGS_FILE, "billing " ID1 "\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("tag billing is also a branch label");
	put(STRATA_TAGS_FILE, "head " ID1 "\n");
	assert_int_equal(load_rc(), STRATA_EPARSE);
	assert_msg_contains("strata.tags:1: the tag name 'head' is a target word");
	put(STRATA_TAGS_FILE, "");
	assert_int_equal(load_rc(), 0);
}

static void test_tags__names_are_checked(void **state)
{
	static const char *const bad[] = {
		"", "bad name", "-v1", "v1:2", "v1@head", "cafe", "2024", "head", "base", "heads",
		"current", "v1..v2", "v1+1", "release\x01",
		"a234567890123456789012345678901234567890123456789012345678901234567890",
	};
	static const char *const good[] = { "v1", "v2.3", "release-2024.05", "rc/1", "2024.1", "V_1" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (strata__tags_name_syntax(bad[i], NULL, STRATA_EINVALID) != STRATA_EINVALID)
			fail_msg("'%s' should be refused", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (strata__tags_name_syntax(good[i], NULL, STRATA_EINVALID) != 0)
			fail_msg("'%s' should be taken: %s", good[i], strata_error_last()->message);
}

static void test_tags__add_and_delete_write_the_file_sorted(void **state)
{
	strata_graph *g;

	(void)state;
	three("billing");
	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v2.0", NULL), 0); /* the head */
	strata_graph_free(g);
	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v1.0", "head-2"), 0);
	strata_graph_free(g);
	assert_string_equal(file_text(STRATA_TAGS_FILE),
			    "# strata.tags: one release tag per line; 'strata tag' rewrites it\n"
			    "v1.0 " ID1 "\nv2.0 " ID3 "\n");

	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v1.0", ID2), STRATA_EINVALID);
	assert_msg_contains("tag v1.0 already exists (on revision " ID1 ")");
	assert_int_equal(strata_tag_add(dir, g, "billing", ID2), STRATA_EINVALID);
	assert_msg_contains("is a branch label");
	assert_int_equal(strata_tag_add(dir, g, "v1.0-1", ID2), STRATA_EINVALID);
	assert_msg_contains("would read as steps back from 'v1.0'");
	assert_int_equal(strata_tag_add(dir, g, "billing-2", ID2), STRATA_EINVALID);
	assert_int_equal(strata_tag_add(dir, g, "cafe", ID2), STRATA_EINVALID);
	assert_int_equal(strata_tag_add(dir, g, "v3", "9999"), STRATA_ENOTFOUND);
	assert_int_equal(strata_tag_add(dir, g, "v3-1", ID2), 0);
	strata_graph_free(g);
	g = load_ok();
	/* v3 would make the tag v3-1 read as a step back from it. */
	assert_int_equal(strata_tag_add(dir, g, "v3", ID2), STRATA_EINVALID);
	assert_msg_contains("tag v3-1 would then read as steps back from 'v3'");
	assert_int_equal(strata_tag_delete(dir, g, "v1.0"), 0);
	strata_graph_free(g);
	g = load_ok();
	assert_int_equal(strata_graph_tag_count(g), 2);
	assert_int_equal(strata_tag_delete(dir, g, "v1.0"), STRATA_ENOTFOUND);
	strata_graph_free(g);
}

/* strata_sum_check's code; *report_out (if given) gets its report. */
static int sum_check_rc(char **report_out)
{
	strata_graph *g = load_ok();
	char *report = NULL, *by_graph = NULL;
	int rc = strata_sum_check(&report, dir), rc_graph = strata_sum_check_graph(&by_graph, dir, g);

	/* Reading the files again and using the graph's texts agree. */
	assert_int_equal(rc, rc_graph);
	free(by_graph);
	strata_graph_free(g);
	if (report_out)
		*report_out = report;
	else
		free(report);
	return rc;
}

static void test_tags__strata_sum_covers_the_tags_file(void **state)
{
	strata_graph *g;
	char *report = NULL;

	(void)state;
	three(NULL);
	assert_int_equal(strata_sum_write(dir), 0);
	assert_null(strstr(file_text(STRATA_SUM_FILE), STRATA_TAGS_FILE));
	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v1.0", ID2), 0);
	strata_graph_free(g);
	assert_non_null(strstr(file_text(STRATA_SUM_FILE), "\nstrata.tags sha256-v1:"));
	assert_int_equal(sum_check_rc(NULL), 0);

	/* An edit by hand is found, as an edited migration is. */
	put(STRATA_TAGS_FILE, "v1.0 " ID3 "\n");
	assert_int_equal(sum_check_rc(&report), STRATA_ECHECK);
	assert_non_null(strstr(report, "changed: strata.tags"));
	free(report);
	assert_int_equal(strata_sum_write(dir), 0);
	assert_int_equal(sum_check_rc(NULL), 0);

	/* Tagging records the tags file only: an edited migration stays unrecorded. */
	rev(ID3, ID2, "edited");
	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v2.0", ID3), 0);
	strata_graph_free(g);
	assert_int_equal(sum_check_rc(&report), STRATA_ECHECK);
	assert_non_null(strstr(report, "changed: 300000000000_rev.sql"));
	assert_null(strstr(report, "strata.tags"));
	free(report);
}

static void test_tags__no_sum_stays_without_one(void **state)
{
	strata_graph *g;
	char path[512];
	FILE *f;

	(void)state;
	three(NULL);
	g = load_ok();
	assert_int_equal(strata_tag_add(dir, g, "v1.0", NULL), 0);
	strata_graph_free(g);
	snprintf(path, sizeof(path), "%s/%s", dir, STRATA_SUM_FILE);
	f = fopen(path, "r");
	assert_null(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tags__read_with_the_folder_and_used_as_targets,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_tags__file_errors_name_the_line, make_dir,
						remove_dir),
		cmocka_unit_test(test_tags__names_are_checked),
		cmocka_unit_test_setup_teardown(test_tags__add_and_delete_write_the_file_sorted,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_tags__strata_sum_covers_the_tags_file, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(test_tags__no_sum_stays_without_one, make_dir,
						remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
