/*
 * util/batchsize.c - fixed or time-targeted batch sizes (util/batchsize.h).
 *
 * Layer: util; no I/O, no clock.
 */
#include "util/batchsize.h"

void strata__batch_tuner_init(batch_tuner *t, long fixed_size, long target_ms)
{
	t->ms_per_row = 0;
	t->size = fixed_size > 0 ? fixed_size : BATCH_SIZE_START;
	t->target_ms = fixed_size > 0 || target_ms <= 0 ? 0 : (double)target_ms;
}

void strata__batch_tuner_observe(batch_tuner *t, long long rows, double elapsed_ms)
{
	double cost, want;

	if (t->target_ms <= 0 || rows <= 0)
		return;
	if (elapsed_ms < 0.01)
		elapsed_ms = 0.01;
	cost = elapsed_ms / (double)rows;
	t->ms_per_row = t->ms_per_row > 0 ? (t->ms_per_row + cost) / 2 : cost;
	want = t->target_ms / t->ms_per_row;
	if (want > (double)t->size * 4)
		want = (double)t->size * 4;
	if (want < (double)t->size / 4)
		want = (double)t->size / 4;
	if (want < BATCH_SIZE_MIN)
		want = BATCH_SIZE_MIN;
	if (want > BATCH_SIZE_MAX)
		want = BATCH_SIZE_MAX;
	t->size = (long)want;
}
