/*
 * core/revgraph.c - the revision graph of a migrations directory: loading,
 * validation, topological order, target resolution and plans
 * (strata/graph.h).
 *
 * Layer: core. Uses core/migfile and util only; never touches a database
 * and never prints.
 *
 * Representation. Nodes are numbered by their position in the one
 * topological order, so "index" and "apply order" are the same thing.
 * Edges are kept as compressed adjacency arrays (CSR: the neighbours of
 * node i are x[x_off[i] .. x_off[i+1])):
 *
 *   par    parents (the "revises" list, in header order)
 *   dep    dependencies ("depends-on", in header order)
 *   child  revisions whose "revises" names i, ascending
 *   succ   children and dependents (every node with an edge to i), ascending
 *
 * Invariants of a built graph:
 *  1. Every par and dep entry of node i is < i, every child and succ entry
 *     is > i. Ancestor closure is therefore one sweep from the last index
 *     down, descendant closure one sweep up: O(V + E), no stack.
 *  2. The order is Kahn's algorithm taking, among the ready nodes, the one
 *     with the smallest revision id (a min-heap over id ranks): the same
 *     directory always gives the same order.
 *  3. Revision ids are unique, every parent and dependency exists, branch
 *     labels are unique and none is also a revision id, each file's name
 *     starts with its revision id.
 *  4. ids maps revision -> index + 1, labels maps branch label -> index + 1;
 *     their keys point into the migrations, which the graph owns.
 *  5. byid lists the indexes sorted by revision id, for prefix lookup by
 *     binary search.
 *  6. tags (strata.tags, see core/tags.h) are sorted by name, each on a
 *     revision of the graph, none named like a branch label.
 *
 * An applied set is an array of n bytes (1 = applied). The planners expect
 * it ancestor-closed, as strata_graph_applied() and strata_plan_stamp()
 * give it.
 *
 * Names are resolved by strata_graph_lookup() in this order: an exact
 * revision id, a branch label, a tag, "head", a unique prefix; then, if
 * none of these is the whole name, "<name>+N" / "<name>-N" steps from
 * <name> along "revises" edges (relative_lookup()).
 *
 * New target syntax: extend mark_target() (shared by every planner) and
 * the target list in strata/graph.h.
 */
#include "core/migfile.h"
#include "core/tags.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PREFIX 4
#define HISTORY_HINT "see `strata history` for the revisions and branch labels"

struct strata_graph {
	strata_migration **migs; /* in topological order; owned */
	size_t n;
	size_t *par_off, *par;
	size_t *dep_off, *dep;
	size_t *child_off, *child;
	size_t *succ_off, *succ;
	size_t *heads, nheads;
	size_t *bases, nbases;
	size_t *byid;
	strata_map ids;
	strata_map labels;
	tag_list tags;    /* sorted by name */
	char *tags_text;  /* strata.tags as read, or NULL when the folder has none */
	size_t tags_len;
};

/* ---- building ------------------------------------------------------------ */

typedef struct id_rank {
	const char *id;
	size_t idx;
} id_rank;

static int cmp_id_rank(const void *a, const void *b)
{
	return strcmp(((const id_rank *)a)->id, ((const id_rank *)b)->id);
}

static int is_sorted(const id_rank *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp_id_rank(&v[i - 1], &v[i]) > 0)
			return 0;
	return 1;
}

static size_t *new_sizes(size_t n)
{
	return strata_calloc(n ? n : 1, sizeof(size_t));
}

static void *idx_value(size_t i)
{
	return (void *)(uintptr_t)(i + 1);
}

/* Index stored in a map, or -1. */
static long map_index(const strata_map *m, const char *key)
{
	void *v = strata__map_get(m, key);

	return v ? (long)((uintptr_t)v - 1) : -1;
}

static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;

	while (i) {
		size_t p = (i - 1) / 2;

		if (h[p] <= v)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = v;
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], v = h[--*n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (v <= h[c])
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
	return top;
}

/* "<revision>_<slug>.sql" or "<revision>.sql". */
static int check_filename(const strata_migration *m)
{
	const char *f = m->filename, *slug = f;
	size_t flen = strlen(f), slen;

	size_t idlen = strlen(m->revision);

	if (strncmp(f, m->revision, idlen) == 0 && (f[idlen] == '_' || f[idlen] == '.'))
		return 0;
	/* Suggest a name: keep the slug, drop a wrong id in front of it. */
	if (flen > 4 && strcmp(f + flen - 4, ".sql") == 0)
		flen -= 4;
	if (flen > STRATA_REVISION_LEN && f[STRATA_REVISION_LEN] == '_' &&
	    strspn(f, "0123456789abcdef") >= STRATA_REVISION_LEN)
		slug = f + STRATA_REVISION_LEN + 1;
	slen = flen - (size_t)(slug - f);
	strata_error_set(STRATA_EPARSE, "%s:%d: the file name does not start with its revision id %s",
			 m->path, strata__migfile_header_line(m, "revision"), m->revision);
	strata_error_hint("rename it to %s_%.*s.sql (migration files are named <revision>_<slug>.sql)",
			  m->revision, (int)(slen ? slen : 9), slen ? slug : "migration");
	return STRATA_EPARSE;
}

/* Resolve one id list of migs[i] (original indexes) into dst; *k advances. */
static int resolve_edges(const strata_graph *g, size_t i, char **ids, size_t nids, int is_dep,
			 size_t *dst, size_t *k)
{
	const strata_migration *m = g->migs[i];
	size_t j;

	for (j = 0; j < nids; j++) {
		long p = map_index(&g->ids, ids[j]);

		if (p < 0) {
			strata_error_set(STRATA_EPARSE, "%s:%d: unknown %s %s", m->path,
					 strata__migfile_header_line(m, is_dep ? "depends-on" : "revises"),
					 is_dep ? "dependency" : "parent revision", ids[j]);
			strata_error_hint("no file in the migrations directory has '-- revision: "
					  "%s'; fix the '%s' header, or restore the missing file",
					  ids[j], is_dep ? "depends-on" : "revises");
			return STRATA_EPARSE;
		}
		dst[(*k)++] = (size_t)p;
	}
	return 0;
}

/*
 * Report a cycle among the nodes Kahn's algorithm could not order (those
 * with indeg > 0). Each of them has an unordered parent or dependency, so
 * walking to one repeatedly must revisit a node: the walk from there on is
 * a cycle. It is listed from its smallest id, each revision revising or
 * depending on the next.
 */
