/*
 * tests/unit/util/test_arena.c - the arena catalogs allocate from
 * (util/arena.h): zeroed and aligned memory, strings, arrays that grow
 * keeping their items, failures that leave the arena usable, and one
 * release for everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "strata/error.h"
#include "util/alloc.h"
#include "util/arena.h"

static void test_arena__zeroed_and_aligned(void **state)
{
	strata_arena a = STRATA_ARENA_INIT;

	(void)state;
	for (size_t n = 1; n < 20000; n = n * 3 + 1) {
		unsigned char *p = strata__arena_alloc(&a, n);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, n);
	}
	strata__arena_release(&a);
	assert_null(a.chunks);
}

static void test_arena__strings(void **state)
{
	strata_arena a = STRATA_ARENA_INIT;
	char *s, *t;

	(void)state;
	s = strata__arena_strdup(&a, "catalog");
	t = strata__arena_strndup(&a, "schema.table", 6);
	assert_string_equal(s, "catalog");
	assert_string_equal(t, "schema");
	assert_string_equal(strata__arena_strdup(&a, ""), "");
	strata__arena_release(&a);
}

static void test_arena__grow_keeps_items(void **state)
{
	strata_arena a = STRATA_ARENA_INIT;
	int *v = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(strata__arena_grow(&a, (void **)&v, &cap, n + 1, sizeof(*v)), 0);
		assert_true(cap >= n + 1);
		v[n++] = i;
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	/* room enough: nothing moves */
	{
		int *before = v;

		assert_int_equal(strata__arena_grow(&a, (void **)&v, &cap, n, sizeof(*v)), 0);
		assert_ptr_equal(v, before);
	}
	strata__arena_release(&a);
}

static void test_arena__failures_leave_it_usable(void **state)
{
	strata_arena a = STRATA_ARENA_INIT;
	char *s = strata__arena_strdup(&a, "kept");
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_non_null(s);
	strata_alloc_fail_after(0);
	assert_null(strata__arena_alloc(&a, 100000)); /* a chunk of its own: fails */
	assert_int_equal(strata_error_last()->code, STRATA_ERROR);
	assert_int_equal(strata__arena_grow(&a, (void **)&v, &cap, 5000, sizeof(*v)), STRATA_ERROR);
	assert_null(v);
	assert_int_equal(cap, 0);
	strata_alloc_fail_after(-1);
	assert_string_equal(s, "kept");
	assert_non_null(strata__arena_alloc(&a, 16));
	assert_null(strata__arena_calloc(&a, SIZE_MAX / 2, 4)); /* overflow */
	strata__arena_release(&a);
	/* released: usable again */
	assert_non_null(strata__arena_strdup(&a, "again"));
	strata__arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena__zeroed_and_aligned),
		cmocka_unit_test(test_arena__strings),
		cmocka_unit_test(test_arena__grow_keeps_items),
		cmocka_unit_test(test_arena__failures_leave_it_usable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
