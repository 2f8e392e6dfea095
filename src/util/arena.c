/*
 * util/arena.c - chunked arena allocation (see arena.h).
 */
#include "util/arena.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ONE_PER_CHUNK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ONE_PER_CHUNK 1
#endif
#endif
#if defined(STRATA_ARENA_DEBUG) && !defined(ARENA_ONE_PER_CHUNK)
#define ARENA_ONE_PER_CHUNK 1
#endif

#define ALIGN       alignof(max_align_t)
#define CHUNK_SIZE  ((size_t)16384)
#define BIG         (CHUNK_SIZE / 4) /* larger requests get a chunk of their own */

typedef struct arena_chunk {
	struct arena_chunk *next;
	alignas(max_align_t) char data[];
} arena_chunk;

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

static void *new_chunk(strata_arena *a, size_t size, int current)
{
	arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c)) {
		strata_error_set(STRATA_ERROR, "allocation size overflow");
		return NULL;
	}
	if (!(c = strata_malloc(sizeof(*c) + size)))
		return NULL;
	if (current || !a->chunks) {
		c->next = a->chunks;
		a->chunks = c;
	} else { /* a big one: keep the newest chunk's free space in use */
		c->next = a->chunks->next;
		a->chunks->next = c;
	}
	return c->data;
}

void *strata__arena_alloc(strata_arena *a, size_t n)
{
	char *p;

	n = round_up(n ? n : 1);
	if (n == 0) { /* round_up wrapped */
		strata_error_set(STRATA_ERROR, "allocation size overflow");
		return NULL;
	}
#ifdef ARENA_ONE_PER_CHUNK
	if (!(p = new_chunk(a, n, 1)))
		return NULL;
	a->next = NULL;
	a->left = 0;
#else
	if (n > BIG) {
		if (!(p = new_chunk(a, n, 0)))
			return NULL;
	} else {
		if (n > a->left) {
			if (!(p = new_chunk(a, CHUNK_SIZE, 1)))
				return NULL;
			a->next = p;
			a->left = CHUNK_SIZE;
		}
		p = a->next;
		a->next += n;
		a->left -= n;
	}
#endif
	memset(p, 0, n);
	return p;
}

void *strata__arena_calloc(strata_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		strata_error_set(STRATA_ERROR, "allocation size overflow");
		return NULL;
	}
	return strata__arena_alloc(a, count * size);
}

char *strata__arena_strndup(strata_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || !(p = strata__arena_alloc(a, n + 1)))
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *strata__arena_strdup(strata_arena *a, const char *s)
{
	return strata__arena_strndup(a, s, strlen(s));
}

int strata__arena_grow(strata_arena *a, void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	if (strata__grow_capacity(&ncap, *cap, need, 4, elem) < 0)
		return STRATA_ERROR;
	if (!(np = strata__arena_calloc(a, ncap, elem)))
		return STRATA_ERROR;
	if (*p && *cap)
		memcpy(np, *p, *cap * elem);
	*p = np;
	*cap = ncap;
	return 0;
}

void strata__arena_release(strata_arena *a)
{
	arena_chunk *c = a->chunks;

	while (c) {
		arena_chunk *next = c->next;

		strata_free(c);
		c = next;
	}
	a->chunks = NULL;
	a->next = NULL;
	a->left = 0;
}
