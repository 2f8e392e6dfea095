/*
 * tests/unit/online/test_opfile.c - operation files (online/opfile.c):
 * pgroll's format parsed from a buffer, the migration's name, null kept
 * apart from absent, every kind of mistake reported with file, JSON path
 * and what is wrong, input that is not NUL-terminated, allocation
 * failures, and pgroll's own schema-validation cases and example files
 * (from ../shared/corpus/pgroll when it is there).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "online/online_int.h"
#include "strata/error.h"
#include "strata/online.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

static strata_online_migration *parse_ok(const char *text, const char *source)
{
	strata_online_migration *m = NULL;

	if (strata_online_parse(&m, text, strlen(text), source, NULL) != 0)
		fail_msg("parse failed: %s", strata_error_last()->message);
	return m;
}

/* Parse must fail with STRATA_EPARSE and a message containing want. */
static void parse_bad(const char *text, const char *want)
{
	strata_online_migration *m = NULL;
	int rc = strata_online_parse(&m, text, strlen(text), "f.json", NULL);

	assert_int_equal(rc, STRATA_EPARSE);
	assert_null(m);
	if (!strstr(strata_error_last()->message, want))
		fail_msg("expected \"%s\" in: %s", want, strata_error_last()->message);
	assert_true(strata_error_last()->hint[0] != '\0');
}

static void test_opfile__operations_and_name(void **state)
{
	strata_online_migration *m = parse_ok(
		"{\"operations\": [{\"add_column\": {\"table\": \"t\", \"up\": \"1\", "
		"\"column\": {\"name\": \"c\", \"type\": \"int\"}}}, {\"drop_index\": {\"name\": \"i\"}}]}",
		"migrations/online/03_add_c.json");

	(void)state;
	assert_string_equal(strata_online_name(m), "03_add_c");
	assert_null(strata_online_version_schema(m));
	assert_int_equal(strata_online_op_count(m), 2);
	assert_string_equal(strata_online_op_kind(m, 0), "add_column");
	assert_string_equal(strata_online_op_kind(m, 1), "drop_index");
	strata_online_free(m);

	m = parse_ok("{\"name\": \"given\", \"version_schema\": \"v2\", \"operations\": []}", "x.json");
	assert_string_equal(strata_online_name(m), "given");
	assert_string_equal(strata_online_version_schema(m), "v2");
	assert_int_equal(strata_online_op_count(m), 0);
	strata_online_free(m);
}

static void test_opfile__null_is_not_absent(void **state)
{
	strata_online_migration *m = parse_ok(
		"{\"operations\": [{\"alter_column\": {\"table\": \"t\", \"column\": \"c\", "
		"\"comment\": null, \"up\": \"c\", \"down\": \"c\"}}]}", "n.json");
	json_t *body = NULL;

	(void)state;
	assert_string_equal(strata__online_op_kind(m, 0, &body), "alter_column");
	assert_non_null(json_object_get(body, "comment"));
	assert_true(json_is_null(json_object_get(body, "comment")));
	assert_null(json_object_get(body, "default"));
	strata_online_free(m);
}

