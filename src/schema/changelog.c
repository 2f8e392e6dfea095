/*
 * schema/changelog.c - strata changelog (strata/changelog.h): releases cut
 * from the revision graph by its tags, each end's schema read from a
 * shadow database the migrations are replayed into, and the difference
 * described and classified by schema/describe.c.
 *
 * Layer: schema, over core's graph, runner and status (the same
 * machinery `strata test` and `revision --autogenerate` use). Never
 * prints; never writes the configured database (since_db only reads its
 * bookkeeping).
 *
 * States. A release goes from one applied set to another (ancestor-closed
 * sets, as strata/graph.h has them). Every distinct set is read once: the
 * sets are taken smallest first; a shadow that holds a subset of the next
 * set is upgraded to it in place, one that holds something the next set
 * lacks is dropped and a new one started. A history whose tags lie on one
 * line replays each revision once, in one shadow.
 */
#include "strata/changelog.h"
#include "db/db.h"
#include "schema/describe.h"
#include "schema/diff.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "strata/status.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct release_data {
	char *name, *from, *to, *to_revision, *next_version;
	size_t from_state, to_state;
	sc_notes notes;
	strata_schema_change *changes;
} release_data;

struct strata_changelog {
	strata_release *v;
	release_data *data;
	size_t n, cap;
};

typedef struct state {
	unsigned char *set; /* graph count bytes */
	size_t count;
	sc_catalog *cat;
} state;

typedef struct builder {
	const strata_config *cfg;
	const strata_graph *g;
	size_t n; /* revisions */
	state *states;
	size_t nstates, capstates;
	strata_changelog *log;
} builder;

const char *strata_change_class_name(strata_change_class cls)
{
	return strata__sc_class_name((sc_class)cls);
}

const char *strata_bump_name(strata_bump bump)
{
	static const char *const names[] = { "none", "patch", "minor", "major" };

	return bump >= STRATA_BUMP_NONE && bump <= STRATA_BUMP_MAJOR ? names[bump] : "none";
}

size_t strata_changelog_count(const strata_changelog *c)
{
	return c ? c->n : 0;
}

const strata_release *strata_changelog_release(const strata_changelog *c, size_t i)
{
	return c && i < c->n ? &c->v[i] : NULL;
}

void strata_changelog_free(strata_changelog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		release_data *r = &c->data[i];

		strata_free(r->name);
		strata_free(r->from);
		strata_free(r->to);
		strata_free(r->to_revision);
		strata_free(r->next_version);
		strata__sc_notes_release(&r->notes);
		strata_free(r->changes);
	}
	strata_free(c->v);
	strata_free(c->data);
	strata_free(c);
}

/* ---- states --------------------------------------------------------------------- */

static unsigned char *new_set(const builder *b)
{
	return strata_calloc(b->n ? b->n : 1, 1);
}

/* Index of the state holding set (taken), an equal one if there is one. */
static long add_state(builder *b, unsigned char *set)
{
	size_t count = 0;

	if (!set)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		count += set[i] != 0;
	for (size_t i = 0; i < b->nstates; i++)
		if (b->states[i].count == count && (!b->n || memcmp(b->states[i].set, set, b->n) == 0)) {
			strata_free(set);
			return (long)i;
		}
	if (strata_grow((void **)&b->states, &b->capstates, b->nstates + 1, sizeof(*b->states)) != 0) {
		strata_free(set);
		return -1;
	}
	b->states[b->nstates].set = set;
	b->states[b->nstates].count = count;
	b->states[b->nstates].cat = NULL;
	return (long)b->nstates++;
}

/* The state a target names (strata_plan_stamp's sets). */
static long target_state(builder *b, const char *target)
{
	unsigned char *set = new_set(b);

	if (!set)
		return -1;
	if (strata_plan_stamp(set, b->g, target) != 0) {
		strata_free(set);
		return -1;
	}
	return add_state(b, set);
}

/* Revision idx and its ancestors, into set (which it replaces). */
static int closure(const builder *b, unsigned char *set, size_t idx)
{
	return strata_plan_stamp(set, b->g, strata_graph_at(b->g, idx)->revision);
}

