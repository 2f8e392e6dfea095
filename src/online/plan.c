/*
 * online/plan.c - the planner's driver: turns operations into the expand
 * statements (run at once, inside the caller's transaction) and the stored
 * plan for the later steps, through each operation's "plan" in the
 * operation table (opfile.c, strata__online_op_find()); then the sync triggers,
 * the version views and what complete and rollback do (derive()). Also the
 * helpers every planner file uses (plan_int.h).
 *
 * The planner's files, by job:
 *   plan.c                 driver and shared helpers (this file)
 *   plan_catalog.c         small catalog reads
 *   plan_ddl.c             pieces of DDL (column and constraint definitions)
 *   plan_columns.c         duplicating a column, its indexes and constraints
 *   plan_ops_table.c       create/drop/rename_table, set_replica_identity, sql
 *   plan_ops_column.c      add/drop/rename/alter_column
 *   plan_ops_constraint.c  create/drop_index, create/drop/rename_constraint
 *   plan_triggers.c        sync triggers and backfill entries
 *   plan_views.c           the version schema's views
 *   sqlf.c                 the SQL formatter
 *
 * Layer: online. Every identifier goes through strata__sqlf's %I/%Q; what the file
 * gives as SQL (types, defaults, expressions, up/down, raw sql) is used as
 * written, as pgroll does.
 *
 * How each operation expands and contracts (docs/online.md says it for users):
 *
 *   create_table    start: CREATE TABLE              rollback: DROP TABLE
 *   drop_table      start: hidden from the new version   complete: DROP TABLE
 *   rename_table    start: new view under the new name   complete: RENAME
 *   add_column      start: ADD COLUMN (nullable), NOT NULL as a NOT VALID
 *                   check, up -> trigger + backfill  complete: validate, SET NOT NULL
 *   drop_column     start: hidden; down -> trigger   complete: DROP COLUMN
 *   rename_column   start: new view renames it       complete: RENAME COLUMN
 *   alter_column    start: duplicate as _strata_new_<col> with the new type
 *                   and constraints (NOT VALID), up/down triggers, backfill;
 *                   default/comment alone change in place
 *                   complete: validate, drop the old column, rename the new
 *   create_index    start: CREATE INDEX CONCURRENTLY rollback: DROP INDEX
 *   drop_index      complete: DROP INDEX
 *   create_constraint  start: NOT VALID (check, foreign key) or a unique
 *                   index built concurrently; columns duplicated when up/down
 *                   change them   complete: validate / ADD CONSTRAINT USING INDEX
 *   drop_constraint, drop_multicolumn_constraint, rename_constraint,
 *   set_replica_identity   complete
 *   sql             start (or complete with onComplete); rollback runs down
 *
 * What complete does to columns and tables (drop the old, rename the new)
 * is derived at the end from the model, not per operation, so that several
 * operations on one table compose.
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

int strata__plan_oom(void)
{
	return strata_error_set(STRATA_ERROR, "out of memory");
}

/* name as a quoted identifier, malloc'ed; NULL when out of memory. */
char *strata__plan_sql_ident(const char *name)
{
	strata_buf b = STRATA_BUF_INIT;

	strata__buf_put_sql_ident(&b, name);
	return strata__buf_detach(&b);
}

/* Store the statement in arr; clears sql. */
int strata__plan_push(json_t *arr, strata_buf *sql)
{
	json_t *s;

	if (strata__buf_check(sql) < 0)
		return STRATA_ERROR;
	s = json_string(strata__buf_cstr(sql));
	strata__buf_clear(sql);
	if (!s || json_array_append_new(arr, s) < 0)
		return strata__plan_oom();
	return 0;
}

/* Store {"index": name, "sql": sql} in the plan's concurrent list; clears sql. */
int strata__plan_push_concurrent(planner *p, const char *name, strata_buf *sql)
{
	if (strata__buf_check(sql) < 0)
		return STRATA_ERROR;
	if (json_array_append_new(p->concurrent, json_pack("{s:s, s:s}", "index", name, "sql",
							    strata__buf_cstr(sql))) < 0)
		return strata__plan_oom();
	strata__buf_clear(sql);
	return 0;
}

int strata__plan_opfail(planner *p, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_error_set(code, "%s: operations[%zu].%s: %s", p->ctx->m->source, p->op, p->kind, msg);
	return code;
}

void strata__plan_warn(planner *p, const char *fmt, ...)
{
	char msg[1024], full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "operations[%zu].%s: %s", p->op, p->kind, msg);
	if (json_array_append_new(p->warnings, json_string(full)) < 0)
		p->warn_failed = 1;
	if (p->ctx->log)
		p->ctx->log(p->ctx->payload, STRATA_LOG_WARN, full);
}