static void test_opfile__mistakes_name_the_path(void **state)
{
	(void)state;
	parse_bad("{\"operations\": [\n{\"add_column\": {\"table\": \"t\",}}]}", "f.json:2:");
	parse_bad("[]", "f.json: (top level): the file must hold a JSON object");
	parse_bad("{}", "the required key \"operations\" is missing");
	parse_bad("{\"operations\": {}}", "operations: must be an array of operations, not an object");
	parse_bad("{\"operations\": [], \"extra\": 1}", "unknown key \"extra\"");
	parse_bad("{\"operations\": [{\"brew\": {}}]}", "operations[0]: unknown operation \"brew\"");
	parse_bad("{\"operations\": [{\"drop_index\": {}, \"drop_table\": {}}]}", "exactly one key");
	parse_bad("{\"operations\": [{\"drop_index\": {\"name\": \"i\"}}, {\"drop_table\": {}}]}",
		  "operations[1].drop_table: the required key \"name\" is missing");
	parse_bad("{\"operations\": [{\"add_column\": {\"table\": \"t\", \"column\": {\"name\": \"c\", "
		  "\"type\": 3}}}]}", "operations[0].add_column.column.type: must be a string, not a number");
	parse_bad("{\"operations\": [{\"create_table\": {\"name\": \"t\", \"columns\": [{\"name\": \"a\", "
		  "\"type\": \"int\"}, {\"name\": \"b\", \"type\": \"int\", \"check\": {\"name\": \"x\"}}]}}]}",
		  "operations[0].create_table.columns[1].check: the required key \"constraint\" is missing");
	parse_bad("{\"operations\": [{\"alter_column\": {\"table\": \"t\", \"column\": \"c\", "
		  "\"nullable\": \"no\"}}]}", "alter_column.nullable: must be true or false, not a string");
	parse_bad("{\"operations\": [{\"alter_column\": {\"table\": \"t\", \"column\": \"c\"}}]}",
		  "alter_column changes nothing");
	parse_bad("{\"operations\": [{\"create_index\": {\"table\": \"t\", \"name\": \"i\", \"columns\": "
		  "[{\"column\": \"c\"}], \"method\": \"bogus\"}}]}", "create_index.method: \"bogus\"");
	parse_bad("{\"operations\": [{\"create_constraint\": {\"table\": \"t\", \"name\": \"k\", \"type\": "
		  "\"foreign_key\", \"columns\": [\"a\"], \"up\": {}, \"down\": {}}}]}", "needs \"references\"");
	parse_bad("{\"operations\": [{\"create_constraint\": {\"table\": \"t\", \"name\": \"k\", \"type\": "
		  "\"check\", \"check\": \"a > 0\", \"up\": {\"a\": 1}, \"down\": {}}}]}",
		  "create_constraint.up.a: must be a string (SQL), not a number");
	parse_bad("{\"operations\": [{\"sql\": {\"up\": \"x\", \"down\": \"y\", \"onComplete\": true}}]}",
		  "takes no \"down\"");
	parse_bad("{\"operations\": [{\"drop_table\": {\"name\": \"\"}}]}", "\"name\" must not be empty");
	parse_bad("{\"operations\": [], \"operations\": []}", "invalid JSON");
	parse_bad("{\"version_schema\": \"" "0123456789012345678901234567890123456789012345678901234567890123"
		  "\", \"operations\": []}", "version_schema: must be 1 to 63 characters");
	parse_bad("{\"operations\": [{\"set_replica_identity\": {\"table\": \"t\", \"identity\": "
		  "{\"type\": \"sometimes\", \"index\": \"\"}}}]}", "identity.type: \"sometimes\"");
}

static void test_opfile__not_nul_terminated(void **state)
{
	const char text[] = "{\"operations\": [{\"drop_table\": {\"name\": \"t\"}}]}XXXX";
	strata_online_migration *m = NULL;
	char *copy = malloc(sizeof(text) - 5);

	(void)state;
	assert_non_null(copy);
	memcpy(copy, text, sizeof(text) - 5); /* no NUL, no trailing garbage */
	assert_int_equal(strata_online_parse(&m, copy, sizeof(text) - 5, "b.json", NULL), 0);
	assert_int_equal(strata_online_op_count(m), 1);
	strata_online_free(m);
	free(copy);
	assert_int_equal(strata_online_parse(&m, NULL, 0, NULL, "n"), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "<input>"));
}

static void test_opfile__allocation_failures(void **state)
{
	const char *text = "{\"name\": \"n\", \"operations\": [{\"drop_table\": {\"name\": \"t\"}}]}";
	long n;

	(void)state;
	for (n = 0; n < 20; n++) {
		strata_online_migration *m = NULL;
		int rc;

		strata_alloc_fail_after(n);
		rc = strata_online_parse(&m, text, strlen(text), "a.json", NULL);
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			strata_online_free(m);
			return;
		}
		assert_null(m);
	}
	fail_msg("never succeeded");
}

