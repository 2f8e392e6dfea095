/*
 * strata/env.h - environments ([env.NAME] in strata.ini, strata/config.h):
 * the promotion order between them and the state of each.
 *
 * Promotion: an environment with promote_from = UP runs a revision only
 * when UP has applied it successfully from the same file: UP's history
 * table (strata/audit.h) has an "applied" row for it whose checksum is the
 * file's checksum now, and no later row reverting it. upgrade, plan and
 * apply check this (strata/runner.h: skip_promotion_check waives it, and
 * the reason is recorded in the history of every step run).
 */
#ifndef STRATA_ENV_H
#define STRATA_ENV_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check that cfg's upstream environment (cfg->promote_from) has applied
 * each of the revisions steps[0..n) (graph indexes) from the same file.
 * Without promote_from there is nothing to check. Reads the upstream's
 * history, read-only.
 *
 * @return 0; STRATA_ECHECK naming each revision that is not promoted and
 *         why (not applied there, applied from another file, reverted
 *         since) and the upstream environment; STRATA_EDB / STRATA_ERROR /
 *         STRATA_EPARSE when the upstream cannot be read (its name added)
 */
int strata_promotion_check(const strata_config *cfg, const strata_graph *g, const size_t *steps,
			   size_t n);

#ifdef __cplusplus
}
#endif
#endif
