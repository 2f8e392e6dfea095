/*
 * test/test_int.h - what the files of the test engine share (layer: test,
 * beside advise/ and import/: above core, schema, lint and online, which
 * it drives, and below the CLI, which only renders its report;
 * strata/test.h is its public face).
 *
 *   engine.c    strata_test_run(): the walk, the checks, the report
 *   snapshot.c  the schema snapshots before an up and after its down, and
 *               strata's own objects left out of every catalog compared
 *
 * Ownership: a testrun owns its report until strata_test_run() hands it
 * out; a rev_snap owns what it holds until strata__testrun_snap_release().
 */
#ifndef STRATA_TEST_INT_H
#define STRATA_TEST_INT_H

#include "core/revtest.h"
#include "schema/catalog.h"
#include "schema/sqlnames.h"
#include "strata/test.h"

struct strata_db;
struct strata_session;

struct strata_test_report {
	strata_test_result results[STRATA_TEST_NCHECKS];
	size_t cap[STRATA_TEST_NCHECKS]; /* room in results[c].failures */
	int engine;                      /* db_engine */
	size_t revisions;
	double elapsed_ms;
};

typedef struct testrun {
	const strata_graph *g;
	const strata_config *project; /* the caller's configuration */
	strata_config cfg;            /* the project's, pointed at the scratch database */
	struct strata_db *db;         /* the scratch database: steps, catalogs and data checks */
	struct strata_session *session;
	int engine;
	int whole_reads;     /* PostgreSQL: always snapshot the whole schema (event triggers) */
	int keep_going;      /* walk on past a failing step */
	char **view_schemas; /* PostgreSQL: strata online's versioned schemas the database held */
	size_t nview_schemas;
	revtest **datatests; /* per graph index, or NULL */
	strata_test_report *report;
	strata_test_progress_fn progress;
	void *payload;
	int oom;             /* a failure could not be recorded: the run fails with STRATA_ERROR */
} testrun;

/* What a revision's snapshot holds: see snapshot.c. */
typedef struct rev_snap {
	sc_catalog *cat;     /* PostgreSQL */
	char **rows;         /* SQLite: sqlite_schema rows (schema/probe.h) */
	size_t nrows;
	sc_names names;      /* what the revision names; opaque = whole reads */
	char **pair_schemas; /* PostgreSQL, after the down: the objects the before snapshot held */
	char **pair_names;
	size_t npairs;
} rev_snap;

void strata__testrun_snap_release(rev_snap *s);

/* The catalog model of the whole schema, strata's own objects left out. */
int strata__testrun_snapshot(testrun *t, sc_catalog **out);
/* PostgreSQL: the versioned schemas strata online's state table names
 * before the walk (a scratch database given to run on). */
int strata__testrun_read_view_schemas(testrun *t);
/* Leave strata's own objects out of cat. */
int strata__testrun_drop_own_objects(const testrun *t, sc_catalog *cat);
/* The snapshot before revision i's up. */
int strata__testrun_snapshot_before(testrun *t, size_t i, rev_snap *s);
/* After revision i's down: *before and *after are set to two catalogs to
 * compare (caller frees), or both left NULL when nothing differs. */
int strata__testrun_snapshot_after(testrun *t, rev_snap *s, sc_catalog **before, sc_catalog **after);
/* PostgreSQL, after an opaque revision: event triggers mean any DDL can
 * do more than it names, so every later snapshot reads the whole schema. */
int strata__testrun_note_event_triggers(testrun *t);
/* After revision i is applied: whether later snapshots must read
 * everything. opaque: what its snapshot before found, or -1 when it took
 * none. */
int strata__testrun_opaque_revision(testrun *t, size_t i, int opaque);

#endif
