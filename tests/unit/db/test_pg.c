/*
 * tests/unit/db/test_pg.c - the PostgreSQL driver against a real server.
 *
 * The server is the one named by STRATA_TEST_PG_URL (with
 * STRATA_TEST_PG_PORT and STRATA_TEST_PG_PASSWORD), as printed by
 * tests/pgserver.sh start DIR. Without it every case FAILS: PostgreSQL
 * tests never skip. Covered: both connection-string forms, passwords kept
 * out of errors, bound parameters, script statements (dollar quotes, COPY
 * FROM STDIN data), the advisory run lock naming its holder, lock_timeout
 * naming the blocking session, statement_timeout, transactions, notices
 * never printed, and a lost connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_fixture.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

static void assert_value(strata_db *db, const char *sql, const char *expect)
{
	char *v = value_of(db, sql);

	assert_string_equal(v, expect);
	strata_free(v);
}

static void assert_no_secret(const char *secret)
{
	const strata_error *e = strata_error_last();

	assert_null(strstr(e->message, secret));
	assert_null(strstr(e->hint, secret));
}

static void test_pg__connect_url(void **state)
{
	const char *password = env_or_fail("STRATA_TEST_PG_PASSWORD");
	strata_db *db = open_ok(pg_url());
	char *user = NULL;

	assert_int_equal(strata__db_engine_kind(db), DB_POSTGRES);
	assert_null(strstr(strata__db_display_name(db), password));
	assert_non_null(strstr(strata__db_display_name(db), "****"));
	assert_true(strata__db_server_version(db) >= 120000);
	assert_int_equal(strata__db_current_user(db, &user), 0);
	assert_string_equal(user, "strata_test");
	assert_value(db, "SELECT current_setting('application_name')", "strata");
	strata_free(user);
	strata__db_close(db);
}

/* A read-only session (used to read the state ahead) can read but never write. */
static void test_pg__read_only_session_refuses_writes(void **state)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;
	const char *sql = "CREATE TABLE read_only_probe (id integer)";

	oo.read_only = 1;
	if (strata__db_open(&db, pg_url(), &oo) != 0)
		fail_msg("db_open: %s", strata_error_last()->message);
	assert_value(db, "SELECT 1 + 1", "2");
	assert_int_equal(strata__db_exec_stmt(db, sql, strlen(sql), NULL, 0), STRATA_EDB);
	assert_string_equal(strata_error_last()->sqlstate, "25006");
	strata__db_close(db);
	(void)state;
}

static void test_pg__connect_keywords(void **state)
{
	const char *password = env_or_fail("STRATA_TEST_PG_PASSWORD");
	char conninfo[512];
	strata_db *db;

	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1 port=%s user=strata_test password='%s' dbname=postgres "
		 "application_name=kwtest", env_or_fail("STRATA_TEST_PG_PORT"), password);
	db = open_ok(conninfo);
	assert_null(strstr(strata__db_display_name(db), password));
	assert_value(db, "SELECT current_setting('application_name')", "kwtest");
	strata__db_close(db);
}

static void test_pg__wrong_password_not_shown(void **state)
{
	const char *port = env_or_fail("STRATA_TEST_PG_PORT");
	char conninfo[512];
	strata_db *db = NULL;

	snprintf(conninfo, sizeof(conninfo),
		 "postgres://strata_test:Wrong-Pw-7731@127.0.0.1:%s/postgres", port);
	assert_int_equal(strata__db_open(&db, conninfo, NULL), STRATA_EDB);
	assert_null(db);
	assert_non_null(strstr(strata_error_last()->message, "password authentication failed"));
	assert_string_equal(strata_error_last()->sqlstate, "28P01"); /* the server's, not 08001 */
	assert_non_null(strstr(strata_error_last()->hint, "PGPASSWORD"));
	assert_no_secret("Wrong-Pw-7731");

	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1 port=%s user=strata_test password=Wrong-Pw-7731 dbname=postgres",
		 port);
	assert_int_equal(strata__db_open(&db, conninfo, NULL), STRATA_EDB);
	assert_no_secret("Wrong-Pw-7731");

	/* a conninfo libpq cannot even parse: its message could quote the password */
	assert_int_equal(strata__db_open(&db, "postgres://strata_test:Bad%zzPw@127.0.0.1/postgres", NULL),
			 STRATA_EINVALID);
	assert_no_secret("Bad%zzPw");
	assert_no_secret("zzPw");
	assert_int_equal(strata__db_open(&db, "host=127.0.0.1 password=Bad-Pw-55 bogus", NULL),
			 STRATA_EINVALID);
	assert_no_secret("Bad-Pw-55");
}