static int report_cycle(const strata_graph *g, const id_rank *sorted, const size_t *rank,
			const size_t *indeg, const size_t *opar_off, const size_t *opar,
			const size_t *odep_off, const size_t *odep)
{
	size_t n = g->n, *walk = NULL, *seen = NULL, len = 0, start = 0, cur, r, j, first, best;
	strata_buf msg = STRATA_BUF_INIT, files = STRATA_BUF_INIT;
	const strata_migration *m0;
	int rc = STRATA_ERROR, is_dep;

	if (!(walk = new_sizes(n)) || !(seen = new_sizes(n)))
		goto done;
	for (r = 0; r < n; r++) {
		if (indeg[sorted[r].idx]) {
			start = sorted[r].idx;
			break;
		}
	}
	for (cur = start; !seen[cur];) {
		size_t next = cur;

		seen[cur] = ++len;
		walk[len - 1] = cur;
		for (j = opar_off[cur]; j < opar_off[cur + 1] && next == cur; j++)
			if (indeg[opar[j]])
				next = opar[j];
		for (j = odep_off[cur]; j < odep_off[cur + 1] && next == cur; j++)
			if (indeg[odep[j]])
				next = odep[j];
		cur = next;
	}
	first = seen[cur] - 1; /* the cycle is walk[first .. len) */
	best = first;
	for (j = first; j < len; j++)
		if (rank[walk[j]] < rank[walk[best]])
			best = j;
	for (j = 0; j <= len - first; j++) {
		size_t k = first + (best - first + j) % (len - first);
		const strata_migration *m = g->migs[walk[k]];

		if (strata__buf_printf(&msg, "%s%s", j ? " -> " : "", m->revision) < 0)
			goto done;
		if (j < len - first &&
		    strata__buf_printf(&files, "%s%s", j ? ", " : "", m->filename) < 0)
			goto done;
	}
	/* Name the line of cycle[0]'s edge to cycle[1]. */
	m0 = g->migs[walk[best]];
	cur = walk[first + (best - first + 1) % (len - first)];
	is_dep = 1;
	for (j = opar_off[walk[best]]; j < opar_off[walk[best] + 1]; j++)
		if (opar[j] == cur)
			is_dep = 0;
	rc = strata_error_set(STRATA_EPARSE,
			      "%s:%d: the revisions form a cycle: %s "
			      "(each revises or depends on the next)",
			      m0->path, strata__migfile_header_line(m0, is_dep ? "depends-on" : "revises"),
			      strata__buf_cstr(&msg));
	strata_error_hint("break the cycle in the 'revises' or 'depends-on' header of one of: %s",
			  strata__buf_cstr(&files));
done:
	strata__buf_release(&msg);
	strata__buf_release(&files);
	strata_free(walk);
	strata_free(seen);
	return rc;
}

/*
 * Reverse adjacency in CSR form: for each node, the nodes whose parents
 * (and, with with_deps, dependencies) name it, ascending.
 */
static int build_reverse(size_t **off_out, size_t **adj_out, const strata_graph *g, int with_deps)
{
	size_t n = g->n, i, j, *off, *adj, *fill = NULL, total;

	*off_out = *adj_out = NULL;
	if (!(off = new_sizes(n + 1)))
		return STRATA_ERROR;
	for (i = 0; i < n; i++) {
		for (j = g->par_off[i]; j < g->par_off[i + 1]; j++)
			off[g->par[j] + 1]++;
		for (j = g->dep_off[i]; with_deps && j < g->dep_off[i + 1]; j++)
			off[g->dep[j] + 1]++;
	}
	for (i = 0; i < n; i++)
		off[i + 1] += off[i];
	total = off[n];
	if (!(adj = new_sizes(total)) || !(fill = new_sizes(n))) {
		strata_free(off);
		strata_free(adj);
		return STRATA_ERROR;
	}
	/* Visiting i ascending keeps each list ascending. */
	for (i = 0; i < n; i++) {
		for (j = g->par_off[i]; j < g->par_off[i + 1]; j++)
			adj[off[g->par[j]] + fill[g->par[j]]++] = i;
		for (j = g->dep_off[i]; with_deps && j < g->dep_off[i + 1]; j++)
			adj[off[g->dep[j]] + fill[g->dep[j]]++] = i;
	}
	strata_free(fill);
	*off_out = off;
	*adj_out = adj;
	return 0;
}