static int is_tagged(const strata_graph *g, size_t idx)
{
	for (size_t i = 0; i < strata_graph_tag_count(g); i++) {
		size_t rev;

		strata_graph_tag(&rev, g, i);
		if (rev == idx)
			return 1;
	}
	return 0;
}

/* The tags on revision idx, ", "-joined, into out (cleared first); 1 when there are any. */
static int tags_of(strata_buf *out, const strata_graph *g, size_t idx)
{
	strata__buf_clear(out);
	for (size_t i = 0; i < strata_graph_tag_count(g); i++) {
		size_t rev;
		const char *name = strata_graph_tag(&rev, g, i);

		if (rev == idx)
			strata__buf_printf(out, "%s%s", out->len ? ", " : "", name);
	}
	return out->len > 0;
}

/*
 * What was released before revision upto (n: before anything more, i.e.
 * every tag counts): the union of the closures of the tagged revisions
 * among its proper ancestors (all tagged revisions when upto is n), into
 * set; label gets the names of the latest of them (those no other of
 * them descends from), or "base".
 */
static int released_before(const builder *b, size_t upto, unsigned char *set, strata_buf *label)
{
	unsigned char *reach = new_set(b), *one = new_set(b);
	strata_buf names = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	if (!reach || !one)
		goto done;
	memset(set, 0, b->n);
	if (upto < b->n) {
		if (closure(b, reach, upto) != 0)
			goto done;
		reach[upto] = 0;
	} else {
		memset(reach, 1, b->n);
	}
	for (size_t t = 0; t < b->n; t++) {
		if (!reach[t] || !is_tagged(b->g, t))
			continue;
		if (closure(b, one, t) != 0)
			goto done;
		for (size_t i = 0; i < b->n; i++)
			set[i] |= one[i];
	}
	strata__buf_clear(label);
	/* The latest tagged ones: no tagged revision of the set below them descends from them. */
	for (size_t t = 0; t < b->n; t++) {
		int latest = 1;

		if (!set[t] || !is_tagged(b->g, t))
			continue;
		for (size_t u = t + 1; latest && u < b->n; u++) {
			if (!set[u] || !is_tagged(b->g, u))
				continue;
			if (closure(b, one, u) != 0)
				goto done;
			latest = !one[t];
		}
		if (latest && tags_of(&names, b->g, t))
			strata__buf_printf(label, "%s%s", label->len ? ", " : "", strata__buf_cstr(&names));
	}
	if (!label->len)
		strata__buf_puts(label, "base");
	rc = strata__buf_check(label) || strata__buf_check(&names) ? STRATA_ERROR : 0;
done:
	strata_free(reach);
	strata_free(one);
	strata__buf_release(&names);
	return rc;
}

static int add_release(builder *b, long from, long to, const char *name, const char *from_label,
		       const char *to_label, long to_rev)
{
	strata_changelog *c = b->log;
	release_data *r;

	if (from < 0 || to < 0)
		return strata_error_last()->code ? strata_error_last()->code : STRATA_ERROR;
	if (strata_grow((void **)&c->data, &c->cap, c->n + 1, sizeof(*c->data)) != 0)
		return STRATA_ERROR;
	r = &c->data[c->n];
	memset(r, 0, sizeof(*r));
	c->n++;
	r->from_state = (size_t)from;
	r->to_state = (size_t)to;
	if ((name && !(r->name = strata_strdup(name))) || !(r->from = strata_strdup(from_label)) ||
	    !(r->to = strata_strdup(to_label)) ||
	    (to_rev >= 0 &&
	     !(r->to_revision = strata_strdup(strata_graph_at(b->g, (size_t)to_rev)->revision))))
		return STRATA_ERROR;
	return 0;
}

