/*
 * tests/unit/schema/test_diff_pg.c - the PostgreSQL diff on catalog pairs
 * built by hand: which changes, in which order, marked destructive or not.
 * (The integration suite checks the SQL against a real server.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "catalog_fixture.h"
#include "db/db.h"
#include "schema/diff.h"
#include "util/alloc.h"
#include "util/buf.h"

/* The diff of two finished catalogs as one SQL text (caller frees). */
static char *sql_of(sc_catalog *a, sc_catalog *b, sc_changes *out)
{
	strata_buf sql = STRATA_BUF_INIT;

	assert_int_equal(strata__sc_catalog_finish(a), 0);
	assert_int_equal(strata__sc_catalog_finish(b), 0);
	assert_int_equal(strata__sc_diff(a, b, NULL, out), 0);
	assert_int_equal(strata__sc_changes_sql(out, &sql), 0);
	return strata__buf_detach(&sql);
}

static size_t pos(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("'%s' not in:\n%s", needle, hay);
	return (size_t)(p - hay);
}

static void test_identical_catalogs_give_nothing(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_changes ch = { 0 };
	char *sql;

	column(a, table(a, "t"), "id", "integer")->not_null = 1;
	column(b, table(b, "t"), "id", "integer")->not_null = 1;
	sql = sql_of(a, b, &ch);
	assert_int_equal(ch.n, 0);
	assert_string_equal(sql, "");
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_added_and_dropped_columns(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *ta = table(a, "t"), *tb = table(b, "t");
	sc_changes ch = { 0 };
	char *sql;

	column(a, ta, "id", "integer");
	column(a, ta, "old_name", "text");
	column(b, tb, "id", "integer");
	column(b, tb, "new_name", "text")->default_expr = strata__sc_strdup(b, "'x'::text");
	sql = sql_of(a, b, &ch);
	/* A rename is never guessed: a drop (destructive) and an add. */
	assert_true(pos(sql, "ALTER TABLE public.t DROP COLUMN old_name;") <
		    pos(sql, "ALTER TABLE public.t ADD COLUMN new_name text DEFAULT 'x'::text;"));
	assert_int_equal(ch.n, 2);
	assert_int_equal(ch.v[0].op, SC_OP_DROP);
	assert_int_equal(ch.v[0].kind, SC_COLUMN);
	assert_true(ch.v[0].destructive);
	assert_int_equal(ch.v[1].op, SC_OP_CREATE);
	assert_false(ch.v[1].destructive);
	assert_string_equal(ch.v[1].object, "public.t.new_name");
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_type_change_drops_and_recreates_dependent_views(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *v1, *v2;
	sc_changes ch = { 0 };
	char *sql;

	column(a, table(a, "t"), "v", "integer");
	column(b, table(b, "t"), "v", "bigint");
	for (int side = 0; side < 2; side++) {
		sc_catalog *c = side ? b : a;

		v1 = owned(c, SC_VIEW, NULL, "v1", " SELECT t.v FROM public.t;");
		dep(c, v1, "table/public.t");
		assert_int_equal(strata__sc_strv_add(c, &v1->col_deps, &v1->ncol_deps, "table/public.t\x1fv"), 0);
		v2 = owned(c, SC_VIEW, NULL, "v2", " SELECT v1.v FROM public.v1;");
		dep(c, v2, "view/public.v1");
	}
	sql = sql_of(a, b, &ch);
	assert_true(pos(sql, "DROP VIEW public.v2;") < pos(sql, "DROP VIEW public.v1;"));
	assert_true(pos(sql, "DROP VIEW public.v1;") < pos(sql, "TYPE bigint USING v::bigint"));
	assert_true(pos(sql, "TYPE bigint") < pos(sql, "CREATE VIEW public.v1 AS"));
	assert_true(pos(sql, "CREATE VIEW public.v1 AS") < pos(sql, "CREATE VIEW public.v2 AS"));
	/* The views are there only because of the column: consequential. */
	for (size_t i = 0; i < ch.n; i++)
		if (ch.v[i].kind == SC_VIEW)
			assert_true(ch.v[i].consequential);
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_foreign_keys_come_after_the_tables_they_reference(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *fk, *pk;
	sc_changes ch = { 0 };
	char *sql;

	/* "aaa" sorts first and references "zzz". */
	column(b, table(b, "aaa"), "z_id", "integer");
	column(b, table(b, "zzz"), "id", "integer");
	pk = owned(b, SC_CONSTRAINT, "zzz", "zzz_pkey", "PRIMARY KEY (id)");
	pk->contype = 'p';
	fk = owned(b, SC_CONSTRAINT, "aaa", "aaa_z_fkey", "FOREIGN KEY (z_id) REFERENCES public.zzz(id)");
	fk->contype = 'f';
	dep(b, fk, "table/public.zzz");
	dep(b, fk, "constraint/public.zzz.zzz_pkey");
	sql = sql_of(a, b, &ch);
	assert_true(pos(sql, "CREATE TABLE public.zzz") < pos(sql, "ADD CONSTRAINT aaa_z_fkey"));
	assert_true(pos(sql, "ADD CONSTRAINT zzz_pkey") < pos(sql, "ADD CONSTRAINT aaa_z_fkey"));
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static sc_object *mood(sc_catalog *c, const char *const *labels, size_t n)
{
	sc_object *e = owned(c, SC_ENUM, NULL, "mood", "");

	for (size_t i = 0; i < n; i++)
		assert_int_equal(strata__sc_strv_add(c, &e->labels, &e->nlabels, labels[i]), 0);
	return e;
}

static void test_enum_values_are_added_in_place(void **state)
{
	static const char *const before[] = { "sad", "ok" }, *const after[] = { "meh", "sad", "ok", "happy" };
	sc_catalog *a = cat(), *b = cat();
	sc_changes ch = { 0 };
	char *sql;

	mood(a, before, 2);
	mood(b, after, 4);
	sql = sql_of(a, b, &ch);
	assert_non_null(strstr(sql, "ALTER TYPE public.mood ADD VALUE 'meh' BEFORE 'sad';"));
	assert_non_null(strstr(sql, "ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';"));
	assert_null(strstr(sql, "RENAME"));
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_enum_with_removed_value_is_replaced_and_columns_converted(void **state)
{
	static const char *const before[] = { "sad", "ok", "happy" }, *const after[] = { "sad", "ok" };
	sc_catalog *a = cat(), *b = cat();
	sc_object *ta, *tb;
	sc_changes ch = { 0 };
	char *sql;

	mood(a, before, 3);
	mood(b, after, 2);
	ta = table(a, "t");
	column(a, ta, "m", "public.mood")->default_expr = strata__sc_strdup(a, "'ok'::public.mood");
	dep(a, ta, "enum/public.mood");
	tb = table(b, "t");
	column(b, tb, "m", "public.mood")->default_expr = strata__sc_strdup(b, "'ok'::public.mood");
	dep(b, tb, "enum/public.mood");
	sql = sql_of(a, b, &ch);
	assert_true(pos(sql, "ALTER TYPE public.mood RENAME TO mood__strata_old;") <
		    pos(sql, "CREATE TYPE public.mood AS ENUM ('sad', 'ok');"));
	assert_true(pos(sql, "ALTER COLUMN m DROP DEFAULT;") <
		    pos(sql, "ALTER COLUMN m TYPE public.mood USING m::text::public.mood;"));
	assert_true(pos(sql, "USING m::text::public.mood;") < pos(sql, "ALTER COLUMN m SET DEFAULT"));
	assert_true(pos(sql, "SET DEFAULT") < pos(sql, "DROP TYPE public.mood__strata_old;"));
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_dropped_table_is_destructive_and_goes_last(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *idx;
	sc_changes ch = { 0 };
	char *sql;

	column(a, table(a, "gone"), "id", "integer");
	idx = owned(a, SC_INDEX, "gone", "gone_idx", "CREATE INDEX gone_idx ON public.gone USING btree (id)");
	(void)idx;
	column(b, table(b, "fresh"), "id", "integer");
	sql = sql_of(a, b, &ch);
	assert_true(pos(sql, "CREATE TABLE public.fresh") < pos(sql, "DROP TABLE public.gone;"));
	/* Its index goes with it: no separate statement. */
	assert_null(strstr(sql, "DROP INDEX"));
	assert_true(ch.v[ch.n - 1].destructive);
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_dump_is_the_same_whatever_the_reading_order(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	strata_buf da = STRATA_BUF_INIT, db = STRATA_BUF_INIT;

	column(a, table(a, "one"), "id", "integer");
	column(a, table(a, "two"), "id", "integer");
	owned(a, SC_INDEX, "one", "one_idx", "CREATE INDEX one_idx ON public.one USING btree (id)");
	owned(b, SC_INDEX, "one", "one_idx", "CREATE INDEX one_idx ON public.one USING btree (id)");
	column(b, table(b, "two"), "id", "integer");
	column(b, table(b, "one"), "id", "integer");
	assert_int_equal(strata__sc_catalog_finish(a), 0);
	assert_int_equal(strata__sc_catalog_finish(b), 0);
	assert_int_equal(strata__sc_dump_sql(a, &da), 0);
	assert_int_equal(strata__sc_dump_sql(b, &db), 0);
	assert_string_equal(strata__buf_cstr(&da), strata__buf_cstr(&db));
	assert_true(pos(strata__buf_cstr(&da), "CREATE TABLE public.one") < pos(strata__buf_cstr(&da), "CREATE INDEX one_idx"));
	strata__buf_release(&da);
	strata__buf_release(&db);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

static void test_names_are_quoted_only_when_needed(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_changes ch = { 0 };
	char *sql;

	column(b, table(b, "user"), "select", "integer");
	column(b, table(b, "Mixed \"q\"; x"), "plain_col", "text");
	sql = sql_of(a, b, &ch);
	assert_non_null(strstr(sql, "CREATE TABLE public.\"user\" (\n    \"select\" integer\n);"));
	assert_non_null(strstr(sql, "CREATE TABLE public.\"Mixed \"\"q\"\"; x\" (\n    plain_col text\n);"));
	strata_free(sql);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_catalogs_give_nothing),
		cmocka_unit_test(test_added_and_dropped_columns),
		cmocka_unit_test(test_type_change_drops_and_recreates_dependent_views),
		cmocka_unit_test(test_foreign_keys_come_after_the_tables_they_reference),
		cmocka_unit_test(test_enum_values_are_added_in_place),
		cmocka_unit_test(test_enum_with_removed_value_is_replaced_and_columns_converted),
		cmocka_unit_test(test_dropped_table_is_destructive_and_goes_last),
		cmocka_unit_test(test_dump_is_the_same_whatever_the_reading_order),
		cmocka_unit_test(test_names_are_quoted_only_when_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
