/*
 * util/arena.h - an arena: many small allocations that all die together.
 *
 * Layer: util. A catalog snapshot owns one (schema/catalog.h): every
 * object, string and array of it comes from there, and freeing the
 * catalog is releasing its arena, with no walk over its fields.
 *
 * Invariants:
 *  1. Memory comes from chunks allocated through util/alloc, so failure
 *     injection reaches arena allocations too; a failed allocation returns
 *     NULL with the thread's error set, and the arena stays usable.
 *  2. Nothing allocated from an arena is freed on its own: strata__arena_release
 *     frees everything at once. Growing an array (strata__arena_grow) leaves the
 *     old copy in the arena until then.
 *  3. Every allocation is aligned for any type (max_align_t).
 *  4. Under AddressSanitizer (or with STRATA_ARENA_DEBUG defined) every
 *     allocation is a chunk of its own, as git_pool's debug mode does, so
 *     an overrun of one allocation is caught instead of landing in the
 *     next.
 */
#ifndef STRATA_UTIL_ARENA_H
#define STRATA_UTIL_ARENA_H

#include <stddef.h>

struct arena_chunk;

typedef struct strata_arena {
	struct arena_chunk *chunks; /* newest first */
	char *next;                 /* free space in the newest chunk */
	size_t left;
} strata_arena;

#define STRATA_ARENA_INIT { NULL, NULL, 0 }

/* n bytes, zeroed. NULL on out of memory (error set). */
void *strata__arena_alloc(strata_arena *a, size_t n);
/* count * size bytes, zeroed; NULL on overflow or out of memory. */
void *strata__arena_calloc(strata_arena *a, size_t count, size_t size);
/* Copies of a string (s not NULL) or its first n bytes, NUL-terminated. */
char *strata__arena_strdup(strata_arena *a, const char *s);
char *strata__arena_strndup(strata_arena *a, const char *s, size_t n);
/* Grow an array of elem-sized items, allocated from this arena (or NULL),
 * to hold at least need; copies the items into the new space and updates
 * *p and *cap. 0 or STRATA_ERROR (the old array left as it was). */
int strata__arena_grow(strata_arena *a, void **p, size_t *cap, size_t need, size_t elem);
/* Free everything allocated from the arena; it is empty and usable again. */
void strata__arena_release(strata_arena *a);

#endif
