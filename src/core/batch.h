/*
 * core/batch.h - batched data steps: the "-- +batch" section of a revision.
 *
 * Layer: core (above db and util). The section (one or several "-- +batch"
 * sections in a row) holds UPDATE or DELETE statements, each a step of its
 * own, whose WHERE clause says which key range one batch covers, in ordinary
 * SQL with two placeholders:
 *
 *     UPDATE users SET plan = 'free' WHERE id > :last AND id <= :next AND plan IS NULL;
 *
 * The key is the table's one-column primary key, of any type (SQLite: also
 * the rowid). strata walks it in batches in key order: :last is the
 * previous batch's last key (the first batch runs with "KEY >= :last" and
 * the first key), :next the key batch_size rows further on. Each batch runs in its own
 * transaction together with its progress row (strata_batch_progress,
 * beside the version table), so a run that is killed goes on from the
 * last committed batch.
 *
 * Part 1 here is pure text work (no database): the scanner that finds the
 * placeholders outside strings, quoted names and comments, the check of
 * the statement's shape, and the rewriting of the placeholders. Part 2
 * runs a step against a database.
 */
#ifndef STRATA_CORE_BATCH_H
#define STRATA_CORE_BATCH_H

#include <stddef.h>
#include "db/db.h"
#include "strata/runner.h"
#include "util/buf.h"

/* The progress table's name, beside the version table (same schema). */
#define BATCH_PROGRESS_TABLE "strata_batch_progress"
/* The placeholder `strata revision --template` leaves for the user to fill. */
#define BATCH_VALUE_PLACEHOLDER "<value>"

/* ---- part 1: text ------------------------------------------------------ */

typedef struct batch_scan {
	size_t nlast, nnext;    /* occurrences of :last and :next */
	size_t last_at, next_at; /* offset of the first of each */
	int has_value;          /* the template's <value> is still there */
	size_t value_at;
	char other[32];         /* another :name placeholder, or "" */
	size_t other_at;
} batch_scan;

/* Scan sql[0..len) (any engine's quoting: '', "", ``, [], $tag$, comments). */
void strata__batch_scan_text(batch_scan *out, const char *sql, size_t len);

/* What the statement of a -- +batch section is. Strings are malloc'ed. */
typedef struct batch_stmt {
	int is_delete;
	char *table;       /* as written (quoted, maybe qualified): to_regclass() takes it */
	char *table_name;  /* its last part, unquoted (SQLite's pragmas take it) */
	char *key;         /* the column compared with :last and :next, unquoted */
	size_t last_at;    /* offsets of the placeholders in the statement */
	size_t next_at;
	size_t gt_at;      /* offset of the ">" before :last (the first batch makes it ">=") */
} batch_stmt;

/*
 * Check one statement's shape: UPDATE or DELETE FROM a table, with
 * "KEY > :last" and "KEY <= :next" (the same column, each once), no other
 * :name placeholder and no RETURNING.
 * @return 0, or STRATA_EPARSE with a message and a hint, and *err_at the
 *         offset in sql the message is about
 */
int strata__batch_stmt_parse(batch_stmt *out, size_t *err_at, const char *sql, size_t len);
void strata__batch_stmt_release(batch_stmt *s);

/* Append sql with every :last replaced by last and every :next by next
 * (outside strings, names and comments). */
int strata__batch_rewrite(strata_buf *out, const char *sql, size_t len, const char *last,
		  const char *next);

/* ---- part 2: running ---------------------------------------------------- */

/*
 * The batch section of m (m->batch_offset/len: one or several "-- +batch"
 * sections, one after the other) split into its statements, each a
 * batched step of its own; statement `which` (from 0) checked: its place
 * in m->text and its shape. *count (may be NULL) is the number of
 * statements. A file:line error names the revision when the statement is
 * not an UPDATE or DELETE of that shape.
 */
int strata__batch_prepare(batch_stmt *out, size_t *stmt_off, size_t *stmt_len, size_t *count,
		  const strata_migration *m, db_engine engine, size_t which);

/*
 * Run m's batched steps on db (outside any transaction), one statement
 * after the other, each from its saved progress on (its own progress row,
 * step = its number from 1): batches of the key range, each with its progress row in
 * one transaction, throttled by opts (batch_size, batch_pause_ms,
 * max_replica_lag_ms) and sized by cfg->batch_target_ms. On success every
 * key has been walked; the caller removes the progress row
 * (strata__batch_progress_clear) in the transaction that records the revision.
 * @return 0, STRATA_EINVALID (no usable key: no primary key, a composite
 *         one, or the statement compares another column),
 *         or the database's error (the committed batches are kept)
 */
int strata__batch_run(strata_db *db, const strata_config *cfg, const strata_run_options *opts,
	      const strata_migration *m, const char *db_user);

/* Delete the progress row of revision (none, or no table: 0). */
int strata__batch_progress_clear(strata_db *db, const strata_config *cfg, const char *revision);

/* --sql: the statement over the whole key range at once, with a comment
 * that upgrade runs it in batches. */
int strata__batch_render(strata_buf *out, const strata_migration *m, db_engine engine);

#endif
