/*
 * db/lockretry.c - the back-off schedule of lock_timeout retries (see
 * lockretry.h). Pure arithmetic over the thread's last error: no database
 * call, no sleep (the caller pauses for wait_ms, after logging the retry).
 */
#include "db/lockretry.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/strutil.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

static unsigned int next_random(db_lock_retry *r)
{
	unsigned int x = r->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->rng = x;
	return x;
}

void strata__db_lock_retry_init(db_lock_retry *r, int max, long first_ms)
{
	r->max = max > 0 ? max : 0;
	r->done = 0;
	r->first_ms = first_ms > 0 ? first_ms : 1;
	r->wait_ms = 0;
	r->rng = (unsigned int)(uint64_t)(strata__now_ms() * 1e6) ^ ((unsigned int)getpid() << 16) ^
		 (unsigned int)(uintptr_t)r;
	if (!r->rng)
		r->rng = 0x9e3779b9u;
}

void strata__db_lock_retry_reset(db_lock_retry *r)
{
	r->done = 0;
	r->wait_ms = 0;
}

int strata__db_error_is_lock_timeout(void)
{
	return strcmp(strata_error_last()->sqlstate, DB_SQLSTATE_LOCK_NOT_AVAILABLE) == 0;
}

long strata__db_lock_retry_backoff_ms(long first_ms, int n)
{
	int doublings = n - 1;

	if (doublings < 0)
		doublings = 0;
	if (doublings > DB_LOCK_RETRY_DOUBLINGS)
		doublings = DB_LOCK_RETRY_DOUBLINGS;
	return first_ms << doublings;
}

int strata__db_lock_retry_next(db_lock_retry *r)
{
	long plain, half;

	if (!strata__db_error_is_lock_timeout() || r->done >= r->max)
		return 0;
	r->done++;
	plain = strata__db_lock_retry_backoff_ms(r->first_ms, r->done);
	half = plain / 2;
	r->wait_ms = plain - half + (long)(next_random(r) % (unsigned long)(half + 1));
	return 1;
}
