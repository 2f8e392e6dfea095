/*
 * strata/graph.h - the revision graph of a migrations directory, and plans.
 *
 * Nodes are migrations; edges run from each revision to its "revises"
 * parents and its "depends-on" dependencies. The graph is validated when
 * built: unique ids, known parents and dependencies, no cycle, branch
 * labels unique. Revisions are kept in one deterministic topological order
 * (parents and dependencies first; ties broken by revision id), which is
 * the order upgrades apply them in.
 *
 * The applied state of a database is the set of revisions its version table
 * names plus all their ancestors (through both kinds of edges). The version
 * table holds the maximal elements of that set ("applied heads").
 *
 * Targets (strata_graph_lookup and the planners):
 *   head        the single head; several heads are STRATA_EAMBIGUOUS (bad usage), with a hint
 *   heads       every head
 *   base        nothing applied
 *   <id>        a full id or a unique prefix (>= 4 characters); an ambiguous
 *               prefix is STRATA_EAMBIGUOUS listing the candidates
 *   <label>     a branch label: that branch's head
 *   <label>@head the same
 *   <tag>       a release tag of migrations/strata.tags: its revision
 *   +N / -N     N steps forward (upgrade) or back (downgrade) from the current state
 *   <x>+N / <x>-N  N steps from the revision x names (any of the above
 *               but heads; base+N counts from the one base revision) along
 *               "revises" edges: to the child (+) or the parent (-).
 *               A branch point or a merge on the way, or several heads
 *               for head-N, is STRATA_EAMBIGUOUS naming the candidates;
 *               going past base or past a head is STRATA_EINVALID. A
 *               whole name that is an id, label or tag wins over steps.
 */
#ifndef STRATA_GRAPH_H
#define STRATA_GRAPH_H

#include <stddef.h>
#include "strata/migration.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_graph strata_graph;

/**
 * Load every "*.sql" file of a directory (not following symlinks, not
 * descending) and build the graph, with the release tags of its
 * strata.tags when there is one. A file that is not a migration (no
 * "-- revision:" header) is an error naming it. An empty directory gives
 * an empty graph.
 *
 * @return 0, STRATA_ENOTFOUND (no such directory), STRATA_EPARSE (a bad
 *         file or graph, or a strata.tags line that is malformed or names
 *         a revision not in the directory; the message names the file and line)
 */
int strata_graph_load(strata_graph **out, const char *dir);

/** Build from parsed migrations; takes ownership of the array and its items, also on error. */
int strata_graph_build(strata_graph **out, strata_migration **migs, size_t n);

void strata_graph_free(strata_graph *g);

/** Number of revisions. */
size_t strata_graph_count(const strata_graph *g);

/** The i-th revision in topological (apply) order; i < count. Its index is i. */
const strata_migration *strata_graph_at(const strata_graph *g, size_t i);

/** Index of an exact revision id, or -1. */
long strata_graph_index(const strata_graph *g, const char *revision);

/** Parents (revises) and dependency indexes of node i. */
size_t strata_graph_parents(const size_t **out, const strata_graph *g, size_t i);
size_t strata_graph_dependencies(const size_t **out, const strata_graph *g, size_t i);
/** Children (revisions that revise i; dependencies excluded). */
size_t strata_graph_children(const size_t **out, const strata_graph *g, size_t i);

/** Head indexes (revisions no other revision revises or depends on), ascending. */
size_t strata_graph_heads(const size_t **out, const strata_graph *g);
/** Base indexes (revisions that revise nothing), ascending. */
size_t strata_graph_bases(const size_t **out, const strata_graph *g);

/**
 * Branch points (revisions with several children), ascending: the first
 * cap into out (the caller's array); returns how many there are.
 */
size_t strata_graph_branchpoints(size_t *out, size_t cap, const strata_graph *g);

/**
 * Find one revision: a full id, unique prefix, branch label, "<x>@head",
 * tag, "head", or any of those with +N / -N steps (see the target list).
 * @return 0, STRATA_ENOTFOUND, STRATA_EAMBIGUOUS (message lists the
 *         candidates), STRATA_EINVALID (steps past base or a head)
 */
int strata_graph_lookup(size_t *out, const strata_graph *g, const char *name);

/**
 * Release tags (migrations/strata.tags, read by strata_graph_load()): how
 * many, and the i-th in name order, its revision's index in *revision
 * (when not NULL). A graph from strata_graph_build() has none.
 */
size_t strata_graph_tag_count(const strata_graph *g);
const char *strata_graph_tag(size_t *revision, const strata_graph *g, size_t i);

/**
 * Applied set from version-table rows: out[i] = 1 if revision i is applied.
 * out must hold strata_graph_count() bytes.
 * @return 0, or STRATA_ENOTFOUND when a row names a revision absent from the
 *         directory (the message names it and says how to resolve)
 */
int strata_graph_applied(unsigned char *out, const strata_graph *g, const char *const *rows,
			 size_t nrows);

/**
 * The maximal elements of an applied set (what the version table should
 * hold): the first cap into out (the caller's array); returns how many
 * there are.
 */
size_t strata_graph_applied_heads(size_t *out, size_t cap, const strata_graph *g,
				  const unsigned char *applied);

typedef enum strata_direction {
	STRATA_UP = 1,
	STRATA_DOWN = 2,
} strata_direction;

typedef struct strata_plan {
	strata_direction direction;
	size_t *steps;   /* revision indexes in execution order */
	size_t nsteps;
} strata_plan;

/**
 * What to apply to go from `applied` up to `target` (see the target list
 * above): every ancestor of the target not yet applied, in topological
 * order. "+N" takes the first N steps towards "heads". "-N" and "base" are
 * STRATA_EINVALID here.
 */
int strata_plan_upgrade(strata_plan *out, const strata_graph *g, const unsigned char *applied,
			const char *target);

/**
 * What to revert to go down to `target`: every applied revision that is
 * a descendant of the target (the target stays applied), newest first.
 * "base" reverts everything; "-N" reverts the last N applied in reverse
 * topological order. A target that is not applied is STRATA_EINVALID.
 */
int strata_plan_downgrade(strata_plan *out, const strata_graph *g, const unsigned char *applied,
			  const char *target);

/** Revisions that would end up applied when stamping target (its ancestors, or none for base). */
int strata_plan_stamp(unsigned char *out_applied, const strata_graph *g, const char *target);

/**
 * The revisions applied in the state target names, where target may also
 * be relative to the database's state `applied` (NULL when not known):
 * "current" (that state itself), "+N" (after `strata upgrade +N`), "-N"
 * (after `strata downgrade -N`). Any other target is as for
 * strata_plan_stamp(). A relative target without `applied`, or a "-N"
 * going back further than what is applied, is STRATA_EINVALID.
 */
int strata_plan_state(unsigned char *out_applied, const strata_graph *g,
		      const unsigned char *applied, const char *target);

void strata_plan_release(strata_plan *p);

#ifdef __cplusplus
}
#endif
#endif
