/*
 * tests/unit/core/test_batch.c - batched data steps without a database:
 * the "-- +batch" section of a migration file (core/migfile.c: offsets,
 * layout rules, checksum, the <value> placeholder), the placeholder
 * scanner and rewriting and the statement's shape check (core/batch.c),
 * and the batch size tuner (util/batchsize.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/batch.h"
#include "strata/error.h"
#include "strata/migration.h"
#include "util/batchsize.h"
#include "util/buf.h"

#define P "m/3f9a1c2b7d10_x.sql"
#define HEAD "-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2\n"
#define STMT "UPDATE users SET plan = 'free' WHERE id > :last AND id <= :next AND plan IS NULL;"

static strata_migration *parse(const char *text, int *rc)
{
	strata_migration *m = NULL;

	*rc = strata_migration_parse(&m, P, text, strlen(text));
	return m;
}

static void section_is(const strata_migration *m, size_t off, size_t len, const char *want)
{
	assert_int_equal(len, strlen(want));
	assert_memory_equal(m->text + off, want, len);
}

static void test_batch__section_without_up_marker(void **state)
{
	int rc;
	strata_migration *m = parse(HEAD "\n-- +batch\n" STMT "\n-- +down\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_non_null(m);
	assert_int_equal(m->has_batch_marker, 1);
	section_is(m, m->batch_offset, m->batch_len, STMT "\n");
	assert_int_equal(m->up_len, 0);
	/* An empty down is fine after a batch section: nothing to revert. */
	assert_null(m->incomplete);
	assert_int_equal(strata_migration_check_complete(m), 0);
	strata_migration_free(m);
}

