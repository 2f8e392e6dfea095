/*
 * online/backfill.c - fill the new columns of existing rows, in batches.
 *
 * Layer: online. For each table of the plan's "backfill" list, rows are
 * walked by primary key (keyset: WHERE key > last ORDER BY key LIMIT n,
 * never OFFSET) and each batch sets the new columns from their up
 * expressions in one short transaction, together with the progress row of
 * strata_online.migrations: a crash loses at most the batch in flight, and
 * the next run goes on from the saved key.
 *
 * The batch sets strata.online_backfill for its transaction so the sync
 * triggers (whose WHEN clause tests it) leave its rows alone: the batch
 * computes the same values itself, without a trigger call per row. Writes
 * of other sessions still go through the triggers.
 *
 * Batch size: batch_size rows when set, else adapted per table so that a
 * batch takes about [online] batch_target (util/batchsize.h).
 *
 * Throttling: a pause between batches (batch_pause_ms), and, with
 * max_replica_lag_ms, a wait before each batch while any standby in
 * pg_stat_replication replays more than that behind (db/throttle.h,
 * shared with the batched steps of revisions). Each batch runs with
 * lock_timeout; a batch that waits longer for a row lock is rolled back
 * and tried again with back-off, up to lock_retries times.
 */
#include "online/online_int.h"
#include "db/lockretry.h"
#include "db/throttle.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/batchsize.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void strata__online_log(const online_run *r, strata_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!r->o || !r->o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o->log(r->o->payload, level, msg);
}

typedef struct batch_result {
	long long rows;
	json_t *last; /* the last key of the batch, as text values */
	int got;
} batch_result;

static int on_batch(void *payload, int ncols, const char *const *v)
{
	batch_result *b = payload;
	int i;

	b->got = 1;
	b->rows = atoll(v[0] ? v[0] : "0");
	if (!(b->last = json_array()))
		return STRATA_ERROR;
	for (i = 1; i < ncols; i++)
		if (json_array_append_new(b->last, v[i] ? json_string(v[i]) : json_null()) < 0)
			return STRATA_ERROR;
	return 0;
}

/* "(a, b)" of the key columns, optionally qualified. */
static void key_list(strata_buf *sql, const json_t *key, const char *qualifier)
{
	const json_t *k;
	size_t i;

	strata__buf_putc(sql, '(');
	json_array_foreach(key, i, k) {
		strata__buf_puts(sql, i ? ", " : "");
		if (qualifier)
			strata__sqlf(sql, "%s.", qualifier);
		strata__sqlf(sql, "%I", json_string_value(k));
	}
	strata__buf_putc(sql, ')');
}

/*
 * One batch: the last key of the next batch_size rows after the cursor
 * (an index-only walk of the key), then one UPDATE of the key range
 * (cursor, last], which PostgreSQL runs as an index range scan. The
 * appends are checked once, at the end (util/buf.h).
 */
int strata__backfill_batch_sql(strata_buf *sql, const char *schema, const json_t *entry, int with_cursor,
		       long batch_size)
{
	const json_t *key = json_object_get(entry, "key"), *k;
	const char *table = json_string_value(json_object_get(entry, "table"));
	size_t i, n = json_array_size(key);

	strata__buf_puts(sql, "WITH bound AS (SELECT * FROM (SELECT ");
	json_array_foreach(key, i, k)
		strata__sqlf(sql, "%s%I AS _strata_k%d", i ? ", " : "", json_string_value(k), (int)i);
	strata__sqlf(sql, " FROM %Q", schema, table);
	if (with_cursor) {
		strata__buf_puts(sql, " WHERE ");
		key_list(sql, key, NULL);
		strata__buf_puts(sql, " > (");
		for (i = 0; i < n; i++)
			strata__buf_printf(sql, "%s$%zu", i ? ", " : "", i + 1);
		strata__buf_putc(sql, ')');
	}
	strata__buf_puts(sql, " ORDER BY ");
	json_array_foreach(key, i, k)
		strata__sqlf(sql, "%s%I", i ? ", " : "", json_string_value(k));
	strata__buf_printf(sql, " LIMIT %ld) AS b ORDER BY ", batch_size);
	for (i = 0; i < n; i++)
		strata__buf_printf(sql, "%s_strata_k%zu DESC", i ? ", " : "", i);
	strata__sqlf(sql, " LIMIT 1), upd AS (UPDATE %Q AS _strata_t SET %s WHERE ", schema, table,
	     json_string_value(json_object_get(entry, "set")));
	if (with_cursor) {
		key_list(sql, key, "_strata_t");
		strata__buf_puts(sql, " > (");
		for (i = 0; i < n; i++)
			strata__buf_printf(sql, "%s$%zu", i ? ", " : "", i + 1);
		strata__buf_puts(sql, ") AND ");
	}
	key_list(sql, key, "_strata_t");
	strata__buf_puts(sql, " <= (SELECT ");
	for (i = 0; i < n; i++)
		strata__buf_printf(sql, "%s_strata_k%zu", i ? ", " : "", i);
	strata__buf_puts(sql, " FROM bound) RETURNING 1) SELECT (SELECT count(*) FROM upd)");
	for (i = 0; i < n; i++)
		strata__buf_printf(sql, ", bound._strata_k%zu::text", i);
	strata__buf_puts(sql, " FROM bound");
	return strata__buf_check(sql);
}