int strata_graph_build(strata_graph **out, strata_migration **migs, size_t n)
{
	strata_graph *g;
	size_t *opar_off = NULL, *opar = NULL, *odep_off = NULL, *odep = NULL;
	size_t *osucc_off = NULL, *osucc = NULL, *fill = NULL, *rank = NULL, *indeg = NULL;
	size_t *order = NULL, *pos = NULL, *heap = NULL, nheap = 0, i, j, k, npar = 0, ndep = 0;
	strata_migration **tmp = NULL;
	id_rank *sorted = NULL;
	int rc = STRATA_ERROR;

	if (out)
		*out = NULL;
	if (!(g = strata_calloc(1, sizeof(*g)))) {
		for (i = 0; i < n; i++)
			strata_migration_free(migs[i]);
		strata_free(migs);
		return STRATA_ERROR;
	}
	g->migs = migs;
	g->n = n;
	if (!out || (n && !migs)) {
		rc = strata_error_set(STRATA_EINVALID, "strata_graph_build: missing argument");
		goto done;
	}

	/* 1. Names and ids (original indexes, input order). */
	for (i = 0; i < n; i++) {
		const strata_migration *m = migs[i];
		long other;

		if ((rc = check_filename(m)) < 0)
			goto done;
		if ((other = map_index(&g->ids, m->revision)) >= 0) {
			const strata_migration *o = migs[other];

			rc = strata_error_set(STRATA_EPARSE,
					      "%s:%d: revision %s is also defined in %s:%d",
					      m->path, strata__migfile_header_line(m, "revision"), m->revision,
					      o->path, strata__migfile_header_line(o, "revision"));
			strata_error_hint("every revision needs its own id: give one of the files "
					  "a new id and file name, and update the revisions that "
					  "revise it");
			goto done;
		}
		if ((rc = strata__map_put(&g->ids, m->revision, idx_value(i))) < 0)
			goto done;
		npar += m->nrevises;
		ndep += m->ndepends_on;
	}

	/* 2. Edges, still in original indexes. */
	rc = STRATA_ERROR;
	if (!(opar_off = new_sizes(n + 1)) || !(opar = new_sizes(npar)) ||
	    !(odep_off = new_sizes(n + 1)) || !(odep = new_sizes(ndep)))
		goto done;
	for (i = 0, j = 0, k = 0; i < n; i++) {
		opar_off[i] = j;
		odep_off[i] = k;
		const strata_migration *m = migs[i];

		if ((rc = resolve_edges(g, i, m->revises, m->nrevises, 0, opar, &j)) < 0 ||
		    (rc = resolve_edges(g, i, m->depends_on, m->ndepends_on, 1, odep, &k)) < 0)
			goto done;
	}
	opar_off[n] = j;
	odep_off[n] = k;

	/* 3. Branch labels. */
	for (i = 0; i < n; i++) {
		const strata_migration *m = migs[i];
		long other;

		if (!m->branch)
			continue;
		if ((other = map_index(&g->labels, m->branch)) >= 0) {
			const strata_migration *o = migs[other];

			rc = strata_error_set(STRATA_EPARSE,
					      "%s:%d: branch label '%s' is also used by %s:%d",
					      m->path, strata__migfile_header_line(m, "branch"), m->branch,
					      o->path, strata__migfile_header_line(o, "branch"));
			strata_error_hint("a branch label names one branch: rename one of them");
			goto done;
		}
		if ((other = map_index(&g->ids, m->branch)) >= 0) {
			rc = strata_error_set(STRATA_EPARSE,
					      "%s:%d: branch label '%s' is also the id of the revision "
					      "in %s", m->path, strata__migfile_header_line(m, "branch"),
					      m->branch, migs[other]->path);
			strata_error_hint("a name means one thing: rename the branch label");
			goto done;
		}
		if ((rc = strata__map_put(&g->labels, m->branch, idx_value(i))) < 0)
			goto done;
	}

	/* 4. Successors (original indexes) and id ranks. */
	rc = STRATA_ERROR;
	if (!(osucc_off = new_sizes(n + 1)) || !(osucc = new_sizes(npar + ndep)) ||
	    !(fill = new_sizes(n)) || !(rank = new_sizes(n)) || !(indeg = new_sizes(n)) ||
	    !(order = new_sizes(n)) || !(pos = new_sizes(n)) || !(heap = new_sizes(n)) ||
	    !(sorted = strata_calloc(n ? n : 1, sizeof(*sorted))))
		goto done;
	for (i = 0; i < npar; i++)
		osucc_off[opar[i] + 1]++;
	for (i = 0; i < ndep; i++)
		osucc_off[odep[i] + 1]++;
	for (i = 0; i < n; i++)
		osucc_off[i + 1] += osucc_off[i];
	for (i = 0; i < n; i++) {
		for (j = opar_off[i]; j < opar_off[i + 1]; j++)
			osucc[osucc_off[opar[j]] + fill[opar[j]]++] = i;
		for (j = odep_off[i]; j < odep_off[i + 1]; j++)
			osucc[osucc_off[odep[j]] + fill[odep[j]]++] = i;
		indeg[i] = (opar_off[i + 1] - opar_off[i]) + (odep_off[i + 1] - odep_off[i]);
		sorted[i].id = migs[i]->revision;
		sorted[i].idx = i;
	}
	/* Files are listed in name order, and names start with their ids: mostly sorted already. */
	if (n && !is_sorted(sorted, n))
		qsort(sorted, n, sizeof(*sorted), cmp_id_rank);
	for (i = 0; i < n; i++)
		rank[sorted[i].idx] = i;

	/* 5. Kahn's algorithm, smallest id first among the ready nodes. */
	for (i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(heap, &nheap, rank[i]);
	for (k = 0; nheap; k++) {
		size_t v = sorted[heap_pop(heap, &nheap)].idx;

		order[k] = v;
		pos[v] = k;
		for (j = osucc_off[v]; j < osucc_off[v + 1]; j++)
			if (--indeg[osucc[j]] == 0)
				heap_push(heap, &nheap, rank[osucc[j]]);
	}
	if (k < n) {
		rc = report_cycle(g, sorted, rank, indeg, opar_off, opar, odep_off, odep);
		goto done;
	}

	/* 6. Renumber everything into topological order. */
	if (!(tmp = strata_calloc(n ? n : 1, sizeof(*tmp))) || !(g->par_off = new_sizes(n + 1)) ||
	    !(g->par = new_sizes(npar)) || !(g->dep_off = new_sizes(n + 1)) ||
	    !(g->dep = new_sizes(ndep)) || !(g->byid = new_sizes(n)))
		goto done;
	for (k = 0; k < n; k++) {
		size_t v = order[k];

		tmp[k] = migs[v];
		g->par_off[k + 1] = g->par_off[k];
		for (j = opar_off[v]; j < opar_off[v + 1]; j++)
			g->par[g->par_off[k + 1]++] = pos[opar[j]];
		g->dep_off[k + 1] = g->dep_off[k];
		for (j = odep_off[v]; j < odep_off[v + 1]; j++)
			g->dep[g->dep_off[k + 1]++] = pos[odep[j]];
		g->byid[rank[v]] = k;
	}
	memcpy(migs, tmp, n * sizeof(*migs));
	for (k = 0; k < n; k++) {
		if ((rc = strata__map_put(&g->ids, migs[k]->revision, idx_value(k))) < 0 ||
		    (migs[k]->branch && (rc = strata__map_put(&g->labels, migs[k]->branch, idx_value(k))) < 0))
			goto done;
	}
	rc = STRATA_ERROR;
	if (build_reverse(&g->child_off, &g->child, g, 0) < 0 ||
	    build_reverse(&g->succ_off, &g->succ, g, 1) < 0 ||
	    !(g->heads = new_sizes(n)) || !(g->bases = new_sizes(n)))
		goto done;
	for (k = 0; k < n; k++) {
		if (g->succ_off[k + 1] == g->succ_off[k])
			g->heads[g->nheads++] = k;
		if (g->par_off[k + 1] == g->par_off[k])
			g->bases[g->nbases++] = k;
	}

	*out = g;
	g = NULL;
	rc = 0;
done:
	strata_graph_free(g);
	strata_free(opar_off);
	strata_free(opar);
	strata_free(odep_off);
	strata_free(odep);
	strata_free(osucc_off);
	strata_free(osucc);
	strata_free(fill);
	strata_free(rank);
	strata_free(indeg);
	strata_free(order);
	strata_free(pos);
	strata_free(heap);
	strata_free(sorted);
	strata_free(tmp);
	return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int strata_graph_load(strata_graph **out, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT;
	strata_migration **migs = NULL;
	fs_dir d;
	size_t n = 0, i;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(dir);
	*out = NULL;
	if ((rc = strata__fs_dir_open(&d, dir)) < 0) {
		if (rc == STRATA_ENOTFOUND)
			strata_error_hint("create the migrations directory, or point --migrations (or "
					  "'migrations' in strata.ini) at it");
		goto done;
	}
	rc = STRATA_ERROR;
	if (!(migs = strata_calloc(d.count ? d.count : 1, sizeof(*migs))))
		goto done;
	for (i = 0; i < d.count; i++) {
		if (!has_suffix(d.names[i], ".sql"))
			continue; /* strata.sum, READMEs, editor leftovers */
		if ((rc = strata__fs_join(&path, dir, d.names[i])) < 0 ||
		    (rc = strata__migfile_load_at(&migs[n], &d, d.names[i], strata__buf_cstr(&path))) < 0)
			goto done;
		n++;
	}
	rc = strata_graph_build(out, migs, n);
	migs = NULL; /* the graph took them, also on error */
	if (rc == 0 && (rc = strata__tags_load(*out, &d, dir)) < 0) {
		strata_graph_free(*out);
		*out = NULL;
	}
done:
	if (migs) {
		for (i = 0; i < n; i++)
			strata_migration_free(migs[i]);
		strata_free(migs);
	}
	strata__fs_dir_close(&d);
	strata__buf_release(&path);
	return rc;
}

void strata_graph_free(strata_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->n && g->migs; i++)
		strata_migration_free(g->migs[i]);
	strata_free(g->migs);
	strata_free(g->par_off);
	strata_free(g->par);
	strata_free(g->dep_off);
	strata_free(g->dep);
	strata_free(g->child_off);
	strata_free(g->child);
	strata_free(g->succ_off);
	strata_free(g->succ);
	strata_free(g->heads);
	strata_free(g->bases);
	strata_free(g->byid);
	strata__map_release(&g->ids);
	strata__map_release(&g->labels);
	strata__tags_release(&g->tags);
	strata_free(g->tags_text);
	strata_free(g);
}

/* ---- accessors ----------------------------------------------------------- */

size_t strata_graph_count(const strata_graph *g)
{
	return g ? g->n : 0;
}

const strata_migration *strata_graph_at(const strata_graph *g, size_t i)
{
	return g && i < g->n ? g->migs[i] : NULL;
}

long strata_graph_index(const strata_graph *g, const char *revision)
{
	return g && revision ? map_index(&g->ids, revision) : -1;
}

static size_t slice(const size_t *off, const size_t *adj, size_t i, const size_t **out)
{
	*out = adj + off[i];
	return off[i + 1] - off[i];
}

size_t strata_graph_parents(const size_t **out, const strata_graph *g, size_t i)
{
	return slice(g->par_off, g->par, i, out);
}

size_t strata_graph_dependencies(const size_t **out, const strata_graph *g, size_t i)
{
	return slice(g->dep_off, g->dep, i, out);
}

size_t strata_graph_children(const size_t **out, const strata_graph *g, size_t i)
{
	return slice(g->child_off, g->child, i, out);
}

size_t strata_graph_heads(const size_t **out, const strata_graph *g)
{
	*out = g->heads;
	return g->nheads;
}

size_t strata_graph_bases(const size_t **out, const strata_graph *g)
{
	*out = g->bases;
	return g->nbases;
}

/* Returns the number of branch points; writes the first cap of them. */
size_t strata_graph_branchpoints(size_t *out, size_t cap, const strata_graph *g)
{
	size_t i, k = 0;

	for (i = 0; i < g->n; i++) {
		if (g->child_off[i + 1] - g->child_off[i] > 1) {
			if (k < cap)
				out[k] = i;
			k++;
		}
	}
	return k;
}

/* ---- tags ---------------------------------------------------------------- */

int strata__revgraph_set_tags(strata_graph *g, tag_list *tags, char *text, size_t len)
{
	strata__tags_release(&g->tags);
	strata_free(g->tags_text);
	g->tags = *tags;
	memset(tags, 0, sizeof(*tags));
	g->tags_text = text;
	g->tags_len = len;
	return 0;
}

const char *strata__revgraph_tags_text(const strata_graph *g, size_t *len)
{
	*len = g->tags_len;
	return g->tags_text;
}

int strata__revgraph_has_label(const strata_graph *g, const char *name)
{
	return map_index(&g->labels, name) >= 0;
}

long strata__revgraph_tag_index(const strata_graph *g, const char *name)
{
	size_t lo = 0, hi = g->tags.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->tags.v[mid].name, name);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t strata_graph_tag_count(const strata_graph *g)
{
	return g ? g->tags.n : 0;
}

const char *strata_graph_tag(size_t *revision, const strata_graph *g, size_t i)
{
	if (!g || i >= g->tags.n)
		return NULL;
	if (revision)
		*revision = g->tags.v[i].idx;
	return g->tags.v[i].name;
}

/* ---- lookup -------------------------------------------------------------- */

static int is_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

/*
 * The head of the branch that runs through node s: the one revision
 * without children among s and its descendants along "revises" edges.
 */
static int branch_head(size_t *out, const strata_graph *g, size_t s, const char *name)
{
	unsigned char *mark;
	strata_buf list = STRATA_BUF_INIT;
	size_t i, j, found = 0, nfound = 0;
	int rc = STRATA_ERROR;

	if (g->child_off[s + 1] == g->child_off[s]) {
		*out = s;
		return 0;
	}
	if (!(mark = strata_calloc(g->n, 1)))
		return STRATA_ERROR;
	mark[s] = 1;
	for (i = s + 1; i < g->n; i++)
		for (j = g->par_off[i]; j < g->par_off[i + 1] && !mark[i]; j++)
			mark[i] = mark[g->par[j]];
	for (i = s; i < g->n; i++) {
		if (!mark[i] || g->child_off[i + 1] != g->child_off[i])
			continue;
		if (strata__buf_printf(&list, "%s%s", nfound ? ", " : "", g->migs[i]->revision) < 0)
			goto done;
		found = i;
		nfound++;
	}
	if (nfound == 1) {
		*out = found;
		rc = 0;
	} else {
		rc = strata_error_set(STRATA_EAMBIGUOUS, "branch '%s' has %zu heads: %s", name, nfound,
				      strata__buf_cstr(&list));
		strata_error_hint("merge them with `strata merge`, or name one of the revisions");
	}
done:
	strata__buf_release(&list);
	strata_free(mark);
	return rc;
}

/* Exact id, branch label or unique prefix; *is_label tells which way it was found. */
static int lookup_node(size_t *out, int *is_label, const strata_graph *g, const char *name)
{
	size_t len = strlen(name), lo = 0, hi = g->n, i, nmatch;
	strata_buf list = STRATA_BUF_INIT;
	long idx;
	int rc;

	*is_label = 0;
	if ((idx = map_index(&g->ids, name)) >= 0) {
		*out = (size_t)idx;
		return 0;
	}
	if ((idx = map_index(&g->labels, name)) >= 0) {
		*out = (size_t)idx;
		*is_label = 1;
		return 0;
	}
	if ((idx = strata__revgraph_tag_index(g, name)) >= 0) {
		*out = g->tags.v[idx].idx;
		return 0;
	}
	if (is_hex(name) && len < MIN_PREFIX) {
		strata_error_set(STRATA_ENOTFOUND, "revision prefix '%s' is too short", name);
		strata_error_hint("give at least %d characters of the revision id; %s", MIN_PREFIX,
				  HISTORY_HINT);
		return STRATA_ENOTFOUND;
	}
	/* Any id may be named by a unique prefix (imported ids are not hex). */
	if (len < MIN_PREFIX || len >= STRATA_REVISION_MAX) {
		strata_error_set(STRATA_ENOTFOUND, "unknown revision '%s'", name);
		strata_error_hint(HISTORY_HINT);
		return STRATA_ENOTFOUND;
	}
	/* Binary search for the first id >= name, then the run that starts with it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(g->migs[g->byid[mid]]->revision, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < g->n && strncmp(g->migs[g->byid[i]]->revision, name, len) == 0; i++)
		;
	nmatch = i - lo;
	if (nmatch == 1) {
		*out = g->byid[lo];
		return 0;
	}
	if (nmatch == 0) {
		strata_error_set(STRATA_ENOTFOUND, "unknown revision '%s'", name);
		strata_error_hint(HISTORY_HINT);
		return STRATA_ENOTFOUND;
	}
	for (i = lo; i < lo + nmatch; i++)
		if (strata__buf_printf(&list, "%s%s", i > lo ? ", " : "", g->migs[g->byid[i]]->revision) < 0) {
			strata__buf_release(&list);
			return STRATA_ERROR;
		}
	rc = strata_error_set(STRATA_EAMBIGUOUS, "revision prefix '%s' is ambiguous: %s", name,
			      strata__buf_cstr(&list));
	strata_error_hint("give more characters of the revision id");
	strata__buf_release(&list);
	return rc;
}

/* "a, b, c": the revision ids of n indexes. */
static int put_revisions(strata_buf *b, const strata_graph *g, const size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strata__buf_printf(b, "%s%s", i ? ", " : "", g->migs[v[i]]->revision) < 0)
			return STRATA_ERROR;
	return 0;
}

/*
 * The one head, for target ("head", or "head" followed by the steps in
 * suffix, which the hint repeats). Several heads are STRATA_EAMBIGUOUS
 * naming them; none is STRATA_ENOTFOUND.
 */
static int single_head(size_t *out, const strata_graph *g, const char *target, const char *suffix)
{
	strata_buf list = STRATA_BUF_INIT;
	const char *first;

	if (g->nheads == 1) {
		*out = g->heads[0];
		return 0;
	}
	if (g->nheads == 0) {
		strata_error_set(STRATA_ENOTFOUND, "'%s' names no revision: the migrations directory "
				 "has none", target);
		strata_error_hint("write the first one with `strata revision -m MESSAGE`");
		return STRATA_ENOTFOUND;
	}
	if (put_revisions(&list, g, g->heads, g->nheads) < 0) {
		strata__buf_release(&list);
		return STRATA_ERROR;
	}
	first = g->migs[g->heads[0]]->revision;
	/* Bad usage, not a bad state: the user has to say which head. */
	if (!*suffix) {
		strata_error_set(STRATA_EAMBIGUOUS, "'%s' is ambiguous: there are %zu heads: %s",
				 target, g->nheads, strata__buf_cstr(&list));
		strata_error_hint("name one head (for example %s), give `heads` for all of them, "
				  "or join them with `strata merge -m MESSAGE`", first);
	} else {
		strata_error_set(STRATA_EAMBIGUOUS, "'%s' is ambiguous: there are %zu heads (%s); "
				 "name one", target, g->nheads, strata__buf_cstr(&list));
		strata_error_hint("step from the head you mean (for example %s%s), or join the "
				  "heads with `strata merge -m MESSAGE`", first, suffix);
	}
	strata__buf_release(&list);
	return STRATA_EAMBIGUOUS;
}

/* An id, a prefix, a branch label, a tag, "head" or "<x>@head" (no steps). */
static int lookup_plain(size_t *out, const strata_graph *g, const char *name)
{
	size_t len, node;
	int rc, is_label;
	char *base;

	if (strcmp(name, "head") == 0)
		return single_head(out, g, name, "");
	len = strlen(name);
	if (len > 5 && strcmp(name + len - 5, "@head") == 0) {
		/* "<label>@head", or "<revision>@head": the head of the branch through it. */
		if (!(base = strata_strndup(name, len - 5)))
			return STRATA_ERROR;
		rc = lookup_node(&node, &is_label, g, base);
		if (rc == 0)
			rc = branch_head(out, g, node, base);
		strata_free(base);
		return rc;
	}
	if (strchr(name, '@')) {
		strata_error_set(STRATA_ENOTFOUND, "unknown revision '%s'", name);
		strata_error_hint("'@' is only understood as '<branch>@head'; %s", HISTORY_HINT);
		return STRATA_ENOTFOUND;
	}
	if ((rc = lookup_node(&node, &is_label, g, name)) < 0)
		return rc;
	if (is_label)
		return branch_head(out, g, node, name);
	*out = node;
	return 0;
}

/*
 * Where "<name>+N" / "<name>-N" has its sign: the last '+' or '-' that
 * only digits follow and something precedes; NULL when there is none
 * ("+N" and "-N" alone are steps from the database's state, for the
 * planners).
 */
static const char *relative_sign(const char *name)
{
	size_t i = strlen(name), len = i;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || i < 2 || (name[i - 1] != '+' && name[i - 1] != '-'))
		return NULL;
	return name + i - 1;
}

