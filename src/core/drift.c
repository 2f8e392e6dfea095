/*
 * core/drift.c - the schemas drift compares (core/drift.h).
 *
 * Layer: core. The replay goes through strata__sc_load_replayed (shadow database,
 * snapshot cache); the live schema is read read-only.
 */
#include "strata/drift.h"
#include "db/db.h"
#include "schema/diff.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <string.h>

/* A tenant's schema itself: the fleet's query found it, so it is there by
 * definition, while a replay that applied nothing has not made it. */
static int is_schema_itself(const sc_object *o, void *payload)
{
	return o->kind == SC_SCHEMA && o->name && strcmp(o->name, (const char *)payload) == 0;
}

/* The schema the revisions st says are applied make, replayed in a shadow
 * the way the database ran them: its expanded online revisions stay
 * expanded, the others are contracted. */
static int load_applied(sc_catalog **out, const strata_config *cfg, const strata_graph *g,
			const strata_status *st, int engine)
{
	size_t n = strata_graph_count(g);
	const char **ids = strata_calloc(n ? n : 1, sizeof(*ids));
	sc_online_state online = { ids, 0 };
	int rc;

	if (!ids)
		return STRATA_ERROR;
	for (size_t i = 0; st->expanded && i < n; i++)
		if (st->expanded[i])
			ids[online.nexpanded++] = strata_graph_at(g, i)->revision;
	rc = strata__sc_load_replayed(out, cfg->migrations, (const char *const *)st->versions,
			      st->nversions, &online, engine, cfg);
	strata_free(ids);
	return rc;
}

int strata_drift_catalogs(sc_catalog **expected, sc_catalog **live, strata_status **st,
		   const strata_config *cfg, const strata_graph *g)
{
	STRATA_ASSERT_ARG(expected);
	STRATA_ASSERT_ARG(live);
	STRATA_ASSERT_ARG(st);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	int engine = strata__db_engine_of(cfg->database), rc;

	*expected = *live = NULL;
	*st = NULL;
	if (!engine)
		return strata_error_set(STRATA_EINVALID, "unknown database form");
	if ((rc = strata_status_read(st, cfg, g, 0)) != 0 ||
	    (rc = load_applied(expected, cfg, g, *st, engine)) != 0 ||
	    (rc = strata__sc_load_database(live, cfg->database, cfg)) != 0)
		return rc;
	if (cfg->tenant_schema &&
	    ((rc = strata__sc_catalog_keep_schema(*expected, cfg->tenant_schema)) != 0 ||
	     (rc = strata__sc_catalog_keep_schema(*live, cfg->tenant_schema)) != 0 ||
	     (rc = strata__sc_catalog_drop_if(*expected, is_schema_itself, cfg->tenant_schema)) != 0 ||
	     (rc = strata__sc_catalog_drop_if(*live, is_schema_itself, cfg->tenant_schema)) != 0))
		return rc;
	return 0;
}

int strata_drift_count(size_t *ndiff, size_t *nversions, const strata_config *cfg,
		const strata_graph *g)
{
	sc_catalog *expected = NULL, *live = NULL;
	sc_changes changes = { 0 };
	strata_status *st = NULL;
	int rc;

	STRATA_ASSERT_ARG(ndiff);
	STRATA_ASSERT_ARG(nversions);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	*ndiff = *nversions = 0;
	if ((rc = strata_drift_catalogs(&expected, &live, &st, cfg, g)) == 0 &&
	    (rc = strata__sc_diff(expected, live, NULL, &changes)) == 0) {
		for (size_t i = 0; i < changes.n; i++)
			*ndiff += !changes.v[i].consequential;
		*nversions = st->nversions;
	}
	strata__sc_changes_release(&changes);
	strata__sc_catalog_free(expected);
	strata__sc_catalog_free(live);
	strata_status_free(st);
	return rc;
}
