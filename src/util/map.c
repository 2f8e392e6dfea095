/*
 * util/map.c - string-keyed hash map (see map.h).
 */
#include "util/map.h"
#include "util/alloc.h"
#include "strata/error.h"

#include <string.h>

static unsigned long hash_str(const char *s)
{
	unsigned long h = 1469598103934665603UL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211UL;
	}
	return h;
}

static strata_map_entry *find_slot(strata_map_entry *slots, size_t cap, const char *key,
				   unsigned long h)
{
	size_t i = h & (cap - 1);

	while (slots[i].key && (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int rehash(strata_map *m, size_t ncap)
{
	strata_map_entry *ns = strata_calloc(ncap, sizeof(*ns));
	size_t i;

	if (!ns)
		return STRATA_ERROR;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find_slot(ns, ncap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
	strata_free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int strata__map_put(strata_map *m, const char *key, void *value)
{
	unsigned long h = hash_str(key);
	strata_map_entry *e;

	if ((m->count + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 16) < 0)
		return STRATA_ERROR;
	e = find_slot(m->slots, m->cap, key, h);
	if (!e->key) {
		e->key = key;
		e->hash = h;
		m->count++;
	}
	e->value = value;
	return 0;
}

void *strata__map_get(const strata_map *m, const char *key)
{
	strata_map_entry *e;

	if (!m->cap)
		return NULL;
	e = find_slot(m->slots, m->cap, key, hash_str(key));
	return e->key ? e->value : NULL;
}

int strata__map_has(const strata_map *m, const char *key)
{
	if (!m->cap)
		return 0;
	return find_slot(m->slots, m->cap, key, hash_str(key))->key != NULL;
}

void strata__map_release(strata_map *m)
{
	strata_free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}
