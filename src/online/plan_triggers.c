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
int plan_make_trigger(planner *p, online_table *t)
{
	strata_buf sql = STRATA_BUF_INIT, fn = STRATA_BUF_INIT;
	char fname[64];
	size_t i;
	int rc = 0;

	snprintf(fname, sizeof(fname), "sync_%u", t->oid);
	if ((rc = sqlf(&fn, "%Q", ONLINE_SCHEMA, fname)) < 0)
		goto done;
	sqlf(&sql, "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS "
	     DOLLAR_TAG "\n#variable_conflict use_variable\nBEGIN\n"
	     "  IF (current_schemas(false))[1] IS NOT DISTINCT FROM %L THEN\n    DECLARE\n",
	     buf_cstr(&fn), p->ctx->version_schema);
	/* A write through the new version: its names hold the new values. */
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped)
			continue;
		sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->name, plan_schema_of(p), t->phys, c->phys,
		     c->phys);
	}
	buf_puts(&sql, "    BEGIN\n      NULL;\n");
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->down && (plan_is_dup(c) || c->dropped) && c->old_phys) {
			if (has_tag(c->down))
				goto tag;
			sqlf(&sql, "      NEW.%I := (%s);\n", c->old_phys, c->down);
		}
	}
	buf_puts(&sql, "    END;\n  ELSE\n    DECLARE\n");
	/* A write through the old version (or the tables themselves). */
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (!c->old_phys)
			continue;
		sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->old_phys, plan_schema_of(p), t->phys,
		     c->old_phys, c->old_phys);
	}
	buf_puts(&sql, "    BEGIN\n      NULL;\n");
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->up && !c->dropped) {
			if (has_tag(c->up))
				goto tag;
			sqlf(&sql, "      NEW.%I := (%s);\n", c->phys, c->up);
		}
	}
	buf_puts(&sql, "    END;\n  END IF;\n  RETURN NEW;\nEND\n" DOLLAR_TAG);
	if ((rc = plan_run(p, &sql)) < 0)
		goto done;
	sqlf(&sql, "CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %Q FOR EACH ROW WHEN "
	     "(current_setting(%L, true) IS DISTINCT FROM 'on') EXECUTE FUNCTION %s()",
	     ONLINE_TRIGGER, plan_schema_of(p), t->phys, ONLINE_BACKFILL_GUC, buf_cstr(&fn));
	if ((rc = plan_run(p, &sql)) < 0)
		goto done;
	if (json_array_append_new(p->functions, json_string(buf_cstr(&fn))) < 0)
		rc = plan_oom();
	goto done;
tag:
	rc = plan_opfail(p, STRATA_EINVALID, "an up or down expression of table \"%s\" contains %s, "
		    "which strata uses to quote the trigger body", t->name, DOLLAR_TAG);
done:
	buf_release(&sql);
	buf_release(&fn);
	return rc;
}

/* {"table": phys, "key": [...], "set": "a = (up), ..."} for a table with ups. */
int plan_backfill_entry(planner *p, online_table *t)
{
	strata_buf set = STRATA_BUF_INIT;
	json_t *key, *entry;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->up && !c->dropped)
			sqlf(&set, "%s%I = (%s)", set.len ? ", " : "", c->phys, c->up);
	}
	if ((rc = buf_check(&set)) < 0 || !set.len)
		goto done;
	if (!t->nkey) {
		rc = plan_opfail(p, STRATA_EINVALID, "table \"%s\" has no primary key: strata backfills in "
			    "batches by key and needs one", t->name);
		strata_error_hint("add a primary key first (create_constraint with type "
				  "primary_key), then run this migration");
		goto done;
	}
	if (!(key = json_array())) {
		rc = plan_oom();
		goto done;
	}
	for (i = 0; i < t->nkey; i++) {
		if (json_array_append_new(key, json_string(t->key[i])) < 0) {
			json_decref(key);
			rc = plan_oom();
			goto done;
		}
	}
	entry = json_pack("{s:s, s:o, s:s}", "table", t->phys, "key", key, "set", buf_cstr(&set));
	if (!entry || json_array_append_new(json_object_get(p->ctx->plan, "backfill"), entry) < 0)
		rc = plan_oom();
done:
	buf_release(&set);
	return rc;
}
