/*
 * online/plan_ops_column.c - the planners of the column operations:
 * add_column, drop_column, rename_column, alter_column (in place for a
 * default or comment alone, else by duplicating the column, plan_columns.c).
 *
 * Layer: online, planner (plan_int.h). Each is the "plan" of its row in
 * the operation table (opfile.c).
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

/*
 * The foreign key of a column's "references" (add_column, alter_column):
 * added NOT VALID now, on column (the physical one), validated at complete.
 */
static int add_foreign_key(planner *p, online_table *t, const char *column, const json_t *ref,
			   strata_buf *sql)
{
	int rc;

	strata__sqlf(sql, "ALTER TABLE %Q ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %Q (%I)",
	     strata__plan_schema_of(p), t->phys, strata__plan_str(ref, "name"), column, strata__plan_schema_of(p),
	     strata__plan_ref_table_phys(p, strata__plan_str(ref, "table")), strata__plan_str(ref, "column"));
	if ((rc = strata__plan_fk_tail(p, sql, ref)) < 0)
		return rc;
	strata__buf_puts(sql, " NOT VALID");
	if ((rc = strata__plan_run(p, sql)) < 0)
		return rc;
	strata__sqlf(sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys,
	     strata__plan_str(ref, "name"));
	return strata__plan_push(p->validate, sql);
}

int strata__plan_op_add_column(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	const json_t *col = json_object_get(body, "column");
	const char *name = strata__plan_str(col, "name"), *type = strata__plan_str(col, "type"), *def = strata__plan_str(col, "default");
	const char *up = strata__plan_str(body, "up");
	const json_t *chk = json_object_get(col, "check"), *ref = json_object_get(col, "references");
	int nullable = json_is_true(json_object_get(col, "nullable"));
	strata_buf sql = STRATA_BUF_INIT;
	online_column *c;
	int rc, vol = 0, fill;
	char nn[MAX_IDENT + 2];
	size_t i;

	if (!t)
		return STRATA_EINVALID;
	if (strata__model_column(t, name))
		return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" already exists in \"%s\"", name,
			      t->name);
	for (i = 0; i < t->ncols; i++)
		if ((t->cols[i].old_phys && strcmp(t->cols[i].old_phys, name) == 0) ||
		    strcmp(t->cols[i].phys, name) == 0)
			return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" of \"%s\" is dropped or "
				      "renamed by this same migration; add it in the next one", name,
				      t->name);
	if (json_is_true(json_object_get(col, "pk")))
		return strata__plan_opfail(p, STRATA_EINVALID, "adding a primary-key column online is not "
			      "supported; add the column, then create_constraint of type primary_key");
	if (def && !up && (rc = strata__plan_expression_volatile(p, def, type, &vol)) < 0)
		return rc;
	/* Rows already there get their value from up (or a volatile default) in
	 * batches; otherwise from a non-volatile default, which PostgreSQL
	 * stores once without rewriting the table. */
	fill = up || (def && vol);
	strata__sqlf(&sql, "ALTER TABLE %Q ADD COLUMN ", strata__plan_schema_of(p), t->phys);
	if ((rc = strata__plan_column_def(p, &sql, col, !fill, 0)) < 0)
		goto done;
	if (!nullable && !fill)
		strata__buf_puts(&sql, " NOT NULL");
	if ((rc = strata__plan_run(p, &sql)) < 0) {
		if (!nullable && !fill && !def)
			strata_error_hint("a NOT NULL column needs \"up\" (to fill the rows already "
					  "there) or a \"default\", or \"nullable\": true");
		goto done;
	}
	if (fill && def) {
		strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", strata__plan_schema_of(p), t->phys, name,
		     def);
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
	}
	if (!nullable && fill) {
		if ((rc = strata__plan_prefixed(p, nn, sizeof(nn), "_strata_nn_", name)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID",
		     strata__plan_schema_of(p), t->phys, nn, name);
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys, nn);
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET NOT NULL", strata__plan_schema_of(p), t->phys, name);
		if ((rc = strata__plan_push(p->stage1, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", strata__plan_schema_of(p), t->phys, nn);
		if ((rc = strata__plan_push(p->stage1, &sql)) < 0)
			goto done;
	}
	if (chk) {
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%s)%s NOT VALID", strata__plan_schema_of(p),
		     t->phys, strata__plan_str(chk, "name"), strata__plan_str(chk, "constraint"),
		     json_is_true(json_object_get(chk, "no_inherit")) ? " NO INHERIT" : "");
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys,
		     strata__plan_str(chk, "name"));
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
	}
	if (ref && (rc = add_foreign_key(p, t, name, ref, &sql)) < 0)
		goto done;
	if (json_is_true(json_object_get(col, "unique"))) {
		char uname[MAX_IDENT * 3];

		snprintf(uname, sizeof(uname), "%s_%s_key", t->name, name);
		uname[MAX_IDENT] = '\0';
		strata__sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q (%I)", uname,
		     strata__plan_schema_of(p), t->phys, name);
		if ((rc = strata__plan_push_concurrent(p, uname, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I", strata__plan_schema_of(p),
		     t->phys, uname, uname);
		if ((rc = strata__plan_push(p->stage1, &sql)) < 0)
			goto done;
	}
	if (json_is_string(json_object_get(col, "comment"))) {
		strata__sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", strata__plan_schema_of(p), t->phys, name,
		     strata__plan_str(col, "comment"));
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
	}
	if (!(c = strata__model_add_column(t, name, name, NULL, type))) {
		rc = strata__plan_oom();
		goto done;
	}
	c->notnull = !nullable;
	if (fill) {
		if (!(c->up = strata_strdup(up ? up : def))) {
			rc = strata__plan_oom();
			goto done;
		}
		t->touched = 1;
	}
