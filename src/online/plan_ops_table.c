/*
 * online/plan_ops_table.c - the planners of the operations on whole
 * tables: create_table, drop_table, rename_table, set_replica_identity,
 * and raw sql.
 *
 * Layer: online, planner (plan_int.h). Each is the "plan" of its row in
 * the operation table (opfile.c); plan.c's header says what each
 * operation does at start, complete and rollback.
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

int plan_op_create_table(planner *p, const json_t *body)
{
	const char *name = plan_str(body, "name");
	const json_t *cols = json_object_get(body, "columns"), *col, *def;
	strata_buf sql = STRATA_BUF_INIT, pk = STRATA_BUF_INIT;
	online_table *t;
	size_t i;
	int rc = 0;

	if (model_table(&p->ctx->model, name))
		return plan_opfail(p, STRATA_EINVALID, "table \"%s\" already exists", name);
	sqlf(&sql, "CREATE TABLE %Q (", plan_schema_of(p), name);
	json_array_foreach(cols, i, col) {
		buf_puts(&sql, i ? ", " : "");
		if ((rc = plan_column_def(p, &sql, col, 1, 1)) < 0)
			goto done;
		if (!json_is_true(json_object_get(col, "nullable")) &&
		    !json_is_true(json_object_get(col, "pk")))
			buf_puts(&sql, " NOT NULL");
		if (json_is_true(json_object_get(col, "pk")))
			sqlf(&pk, "%s%I", pk.len ? ", " : "", plan_str(col, "name"));
	}
	if ((rc = buf_check(&pk)) < 0)
		goto done;
	if (pk.len)
		sqlf(&sql, ", PRIMARY KEY (%s)", buf_cstr(&pk));
	json_array_foreach(json_object_get(body, "constraints"), i, def) {
		buf_puts(&sql, ", ");
		if ((rc = plan_constraint_def(p, &sql, def, NULL)) < 0)
			goto done;
	}
	buf_putc(&sql, ')');
	if ((rc = plan_run(p, &sql)) < 0)
		goto done;
	if (json_is_string(json_object_get(body, "comment"))) {
		sqlf(&sql, "COMMENT ON TABLE %Q IS %L", plan_schema_of(p), name, plan_str(body, "comment"));
		if ((rc = plan_run(p, &sql)) < 0)
			goto done;
	}
	json_array_foreach(cols, i, col) {
		if (!json_is_string(json_object_get(col, "comment")))
			continue;
		sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", plan_schema_of(p), name, plan_str(col, "name"),
		     plan_str(col, "comment"));
		if ((rc = plan_run(p, &sql)) < 0)
			goto done;
	}
	if ((rc = model_refresh(&p->ctx->model, p->ctx->db)) < 0)
		goto done;
	if ((t = model_table(&p->ctx->model, name)) != NULL) {
		t->created = 1;
		for (i = 0; i < t->ncols; i++) {
			strata_free(t->cols[i].old_phys);
			t->cols[i].old_phys = NULL;
		}
	}
done:
	buf_release(&sql);
	buf_release(&pk);
	return rc;
}

int plan_op_drop_table(planner *p, const json_t *body)
{
	online_table *t = plan_need_table(p, plan_str(body, "name"));

	if (!t)
		return STRATA_EINVALID;
	if (t->created)
		return plan_opfail(p, STRATA_EINVALID, "table \"%s\" is created by this same migration",
			      t->name);
	t->dropped = 1;
	return 0;
}

int plan_op_rename_table(planner *p, const json_t *body)
{
	online_table *t = plan_need_table(p, plan_str(body, "from"));
	char *to;

	if (!t)
		return STRATA_EINVALID;
	if (model_table(&p->ctx->model, plan_str(body, "to")))
		return plan_opfail(p, STRATA_EINVALID, "table \"%s\" already exists", plan_str(body, "to"));
	if (!(to = strata_strdup(plan_str(body, "to"))))
		return plan_oom();
	strata_free(t->name);
	t->name = to;
	return 0;
}

int plan_op_set_replica_identity(planner *p, const json_t *body)
{
	online_table *t = plan_need_table(p, plan_str(body, "table"));
	const json_t *id = json_object_get(body, "identity");
	const char *type = plan_str(id, "type");
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	sqlf(&sql, "ALTER TABLE %Q REPLICA IDENTITY ", plan_schema_of(p), t->phys);
	if (strcasecmp(type, "index") == 0)
		sqlf(&sql, "USING INDEX %I", plan_str(id, "index"));
	else
		sqlf(&sql, "%s", strcasecmp(type, "full") == 0 ? "FULL" :
		     strcasecmp(type, "nothing") == 0 ? "NOTHING" : "DEFAULT");
	rc = plan_push(p->stage1, &sql);
	buf_release(&sql);
	return rc;
}

int plan_op_sql(planner *p, const json_t *body)
{
	json_t *s;
	int rc;

	if (json_is_true(json_object_get(body, "onComplete"))) {
		s = json_string(plan_str(body, "up"));
		return s && json_array_append_new(p->late_sql, s) == 0 ? 0 : plan_oom();
	}
	if ((rc = plan_run_script(p, plan_str(body, "up"))) < 0)
		return rc;
	if (plan_str(body, "down")) {
		s = json_string(plan_str(body, "down"));
		if (!s || json_array_append_new(p->rollback, s) < 0)
			return plan_oom();
	} else {
		plan_warn(p, "raw sql without \"down\": rollback cannot undo it");
	}
	return model_refresh(&p->ctx->model, p->ctx->db);
}
