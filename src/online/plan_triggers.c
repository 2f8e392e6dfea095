/*
 * online/plan_triggers.c - keeping old and new in step: the sync function
 * and trigger of each touched table (up: old -> new, down: new -> old,
 * skipped for the backfill's own rows) and the table's backfill entry.
 *
 * Layer: online, planner (plan_int.h). The trigger body is quoted with
 * DOLLAR_TAG, so an up or down expression may not contain it.
 */
#include "online/online_int.h"
#include "online/plan_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOLLAR_TAG "$strata_sync$"

static int has_tag(const char *s)
{
	return s && strstr(s, DOLLAR_TAG) != NULL;
}

/* The sync function and trigger of one table (see online_int.h). */
int strata__plan_make_trigger(planner *p, online_table *t)
{
	strata_buf sql = STRATA_BUF_INIT, fn = STRATA_BUF_INIT;
	char fname[64];
	size_t i;
	int rc = 0;

	snprintf(fname, sizeof(fname), "sync_%u", t->oid);
	if ((rc = strata__sqlf(&fn, "%Q", ONLINE_SCHEMA, fname)) < 0)
		goto done;
	strata__sqlf(&sql, "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS "
	     DOLLAR_TAG "\n#variable_conflict use_variable\nBEGIN\n"
	     "  IF (current_schemas(false))[1] IS NOT DISTINCT FROM %L THEN\n    DECLARE\n",
	     strata__buf_cstr(&fn), p->ctx->version_schema);
	/* A write through the new version: its names hold the new values. */
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped)
			continue;
		strata__sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->name, strata__plan_schema_of(p), t->phys, c->phys,
		     c->phys);
	}
	strata__buf_puts(&sql, "    BEGIN\n      NULL;\n");
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->down && (strata__plan_is_dup(c) || c->dropped) && c->old_phys) {
			if (has_tag(c->down))
				goto tag;
			strata__sqlf(&sql, "      NEW.%I := (%s);\n", c->old_phys, c->down);
		}
	}
	strata__buf_puts(&sql, "    END;\n  ELSE\n    DECLARE\n");
	/* A write through the old version (or the tables themselves). */
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (!c->old_phys)
			continue;
		strata__sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->old_phys, strata__plan_schema_of(p), t->phys,
		     c->old_phys, c->old_phys);
	}
	strata__buf_puts(&sql, "    BEGIN\n      NULL;\n");
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->up && !c->dropped) {
			if (has_tag(c->up))
				goto tag;
			strata__sqlf(&sql, "      NEW.%I := (%s);\n", c->phys, c->up);
		}
	}
	strata__buf_puts(&sql, "    END;\n  END IF;\n  RETURN NEW;\nEND\n" DOLLAR_TAG);
	if ((rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	strata__sqlf(&sql, "CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %Q FOR EACH ROW WHEN "
	     "(current_setting(%L, true) IS DISTINCT FROM 'on') EXECUTE FUNCTION %s()",
	     ONLINE_TRIGGER, strata__plan_schema_of(p), t->phys, ONLINE_BACKFILL_GUC, strata__buf_cstr(&fn));
	if ((rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	if (json_array_append_new(p->functions, json_string(strata__buf_cstr(&fn))) < 0)
		rc = strata__plan_oom();
	goto done;
tag:
	rc = strata__plan_opfail(p, STRATA_EINVALID, "an up or down expression of table \"%s\" contains %s, "
		    "which strata uses to quote the trigger body", t->name, DOLLAR_TAG);
done:
	strata__buf_release(&sql);
	strata__buf_release(&fn);
	return rc;
}

/* {"table": phys, "key": [...], "set": "a = (up), ..."} for a table with ups. */
int strata__plan_backfill_entry(planner *p, online_table *t)
{
	strata_buf set = STRATA_BUF_INIT;
	json_t *key, *entry;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->up && !c->dropped)
			strata__sqlf(&set, "%s%I = (%s)", set.len ? ", " : "", c->phys, c->up);
	}
	if ((rc = strata__buf_check(&set)) < 0 || !set.len)
		goto done;
	if (!t->nkey) {
		rc = strata__plan_opfail(p, STRATA_EINVALID, "table \"%s\" has no primary key: strata backfills in "
			    "batches by key and needs one", t->name);
		strata_error_hint("add a primary key first (create_constraint with type "
				  "primary_key), then run this migration");
		goto done;
	}
	if (!(key = json_array())) {
		rc = strata__plan_oom();
		goto done;
	}
	for (i = 0; i < t->nkey; i++) {
		if (json_array_append_new(key, json_string(t->key[i])) < 0) {
			json_decref(key);
			rc = strata__plan_oom();
			goto done;
		}
	}
	entry = json_pack("{s:s, s:o, s:s}", "table", t->phys, "key", key, "set", strata__buf_cstr(&set));
	if (!entry || json_array_append_new(json_object_get(p->ctx->plan, "backfill"), entry) < 0)
		rc = strata__plan_oom();
done:
	strata__buf_release(&set);
	return rc;
}
