/*
 * strata/sum.h - strata.sum, the pin of a migrations folder's contents.
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
#ifndef STRATA_SUM_H
#define STRATA_SUM_H

#ifdef __cplusplus
extern "C" {
#endif

struct strata_graph;

#define STRATA_SUM_FILE "strata.sum"
#define STRATA_TAGS_FILE "strata.tags"

/** Rewrite dir/strata.sum from the directory's current contents. */
int strata_sum_write(const char *dir);

/**
 * Compare dir/strata.sum with the directory.
 * @param[out] report  when it differs: one line per file added, removed or
 *                     changed (free with strata_free()), else NULL
 * @return 0 (matches, or no strata.sum), STRATA_ECHECK (differs; the error
 *         says so with the hint to run `strata hash`), STRATA_EPARSE (malformed)
 */
int strata_sum_check(char **report, const char *dir);

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
 *                       (free with strata_free()), or NULL when none were
 * @return 0 (matched, rewritten, or no strata.sum), STRATA_ECHECK (a
 *         difference auto may not record; the error lists it), STRATA_EPARSE
 */
int strata_sum_refresh_unapplied(char **recorded, const char *dir, const struct strata_graph *g,
				 const unsigned char *applied);

#ifdef __cplusplus
}
#endif
#endif
