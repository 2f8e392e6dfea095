/*
 * strata/changelog.h - the schema changes of each release, in words, each
 * classified, and the semantic-version bump they imply.
 *
 * Release tags (migrations/strata.tags, see strata/graph.h) cut the
 * history into releases. A tag's release holds what its revision and its
 * ancestors do that no earlier tagged revision (no tagged ancestor) had
 * done; what the heads add after every tag is the release not made yet.
 * Each release's changes come from the schemas themselves, never from the
 * SQL: the migrations are replayed up to each end in a shadow database
 * (as `strata diff` and `strata test` do; the configured database is only
 * read, and only for since_db), both ends introspected and compared.
 *
 * Each change is breaking, compatible or internal (the table is in
 * docs/history.md, "Changelog"); a release's bump is major for any
 * breaking change, else minor for any compatible one, else patch for
 * internal ones only, and none when its schema did not change.
 */
#ifndef STRATA_CHANGELOG_H
#define STRATA_CHANGELOG_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_change_class {
	STRATA_CHANGE_INTERNAL = 1,   /* no client sees it: comments, triggers, non-unique index rebuilds */
	STRATA_CHANGE_COMPATIBLE = 2, /* clients may start to use it: additions, widenings */
	STRATA_CHANGE_BREAKING = 3,   /* a client of the old schema may fail: drops, renames, narrowings */
} strata_change_class;

typedef enum strata_bump {
	STRATA_BUMP_NONE = 0,
	STRATA_BUMP_PATCH = 1,
	STRATA_BUMP_MINOR = 2,
	STRATA_BUMP_MAJOR = 3,
} strata_bump;

typedef struct strata_schema_change {
	strata_change_class cls;
	const char *kind;   /* "table", "column", "index", "constraint", "view", "function", ... */
	const char *op;     /* "added", "dropped", "changed" or "renamed" */
	const char *object; /* "public.orders.status" (PostgreSQL), "orders.status" (SQLite) */
	const char *words;  /* Markdown: "table `orders`: added column `status text`" */
} strata_schema_change;

typedef struct strata_release {
	const char *name;        /* the tag ("v1.0"; tags on one revision ", "-joined), or NULL:
				    not released yet, a range, or the database's pending upgrade */
	const char *from;        /* where it starts: "base", tag names, a revision, "current" */
	const char *to;          /* where it ends: a tag, "heads", a revision */
	const char *to_revision; /* the full id it ends at, or NULL (several heads, or base) */
	const char *next_version; /* not released yet and after a tag that reads as a version
				     ("v1.3", "2.0.1", "v2"): the next one the bump makes
				     ("v1.4"), else NULL */
	strata_bump bump;
	const strata_schema_change *changes;
	size_t nchanges;
} strata_release;

typedef struct strata_changelog strata_changelog;

typedef struct strata_changelog_options {
	int version;        /* STRATA_CHANGELOG_OPTIONS_VERSION */
	/* NULL: every tagged release, oldest first, then what the heads add
	 * after them (when they add anything); "FROM..TO" (targets as in
	 * strata/graph.h; an empty side is base, or heads): that one range;
	 * a single target: the release that ends there. */
	const char *range;
	/* From the state the configured database is at (read-only; a SQLite
	 * file that does not exist has nothing applied) to the heads: what
	 * `strata upgrade heads` would change. Not with range. */
	int since_db;
} strata_changelog_options;
#define STRATA_CHANGELOG_OPTIONS_VERSION 1
#define STRATA_CHANGELOG_OPTIONS_INIT { STRATA_CHANGELOG_OPTIONS_VERSION, NULL, 0 }

/**
 * Build the changelog of g's migrations (cfg->migrations) on cfg's
 * engine, with shadow databases on cfg->shadow_database (or the
 * database's server) as `strata diff` makes them.
 *
 * @param[out] out  free with strata_changelog_free()
 * @param g         the graph of cfg->migrations, tags included; borrowed
 * @return 0; STRATA_ENOTFOUND / STRATA_EAMBIGUOUS / STRATA_EINVALID for a
 *         bad range; STRATA_EDB and others from the replay (the message
 *         says which revision failed in the shadow database)
 */
int strata_changelog_build(strata_changelog **out, const strata_config *cfg, const strata_graph *g,
			   const strata_changelog_options *opts);
void strata_changelog_free(strata_changelog *c);

/** Number of releases, and the i-th (oldest first); borrowed until strata_changelog_free(). */
size_t strata_changelog_count(const strata_changelog *c);
const strata_release *strata_changelog_release(const strata_changelog *c, size_t i);

/** "internal", "compatible", "breaking". */
const char *strata_change_class_name(strata_change_class cls);
/** "none", "patch", "minor", "major". */
const char *strata_bump_name(strata_bump bump);

#ifdef __cplusplus
}
#endif
#endif
