/*
 * strata/project.h - files strata writes in a project: new revisions
 * and release tags (strata.tags), each recorded in strata.sum.
 *
 * strata.sum itself: strata/sum.h.
 */
#ifndef STRATA_PROJECT_H
#define STRATA_PROJECT_H

#include <stddef.h>
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_revision_spec {
	const char *message;
	const char *const *parents;     /* revises; none = base */
	size_t nparents;
	const char *const *depends_on;
	size_t ndepends_on;
	const char *branch;             /* or NULL */
	int transactional;              /* 1 = on */
	const char *up_sql;             /* or NULL for a placeholder comment */
	const char *down_sql;
	const char *irreversible;       /* or NULL */
	const char *batch_sql;          /* a batched step: written as "-- +batch" instead of up_sql */
} strata_revision_spec;

/**
 * Write a new revision file <id>_<slug>.sql into dir with a fresh random
 * id and a "-- created:" header of the current UTC time, and rewrite
 * strata.sum.
 * @param[out] path_out  the new file's path (free with strata_free())
 * @param[out] id_out    the new revision id (13 bytes)
 */
int strata_revision_write(char **path_out, char id_out[13], const char *dir,
			  const strata_revision_spec *spec);

/**
 * The text and file name (<id>_<slug>.sql) of a revision file with the
 * given id and, when created is not NULL, a "-- created:" header of it
 * (ISO 8601 UTC), checked to read back as a revision; nothing is written.
 * For writers that name their own revisions (strata_import_write).
 * @param[out] text_out  the file's text (free with strata_free)
 * @param[out] name_out  its file name (free with strata_free)
 * @return 0, STRATA_EINVALID (a bad id, a value on several lines, or a
 *         text that would not read back)
 */
int strata_revision_render(char **text_out, char **name_out, const char *id, const char *created,
			   const strata_revision_spec *spec);

/**
 * Tag the revision target names (see strata/graph.h; NULL = "head") as
 * release name in dir/strata.tags, and record the file's new hash in
 * strata.sum when there is one (its other lines stay as they are). g is
 * dir's graph as strata_graph_load() read it, tags included.
 *
 * Names: see docs/history.md; one that is malformed, a target word, only
 * hex digits, a branch label, already a tag, or that would read as steps
 * from another name ("v2-1" while v2 exists) is STRATA_EINVALID.
 * @return 0, STRATA_EINVALID, or the lookup's error for target
 */
int strata_tag_add(const char *dir, const strata_graph *g, const char *name,
		   const char *target);

/** Remove tag name from dir/strata.tags (and update strata.sum as above); STRATA_ENOTFOUND when there is no such tag. */
int strata_tag_delete(const char *dir, const strata_graph *g, const char *name);

/** Create strata.ini and the migrations folder in root; existing files are never overwritten. */
int strata_project_init(const char *root, const char *database);

#ifdef __cplusplus
}
#endif
#endif
