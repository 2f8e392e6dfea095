/*
 * strata/test.h - testing a migrations directory on a scratch database:
 * the revisions go up, come down without a trace and end at the declared
 * schema (what `strata test` reports; docs/testing.md).
 *
 * One run walks the revision history once, in apply order, on one
 * database (SQLite: in memory; PostgreSQL: a shadow database created on
 * cfg->shadow_database or the server of cfg->database and always dropped;
 * or cfg->database itself when opts->on_database, which must be empty).
 * For each revision: a snapshot, its data checks' "+before" statements,
 * up, its "+check" queries, down, a snapshot again and the comparison,
 * its "+check-down" queries, up again. Then the schema at the heads is
 * compared with cfg->schema and the lint's error-level findings over all
 * revisions are collected. Each check is a strata_test_check; what each
 * found is in the report, which the caller renders.
 *
 * Findings are no errors: strata_test_run() returns 0 when the run went
 * through, whatever the checks found (strata_test_report_failed() says
 * how many failed). It returns an error when the run could not be made:
 * bad input (an unknown --from revision, a data-check file that does not
 * parse or names no revision, a scratch database that is not empty, no
 * engine to be told), or the database failing under it.
 *
 * Ownership: the caller owns *out and frees it with
 * strata_test_report_free(); every pointer read from a report is borrowed
 * from it and lives as long as it. cfg and g are borrowed for the call.
 */
#ifndef STRATA_TEST_H
#define STRATA_TEST_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The checks, in the order they are reported. */
typedef enum strata_test_check {
	STRATA_TEST_SINGLE_HEAD = 0, /* "single-head": the expected number of heads, no orphaned base */
	STRATA_TEST_UPGRADE,         /* "upgrade": every revision's up applies */
	STRATA_TEST_STAIRWAY,        /* "stairway": up, down, up again per revision */
	STRATA_TEST_NO_TRACE,        /* "down-leaves-no-trace": the schema after the down is the one before the up */
	STRATA_TEST_SCHEMA,          /* "schema-matches": the schema at the heads is cfg->schema's */
	STRATA_TEST_DATA,            /* "data-survives": migrations/tests/<revision>.sql */
	STRATA_TEST_LINT,            /* "lint": no error-level lint finding */
	STRATA_TEST_NCHECKS
} strata_test_check;

/** A check's name as users write it ("down-leaves-no-trace"), or NULL. */
const char *strata_test_check_name(strata_test_check check);

/** The check named by name[0..len) (exact, case-sensitive), or -1. */
int strata_test_check_lookup(const char *name, size_t len);

/* One difference between two schemas. */
typedef struct strata_test_difference {
	/* down-leaves-no-trace: "leftover" (only after the down), "missing"
	 * (only before the up); schema-matches: "only in the migrations",
	 * "only in the schema file"; both: "changed" */
	const char *difference;
	const char *kind;   /* "table", "index", ... */
	const char *object; /* its name as the engine qualifies it */
	const char *detail; /* "changed": what changed; otherwise NULL */
} strata_test_difference;

typedef struct strata_test_failure {
	const char *revision; /* the revision it is about, or NULL */
	const char *message;
	const strata_test_difference *differences; /* ndifferences of them, or NULL */
	size_t ndifferences;
} strata_test_failure;

typedef struct strata_test_result {
	int enabled;          /* selected by opts->checks */
	const char *skipped;  /* why it did not run (fully), or NULL */
	const strata_test_failure *failures;
	size_t nfailures;     /* 0 and skipped NULL: it passed */
} strata_test_result;

typedef struct strata_test_report strata_test_report;

/** Progress after each revision the walk went over: done of total, m the revision. */
typedef void (*strata_test_progress_fn)(void *payload, size_t done, size_t total,
					const strata_migration *m);

typedef struct strata_test_options {
	int version;         /* STRATA_TEST_OPTIONS_VERSION */
	unsigned checks;     /* bit set of (1u << strata_test_check); 0 = every check */
	const char *from;    /* walk the revisions from this one on (see strata_graph_lookup());
	                        those before it are applied unchecked. NULL = from base */
	int heads;           /* heads single-head expects; 0 = cfg->test_heads */
	int whole_snapshots; /* PostgreSQL: snapshot the whole schema, not what each revision names */
	int keep_going;      /* walk on past a failing step, every revision whose ancestors applied */
	int on_database;     /* run on cfg->database (a scratch database, must be empty);
	                        0 = on a shadow, as above */
} strata_test_options;
#define STRATA_TEST_OPTIONS_VERSION 1
#define STRATA_TEST_OPTIONS_INIT { STRATA_TEST_OPTIONS_VERSION, 0, NULL, 0, 0, 0, 0 }

/**
 * Test the migrations of g (cfg's project) as described above.
 *
 * Data checks are read from migrations/tests/<revision>.sql under
 * cfg->migrations; the lint reads cfg's [lint] settings.
 *
 * @param[out] out  the report, freed with strata_test_report_free(); NULL on error
 * @param opts      NULL for STRATA_TEST_OPTIONS_INIT
 * @param progress  called after each revision walked, or NULL; payload is passed on
 * @return 0 (the checks' findings are in *out); STRATA_ENOTFOUND /
 *         STRATA_EAMBIGUOUS (opts->from), STRATA_EINVALID (no engine,
 *         a scratch database that is not empty), STRATA_EPARSE (a
 *         data-check file), STRATA_EDB, STRATA_ERROR
 */
int strata_test_run(strata_test_report **out, const strata_test_options *opts,
		    const strata_config *cfg, const strata_graph *g,
		    strata_test_progress_fn progress, void *payload);

/** The result of one check (never NULL for a valid check). */
const strata_test_result *strata_test_report_result(const strata_test_report *r,
						    strata_test_check check);
/** How many enabled checks found something (the run failed when > 0). */
size_t strata_test_report_failed(const strata_test_report *r);
/** "sqlite" or "postgres": the engine the run used. */
const char *strata_test_report_engine(const strata_test_report *r);
/** The revisions in the graph. */
size_t strata_test_report_revisions(const strata_test_report *r);
/** How long strata_test_run() took, in milliseconds. */
double strata_test_report_elapsed_ms(const strata_test_report *r);

/** Free a report. NULL is fine. */
void strata_test_report_free(strata_test_report *r);

#ifdef __cplusplus
}
#endif
#endif
