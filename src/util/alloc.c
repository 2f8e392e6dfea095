/*
 * util/alloc.c - allocation wrappers with failure injection for tests.
 */
#include "util/alloc.h"
#include "strata/error.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The hook's state is shared by every thread (the catalog loads and the
 * read-ahead run allocations on their own threads while a test has the
 * hook set): countdown is how many allocations succeed before the next
 * one fails (-1: none fails), once whether only that one fails.
 */
static atomic_long fail_countdown = -1;
static atomic_int fail_once;
static atomic_long alloc_count;

void strata_alloc_fail_after(long n)
{
	atomic_store(&fail_once, 0);
	atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

void strata_alloc_fail_nth(long n)
{
	atomic_store(&fail_once, 1);
	atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

long strata_alloc_count(void)
{
	return atomic_load_explicit(&alloc_count, memory_order_relaxed);
}

static int injected_failure(void)
{
	long c = atomic_load(&fail_countdown);

	atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
	for (;;) {
		if (c < 0)
			return 0;
		if (c == 0 && !atomic_load(&fail_once))
			return 1;
		/* Take one step; lost races try again with the new value. */
		if (atomic_compare_exchange_weak(&fail_countdown, &c, c - 1))
			return c == 0;
	}
}

static void *oom(size_t n)
{
	strata_error_set(STRATA_ERROR, "out of memory allocating %zu bytes", n);
	return NULL;
}

void *strata_malloc(size_t n)
{
	void *p;

	if (injected_failure())
		return oom(n);
	p = malloc(n ? n : 1);
	return p ? p : oom(n);
}

void *strata_calloc(size_t count, size_t size)
{
	void *p;

	if (injected_failure())
		return oom(count * size);
	p = calloc(count ? count : 1, size ? size : 1);
	return p ? p : oom(count * size);
}

void *strata_realloc(void *old, size_t n)
{
	void *p;

	if (injected_failure())
		return oom(n);
	p = realloc(old, n ? n : 1);
	return p ? p : oom(n);
}

int strata__grow_capacity(size_t *out, size_t cap, size_t need, size_t first, size_t elem)
{
	size_t ncap = cap ? cap : first;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return strata_error_set(STRATA_ERROR, "allocation size overflow");
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return strata_error_set(STRATA_ERROR, "allocation size overflow");
	*out = ncap;
	return 0;
}

int strata_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	if (strata__grow_capacity(&ncap, *cap, need, 8, elem) < 0)
		return STRATA_ERROR;
	np = strata_realloc(*p, ncap * elem);
	if (!np)
		return STRATA_ERROR;
	*p = np;
	*cap = ncap;
	return 0;
}

char *strata_strndup(const char *s, size_t n)
{
	char *p = strata_malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *strata_strdup(const char *s)
{
	return strata_strndup(s, strlen(s));
}

void strata_free(void *p)
{
	free(p);
}
