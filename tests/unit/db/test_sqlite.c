/*
 * tests/unit/db/test_sqlite.c - the SQLite driver against real database files.
 *
 * Every case works in one mkdtemp directory (removed at the end): the
 * connection-string forms, bound parameters stored verbatim, errors with
 * their extended codes, transactions that really roll back, BEGIN
 * IMMEDIATE against a second writer, the statement timeout, identifier
 * quoting and refused symlinks. No fakes: SQLite is the engine under test.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

static char tmpdir[] = "/tmp/strata-test-sqlite-XXXXXX";

static int setup_dir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int remove_dir(void **state)
{
	return nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *in_tmp(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static strata_db *open_ok(const char *conninfo)
{
	db_open_options opts = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;
	int rc;

	opts.project_root = tmpdir;
	rc = strata__db_open(&db, conninfo, &opts);
	if (rc != 0)
		fail_msg("db_open(%s): %s", conninfo, strata_error_last()->message);
	return db;
}

/* Row callback: the first column of the last row, "<null>" for SQL NULL. */
static int keep_value(void *payload, int ncols, const char *const *values)
{
	strata_buf *b = payload;

	strata__buf_clear(b);
	strata__buf_puts(b, values[0] ? values[0] : "<null>");
	return 0;
}

static void assert_value(strata_db *db, const char *sql, const char *expect)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__db_query(db, sql, 0, NULL, keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), expect);
	strata__buf_release(&b);
}

static void test_sqlite__open_forms(void **state)
{
	strata_db *db;
	char expect[600];

	db = open_ok("sqlite:rel.db");
	snprintf(expect, sizeof(expect), "sqlite:%s", in_tmp("rel.db"));
	assert_string_equal(strata__db_display_name(db), expect);
	assert_int_equal(strata__db_engine_kind(db), DB_SQLITE);
	strata__db_close(db);
	assert_int_equal(access(in_tmp("rel.db"), F_OK), 0);

	db = open_ok(in_tmp("abs.sqlite3"));
	assert_int_equal(access(in_tmp("abs.sqlite3"), F_OK), 0);
	strata__db_close(db);

	db = open_ok("plain.sqlite");
	assert_int_equal(access(in_tmp("plain.sqlite"), F_OK), 0);
	strata__db_close(db);

	db = open_ok("sqlite::memory:");
	assert_string_equal(strata__db_display_name(db), "sqlite::memory:");
	assert_value(db, "SELECT 40 + 2", "42");
	strata__db_close(db);

	assert_int_equal(strata__db_engine_of("sqlite:x"), DB_SQLITE);
	assert_int_equal(strata__db_engine_of("app.db"), DB_SQLITE);
	assert_int_equal(strata__db_engine_of("postgres://u@h/d"), DB_POSTGRES);
	assert_int_equal(strata__db_engine_of("postgresql://h/d"), DB_POSTGRES);
	assert_int_equal(strata__db_engine_of("host=h dbname=app.db"), DB_POSTGRES);
	assert_int_equal(strata__db_engine_of("app.txt"), 0);
	assert_int_equal(strata__db_engine_of(NULL), 0);
}

static void test_sqlite__open_bad_forms(void **state)
{
	const char *bad[] = { "mysql://root:hunter2@localhost/db", "notes.txt", "", "sqlite:" };
	strata_db *db = (strata_db *)1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(strata__db_open(&db, bad[i], NULL), STRATA_EINVALID);
		assert_null(db);
		assert_true(strata_error_last()->hint[0] != '\0');
		assert_null(strstr(strata_error_last()->message, "hunter2"));
	}
	assert_int_equal(strata__db_open(&db, "mysql://x", NULL), STRATA_EINVALID);
	assert_non_null(strstr(strata_error_last()->hint, "sqlite:PATH"));
	assert_non_null(strstr(strata_error_last()->hint, "postgres://"));
}

static void test_sqlite__open_refuses_symlink_and_junk(void **state)
{
	strata_db *db = NULL;
	FILE *f;

	strata__db_close(open_ok("target.db"));
	assert_int_equal(symlink("target.db", in_tmp("link.db")), 0);
	assert_int_equal(strata__db_open(&db, in_tmp("link.db"), NULL), STRATA_EDB);
	assert_null(db);
	assert_non_null(strstr(strata_error_last()->message, "symbolic link"));

	f = fopen(in_tmp("junk.db"), "w");
	assert_non_null(f);
	fputs("this is not a database file, just some text that is long enough to matter...\n"
	      "this is not a database file, just some text that is long enough to matter...\n",
	      f);
	fclose(f);
	assert_int_equal(strata__db_open(&db, in_tmp("junk.db"), NULL), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "not a usable SQLite database"));
	assert_string_equal(strata_error_last()->sqlstate, "26");

	assert_int_equal(strata__db_open(&db, in_tmp("no/such/dir/x.db"), NULL), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "cannot open"));
	assert_true(strata_error_last()->hint[0] != '\0');
}