/* Whether the whole name is an id, a label or a tag (which then wins over steps). */
static int names_exactly(const strata_graph *g, const char *name)
{
	return map_index(&g->ids, name) >= 0 || map_index(&g->labels, name) >= 0 ||
	       strata__revgraph_tag_index(g, name) >= 0;
}

/*
 * steps moves from node along "revises" edges: to its child (forward) or
 * its parent. Depends-on edges are not steps. A revision with several
 * children (a branch point) or parents (a merge) on the way is
 * STRATA_EAMBIGUOUS naming them; running out is STRATA_EINVALID.
 */
static int walk_steps(size_t *out, const strata_graph *g, const char *target, size_t node,
		      int forward, size_t steps)
{
	for (size_t k = 0; k < steps; k++) {
		const size_t *next;
		size_t nnext = forward ? slice(g->child_off, g->child, node, &next)
				       : slice(g->par_off, g->par, node, &next);
		const char *rev = g->migs[node]->revision;
		strata_buf list = STRATA_BUF_INIT;
		size_t left = steps - k - 1;

		if (nnext == 1) {
			node = next[0];
			continue;
		}
		if (nnext == 0) {
			if (forward) {
				strata_error_set(STRATA_EINVALID, "'%s' goes past a head: %s has no "
						 "child revision", target, rev);
				strata_error_hint("give fewer steps; %s is as far as this branch goes",
						  rev);
			} else {
				strata_error_set(STRATA_EINVALID, "'%s' goes past base: %s has no "
						 "parent revision", target, rev);
				strata_error_hint("give fewer steps; 'base' names the state before "
						  "the first revision (as in `strata downgrade base`)");
			}
			return STRATA_EINVALID;
		}
		if (put_revisions(&list, g, next, nnext) < 0) {
			strata__buf_release(&list);
			return STRATA_ERROR;
		}
		strata_error_set(STRATA_EAMBIGUOUS, "'%s' is ambiguous: %s has %zu %s (%s); name one",
				 target, rev, nnext, forward ? "children" : "parents", strata__buf_cstr(&list));
		if (left)
			strata_error_hint("step from the one you mean, for example %s%c%zu",
					  g->migs[next[0]]->revision, forward ? '+' : '-', left);
		else
			strata_error_hint("name the one you mean, for example %s",
					  g->migs[next[0]]->revision);
		strata__buf_release(&list);
		return STRATA_EAMBIGUOUS;
	}
	*out = node;
	return 0;
}