/* The release that ends at revision idx: from what its tagged ancestors released. */
static int release_ending_at(builder *b, size_t idx, const char *to_label)
{
	strata_buf label = STRATA_BUF_INIT, name = STRATA_BUF_INIT;
	unsigned char *from = new_set(b), *to = new_set(b);
	long fs = -1, ts = -1;
	int rc = STRATA_ERROR;

	if (!from || !to || released_before(b, idx, from, &label) != 0 || closure(b, to, idx) != 0)
		goto done;
	fs = add_state(b, from);
	ts = add_state(b, to);
	from = to = NULL;
	tags_of(&name, b->g, idx);
	if (strata__buf_check(&name))
		goto done;
	rc = add_release(b, fs, ts, name.len ? strata__buf_cstr(&name) : NULL, strata__buf_cstr(&label),
			 to_label ? to_label : strata__buf_cstr(&name), (long)idx);
done:
	strata_free(from);
	strata_free(to);
	strata__buf_release(&label);
	strata__buf_release(&name);
	return rc;
}

/* The single head's index, or -1. */
static long only_head(const strata_graph *g)
{
	const size_t *heads;

	return strata_graph_heads(&heads, g) == 1 ? (long)heads[0] : -1;
}

/* Every tagged release, oldest first, then what the heads add after them. */
static int every_release(builder *b)
{
	strata_buf label = STRATA_BUF_INIT;
	unsigned char *released = new_set(b);
	long fs, ts;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < b->n; i++)
		if (is_tagged(b->g, i))
			rc = release_ending_at(b, i, NULL);
	if (rc != 0 || !released || released_before(b, b->n, released, &label) != 0) {
		rc = rc ? rc : STRATA_ERROR;
		goto done;
	}
	fs = add_state(b, released);
	released = NULL;
	ts = target_state(b, "heads");
	if (fs < 0 || ts < 0) {
		rc = strata_error_last()->code ? strata_error_last()->code : STRATA_ERROR;
		goto done;
	}
	if (fs != ts)
		rc = add_release(b, fs, ts, NULL, strata__buf_cstr(&label), "heads", only_head(b->g));
done:
	strata_free(released);
	strata__buf_release(&label);
	return rc;
}

/* Whether name is exactly one of g's tags. */
static int is_tag_name(const strata_graph *g, const char *name)
{
	for (size_t i = 0; i < strata_graph_tag_count(g); i++)
		if (strcmp(strata_graph_tag(NULL, g, i), name) == 0)
			return 1;
	return 0;
}

/* "FROM..TO" (either side may be empty), or one target: its release. */
static int release_of_range(builder *b, const char *range)
{
	const char *dots = strstr(range, "..");
	char *from = NULL;
	const char *to;
	size_t idx;
	long fs, ts, to_rev = -1;
	int rc;

	if (!dots) {
		if ((rc = strata_graph_lookup(&idx, b->g, range)) < 0)
			return rc;
		return release_ending_at(b, idx, range);
	}
	if (!(from = strata_strndup(range, (size_t)(dots - range))))
		return STRATA_ERROR;
	to = dots + 2;
	fs = target_state(b, *from ? from : "base");
	ts = fs < 0 ? -1 : target_state(b, *to ? to : "heads");
	if (ts >= 0 && *to && strata_graph_lookup(&idx, b->g, to) == 0)
		to_rev = (long)idx;
	else if (ts >= 0 && !*to)
		to_rev = only_head(b->g);
	if (ts >= 0)
		strata_error_clear();
	rc = add_release(b, fs, ts, *to && is_tag_name(b->g, to) ? to : NULL, *from ? from : "base",
			 *to ? to : "heads", to_rev);
	strata_free(from);
	return rc;
}

/* From the database's applied state to the heads. */
static int release_since_db(builder *b)
{
	strata_status *st = NULL;
	unsigned char *from = new_set(b);
	long fs, ts;
	int rc;

	if (!from)
		return STRATA_ERROR;
	if ((rc = strata_status_read(&st, b->cfg, b->g, STRATA_STATUS_MISSING_OK)) < 0) {
		strata_free(from);
		return rc;
	}
	if (b->n)
		memcpy(from, st->applied, b->n);
	strata_status_free(st);
	fs = add_state(b, from);
	ts = fs < 0 ? -1 : target_state(b, "heads");
	return add_release(b, fs, ts, NULL, "current", "heads", only_head(b->g));
}

