/*
 * core/bookkeeping.h - the tables strata keeps in the target database.
 *
 *   <version_table>  (default strata_version): the applied heads, one row each.
 *   <history_table>  (default strata_history, same schema): one row per step
 *                    ever run (applied, reverted, failed, stamped...). Rows
 *                    are only ever inserted: it is the audit trail.
 *
 * Live writes bind every value as a parameter; the --sql renderers write
 * the same statements with quoted literals for a script.
 *
 * Outcomes in the history table:
 *   applied      up section ran and committed
 *   reverted     down section ran and committed
 *   rolled-back  a transactional step failed; nothing of it remains
 *   running      a non-transactional step started (a later row closes it)
 *   failed       a non-transactional step failed part-way; blocks later runs
 *   stamped      version rows changed by `strata stamp` without running SQL
 *   accepted     an applied revision's changed file accepted (--allow-changed)
 *   adopted      recorded as applied by `strata adopt` from another tool's
 *                bookkeeping (direction "adopt"); no SQL ran
 */
#ifndef STRATA_CORE_BOOKKEEPING_H
#define STRATA_CORE_BOOKKEEPING_H

#include "db/db.h"
#include "strata/config.h"
#include "util/buf.h"
#include "util/map.h"

typedef struct bk_entry {
	const char *revision;
	const char *direction;  /* "up", "down", or "adopt" (strata adopt) */
	const char *checksum;
	const char *started_at; /* ISO 8601 UTC */
	const char *finished_at;
	long duration_ms;
	const char *db_user;
	const char *client_host;
	const char *outcome;
	const char *error;            /* or NULL */
	const char *failed_statement; /* or NULL */
	long statements_run;
	const char *note;             /* or NULL */
} bk_entry;

/* What the history says about one revision: its latest row. */
typedef struct bk_revision_state {
	char *checksum;      /* checksum of the latest applied/stamped/accepted row, or NULL */
	char *outcome;       /* outcome of the latest row */
	/* When that outcome is "failed" or "running" (the only time they are
	 * shown), that step's details; else NULL and 0. */
	char *error;
	char *failed_statement;
	char *started_at;
	long statements_run;
} bk_revision_state;

typedef struct bk_state {
	char **versions;     /* rows of the version table */
	size_t nversions;
	strata_map revisions; /* revision id -> bk_revision_state* */
	char **ids;          /* keys of revisions (owned) */
	size_t nids, idcap;
	int tables_exist;
} bk_state;

/* Whether table exists, and has column when not NULL (a read: creates nothing;
 * schema-qualified names as the version table's). */
int strata__bk_table_has(int *out, strata_db *db, const char *table, const char *column);
/* Whether the version table exists (a read: creates nothing). */
int strata__bk_tables_exist(int *out, strata_db *db, const strata_config *cfg);
/* Create the tables (and the schema of a qualified name) when missing. */
int strata__bk_ensure(strata_db *db, const strata_config *cfg);
/* Read the version rows and each revision's latest history. Missing tables: empty state. */
int strata__bk_read(bk_state *out, strata_db *db, const strata_config *cfg);
/* strata__bk_read when the caller has just seen the tables exist (strata__bk_tables_exist): one query less. */
int strata__bk_read_rows(bk_state *out, strata_db *db, const strata_config *cfg);
void strata__bk_state_release(bk_state *s);
/* Replace the version rows by these heads. */
int strata__bk_set_heads(strata_db *db, const strata_config *cfg, const char *const *heads, size_t n);
/* Read only the version rows (cheap; used inside each step's transaction). */
int strata__bk_read_versions(char ***out, size_t *n, strata_db *db, const strata_config *cfg);
void strata__bk_free_versions(char **v, size_t n);
int strata__bk_insert(strata_db *db, const strata_config *cfg, const bk_entry *e);
/* strata__bk_set_heads then strata__bk_insert, inside the caller's transaction. On
 * PostgreSQL one statement (one round trip instead of three: a fleet of
 * tenants runs thousands of steps); the same rows either way. */
int strata__bk_record_step(strata_db *db, const strata_config *cfg, const char *const *heads, size_t n,
		   const bk_entry *e);

/* An online revision's outcomes: "expanding", "expanded", "contracted". */
int strata__bk_outcome_is_online(const char *outcome);
/* Make outcome the latest word on revision in s (after a row was written). */
int strata__bk_note_outcome(bk_state *s, const char *revision, const char *outcome);

/* --sql renderers. */
int strata__bk_render_ensure(strata_buf *out, db_engine engine, const strata_config *cfg);
int strata__bk_render_set_heads(strata_buf *out, const strata_config *cfg, const char *const *heads,
			size_t n);
/* An INSERT whose times, user and duration are computed by the database running the script. */
int strata__bk_render_insert(strata_buf *out, db_engine engine, const strata_config *cfg,
		     const bk_entry *e);

#endif