/* "base+N": the first step goes to the one base revision. */
static int base_step(size_t *out, const strata_graph *g, const char *target, int forward,
		     size_t steps)
{
	strata_buf list = STRATA_BUF_INIT;

	if (!forward || steps == 0) {
		strata_error_set(STRATA_EINVALID, "'%s' %s", target,
				 forward ? "is base itself, which is no revision" : "goes past base");
		strata_error_hint("'base' names the state before the first revision; base+1 is "
				  "the first revision");
		return STRATA_EINVALID;
	}
	if (g->nbases == 1)
		return walk_steps(out, g, target, g->bases[0], 1, steps - 1);
	if (g->nbases == 0) {
		strata_error_set(STRATA_ENOTFOUND, "'%s' names no revision: the migrations directory "
				 "has none", target);
		return STRATA_ENOTFOUND;
	}
	if (put_revisions(&list, g, g->bases, g->nbases) < 0) {
		strata__buf_release(&list);
		return STRATA_ERROR;
	}
	strata_error_set(STRATA_EAMBIGUOUS, "'%s' is ambiguous: there are %zu bases (%s); name one",
			 target, g->nbases, strata__buf_cstr(&list));
	strata_error_hint("step from the base you mean, for example %s+%zu",
			  g->migs[g->bases[0]]->revision, steps - 1);
	strata__buf_release(&list);
	return STRATA_EAMBIGUOUS;
}