/* SQLite has no server-side preparing: strata__db_query_prepared runs the query. */
static void test_sqlite__query_prepared_runs_the_query(void **state)
{
	strata_db *db = open_ok("sqlite::memory:");
	const char *three[] = { "3" };
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(strata__db_query_prepared(db, "strata_t_double", "SELECT $1 * 2", 1, three,
						   keep_value, &b), 0);
		assert_string_equal(strata__buf_cstr(&b), "6");
	}
	assert_int_equal(strata__db_query_prepared(db, "mine", "SELECT 1", 0, NULL, keep_value, &b),
			 STRATA_EINVALID);
	strata__buf_release(&b);
	strata__db_close(db);
}

static void test_sqlite__params_stored_verbatim(void **state)
{
	strata_db *db = open_ok("sqlite:params.db");
	const char *tricky = "it's \"quoted\"; DROP TABLE t; --";
	const char *row1[] = { "1", tricky };
	const char *row2[] = { "2", NULL };
	const char *want[] = { tricky };
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__db_exec(db, "CREATE TABLE t (id integer, v text)", 0, NULL), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t VALUES ($1, $2)", 2, row1), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t (v, id) VALUES ($2, $1)", 2, row2), 0);
	assert_int_equal(strata__db_query(db, "SELECT v FROM t WHERE v = $1", 1, want, keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), tricky);
	assert_value(db, "SELECT v FROM t WHERE id = 2", "<null>");
	assert_value(db, "SELECT count(*) FROM t", "2");

	assert_int_equal(strata__db_exec(db, "SELECT $2", 1, row1), STRATA_EINVALID);
	assert_int_equal(strata__db_exec(db, "SELECT 1; SELECT 2", 0, NULL), STRATA_EINVALID);
	strata__buf_release(&b);
	strata__db_close(db);
}

static int stop_at_first(void *payload, int ncols, const char *const *values)
{
	(*(int *)payload)++;
	return 7;
}