static void test_pg__params(void **state)
{
	strata_db *db = open_ok(pg_url());
	const char *tricky = "it's \"quoted\"; DROP TABLE t; --";
	const char *row1[] = { "1", tricky };
	const char *row2[] = { "2", NULL };
	const char *want[] = { tricky };
	strata_buf b = STRATA_BUF_INIT;

	exec_ok(db, "DROP TABLE IF EXISTS strata_t_params");
	assert_int_equal(strata__db_exec(db, "CREATE TABLE strata_t_params (id int, v text)", 0, NULL), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO strata_t_params VALUES ($1, $2)", 2, row1), 0);
	assert_int_equal(strata__db_exec(db, "INSERT INTO strata_t_params VALUES ($1, $2)", 2, row2), 0);
	assert_int_equal(strata__db_query(db, "SELECT v FROM strata_t_params WHERE v = $1", 1, want,
				  keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), tricky);
	assert_value(db, "SELECT v FROM strata_t_params WHERE id = 2", "<null>");

	assert_int_equal(strata__db_exec(db, "SELEC 1", 0, NULL), STRATA_EDB);
	assert_string_equal(strata_error_last()->sqlstate, "42601");
	assert_non_null(strstr(strata_error_last()->message, "syntax error"));
	exec_ok(db, "DROP TABLE strata_t_params");
	strata__buf_release(&b);
	strata__db_close(db);
}

/* A prepared query: prepared once, run with new parameters, prepared again
 * when the session loses it, and kept apart from a same-named user one. */
static void test_pg__query_prepared(void **state)
{
	strata_db *db = open_ok(pg_url());
	const char *sql = "SELECT $1::int * 2";
	const char *three[] = { "3" }, *five[] = { "5" };
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(strata__db_query_prepared(db, "strata_t_double", sql, 1, three, keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), "6");
	assert_value(db, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'strata_t_double'",
		     "1");
	assert_int_equal(strata__db_query_prepared(db, "strata_t_double", sql, 1, five, keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), "10");
	/* Still one prepared statement: the second call only ran it. */
	assert_value(db, "SELECT count(*) FROM pg_prepared_statements", "1");

	exec_ok(db, "DEALLOCATE ALL");
	assert_int_equal(strata__db_query_prepared(db, "strata_t_double", sql, 1, three, keep_value, &b), 0);
	assert_string_equal(strata__buf_cstr(&b), "6");

	/* Only strata's own names, and the usual argument checks. */
	assert_int_equal(strata__db_query_prepared(db, "mine", sql, 1, three, keep_value, &b),
			 STRATA_EINVALID);
	assert_int_equal(strata__db_query_prepared(db, "strata_t_double", sql, 1, NULL, keep_value, &b),
			 STRATA_EINVALID);
	/* A statement that does not prepare: the error, and nothing remembered. */
	assert_int_equal(strata__db_query_prepared(db, "strata_t_bad", "SELEC 1", 0, NULL, keep_value, &b),
			 STRATA_EDB);
	assert_string_equal(strata_error_last()->sqlstate, "42601");
	assert_int_equal(strata__db_query_prepared(db, "strata_t_bad", "SELECT 7", 0, NULL, keep_value, &b),
			 0);
	assert_string_equal(strata__buf_cstr(&b), "7");
	strata__buf_release(&b);
	strata__db_close(db);
}

static void test_pg__exec_stmt_dollar_function(void **state)
{
	strata_db *db = open_ok(pg_url());
	const char *fn = "CREATE OR REPLACE FUNCTION strata_f(x int) RETURNS int LANGUAGE plpgsql "
			 "AS $body$\nDECLARE y int;\nBEGIN\n  y := x + 1; -- ;\n  RETURN y * 2;\n"
			 "END;\n$body$";

	exec_ok(db, fn);
	assert_value(db, "SELECT strata_f(20)", "42");
	exec_ok(db, "DO $$ BEGIN PERFORM strata_f(1); END $$");
	exec_ok(db, "DROP FUNCTION strata_f(int)");
	strata__db_close(db);
}

static void test_pg__exec_stmt_copy_from_stdin(void **state)
{
	const char *script = "DROP TABLE IF EXISTS strata_t_copy;\n"
			     "CREATE TABLE strata_t_copy (a int, b text);\n"
			     "COPY strata_t_copy (a, b) FROM STDIN;\n"
			     "1\tsemi;colon\n2\t\\N\n3\tit's\n"
			     "\\.\n"
			     "UPDATE strata_t_copy SET a = a * 10;\n";
	strata_db *db = open_ok(pg_url());
	db_stmt *v = NULL;
	size_t n = 0, i;

	assert_int_equal(strata__db_split(&v, &n, NULL, DB_POSTGRES, script, strlen(script)), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		const char *data = v[i].data_len ? script + v[i].data_offset : NULL;

		if (strata__db_exec_stmt(db, script + v[i].offset, v[i].len, data, v[i].data_len) != 0)
			fail_msg("statement %zu: %s", i, strata_error_last()->message);
	}
	assert_value(db, "SELECT sum(a) FROM strata_t_copy", "60");
	assert_value(db, "SELECT b FROM strata_t_copy WHERE a = 10", "semi;colon");
	assert_value(db, "SELECT count(*) FROM strata_t_copy WHERE b IS NULL", "1");

	/* COPY data that the server rejects is an error with its SQLSTATE */
	assert_int_equal(strata__db_exec_stmt(db, script + v[2].offset, v[2].len, "x\ty\n", 4), STRATA_EDB);
	assert_string_equal(strata_error_last()->sqlstate, "22P02");
	/* and COPY FROM STDIN without data fails cleanly, leaving the connection usable */
	assert_int_equal(strata__db_exec_stmt(db, script + v[2].offset, v[2].len, NULL, 0), STRATA_EDB);
	assert_value(db, "SELECT count(*) FROM strata_t_copy", "3");
	exec_ok(db, "DROP TABLE strata_t_copy");
	strata_free(v);
	strata__db_close(db);
}

static void test_pg__advisory_lock_names_holder(void **state)
{
	strata_db *a = open_ok(pg_url());
	strata_db *b = open_ok(pg_url());
	char *a_pid = value_of(a, "SELECT pg_backend_pid()");
	char needle[32];
	double start;

	assert_int_equal(strata__db_lock(a, "strata-test-lock", 0), 0);
	start = strata__now_ms();
	assert_int_equal(strata__db_lock(b, "strata-test-lock", 300), STRATA_ELOCKED);
	assert_true(strata__now_ms() - start >= 290);
	snprintf(needle, sizeof(needle), "pid %s ", a_pid);
	assert_non_null(strstr(strata_error_last()->message, needle));
	assert_non_null(strstr(strata_error_last()->message, "strata_test"));
	assert_non_null(strstr(strata_error_last()->message, "connected since"));
	assert_non_null(strstr(strata_error_last()->hint, "--lock-wait"));
	assert_non_null(strstr(strata_error_last()->hint, "pg_terminate_backend"));

	/* a single try (wait 0) fails at once */
	start = strata__now_ms();
	assert_int_equal(strata__db_lock(b, "strata-test-lock", 0), STRATA_ELOCKED);
	assert_true(strata__now_ms() - start < 250);
	/* another key is free */
	assert_int_equal(strata__db_lock(b, "strata-other-lock", 0), 0);
	assert_int_equal(strata__db_unlock(b, "strata-other-lock"), 0);

	assert_int_equal(strata__db_unlock(a, "strata-test-lock"), 0);
	assert_int_equal(strata__db_lock(b, "strata-test-lock", 300), 0);
	assert_int_equal(strata__db_unlock(b, "strata-test-lock"), 0);
	assert_int_equal(strata__db_unlock(b, "strata-test-lock"), STRATA_ECONFLICT);
	strata_free(a_pid);
	strata__db_close(a);
	strata__db_close(b);
}

static void test_pg__lock_timeout_names_blocker(void **state)
{
	strata_db *a = open_ok(pg_url());
	strata_db *b = open_ok(pg_url());
	const char *alter = "ALTER TABLE strata_t_lock ADD COLUMN c int";
	char *a_pid = value_of(a, "SELECT pg_backend_pid()");
	char needle[32];
	const strata_error *e;

	exec_ok(a, "DROP TABLE IF EXISTS strata_t_lock");
	exec_ok(a, "CREATE TABLE strata_t_lock (x int)");
	assert_int_equal(strata__db_begin(a), 0);
	assert_true(a->in_transaction);
	exec_ok(a, "LOCK TABLE strata_t_lock IN ACCESS EXCLUSIVE MODE");

	assert_int_equal(strata__db_set_timeouts(b, 300, 0), 0);
	assert_int_equal(strata__db_exec_stmt(b, alter, strlen(alter), NULL, 0), STRATA_EDB);
	e = strata_error_last();
	assert_string_equal(e->sqlstate, DB_SQLSTATE_LOCK_NOT_AVAILABLE);
	snprintf(needle, sizeof(needle), "pid %s ", a_pid);
	assert_non_null(strstr(e->message, needle));
	assert_non_null(strstr(e->message, "LOCK TABLE strata_t_lock"));
	assert_non_null(strstr(e->message, "idle in transaction"));
	assert_non_null(strstr(e->hint, "pg_terminate_backend("));
	assert_non_null(strstr(e->hint, a_pid));

	assert_int_equal(strata__db_rollback(a), 0);
	assert_false(a->in_transaction);
	assert_int_equal(strata__db_exec_stmt(b, alter, strlen(alter), NULL, 0), 0);
	exec_ok(a, "DROP TABLE strata_t_lock");
	strata_free(a_pid);
	strata__db_close(a);
	strata__db_close(b);
}

static void test_pg__statement_timeout(void **state)
{
	strata_db *db = open_ok(pg_url());
	double start;

	assert_int_equal(strata__db_set_timeouts(db, 0, 200), 0);
	start = strata__now_ms();
	assert_int_equal(strata__db_exec_stmt(db, "SELECT pg_sleep(5)", 18, NULL, 0), STRATA_EDB);
	assert_true(strata__now_ms() - start < 3000);
	assert_string_equal(strata_error_last()->sqlstate, "57014");
	assert_non_null(strstr(strata_error_last()->message, "statement timeout"));
	assert_int_equal(strata__db_set_timeouts(db, 0, 0), 0);
	assert_value(db, "SELECT current_setting('statement_timeout')", "0");
	strata__db_close(db);
}

static void test_pg__transactions(void **state)
{
	strata_db *db = open_ok(pg_url());

	exec_ok(db, "DROP TABLE IF EXISTS strata_t_tx");
	exec_ok(db, "CREATE TABLE strata_t_tx (x int)");
	assert_int_equal(strata__db_begin(db), 0);
	exec_ok(db, "INSERT INTO strata_t_tx VALUES (1)");
	assert_int_equal(strata__db_rollback(db), 0);
	assert_value(db, "SELECT count(*) FROM strata_t_tx", "0");

	/* COMMIT of a transaction with a failed statement is an error, not a silent rollback */
	assert_int_equal(strata__db_begin(db), 0);
	exec_ok(db, "INSERT INTO strata_t_tx VALUES (1)");
	assert_int_equal(strata__db_exec_stmt(db, "SELECT 1/0", 10, NULL, 0), STRATA_EDB);
	assert_string_equal(strata_error_last()->sqlstate, "22012");
	assert_true(db->in_transaction);
	assert_int_equal(strata__db_commit(db), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "rolled back"));
	assert_false(db->in_transaction);
	assert_value(db, "SELECT count(*) FROM strata_t_tx", "0");
	exec_ok(db, "DROP TABLE strata_t_tx");
	strata__db_close(db);
}