/* ---- replaying ---------------------------------------------------------------------- */

static int by_count(const void *x, const void *y)
{
	const state *a = *(state *const *)x, *b = *(state *const *)y;

	return a->count < b->count ? -1 : a->count > b->count;
}

static int subset(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] && !b[i])
			return 0;
	return 1;
}

/* Upgrade the shadow to the state's applied heads and read its schema. */
static int read_state(builder *b, sc_shadow *shadow, state *s)
{
	size_t *heads = strata_calloc(b->n ? b->n : 1, sizeof(*heads));
	const char **ids = strata_calloc(b->n ? b->n : 1, sizeof(*ids));
	size_t k;
	int rc = STRATA_ERROR;

	if (!heads || !ids)
		goto done;
	k = strata_graph_applied_heads(heads, b->n, b->g, s->set);
	for (size_t i = 0; i < k; i++)
		ids[i] = strata_graph_at(b->g, heads[i])->revision;
	if ((rc = strata__sc_shadow_upgrade(shadow, b->cfg, b->g, ids, k)) != 0) {
		strata_error_append(", replaying the migrations in a shadow database");
		goto done;
	}
	rc = strata__sc_load_database(&s->cat, strata__sc_shadow_conninfo(shadow), b->cfg);
done:
	strata_free(heads);
	strata_free(ids);
	return rc;
}

static int drop_keeping_error(sc_shadow *shadow, int rc)
{
	strata_error saved = *strata_error_last();
	int drc = strata__sc_shadow_drop(shadow);

	if (rc != 0) {
		strata_error_restore(&saved);
		return rc;
	}
	return drc;
}

static int read_states(builder *b)
{
	const char *server = b->cfg->shadow_database ? b->cfg->shadow_database : b->cfg->database;
	int engine = strata__db_engine_of(b->cfg->database);
	state **order = strata_calloc(b->nstates + 1, sizeof(*order));
	const unsigned char *held = NULL;
	sc_shadow *shadow = NULL;
	int rc = 0;

	if (!order)
		return STRATA_ERROR;
	for (size_t i = 0; i < b->nstates; i++)
		order[i] = &b->states[i];
	if (b->nstates > 1)
		qsort(order, b->nstates, sizeof(*order), by_count);
	for (size_t i = 0; rc == 0 && i < b->nstates; i++) {
		if (shadow && !subset(held, order[i]->set, b->n)) {
			rc = strata__sc_shadow_drop(shadow);
			shadow = NULL;
		}
		if (rc == 0 && !shadow)
			rc = strata__sc_shadow_create(&shadow, engine, server);
		if (rc == 0)
			rc = read_state(b, shadow, order[i]);
		held = order[i]->set;
	}
	if (shadow)
		rc = drop_keeping_error(shadow, rc);
	strata_free(order);
	return rc;
}

/* ---- describing -------------------------------------------------------------------- */

/*
 * "v1.4" after "v1.3" and a minor bump: a tag that reads as a version
 * (a prefix, then MAJOR.MINOR or MAJOR.MINOR.PATCH; or vMAJOR alone) and
 * the bump make the next version; NULL when the tag reads otherwise or
 * nothing changed.
 */
