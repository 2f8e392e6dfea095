/*
 * online/plan_ops_constraint.c - the planners of the index and constraint
 * operations: create_index, drop_index, create_constraint,
 * drop_constraint (and drop_multicolumn_constraint), rename_constraint.
 *
 * Layer: online, planner (plan_int.h). Each is the "plan" of its row in
 * the operation table (opfile.c). Indexes are built concurrently at start
 * (the plan's concurrent list); constraints are added NOT VALID and
 * validated at complete.
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

int strata__plan_op_create_index(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	const json_t *cols = json_object_get(body, "columns"), *item;
	const char *name = strata__plan_str(body, "name"), *key;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i, n = 0;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	strata__sqlf(&sql, "CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %I ON %Q USING %s (",
	     json_is_true(json_object_get(body, "unique")) ? "UNIQUE " : "", name, strata__plan_schema_of(p),
	     t->phys, strata__plan_str(body, "method") ? strata__plan_str(body, "method") : "btree");
	/* Either [{"column": c, ...}] or the older {"c": {...}}. */
	if (json_is_array(cols)) {
		json_array_foreach(cols, i, item) {
			online_column *c = strata__model_column(t, strata__plan_str(item, "column"));
			const json_t *oc = json_object_get(item, "opclass");

			if (!c) {
				rc = strata__plan_need_column(p, t, strata__plan_str(item, "column")) ? 0 : STRATA_EINVALID;
				goto done;
			}
			strata__sqlf(&sql, "%s%I", n++ ? ", " : "", c->phys);
			if (strata__plan_str(item, "collate"))
				strata__sqlf(&sql, " COLLATE %I", strata__plan_str(item, "collate"));
			if (oc) {
				strata__buf_putc(&sql, ' ');
				if ((rc = strata__db_quote_qualified(&sql, strata__plan_str(oc, "name"))) == STRATA_EINVALID)
					goto done; /* a name with an empty part; out of memory: below */
				if (json_array_size(json_object_get(oc, "params"))) {
					const json_t *pv;
					size_t j;

					strata__buf_puts(&sql, " (");
					json_array_foreach(json_object_get(oc, "params"), j, pv)
						strata__sqlf(&sql, "%s%s", j ? ", " : "", json_string_value(pv));
					strata__buf_putc(&sql, ')');
				}
			}
			if (strata__plan_str(item, "sort"))
				strata__sqlf(&sql, " %s", strcasecmp(strata__plan_str(item, "sort"), "DESC") == 0 ? "DESC" : "ASC");
			if (strata__plan_str(item, "nulls"))
				strata__sqlf(&sql, " NULLS %s",
				     strcasecmp(strata__plan_str(item, "nulls"), "FIRST") == 0 ? "FIRST" : "LAST");
		}
	} else {
		json_object_foreach((json_t *)cols, key, item) {
			online_column *c = strata__model_column(t, key);

			if (!c) {
				rc = strata__plan_need_column(p, t, key) ? 0 : STRATA_EINVALID;
				goto done;
			}
			strata__sqlf(&sql, "%s%I", n++ ? ", " : "", c->phys);
		}
	}
	strata__buf_putc(&sql, ')');
	if (strata__plan_str(body, "storage_parameters") && *strata__plan_str(body, "storage_parameters"))
		strata__sqlf(&sql, " WITH (%s)", strata__plan_str(body, "storage_parameters"));
	if (strata__plan_str(body, "predicate") && *strata__plan_str(body, "predicate"))
		strata__sqlf(&sql, " WHERE (%s)", strata__plan_str(body, "predicate"));
	if ((rc = strata__plan_push_concurrent(p, name, &sql)) < 0)
		goto done;
	strata__sqlf(&sql, "DROP INDEX IF EXISTS %Q", strata__plan_schema_of(p), name);
	rc = strata__plan_push(p->rollback, &sql);
done:
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_drop_index(planner *p, const json_t *body)
{
	const char *params[2] = { strata__plan_schema_of(p), strata__plan_str(body, "name") };
	strata_buf sql = STRATA_BUF_INIT;
	char *v = NULL;
	int found = 0, rc;

	if ((rc = strata__plan_query_one(p->ctx->db, &v, &found,
			    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('i', 'I')",
			    2, params)) < 0)
		return rc;
	strata_free(v);
	if (!found)
		return strata__plan_opfail(p, STRATA_EINVALID, "index \"%s\" does not exist in schema \"%s\"",
			      strata__plan_str(body, "name"), strata__plan_schema_of(p));
	strata__sqlf(&sql, "DROP INDEX %Q", strata__plan_schema_of(p), strata__plan_str(body, "name"));
	rc = strata__plan_push(p->stage1, &sql);
	strata__buf_release(&sql);
	return rc;
}

static int expr_is_column(const char *expr, const char *col)
{
	size_t n;

	while (*expr == ' ')
		expr++;
	if (strcmp(expr, col) == 0)
		return 1;
	n = strata__plan_quoted_at(expr, col);
	return n && expr[n] == '\0';
}

