/*
 * core/tenant.c - a tenant schema's configuration (core/tenant.h).
 */
#include "core/tenant.h"
#include "strata/error.h"

#include <ctype.h>
#include <string.h>

int strata__tenant_schema_valid(const char *s)
{
	if (!*s || strlen(s) > 63 || !(islower((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

int strata__tenant_config(strata_config *out, strata_buf *db, strata_buf *vt, strata_buf *ht,
		  const strata_config *cfg, const char *url, const char *schema)
{
	*out = *cfg;
	out->env = NULL;
	out->promote_from = NULL;
	out->protected_env = out->require_plan = 0;
	if (strata__buf_puts(db, url) < 0)
		return STRATA_ERROR;
	/* The schema name is a plain identifier: nothing to quote or escape. */
	if (strstr(url, "://") ? strata__buf_printf(db, "%soptions=-csearch_path%%3D%s",
					    strchr(url, '?') ? "&" : "?", schema) < 0
			       : strata__buf_printf(db, " options='-csearch_path=%s'", schema) < 0)
		return STRATA_ERROR;
	if (strata__buf_printf(vt, "%s.strata_version", schema) < 0 ||
	    strata__buf_printf(ht, "%s.strata_history", schema) < 0)
		return STRATA_ERROR;
	out->database = db->ptr;
	out->version_table = vt->ptr;
	out->history_table = ht->ptr;
	out->tenant_schema = (char *)schema;
	return 0;
}
