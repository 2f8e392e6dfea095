/*
 * util/alloc.h - the one route for heap allocation in libstrata.
 *
 * Every allocation goes through these wrappers so that tests can make the
 * N-th allocation fail (strata_alloc_fail_after) and check that each caller
 * reports STRATA_ERROR cleanly instead of crashing. They return NULL on
 * failure and set the thread's error; they never abort.
 */
#ifndef STRATA_UTIL_ALLOC_H
#define STRATA_UTIL_ALLOC_H

#include <stddef.h>
#include "strata/util.h" /* strata_malloc, strata_calloc, strata_strdup, strata_free */

void *strata_realloc(void *p, size_t n);
/* Grow an array of `elem`-sized items to hold at least `need`; updates *cap. */
int strata_grow(void **p, size_t *cap, size_t need, size_t elem);
/*
 * The capacity an array of elem-sized items grows to so that it holds
 * need: cap (or first, when cap is 0) doubled until it does. 0, or an
 * error set on overflow. strata_grow and the arena's grow share it.
 */
int strata__grow_capacity(size_t *out, size_t cap, size_t need, size_t first, size_t elem);
char *strata_strndup(const char *s, size_t n);

/* Test hooks (safe to use while other threads allocate): */
/* the (n+1)-th allocation from now on and every one after it fail; -1 turns it off */
void strata_alloc_fail_after(long n);
/* only the (n+1)-th allocation from now on fails; -1 turns it off */
void strata_alloc_fail_nth(long n);
/* how many allocations were asked for since the process started */
long strata_alloc_count(void);

#endif
