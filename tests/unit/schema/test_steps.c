/*
 * tests/unit/schema/test_steps.c - autogenerate's steps (schema/steps.h):
 * which change of a PostgreSQL diff goes to which revision, the safe form
 * it takes there, the down of each step, what stays plain and why; and
 * the one SQLite step, which leaves PRAGMA foreign_keys out. Catalogs are
 * built by hand (SQLite: read from an in-memory database); the
 * integration suite runs the chains on a real server.
 */
#include <string.h>

#include "catalog_fixture.h"
#include "schema/diff.h"
#include "util/buf.h"
#include "sqlite_fixture.h"
#include "schema/steps.h"

static size_t at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("'%s' not in:\n%s", needle, hay);
	return (size_t)(p - hay);
}

static void lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("'%s' should not be in:\n%s", needle, hay);
}

static void plan(sc_steps *out, sc_catalog *a, sc_catalog *b)
{
	assert_int_equal(strata__sc_catalog_finish(a), 0);
	assert_int_equal(strata__sc_catalog_finish(b), 0);
	if (strata__sc_steps_plan(out, a, b, NULL) != 0)
		fail_msg("plan: %s", strata_error_last()->message);
}

static sc_object *constraint(sc_catalog *c, const char *tbl, const char *name, char contype,
			     const char *def)
{
	sc_object *o = owned(c, SC_CONSTRAINT, tbl, name, def);

	o->contype = contype;
	return o;
}

/* users (id, email) and orders (id, user_id, total, note) with an index
 * on note: the schema before, in both catalogs. */
static void shop(sc_catalog *c, int after)
{
	sc_object *users = table(c, "users"), *orders = table(c, "orders"), *fk;

	column(c, users, "id", "bigint")->not_null = 1;
	column(c, users, "email", "text")->not_null = after;
	constraint(c, "users", "users_pkey", 'p', "PRIMARY KEY (id)");
	column(c, orders, "id", "bigint")->not_null = 1;
	column(c, orders, "user_id", "bigint");
	column(c, orders, "total", "numeric")->not_null = after;
	column(c, orders, "note", "text");
	constraint(c, "orders", "orders_pkey", 'p', "PRIMARY KEY (id)");
	if (!after) {
		owned(c, SC_INDEX, "orders", "orders_note_idx",
		      "CREATE INDEX orders_note_idx ON public.orders USING btree (note)");
		return;
	}
	constraint(c, "users", "users_email_key", 'u', "UNIQUE (email)");
	fk = constraint(c, "orders", "orders_user_id_fkey", 'f',
			"FOREIGN KEY (user_id) REFERENCES public.users(id)");
	dep(c, fk, "table/public.users");
	dep(c, fk, "constraint/public.users.users_pkey");
	owned(c, SC_INDEX, "orders", "orders_total_idx",
	      "CREATE INDEX orders_total_idx ON public.orders USING btree (total)");
}

/* An index, a UNIQUE, a NOT NULL and a foreign key on existing tables,
 * and a new table with its own index and foreign key: three revisions. */