static char *next_version(const char *tag, strata_bump bump)
{
	long part[3] = { 0, 0, 0 };
	size_t prefix = strcspn(tag ? tag : "", "0123456789");
	int nparts = 0, shown;
	const char *p;
	strata_buf b = STRATA_BUF_INIT;

	if (!tag || bump == STRATA_BUMP_NONE)
		return NULL;
	for (p = tag + prefix; nparts < 3 && isdigit((unsigned char)*p);) {
		char *end;

		part[nparts++] = strtol(p, &end, 10);
		p = end;
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	if (*p || !nparts || (nparts == 1 && prefix > 1) ||
	    (nparts == 1 && prefix == 1 && tolower((unsigned char)tag[0]) != 'v'))
		return NULL;
	if (bump == STRATA_BUMP_MAJOR) {
		part[0]++;
		part[1] = part[2] = 0;
		shown = nparts;
	} else if (bump == STRATA_BUMP_MINOR) {
		part[1]++;
		part[2] = 0;
		shown = nparts < 2 ? 2 : nparts;
	} else {
		part[2]++;
		shown = 3;
	}
	strata__buf_printf(&b, "%.*s%ld", (int)prefix, tag, part[0]);
	if (shown > 1)
		strata__buf_printf(&b, ".%ld", part[1]);
	if (shown > 2)
		strata__buf_printf(&b, ".%ld", part[2]);
	if (strata__buf_check(&b)) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

static int describe_release(builder *b, size_t i)
{
	release_data *r = &b->log->data[i];
	strata_release *out = &b->log->v[i];
	int rc = strata__sc_describe(b->states[r->from_state].cat, b->states[r->to_state].cat, &r->notes);

	if (rc != 0)
		return rc;
	if (!(r->changes = strata_calloc(r->notes.n + 1, sizeof(*r->changes))))
		return STRATA_ERROR;
	out->bump = STRATA_BUMP_NONE;
	for (size_t k = 0; k < r->notes.n; k++) {
		const sc_note *nt = &r->notes.v[k];

		r->changes[k].cls = (strata_change_class)nt->cls;
		r->changes[k].kind = strata__sc_kind_name(nt->kind);
		r->changes[k].op = nt->op;
		r->changes[k].object = nt->object;
		r->changes[k].words = nt->words;
		/* the classes and the bumps line up: internal -> patch, ... */
		if ((int)nt->cls > (int)out->bump)
			out->bump = (strata_bump)nt->cls;
	}
	out->name = r->name;
	out->from = r->from;
	out->to = r->to;
	out->to_revision = r->to_revision;
	out->changes = r->changes;
	out->nchanges = r->notes.n;
	return 0;
}

int strata_changelog_build(strata_changelog **out, const strata_config *cfg, const strata_graph *g,
			   const strata_changelog_options *opts)
{
	strata_changelog_options defaults = STRATA_CHANGELOG_OPTIONS_INIT;
	builder b = { cfg, g, 0, NULL, 0, 0, NULL };
	int rc;

	if (!out || !cfg || !g)
		return strata_error_set(STRATA_EINVALID, "strata_changelog_build: missing argument");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->since_db && opts->range) {
		strata_error_set(STRATA_EINVALID, "a range and the database's state do not go together");
		strata_error_hint("give either FROM..TO or --since-db");
		return STRATA_EINVALID;
	}
	b.n = strata_graph_count(g);
	if (!(b.log = strata_calloc(1, sizeof(*b.log))))
		return STRATA_ERROR;
	rc = opts->since_db ? release_since_db(&b)
	     : opts->range  ? release_of_range(&b, opts->range)
			    : every_release(&b);
	if (rc == 0)
		rc = read_states(&b);
	if (rc == 0 && !(b.log->v = strata_calloc(b.log->n + 1, sizeof(*b.log->v))))
		rc = STRATA_ERROR;
	for (size_t i = 0; rc == 0 && i < b.log->n; i++)
		rc = describe_release(&b, i);
	/* what is not released yet, after a version-like tag: the version it would be */
	for (size_t i = 0; rc == 0 && !opts->since_db && !opts->range && i < b.log->n; i++) {
		release_data *r = &b.log->data[i];

		if (!r->name && !strchr(r->from, ',') && strcmp(r->from, "base") != 0) {
			r->next_version = next_version(r->from, b.log->v[i].bump);
			b.log->v[i].next_version = r->next_version;
		}
	}
	for (size_t i = 0; i < b.nstates; i++) {
		strata_free(b.states[i].set);
		strata__sc_catalog_free(b.states[i].cat);
	}
	strata_free(b.states);
	if (rc != 0) {
		strata_changelog_free(b.log);
		if (!strata_error_last()->code)
			strata_error_set(STRATA_ERROR, "out of memory while building the changelog");
		return rc;
	}
	*out = b.log;
	return 0;
}