done:
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_drop_column(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	online_column *c = t ? strata__plan_need_column(p, t, strata__plan_str(body, "column")) : NULL;

	if (!c)
		return STRATA_EINVALID;
	if (strata__plan_is_added(c))
		return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" is added by this same migration",
			      c->name);
	c->dropped = 1;
	if (strata__plan_str(body, "down")) {
		if (!(c->down = strata_strdup(strata__plan_str(body, "down"))))
			return strata__plan_oom();
		t->touched = 1;
	}
	return 0;
}

int strata__plan_op_rename_column(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	online_column *c = t ? strata__plan_need_column(p, t, strata__plan_str(body, "from")) : NULL;
	char *to;

	if (!c)
		return STRATA_EINVALID;
	if (strata__model_column(t, strata__plan_str(body, "to")))
		return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" already exists in \"%s\"",
			      strata__plan_str(body, "to"), t->name);
	if (!(to = strata_strdup(strata__plan_str(body, "to"))))
		return strata__plan_oom();
	strata_free(c->name);
	c->name = to;
	return 0;
}

/* Set (or drop) a default or a comment in place, remembering the old one for rollback. */
static int alter_in_place(planner *p, online_table *t, online_column *c, const json_t *body)
{
	strata_buf sql = STRATA_BUF_INIT;
	char *old = NULL;
	const json_t *v;
	int rc = 0;

	if ((v = json_object_get(body, "default")) != NULL) {
		if ((rc = strata__plan_column_default(p, t, c->phys, &old)) < 0)
			goto done;
		if (json_is_string(v))
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", strata__plan_schema_of(p), t->phys,
			     c->phys, json_string_value(v));
		else
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I DROP DEFAULT", strata__plan_schema_of(p), t->phys,
			     c->phys);
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
		if (old)
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", strata__plan_schema_of(p), t->phys,
			     c->phys, old);
		else
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I DROP DEFAULT", strata__plan_schema_of(p), t->phys,
			     c->phys);
		if ((rc = strata__plan_push(p->rollback, &sql)) < 0)
			goto done;
		strata_free(old);
		old = NULL;
	}
	if ((v = json_object_get(body, "comment")) != NULL) {
		if ((rc = strata__plan_column_comment(p, t, c->phys, &old)) < 0)
			goto done;
		strata__sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS ", strata__plan_schema_of(p), t->phys, c->phys);
		strata__sqlf(&sql, json_is_string(v) ? "%L" : "NULL", json_string_value(v));
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS ", strata__plan_schema_of(p), t->phys, c->phys);
		strata__sqlf(&sql, old ? "%L" : "NULL", old);
		if ((rc = strata__plan_push(p->rollback, &sql)) < 0)
			goto done;
	}
done:
	strata_free(old);
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_alter_column(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	online_column *c = t ? strata__plan_need_column(p, t, strata__plan_str(body, "column")) : NULL;
	const json_t *chk = json_object_get(body, "check"), *ref = json_object_get(body, "references");
	const json_t *uniq = json_object_get(body, "unique"), *nullable = json_object_get(body, "nullable");
	strata_buf sql = STRATA_BUF_INIT;
	int rc = 0, notnull;

	if (!c)
		return STRATA_EINVALID;
	if (strata__plan_str(body, "name")) {
		json_t *ren = json_pack("{s:s, s:s, s:s}", "table", t->name, "from", c->name, "to",
					strata__plan_str(body, "name"));

		rc = ren ? strata__plan_op_rename_column(p, ren) : strata__plan_oom();
		json_decref(ren);
		if (rc < 0)
			return rc;
	}
	if (!strata__plan_str(body, "type") && !nullable && !chk && !ref && !uniq)
		return alter_in_place(p, t, c, body);
	notnull = nullable ? !json_is_true(nullable) : c->notnull;
	if ((rc = strata__plan_duplicate(p, t, c, strata__plan_str(body, "type"), notnull, strata__plan_str(body, "up"), strata__plan_str(body, "down"),
			    json_object_get(body, "default"),
			    json_object_get(body, "default") != NULL)) < 0)
		goto done;
	{
		/* The new column takes the given comment, else the old one's. */
		const json_t *cm = json_object_get(body, "comment");
		char *old = NULL;

		if (!cm && (rc = strata__plan_column_comment(p, t, c->old_phys, &old)) < 0)
			goto done;
		if (json_is_string(cm) || old) {
			strata__sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", strata__plan_schema_of(p), t->phys, c->phys,
			     old ? old : json_string_value(cm));
			rc = strata__plan_run(p, &sql);
		}
		strata_free(old);
		if (rc < 0)
			goto done;
	}
	if (chk) {
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%s)%s NOT VALID", strata__plan_schema_of(p),
		     t->phys, strata__plan_str(chk, "name"), strata__plan_str(chk, "constraint"),
		     json_is_true(json_object_get(chk, "no_inherit")) ? " NO INHERIT" : "");
		if ((rc = strata__plan_with_new_names(p, t, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys,
		     strata__plan_str(chk, "name"));
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
	}
	if (ref && (rc = add_foreign_key(p, t, c->phys, ref, &sql)) < 0)
		goto done;
	if (uniq) {
		const char *uname = strata__plan_str(uniq, "name");

		strata__sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q (%I)", uname,
		     strata__plan_schema_of(p), t->phys, c->phys);
		if ((rc = strata__plan_push_concurrent(p, uname, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I", strata__plan_schema_of(p),
		     t->phys, uname, uname);
		if ((rc = strata__plan_push(p->late, &sql)) < 0)
			goto done;
	}
done:
	strata__buf_release(&sql);
	return rc;
}