int strata__plan_op_create_constraint(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	const char *type = strata__plan_str(body, "type"), *name = strata__plan_str(body, "name");
	const json_t *cols = json_object_get(body, "columns"), *up = json_object_get(body, "up");
	const json_t *down = json_object_get(body, "down"), *cv;
	strata_buf sql = STRATA_BUF_INIT;
	int rc = 0, dup = 0;
	size_t i;

	if (!t)
		return STRATA_EINVALID;
	json_array_foreach(cols, i, cv) {
		const char *cn = json_string_value(cv);

		if (!strata__plan_need_column(p, t, cn))
			return STRATA_EINVALID;
		if ((strata__plan_str(up, cn) && !expr_is_column(strata__plan_str(up, cn), cn)) ||
		    (strata__plan_str(down, cn) && !expr_is_column(strata__plan_str(down, cn), cn)))
			dup = 1;
	}
	if (dup && (strcmp(type, "primary_key") == 0 || strcmp(type, "exclude") == 0))
		return strata__plan_opfail(p, STRATA_EINVALID, "a %s constraint whose up/down change the data is "
			      "not supported online; fix the data first, then add the constraint with "
			      "identity up/down", type);
	if (dup) {
		json_array_foreach(cols, i, cv) {
			online_column *c = strata__model_column(t, json_string_value(cv));

			if ((rc = strata__plan_duplicate(p, t, c, NULL, c->notnull, strata__plan_str(up, c->name),
					    strata__plan_str(down, c->name), NULL, 0)) < 0)
				return rc;
		}
	}
	if (strcmp(type, "check") == 0 || strcmp(type, "foreign_key") == 0) {
		strata__sqlf(&sql, "ALTER TABLE %Q ADD ", strata__plan_schema_of(p), t->phys);
		if ((rc = strata__plan_constraint_def(p, &sql, body, dup ? NULL : t)) < 0)
			goto done;
		strata__buf_puts(&sql, " NOT VALID");
		if ((rc = dup ? strata__plan_with_new_names(p, t, &sql) : strata__plan_run(p, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys, name);
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
	} else if (strcmp(type, "unique") == 0 || strcmp(type, "primary_key") == 0) {
		const json_t *ip = json_object_get(body, "index_parameters");

		strata__sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q ", name,
		     strata__plan_schema_of(p), t->phys);
		strata__plan_name_list(&sql, cols, t);
		if (ip && json_array_size(json_object_get(ip, "include_columns"))) {
			strata__buf_puts(&sql, " INCLUDE ");
			strata__plan_name_list(&sql, json_object_get(ip, "include_columns"), t);
		}
		if (json_is_true(json_object_get(body, "nulls_not_distinct")))
			strata__buf_puts(&sql, " NULLS NOT DISTINCT");
		if (ip && strata__plan_str(ip, "storage_parameters") && *strata__plan_str(ip, "storage_parameters"))
			strata__sqlf(&sql, " WITH (%s)", strata__plan_str(ip, "storage_parameters"));
		if ((rc = strata__plan_push_concurrent(p, name, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I %s USING INDEX %I", strata__plan_schema_of(p), t->phys,
		     name, strcmp(type, "unique") == 0 ? "UNIQUE" : "PRIMARY KEY", name);
		strata__plan_deferral(&sql, body);
		if ((rc = strata__plan_push(dup ? p->late : p->stage1, &sql)) < 0)
			goto done;
		if (!dup) {
			strata__sqlf(&sql, "DROP INDEX IF EXISTS %Q", strata__plan_schema_of(p), name);
			if ((rc = strata__plan_push(p->rollback, &sql)) < 0)
				goto done;
		}
	} else {
		strata__plan_warn(p, "an exclusion constraint cannot be added without building its index under "
		     "a lock: it is added now, while the table is locked");
		strata__sqlf(&sql, "ALTER TABLE %Q ADD ", strata__plan_schema_of(p), t->phys);
		if ((rc = strata__plan_constraint_def(p, &sql, body, t)) < 0 || (rc = strata__plan_run(p, &sql)) < 0)
			goto done;
	}
	if (!dup) {
		strata__sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT IF EXISTS %I", strata__plan_schema_of(p), t->phys, name);
		rc = strata__plan_push(p->rollback, &sql);
	}
done:
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_drop_constraint(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	if ((rc = strata__plan_need_constraint(p, t, strata__plan_str(body, "name"))) < 0)
		return rc;
	strata__sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", strata__plan_schema_of(p), t->phys, strata__plan_str(body, "name"));
	rc = strata__plan_push(p->stage1, &sql);
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_rename_constraint(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	if ((rc = strata__plan_need_constraint(p, t, strata__plan_str(body, "from"))) < 0)
		return rc;
	strata__sqlf(&sql, "ALTER TABLE %Q RENAME CONSTRAINT %I TO %I", strata__plan_schema_of(p), t->phys,
	     strata__plan_str(body, "from"), strata__plan_str(body, "to"));
	rc = strata__plan_push(p->stage1, &sql);
	strata__buf_release(&sql);
	return rc;
}