/* "<name>+N" / "<name>-N", sign pointing at the sign (see relative_sign()). */
static int relative_lookup(size_t *out, const strata_graph *g, const char *target,
			   const char *sign)
{
	int forward = *sign == '+', rc;
	size_t steps = 0, node;
	char *stem;

	for (const char *p = sign + 1; *p; p++) {
		if (steps > (SIZE_MAX - 9) / 10) {
			strata_error_set(STRATA_EINVALID, "'%s': too many steps", target);
			return STRATA_EINVALID;
		}
		steps = steps * 10 + (size_t)(*p - '0');
	}
	if (!(stem = strata_strndup(target, (size_t)(sign - target))))
		return STRATA_ERROR;
	if (strcmp(stem, "base") == 0) {
		rc = base_step(out, g, target, forward, steps);
		goto done;
	}
	if (strcmp(stem, "heads") == 0 || strcmp(stem, "current") == 0) {
		rc = strata_error_set(STRATA_EINVALID, "'%s': steps start from one revision, and "
				      "'%s' is not one", target, stem);
		strata_error_hint(strcmp(stem, "heads") == 0
					  ? "step from one head (head%s when there is only one)"
					  : "steps from the database's state are written alone: %s",
				  sign);
		goto done;
	}
	rc = strcmp(stem, "head") == 0 ? single_head(&node, g, target, sign)
				       : lookup_plain(&node, g, stem);
	if (rc == 0)
		rc = walk_steps(out, g, target, node, forward, steps);
	else if (strcmp(stem, "head") != 0)
		strata_error_append(" (in '%s')", target);
done:
	strata_free(stem);
	return rc;
}

int strata_graph_lookup(size_t *out, const strata_graph *g, const char *name)
{
	const char *sign;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(name);
	if ((sign = relative_sign(name)) && !names_exactly(g, name))
		return relative_lookup(out, g, name, sign);
	return lookup_plain(out, g, name);
}

/* ---- applied sets -------------------------------------------------------- */

/* Add every ancestor (both edge kinds) of the marked nodes. */
static void close_ancestors(const strata_graph *g, unsigned char *mark)
{
	size_t i, j;

	for (i = g->n; i-- > 0;) {
		if (!mark[i])
			continue;
		for (j = g->par_off[i]; j < g->par_off[i + 1]; j++)
			mark[g->par[j]] = 1;
		for (j = g->dep_off[i]; j < g->dep_off[i + 1]; j++)
			mark[g->dep[j]] = 1;
	}
}