static const char *corpus_dir(void)
{
	const char *env = getenv("STRATA_CORPUS");

	return env && *env ? env : "../shared/corpus";
}

/* Lists a corpus folder: without the corpus (a clone without ../shared)
 * the test is skipped; a folder missing from a corpus that is there is a
 * failure. */
static void list_corpus(const char *dir, char ***names, size_t *n)
{
	struct stat st;

	if (stat(corpus_dir(), &st) != 0)
		skip();
	if (strata__fs_list_dir(names, n, dir) < 0)
		fail_msg("the corpus has no %s", dir);
}

/* pgroll's schema-validation cases: our checks agree with its schema. */
static void test_opfile__pgroll_schema_cases(void **state)
{
	strata_buf dir = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i, checked = 0;

	(void)state;
	strata__buf_printf(&dir, "%s/pgroll/jsonschema-testdata", corpus_dir());
	list_corpus(strata__buf_cstr(&dir), &names, &n);
	for (i = 0; i < n; i++) {
		strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
		strata_online_migration *m = NULL;
		const char *json, *valid;
		size_t len;
		int want, rc;

		if (!strstr(names[i], ".txtar"))
			continue;
		strata__fs_join(&path, strata__buf_cstr(&dir), names[i]);
		assert_int_equal(strata__fs_read_file(&text, strata__buf_cstr(&path), 1 << 20), 0);
		json = strstr(strata__buf_cstr(&text), ".json --\n");
		valid = strstr(strata__buf_cstr(&text), "-- valid --\n");
		assert_non_null(json);
		assert_non_null(valid);
		json += strlen(".json --\n");
		len = (size_t)(valid - json);
		want = strncmp(valid + strlen("-- valid --\n"), "true", 4) == 0;
		rc = strata_online_parse(&m, json, len, names[i], NULL);
		if ((rc == 0) != want)
			fail_msg("%s: pgroll says %s, strata %s (%s)", names[i], want ? "valid" : "invalid",
				 rc == 0 ? "accepts it" : "rejects it", strata_error_last()->message);
		strata_online_free(m);
		checked++;
		strata__buf_release(&path);
		strata__buf_release(&text);
	}
	printf("# %zu pgroll schema cases agree\n", checked);
	assert_true(checked > 0);
	strata__fs_free_names(names, n);
	strata__buf_release(&dir);
}

/* Every example migration of pgroll parses. */
static void test_opfile__pgroll_examples_parse(void **state)
{
	strata_buf dir = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i, parsed = 0;

	(void)state;
	strata__buf_printf(&dir, "%s/pgroll/examples-json", corpus_dir());
	list_corpus(strata__buf_cstr(&dir), &names, &n);
	for (i = 0; i < n; i++) {
		strata_buf path = STRATA_BUF_INIT;
		strata_online_migration *m = NULL;

		strata__fs_join(&path, strata__buf_cstr(&dir), names[i]);
		if (strata_online_load(&m, strata__buf_cstr(&path)) != 0)
			fail_msg("%s: %s", names[i], strata_error_last()->message);
		assert_true(strata_online_op_count(m) > 0);
		strata_online_free(m);
		strata__buf_release(&path);
		parsed++;
	}
	assert_true(parsed >= 50);
	strata__fs_free_names(names, n);
	strata__buf_release(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opfile__operations_and_name),
		cmocka_unit_test(test_opfile__null_is_not_absent),
		cmocka_unit_test(test_opfile__mistakes_name_the_path),
		cmocka_unit_test(test_opfile__not_nul_terminated),
		cmocka_unit_test(test_opfile__allocation_failures),
		cmocka_unit_test(test_opfile__pgroll_schema_cases),
		cmocka_unit_test(test_opfile__pgroll_examples_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
