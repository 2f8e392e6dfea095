/*
 * schema/depsort.c - dependency order for the diffs (see depsort.h).
 *
 * The walk is depth first without recursion (a chain of views thousands
 * long must not use up the stack): an explicit stack of items, each with
 * the edge it follows next.
 */
#include "schema/depsort.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <string.h>

enum { NEW = 0, WAITING, DONE };

int strata__sc_depsort_init(sc_depsort *ds, size_t n)
{
	memset(ds, 0, sizeof(*ds));
	ds->n = n;
	if (!(ds->first = strata_calloc(n, sizeof(*ds->first))) ||
	    !(ds->last = strata_calloc(n, sizeof(*ds->last))))
		return STRATA_ERROR;
	return 0;
}

int strata__sc_depsort_add(sc_depsort *ds, size_t item, size_t dep)
{
	size_t e;

	if (item >= ds->n || dep >= ds->n)
		return strata_error_set(STRATA_EINVALID, "dependency edge out of range");
	if (strata_grow((void **)&ds->edges, &ds->cap, ds->nedges + 1, sizeof(*ds->edges)) != 0)
		return STRATA_ERROR;
	e = ds->nedges++;
	ds->edges[e].dep = dep;
	ds->edges[e].next = 0;
	if (ds->last[item])
		ds->edges[ds->last[item] - 1].next = e + 1;
	else
		ds->first[item] = e + 1;
	ds->last[item] = e + 1;
	return 0;
}

int strata__sc_depsort_order(const sc_depsort *ds, size_t *order, sc_depsort_cycle_cb on_cycle,
		     void *payload)
{
	unsigned char *state = NULL;
	size_t *stack = NULL, *edge = NULL, nout = 0;
	int rc = STRATA_ERROR;

	if (!ds->n)
		return 0;
	if (!(state = strata_calloc(ds->n, 1)) ||
	    !(stack = strata_calloc(ds->n, sizeof(*stack))) ||
	    !(edge = strata_calloc(ds->n, sizeof(*edge))))
		goto done;
	for (size_t root = 0; root < ds->n; root++) {
		size_t top = 0;

		if (state[root] != NEW)
			continue;
		state[root] = WAITING;
		stack[top] = root;
		edge[top++] = ds->first[root];
		while (top) {
			size_t item = stack[top - 1], e = edge[top - 1], dep;

			if (!e) { /* every dependency is out */
				state[item] = DONE;
				order[nout++] = item;
				top--;
				continue;
			}
			edge[top - 1] = ds->edges[e - 1].next;
			dep = ds->edges[e - 1].dep;
			if (state[dep] == WAITING) {
				if (on_cycle)
					on_cycle(item, dep, payload);
			} else if (state[dep] == NEW) {
				state[dep] = WAITING;
				stack[top] = dep;
				edge[top++] = ds->first[dep];
			}
		}
	}
	rc = 0;
done:
	strata_free(state);
	strata_free(stack);
	strata_free(edge);
	return rc;
}

void strata__sc_depsort_release(sc_depsort *ds)
{
	strata_free(ds->first);
	strata_free(ds->last);
	strata_free(ds->edges);
	memset(ds, 0, sizeof(*ds));
}
