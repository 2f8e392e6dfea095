/*
 * tests/unit/schema/test_describe.c - schema changes in words and their
 * classes (schema/describe.c): column type changes read as widening,
 * narrowing or another type; SQLite schema pairs loaded into real
 * in-memory databases, introspected and described; PostgreSQL catalog
 * pairs built by hand for what SQLite does not have (comments, grants,
 * enums, constraints added in place).
 *
 * Notes are compared as "class op: words" lines, in order.
 */
#include "sqlite_fixture.h"
#include "catalog_fixture.h"
#include "schema/describe.h"

/* ---- type changes -------------------------------------------------------------- */

static void test_describe__type_changes(void **state)
{
	static const struct {
		const char *from, *to;
		sc_type_change want;
	} cases[] = {
		{ "integer", "bigint", SC_TYPE_WIDENED },
		{ "smallint", "integer", SC_TYPE_WIDENED },
		{ "INT", "BIGINT", SC_TYPE_WIDENED },
		{ "bigint", "integer", SC_TYPE_NARROWED },
		{ "integer", "smallint", SC_TYPE_NARROWED },
		{ "INT", "INTEGER", SC_TYPE_SAME },
		{ "character varying(10)", "character varying(20)", SC_TYPE_WIDENED },
		{ "character varying(10)", "text", SC_TYPE_WIDENED },
		{ "varchar(10)", "VARCHAR(255)", SC_TYPE_WIDENED },
		{ "text", "character varying(10)", SC_TYPE_NARROWED },
		{ "TEXT", "VARCHAR(10)", SC_TYPE_NARROWED },
		{ "character varying(20)", "character varying(10)", SC_TYPE_NARROWED },
		{ "character(5)", "text", SC_TYPE_WIDENED },
		{ "text", "character(5)", SC_TYPE_NARROWED },
		{ "numeric(10,2)", "numeric(12,2)", SC_TYPE_WIDENED },
		{ "numeric(10,2)", "numeric(12,4)", SC_TYPE_WIDENED },
		{ "numeric(10,2)", "numeric(10,4)", SC_TYPE_NARROWED },
		{ "numeric(10,2)", "numeric", SC_TYPE_WIDENED },
		{ "numeric", "numeric(10,2)", SC_TYPE_NARROWED },
		{ "integer", "numeric", SC_TYPE_WIDENED },
		{ "integer", "numeric(12,2)", SC_TYPE_WIDENED },
		{ "bigint", "numeric(12,2)", SC_TYPE_NARROWED },
		{ "real", "double precision", SC_TYPE_WIDENED },
		{ "double precision", "real", SC_TYPE_NARROWED },
		{ "integer", "double precision", SC_TYPE_WIDENED },
		{ "bigint", "real", SC_TYPE_NARROWED },
		{ "numeric", "integer", SC_TYPE_NARROWED },
		{ "integer[]", "bigint[]", SC_TYPE_WIDENED },
		{ "integer[]", "integer", SC_TYPE_OTHER },
		{ "integer", "text", SC_TYPE_OTHER },
		{ "timestamp without time zone", "timestamp with time zone", SC_TYPE_OTHER },
		{ "timestamp(3) without time zone", "timestamp(6) without time zone", SC_TYPE_OTHER },
		{ "uuid", "uuid", SC_TYPE_SAME },
		{ "public.mood", "public.feeling", SC_TYPE_OTHER },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		sc_type_change got = strata__sc_type_compare(cases[i].from, cases[i].to);

		if (got != cases[i].want)
			fail_msg("%s -> %s: got %d, want %d", cases[i].from, cases[i].to, got,
				 cases[i].want);
	}
}

/* ---- notes --------------------------------------------------------------------- */

/* The notes as "class op: words" lines (caller frees). */
static char *render(const sc_notes *n)
{
	strata_buf b = STRATA_BUF_INIT;

	for (size_t i = 0; i < n->n; i++)
		strata__buf_printf(&b, "%s %s: %s\n", strata__sc_class_name(n->v[i].cls), n->v[i].op, n->v[i].words);
	strata__buf_puts(&b, "");
	return strata__buf_detach(&b);
}

