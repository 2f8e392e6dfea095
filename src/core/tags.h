/*
 * core/tags.h - release tags: the strata.tags file of a migrations folder
 * (reading, checking, writing) and what the revision graph keeps of it.
 *
 * Layer: core, internal. The public side is strata_graph_tag_count() and
 * strata_graph_tag() in strata/graph.h (reading) and strata_tag_add() /
 * strata_tag_delete() in strata/project.h (writing).
 *
 * File format (docs/history.md, "Tags"):
 *
 *     # strata.tags: one release tag per line; 'strata tag' rewrites it
 *     v1.0 3f9a1c2b7d10
 *     v1.1 8e21d0a4c6f2
 *
 * "<tag> <full revision id>" per line, written sorted by tag name; read
 * as a set of lines, so two branches that each add a tag change different
 * lines and version control merges them. Blank lines and "#" lines are
 * skipped. Merge conflict markers, a malformed line, a bad tag name and a
 * tag listed twice are STRATA_EPARSE naming the line; so is a tag whose
 * revision is not in the folder, or whose name is a branch label.
 *
 * Tag names (strata__tags_name_syntax): 1 to 64 characters from letters, digits,
 * '.', '_', '-' and '/', starting with a letter or a digit; not made only
 * of 0-9a-f (that reads as a revision id or a prefix of one); not head,
 * heads, base or current; no "..", which separates a changelog range.
 */
#ifndef STRATA_CORE_TAGS_H
#define STRATA_CORE_TAGS_H

#include <stddef.h>

#include "strata/graph.h"
#include "strata/migration.h"
#include "util/buf.h"
#include "util/fs.h"

#define TAG_NAME_MAX 64

typedef struct tag_entry {
	char *name;
	char revision[STRATA_REVISION_MAX + 1];
	size_t idx; /* the revision's graph index, once attached to a graph */
	int line;   /* in strata.tags; 0 for a tag not read from it */
} tag_entry;

typedef struct tag_list {
	tag_entry *v;
	size_t n, cap;
} tag_list;

/* Append a copy of name on revision (a full id). */
int strata__tags_add(tag_list *l, const char *name, const char *revision, int line);
/* Sort by name (strcmp). */
void strata__tags_sort(tag_list *l);
void strata__tags_release(tag_list *l);

/* Parse strata.tags (path names it in messages); the list comes out sorted. */
int strata__tags_parse(tag_list *out, const char *path, const char *text, size_t len);
/* The file's text for a sorted list, header included. */
int strata__tags_render(strata_buf *out, const tag_list *l);

/* 0 when name is a well-formed tag name; else code (STRATA_EINVALID for
 * a name given, STRATA_EPARSE for one read from the file) with a message
 * that says why, prefixed by where when not NULL. */
int strata__tags_name_syntax(const char *name, const char *where, int code);

/*
 * Whether name may become a new tag of g: well formed, not yet a tag, not
 * a branch label, and not read as steps from another name ("v2-1" while
 * v2 names something, or "v2" while a tag v2-1 exists). 0 or
 * STRATA_EINVALID saying why.
 */
int strata__tags_check_new(const strata_graph *g, const char *name);

/*
 * Read dir's strata.tags (when the listing d has it) and attach it to g:
 * each revision resolved, each name checked against g's branch labels.
 * No file: nothing to do.
 */
int strata__tags_load(strata_graph *g, const fs_dir *d, const char *dir);

/* revgraph.c's side: the tags and the file's text, both taken (also on error). */
int strata__revgraph_set_tags(strata_graph *g, tag_list *tags, char *text, size_t len);
/* The text of the strata.tags the graph was loaded with, or NULL when there was none. */
const char *strata__revgraph_tags_text(const strata_graph *g, size_t *len);
/* Whether name is one of g's branch labels. */
int strata__revgraph_has_label(const strata_graph *g, const char *name);
/* Index of the tag named name, or -1. */
long strata__revgraph_tag_index(const strata_graph *g, const char *name);

#endif
