/*
 * core/prefetch.h - the state read ahead (strata_prefetch_start, in
 * strata/runner.h), as the runner takes it back.
 *
 * Layer: core. See prefetch.c for the design.
 */
#ifndef STRATA_CORE_PREFETCH_H
#define STRATA_CORE_PREFETCH_H

#include "core/bookkeeping.h"
#include "strata/runner.h"

/*
 * Wait for the read to end and borrow its result (until
 * strata_prefetch_free): 0 with *out set, or the negative code the read
 * failed with (the thread's message is not kept: the usual path meets the
 * same condition and reports it).
 */
int strata__prefetch_state(const bk_state **out, strata_prefetch *p);

#endif