/* Run a statement now, in the expand transaction; clears sql. */
int strata__plan_run(planner *p, strata_buf *sql)
{
	int rc;

	if (strata__buf_check(sql) < 0)
		return STRATA_ERROR;
	rc = strata__db_exec(p->ctx->db, strata__buf_cstr(sql), 0, NULL);
	if (rc < 0)
		strata_error_append("\n  in %s operations[%zu] (%s), running: %.300s",
				    p->ctx->m->source, p->op, p->kind, strata__buf_cstr(sql));
	strata__buf_clear(sql);
	return rc;
}

/* Run a script of one or more statements (raw sql operations). */
int strata__plan_run_script(planner *p, const char *text)
{
	db_stmt *stmts = NULL;
	size_t n = 0, i, at = 0;
	int rc;

	rc = strata__db_split(&stmts, &n, &at, DB_POSTGRES, text, strlen(text));
	if (rc < 0) {
		strata_error_append(", at byte %zu of %s operations[%zu].sql", at, p->ctx->m->source,
				    p->op);
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = strata__db_exec_stmt(p->ctx->db, text + stmts[i].offset, stmts[i].len, NULL, 0);
		if (rc < 0)
			strata_error_append("\n  in %s operations[%zu] (sql), statement %zu",
					    p->ctx->m->source, p->op, i + 1);
	}
	strata_free(stmts);
	return rc;
}

const char *strata__plan_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const char *strata__plan_schema_of(planner *p)
{
	return p->ctx->schema;
}

online_table *strata__plan_need_table(planner *p, const char *name)
{
	online_table *t = strata__model_table(&p->ctx->model, name);

	if (!t)
		strata__plan_opfail(p, STRATA_EINVALID, "table \"%s\" does not exist in schema \"%s\"%s", name,
		       strata__plan_schema_of(p), "");
	return t;
}

online_column *strata__plan_need_column(planner *p, online_table *t, const char *name)
{
	online_column *c = strata__model_column(t, name);

	if (!c)
		strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" does not exist in table \"%s\"", name,
		       t->name);
	return c;
}

/* The physical table a referenced (logical) table name stands for. */
const char *strata__plan_ref_table_phys(planner *p, const char *name)
{
	online_table *t = strata__model_table(&p->ctx->model, name);

	return t ? t->phys : name;
}

int strata__plan_is_dup(const online_column *c)
{
	return c->old_phys && strcmp(c->old_phys, c->phys) != 0;
}

int strata__plan_is_added(const online_column *c)
{
	return c->old_phys == NULL;
}



