/*
 * online/plan_int.h - what the planner's files share (plan.c says which
 * file does what): the planner's state, its helpers, and the planners of
 * the operations, which the operation table (opfile.c) points at.
 *
 * Layer: online. Only src/online/plan*.c and opfile.c include it.
 *
 * The statements are built with unchecked appends: a buffer whose append
 * failed stays failed (util/buf.h), so strata__plan_push, strata__plan_push_concurrent and
 * strata__plan_run check it once, before the statement is stored or run. Text of
 * one buffer used inside another (a name, a key list) is checked first.
 */
#ifndef STRATA_ONLINE_PLAN_INT_H
#define STRATA_ONLINE_PLAN_INT_H

#include "online/online_int.h"

/* PostgreSQL's longest identifier, in bytes. */
#define MAX_IDENT 63

typedef struct planner {
	online_plan_ctx *ctx;
	size_t op;          /* index of the operation being planned */
	const char *kind;
	json_t *concurrent; /* [{"index": name, "sql": ...}] */
	json_t *validate;   /* autocommit statements before the complete transaction */
	json_t *stage1;     /* complete: per-operation statements on current names */
	json_t *late;       /* complete: after drops and renames (index renames) */
	json_t *late_sql;   /* complete: onComplete raw SQL, last */
	json_t *rollback;   /* per operation, run in reverse */
	json_t *functions;  /* sync functions made */
	json_t *warnings;
	int warn_failed;    /* a warning could not be kept: the plan fails at the end */
} planner;

/* ---- plan.c: the planner state and its helpers */

int strata__plan_is_added(const online_column *c);
int strata__plan_is_dup(const online_column *c);
online_column *strata__plan_need_column(planner *p, online_table *t, const char *name);
online_table *strata__plan_need_table(planner *p, const char *name);
int strata__plan_oom(void);
/* Set the error "SOURCE: operations[N].KIND: message"; returns code. */
int strata__plan_opfail(planner *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Store the statement in arr; clears sql. */
int strata__plan_push(json_t *arr, strata_buf *sql);
/* Store {"index": name, "sql": sql} in the plan's concurrent list; clears sql. */
int strata__plan_push_concurrent(planner *p, const char *name, strata_buf *sql);
/* The physical table a referenced (logical) table name stands for. */
const char *strata__plan_ref_table_phys(planner *p, const char *name);
/* Run a statement now, in the expand transaction; clears sql. */
int strata__plan_run(planner *p, strata_buf *sql);
/* Run a script of one or more statements (raw sql operations). */
int strata__plan_run_script(planner *p, const char *text);
const char *strata__plan_schema_of(planner *p);
/* name as a quoted identifier, malloc'ed; NULL when out of memory. */
char *strata__plan_sql_ident(const char *name);
const char *strata__plan_str(const json_t *obj, const char *key);
/* Keep a warning in the plan and log it. */
void strata__plan_warn(planner *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- plan_catalog.c: small catalog reads */

int strata__plan_column_comment(planner *p, online_table *t, const char *phys, char **out);
int strata__plan_column_default(planner *p, online_table *t, const char *phys, char **out);
/*
 * Is the expression volatile (random(), nextval(), ...)? A default that is
 * not can be added with ADD COLUMN ... DEFAULT without rewriting the table.
 * Asked by making a temporary view of it and reading the functions it
 * depends on.
 */
int strata__plan_expression_volatile(planner *p, const char *expr, const char *type, int *out);
/* A constraint the operation names must exist on the table. */
int strata__plan_need_constraint(planner *p, online_table *t, const char *name);
/* The first value of the first row (NULL when none or SQL NULL). */
int strata__plan_query_one(strata_db *db, char **out, int *found, const char *sql, int n,
		     const char *const *params);

/* ---- plan_ddl.c: pieces of DDL */

/* A column definition of create_table / add_column (without NOT NULL: caller decides). */
int strata__plan_column_def(planner *p, strata_buf *b, const json_t *col, int with_default,
		      int with_constraints);
/* A table constraint: CONSTRAINT name ... (for CREATE TABLE or ADD). */
int strata__plan_constraint_def(planner *p, strata_buf *b, const json_t *def, online_table *t);
void strata__plan_deferral(strata_buf *b, const json_t *def);
/* " ON DELETE x ON UPDATE y MATCH z DEFERRABLE ..." after REFERENCES t (cols). */
int strata__plan_fk_tail(planner *p, strata_buf *b, const json_t *ref);
int strata__plan_name_list(strata_buf *b, const json_t *arr, online_table *t);
/* "<prefix><name>", or an error when it would pass PostgreSQL's 63 bytes. */
int strata__plan_prefixed(planner *p, char *out, size_t size, const char *prefix, const char *name);

/* ---- plan_columns.c: duplicating a column */

/*
 * Carry the check and foreign-key constraints of the duplicated columns
 * over to the new ones: added NOT VALID under a _strata_ name now,
 * validated and given their names at complete.
 */
int strata__plan_copy_constraints(planner *p, online_table *t);
/*
 * Rebuild, on the new columns, the indexes of t that cover a duplicated
 * column (built concurrently; renamed to their names at complete, after
 * the old columns and with them the old indexes are gone).
 */
int strata__plan_copy_indexes(planner *p, online_table *t);
/*
 * Duplicate column c of t: a new physical column _strata_new_<name> of type
 * (NULL = unchanged), its default copied, NOT NULL (when notnull) as a NOT
 * VALID check made good at complete, its indexes rebuilt; triggers map
 * old -> new with up and new -> old with down; the backfill fills it.
 */
int strata__plan_duplicate(planner *p, online_table *t, online_column *c, const char *type,
		     int notnull, const char *up, const char *down, const json_t *default_v,
		     int default_given);
/* The length of name double-quoted (as %I writes it) at the start of s; 0 if not there. */
size_t strata__plan_quoted_at(const char *s, const char *name);
int strata__plan_with_new_names(planner *p, online_table *t, strata_buf *sql);

/* ---- plan_triggers.c: sync triggers and backfill */

/* {"table": phys, "key": [...], "set": "a = (up), ..."} for a table with ups. */
int strata__plan_backfill_entry(planner *p, online_table *t);
/* The sync function and trigger of one table (see online_int.h). */
int strata__plan_make_trigger(planner *p, online_table *t);

/* ---- the operations' planners (plan_ops_*.c), one per row of the operation table */

int strata__plan_op_create_table(planner *p, const json_t *body);
int strata__plan_op_drop_table(planner *p, const json_t *body);
int strata__plan_op_rename_table(planner *p, const json_t *body);
int strata__plan_op_set_replica_identity(planner *p, const json_t *body);
int strata__plan_op_sql(planner *p, const json_t *body);
int strata__plan_op_add_column(planner *p, const json_t *body);
int strata__plan_op_alter_column(planner *p, const json_t *body);
int strata__plan_op_drop_column(planner *p, const json_t *body);
int strata__plan_op_rename_column(planner *p, const json_t *body);
int strata__plan_op_create_constraint(planner *p, const json_t *body);
int strata__plan_op_create_index(planner *p, const json_t *body);
int strata__plan_op_drop_constraint(planner *p, const json_t *body);
int strata__plan_op_drop_index(planner *p, const json_t *body);
int strata__plan_op_rename_constraint(planner *p, const json_t *body);

#endif