/* Add every descendant (both edge kinds) of the marked nodes. */
static void close_descendants(const strata_graph *g, unsigned char *mark)
{
	size_t i, j;

	for (i = 0; i < g->n; i++)
		if (mark[i])
			for (j = g->succ_off[i]; j < g->succ_off[i + 1]; j++)
				mark[g->succ[j]] = 1;
}

int strata_graph_applied(unsigned char *out, const strata_graph *g, const char *const *rows,
			 size_t nrows)
{
	size_t i;

	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(out || !g->n);
	STRATA_ASSERT_ARG(rows || !nrows);
	if (g->n)
		memset(out, 0, g->n);
	for (i = 0; i < nrows; i++) {
		long idx = rows[i] ? map_index(&g->ids, rows[i]) : -1;

		if (idx < 0) {
			strata_error_set(STRATA_ENOTFOUND, "the database is at revision %s, which is "
					 "not in the migrations directory",
					 rows[i] ? rows[i] : "(null)");
			/* Plain stamp refuses unknown rows too: only --purge replaces them. */
			strata_error_hint("restore that revision's migration file, or replace the "
					  "version table's rows with a known revision: `strata stamp "
					  "--purge <revision>` (it runs no SQL)");
			return STRATA_ENOTFOUND;
		}
		out[idx] = 1;
	}
	close_ancestors(g, out);
	return 0;
}

/*
 * Applied nodes that are not an ancestor of another applied node. below[i]
 * = "some descendant of i is applied", computed from the top index down.
 * Should that scratch array not be had, the direct-successor test is used,
 * which is the same answer for ancestor-closed sets (all the library makes).
 */
size_t strata_graph_applied_heads(size_t *out, size_t cap, const strata_graph *g,
				  const unsigned char *applied)
{
	unsigned char *below = strata_calloc(g->n ? g->n : 1, 1);
	size_t i, j, k = 0;

	for (i = g->n; i-- > 0;) {
		int covered = 0;

		for (j = g->succ_off[i]; j < g->succ_off[i + 1] && !covered; j++)
			covered = applied[g->succ[j]] || (below && below[g->succ[j]]);
		if (below)
			below[i] = (unsigned char)covered;
	}
	for (i = 0; i < g->n; i++) {
		int covered = 0;

		if (!applied[i])
			continue;
		if (below) {
			covered = below[i];
		} else {
			for (j = g->succ_off[i]; j < g->succ_off[i + 1] && !covered; j++)
				covered = applied[g->succ[j]];
		}
		if (!covered) {
			if (k < cap)
				out[k] = i;
			k++;
		}
	}
	strata_free(below);
	return k;
}

/* ---- targets and plans --------------------------------------------------- */

/* "+N" / "-N": *n gets N; STRATA_EINVALID for anything but digits after the sign. */
static int parse_steps(size_t *n, const char *target)
{
	const char *p = target + 1;
	size_t v = 0;

	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (size_t)(*p - '0');
	}
	*n = v;
	return 0;
bad:
	strata_error_set(STRATA_EINVALID, "'%s' is not a number of steps", target);
	strata_error_hint("write +N to apply N more revisions, -N to revert N");
	return STRATA_EINVALID;
}

/* Mark "heads", or the one revision strata_graph_lookup() finds, in mark[]. */
static int mark_target(unsigned char *mark, const strata_graph *g, const char *target)
{
	size_t i, node;
	int rc;

	if (strcmp(target, "heads") == 0) {
		for (i = 0; i < g->nheads; i++)
			mark[g->heads[i]] = 1;
		return 0;
	}
	if (strcmp(target, "head") == 0 && g->nheads == 0)
		return 0; /* nothing to reach: an empty folder is at its head */
	if ((rc = strata_graph_lookup(&node, g, target)) < 0)
		return rc;
	mark[node] = 1;
	return 0;
}

/* Steps: the marked nodes, ascending or descending, at most limit of them. */
static int collect(strata_plan *out, const strata_graph *g, const unsigned char *mark, int descending,
		   size_t limit)
{
	size_t i, k = 0, count = 0;

	for (i = 0; i < g->n; i++)
		count += mark[i] != 0;
	if (count > limit)
		count = limit;
	if (!count)
		return 0;
	if (!(out->steps = strata_malloc(count * sizeof(size_t))))
		return STRATA_ERROR;
	for (i = 0; i < g->n && k < count; i++) {
		size_t v = descending ? g->n - 1 - i : i;

		if (mark[v])
			out->steps[k++] = v;
	}
	out->nsteps = count;
	return 0;
}

static int check_plan_args(strata_plan *out, strata_direction dir, const strata_graph *g,
			   const char *target)
{
	if (!out)
		return strata_error_set(STRATA_EINVALID, "plan: missing argument");
	out->direction = dir;
	out->steps = NULL;
	out->nsteps = 0;
	if (!g || !target)
		return strata_error_set(STRATA_EINVALID, "plan: missing argument");
	if (!*target) {
		strata_error_set(STRATA_EINVALID, "empty target");
		strata_error_hint("give a revision, a branch label, 'head', 'heads', 'base', +N or -N");
		return STRATA_EINVALID;
	}
	return 0;
}

int strata_plan_upgrade(strata_plan *out, const strata_graph *g, const unsigned char *applied,
			const char *target)
{
	unsigned char *mark = NULL;
	size_t i, limit = SIZE_MAX;
	int rc;

	if ((rc = check_plan_args(out, STRATA_UP, g, target)) < 0)
		return rc;
	if (strcmp(target, "base") == 0) {
		strata_error_set(STRATA_EINVALID, "'base' is not an upgrade target");
		strata_error_hint("to revert every revision, run `strata downgrade base`");
		return STRATA_EINVALID;
	}
	if (target[0] == '-') {
		strata_error_set(STRATA_EINVALID, "'%s' is not an upgrade target", target);
		strata_error_hint("to revert revisions, run `strata downgrade %s`", target);
		return STRATA_EINVALID;
	}
	if (target[0] == '+' && (rc = parse_steps(&limit, target)) < 0)
		return rc;
	if (!(mark = strata_calloc(g->n ? g->n : 1, 1)))
		return STRATA_ERROR;
	if ((rc = mark_target(mark, g, target[0] == '+' ? "heads" : target)) < 0)
		goto done;
	close_ancestors(g, mark);
	for (i = 0; applied && i < g->n; i++)
		if (applied[i])
			mark[i] = 0;
	rc = collect(out, g, mark, 0, limit);
done:
	strata_free(mark);
	return rc;
}