/* What complete and rollback do to columns and tables, from the final model. */
static int derive(planner *p)
{
	json_t *plan = p->ctx->plan;
	json_t *complete = json_object_get(plan, "complete"), *rollback = json_object_get(plan, "rollback");
	json_t *drops = json_array(), *renames = json_array(), *tables = json_array();
	json_t *rb_cols = json_array(), *rb_tables = json_array();
	strata_buf sql = STRATA_BUF_INIT;
	size_t i, j;
	int rc = 0;

	if (!drops || !renames || !tables || !rb_cols || !rb_tables) {
		rc = strata__plan_oom();
		goto done;
	}
	for (i = 0; i < p->ctx->model.ntables; i++) {
		online_table *t = &p->ctx->model.tables[i];

		if (t->created) {
			strata__sqlf(&sql, "DROP TABLE IF EXISTS %Q", strata__plan_schema_of(p), t->phys);
			if ((rc = strata__plan_push(rb_tables, &sql)) < 0)
				goto done;
			if (t->dropped)
				continue;
		}
		if (t->dropped) {
			strata__sqlf(&sql, "DROP TABLE %Q", strata__plan_schema_of(p), t->phys);
			if ((rc = strata__plan_push(tables, &sql)) < 0)
				goto done;
			continue;
		}
		for (j = 0; j < t->ncols; j++) {
			online_column *c = &t->cols[j];

			if (!t->created && (strata__plan_is_added(c) || strata__plan_is_dup(c))) {
				strata__sqlf(&sql, "ALTER TABLE %Q DROP COLUMN IF EXISTS %I", strata__plan_schema_of(p), t->phys,
				     c->phys);
				if ((rc = strata__plan_push(rb_cols, &sql)) < 0)
					goto done;
			}
			if (c->old_phys && (c->dropped || strata__plan_is_dup(c))) {
				strata__sqlf(&sql, "ALTER TABLE %Q DROP COLUMN %I", strata__plan_schema_of(p), t->phys,
				     c->old_phys);
				if ((rc = strata__plan_push(drops, &sql)) < 0)
					goto done;
			}
			if (c->dropped && strata__plan_is_dup(c)) {
				strata__sqlf(&sql, "ALTER TABLE %Q DROP COLUMN %I", strata__plan_schema_of(p), t->phys, c->phys);
				if ((rc = strata__plan_push(drops, &sql)) < 0)
					goto done;
			} else if (!c->dropped && strcmp(c->phys, c->name) != 0) {
				strata__sqlf(&sql, "ALTER TABLE %Q RENAME COLUMN %I TO %I", strata__plan_schema_of(p), t->phys,
				     c->phys, c->name);
				if ((rc = strata__plan_push(renames, &sql)) < 0)
					goto done;
			}
		}
		if (strcmp(t->name, t->phys) != 0) {
			strata__sqlf(&sql, "ALTER TABLE %Q RENAME TO %I", strata__plan_schema_of(p), t->phys, t->name);
			if ((rc = strata__plan_push(tables, &sql)) < 0)
				goto done;
		}
	}
	/* complete: per operation, drops, renames, index renames, tables, onComplete sql */
	if (json_array_extend(complete, p->stage1) < 0 || json_array_extend(complete, drops) < 0 ||
	    json_array_extend(complete, renames) < 0 || json_array_extend(complete, p->late) < 0 ||
	    json_array_extend(complete, tables) < 0 || json_array_extend(complete, p->late_sql) < 0) {
		rc = strata__plan_oom();
		goto done;
	}
	/* rollback: per operation newest first, then the added columns and tables */
	for (i = json_array_size(p->rollback); i > 0; i--)
		if (json_array_append(rollback, json_array_get(p->rollback, i - 1)) < 0)
			rc = strata__plan_oom();
	for (i = json_array_size(rb_tables); i > 0; i--)
		json_array_append(rb_cols, json_array_get(rb_tables, i - 1));
	if (rc == 0 && json_array_extend(rollback, rb_cols) < 0)
		rc = strata__plan_oom();
done:
	json_decref(drops);
	json_decref(renames);
	json_decref(tables);
	json_decref(rb_cols);
	json_decref(rb_tables);
	strata__buf_release(&sql);
	return rc;
}

int strata__plan_expand(online_plan_ctx *ctx)
{
	planner p;
	const online_op *op;
	size_t i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	ctx->plan = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[], s:[]}", "concurrent", "backfill",
			      "validate", "complete", "rollback", "functions", "warnings");
	if (!ctx->plan)
		return strata__plan_oom();
	p.concurrent = json_object_get(ctx->plan, "concurrent");
	p.validate = json_object_get(ctx->plan, "validate");
	p.functions = json_object_get(ctx->plan, "functions");
	p.warnings = json_object_get(ctx->plan, "warnings");
	p.stage1 = json_array();
	p.late = json_array();
	p.late_sql = json_array();
	p.rollback = json_array();
	if (!p.stage1 || !p.late || !p.late_sql || !p.rollback) {
		rc = strata__plan_oom();
		goto done;
	}
	if ((rc = strata__model_load(&ctx->model, ctx->db, ctx->schema)) < 0)
		goto done;
	for (i = 0; i < strata_online_op_count(ctx->m); i++) {
		json_t *body = NULL;

		p.op = i;
		p.kind = strata__online_op_kind(ctx->m, i, &body);
		op = strata__online_op_find(p.kind);
		if (!op) {
			rc = strata__plan_opfail(&p, STRATA_EINVALID, "unknown operation");
			goto done;
		}
		if ((rc = op->plan(&p, body)) < 0)
			goto done;
	}
	p.kind = "triggers";
	for (i = 0; i < ctx->model.ntables; i++) {
		online_table *t = &ctx->model.tables[i];

		if (!t->touched || t->dropped)
			continue;
		if ((rc = strata__plan_copy_indexes(&p, t)) < 0 || (rc = strata__plan_copy_constraints(&p, t)) < 0 ||
		    (rc = strata__plan_make_trigger(&p, t)) < 0 ||
		    (rc = strata__plan_backfill_entry(&p, t)) < 0)
			goto done;
	}
	if ((rc = strata__plan_create_views(ctx->db, &ctx->model, ctx->version_schema)) < 0 ||
	    (rc = derive(&p)) < 0)
		goto done;
	if (p.warn_failed)
		rc = strata__plan_oom();
done:
	if (rc < 0) {
		/* Nothing half-planned is handed back. */
		json_decref(ctx->plan);
		ctx->plan = NULL;
	}
	json_decref(p.stage1);
	json_decref(p.late);
	json_decref(p.late_sql);
	json_decref(p.rollback);
	return rc;
}
