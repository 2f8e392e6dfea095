/*
 * db/lockretry.h - trying work again, with back-off, when its lock_timeout
 * fired.
 *
 * Layer: db (above util). PostgreSQL ends a statement that waited longer
 * than lock_timeout for a lock with SQLSTATE 55P03
 * (DB_SQLSTATE_LOCK_NOT_AVAILABLE). strata then rolls the work back and
 * tries it again, up to [strata] lock_retries times (default 5), pausing
 * between tries so that the session holding the lock can finish. Shared
 * by the runner's steps (core/runner.c), batched data steps
 * (core/batch.c), and the online engine's transactions and backfill
 * batches (online/engine.c, online/backfill.c), so that all of them back
 * off the same way.
 *
 * The schedule: the pause before retry n (1-based) is first_ms * 2^(n-1),
 * doubled at most DB_LOCK_RETRY_DOUBLINGS times, and then jittered: half
 * of it plus a random part of the other half ("equal jitter"). A pause is
 * never longer than the plain doubling, and runners that hit the same
 * lock at the same moment come back at different ones instead of queueing
 * behind it together again.
 *
 * Use:
 *
 *	db_lock_retry retry;
 *
 *	strata__db_lock_retry_init(&retry, cfg->lock_retries, DB_LOCK_RETRY_FIRST_MS);
 *	while ((rc = work()) < 0) {
 *		strata__db_rollback_keep_error(db);
 *		if (!strata__db_lock_retry_next(&retry))
 *			return rc;   (not a lock timeout, or no retry left)
 *		log "retry %d of %d", retry.done, retry.max; strata__pause_ms(retry.wait_ms);
 *	}
 */
#ifndef STRATA_DB_LOCKRETRY_H
#define STRATA_DB_LOCKRETRY_H

/* The first pause of a transaction's retries, and of a single batch's
 * (shorter: a batch holds row locks only, for a moment). */
#define DB_LOCK_RETRY_FIRST_MS 200
#define DB_LOCK_RETRY_BATCH_FIRST_MS 100
/* How often the pause doubles at most (first_ms * 32). */
#define DB_LOCK_RETRY_DOUBLINGS 5

typedef struct db_lock_retry {
	int max;          /* retries allowed (lock_retries) */
	int done;         /* retries granted so far; the current one's number */
	long first_ms;    /* the plain pause before the first retry */
	long wait_ms;     /* the jittered pause before the current retry */
	unsigned int rng; /* jitter state (xorshift32, never 0) */
} db_lock_retry;

/* Start counting: max retries (< 0 counts as 0), the first pause first_ms.
 * The jitter is seeded from the clock, the process and r itself. */
void strata__db_lock_retry_init(db_lock_retry *r, int max, long first_ms);
/* Count from zero again (the batched walks: each batch has its own retries). */
void strata__db_lock_retry_reset(db_lock_retry *r);
/* Whether the last error (strata_error_last) is a lock_timeout that fired. */
int strata__db_error_is_lock_timeout(void);
/*
 * After a failure, with the error still the current one: 1 when it is a
 * lock timeout and a retry is left; r->done is then that retry's number
 * (1-based) and r->wait_ms the pause to make before it. 0 otherwise: give
 * up, the error stands.
 */
int strata__db_lock_retry_next(db_lock_retry *r);
/* The plain (unjittered) pause before retry n (1-based) of a schedule
 * starting at first_ms. */
long strata__db_lock_retry_backoff_ms(long first_ms, int n);

#endif
