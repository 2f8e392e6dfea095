/*
 * db/throttle.c - waiting for standbys between batches (db/throttle.h).
 *
 * Layer: db; reads pg_stat_replication through strata__db_query() only.
 */
#include "db/throttle.h"
#include "util/strutil.h"

#include <stdlib.h>

#define LAG_SQL                                                                        \
	"SELECT coalesce(max(extract(epoch FROM greatest(write_lag, flush_lag, replay_lag)) " \
	"* 1000), 0)::float8 FROM pg_stat_replication"

static int on_lag(void *payload, int ncols, const char *const *v)
{
	*(double *)payload = ncols > 0 && v[0] ? atof(v[0]) : 0;
	return 0;
}

int strata__db_wait_replicas(strata_db *db, long max_lag_ms, double *lag_ms_out, db_lag_tick tick,
		     void *payload)
{
	double since = strata__now_ms(), lag = 0;
	int rc;

	if (lag_ms_out)
		*lag_ms_out = -1;
	if (max_lag_ms <= 0 || strata__db_engine_kind(db) != DB_POSTGRES)
		return 0;
	for (;;) {
		if ((rc = strata__db_query(db, LAG_SQL, 0, NULL, on_lag, &lag)) < 0)
			return rc;
		if (lag_ms_out)
			*lag_ms_out = lag;
		if (lag <= (double)max_lag_ms)
			return 0;
		if (tick)
			tick(payload, lag, strata__now_ms() - since);
		strata__pause_ms(100);
	}
}
