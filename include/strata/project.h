/*
 * strata/project.h - files strata writes in a project: new revisions,
 * release tags (strata.tags) and strata.sum.
 *
 * strata.sum (in the migrations folder) pins the directory's contents:
 *
 *     # strata.sum: one line per migration file; 'strata hash' rewrites it
 *     <file name> sha256-v1:<hash of the file, CRLF normalised to LF>
 *     ...
 *
 * one line per *.sql file and one for strata.tags when the folder has
 * one, sorted by name, and nothing that depends on
 * more than one file: two branches that each add a file change different
 * lines, so version control merges them. It is read as a set of lines,
 * compared with the set of files: a file with no line (added), a line with
 * no file (removed) and a line with another hash (changed) each count.
 * Blank lines, "#" lines and, on line 1, the whole-folder hash that older
 * versions wrote are skipped, so those files are still read; the next
 * write drops that line. Merge conflict markers, a line that is not
 * "name hash" and a name listed twice are STRATA_EPARSE, naming the line.
 *
 * When it exists and does not match, verify and upgrade stop before
 * touching any database; `strata hash` rewrites it after a deliberate
 * edit. When it is absent nothing is checked. revision, merge and hash
 * rewrite it.
 */
#ifndef STRATA_PROJECT_H
#define STRATA_PROJECT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_SUM_FILE "strata.sum"
#define STRATA_TAGS_FILE "strata.tags"

/** Rewrite dir/strata.sum from the directory's current contents. */
int strata_sum_write(const char *dir);

/**
 * Compare dir/strata.sum with the directory.
 * @param[out] report  when it differs: one line per file added, removed or
 *                     changed (malloc'ed; free with strata_free-compatible free()), else NULL
 * @return 0 (matches, or no strata.sum), STRATA_ECHECK (differs; the error
 *         says so with the hint to run `strata hash`), STRATA_EPARSE (malformed)
 */
int strata_sum_check(char **report, const char *dir);

struct strata_graph;
/**
 * strata_sum_check() without reading the files again: the expected sum is
 * computed from the migration texts already loaded into g (which holds
 * every .sql file of dir). Same results and errors.
 */
int strata_sum_check_graph(char **report, const char *dir, const struct strata_graph *g);

/**
 * `sum = auto`: when strata.sum differs from the folder only in files
 * whose revision is not applied (applied[i] for graph index i, as the
 * target database says), or in strata.tags (which runs no SQL), rewrite
 * it from g. A removed file, or an added or changed file whose revision
 * is applied, refuses it all and writes nothing.
 * @param[out] recorded  the names of the files recorded, ", "-separated
 *                       (free with strata_free), or NULL when none were
 * @return 0 (matched, rewritten, or no strata.sum), STRATA_ECHECK (a
 *         difference auto may not record; the error lists it), STRATA_EPARSE
 */
int strata_sum_refresh_unapplied(char **recorded, const char *dir, const struct strata_graph *g,
				 const unsigned char *applied);

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
 * @param[out] path_out  the new file's path (free with free())
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
int strata_tag_add(const char *dir, const struct strata_graph *g, const char *name,
		   const char *target);

/** Remove tag name from dir/strata.tags (and update strata.sum as above); STRATA_ENOTFOUND when there is no such tag. */
int strata_tag_delete(const char *dir, const struct strata_graph *g, const char *name);

/** Create strata.ini and the migrations folder in root; existing files are never overwritten. */
int strata_project_init(const char *root, const char *database);

#ifdef __cplusplus
}
#endif
#endif
