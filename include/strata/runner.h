/*
 * strata/runner.h - applying, reverting and stamping revisions (upgrade,
 * downgrade, stamp). One step at a time on a connection the caller keeps:
 * strata/session.h; the database's state: strata/status.h.
 *
 * Each function opens its own connection to cfg->database, takes the run
 * lock for the whole run (PostgreSQL: an advisory lock; SQLite: a flock on
 * "<db>.strata-lock"; both outlive a `transaction: off` step), reads the
 * bookkeeping only once it holds that lock, creates the bookkeeping tables
 * when missing, and works step by step:
 *
 *  1. Every statement of every planned step is split before anything runs;
 *     a syntax error stops the run with file:line:col and nothing applied.
 *  2. A transactional step runs in one transaction together with its
 *     version-table and history rows: whole or not at all. Inside that
 *     transaction the version table is read again; if another runner moved
 *     it, the plan is recomputed (so concurrent runners apply each revision
 *     exactly once).
 *  3. A non-transactional step records a "running" row, runs statement by
 *     statement, and on failure records "failed" with the statement; later
 *     runs refuse to go on until --retry-failed or `strata stamp`.
 *  4. When lock_timeout fires (PostgreSQL 55P03) the step is rolled back
 *     and retried with back-off, up to cfg->lock_retries times.
 *  5. Applied revisions whose file changed since are refused unless
 *     allow_changed, which records an "accepted" history row.
 *  6. History rows carry a note when something unusual happened: a step
 *     run again with retry_failed, an acceptance (5), a stamp and why
 *     (opts->note), a stamp that records a failed revision as finished by
 *     hand, a step applied from a --sql script (strata/audit.h reads them).
 *
 * With sql_only nothing is run: the script that would run (transaction
 * boundaries and bookkeeping included) goes to opts->emit.
 *
 * Environments (strata/config.h, strata/env.h): on one with promote_from,
 * upgrade (and --sql) refuses revisions the upstream has not applied,
 * unless opts->skip_promotion_check gives a reason; on one with
 * require_plan, upgrade runs only from a reviewed plan
 * (strata/planfile.h), never directly (--sql still prints), and downgrade
 * (but from a reviewed downgrade plan) and stamp are refused unless
 * opts->force_protected gives a reason (a
 * revert or a rewrite of the version rows on production is deliberate and
 * recorded, never an accident of the wrong -e).
 */
#ifndef STRATA_RUNNER_H
#define STRATA_RUNNER_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/db.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_log_level {
	STRATA_LOG_ERROR = 0,
	STRATA_LOG_WARN = 1,
	STRATA_LOG_INFO = 2,
	STRATA_LOG_DEBUG = 3,
} strata_log_level;

/* The database's state read ahead on a second thread: see strata_prefetch_start(). */
typedef struct strata_prefetch strata_prefetch;

/** Progress of a batched data step (a "-- +batch" section), after each batch. */
typedef struct strata_batch_progress {
	const strata_migration *m; /* the revision */
	const char *table;        /* its table, as the statement names it */
	long long done;           /* keys walked so far (resumed runs count the earlier ones) */
	long long total;          /* estimated rows of the table */
	long long changed;        /* rows the statement changed so far */
	long batch_size;          /* rows of the next batch */
	double rows_per_s;        /* keys walked per second in this run */
	double eta_s;             /* estimated seconds left (-1 = unknown) */
	double replica_lag_ms;    /* last standby lag seen (-1 = not watched) */
	int waiting;              /* 1 while paused for replica lag */
} strata_batch_progress;

typedef struct strata_run_options {
	int version;              /* STRATA_RUN_OPTIONS_VERSION */
	const char *target;       /* see strata/graph.h; NULL = "heads" (upgrade) */
	int sql_only;             /* print the script, touch nothing */
	const char *sql_from;     /* with sql_only: start from "base" or a revision; NULL = the database's state */
	int single_transaction;   /* the whole run in one transaction */
	int allow_changed;        /* run over applied revisions whose file changed */
	int retry_failed;         /* run a failed non-transactional revision again */
	int purge;                /* stamp: clear the version table first, even unknown rows */
	void (*emit)(void *payload, const char *text, size_t len);
	void (*log)(void *payload, strata_log_level level, const char *msg);
	void (*progress)(void *payload, size_t done, size_t total, const strata_migration *m);
	void *payload;
	strata_prefetch *prefetch; /* upgrade, downgrade: the state read ahead, or NULL */
	int sum_auto;             /* strata.sum differs and cfg says sum = auto: once the run
	                             lock is held and the state read, record the files whose
	                             revision is not applied (strata_sum_refresh_unapplied) */
	const char *note;         /* stamp: the note of its history rows, saying why (e.g.
	                             "strata baseline: ..."); NULL = "strata stamp" */
	const char *skip_promotion_check; /* upgrade (also --sql): run although the environment
	                             cfg->promote_from names has not applied the revisions
	                             (strata/env.h); the reason, recorded in each step's history
	                             row. NULL = check */
	/* Batched steps ("-- +batch" sections, docs/migrations.md): */
	long batch_size;          /* rows per batch; <= 0: adapt to cfg->batch_target_ms */
	long batch_pause_ms;      /* pause between two batches; default 0 */
	long max_replica_lag_ms;  /* wait while a standby is further behind; 0 = off */
	void (*batch_progress)(void *payload, const strata_batch_progress *p);
	int online_contract;      /* contract each online revision right after its expand
	                             (strata test), not when a later revision says so */
	const char *force_protected; /* downgrade, stamp: run on an environment with
	                             require_plan (a protected one) anyway; the reason,
	                             recorded in each history row. NULL = refuse there */
	const char *const *online_expanded; /* with online_contract: revisions left expanded
	                             (a shadow made to match a database where they are) */
	size_t nonline_expanded;
} strata_run_options;
#define STRATA_RUN_OPTIONS_VERSION 1
#define STRATA_RUN_OPTIONS_INIT { STRATA_RUN_OPTIONS_VERSION, NULL, 0, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0 }

