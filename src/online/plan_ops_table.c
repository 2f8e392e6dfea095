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

int strata__plan_op_create_table(planner *p, const json_t *body)
{
	const char *name = strata__plan_str(body, "name");
	const json_t *cols = json_object_get(body, "columns"), *col, *def;
	strata_buf sql = STRATA_BUF_INIT, pk = STRATA_BUF_INIT;
	online_table *t;
	size_t i;
	int rc = 0;

	if (strata__model_table(&p->ctx->model, name))
		return strata__plan_opfail(p, STRATA_EINVALID, "table \"%s\" already exists", name);
	strata__sqlf(&sql, "CREATE TABLE %Q (", strata__plan_schema_of(p), name);
	json_array_foreach(cols, i, col) {
		strata__buf_puts(&sql, i ? ", " : "");
		if ((rc = strata__plan_column_def(p, &sql, col, 1, 1)) < 0)
			goto done;
		if (!json_is_true(json_object_get(col, "nullable")) &&
		    !json_is_true(json_object_get(col, "pk")))
			strata__buf_puts(&sql, " NOT NULL");
		if (json_is_true(json_object_get(col, "pk")))
			strata__sqlf(&pk, "%s%I", pk.len ? ", " : "", strata__plan_str(col, "name"));
	}
	if ((rc = strata__buf_check(&pk)) < 0)
		goto done;
	if (pk.len)
		strata__sqlf(&sql, ", PRIMARY KEY (%s)", strata__buf_cstr(&pk));
	json_array_foreach(json_object_get(body, "constraints"), i, def) {
		strata__buf_puts(&sql, ", ");
		if ((rc = strata__plan_constraint_def(p, &sql, def, NULL)) < 0)
			goto done;
	}
	strata__buf_putc(&sql, ')');
	if ((rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	if (json_is_string(json_object_get(body, "comment"))) {
		strata__sqlf(&sql, "COMMENT ON TABLE %Q IS %L", strata__plan_schema_of(p), name, strata__plan_str(body, "comment"));
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
	}
	json_array_foreach(cols, i, col) {
		if (!json_is_string(json_object_get(col, "comment")))
			continue;
		strata__sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", strata__plan_schema_of(p), name, strata__plan_str(col, "name"),
		     strata__plan_str(col, "comment"));
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
	}
	if ((rc = strata__model_refresh(&p->ctx->model, p->ctx->db)) < 0)
		goto done;
	if ((t = strata__model_table(&p->ctx->model, name)) != NULL) {
		t->created = 1;
		for (i = 0; i < t->ncols; i++) {
			strata_free(t->cols[i].old_phys);
			t->cols[i].old_phys = NULL;
		}
	}
done:
	strata__buf_release(&sql);
	strata__buf_release(&pk);
	return rc;
}

int strata__plan_op_drop_table(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "name"));

	if (!t)
		return STRATA_EINVALID;
	if (t->created)
		return strata__plan_opfail(p, STRATA_EINVALID, "table \"%s\" is created by this same migration",
			      t->name);
	t->dropped = 1;
	return 0;
}

int strata__plan_op_rename_table(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "from"));
	char *to;

	if (!t)
		return STRATA_EINVALID;
	if (strata__model_table(&p->ctx->model, strata__plan_str(body, "to")))
		return strata__plan_opfail(p, STRATA_EINVALID, "table \"%s\" already exists", strata__plan_str(body, "to"));
	if (!(to = strata_strdup(strata__plan_str(body, "to"))))
		return strata__plan_oom();
	strata_free(t->name);
	t->name = to;
	return 0;
}

int strata__plan_op_set_replica_identity(planner *p, const json_t *body)
{
	online_table *t = strata__plan_need_table(p, strata__plan_str(body, "table"));
	const json_t *id = json_object_get(body, "identity");
	const char *type = strata__plan_str(id, "type");
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	strata__sqlf(&sql, "ALTER TABLE %Q REPLICA IDENTITY ", strata__plan_schema_of(p), t->phys);
	if (strcasecmp(type, "index") == 0)
		strata__sqlf(&sql, "USING INDEX %I", strata__plan_str(id, "index"));
	else
		strata__sqlf(&sql, "%s", strcasecmp(type, "full") == 0 ? "FULL" :
		     strcasecmp(type, "nothing") == 0 ? "NOTHING" : "DEFAULT");
	rc = strata__plan_push(p->stage1, &sql);
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_op_sql(planner *p, const json_t *body)
{
	json_t *s;
	int rc;

	if (json_is_true(json_object_get(body, "onComplete"))) {
		s = json_string(strata__plan_str(body, "up"));
		return s && json_array_append_new(p->late_sql, s) == 0 ? 0 : strata__plan_oom();
	}
	if ((rc = strata__plan_run_script(p, strata__plan_str(body, "up"))) < 0)
		return rc;
	if (strata__plan_str(body, "down")) {
		s = json_string(strata__plan_str(body, "down"));
		if (!s || json_array_append_new(p->rollback, s) < 0)
			return strata__plan_oom();
	} else {
		strata__plan_warn(p, "raw sql without \"down\": rollback cannot undo it");
	}
	return strata__model_refresh(&p->ctx->model, p->ctx->db);
}
