/*
 * strata/drift.h - the two schemas `strata drift` compares: the live
 * database's, and the one its applied revisions make (replayed in a
 * shadow database). One code path for `strata drift`, `strata status` and
 * `strata fleet NAME drift`.
 */
#ifndef STRATA_DRIFT_H
#define STRATA_DRIFT_H

#include <stddef.h>

#include "strata/config.h"
#include "strata/graph.h"
#include "strata/schema.h"
#include "strata/status.h"

/*
 * Read cfg->database's state, replay its applied revisions (cfg->migrations)
 * in a shadow, and read the live schema. With cfg->tenant_schema both
 * catalogs keep only that schema: a tenant is compared with what its
 * revisions made in it, never with its neighbours (the schema object
 * itself is left out: it exists before any revision).
 * @param[out] expected, live  strata_catalog_free()
 * @param[out] st  the state read (strata_status_free())
 * @return 0, or the error of the read, the replay or the introspection
 */
int strata_drift_catalogs(strata_catalog **expected, strata_catalog **live, strata_status **st,
			  const strata_config *cfg, const strata_graph *g);

/* The same, compared: *ndiff the differences that count (not consequential
 * ones); *nversions the applied heads. 0 or the error. */
int strata_drift_count(size_t *ndiff, size_t *nversions, const strata_config *cfg,
		       const strata_graph *g);

#endif