static void test_steps__existing_tables_get_the_safe_patterns(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *items, *fk;
	sc_steps s;
	const char *up1, *down1, *up2, *down2, *up3, *down3;

	shop(a, 0);
	shop(b, 1);
	items = table(b, "items");
	column(b, items, "id", "bigint")->not_null = 1;
	column(b, items, "order_id", "bigint")->not_null = 1;
	owned(b, SC_INDEX, "items", "items_order_idx",
	      "CREATE INDEX items_order_idx ON public.items USING btree (order_id)");
	fk = constraint(b, "items", "items_order_id_fkey", 'f',
			"FOREIGN KEY (order_id) REFERENCES public.orders(id)");
	dep(b, fk, "table/public.orders");
	plan(&s, a, b);

	assert_int_equal(s.n, 3);
	assert_int_equal(s.nnotes, 0);
	assert_string_equal(s.v[0].label, "schema");
	assert_string_equal(s.v[1].label, "concurrent indexes");
	assert_string_equal(s.v[2].label, "validate");
	assert_true(s.v[0].transactional);
	assert_false(s.v[1].transactional);
	assert_true(s.v[2].transactional);
	up1 = s.v[0].up, down1 = s.v[0].down, up2 = s.v[1].up, down2 = s.v[1].down;
	up3 = s.v[2].up, down3 = s.v[2].down;

	/* 1: the new table as it is, the rest NOT VALID */
	at(up1, "CREATE TABLE public.items");
	at(up1, "CREATE INDEX items_order_idx ON public.items USING btree (order_id);");
	at(up1, "ADD CONSTRAINT items_order_id_fkey FOREIGN KEY (order_id) REFERENCES "
		"public.orders(id);");
	at(up1, "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) "
		"REFERENCES public.users(id) NOT VALID;");
	at(up1, "ALTER TABLE public.orders ADD CONSTRAINT orders_total_not_null_check CHECK (total "
		"IS NOT NULL) NOT VALID;");
	lacks(up1, "SET NOT NULL");
	lacks(up1, "CONCURRENTLY");
	lacks(up1, "orders_total_idx");
	lacks(up1, "orders_note_idx");
	lacks(up1, "users_email_key");
	at(down1, "ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_total_not_null_check;");
	at(down1, "DROP CONSTRAINT orders_user_id_fkey;");
	at(down1, "DROP TABLE public.items;");
	lacks(down1, "DROP NOT NULL");
	lacks(down1, "orders_note_idx");
	lacks(down1, "users_email_key");

	/* 2: indexes and the UNIQUE, each retry-safe */
	assert_true(at(up2, "DROP INDEX CONCURRENTLY IF EXISTS public.orders_total_idx;") <
		    at(up2, "CREATE INDEX CONCURRENTLY orders_total_idx ON public.orders USING btree "
			    "(total);"));
	at(up2, "DROP INDEX CONCURRENTLY IF EXISTS public.orders_note_idx;");
	assert_true(at(up2, "ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_key;") <
		    at(up2, "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.users (email);"));
	assert_true(at(up2, "CREATE UNIQUE INDEX CONCURRENTLY users_email_key") <
		    at(up2, "ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE USING INDEX "
			    "users_email_key;"));
	at(down2, "ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_key;");
	at(down2, "DROP INDEX CONCURRENTLY IF EXISTS public.orders_total_idx;");
	assert_true(at(down2, "DROP INDEX CONCURRENTLY IF EXISTS public.orders_note_idx;") <
		    at(down2, "CREATE INDEX CONCURRENTLY orders_note_idx ON public.orders USING btree "
			      "(note);"));
	/* reverse order: the UNIQUE was last up, so it is first down */
	assert_true(at(down2, "users_email_key") < at(down2, "orders_note_idx"));

	/* 3: validation, and back to NOT VALID */
	assert_true(at(up3, "VALIDATE CONSTRAINT orders_total_not_null_check;") <
		    at(up3, "ALTER TABLE public.orders ALTER COLUMN total SET NOT NULL;"));
	assert_true(at(up3, "SET NOT NULL;") <
		    at(up3, "ALTER TABLE public.orders DROP CONSTRAINT orders_total_not_null_check;"));
	at(up3, "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_id_fkey;");
	at(up3, "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;");
	at(down3, "ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey, ADD CONSTRAINT "
		  "orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;");
	assert_true(at(down3, "ADD CONSTRAINT orders_total_not_null_check CHECK (total IS NOT NULL) "
			      "NOT VALID;") <
		    at(down3, "ALTER TABLE public.orders ALTER COLUMN total DROP NOT NULL;"));
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* Nothing on an existing table needs a safe pattern: one step, the diff. */
static void test_steps__a_diff_with_nothing_to_split_is_one_revision(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_changes ch = { 0 };
	strata_buf sql = STRATA_BUF_INIT;
	sc_object *t;
	sc_steps s;

	column(a, table(a, "kept"), "id", "bigint");
	column(b, table(b, "kept"), "id", "bigint");
	column(b, table(b, "kept"), "extra", "text");
	t = table(b, "fresh");
	column(b, t, "id", "bigint")->not_null = 1;
	owned(b, SC_INDEX, "fresh", "fresh_idx", "CREATE INDEX fresh_idx ON public.fresh USING btree (id)");
	plan(&s, a, b);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0].transactional);
	assert_int_equal(strata__sc_diff(a, b, NULL, &ch), 0);
	assert_int_equal(strata__sc_changes_marked_sql(&ch, &sql), 0);
	assert_string_equal(s.v[0].up, strata__buf_cstr(&sql));
	lacks(s.v[0].up, "CONCURRENTLY");
	strata__buf_release(&sql);
	strata__sc_changes_release(&ch);
	strata__sc_steps_release(&s);
	/* no difference at all: no step */
	plan(&s, a, a);
	assert_int_equal(s.n, 0);
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* Only an index on an existing table: one revision, outside a transaction. */
static void test_steps__an_index_alone_is_one_concurrent_revision(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_steps s;

	column(a, table(a, "t"), "v", "text");
	column(b, table(b, "t"), "v", "text");
	owned(b, SC_INDEX, "t", "t_v_idx", "CREATE UNIQUE INDEX t_v_idx ON public.t USING btree (v)")
		->comment = strata__sc_strdup(b, "it's unique");
	plan(&s, a, b);
	assert_int_equal(s.n, 1);
	assert_false(s.v[0].transactional);
	assert_string_equal(s.v[0].up,
			    "DROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;\n"
			    "CREATE UNIQUE INDEX CONCURRENTLY t_v_idx ON public.t USING btree (v);\n"
			    "COMMENT ON INDEX public.t_v_idx IS 'it''s unique';\n");
	assert_string_equal(s.v[0].down, "DROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;\n");
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* What has no safe form keeps its plain statement, with a note saying why
 * (in the SQL as a comment, and in notes). */
static void test_steps__what_cannot_be_done_safely_says_why(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *pa, *pb, *fk;
	sc_steps s;

	pa = table(a, "events");
	pa->relkind = 'p';
	column(a, pa, "at", "timestamptz");
	pb = table(b, "events");
	pb->relkind = 'p';
	column(b, pb, "at", "timestamptz");
	owned(b, SC_INDEX, "events", "events_at_idx",
	      "CREATE INDEX events_at_idx ON public.events USING btree (at)");
	column(a, table(a, "r"), "span", "int4range");
	column(b, table(b, "r"), "span", "int4range");
	constraint(b, "r", "r_no_overlap", 'x', "EXCLUDE USING gist (span WITH &&)");
	column(a, table(a, "s"), "code", "text");
	column(b, table(b, "s"), "code", "text");
	constraint(b, "s", "s_code_key", 'u', "UNIQUE (code) USING INDEX TABLESPACE fast");
	/* a UNIQUE that a new foreign key references must exist before it */
	column(a, table(a, "u"), "code", "text");
	column(b, table(b, "u"), "code", "text");
	column(a, table(a, "v"), "u_code", "text");
	column(b, table(b, "v"), "u_code", "text");
	constraint(b, "u", "u_code_key", 'u', "UNIQUE (code)");
	fk = constraint(b, "v", "v_u_code_fkey", 'f', "FOREIGN KEY (u_code) REFERENCES public.u(code)");
	dep(b, fk, "constraint/public.u.u_code_key");
	plan(&s, a, b);
	assert_int_equal(s.n, 2); /* schema (the fk NOT VALID), validate */
	assert_int_equal(s.nnotes, 4);
	at(s.v[0].up, "-- index public.events.events_at_idx: PostgreSQL cannot build or drop an "
		      "index of a partitioned table concurrently\nCREATE INDEX events_at_idx");
	at(s.v[0].up, "-- constraint public.r.r_no_overlap: an EXCLUDE constraint");
	at(s.v[0].up, "-- constraint public.s.s_code_key: its definition has no CREATE UNIQUE INDEX "
		      "form\nALTER TABLE public.s ADD CONSTRAINT s_code_key UNIQUE (code) USING INDEX "
		      "TABLESPACE fast;");
	assert_true(at(s.v[0].up, "ADD CONSTRAINT u_code_key UNIQUE (code);") <
		    at(s.v[0].up, "ADD CONSTRAINT v_u_code_fkey FOREIGN KEY (u_code) REFERENCES "
				  "public.u(code) NOT VALID;"));
	at(s.notes[0], "public.events.events_at_idx");
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* UNIQUE NULLS NOT DISTINCT with INCLUDE and DEFERRABLE: each clause goes
 * where CREATE UNIQUE INDEX and ADD CONSTRAINT ... USING INDEX want it. */
static void test_steps__unique_clauses_are_placed_for_create_index(void **state)
{
	sc_catalog *a = cat(), *b = cat();
	sc_object *t;
	sc_steps s;

	column(a, table(a, "t"), "a", "text");
	t = table(b, "t");
	column(b, t, "a", "text");
	constraint(b, "t", "t_a_key", 'u', "UNIQUE NULLS NOT DISTINCT (a) INCLUDE (b) WITH "
					   "(fillfactor='70') DEFERRABLE INITIALLY DEFERRED");
	plan(&s, a, b);
	assert_int_equal(s.n, 1);
	at(s.v[0].up, "CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON public.t (a) INCLUDE (b) NULLS "
		      "NOT DISTINCT WITH (fillfactor='70');\n");
	at(s.v[0].up, "ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_key DEFERRABLE INITIALLY "
		      "DEFERRED;\n");
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* The check's name fits in 63 bytes, cut at a character, and is unique. */
static void test_steps__not_null_check_names_fit_and_do_not_clash(void **state)
{
	static const char long_name[] = "a_table_name_that_is_long_enough_to_need_"
					"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	sc_catalog *a = cat(), *b = cat();
	sc_steps s;
	const char *p, *end;

	column(a, table(a, long_name), "c", "text");
	column(b, table(b, long_name), "c", "text")->not_null = 1;
	column(a, table(a, "t"), "c", "text");
	column(b, table(b, "t"), "c", "text")->not_null = 1;
	constraint(a, "t", "t_c_not_null_check", 'c', "CHECK (c <> '')");
	constraint(b, "t", "t_c_not_null_check", 'c', "CHECK (c <> '')");
	plan(&s, a, b);
	assert_int_equal(s.n, 2);
	at(s.v[0].up, "ADD CONSTRAINT t_c_not_null_check1 CHECK (c IS NOT NULL) NOT VALID;");
	p = strstr(s.v[0].up, "ADD CONSTRAINT \"a_table");
	assert_non_null(p);
	p += strlen("ADD CONSTRAINT \"");
	end = strchr(p, '"');
	assert_true(end - p <= 63);
	end -= strlen("_c_not_null_check");
	assert_int_equal(strncmp(end, "_c_not_null_check", strlen("_c_not_null_check")), 0);
	/* the table's part ends with a whole character: not on a lead byte */
	assert_int_not_equal((unsigned char)end[-1], 0xc3);
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* SQLite: one step; the rebuild relies on the runner's foreign keys being
 * off rather than a PRAGMA that does nothing in a transaction. */
static void test_steps__sqlite_rebuild_leaves_out_the_pragma(void **state)
{
	strata_db *from = mem_db(), *to = mem_db();
	sc_catalog *a, *b;
	sc_steps s;
	char *diff;

	run_script(from, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
			 "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT);");
	run_script(to, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
		       "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));");
	a = introspect(from);
	b = introspect(to);
	if (strata__sc_steps_plan(&s, a, b, NULL) != 0)
		fail_msg("plan: %s", strata_error_last()->message);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0].transactional);
	lacks(s.v[0].up, "PRAGMA foreign_keys =");
	lacks(s.v[0].down, "PRAGMA foreign_keys =");
	assert_true(at(s.v[0].up, "-- foreign keys are off here") <
		    at(s.v[0].up, "CREATE TABLE _strata_new_c"));
	at(s.v[0].up, "PRAGMA foreign_key_check(c);");
	/* strata diff keeps its script for the sqlite3 shell */
	diff = diff_sql(a, b);
	at(diff, "PRAGMA foreign_keys = OFF;");
	strata_free(diff);
	strata__sc_steps_release(&s);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
	strata__db_close(from);
	strata__db_close(to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps__existing_tables_get_the_safe_patterns),
		cmocka_unit_test(test_steps__a_diff_with_nothing_to_split_is_one_revision),
		cmocka_unit_test(test_steps__an_index_alone_is_one_concurrent_revision),
		cmocka_unit_test(test_steps__what_cannot_be_done_safely_says_why),
		cmocka_unit_test(test_steps__unique_clauses_are_placed_for_create_index),
		cmocka_unit_test(test_steps__not_null_check_names_fit_and_do_not_clash),
		cmocka_unit_test(test_steps__sqlite_rebuild_leaves_out_the_pragma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
