/*
 * tests/unit/util/test_alloc.c - util/alloc.c's failure injection while
 * several threads allocate (as the catalog loads and the read-ahead do):
 * strata_alloc_fail_nth fails exactly one allocation among all of them,
 * strata_alloc_fail_after every one from the chosen one on, and
 * strata_alloc_count counts them all. Under make test-tsan a hook that is
 * not thread-safe is a reported race.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "util/alloc.h"

#define THREADS 4
#define EACH 2000

static void *allocate(void *arg)
{
	long *failed = arg, i;

	for (i = 0; i < EACH; i++) {
		void *p = strata_malloc(16);

		if (!p)
			(*failed)++;
		strata_free(p);
	}
	return NULL;
}

/* Allocations on THREADS threads at once; returns how many failed. */
static long run_threads(void)
{
	pthread_t t[THREADS];
	long failed[THREADS] = { 0 }, sum = 0;
	int i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, allocate, &failed[i]), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum += failed[i];
	}
	return sum;
}

static void test_alloc__one_failure_among_threads(void **state)
{
	long before = strata_alloc_count();

	(void)state;
	strata_alloc_fail_nth(THREADS * EACH / 2);
	assert_int_equal(run_threads(), 1);
	strata_alloc_fail_after(-1);
	assert_int_equal(strata_alloc_count() - before, THREADS * EACH);
	assert_int_equal(run_threads(), 0);
}

static void test_alloc__every_failure_after_among_threads(void **state)
{
	(void)state;
	strata_alloc_fail_after(1000);
	assert_int_equal(run_threads(), THREADS * EACH - 1000);
	strata_alloc_fail_after(-1);
	assert_int_equal(run_threads(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc__one_failure_among_threads),
		cmocka_unit_test(test_alloc__every_failure_after_among_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