static void expect_notes(const sc_catalog *a, const sc_catalog *b, const char *want)
{
	sc_notes n = { 0 };
	char *got;

	if (strata__sc_describe(a, b, &n) != 0)
		fail_msg("describe: %s", strata_error_last()->message);
	got = render(&n);
	if (strcmp(got, want) != 0)
		fail_msg("notes differ\n--- want ---\n%s--- got ---\n%s", want, got);
	strata_free(got);
	strata__sc_notes_release(&n);
}

/* Schema a and schema b in SQLite: their notes. */
static void sqlite_case(const char *a, const char *b, const char *want)
{
	strata_db *da = mem_db(), *db = mem_db();
	sc_catalog *ca, *cb;

	run_script(da, a);
	run_script(db, b);
	ca = introspect(da);
	cb = introspect(db);
	expect_notes(ca, cb, want);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(da);
	strata__db_close(db);
}

static void test_describe__sqlite_additions_are_compatible(void **state)
{
	(void)state;
	sqlite_case("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age INT);",
		    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age BIGINT, note TEXT,"
		    " status TEXT NOT NULL DEFAULT 'pending');"
		    "CREATE INDEX ix_users_email ON users (email);"
		    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INT);"
		    "CREATE VIEW v AS SELECT id FROM users;",
		    "compatible added: table `orders` added (columns `id`, `user_id`)\n"
		    "compatible changed: column `users.age`: type widened from `INT` to `BIGINT`\n"
		    "compatible added: table `users`: added column `note TEXT`\n"
		    "compatible added: table `users`: added column `status TEXT NOT NULL DEFAULT 'pending'`\n"
		    "compatible added: view `v` added\n"
		    "compatible added: index `ix_users_email` on `users` added\n");
}

static void test_describe__sqlite_breaking_changes(void **state)
{
	(void)state;
	sqlite_case("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, code TEXT, n BIGINT, bio TEXT);"
		    "CREATE INDEX ix_users_code ON users (code);"
		    "CREATE TABLE legacy (a INT);"
		    "CREATE TABLE old_log (id INT, msg TEXT);",
		    "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT, code VARCHAR(10) UNIQUE,"
		    " n INT, must TEXT NOT NULL, CHECK (n > 0));"
		    "CREATE UNIQUE INDEX ix_users_code ON users (code);"
		    "CREATE TABLE event_log (id INT, msg TEXT);",
		    "breaking dropped: table `legacy` dropped\n"
		    "breaking renamed: table `old_log` renamed to `event_log`\n"
		    "breaking renamed: column `users.name` renamed to `full_name`\n"
		    "breaking dropped: column `users.bio` dropped\n"
		    "breaking changed: column `users.code`: type narrowed from `TEXT` to `VARCHAR(10)`\n"
		    "breaking changed: column `users.n`: type narrowed from `BIGINT` to `INT`\n"
		    "breaking added: table `users`: added column `must TEXT NOT NULL` (NOT NULL without a"
		    " default: inserts that leave it out fail)\n"
		    "breaking changed: index `ix_users_code` on `users` became unique\n"
		    "breaking added: table `users`: added check constraint `users_check` `CHECK (n > 0)`\n"
		    "breaking added: table `users`: added unique constraint `users_code_key` `UNIQUE (code)`\n");
}

static void test_describe__sqlite_loosening_and_internal(void **state)
{
	(void)state;
	sqlite_case("CREATE TABLE p (id INTEGER PRIMARY KEY);"
		    "CREATE TABLE t (a INT NOT NULL, b TEXT NOT NULL, c TEXT CHECK (c <> ''),"
		    " d INT REFERENCES p (id), e INT DEFAULT 1);"
		    "CREATE INDEX t_c ON t (c); CREATE UNIQUE INDEX t_b ON t (b);",
		    "CREATE TABLE p (id INTEGER PRIMARY KEY);"
		    "CREATE TABLE t (a INT NOT NULL DEFAULT 0, b TEXT, c TEXT, d INT, e INT DEFAULT 2);"
		    "CREATE TRIGGER t_touch AFTER INSERT ON t BEGIN SELECT 1; END;",
		    "compatible changed: column `t.a`: default set to `0`\n"
		    "compatible changed: column `t.b` became nullable\n"
		    "compatible changed: column `t.e`: default changed from `1` to `2`\n"
		    "internal added: trigger `t_touch` on `t` added\n"
		    "breaking dropped: index `t_b` on `t` dropped\n"
		    "internal dropped: index `t_c` on `t` dropped\n"
		    "compatible dropped: check constraint `t_check` on `t` dropped\n"
		    "compatible dropped: foreign key `t_d_fkey` on `t` dropped\n");
}

