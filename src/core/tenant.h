/*
 * core/tenant.h - the configuration of one tenant schema of a PostgreSQL
 * database (a fleet's schemas = target, strata/fleet.h; a plan made for
 * one, strata/planfile.h): the database with search_path set to the
 * schema, and the version and history tables inside it.
 *
 * Layer: core. No connection is opened here.
 */
#ifndef STRATA_CORE_TENANT_H
#define STRATA_CORE_TENANT_H

#include "strata/config.h"
#include "util/buf.h"

/* Whether s is a plain lowercase identifier ([a-z_][a-z0-9_]*, at most 63). */
int strata__tenant_schema_valid(const char *s);

/*
 * *out = *cfg for the tenant `schema` of the database `url`: database
 * (url with options=-csearch_path=schema), version_table, history_table
 * (SCHEMA.strata_version, SCHEMA.strata_history) and tenant_schema. The
 * strings live in db, vt and ht (the caller releases them) and in schema,
 * which must outlive *out. Environment settings are not carried over: a
 * tenant is no environment. 0 or STRATA_ERROR.
 */
int strata__tenant_config(strata_config *out, strata_buf *db, strata_buf *vt, strata_buf *ht,
		  const strata_config *cfg, const char *url, const char *schema);

#endif
