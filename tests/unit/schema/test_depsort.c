/*
 * tests/unit/schema/test_depsort.c - the dependency order both diffs use
 * (schema/depsort.h): dependencies first, index order where nothing
 * constrains it, every item once, and cycles broken at the edge that
 * closes them, reported to the caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "schema/depsort.h"
#include "strata/error.h"
#include "util/alloc.h"

/* Where each item landed in the order. */
static void positions(const size_t *order, size_t n, size_t *pos)
{
	for (size_t i = 0; i < n; i++)
		pos[order[i]] = i;
}

static void test_depsort__dependencies_come_first(void **state)
{
	/* 0 -> 3 -> 1, 2 -> 1: 1 first, then 3 before 0 */
	sc_depsort ds;
	size_t order[4], pos[4];
	const size_t want[] = { 1, 3, 0, 2 };

	(void)state;
	assert_int_equal(strata__sc_depsort_init(&ds, 4), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 3), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 3, 1), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 2, 1), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	positions(order, 4, pos);
	assert_true(pos[1] < pos[3] && pos[3] < pos[0] && pos[1] < pos[2]);
	assert_memory_equal(order, want, sizeof(want));
	strata__sc_depsort_release(&ds);
}

static void test_depsort__unconstrained_items_keep_their_order(void **state)
{
	sc_depsort ds;
	size_t order[6];
	const size_t none[] = { 0, 1, 2, 3, 4, 5 };
	/* 4 needs 5: only 5 moves up, just before 4; the rest stay put */
	const size_t one[] = { 0, 1, 2, 3, 5, 4 };

	(void)state;
	assert_int_equal(strata__sc_depsort_init(&ds, 6), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	assert_memory_equal(order, none, sizeof(none));
	assert_int_equal(strata__sc_depsort_add(&ds, 4, 5), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 4, 5), 0); /* a repeat changes nothing */
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	assert_memory_equal(order, one, sizeof(one));
	strata__sc_depsort_release(&ds);
}

static void test_depsort__edges_are_followed_in_the_order_added(void **state)
{
	sc_depsort ds;
	size_t order[3];
	const size_t want[] = { 2, 1, 0 };

	(void)state;
	assert_int_equal(strata__sc_depsort_init(&ds, 3), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 2), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 1), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	assert_memory_equal(order, want, sizeof(want));
	strata__sc_depsort_release(&ds);
}

typedef struct cycles {
	size_t item[8], dep[8];
	size_t n;
} cycles;

static void on_cycle(size_t item, size_t dep, void *payload)
{
	cycles *c = payload;

	if (c->n < 8) {
		c->item[c->n] = item;
		c->dep[c->n] = dep;
	}
	c->n++;
}

static void test_depsort__cycles_are_broken_and_reported(void **state)
{
	/* 0 -> 1 -> 2 -> 0, and 3 -> 3; 4 -> 2 outside the cycle */
	sc_depsort ds;
	size_t order[5], pos[5];
	cycles c = { { 0 }, { 0 }, 0 };
	const size_t want[] = { 2, 1, 0, 3, 4 };

	(void)state;
	assert_int_equal(strata__sc_depsort_init(&ds, 5), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 1), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 1, 2), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 2, 0), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 3, 3), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 4, 2), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, on_cycle, &c), 0);
	/* every item exactly once; the edge 2 -> 0 is the one left out */
	memset(pos, 0xff, sizeof(pos));
	positions(order, 5, pos);
	for (size_t i = 0; i < 5; i++)
		assert_true(pos[i] < 5);
	assert_memory_equal(order, want, sizeof(want));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.item[0], 2);
	assert_int_equal(c.dep[0], 0);
	assert_int_equal(c.item[1], 3);
	assert_int_equal(c.dep[1], 3);
	/* without a callback the order is the same */
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	assert_memory_equal(order, want, sizeof(want));
	strata__sc_depsort_release(&ds);
}

static void test_depsort__a_long_chain_needs_no_deep_stack(void **state)
{
	enum { N = 200000 };
	sc_depsort ds;
	size_t *order = strata_calloc(N, sizeof(*order));

	(void)state;
	assert_non_null(order);
	assert_int_equal(strata__sc_depsort_init(&ds, N), 0);
	for (size_t i = 0; i + 1 < N; i++)
		assert_int_equal(strata__sc_depsort_add(&ds, i, i + 1), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(order[i], N - 1 - i);
	strata__sc_depsort_release(&ds);
	strata_free(order);
}

static void test_depsort__bad_edges_and_no_memory(void **state)
{
	sc_depsort ds;
	size_t order[2];

	(void)state;
	assert_int_equal(strata__sc_depsort_init(&ds, 2), 0);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 2), STRATA_EINVALID);
	assert_int_equal(strata__sc_depsort_add(&ds, 0, 1), 0);
	strata_alloc_fail_after(0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	strata__sc_depsort_release(&ds);
	strata_alloc_fail_after(0);
	assert_int_equal(strata__sc_depsort_init(&ds, 2), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	strata__sc_depsort_release(&ds);
	/* no items: nothing to do, nothing allocated */
	assert_int_equal(strata__sc_depsort_init(&ds, 0), 0);
	assert_int_equal(strata__sc_depsort_order(&ds, order, NULL, NULL), 0);
	strata__sc_depsort_release(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depsort__dependencies_come_first),
		cmocka_unit_test(test_depsort__unconstrained_items_keep_their_order),
		cmocka_unit_test(test_depsort__edges_are_followed_in_the_order_added),
		cmocka_unit_test(test_depsort__cycles_are_broken_and_reported),
		cmocka_unit_test(test_depsort__a_long_chain_needs_no_deep_stack),
		cmocka_unit_test(test_depsort__bad_edges_and_no_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
