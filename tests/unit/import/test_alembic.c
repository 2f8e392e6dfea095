/*
 * tests/unit/import/test_alembic.c - the alembic reader's half that needs
 * no python: the helper's JSON answer into a strata_import_history
 * (strata__alembic_parse). The whole path, with Alembic itself, runs in
 * tests/integration/suite_import_alembic.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"

static strata_import_history *parse(const char *json, int *rc)
{
	strata_import_history *h = strata_calloc(1, sizeof(*h));

	assert_non_null(h);
	h->format = "alembic";
	*rc = strata__alembic_parse(h, json, strlen(json), "/proj");
	return h;
}

#define OK_SQL(s) "{\"sql\": \"" s "\", \"error\": null, \"autocommit\": false}"

static void test_alembic__graph_and_sql(void **state)
{
	const char *json =
		"{\"revisions\": ["
		"{\"id\": \"a1\", \"down\": [], \"branch_labels\": [\"core\", \"extra\"], \"depends_on\": [],"
		" \"message\": \"one\", \"create_date\": \"2024-01-01T10:00:00Z\", \"path\": \"versions/a1.py\","
		" \"upgrade\": " OK_SQL("CREATE TABLE t (id int);\\n") ","
		" \"downgrade\": " OK_SQL("DROP TABLE t;\\n") "},"
		"{\"id\": \"b2\", \"down\": [\"a1\"], \"branch_labels\": [], \"depends_on\": [\"a1\"],"
		" \"message\": \"two\", \"create_date\": null, \"path\": \"versions/b2.py\","
		" \"upgrade\": {\"sql\": null, \"error\": \"it reads the database\", \"autocommit\": false},"
		" \"upgrade_source\": \"def upgrade():\\n    conn = op.get_bind()\\n\","
		" \"downgrade\": {\"sql\": \"\", \"error\": null, \"autocommit\": true}},"
		"{\"id\": \"c3\", \"down\": [\"a1\", \"b2\"], \"branch_labels\": [], \"depends_on\": [],"
		" \"message\": \"merge\", \"path\": \"versions/c3.py\","
		" \"upgrade\": " OK_SQL("") ","
		" \"downgrade\": {\"sql\": null, \"error\": \"RuntimeError: no\", \"autocommit\": false}}"
		"], \"notes\": [\"from the helper\"]}";
	int rc;
	strata_import_history *h = parse(json, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(h->nsteps, 3);
	assert_string_equal(h->steps[0].id, "a1");
	assert_int_equal(h->steps[0].nrevises, 0);
	assert_string_equal(h->steps[0].branch, "core");
	assert_string_equal(h->steps[0].created, "2024-01-01T10:00:00Z");
	assert_string_equal(h->steps[0].up_sql, "CREATE TABLE t (id int);\n");
	assert_string_equal(h->steps[0].down_sql, "DROP TABLE t;\n");
	assert_true(h->steps[0].transactional);
	assert_null(h->steps[0].stub);
	/* b2: a stub showing its Python; an autocommit block: no transaction */
	assert_string_equal(h->steps[1].stub, "it reads the database");
	assert_non_null(strstr(h->steps[1].up_sql, "-- STUB (strata import alembic)"));
	assert_non_null(strstr(h->steps[1].up_sql, "--       conn = op.get_bind()\n"));
	assert_int_equal(h->steps[1].ndepends_on, 1);
	assert_string_equal(h->steps[1].depends_on[0], "a1");
	assert_false(h->steps[1].transactional);
	assert_null(h->steps[1].created);
	/* c3: a merge, an explicit no-op up, no down with the reason */
	assert_int_equal(h->steps[2].nrevises, 2);
	assert_string_equal(h->steps[2].revises[1], "b2");
	assert_string_equal(h->steps[2].up_sql, "");
	assert_null(h->steps[2].down_sql);
	assert_string_equal(h->steps[2].irreversible,
			    "Alembic could not render its downgrade offline: RuntimeError: no");
	/* notes: the extra label, the missing down, the helper's own */
	assert_int_equal(h->nnotes, 3);
	assert_non_null(strstr(h->notes[0], "branch label 'extra' not kept"));
	assert_string_equal(h->notes[2], "from the helper");
	strata_import_history_free(h);
}

static void test_alembic__bad_id(void **state)
{
	int rc;
	strata_import_history *h = parse(
		"{\"revisions\": [{\"id\": \"has space\", \"down\": [], \"path\": \"versions/x.py\","
		" \"upgrade\": " OK_SQL("") ", \"downgrade\": " OK_SQL("") "}]}", &rc);

	(void)state;
	assert_int_equal(rc, STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "versions/x.py: revision id 'has space'"));
	strata_import_history_free(h);
}

static void test_alembic__not_the_answer(void **state)
{
	static const char *const bad[] = {
		"", "not json", "[]", "{\"revisions\": 3}",
		"{\"revisions\": [{\"id\": \"a\"}]}",
		"{\"revisions\": [{\"id\": \"a\", \"down\": [1], \"upgrade\": {}, \"downgrade\": {}}]}",
		"{\"revisions\": [{\"id\": \"a\", \"branch_labels\": [2], \"upgrade\": {}, \"downgrade\": {}}]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		strata_import_history *h = parse(bad[i], &rc);

		assert_int_equal(rc, STRATA_EPARSE);
		assert_true(strata_error_last()->message[0] != '\0');
		strata_import_history_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alembic__graph_and_sql),
		cmocka_unit_test(test_alembic__bad_id),
		cmocka_unit_test(test_alembic__not_the_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