/*
 * Online revisions (a revision whose header says "-- online: FILE.json" or
 * that holds a "-- +online" section): the runner hands their phases to the
 * table strata_online_register() (strata/online.h) installs, so core does
 * not depend on online. History outcomes of an online revision on
 * PostgreSQL: "expanding" (recorded as applied before the expand starts;
 * an interrupted expand is resumed by the next upgrade or rolled back by a
 * downgrade), "expanded" (start and backfill done; both versions live),
 * "contracted" (complete done), and "reverted" (rolled back, or the
 * inverse ran). On SQLite an online revision is a plain step: "applied".
 */
typedef struct strata_online_step {
	const strata_config *cfg;
	strata_db *db;              /* the runner's connection (apply, views: in its transaction) */
	const strata_migration *m;  /* the online revision */
	void (*log)(void *payload, strata_log_level level, const char *msg);
	void (*emit)(void *payload, const char *text, size_t len);
	void *payload;
} strata_online_step;

typedef struct strata_online_hooks {
	int version;              /* STRATA_ONLINE_HOOKS_VERSION */
	/* Parse the operations (no database); with dir STRATA_DOWN and
	 * need_inverse, also whether they have an inverse (else
	 * STRATA_EIRREVERSIBLE saying why). */
	int (*check)(const strata_online_step *s, strata_direction dir, int need_inverse);
	/* PostgreSQL, each on its own connection and safe to run again: start and
	 * backfill (resumes one in progress); complete (0 when already done);
	 * roll back (0 when nothing is in progress; 1 when the migration was
	 * completed meanwhile, so the inverse is what undoes it). */
	int (*expand)(const strata_online_step *s);
	int (*contract)(const strata_online_step *s);
	int (*rollback)(const strata_online_step *s);
	/* In the runner's transaction on s->db: SQLite up or down; PostgreSQL
	 * down of a contracted revision (its inverse, or with down_sql the
	 * runner ran the revision's down section: only strata's own state). */
	int (*apply)(const strata_online_step *s, strata_direction dir, int down_sql);
	/* PostgreSQL, around a plain step in its transaction: strata's
	 * version schemas of views are set aside (*saved) and rebuilt over the
	 * tables as the step left them. */
	int (*views_before)(const strata_online_step *s, void **saved);
	int (*views_after)(const strata_online_step *s, void *saved);
	void (*views_free)(void *saved);
	/* --sql: what each phase of the step runs, through s->emit. */
	int (*render)(const strata_online_step *s, strata_direction dir);
	/* Version 2. PostgreSQL, on its own connection: 1 when the revision's
	 * migration was completed (by 'strata online complete' or a contract
	 * whose history row was never written), 0 when not, or an error. */
	int (*completed)(const strata_online_step *s);
} strata_online_hooks;
#define STRATA_ONLINE_HOOKS_VERSION 2

/** Install the online phases (NULL: online revisions are refused). */
void strata_runner_set_online(const strata_online_hooks *hooks);

/**
 * Record the contraction of online revisions completed outside the runner.
 *
 * For every applied online revision whose latest history row is
 * "expanded" and whose migration the online engine reports completed (by
 * 'strata online complete'), one history row with outcome "contracted" is
 * written, as the upgrade that contracts it writes; so drift, status,
 * downgrade and the next upgrade agree with the database. Takes the run
 * lock. Nothing to record (no bookkeeping tables, SQLite, no online
 * revision) is not an error. strata_upgrade() does the same before its
 * steps.
 *
 * @param[out] recorded  how many revisions were recorded; may be NULL
 * @return 0, or the error of the connection, the lock or the bookkeeping
 */
int strata_runner_record_completed(size_t *recorded, const strata_config *cfg,
				   const strata_graph *g, const strata_run_options *opts);

typedef struct strata_run_result {
	size_t planned;   /* steps in the plan */
	size_t done;      /* steps completed */
	double elapsed_ms;
} strata_run_result;

int strata_upgrade(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		   const strata_run_options *opts);
int strata_downgrade(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		     const strata_run_options *opts);
/** Set the version table to target's state without running SQL. */
int strata_stamp(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		 const strata_run_options *opts);

/**
 * Start reading the database's bookkeeping state on a second thread, so
 * that it overlaps with loading the migrations (strata_graph_load()).
 * Pass the handle to one strata_upgrade() or strata_downgrade() in
 * opts->prefetch: when the state shows nothing to run and nothing to
 * refuse, the run ends there without ever connecting for writing;
 * otherwise, or when the read failed, it goes the usual way.
 *
 * Only read-only work happens ahead: the SQLite file is opened read-only,
 * never created and never written, and closed again before the thread
 * ends; so a bad migrations folder found meanwhile still leaves the
 * database as it was. Only SQLite databases are read ahead: for other
 * engines, and for none, *out is NULL.
 *
 * @param[out] out  free with strata_prefetch_free(); NULL when nothing is read ahead
 * @param cfg  borrowed until strata_prefetch_free(), and not changed meanwhile
 * @return 0, or STRATA_ERROR (out of memory, no thread: nothing started)
 */
int strata_prefetch_start(strata_prefetch **out, const strata_config *cfg);

/** Wait for the thread to end (if it has not) and free what it read. NULL is fine. */
void strata_prefetch_free(strata_prefetch *p);

#ifdef __cplusplus
}
#endif
#endif
