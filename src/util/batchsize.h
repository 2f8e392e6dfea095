/*
 * util/batchsize.h - the size of the next batch of a batched walk over a
 * table: fixed, or adapted so that each batch takes about a target time.
 *
 * Layer: util (pure arithmetic, no clock of its own: the caller measures).
 * Shared by online backfills (online/backfill.c) and batched data steps
 * of revisions (core/batch.c).
 *
 * Adaptive sizing: the cost of one row is the batch's time over its rows,
 * smoothed over the batches so far (each new measure counts for half);
 * the next size is target / cost, but grows at most 4x and shrinks at
 * most 4x per batch, between BATCH_SIZE_MIN and BATCH_SIZE_MAX. A batch
 * that waited on locks (much slower than its rows explain) makes the
 * next ones smaller at once, so row locks are never held much longer
 * than the target; a quiet table grows the batches until the per-batch
 * costs (commit, round trips) are small against the work.
 */
#ifndef STRATA_UTIL_BATCHSIZE_H
#define STRATA_UTIL_BATCHSIZE_H

#define BATCH_SIZE_START 1000
#define BATCH_SIZE_MIN 100
#define BATCH_SIZE_MAX 1000000
#define BATCH_TARGET_DEFAULT_MS 100

typedef struct batch_tuner {
	long size;         /* rows of the next batch */
	double target_ms;  /* 0: the size is fixed */
	double ms_per_row; /* smoothed cost of one row; 0 before the first batch */
} batch_tuner;

/* fixed_size > 0: every batch has that size. Else adapt to target_ms,
 * starting at BATCH_SIZE_START; target_ms <= 0 too: BATCH_SIZE_START rows
 * each (batch_target = 0 turns adapting off). */
void strata__batch_tuner_init(batch_tuner *t, long fixed_size, long target_ms);
/* A batch of rows rows took elapsed_ms: set t->size for the next one. */
void strata__batch_tuner_observe(batch_tuner *t, long long rows, double elapsed_ms);

#endif
