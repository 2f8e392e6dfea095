/*
 * schema/depsort.h - dependency order: the one topological sort both diff
 * engines use to put objects after what they depend on (creates) or
 * before it (drops, by reading the order backwards).
 *
 * Layer: schema, on util only; knows nothing of catalogs: items are
 * indexes 0..n-1 and edges say "item comes after dep". Modelled on
 * pg_dump's pg_dump_sort.c: the caller gives the items in its priority
 * order (a catalog's objects come sorted by kind, then key), and the
 * sort moves an item only as far as a dependency requires.
 *
 * Invariants:
 *  1. Every item appears once in the order, after every dependency that
 *     is not part of a cycle.
 *  2. Stable: the order is a depth-first walk that starts from the items
 *     in index order and follows each item's edges in the order they were
 *     added, emitting an item once its dependencies are out. Items with
 *     no constraint between them keep their index order; the same input
 *     always gives the same order.
 *  3. Cycles do not fail the sort: the edge that closes a cycle (from an
 *     item back to one still waiting for its own dependencies) is left
 *     out, and the caller hears of each such edge through its callback,
 *     to report it or to break the cycle its own way (pg_dump splits an
 *     object in two; the diffs leave the order as the walk found it).
 */
#ifndef STRATA_SCHEMA_DEPSORT_H
#define STRATA_SCHEMA_DEPSORT_H

#include <stddef.h>

typedef struct sc_depsort_edge {
	size_t dep;  /* the item that must come first */
	size_t next; /* the item's next edge + 1, 0 at the end */
} sc_depsort_edge;

typedef struct sc_depsort {
	size_t n;               /* items */
	size_t *first, *last;   /* per item: its first and last edge + 1, 0 if none */
	sc_depsort_edge *edges;
	size_t nedges, cap;
} sc_depsort;

/* Called for each edge left out to break a cycle: item depends on dep,
 * which is still waiting (directly or not) for item. */
typedef void (*sc_depsort_cycle_cb)(size_t item, size_t dep, void *payload);

/* Set up a sort of n items, with no edges. 0 or STRATA_ERROR (out of
 * memory; ds is to be released in either case). */
int strata__sc_depsort_init(sc_depsort *ds, size_t n);
/* Item comes after dep (both < n; an edge to itself is a cycle of one).
 * Edges are followed in the order they are added; repeats are harmless.
 * 0 or STRATA_ERROR. */
int strata__sc_depsort_add(sc_depsort *ds, size_t item, size_t dep);
/* Write the n items into order[0..n) in dependency order (dependencies
 * first). on_cycle may be NULL. 0 or STRATA_ERROR (out of memory). */
int strata__sc_depsort_order(const sc_depsort *ds, size_t *order, sc_depsort_cycle_cb on_cycle,
		     void *payload);
void strata__sc_depsort_release(sc_depsort *ds);

#endif