static void test_sqlite__query_callback_stops(void **state)
{
	strata_db *db = open_ok("sqlite::memory:");
	int calls = 0;

	assert_int_equal(strata__db_query(db, "VALUES (1), (2), (3)", 0, NULL, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	strata__db_close(db);
}

static void test_sqlite__exec_stmt_error(void **state)
{
	strata_db *db = open_ok("sqlite:errors.db");
	const char *script = "CREATE TABLE u (a int UNIQUE);INSERT INTO u VALUES (1);garbage";
	const char *trigger = "CREATE TRIGGER tr AFTER INSERT ON u BEGIN "
			      "INSERT INTO u VALUES (NEW.a + 100); END";
	const strata_error *e;

	assert_int_equal(strata__db_exec_stmt(db, script, 29, NULL, 0), 0);
	assert_int_equal(strata__db_exec_stmt(db, script + 30, 24, NULL, 0), 0);
	assert_int_equal(strata__db_exec_stmt(db, script + 30, 24, NULL, 0), STRATA_EDB);
	e = strata_error_last();
	assert_non_null(strstr(e->message, "UNIQUE constraint failed: u.a"));
	assert_non_null(strstr(e->message, "SQLITE_CONSTRAINT_UNIQUE"));
	assert_string_equal(e->sqlstate, "2067");

	assert_int_equal(strata__db_exec_stmt(db, "SELEC 1", 7, NULL, 0), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "syntax error"));
	assert_string_equal(strata_error_last()->sqlstate, "1");

	/* a trigger body with ';' inside is one statement; rows are discarded */
	assert_int_equal(strata__db_exec_stmt(db, trigger, strlen(trigger), NULL, 0), 0);
	assert_int_equal(strata__db_exec_stmt(db, "SELECT * FROM u", 15, NULL, 0), 0);
	assert_int_equal(strata__db_exec_stmt(db, "COPY x FROM STDIN", 17, "1\n", 2), STRATA_EINVALID);
	strata__db_close(db);
}

static void test_sqlite__rollback_rolls_back(void **state)
{
	strata_db *db = open_ok("sqlite:tx.db");

	assert_int_equal(strata__db_exec(db, "CREATE TABLE t (a int)", 0, NULL), 0);
	assert_int_equal(strata__db_begin(db), 0);
	assert_true(db->in_transaction);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t VALUES (1)", 0, NULL), 0);
	assert_int_equal(strata__db_exec(db, "CREATE TABLE t2 (b int)", 0, NULL), 0);
	assert_int_equal(strata__db_rollback(db), 0);
	assert_false(db->in_transaction);
	assert_value(db, "SELECT count(*) FROM t", "0");
	assert_value(db, "SELECT count(*) FROM sqlite_master WHERE name = 't2'", "0");

	assert_int_equal(strata__db_begin(db), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t VALUES (2)", 0, NULL), 0);
	assert_int_equal(strata__db_commit(db), 0);
	assert_false(db->in_transaction);
	assert_value(db, "SELECT count(*) FROM t", "1");
	/* rollback with nothing open is not an error */
	assert_int_equal(strata__db_rollback(db), 0);
	strata__db_close(db);
}

/* The failure that made the rollback needed is the error left, not one of
 * the ROLLBACK's; the transaction's writes are gone. */
static void test_sqlite__rollback_keep_error(void **state)
{
	strata_db *db = open_ok("sqlite:keep.db");

	assert_int_equal(strata__db_exec(db, "CREATE TABLE t (a int PRIMARY KEY)", 0, NULL), 0);
	assert_int_equal(strata__db_begin(db), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t VALUES (1)", 0, NULL), 0);
	assert_int_not_equal(strata__db_exec(db, "INSERT INTO t VALUES (1)", 0, NULL), 0);
	assert_non_null(strstr(strata_error_last()->message, "UNIQUE"));
	strata__db_rollback_keep_error(db);
	assert_false(db->in_transaction);
	assert_non_null(strstr(strata_error_last()->message, "UNIQUE"));
	assert_value(db, "SELECT count(*) FROM t", "0");

	/* Nothing open, or no connection: nothing happens, the error stays. */
	strata_error_set(STRATA_EDB, "the caller's failure");
	strata__db_rollback_keep_error(db);
	strata__db_rollback_keep_error(NULL);
	assert_string_equal(strata_error_last()->message, "the caller's failure");
	strata_error_clear();
	strata__db_close(db);
}

static void test_sqlite__second_writer_is_locked_out(void **state)
{
	strata_db *a = open_ok("sqlite:locked.db");
	strata_db *b = open_ok("sqlite:locked.db");
	double start;

	assert_int_equal(strata__db_exec(a, "CREATE TABLE t (x int)", 0, NULL), 0);
	assert_int_equal(strata__db_lock(a, "strata", 100), 0);
	/* the run lock: held by a until a lets go, across transactions */
	start = strata__now_ms();
	assert_int_equal(strata__db_lock(b, "strata", 150), STRATA_ELOCKED);
	assert_true(strata__now_ms() - start >= 140);
	assert_non_null(strstr(strata_error_last()->message, "cannot get the migration lock"));
	assert_non_null(strstr(strata_error_last()->message, "held by pid"));
	assert_non_null(strstr(strata_error_last()->hint, "--lock-wait"));
	assert_int_equal(strata__db_unlock(a, "strata"), 0);
	assert_int_equal(strata__db_lock(b, "strata", 150), 0);
	/* SQLite's write lock: BEGIN IMMEDIATE against another writer */
	assert_int_equal(strata__db_begin(a), 0);
	start = strata__now_ms();
	assert_int_equal(strata__db_begin(b), STRATA_ELOCKED);
	assert_true(strata__now_ms() - start >= 140);
	assert_false(b->in_transaction);
	assert_non_null(strstr(strata_error_last()->message, "locked by another writer"));
	assert_non_null(strstr(strata_error_last()->hint, "--lock-wait"));
	assert_string_equal(strata_error_last()->sqlstate, "5");
	assert_int_equal(strata__db_commit(a), 0);
	assert_int_equal(strata__db_begin(b), 0);
	assert_int_equal(strata__db_commit(b), 0);
	assert_int_equal(strata__db_unlock(a, "strata"), 0);
	strata__db_close(a);
	strata__db_close(b);
}

/* lock_held: true exactly while some connection holds the run lock. */
static void test_sqlite__run_lock_held_while_taken(void **state)
{
	strata_db *a = open_ok("sqlite:held.db");
	strata_db *b = open_ok("sqlite:held.db");
	int held = -1;

	assert_int_equal(strata__db_lock_held(b, "strata", &held), 0);
	assert_int_equal(held, 0);
	assert_int_equal(strata__db_lock(a, "strata", 100), 0);
	assert_int_equal(strata__db_lock_held(b, "strata", &held), 0);
	assert_int_equal(held, 1);
	assert_int_equal(strata__db_unlock(a, "strata"), 0);
	assert_int_equal(strata__db_lock_held(b, "strata", &held), 0);
	assert_int_equal(held, 0);
	/* closing a connection lets go as well */
	assert_int_equal(strata__db_lock(a, "strata", 100), 0);
	strata__db_close(a);
	assert_int_equal(strata__db_lock_held(b, "strata", &held), 0);
	assert_int_equal(held, 0);
	strata__db_close(b);
}

static void test_sqlite__full_database(void **state)
{
	strata_db *db = open_ok("sqlite:full.db");

	assert_int_equal(strata__db_exec(db, "CREATE TABLE t (b blob)", 0, NULL), 0);
	assert_int_equal(strata__db_exec(db, "PRAGMA max_page_count = 8", 0, NULL), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO t VALUES (randomblob(100000))", 0, NULL),
			 STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "is full"));
	assert_non_null(strstr(strata_error_last()->message, "full.db"));
	assert_true(strata_error_last()->hint[0] != '\0');
	assert_string_equal(strata_error_last()->sqlstate, "13");
	strata__db_close(db);
}

static void test_sqlite__statement_timeout(void **state)
{
	strata_db *db = open_ok("sqlite::memory:");
	const char *forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
			      "SELECT count(*) FROM c";
	double start;

	assert_int_equal(strata__db_set_timeouts(db, 1000, 100), 0);
	start = strata__now_ms();
	assert_int_equal(strata__db_exec_stmt(db, forever, strlen(forever), NULL, 0), STRATA_EDB);
	assert_true(strata__now_ms() - start < 3000);
	assert_string_equal(strata_error_last()->message, "statement timeout (100ms) reached");
	assert_string_equal(strata_error_last()->sqlstate, "9");
	/* the connection is fine afterwards, and 0 lifts the limit */
	assert_int_equal(strata__db_set_timeouts(db, 0, 0), 0);
	assert_value(db, "SELECT 1", "1");
	strata__db_close(db);
}

static void test_sqlite__facts(void **state)
{
	strata_db *db = open_ok("sqlite::memory:");
	char *user = NULL;

	assert_int_equal(strata__db_current_user(db, &user), 0);
	assert_non_null(user);
	assert_true(user[0] != '\0');
	strata_free(user);
	assert_int_equal(strata__db_server_version(db), sqlite3_libversion_number());
	strata__db_close(db);
}

static void test_sqlite__quote_qualified(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__db_quote_qualified(&b, "ops.strata_version"), 0);
	assert_string_equal(strata__buf_cstr(&b), "\"ops\".\"strata_version\"");
	strata__buf_clear(&b);
	assert_int_equal(strata__db_quote_qualified(&b, "we\"ird"), 0);
	assert_string_equal(strata__buf_cstr(&b), "\"we\"\"ird\"");
	strata__buf_clear(&b);
	strata__buf_puts(&b, "x ");
	assert_int_equal(strata__db_quote_qualified(&b, "a..b"), STRATA_EINVALID);
	assert_string_equal(strata__buf_cstr(&b), "x ");
	assert_int_equal(strata__db_quote_qualified(&b, ""), STRATA_EINVALID);
	strata__buf_release(&b);

	/* the quoting works in SQLite itself */
	{
		strata_db *db = open_ok("sqlite::memory:");
		strata_buf sql = STRATA_BUF_INIT;

		strata__buf_puts(&sql, "CREATE TABLE ");
		assert_int_equal(strata__db_quote_qualified(&sql, "main.we\"ird"), 0);
		strata__buf_puts(&sql, " (a int)");
		assert_int_equal(strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL), 0);
		assert_value(db, "SELECT name FROM sqlite_master", "we\"ird");
		strata__buf_release(&sql);
		strata__db_close(db);
	}
}