/* A column dropped and one added at the end, even of the same type, is no rename. */
static void test_describe__sqlite_drop_and_add_is_no_rename(void **state)
{
	(void)state;
	sqlite_case("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);",
		    "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, c TEXT);",
		    "breaking dropped: column `t.a` dropped\n"
		    "compatible added: table `t`: added column `c TEXT`\n");
	sqlite_case("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
		    "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, c INT);",
		    "breaking dropped: column `t.a` dropped\n"
		    "compatible added: table `t`: added column `b TEXT`\n"
		    "compatible added: table `t`: added column `c INT`\n");
	/* Two tables of one shape appear: which one the old became is not known. */
	sqlite_case("CREATE TABLE a (x INT);", "CREATE TABLE b (x INT); CREATE TABLE c (x INT);",
		    "breaking dropped: table `a` dropped\n"
		    "compatible added: table `b` added (columns `x`)\n"
		    "compatible added: table `c` added (columns `x`)\n");
}

/* What is only rebuilt around a change says nothing; no change, no notes. */
static void test_describe__sqlite_rebuild_is_not_a_change(void **state)
{
	static const char schema[] = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b TEXT);"
				     "CREATE INDEX t_b ON t (b);"
				     "CREATE VIEW v AS SELECT a, b FROM t;";

	(void)state;
	sqlite_case(schema, schema, "");
	sqlite_case(schema,
		    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT NOT NULL, b TEXT);"
		    "CREATE INDEX t_b ON t (b);"
		    "CREATE VIEW v AS SELECT a, b FROM t;",
		    "breaking changed: column `t.a` became NOT NULL\n");
}

/* ---- PostgreSQL catalogs built by hand ------------------------------------------- */

/* users (id integer, name text) with an index on name, as both sides start. */
static sc_catalog *pg_base(sc_object **users)
{
	sc_catalog *c = cat();

	*users = table(c, "users");
	column(c, *users, "id", "integer")->not_null = 1;
	column(c, *users, "name", "text");
	owned(c, SC_INDEX, "users", "ix_users_name",
	      "CREATE INDEX ix_users_name ON public.users USING btree (name)");
	return c;
}