static void test_pg__notices_are_not_printed(void **state)
{
	char path[] = "/tmp/strata-test-stderr-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	struct stat st;
	strata_db *db;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path); /* the descriptor is all we need, even if a check fails */
	fflush(stderr);
	dup2(fd, 2);
	db = open_ok(pg_url());
	exec_ok(db, "DO $$ BEGIN RAISE NOTICE 'noisy notice'; RAISE WARNING 'noisy warning'; END $$");
	exec_ok(db, "DROP TABLE IF EXISTS strata_no_such_table");
	strata__db_close(db);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);
}

static void test_pg__lost_connection(void **state)
{
	strata_db *a = open_ok(pg_url());
	strata_db *b = open_ok(pg_url());
	char *b_pid = value_of(b, "SELECT pg_backend_pid()");
	const char *params[] = { b_pid };

	assert_int_equal(strata__db_exec(a, "SELECT pg_terminate_backend($1::int)", 1, params), 0);
	strata__pause_ms(100);
	assert_int_equal(strata__db_exec(b, "SELECT 1", 0, NULL), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "connection to the server was lost"));
	strata_free(b_pid);
	strata__db_close(a);
	strata__db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pg__connect_url),
		cmocka_unit_test(test_pg__read_only_session_refuses_writes),
		cmocka_unit_test(test_pg__connect_keywords),
		cmocka_unit_test(test_pg__wrong_password_not_shown),
		cmocka_unit_test(test_pg__params),
		cmocka_unit_test(test_pg__query_prepared),
		cmocka_unit_test(test_pg__exec_stmt_dollar_function),
		cmocka_unit_test(test_pg__exec_stmt_copy_from_stdin),
		cmocka_unit_test(test_pg__advisory_lock_names_holder),
		cmocka_unit_test(test_pg__lock_timeout_names_blocker),
		cmocka_unit_test(test_pg__statement_timeout),
		cmocka_unit_test(test_pg__transactions),
		cmocka_unit_test(test_pg__notices_are_not_printed),
		cmocka_unit_test(test_pg__lost_connection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
