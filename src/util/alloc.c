/*
 * util/alloc.c - allocation wrappers with failure injection for tests.
 */
#include "util/alloc.h"
#include "strata/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

void strata_alloc_fail_after(long n)
{
	fail_countdown = n;
}

static int injected_failure(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0)
		return 1;
	fail_countdown--;
	return 0;
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

int strata_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return strata_error_set(STRATA_ERROR, "allocation size overflow");
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return strata_error_set(STRATA_ERROR, "allocation size overflow");
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