static void test_sqlite__null_connection(void **state)
{
	char *user = NULL;

	assert_int_equal(strata__db_exec(NULL, "SELECT 1", 0, NULL), STRATA_EINVALID);
	assert_int_equal(strata__db_begin(NULL), STRATA_EINVALID);
	assert_int_equal(strata__db_current_user(NULL, &user), STRATA_EINVALID);
	assert_string_equal(strata__db_display_name(NULL), "");
	strata__db_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite__open_forms),
		cmocka_unit_test(test_sqlite__open_bad_forms),
		cmocka_unit_test(test_sqlite__open_refuses_symlink_and_junk),
		cmocka_unit_test(test_sqlite__params_stored_verbatim),
		cmocka_unit_test(test_sqlite__query_prepared_runs_the_query),
		cmocka_unit_test(test_sqlite__query_callback_stops),
		cmocka_unit_test(test_sqlite__exec_stmt_error),
		cmocka_unit_test(test_sqlite__rollback_rolls_back),
		cmocka_unit_test(test_sqlite__rollback_keep_error),
		cmocka_unit_test(test_sqlite__second_writer_is_locked_out),
		cmocka_unit_test(test_sqlite__run_lock_held_while_taken),
		cmocka_unit_test(test_sqlite__full_database),
		cmocka_unit_test(test_sqlite__statement_timeout),
		cmocka_unit_test(test_sqlite__facts),
		cmocka_unit_test(test_sqlite__quote_qualified),
		cmocka_unit_test(test_sqlite__null_connection),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
