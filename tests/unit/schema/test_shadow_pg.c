/*
 * tests/unit/schema/test_shadow_pg.c - PostgreSQL shadow databases are
 * always dropped, on a real server (STRATA_TEST_PG_URL, as printed by
 * tests/pgserver.sh start DIR; without it every case FAILS).
 *
 * Covered: a role that is not a superuser drops its shadow while an
 * autovacuum worker is in it (DROP ... WITH (FORCE) alone refuses that),
 * at the end of a command and on the signal path with one of its own
 * sessions still inside; the signal path drops a shadow that one of our
 * own sessions is still connected to; and shadows left behind by killed
 * runs are dropped by the next one, live ones kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/pg_fixture.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

#define ROLE "strata_t_shadow_role"
#define ROLE_PW "Shadow-pw-1"

/* How many rows of pg_stat_activity match, for the database named. */
static long count_in(strata_db *db, const char *dbname, const char *backend_type)
{
	const char *params[2] = { dbname, backend_type };
	strata_buf b = STRATA_BUF_INIT;
	long n;

	if (strata__db_query(db,
		     "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
		     "AND ($2 = '' OR backend_type = $2)",
		     2, params, keep_value, &b) != 0)
		fail_msg("pg_stat_activity: %s", strata_error_last()->message);
	n = atol(strata__buf_cstr(&b));
	strata__buf_release(&b);
	return n;
}

static long databases_named(strata_db *db, const char *dbname)
{
	const char *params[1] = { dbname };
	strata_buf b = STRATA_BUF_INIT;
	long n;

	if (strata__db_query(db, "SELECT count(*) FROM pg_database WHERE datname = $1", 1, params,
		     keep_value, &b) != 0)
		fail_msg("pg_database: %s", strata_error_last()->message);
	n = atol(strata__buf_cstr(&b));
	strata__buf_release(&b);
	return n;
}

/* The shadow's database name: the last path part of its connection string. */
static const char *dbname_of(const sc_shadow *s)
{
	const char *ci = strata__sc_shadow_conninfo(s), *slash = strrchr(ci, '/');

	assert_non_null(slash);
	return slash + 1;
}

/* A shadow of the role's, with dead rows that draw a slow autovacuum
 * worker (a cost delay keeps it there long enough to be caught). */
static sc_shadow *shadow_for_autovacuum(const char *url, char name[64])
{
	sc_shadow *s = NULL;
	strata_db *db;

	if (strata__sc_shadow_create(&s, DB_POSTGRES, url) != 0)
		fail_msg("sc_shadow_create: %s", strata_error_last()->message);
	snprintf(name, 64, "%s", dbname_of(s));
	db = open_ok(strata__sc_shadow_conninfo(s));
	exec_ok(db, "CREATE TABLE dead (id integer) WITH (autovacuum_vacuum_threshold = 0, "
		    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_cost_delay = 100, "
		    "autovacuum_vacuum_cost_limit = 1)");
	exec_ok(db, "INSERT INTO dead SELECT g FROM generate_series(1, 200000) g");
	exec_ok(db, "DELETE FROM dead");
	/* Closed: its statistics reach the server now, and the launcher
	 * skips a database it has none for. */
	strata__db_close(db);
	return s;
}

/*
 * Two shadows owned by a role that is not a superuser, each with an
 * autovacuum worker inside when it is dropped: one by strata__sc_shadow_drop
 * (nothing of ours connected), one by the signal path while a session of
 * ours is still in it. DROP ... WITH (FORCE) refuses both.
 */
static void test_drop_with_an_autovacuum_worker_inside(void **state)
{
	strata_db *admin = open_ok(pg_url()), *ours;
	strata_buf url = STRATA_BUF_INIT;
	sc_shadow *plain, *signalled;
	char plain_name[64], signalled_name[64];
	long workers = 0;

	(void)state;
	strata__buf_printf(&url, "postgres://" ROLE ":" ROLE_PW "@127.0.0.1:%s/postgres",
		   env_or_fail("STRATA_TEST_PG_PORT"));
	plain = shadow_for_autovacuum(strata__buf_cstr(&url), plain_name);
	signalled = shadow_for_autovacuum(strata__buf_cstr(&url), signalled_name);
	ours = open_ok(strata__sc_shadow_conninfo(signalled));
	for (int i = 0; i < 600; i++) {
		workers = (count_in(admin, plain_name, "autovacuum worker") > 0) +
			  (count_in(admin, signalled_name, "autovacuum worker") > 0);
		if (workers == 2)
			break;
		strata__pause_ms(100);
	}
	if (workers < 2) {
		strata__db_close(ours);
		strata__sc_shadow_drop(plain);
		strata__sc_shadow_drop(signalled);
		fail_msg("autovacuum workers did not come to both shadows within 60 s");
	}

	if (strata__sc_shadow_drop(plain) != 0)
		fail_msg("sc_shadow_drop: %s (hint: %s)", strata_error_last()->message,
			 strata_error_last()->hint);
	assert_int_equal(databases_named(admin, plain_name), 0);
	strata__sc_shadow_abort_all();
	assert_int_equal(databases_named(admin, signalled_name), 0);
	assert_int_equal(strata__sc_shadow_drop(signalled), 0); /* already dropped: only frees it */
	strata__db_close(ours);
	strata__buf_release(&url);
	strata__db_close(admin);
}

