/*
 * strata/audit.h - reading a database's audit trail: the history table
 * (strata_history), newest first, as `strata log` shows it.
 *
 * The history table gets one row per step strata ever ran or recorded and
 * is never rewritten (strata/runner.h). Reading it is read-only: nothing is
 * created or written, a SQLite file that does not exist is an error naming
 * it, and a database without the bookkeeping tables has an empty trail.
 *
 * Outcomes (the outcome column, plus one strata works out):
 *   applied      the up section ran and committed
 *   reverted     the down section ran and committed
 *   rolled-back  a transactional step failed; nothing of it remains
 *   failed       a non-transactional step failed part-way (error and
 *                failing statement recorded); later runs refuse to go on
 *   stamped      `strata stamp` (or `strata baseline`) set the version
 *                without running SQL; direction down for a revision
 *                stamped away
 *   accepted     an applied revision's changed file was accepted with
 *                `upgrade --allow-changed`
 *   adopted      `strata adopt` recorded the revision as applied from
 *                another tool's bookkeeping (direction "adopt"), without
 *                running SQL
 *   running      a non-transactional step in progress right now
 *   interrupted  a "running" row no later row closes, while no strata run
 *                holds the run lock: the run died part-way (worked out
 *                when read; stored as "running")
 *
 * A non-transactional step writes a "running" row when it starts and its
 * outcome row when it ends (with the same start time); once closed, the
 * "running" row says nothing more and is left out.
 *
 * Notes (the note column) say what was unusual: "strata stamp",
 * "strata stamp --purge", "strata baseline: ...", a stamp that records a
 * failed revision as finished by hand, an --allow-changed acceptance, a
 * step run again with --retry-failed, a step applied from a --sql script.
 */
#ifndef STRATA_AUDIT_H
#define STRATA_AUDIT_H

#include <stddef.h>
#include "strata/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One row of the audit trail. Strings are NULL when the row has none. */
typedef struct strata_audit_entry {
	long long id;                 /* the row's id: later rows have larger ids */
	const char *revision;
	const char *direction;        /* "up", "down" or "adopt" */
	const char *outcome;          /* see the list above */
	const char *checksum;         /* the file's checksum when the step ran */
	const char *started_at;       /* ISO 8601 UTC with milliseconds */
	const char *finished_at;      /* NULL while a step is open */
	long long duration_ms;        /* -1 when not known (an open step) */
	const char *db_user;
	const char *client_host;
	const char *tool_version;     /* the strata version that wrote the row */
	const char *error;            /* failed, rolled-back: the error */
	const char *failed_statement; /* failed, rolled-back: the statement */
	long statements_run;          /* statements completed; -1 when not recorded */
	const char *note;
} strata_audit_entry;

typedef struct strata_audit_options {
	int version;            /* STRATA_AUDIT_OPTIONS_VERSION */
	const char *since;      /* rows started at or after this: an ISO date or time (UTC
	                           unless it has an offset) or an age ("12h", "7d"); NULL = all */
	const char *revision;   /* a revision id or its first characters: only its rows; NULL = all */
	const char *outcome;    /* only rows with this outcome (see the list); NULL = all */
	size_t limit;           /* only the newest limit rows (after the filters); 0 = all */
} strata_audit_options;
#define STRATA_AUDIT_OPTIONS_VERSION 1
#define STRATA_AUDIT_OPTIONS_INIT { STRATA_AUDIT_OPTIONS_VERSION, NULL, NULL, NULL, 0 }

typedef struct strata_audit {
	int tables_exist;             /* 0: no bookkeeping tables, so no rows */
	strata_audit_entry *entries;  /* newest first; their strings belong to the audit */
	size_t n;
} strata_audit;

/* Every outcome a row can have, NULL-terminated, in the order listed above. */
extern const char *const strata_audit_outcomes[];

/**
 * Read cfg->database's audit trail, newest first (by row id: the order
 * the rows were written, whatever the clocks of the machines said).
 * opts is checked before anything is opened: an unknown outcome or a
 * since that is neither a time nor an age is STRATA_EINVALID naming it.
 *
 * @param[out] out  free with strata_audit_free()
 * @param opts      NULL for every row
 * @return 0; STRATA_EINVALID (bad options), STRATA_ENOTFOUND (a SQLite
 *         file that does not exist), STRATA_EDB / STRATA_ERROR
 */
int strata_audit_read(strata_audit **out, const strata_config *cfg,
		      const strata_audit_options *opts);

/** NULL is fine. */
void strata_audit_free(strata_audit *a);

#ifdef __cplusplus
}
#endif
#endif