static void test_batch__section_after_empty_up(void **state)
{
	int rc;
	strata_migration *m = parse(HEAD "-- +up\n-- a comment\n-- +batch\n" STMT "\n-- +down\nSELECT 1;\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	section_is(m, m->up_offset, m->up_len, "-- a comment\n");
	section_is(m, m->batch_offset, m->batch_len, STMT "\n");
	section_is(m, m->down_offset, m->down_len, "SELECT 1;\n");
	strata_migration_free(m);
}

static void test_batch__several_sections_make_one(void **state)
{
	int rc;
	strata_migration *m = parse(HEAD "-- +batch\n" STMT "\n-- +batch\n" STMT "\n-- +down\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	/* from the first marker to "-- +down"; the second marker is a comment in it */
	section_is(m, m->batch_offset, m->batch_len, STMT "\n-- +batch\n" STMT "\n");
	strata_migration_free(m);
}

static void expect_error(const char *text, const char *message, const char *hint_part)
{
	int rc;
	strata_migration *m = parse(text, &rc);

	assert_null(m);
	assert_int_equal(rc, STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, message);
	assert_non_null(strstr(strata_error_last()->hint, hint_part));
}

static void test_batch__layout_errors(void **state)
{
	(void)state;
	expect_error(HEAD "-- +up\nSELECT 1;\n-- +batch\n" STMT "\n-- +down\n",
		     P ":5: the revision has both up SQL and a '-- +batch' section",
		     "move the up SQL into a revision before this one");
	expect_error(HEAD "-- +up\n-- +down\n-- +batch\n" STMT "\n",
		     P ":5: '-- +batch' after '-- +down' (line 4)", "before '-- +down'");
	expect_error(HEAD "-- +Batch\n" STMT "\n", P ":3: malformed section marker '-- +Batch'",
		     "'-- +batch'");
}

static void test_batch__empty_section_is_incomplete(void **state)
{
	int rc;
	strata_migration *m = parse(HEAD "-- +batch\n-- nothing yet\n-- +down\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(strata_migration_check_complete(m), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, P ":3: the batch section is empty");
	strata_migration_free(m);
}

static void test_batch__value_placeholder_is_incomplete(void **state)
{
	int rc;
	strata_migration *m = parse(HEAD "-- +batch\nUPDATE t SET c = <value> WHERE id > :last AND id <= :next;\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(strata_migration_check_complete(m), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message,
			    P ":4: the SQL still holds the placeholder <value>");
	strata_migration_free(m);
	/* In a string or a comment it is text, not the placeholder. */
	m = parse(HEAD "-- +batch\nUPDATE t SET c = '<value>' WHERE id > :last AND id <= :next; -- <value>\n", &rc);
	assert_int_equal(rc, 0);
	assert_null(m->incomplete);
	strata_migration_free(m);
}

static void test_batch__checksum_covers_the_batch(void **state)
{
	int rc;
	strata_migration *a = parse(HEAD "-- +batch\n" STMT "\n-- +down\n", &rc);
	strata_migration *b = parse(HEAD "-- +batch\n" "UPDATE users SET plan = 'paid' WHERE id > :last AND id <= :next;" "\n-- +down\n", &rc);
	strata_migration *c = parse("-- revision: 3f9a1c2b7d10\r\n-- revises: 8e21d0a4c6f2\r\n-- message: x\r\n-- +batch\r\n" STMT "\r\n-- +down\r\n", &rc);

	(void)state;
	assert_string_not_equal(a->checksum, b->checksum);
	assert_string_equal(a->checksum, c->checksum);
	strata_migration_free(a);
	strata_migration_free(b);
	strata_migration_free(c);
}

static void test_batch__scan_skips_quoting(void **state)
{
	static const char sql[] =
		"UPDATE t SET a = ':last', b = \":next\", c = $q$ :last $q$, d = x::text, "
		"e = E'\\' :next' /* :last /* nested */ :next */ WHERE id > :last -- :next\n"
		"AND id <= :NEXT AND :other";
	batch_scan sc;

	(void)state;
	strata__batch_scan_text(&sc, sql, strlen(sql));
	assert_int_equal(sc.nlast, 1);
	assert_int_equal(sc.nnext, 1);
	assert_int_equal(sc.has_value, 0);
	assert_string_equal(sc.other, ":other");
	assert_memory_equal(sql + sc.last_at, ":last", 5);
	assert_memory_equal(sql + sc.next_at, ":NEXT", 5);
	/* Glued to a word or a '$' before it, a :name is not a placeholder. */
	strata__batch_scan_text(&sc, "a$:next x:last", 14);
	assert_int_equal(sc.nlast + sc.nnext, 0);
}

static void test_batch__rewrite(void **state)
{
	static const char sql[] = "DELETE FROM t WHERE id > :last AND id <= :next AND s <> ':last'";
	strata_buf out = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(strata__batch_rewrite(&out, sql, strlen(sql), "$1", "CAST($2 AS INTEGER)"), 0);
	assert_string_equal(strata__buf_cstr(&out),
			    "DELETE FROM t WHERE id > $1 AND id <= CAST($2 AS INTEGER) AND s <> ':last'");
	strata__buf_clear(&out);
	/* The width-keeping form lint and the split read: offsets stay the file's. */
	assert_int_equal(strata__batch_rewrite(&out, sql, strlen(sql), "   $1", "   $2"), 0);
	assert_int_equal(out.len, strlen(sql));
	strata__buf_release(&out);
}

static void shape_ok(const char *sql, int is_delete, const char *table, const char *name,
		     const char *key)
{
	batch_stmt st;
	size_t at;

	if (strata__batch_stmt_parse(&st, &at, sql, strlen(sql)) != 0)
		fail_msg("%s: %s", sql, strata_error_last()->message);
	assert_int_equal(st.is_delete, is_delete);
	assert_string_equal(st.table, table);
	assert_string_equal(st.table_name, name);
	assert_string_equal(st.key, key);
	strata__batch_stmt_release(&st);
}

static void shape_bad(const char *sql, const char *message, size_t want_at)
{
	batch_stmt st;
	size_t at;

	assert_int_equal(strata__batch_stmt_parse(&st, &at, sql, strlen(sql)), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, message);
	assert_int_equal(at, want_at);
	assert_null(st.table);
}

static void test_batch__statement_shape(void **state)
{
	(void)state;
	shape_ok(STMT, 0, "users", "users", "id");
	shape_ok("update OR IGNORE ONLY app.\"Users\" u SET x = 1 WHERE u.ID > :last AND u.id <= :next",
		 0, "app.\"Users\"", "Users", "id");
	shape_ok("DELETE FROM t WHERE \"Key\" > :last AND \"Key\" <= :next", 1, "t", "t", "Key");
	shape_bad("INSERT INTO t VALUES (1)",
		  "a '-- +batch' section holds one UPDATE or DELETE, not 'INSERT'", 0);
	shape_bad("WITH x AS (SELECT 1) UPDATE t SET a = 1",
		  "a '-- +batch' section holds one UPDATE or DELETE, not 'WITH'", 0);
	shape_bad("DELETE t WHERE id > :last", "expected FROM after DELETE", 7);
	shape_bad("UPDATE t SET a = 1 WHERE id > :last", "the statement has no ':next' placeholder", 35);
	shape_bad("UPDATE t SET a = 1 WHERE id >= :last AND id <= :next", "':last' must follow 'KEY >'", 31);
	shape_bad("UPDATE t SET a = 1 WHERE id > :last AND k <= :next",
		  "':last' and ':next' compare different columns (id and k)", 45);
	shape_bad("UPDATE t SET a = :x WHERE id > :last AND id <= :next",
		  "unknown placeholder ':x' (a batched statement has :last and :next)", 17);
	shape_bad("UPDATE t SET a = 1 WHERE id > :last AND id <= :next AND id > :last",
		  "':last' appears more than once", 61);
	shape_bad("UPDATE t SET a = 1 WHERE id > :last AND id <= :next RETURNING id",
		  "RETURNING is not allowed in a batched statement", 52);
}

static void test_batch__tuner(void **state)
{
	batch_tuner t;
	int i;

	(void)state;
	strata__batch_tuner_init(&t, 500, 100);
	strata__batch_tuner_observe(&t, 500, 1000);
	assert_int_equal(t.size, 500); /* a fixed size stays */
	strata__batch_tuner_init(&t, 0, 0);
	strata__batch_tuner_observe(&t, 1000, 1);
	assert_int_equal(t.size, BATCH_SIZE_START); /* batch_target = 0: fixed too */
	strata__batch_tuner_init(&t, 0, 100);
	assert_int_equal(t.size, BATCH_SIZE_START);
	/* 0.01 ms a row: 10,000 rows make 100 ms; growth at most 4x a batch. */
	strata__batch_tuner_observe(&t, t.size, t.size * 0.01);
	assert_int_equal(t.size, 4000);
	for (i = 0; i < 10; i++)
		strata__batch_tuner_observe(&t, t.size, t.size * 0.01);
	assert_in_range(t.size, 9900, 10100);
	/* A batch that waited on locks: smaller at once, at most 4x. */
	strata__batch_tuner_observe(&t, t.size, 5000);
	assert_in_range(t.size, 2400, 2600);
	strata__batch_tuner_observe(&t, 10, 1e6);
	assert_true(t.size >= BATCH_SIZE_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch__section_without_up_marker),
		cmocka_unit_test(test_batch__section_after_empty_up),
		cmocka_unit_test(test_batch__layout_errors),
		cmocka_unit_test(test_batch__several_sections_make_one),
		cmocka_unit_test(test_batch__empty_section_is_incomplete),
		cmocka_unit_test(test_batch__value_placeholder_is_incomplete),
		cmocka_unit_test(test_batch__checksum_covers_the_batch),
		cmocka_unit_test(test_batch__scan_skips_quoting),
		cmocka_unit_test(test_batch__rewrite),
		cmocka_unit_test(test_batch__statement_shape),
		cmocka_unit_test(test_batch__tuner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