int strata_plan_downgrade(strata_plan *out, const strata_graph *g, const unsigned char *applied,
			  const char *target)
{
	unsigned char *keep = NULL, *revert = NULL;
	size_t i, limit = SIZE_MAX, napplied = 0;
	int rc;

	if ((rc = check_plan_args(out, STRATA_DOWN, g, target)) < 0)
		return rc;
	if (target[0] == '+') {
		strata_error_set(STRATA_EINVALID, "'%s' is not a downgrade target", target);
		strata_error_hint("to apply revisions, run `strata upgrade %s`", target);
		return STRATA_EINVALID;
	}
	for (i = 0; applied && i < g->n; i++)
		napplied += applied[i] != 0;
	if (target[0] == '-') {
		if ((rc = parse_steps(&limit, target)) < 0)
			return rc;
		if (limit > napplied) {
			if (napplied)
				strata_error_set(STRATA_EINVALID,
						 "cannot go back %zu revisions: only %zu %s applied",
						 limit, napplied, napplied == 1 ? "is" : "are");
			else
				strata_error_set(STRATA_EINVALID,
						 "cannot go back %zu revision%s: nothing is applied",
						 limit, limit == 1 ? "" : "s");
			strata_error_hint("`strata downgrade base` reverts every applied revision");
			return STRATA_EINVALID;
		}
	}
	rc = STRATA_ERROR;
	if (!(revert = strata_calloc(g->n ? g->n : 1, 1)) ||
	    !(keep = strata_calloc(g->n ? g->n : 1, 1)))
		goto done;
	if (target[0] == '-' || strcmp(target, "base") == 0) {
		for (i = 0; applied && i < g->n; i++)
			revert[i] = applied[i] != 0;
		rc = collect(out, g, revert, 1, limit);
		goto done;
	}
	if ((rc = mark_target(keep, g, target)) < 0)
		goto done;
	for (i = 0; i < g->n; i++) {
		if (keep[i] && !(applied && applied[i])) {
			strata_error_set(STRATA_EINVALID, "revision %s is not applied, so it is not a "
					 "downgrade target", g->migs[i]->revision);
			strata_error_hint("downgrade goes back to an applied revision; to apply %s, "
					  "run `strata upgrade %s`", g->migs[i]->revision,
					  g->migs[i]->revision);
			rc = STRATA_EINVALID;
			goto done;
		}
	}
	/* Revert the applied descendants of the target; the target and its ancestors stay. */
	memcpy(revert, keep, g->n);
	close_descendants(g, revert);
	close_ancestors(g, keep);
	for (i = 0; i < g->n; i++)
		revert[i] = revert[i] && !keep[i] && applied && applied[i];
	rc = collect(out, g, revert, 1, SIZE_MAX);
done:
	strata_free(keep);
	strata_free(revert);
	return rc;
}

int strata_plan_stamp(unsigned char *out_applied, const strata_graph *g, const char *target)
{
	int rc;

	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(target);
	STRATA_ASSERT_ARG(out_applied || !g->n);
	if (g->n)
		memset(out_applied, 0, g->n);
	if (strcmp(target, "base") == 0)
		return 0;
	if (target[0] == '+' || target[0] == '-') {
		strata_error_set(STRATA_EINVALID, "'%s' is not a stamp target", target);
		strata_error_hint("stamp records a named state: give a revision, a branch label, "
				  "'head', 'heads' or 'base'");
		return STRATA_EINVALID;
	}
	if (!*target) {
		strata_error_set(STRATA_EINVALID, "empty target");
		strata_error_hint("give a revision, a branch label, 'head', 'heads' or 'base'");
		return STRATA_EINVALID;
	}
	if ((rc = mark_target(out_applied, g, target)) < 0) {
		if (g->n)
			memset(out_applied, 0, g->n);
		return rc;
	}
	close_ancestors(g, out_applied);
	return 0;
}

int strata_plan_state(unsigned char *out_applied, const strata_graph *g,
		      const unsigned char *applied, const char *target)
{
	strata_plan plan = { 0 };
	size_t i, n, napplied = 0;
	int rc;

	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(target);
	STRATA_ASSERT_ARG(out_applied || !g->n);
	if (strcmp(target, "current") != 0 && target[0] != '+' && target[0] != '-')
		return strata_plan_stamp(out_applied, g, target);
	if (!applied)
		return strata_error_set(STRATA_EINVALID, "'%s' is relative to the database's state, "
					"which was not given", target);
	if (g->n)
		memcpy(out_applied, applied, g->n);
	if (strcmp(target, "current") == 0)
		return 0;
	if ((rc = parse_steps(&n, target)) < 0)
		return rc;
	if (target[0] == '+') {
		if ((rc = strata_plan_upgrade(&plan, g, applied, target)) < 0)
			return rc;
		for (i = 0; i < plan.nsteps; i++)
			out_applied[plan.steps[i]] = 1;
		strata_plan_release(&plan);
		return 0;
	}
	for (i = 0; i < g->n; i++)
		napplied += applied[i] != 0;
	if (n > napplied) {
		if (napplied)
			strata_error_set(STRATA_EINVALID, "'%s' goes back %zu revisions from the "
					 "database's state, but only %zu %s applied", target, n,
					 napplied, napplied == 1 ? "is" : "are");
		else
			strata_error_set(STRATA_EINVALID, "'%s' goes back %zu revision%s from the "
					 "database's state, but nothing is applied", target, n,
					 n == 1 ? "" : "s");
		strata_error_hint("give a smaller N, or base for the start of the history");
		return STRATA_EINVALID;
	}
	/* The state `strata downgrade -N` would leave. */
	if ((rc = strata_plan_downgrade(&plan, g, applied, target)) < 0)
		return rc;
	for (i = 0; i < plan.nsteps; i++)
		out_applied[plan.steps[i]] = 0;
	strata_plan_release(&plan);
	return 0;
}

void strata_plan_release(strata_plan *p)
{
	if (!p)
		return;
	strata_free(p->steps);
	p->steps = NULL;
	p->nsteps = 0;
}
