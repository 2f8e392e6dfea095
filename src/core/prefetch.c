/*
 * core/prefetch.c - reading the database's state ahead, on a second thread
 * (strata_prefetch_start in strata/runner.h).
 *
 * Layer: core; talks to the database through db/db.h and reads the state
 * with core/bookkeeping, like the runner.
 *
 * Why: a run spends its time in two independent halves, loading the
 * migrations folder (reading, parsing and hashing every file) and opening
 * the database (SQLite parses the whole schema on the first statement;
 * PostgreSQL needs TCP, TLS and SCRAM's key stretching before the first
 * query: milliseconds each). Done one after the other they add up; on two
 * cores they overlap. Most runs find nothing
 * to do, and then the state read ahead is the whole answer.
 *
 *   caller (CLI)                          prefetch thread
 *   strata_prefetch_start() --create-->   read_ahead():
 *   strata_graph_load()                     strata__db_open(read_only)
 *   strata.sum check                        strata__bk_read()
 *   strata_upgrade(opts->prefetch)
 *     strata__prefetch_state() <----ready-------    ready = 1 (signalled)
 *     nothing to run or refuse: done        strata__db_close()
 *     else: the usual run (open_run...)
 *   strata_prefetch_free() <---join-----  (done)
 *
 * Invariants:
 *  1. The thread only reads. The SQLite file is opened read-only without
 *     SQLITE_OPEN_CREATE, so a missing database is not created and an
 *     existing one is not written, whatever the main thread then finds
 *     (a bad migrations folder exits 2 with the database untouched). In
 *     WAL mode SQLite may open or create the -shm file, as every reader.
 *     A PostgreSQL session is made read-only (default_transaction_read_only)
 *     and only runs strata__bk_read()'s SELECTs; it takes no lock a runner waits on.
 *  2. The connection is the thread's alone, and holds no lock once the
 *     state is read: every strata__bk_read() query runs to its end in autocommit
 *     mode, so nothing of it can meet the usual run's write transactions
 *     while the thread closes it.
 *  3. Nothing else is shared while the thread runs: it reads cfg, which
 *     the caller keeps unchanged, and writes p->rc and p->state before
 *     setting p->ready under p->lock; the caller reads them only after
 *     seeing p->ready under that lock, and never writes them. Errors stay
 *     in the thread's own strata_error (thread-local).
 *  4. The state is a snapshot as good as the usual path's: that one too
 *     reads it outside any transaction, and every step re-reads the
 *     version table under the write lock before it runs.
 *  5. Placement (Linux/glibc): the thread starts on the process's CPUs
 *     but the caller's, and is given the caller's too only when the
 *     caller waits for it (let_run_anywhere), so the two halves do not
 *     share a CPU while both have work, and the thread never waits for a
 *     CPU the caller has left idle.
 *
 * Another engine to read ahead: it needs a read-only open in its driver
 * (db_open_options.read_only); strata__db_engine_of() must know its connection strings.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getcpu, CPU_SET, pthread_attr_setaffinity_np */
#endif
#include "core/prefetch.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

#if defined(__GLIBC__) && defined(CPU_SET)
#define PLACE_THREAD 1 /* see away_from_caller() */
#endif

struct strata_prefetch {
	const strata_config *cfg;
	pthread_t thread;
	int running;          /* created (joined only when freed) */
	pthread_mutex_t lock; /* guards ready */
	pthread_cond_t done;  /* signalled when ready is set */
	int ready;            /* rc and state are final */
	int rc;               /* the read's outcome */
	bk_state state;
#ifdef PLACE_THREAD
	cpu_set_t allowed; /* the process's CPUs, given back to the thread when waited for */
#endif
};

#ifdef PLACE_THREAD
/*
 * Keep the thread off the caller's CPU while the caller works. Left to
 * itself, Linux often queues a new thread behind the one that created it,
 * on the same CPU, for milliseconds before an idle CPU takes it over, or
 * moves it back there soon after: the whole time there is to save. With
 * a single CPU allowed, nothing is set.
 */
static void away_from_caller(pthread_attr_t *at, cpu_set_t *allowed)
{
	cpu_set_t others;
	int me = sched_getcpu();

	if (me < 0 || sched_getaffinity(0, sizeof(*allowed), allowed) != 0 ||
	    !CPU_ISSET(me, allowed) || CPU_COUNT(allowed) < 2)
		return;
	others = *allowed;
	CPU_CLR(me, &others);
	pthread_attr_setaffinity_np(at, sizeof(others), &others);
}
#endif

/*
 * The caller is about to wait for the thread: from now on the thread may
 * run anywhere the process may, the caller's CPU included. Called with
 * p->lock held and p->ready not set, so the thread has not ended.
 */
static void let_run_anywhere(strata_prefetch *p)
{
#ifdef PLACE_THREAD
	if (CPU_COUNT(&p->allowed) >= 2)
		pthread_setaffinity_np(p->thread, sizeof(p->allowed), &p->allowed);
#else
	(void)p;
#endif
}

static void *read_ahead(void *arg)
{
	strata_prefetch *p = arg;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;

	oo.project_root = p->cfg->root;
	oo.read_only = 1;
	if ((p->rc = strata__db_open(&db, p->cfg->database, &oo)) == 0)
		p->rc = strata__bk_read(&p->state, db, p->cfg);
	/* Hand the state over, then close: the caller need not wait for that. */
	pthread_mutex_lock(&p->lock);
	p->ready = 1;
	pthread_cond_signal(&p->done);
	pthread_mutex_unlock(&p->lock);
	strata__db_close(db);
	return NULL;
}

static void prefetch_destroy(strata_prefetch *p)
{
	strata__bk_state_release(&p->state);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	strata_free(p);
}

int strata_prefetch_start(strata_prefetch **out, const strata_config *cfg)
{
	strata_prefetch *p;
	pthread_attr_t at;
	int err;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	*out = NULL;
	if (!cfg->database || !strata__db_engine_of(cfg->database))
		return 0;
	if (!(p = strata_calloc(1, sizeof(*p))))
		return STRATA_ERROR;
	p->cfg = cfg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->done, NULL);
	if ((err = pthread_attr_init(&at)) != 0) {
		prefetch_destroy(p);
		return strata_error_set(STRATA_ERROR, "cannot start a thread: %s", strerror(err));
	}
#ifdef PLACE_THREAD
	CPU_ZERO(&p->allowed);
	away_from_caller(&at, &p->allowed);
#endif
	err = pthread_create(&p->thread, &at, read_ahead, p);
	pthread_attr_destroy(&at);
	if (err != 0) {
		prefetch_destroy(p);
		return strata_error_set(STRATA_ERROR, "cannot start a thread: %s", strerror(err));
	}
	p->running = 1;
	*out = p;
	return 0;
}

/* Wait until the state is handed over. */
static void wait_ready(strata_prefetch *p)
{
	pthread_mutex_lock(&p->lock);
	if (!p->ready)
		let_run_anywhere(p);
	while (!p->ready)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

int strata__prefetch_state(const bk_state **out, strata_prefetch *p)
{
	wait_ready(p);
	*out = &p->state;
	return p->rc;
}

void strata_prefetch_free(strata_prefetch *p)
{
	if (!p)
		return;
	if (p->running) {
		wait_ready(p);
		pthread_join(p->thread, NULL);
	}
	prefetch_destroy(p);
}
