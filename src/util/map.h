/*
 * util/map.h - string-keyed hash map (open addressing, linear probing).
 *
 * Keys are borrowed: the caller keeps them alive while the map uses them.
 * Values are opaque pointers. No deletion (not needed by strata's users).
 */
#ifndef STRATA_UTIL_MAP_H
#define STRATA_UTIL_MAP_H

#include <stddef.h>

typedef struct strata_map_entry {
	const char *key;
	void *value;
	unsigned long hash;
} strata_map_entry;

typedef struct strata_map {
	strata_map_entry *slots;
	size_t cap;   /* power of two, or 0 */
	size_t count;
} strata_map;

#define STRATA_MAP_INIT { NULL, 0, 0 }

/* Insert or replace; returns 0 or STRATA_ERROR (out of memory). */
int strata__map_put(strata_map *m, const char *key, void *value);
/* The value for key, or NULL. */
void *strata__map_get(const strata_map *m, const char *key);
int strata__map_has(const strata_map *m, const char *key);
void strata__map_release(strata_map *m);

#endif