typedef struct lag_wait {
	online_run *r;
	strata_online_progress *pr;
	double last_log;
} lag_wait;

/* While a standby is too far behind (db/throttle.h): say so now and then, keep the bar. */
static void on_lag_tick(void *payload, double lag_ms, double waited_ms)
{
	lag_wait *w = payload;

	w->pr->replica_lag_ms = lag_ms;
	w->pr->waiting = 1;
	if (strata__now_ms() - w->last_log > 10000) {
		strata__online_log(w->r, STRATA_LOG_INFO, "backfill paused: a standby is %.0f ms behind "
			   "(--max-replica-lag %ld ms); waiting %.0f s so far", lag_ms,
			   w->r->o->max_replica_lag_ms, waited_ms / 1000);
		w->last_log = strata__now_ms();
	}
	if (w->r->o->progress)
		w->r->o->progress(w->r->o->payload, w->pr);
}

static int wait_for_replicas(online_run *r, strata_online_progress *pr)
{
	lag_wait w = { r, pr, 0 };
	int rc = strata__db_wait_replicas(r->db, r->o->max_replica_lag_ms, &pr->replica_lag_ms, on_lag_tick, &w);

	pr->waiting = 0;
	return rc;
}

static int on_count(void *payload, int ncols, const char *const *v)
{
	*(long long *)payload = v[0] ? atoll(v[0]) : 0;
	return 0;
}

/* One batch in its own transaction, with the progress row; retried on lock timeouts. */
static int run_batch(online_run *r, const char *sql, const json_t *cursor, json_t *progress,
		     batch_result *out)
{
	const char *params[32];
	size_t n = json_array_size(cursor), i;
	int rc = 0;
	db_lock_retry retry;

	if (n > 32)
		return strata_error_set(STRATA_EINVALID, "a primary key of more than 32 columns");
	for (i = 0; i < n; i++)
		params[i] = json_string_value(json_array_get(cursor, i));
	strata__db_lock_retry_init(&retry, r->cfg->lock_retries, DB_LOCK_RETRY_BATCH_FIRST_MS);
	for (;;) {
		char *progress_text = NULL;

		memset(out, 0, sizeof(*out));
		if ((rc = strata__db_begin(r->db)) < 0)
			return rc;
		if ((rc = strata__db_exec(r->db, "SELECT set_config('" ONLINE_BACKFILL_GUC "', 'on', true)", 0,
				  NULL)) == 0)
			rc = strata__db_query(r->db, sql, (int)n, n ? params : NULL, on_batch, out);
		if (rc == 0 && out->got) {
			json_object_set_new(progress, "cursor", json_incref(out->last));
			json_object_set_new(progress, "rows",
					    json_integer(json_integer_value(json_object_get(progress, "rows")) +
							 out->rows));
			progress_text = json_dumps(progress, JSON_COMPACT);
			rc = progress_text ? strata__state_save_progress(r->db, r->st->id, progress_text, 0)
					   : STRATA_ERROR;
			free(progress_text);
		}
		if (rc == 0 && (rc = strata__db_commit(r->db)) == 0)
			return 0;
		strata__db_rollback_keep_error(r->db);
		json_decref(out->last);
		out->last = NULL;
		if (!strata__db_lock_retry_next(&retry))
			return rc;
		strata__online_log(r, STRATA_LOG_WARN, "backfill batch waited longer than lock_timeout "
			   "(%ld ms) for a row lock; retry %d of %d", r->cfg->lock_timeout_ms,
			   retry.done, retry.max);
		strata__pause_ms(retry.wait_ms);
	}
}

