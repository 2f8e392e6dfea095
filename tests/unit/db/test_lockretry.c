/*
 * tests/unit/db/test_lockretry.c - the lock_timeout retry schedule
 * (db/lockretry.h): which errors are retried, how many times, and the
 * jittered exponential pauses between tries. Pure arithmetic: the error a
 * timed-out statement leaves is set by hand, nothing sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/lockretry.h"
#include "strata/error.h"

static void lock_timeout_error(void)
{
	strata_error_set(STRATA_EDB, "canceling statement due to lock timeout");
	strata_error_sqlstate(DB_SQLSTATE_LOCK_NOT_AVAILABLE);
}

static void test_lockretry__plain_schedule_doubles_five_times(void **state)
{
	static const long want[] = { 200, 400, 800, 1600, 3200, 6400, 6400, 6400 };

	for (int n = 1; n <= 8; n++)
		assert_int_equal(strata__db_lock_retry_backoff_ms(200, n), want[n - 1]);
	assert_int_equal(strata__db_lock_retry_backoff_ms(100, 1), 100);
	assert_int_equal(strata__db_lock_retry_backoff_ms(100, 6), 3200);
	assert_int_equal(strata__db_lock_retry_backoff_ms(100, 100), 3200);
}

static void test_lockretry__jittered_pause_within_half_and_whole(void **state)
{
	db_lock_retry r;

	lock_timeout_error();
	strata__db_lock_retry_init(&r, 100, 200);
	for (int n = 1; n <= 100; n++) {
		long plain = strata__db_lock_retry_backoff_ms(200, n);

		assert_int_equal(strata__db_lock_retry_next(&r), 1);
		assert_int_equal(r.done, n);
		assert_true(r.wait_ms >= plain / 2);
		assert_true(r.wait_ms <= plain);
	}
	strata_error_clear();
}

/* Two runners that time out together do not pause alike every time. */
static void test_lockretry__jitter_differs_between_runners(void **state)
{
	db_lock_retry a, b;
	int differ = 0;

	lock_timeout_error();
	strata__db_lock_retry_init(&a, 100, 200);
	strata__db_lock_retry_init(&b, 100, 200);
	a.rng = 1;
	b.rng = 2;
	for (int n = 1; n <= 20; n++) {
		assert_int_equal(strata__db_lock_retry_next(&a), 1);
		assert_int_equal(strata__db_lock_retry_next(&b), 1);
		differ += a.wait_ms != b.wait_ms;
	}
	assert_true(differ >= 10);
	strata_error_clear();
}

static void test_lockretry__gives_up_after_max(void **state)
{
	db_lock_retry r;

	lock_timeout_error();
	strata__db_lock_retry_init(&r, 2, 200);
	assert_int_equal(strata__db_lock_retry_next(&r), 1);
	assert_int_equal(strata__db_lock_retry_next(&r), 1);
	assert_int_equal(r.done, 2);
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	assert_int_equal(r.done, 2);
	/* the error is left as it was, for the caller to report */
	assert_string_equal(strata_error_last()->sqlstate, DB_SQLSTATE_LOCK_NOT_AVAILABLE);

	strata__db_lock_retry_reset(&r);
	assert_int_equal(r.done, 0);
	assert_int_equal(strata__db_lock_retry_next(&r), 1);
	assert_true(r.wait_ms >= 100 && r.wait_ms <= 200);

	strata__db_lock_retry_init(&r, 0, 200);
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	strata__db_lock_retry_init(&r, -3, 200);
	assert_int_equal(r.max, 0);
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	strata_error_clear();
}

static void test_lockretry__other_errors_are_not_retried(void **state)
{
	db_lock_retry r;

	strata__db_lock_retry_init(&r, 5, 200);
	strata_error_set(STRATA_EDB, "deadlock detected");
	strata_error_sqlstate("40P01");
	assert_false(strata__db_error_is_lock_timeout());
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	strata_error_set(STRATA_EDB, "relation \"t\" does not exist");
	strata_error_sqlstate("42P01");
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	strata_error_clear();
	assert_int_equal(strata__db_lock_retry_next(&r), 0);
	assert_int_equal(r.done, 0);
	lock_timeout_error();
	assert_true(strata__db_error_is_lock_timeout());
	strata_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockretry__plain_schedule_doubles_five_times),
		cmocka_unit_test(test_lockretry__jittered_pause_within_half_and_whole),
		cmocka_unit_test(test_lockretry__jitter_differs_between_runners),
		cmocka_unit_test(test_lockretry__gives_up_after_max),
		cmocka_unit_test(test_lockretry__other_errors_are_not_retried),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