/* The role, and autovacuum on (the test servers run with it off) with its
 * naptime at 1 s for the group (the launcher visits each database every
 * naptime; at the default minute a worker would seldom arrive in time). */
static int set_up(void **state)
{
	strata_db *admin = open_ok(pg_url());

	(void)state;
	exec_ok(admin, "DROP ROLE IF EXISTS " ROLE);
	exec_ok(admin, "CREATE ROLE " ROLE " LOGIN CREATEDB PASSWORD '" ROLE_PW "'");
	exec_ok(admin, "ALTER SYSTEM SET autovacuum = on");
	exec_ok(admin, "ALTER SYSTEM SET autovacuum_naptime = 1");
	exec_ok(admin, "SELECT pg_reload_conf()");
	strata__db_close(admin);
	return 0;
}

static int tear_down(void **state)
{
	strata_db *admin = open_ok(pg_url());

	(void)state;
	exec_ok(admin, "ALTER SYSTEM RESET autovacuum_naptime");
	exec_ok(admin, "ALTER SYSTEM RESET autovacuum");
	exec_ok(admin, "SELECT pg_reload_conf()");
	exec_ok(admin, "DROP ROLE IF EXISTS " ROLE);
	strata__db_close(admin);
	return 0;
}

static void test_abort_drops_a_shadow_we_are_still_in(void **state)
{
	strata_db *admin = open_ok(pg_url()), *db;
	sc_shadow *s = NULL;
	char name[64];

	(void)state;
	if (strata__sc_shadow_create(&s, DB_POSTGRES, pg_url()) != 0)
		fail_msg("sc_shadow_create: %s", strata_error_last()->message);
	snprintf(name, sizeof(name), "%s", dbname_of(s));
	db = open_ok(strata__sc_shadow_conninfo(s));
	exec_ok(db, "CREATE TABLE t (id integer)");
	assert_int_equal(count_in(admin, name, "client backend"), 1);

	strata__sc_shadow_abort_all();
	assert_int_equal(databases_named(admin, name), 0);
	/* Already dropped: the later drop only frees it. */
	assert_int_equal(strata__sc_shadow_drop(s), 0);
	strata__db_close(db);
	strata__db_close(admin);
}

/* A shadow left behind (no keeper session, nobody in it) is dropped when
 * the next one is made; a live one, even with nobody in it, is kept; and
 * so is a left-behind one that belongs to a role this one cannot drop. */
static void test_orphans_are_swept_and_live_shadows_kept(void **state)
{
	strata_db *admin = open_ok(pg_url());
	strata_buf url = STRATA_BUF_INIT;
	sc_shadow *live, *next;
	char live_name[64];

	(void)state;
	exec_ok(admin, "DROP DATABASE IF EXISTS strata_shadow_0rphan000000000");
	exec_ok(admin, "DROP DATABASE IF EXISTS strata_shadow_0therrole000000");
	exec_ok(admin, "CREATE DATABASE strata_shadow_0rphan000000000 OWNER " ROLE);
	exec_ok(admin, "CREATE DATABASE strata_shadow_0therrole000000");
	strata__buf_printf(&url, "postgres://" ROLE ":" ROLE_PW "@127.0.0.1:%s/postgres",
		   env_or_fail("STRATA_TEST_PG_PORT"));

	if (strata__sc_shadow_create(&live, DB_POSTGRES, strata__buf_cstr(&url)) != 0)
		fail_msg("sc_shadow_create: %s", strata_error_last()->message);
	snprintf(live_name, sizeof(live_name), "%s", dbname_of(live));
	assert_int_equal(databases_named(admin, "strata_shadow_0rphan000000000"), 0);
	assert_int_equal(databases_named(admin, "strata_shadow_0therrole000000"), 1);

	/* Nobody is connected to the live one: its keeper still marks it. */
	assert_int_equal(count_in(admin, live_name, ""), 0);
	if (strata__sc_shadow_create(&next, DB_POSTGRES, strata__buf_cstr(&url)) != 0)
		fail_msg("sc_shadow_create: %s", strata_error_last()->message);
	assert_int_equal(databases_named(admin, live_name), 1);

	assert_int_equal(strata__sc_shadow_drop(next), 0);
	assert_int_equal(strata__sc_shadow_drop(live), 0);
	assert_int_equal(databases_named(admin, live_name), 0);
	exec_ok(admin, "DROP DATABASE strata_shadow_0therrole000000");
	strata__buf_release(&url);
	strata__db_close(admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_with_an_autovacuum_worker_inside),
		cmocka_unit_test(test_abort_drops_a_shadow_we_are_still_in),
		cmocka_unit_test(test_orphans_are_swept_and_live_shadows_kept),
	};

	return cmocka_run_group_tests(tests, set_up, tear_down);
}