int strata__backfill_run(online_run *r)
{
	const json_t *entries = json_object_get(r->st->plan, "backfill");
	json_t *progress = r->st->progress && json_is_object(r->st->progress)
				   ? json_deep_copy(r->st->progress)
				   : json_pack("{s:i, s:n, s:i}", "table", 0, "cursor", "rows", 0);
	batch_tuner tuner;
	strata_buf sql = STRATA_BUF_INIT;
	size_t ti;
	int rc = 0;

	if (!progress)
		return strata_error_set(STRATA_ERROR, "out of memory");
	for (ti = (size_t)json_integer_value(json_object_get(progress, "table"));
	     ti < json_array_size(entries); ti++) {
		const json_t *entry = json_array_get(entries, ti);
		const char *table = json_string_value(json_object_get(entry, "table"));
		const char *params[2] = { r->st->schema, table };
		strata_online_progress pr;
		long long total = 0, start_rows;
		double t0 = strata__now_ms();

		strata__batch_tuner_init(&tuner, r->o->batch_size, r->cfg->batch_target_ms);
		memset(&pr, 0, sizeof(pr));
		pr.table = table;
		pr.replica_lag_ms = -1;
		/* reltuples is -1 until the table is first vacuumed or analyzed. */
		if ((rc = strata__db_query(r->db, "SELECT reltuples::bigint FROM pg_class WHERE "
				   "oid = format('%I.%I', $1::text, $2::text)::regclass", 2, params,
				   on_count, &total)) < 0)
			goto done;
		if ((long long)json_integer_value(json_object_get(progress, "table")) != (long long)ti) {
			json_object_set_new(progress, "table", json_integer((json_int_t)ti));
			json_object_set_new(progress, "cursor", json_null());
			json_object_set_new(progress, "rows", json_integer(0));
		}
		start_rows = json_integer_value(json_object_get(progress, "rows"));
		if (total >= 0)
			strata__online_log(r, STRATA_LOG_INFO, "backfilling %s.%s (about %lld rows%s)",
				   r->st->schema, table, total, start_rows ? ", resuming" : "");
		else
			strata__online_log(r, STRATA_LOG_INFO, "backfilling %s.%s (row count not known: never "
				   "analyzed%s)", r->st->schema, table, start_rows ? ", resuming" : "");
		for (;;) {
			const json_t *cursor = json_object_get(progress, "cursor");
			batch_result br;
			double secs;

			if (r->o->max_replica_lag_ms > 0 && (rc = wait_for_replicas(r, &pr)) < 0)
				goto done;
			strata__buf_clear(&sql);
			double tb;

			if ((rc = strata__backfill_batch_sql(&sql, r->st->schema, entry, json_is_array(cursor),
						     tuner.size)) < 0)
				goto done;
			tb = strata__now_ms();
			if ((rc = run_batch(r, strata__buf_cstr(&sql), json_is_array(cursor) ? cursor : NULL,
					    progress, &br)) < 0) {
				const char *state = strata_error_last()->sqlstate;

				strata_error_append(", backfilling %s.%s", r->st->schema, table);
				/* Connection lost or ended by an administrator: nothing
				 * is lost, and the way on is the same command. */
				if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
					strata_error_hint("the rows filled so far are kept and both versions "
							  "stay usable; run strata online start with the same "
							  "file again to resume the backfill, or strata online "
							  "rollback to undo the migration");
				goto done;
			}
			json_decref(br.last);
			if (!br.got)
				break;
			strata__batch_tuner_observe(&tuner, br.rows, strata__now_ms() - tb);
			pr.done = json_integer_value(json_object_get(progress, "rows"));
			pr.total = total > pr.done ? total : pr.done;
			secs = (strata__now_ms() - t0) / 1000;
			pr.rows_per_s = secs > 0 ? (double)(pr.done - start_rows) / secs : 0;
			pr.eta_s = total >= 0 && pr.rows_per_s > 0
					   ? (double)(pr.total - pr.done) / pr.rows_per_s
					   : -1;
			if (r->o->progress)
				r->o->progress(r->o->payload, &pr);
			if (r->o->batch_pause_ms > 0)
				strata__pause_ms(r->o->batch_pause_ms);
		}
		strata__online_log(r, STRATA_LOG_INFO, "backfilled %s.%s: %lld rows in %.1f s", r->st->schema,
			   table, (long long)json_integer_value(json_object_get(progress, "rows")),
			   (strata__now_ms() - t0) / 1000);
		/* "done": the rows of the tables finished, which status adds up. */
		json_object_set_new(progress, "done",
				    json_integer(json_integer_value(json_object_get(progress, "done")) +
						 json_integer_value(json_object_get(progress, "rows"))));
		json_object_set_new(progress, "table", json_integer((json_int_t)ti + 1));
		json_object_set_new(progress, "cursor", json_null());
		json_object_set_new(progress, "rows", json_integer(0));
	}
	{
		char *text = json_dumps(progress, JSON_COMPACT);

		rc = text ? strata__state_save_progress(r->db, r->st->id, text, 1) : STRATA_ERROR;
		free(text);
	}
	if (rc == 0)
		r->st->backfilled = 1;
done:
	strata__buf_release(&sql);
	json_decref(progress);
	return rc;
}
