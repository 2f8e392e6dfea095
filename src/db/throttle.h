/*
 * db/throttle.h - holding a batched walk back while standbys fall behind.
 *
 * Layer: db (above util). Shared by online backfills (online/backfill.c)
 * and batched data steps of revisions (core/batch.c), so both throttle
 * the same way: before each batch, wait while any standby in
 * pg_stat_replication writes, flushes or replays more than max_lag_ms
 * behind. SQLite has no standbys: the wait returns at once.
 */
#ifndef STRATA_DB_THROTTLE_H
#define STRATA_DB_THROTTLE_H

#include "db/db.h"

/* Called every 100 ms while waiting: the lag seen and the time waited so far. */
typedef void (*db_lag_tick)(void *payload, double lag_ms, double waited_ms);

/*
 * Return once no standby is more than max_lag_ms behind (max_lag_ms <= 0:
 * at once, without a query). *lag_ms_out: the last lag seen (-1 when not
 * watched). tick (may be NULL) is called while waiting.
 * @return 0, or the query's error
 */
int strata__db_wait_replicas(strata_db *db, long max_lag_ms, double *lag_ms_out, db_lag_tick tick,
		     void *payload);

#endif
