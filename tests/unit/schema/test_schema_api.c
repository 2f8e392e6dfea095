/*
 * tests/unit/schema/test_schema_api.c - the public schema API
 * (strata/schema.h) as a program linking libstrata uses it: through
 * strata/strata.h alone, on real SQLite shadow databases. Two schema
 * files are loaded at once, diffed and one dumped; everything is freed
 * (the ASan build checks that nothing leaks).
 */
#include "strata/strata.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct project {
	char root[64];
	char from[128], to[128], bad[128];
	strata_config *cfg;
} project;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	char database[160];
	project *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	strcpy(p->root, "/tmp/strata-schema-api.XXXXXX");
	assert_non_null(mkdtemp(p->root));
	snprintf(p->from, sizeof(p->from), "%s/from.sql", p->root);
	snprintf(p->to, sizeof(p->to), "%s/to.sql", p->root);
	snprintf(p->bad, sizeof(p->bad), "%s/bad.sql", p->root);
	snprintf(database, sizeof(database), "sqlite:%s/app.db", p->root);
	write_file(p->from, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n");
	write_file(p->to, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"
			  "CREATE TABLE orgs (id INTEGER PRIMARY KEY);\n");
	write_file(p->bad, "CREATE TABLE broken (id INTEGER PRIMARY KEY,;\n");
	in.cwd = p->root;
	in.database = database;
	assert_int_equal(strata_config_load(&p->cfg, &in), 0);
	p->cfg->no_cache = 1; /* read the files every time: nothing written under the project */
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	project *p = *state;
	char cmd[128];

	strata_config_free(p->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->root);
	assert_int_equal(system(cmd), 0);
	free(p);
	return 0;
}

/* Which change of the list names object with op, or -1. */
static long find_change(const strata_changes *c, strata_change_op op, const char *kind,
			const char *object)
{
	for (size_t i = 0; i < strata_changes_count(c); i++) {
		strata_change_info ch;

		strata_changes_get(&ch, c, i);
		if (ch.op == op && strcmp(ch.kind, kind) == 0 && strcmp(ch.object, object) == 0)
			return (long)i;
	}
	return -1;
}

static void test_schema_api__load_pair_diff_dump(void **state)
{
	project *p = *state;
	strata_catalog *from = NULL, *to = NULL;
	strata_changes *changes = NULL, *none = NULL;
	strata_diff_options opts = STRATA_DIFF_OPTIONS_INIT;
	strata_buf sql = STRATA_BUF_INIT, dump = STRATA_BUF_INIT;
	strata_change_info ch;
	long i;

	assert_int_equal(strata_schema_source_engine(p->from), 0);
	assert_int_equal(strata_catalog_load_pair(&from, &to, p->from, p->to, STRATA_ENGINE_SQLITE,
						  p->cfg),
			 0);
	assert_non_null(from);
	assert_non_null(to);

	assert_int_equal(strata_schema_diff(&changes, from, to, &opts), 0);
	assert_int_equal(strata_changes_count(changes), 2);
	i = find_change(changes, STRATA_CHANGE_CREATE, "table", "orgs");
	assert_true(i >= 0);
	strata_changes_get(&ch, changes, (size_t)i);
	assert_false(ch.destructive);
	assert_non_null(strstr(ch.sql, "CREATE TABLE"));
	i = find_change(changes, STRATA_CHANGE_ALTER, "table", "users.email");
	assert_true(i >= 0);
	strata_changes_get(&ch, changes, (size_t)i);
	assert_string_equal(ch.detail, "add column");
	assert_int_equal(strata_changes_sql(&sql, changes), 0);
	assert_string_equal(strata_buf_cstr(&sql), "CREATE TABLE orgs (\n    id INTEGER PRIMARY KEY\n);\n"
						   "ALTER TABLE users ADD COLUMN email TEXT;\n");

	/* The other way round drops what was added: destructive. */
	assert_int_equal(strata_schema_diff(&none, to, from, NULL), 0);
	i = find_change(none, STRATA_CHANGE_DROP, "table", "orgs");
	assert_true(i >= 0);
	strata_changes_get(&ch, none, (size_t)i);
	assert_true(ch.destructive);
	strata_changes_free(none);
	none = NULL;

	/* A catalog against itself: no change. */
	assert_int_equal(strata_schema_diff(&none, to, to, NULL), 0);
	assert_int_equal(strata_changes_count(none), 0);

	assert_int_equal(strata_schema_dump(&dump, to), 0);
	assert_string_equal(strata_buf_cstr(&dump), "CREATE TABLE orgs (\n    id INTEGER PRIMARY KEY\n);\n"
						    "CREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n"
						    "    name TEXT NOT NULL,\n    email TEXT\n);\n");

	strata_buf_release(&sql);
	strata_buf_release(&dump);
	strata_changes_free(none);
	strata_changes_free(changes);
	strata_catalog_free(from);
	strata_catalog_free(to);
}

/* One bad side: both catalogs NULL, and the error names the bad file. */
static void test_schema_api__load_pair_failure(void **state)
{
	project *p = *state;
	strata_catalog *a = (strata_catalog *)p, *b = (strata_catalog *)p;
	int rc = strata_catalog_load_pair(&a, &b, p->from, p->bad, STRATA_ENGINE_SQLITE, p->cfg);

	assert_true(rc < 0);
	assert_null(a);
	assert_null(b);
	assert_int_equal(strata_error_last()->code, rc);
	assert_non_null(strstr(strata_error_last()->message, "bad.sql"));
}

static void test_schema_api__diff_options_version(void **state)
{
	project *p = *state;
	strata_catalog *cat = NULL;
	strata_changes *c = (strata_changes *)p;
	strata_diff_options opts = STRATA_DIFF_OPTIONS_INIT;

	assert_int_equal(strata_catalog_load(&cat, p->from, STRATA_ENGINE_SQLITE, p->cfg), 0);
	opts.version = 99;
	assert_int_equal(strata_schema_diff(&c, cat, cat, &opts), STRATA_EINVALID);
	assert_null(c);
	strata_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_api__load_pair_diff_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_api__load_pair_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_api__diff_options_version, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