static void test_describe__pg_in_place_changes(void **state)
{
	sc_object *ua, *ub, *mood_a, *mood_b, *ix;
	sc_catalog *a = pg_base(&ua), *b = pg_base(&ub);
	sc_column *col;

	(void)state;
	assert_int_equal(strata__sc_strv_add(a, &ua->grants, &ua->ngrants, "SELECT TO app"), 0);
	assert_int_equal(strata__sc_strv_add(b, &ub->grants, &ub->ngrants, "INSERT TO app"), 0);
	ub->comment = strata__sc_strdup(b, "people");
	ub->cols[1].comment = strata__sc_strdup(b, "display name");
	col = column(b, ub, "status", "text");
	col->not_null = 1;
	col->default_expr = strata__sc_strdup(b, "'pending'::text");
	/* the index became unique */
	for (size_t i = 0; i < b->n; i++)
		if (b->objs[i]->kind == SC_INDEX) {
			ix = b->objs[i];
			ix->def = strata__sc_strdup(b, "CREATE UNIQUE INDEX ix_users_name ON public.users "
						  "USING btree (name)");
			ix->unique = 1;
		}
	owned(b, SC_CONSTRAINT, "users", "users_name_check", "CHECK ((name <> ''::text))")->contype =
		'c';
	mood_a = owned(a, SC_ENUM, NULL, "mood", NULL);
	mood_b = owned(b, SC_ENUM, NULL, "mood", NULL);
	assert_int_equal(strata__sc_strv_add(a, &mood_a->labels, &mood_a->nlabels, "ok"), 0);
	assert_int_equal(strata__sc_strv_add(b, &mood_b->labels, &mood_b->nlabels, "ok"), 0);
	assert_int_equal(strata__sc_strv_add(b, &mood_b->labels, &mood_b->nlabels, "great"), 0);
	assert_int_equal(strata__sc_catalog_finish(a), 0);
	assert_int_equal(strata__sc_catalog_finish(b), 0);
	expect_notes(a, b,
		     "internal changed: column `users.name`: comment changed\n"
		     "compatible added: table `users`: added column `status text NOT NULL DEFAULT 'pending'`\n"
		     "internal changed: table `users`: comment changed\n"
		     "breaking changed: table `users`: revoked `SELECT TO app`\n"
		     "internal changed: table `users`: granted `INSERT TO app`\n"
		     "compatible changed: type `mood`: values added: `great`\n"
		     "breaking changed: index `ix_users_name` on `users` became unique\n"
		     "breaking added: table `users`: added check constraint `users_name_check` `CHECK ((name <> ''::text))`\n");
	/* and back: removing an enum value breaks, dropping a check does not */
	expect_notes(b, a,
		     "breaking dropped: column `users.status` dropped\n"
		     "internal changed: column `users.name`: comment changed\n"
		     "internal changed: table `users`: comment changed\n"
		     "breaking changed: table `users`: revoked `INSERT TO app`\n"
		     "internal changed: table `users`: granted `SELECT TO app`\n"
		     "breaking changed: type `mood`: values removed or reordered\n"
		     "breaking changed: index `ix_users_name` on `users` is no longer unique\n"
		     "compatible dropped: check constraint `users_name_check` on `users` dropped\n");
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* A new table brings its indexes and constraints; a dropped one takes them along. */
static void test_describe__pg_objects_go_with_their_table(void **state)
{
	sc_object *ua, *ub, *orders, *audit;
	sc_catalog *a = pg_base(&ua), *b = pg_base(&ub);

	(void)state;
	orders = table(b, "orders");
	column(b, orders, "id", "integer");
	owned(b, SC_INDEX, "orders", "ix_orders_id",
	      "CREATE INDEX ix_orders_id ON public.orders USING btree (id)");
	owned(b, SC_CONSTRAINT, "orders", "orders_pkey", "PRIMARY KEY (id)")->contype = 'p';
	audit = owned(b, SC_SCHEMA, NULL, "audit", NULL);
	audit->schema = NULL;
	assert_int_equal(strata__sc_catalog_finish(a), 0);
	assert_int_equal(strata__sc_catalog_finish(b), 0);
	expect_notes(a, b,
		     "compatible added: table `orders` added (columns `id`)\n"
		     "compatible added: schema `audit` added\n");
	expect_notes(b, a,
		     "breaking dropped: table `orders` dropped\n"
		     "breaking dropped: schema `audit` dropped\n");
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
}

/* Out of memory at any allocation: an error (never a partial success), nothing leaked. */
static void test_describe__allocation_failures(void **state)
{
	strata_db *da = mem_db(), *db = mem_db();
	sc_catalog *a, *b;
	long k;

	(void)state;
	run_script(da, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, code TEXT);"
		       "CREATE INDEX ix ON users (code); CREATE TABLE gone (a INT);");
	run_script(db, "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT, code VARCHAR(5),"
		       " n INT NOT NULL DEFAULT 0, CHECK (n >= 0)); CREATE UNIQUE INDEX ix ON users (code);"
		       "CREATE TABLE fresh (a INT);");
	a = introspect(da);
	b = introspect(db);
	for (k = 0; k < 1000; k++) {
		sc_notes n = { 0 };
		int rc;

		strata_alloc_fail_after(k);
		rc = strata__sc_describe(a, b, &n);
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			assert_int_equal(n.n, 6);
			strata__sc_notes_release(&n);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
		strata__sc_notes_release(&n);
	}
	assert_true(k > 0 && k < 1000);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
	strata__db_close(da);
	strata__db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe__type_changes),
		cmocka_unit_test(test_describe__sqlite_additions_are_compatible),
		cmocka_unit_test(test_describe__sqlite_breaking_changes),
		cmocka_unit_test(test_describe__sqlite_loosening_and_internal),
		cmocka_unit_test(test_describe__sqlite_drop_and_add_is_no_rename),
		cmocka_unit_test(test_describe__sqlite_rebuild_is_not_a_change),
		cmocka_unit_test(test_describe__pg_in_place_changes),
		cmocka_unit_test(test_describe__pg_objects_go_with_their_table),
		cmocka_unit_test(test_describe__allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
