/*
 * strata/online.h - online (expand/contract) migrations on PostgreSQL.
 *
 * An operation file (pgroll's JSON format: an object with "operations",
 * each an object with one key naming the operation) is started, which
 * expands the schema: new physical columns beside the old ones, triggers
 * that keep both in step, a batched backfill, and a new versioned schema
 * of views that shows the new shape while the previous version keeps
 * showing the old one. Complete contracts (validates, swaps names, drops
 * the old); rollback undoes a started migration.
 *
 * State lives in the database (schema strata_online), so any machine can
 * complete or roll back, and every step can be run again after a crash.
 * docs/online.md describes the model for users.
 */
#ifndef STRATA_ONLINE_H
#define STRATA_ONLINE_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What online migrations keep in the database, never part of a user's
 * schema: the schema STRATA_ONLINE_SCHEMA (the state table
 * STRATA_ONLINE_SCHEMA.migrations, the sync functions), the sync trigger
 * STRATA_ONLINE_TRIGGER on each table while a migration is in progress,
 * and the versioned schemas of views: "<schema>_<name>" or the file's
 * "version_schema", named in the state table's version_schema and
 * previous_schema columns.
 */
#define STRATA_ONLINE_SCHEMA "strata_online"
#define STRATA_ONLINE_TRIGGER "_strata_online_sync"

/** A parsed operation file. */
typedef struct strata_online_migration strata_online_migration;

/**
 * Parse an operation file held in memory (no database is touched).
 *
 * @param[out] out  free with strata_online_free()
 * @param text  the file's bytes (need not be NUL-terminated)
 * @param len  their number
 * @param source  the file name shown in errors ("<input>" when NULL)
 * @param default_name  the migration's name when the file has no "name"
 *        (NULL: the source's base name without its extension)
 * @return 0, or STRATA_EPARSE with a message naming the source, the JSON
 *         path ("operations[2].alter_column.type") and what is wrong
 */
int strata_online_parse(strata_online_migration **out, const char *text, size_t len,
			const char *source, const char *default_name);

/** Read and parse an operation file (see strata_online_parse). */
int strata_online_load(strata_online_migration **out, const char *path);

void strata_online_free(strata_online_migration *m);

/** The migration's name (from "name" or the file name). */
const char *strata_online_name(const strata_online_migration *m);
/** "version_schema" from the file, or NULL. */
const char *strata_online_version_schema(const strata_online_migration *m);
/** How many operations, and the kind ("add_column", ...) of the i-th. */
size_t strata_online_op_count(const strata_online_migration *m);
const char *strata_online_op_kind(const strata_online_migration *m, size_t i);

/** Backfill progress, handed to the progress callback after each batch. */
typedef struct strata_online_progress {
	const char *table;        /* the table being backfilled */
	long long done;           /* rows done in this table so far */
	long long total;          /* estimated rows of the table (0 = unknown) */
	double rows_per_s;        /* rate since the backfill of this table began */
	double eta_s;             /* estimated seconds left (-1 = unknown) */
	double replica_lag_ms;    /* last replay lag seen (-1 = not watched) */
	int waiting;              /* 1 while paused for replica lag */
} strata_online_progress;

typedef struct strata_online_options {
	int version;              /* STRATA_ONLINE_OPTIONS_VERSION */
	const char *schema;       /* the schema the operations act on; NULL = "public" */
	long batch_size;          /* rows per backfill batch; <= 0 = 1000 */
	long batch_pause_ms;      /* pause between two batches; default 0 */
	long max_replica_lag_ms;  /* pause while a standby's replay lag exceeds it; 0 = off */
	int complete;             /* start: complete right after the backfill */
	void (*log)(void *payload, strata_log_level level, const char *msg);
	void (*progress)(void *payload, const strata_online_progress *p);
	void *payload;
} strata_online_options;
#define STRATA_ONLINE_OPTIONS_VERSION 1
#define STRATA_ONLINE_OPTIONS_INIT { STRATA_ONLINE_OPTIONS_VERSION, NULL, 0, 0, 0, 0, NULL, NULL, NULL }

/**
 * Start (expand) a migration: one transaction adds the new shape, the
 * triggers, the new version schema and the state row; then indexes are
 * built concurrently and existing rows are backfilled in batches.
 * Started again with the same migration after a crash, it resumes.
 * @return 0; STRATA_ECONFLICT when another migration is in progress;
 *         STRATA_EINVALID when an operation does not fit the schema;
 *         STRATA_EDB / STRATA_ELOCKED from the database
 */
int strata_online_start(const strata_config *cfg, const strata_online_migration *m,
			const strata_online_options *opts);

/** Complete (contract) the migration in progress. STRATA_ENOTFOUND when none. */
int strata_online_complete(const strata_config *cfg, const strata_online_options *opts);

/** Roll back the migration in progress. STRATA_ENOTFOUND when none. */
int strata_online_rollback(const strata_config *cfg, const strata_online_options *opts);

/** What strata_online_status_read() finds. Strings are NULL when unknown. */
typedef struct strata_online_status {
	int initialised;          /* the strata_online schema exists */
	int active;               /* a migration is in progress */
	char *name;               /* the migration in progress */
	char *version_schema;     /* its version schema */
	char *previous_schema;    /* the version schema it replaces, or NULL */
	char *started_at;
	int backfilled;           /* its backfill has finished */
	long long rows_backfilled;
	char *latest_name;        /* the latest completed migration */
	char *latest_schema;      /* and its version schema (what clients should use) */
	char *latest_completed_at;
	long completed;           /* how many migrations were completed */
	/* Every version schema strata keeps (in progress, previous, completed),
	 * by name, with the client sessions of this database whose last
	 * statement names it (pg_stat_activity has no search_path column) and
	 * the sessions whose statements this role may not see. */
	struct strata_online_version *versions;
	size_t nversions;
} strata_online_status;

typedef struct strata_online_version {
	char *schema;
	char *migration;          /* the migration that made it */
	char *phase;              /* "started" (new version), "previous" or "complete" */
	long sessions;            /* sessions seen naming it */
	long sessions_hidden;     /* sessions whose statements are not visible: the count
	                             above may miss those */
} strata_online_version;

/**
 * The online phases of online revisions (strata/runner.h,
 * strata_online_hooks), installed in the runner: call once before running
 * revisions. strata's own CLI does.
 */
void strata_online_register(void);

/** Read the online-migration state (read-only: creates nothing). */
int strata_online_status_read(strata_online_status **out, const strata_config *cfg,
			      const strata_online_options *opts);
void strata_online_status_free(strata_online_status *s);

#ifdef __cplusplus
}
#endif
#endif
