/*
 * online/plan.c - turns operations into the expand statements (run at once,
 * inside the caller's transaction) and the stored plan for the later steps.
 *
 * Layer: online. Every identifier goes through sqlf's %I/%Q; what the file
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
#include "strata/error.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOLLAR_TAG "$strata_sync$"
#define MAX_IDENT 63

/* ---- SQL text --------------------------------------------------------- */

int sqlf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p;
	int rc = 0;

	va_start(ap, fmt);
	for (p = fmt; *p && rc == 0; p++) {
		if (*p != '%') {
			rc = buf_putc(b, *p);
			continue;
		}
		switch (*++p) {
		case 'I':
			rc = buf_put_sql_ident(b, va_arg(ap, const char *));
			break;
		case 'Q': {
			const char *schema = va_arg(ap, const char *);
			const char *name = va_arg(ap, const char *);

			if ((rc = buf_put_sql_ident(b, schema)) == 0 && (rc = buf_putc(b, '.')) == 0)
				rc = buf_put_sql_ident(b, name);
			break;
		}
		case 'L':
			rc = buf_put_sql_literal(b, va_arg(ap, const char *));
			break;
		case 's':
			rc = buf_puts(b, va_arg(ap, const char *));
			break;
		case 'd':
			rc = buf_printf(b, "%d", va_arg(ap, int));
			break;
		case 'u':
			rc = buf_printf(b, "%u", va_arg(ap, unsigned));
			break;
		case '%':
			rc = buf_putc(b, '%');
			break;
		default:
			rc = STRATA_ERROR;
			break;
		}
	}
	va_end(ap);
	return rc < 0 ? STRATA_ERROR : 0;
}

/* ---- the planner's state ---------------------------------------------- */

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

static int oom(void)
{
	return strata_error_set(STRATA_ERROR, "out of memory");
}

/* name as a quoted identifier, malloc'ed; NULL when out of memory. */
static char *sql_ident(const char *name)
{
	strata_buf b = STRATA_BUF_INIT;

	buf_put_sql_ident(&b, name);
	return buf_detach(&b);
}

/*
 * The statements are built with unchecked appends: a buffer whose append
 * failed stays failed (util/buf.h), so push, push_concurrent and run
 * check it once, before the statement is stored or run. Text of one
 * buffer used inside another (a name, a key list) is checked first.
 */

/* Store the statement in arr; clears sql. */
static int push(json_t *arr, strata_buf *sql)
{
	json_t *s;

	if (buf_check(sql) < 0)
		return STRATA_ERROR;
	s = json_string(buf_cstr(sql));
	buf_clear(sql);
	if (!s || json_array_append_new(arr, s) < 0)
		return oom();
	return 0;
}

/* Store {"index": name, "sql": sql} in the plan's concurrent list; clears sql. */
static int push_concurrent(planner *p, const char *name, strata_buf *sql)
{
	if (buf_check(sql) < 0)
		return STRATA_ERROR;
	if (json_array_append_new(p->concurrent, json_pack("{s:s, s:s}", "index", name, "sql",
							    buf_cstr(sql))) < 0)
		return oom();
	buf_clear(sql);
	return 0;
}

static int opfail(planner *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int opfail(planner *p, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_error_set(code, "%s: operations[%zu].%s: %s", p->ctx->m->source, p->op, p->kind, msg);
	return code;
}

static void warn(planner *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(planner *p, const char *fmt, ...)
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
static int run(planner *p, strata_buf *sql)
{
	int rc;

	if (buf_check(sql) < 0)
		return STRATA_ERROR;
	rc = db_exec(p->ctx->db, buf_cstr(sql), 0, NULL);
	if (rc < 0)
		strata_error_append("\n  in %s operations[%zu] (%s), running: %.300s",
				    p->ctx->m->source, p->op, p->kind, buf_cstr(sql));
	buf_clear(sql);
	return rc;
}

/* Run a script of one or more statements (raw sql operations). */
static int run_script(planner *p, const char *text)
{
	db_stmt *stmts = NULL;
	size_t n = 0, i, at = 0;
	int rc;

	rc = db_split(&stmts, &n, &at, DB_POSTGRES, text, strlen(text));
	if (rc < 0) {
		strata_error_append(", at byte %zu of %s operations[%zu].sql", at, p->ctx->m->source,
				    p->op);
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = db_exec_stmt(p->ctx->db, text + stmts[i].offset, stmts[i].len, NULL, 0);
		if (rc < 0)
			strata_error_append("\n  in %s operations[%zu] (sql), statement %zu",
					    p->ctx->m->source, p->op, i + 1);
	}
	strata_free(stmts);
	return rc;
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static const char *schema_of(planner *p)
{
	return p->ctx->schema;
}

static online_table *need_table(planner *p, const char *name)
{
	online_table *t = model_table(&p->ctx->model, name);

	if (!t)
		opfail(p, STRATA_EINVALID, "table \"%s\" does not exist in schema \"%s\"%s", name,
		       schema_of(p), "");
	return t;
}

static online_column *need_column(planner *p, online_table *t, const char *name)
{
	online_column *c = model_column(t, name);

	if (!c)
		opfail(p, STRATA_EINVALID, "column \"%s\" does not exist in table \"%s\"", name,
		       t->name);
	return c;
}

/* The physical table a referenced (logical) table name stands for. */
static const char *ref_table_phys(planner *p, const char *name)
{
	online_table *t = model_table(&p->ctx->model, name);

	return t ? t->phys : name;
}

static int is_dup(const online_column *c)
{
	return c->old_phys && strcmp(c->old_phys, c->phys) != 0;
}

static int is_added(const online_column *c)
{
	return c->old_phys == NULL;
}

/* ---- small catalog reads --------------------------------------------- */

typedef struct one_value {
	char *v;
	int found;
} one_value;

static int on_one(void *payload, int ncols, const char *const *v)
{
	one_value *o = payload;

	o->found = 1;
	if (ncols > 0 && v[0] && !(o->v = strata_strdup(v[0])))
		return STRATA_ERROR;
	return 1; /* stop */
}

/* The first value of the first row (NULL when none or SQL NULL). */
static int query_one(strata_db *db, char **out, int *found, const char *sql, int n,
		     const char *const *params)
{
	one_value o = { NULL, 0 };
	int rc = db_query(db, sql, n, params, on_one, &o);

	if (rc < 0) {
		strata_free(o.v);
		return rc;
	}
	*out = o.v;
	if (found)
		*found = o.found;
	return 0;
}

static int column_default(planner *p, online_table *t, const char *phys, char **out)
{
	const char *params[3] = { schema_of(p), t->phys, phys };

	return query_one(p->ctx->db, out, NULL,
			 "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
			 "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
			 "WHERE d.adrelid = format('%I.%I', $1::text, $2::text)::regclass "
			 "AND a.attname = $3", 3, params);
}

static int column_comment(planner *p, online_table *t, const char *phys, char **out)
{
	const char *params[3] = { schema_of(p), t->phys, phys };

	return query_one(p->ctx->db, out, NULL,
			 "SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a "
			 "WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass "
			 "AND a.attname = $3", 3, params);
}

static int constraint_exists(planner *p, online_table *t, const char *name, int *out)
{
	const char *params[3] = { schema_of(p), t->phys, name };
	char *v = NULL;
	int rc = query_one(p->ctx->db, &v, out,
			   "SELECT 1 FROM pg_constraint WHERE conrelid = "
			   "format('%I.%I', $1::text, $2::text)::regclass AND conname = $3",
			   3, params);

	strata_free(v);
	return rc;
}

/* A constraint the operation names must exist on the table. */
static int need_constraint(planner *p, online_table *t, const char *name)
{
	int found = 0, rc = constraint_exists(p, t, name, &found);

	if (rc < 0)
		return rc;
	if (!found)
		return opfail(p, STRATA_EINVALID, "constraint \"%s\" does not exist on \"%s\"",
			      name, t->name);
	return 0;
}

/*
 * Is the expression volatile (random(), nextval(), ...)? A default that is
 * not can be added with ADD COLUMN ... DEFAULT without rewriting the table.
 * Asked by making a temporary view of it and reading the functions it
 * depends on.
 */
static int expression_volatile(planner *p, const char *expr, const char *type, int *out)
{
	strata_buf sql = STRATA_BUF_INIT;
	char *v = NULL;
	int rc;

	*out = 1;
	if ((rc = sqlf(&sql, "CREATE TEMPORARY VIEW _strata_probe AS SELECT CAST((%s) AS %s) AS v",
		       expr, type)) < 0 ||
	    (rc = run(p, &sql)) < 0)
		goto cleanup;
	rc = query_one(p->ctx->db, &v, NULL,
		       "SELECT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
		       "LEFT JOIN pg_operator o ON d.refclassid = 'pg_operator'::regclass "
		       "AND o.oid = d.refobjid "
		       "JOIN pg_proc f ON f.oid = CASE WHEN d.refclassid = 'pg_proc'::regclass "
		       "THEN d.refobjid ELSE o.oprcode::oid END "
		       "WHERE r.ev_class = 'pg_temp._strata_probe'::regclass "
		       "AND f.provolatile = 'v')", 0, NULL);
	if (rc == 0)
		*out = v && strcmp(v, "t") == 0;
	if (rc == 0) {
		buf_puts(&sql, "DROP VIEW pg_temp._strata_probe");
		rc = run(p, &sql);
	}
cleanup:
	strata_free(v);
	buf_release(&sql);
	return rc;
}

/* ---- pieces of DDL ------------------------------------------------------ */

static int one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcasecmp(s, *words) == 0)
			return 1;
	return 0;
}

static const char *const fk_actions[] = { "NO ACTION", "RESTRICT", "CASCADE", "SET NULL",
					  "SET DEFAULT", NULL };
static const char *const match_types[] = { "SIMPLE", "FULL", "PARTIAL", NULL };

/* " ON DELETE x ON UPDATE y MATCH z DEFERRABLE ..." after REFERENCES t (cols). */
static int fk_tail(planner *p, strata_buf *b, const json_t *ref)
{
	const char *v;
	json_t *setcols = json_object_get(ref, "on_delete_set_columns");

	if ((v = str(ref, "match_type")) != NULL) {
		if (!one_of(v, match_types))
			return opfail(p, STRATA_EINVALID, "match_type \"%s\" is not one of SIMPLE, "
				      "FULL, PARTIAL", v);
		sqlf(b, " MATCH %s", v);
	}
	if ((v = str(ref, "on_delete")) != NULL) {
		if (!one_of(v, fk_actions))
			return opfail(p, STRATA_EINVALID, "on_delete \"%s\" is not one of NO ACTION, "
				      "RESTRICT, CASCADE, SET NULL, SET DEFAULT", v);
		sqlf(b, " ON DELETE %s", v);
		if (json_array_size(setcols)) {
			size_t i;
			json_t *c;

			buf_puts(b, " (");
			json_array_foreach(setcols, i, c)
				sqlf(b, "%s%I", i ? ", " : "", json_string_value(c));
			buf_putc(b, ')');
		}
	}
	if ((v = str(ref, "on_update")) != NULL) {
		if (!one_of(v, fk_actions))
			return opfail(p, STRATA_EINVALID, "on_update \"%s\" is not one of NO ACTION, "
				      "RESTRICT, CASCADE, SET NULL, SET DEFAULT", v);
		sqlf(b, " ON UPDATE %s", v);
	}
	if (json_is_true(json_object_get(ref, "deferrable")))
		buf_puts(b, " DEFERRABLE");
	if (json_is_true(json_object_get(ref, "initially_deferred")))
		buf_puts(b, " INITIALLY DEFERRED");
	return 0;
}

static int name_list(strata_buf *b, const json_t *arr, online_table *t)
{
	size_t i;
	json_t *c;

	buf_putc(b, '(');
	json_array_foreach(arr, i, c) {
		const char *name = json_string_value(c);
		online_column *col = t ? model_column(t, name) : NULL;

		sqlf(b, "%s%I", i ? ", " : "", col ? col->phys : name);
	}
	return buf_putc(b, ')');
}

/* INCLUDE (...) WITH (...) USING INDEX TABLESPACE ... of unique and primary keys. */
static void index_params(strata_buf *b, const json_t *ip, int for_constraint)
{
	const char *v;

	if (!ip)
		return;
	if (json_array_size(json_object_get(ip, "include_columns"))) {
		buf_puts(b, " INCLUDE ");
		name_list(b, json_object_get(ip, "include_columns"), NULL);
	}
	if ((v = str(ip, "storage_parameters")) != NULL && *v)
		sqlf(b, " WITH (%s)", v);
	if ((v = str(ip, "tablespace")) != NULL && *v)
		sqlf(b, for_constraint ? " USING INDEX TABLESPACE %I" : " TABLESPACE %I", v);
}

static void deferral(strata_buf *b, const json_t *def)
{
	if (json_is_true(json_object_get(def, "deferrable")))
		buf_puts(b, " DEFERRABLE");
	if (json_is_true(json_object_get(def, "initially_deferred")))
		buf_puts(b, " INITIALLY DEFERRED");
}

/* A column definition of create_table / add_column (without NOT NULL: caller decides). */
static int column_def(planner *p, strata_buf *b, const json_t *col, int with_default,
		      int with_constraints)
{
	const json_t *gen = json_object_get(col, "generated");
	const json_t *chk = json_object_get(col, "check");
	const json_t *ref = json_object_get(col, "references");
	const char *def = str(col, "default");
	int rc;

	sqlf(b, "%I %s", str(col, "name"), str(col, "type"));
	if (gen && str(gen, "expression")) {
		sqlf(b, " GENERATED ALWAYS AS (%s) STORED", str(gen, "expression"));
	} else if (gen && json_object_get(gen, "identity")) {
		const json_t *id = json_object_get(gen, "identity");
		const char *usv = str(id, "user_specified_values");

		if (usv && strcasecmp(usv, "ALWAYS") != 0 && strcasecmp(usv, "BY DEFAULT") != 0)
			return opfail(p, STRATA_EINVALID, "user_specified_values \"%s\" is not "
				      "ALWAYS or BY DEFAULT", usv);
		sqlf(b, " GENERATED %s AS IDENTITY", usv ? usv : "BY DEFAULT");
		if (str(id, "sequence_options") && *str(id, "sequence_options"))
			sqlf(b, " (%s)", str(id, "sequence_options"));
	}
	if (with_default && def)
		sqlf(b, " DEFAULT %s", def);
	if (!with_constraints)
		return 0;
	if (json_is_true(json_object_get(col, "unique")))
		buf_puts(b, " UNIQUE");
	if (chk) {
		sqlf(b, " CONSTRAINT %I CHECK (%s)", str(chk, "name"), str(chk, "constraint"));
		if (json_is_true(json_object_get(chk, "no_inherit")))
			buf_puts(b, " NO INHERIT");
	}
	if (ref) {
		sqlf(b, " CONSTRAINT %I REFERENCES %Q (%I)", str(ref, "name"), schema_of(p),
		     ref_table_phys(p, str(ref, "table")), str(ref, "column"));
		if ((rc = fk_tail(p, b, ref)) < 0)
			return rc;
	}
	return 0;
}

/* A table constraint: CONSTRAINT name ... (for CREATE TABLE or ADD). */
static int constraint_def(planner *p, strata_buf *b, const json_t *def, online_table *t)
{
	const char *type = str(def, "type");
	const json_t *cols = json_object_get(def, "columns");
	int rc;

	sqlf(b, "CONSTRAINT %I ", str(def, "name"));
	if (strcasecmp(type, "check") == 0) {
		sqlf(b, "CHECK (%s)", str(def, "check"));
		if (json_is_true(json_object_get(def, "no_inherit")))
			buf_puts(b, " NO INHERIT");
	} else if (strcasecmp(type, "unique") == 0 || strcasecmp(type, "primary_key") == 0) {
		buf_puts(b, strcasecmp(type, "unique") == 0 ? "UNIQUE " : "PRIMARY KEY ");
		if (strcasecmp(type, "unique") == 0 &&
		    json_is_true(json_object_get(def, "nulls_not_distinct")))
			buf_puts(b, "NULLS NOT DISTINCT ");
		name_list(b, cols, t);
		index_params(b, json_object_get(def, "index_parameters"), 1);
		deferral(b, def);
	} else if (strcasecmp(type, "foreign_key") == 0) {
		const json_t *ref = json_object_get(def, "references");

		buf_puts(b, "FOREIGN KEY ");
		name_list(b, cols, t);
		sqlf(b, " REFERENCES %Q ", schema_of(p), ref_table_phys(p, str(ref, "table")));
		name_list(b, json_object_get(ref, "columns"), NULL);
		if ((rc = fk_tail(p, b, ref)) < 0)
			return rc;
		deferral(b, def);
	} else {
		const json_t *ex = json_object_get(def, "exclude");
		const char *method = str(ex, "index_method");

		sqlf(b, "EXCLUDE USING %s (%s)", method && *method ? method : "gist",
		     str(ex, "elements"));
		index_params(b, json_object_get(def, "index_parameters"), 1);
		if (str(ex, "predicate") && *str(ex, "predicate"))
			sqlf(b, " WHERE (%s)", str(ex, "predicate"));
		deferral(b, def);
	}
	return 0;
}

/* "<prefix><name>", or an error when it would pass PostgreSQL's 63 bytes. */
static int prefixed(planner *p, char *out, size_t size, const char *prefix, const char *name)
{
	if (strlen(prefix) + strlen(name) > MAX_IDENT || strlen(prefix) + strlen(name) >= size)
		return opfail(p, STRATA_EINVALID, "the name \"%s\" is too long for an online change: "
			      "strata needs %zu bytes for \"%s%s\" and PostgreSQL allows %d",
			      name, strlen(prefix) + strlen(name), prefix, name, MAX_IDENT);
	memcpy(out, prefix, strlen(prefix));
	memcpy(out + strlen(prefix), name, strlen(name) + 1);
	return 0;
}

/* ---- duplicating a column (alter_column, create_constraint) ------------ */

/*
 * Run the statement in sql (a constraint naming columns by their
 * new-version names) with the new physical columns of t renamed, for the
 * moment, to those names: PostgreSQL then stores the constraint against
 * the new columns.
 */
static int rename_column(planner *p, online_table *t, const char *from, const char *to)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	sqlf(&b, "ALTER TABLE %Q RENAME COLUMN %I TO %I", schema_of(p), t->phys, from, to);
	rc = run(p, &b);
	buf_release(&b);
	return rc;
}

static int with_new_names(planner *p, online_table *t, strata_buf *sql)
{
	char swap[48];
	size_t i, done = 0;
	int rc;

	if ((rc = buf_check(sql)) < 0)
		return rc;
	/* Out of the way: the old columns that carry the names (swap_<i>),
	 * then the new columns take them. */
	for (i = 0; i < t->ncols && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped || !is_dup(c) || strcmp(c->old_phys, c->name) != 0)
			continue;
		snprintf(swap, sizeof(swap), "_strata_swap_%zu", i);
		rc = rename_column(p, t, c->old_phys, swap);
	}
	for (i = 0; i < t->ncols && rc == 0; i++, done = i) {
		online_column *c = &t->cols[i];

		if (!c->dropped && is_dup(c))
			rc = rename_column(p, t, c->phys, c->name);
	}
	if (rc == 0)
		rc = run(p, sql);
	/* Back again (on failure the transaction is rolled back anyway). */
	for (i = 0; i < done && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (!c->dropped && is_dup(c))
			rc = rename_column(p, t, c->name, c->phys);
	}
	for (i = 0; i < t->ncols && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped || !is_dup(c) || strcmp(c->old_phys, c->name) != 0)
			continue;
		snprintf(swap, sizeof(swap), "_strata_swap_%zu", i);
		rc = rename_column(p, t, swap, c->old_phys);
	}
	return rc;
}

/* An index of the table, as INDEXES_SQL describes it. */
static int on_index(void *payload, int ncols, const char *const *v)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "name", v[0], "unique",
			      v[1], "constraint", v[2], "plain", v[3], "keys", v[4], "method", v[5],
			      "columns", v[6]);

	if (!o || json_array_append_new(arr, o) < 0)
		return STRATA_ERROR;
	return 0;
}

#define INDEXES_SQL                                                                    \
	"SELECT ic.relname, i.indisunique::text, "                                     \
	"(SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = i.indexrelid " \
	" AND c.conrelid = i.indrelid LIMIT 1), "                                      \
	"(i.indexprs IS NULL AND i.indpred IS NULL)::text, "                          \
	"(SELECT json_agg(pg_get_indexdef(i.indexrelid, k.n::int, false) ORDER BY k.n) " \
	" FROM generate_series(1, i.indnkeyatts) AS k(n))::text, am.amname, "         \
	"(SELECT json_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid " \
	" AND a.attnum = ANY (i.indkey))::text "                                       \
	"FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "                  \
	"JOIN pg_am am ON am.oid = ic.relam "                                          \
	"WHERE i.indrelid = format('%I.%I', $1::text, $2::text)::regclass "          \
	"AND NOT i.indisprimary ORDER BY ic.relname"

/* The length of name double-quoted (as %I writes it) at the start of s; 0 if not there. */
static size_t quoted_at(const char *s, const char *name)
{
	size_t i = 1;

	if (s[0] != '"')
		return 0;
	for (; *name; name++) {
		if (s[i] != *name || (*name == '"' && s[++i] != '"'))
			return 0;
		i++;
	}
	return s[i] == '"' ? i + 1 : 0;
}

/* The duplicated column whose old physical column is named by key text (or NULL). */
static online_column *dup_named(online_table *t, const char *key, size_t *rest)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];
		size_t n;

		if (!is_dup(c) || c->dropped)
			continue;
		/* pg_get_indexdef quotes only when needed: try both spellings. */
		n = strlen(c->old_phys);
		if (strncmp(key, c->old_phys, n) != 0 || (key[n] != '\0' && key[n] != ' '))
			n = quoted_at(key, c->old_phys);
		if (n && (key[n] == '\0' || key[n] == ' ')) {
			*rest = n;
			return c;
		}
	}
	return NULL;
}

/*
 * Rebuild, on the new columns, the indexes of t that cover a duplicated
 * column (built concurrently; renamed to their names at complete, after
 * the old columns and with them the old indexes are gone).
 */
static int copy_indexes(planner *p, online_table *t)
{
	const char *params[2] = { schema_of(p), t->phys };
	strata_buf sql = STRATA_BUF_INIT;
	json_t *found = json_array(), *ix;
	size_t i;
	int rc;

	if (!found)
		return oom();
	if ((rc = db_query(p->ctx->db, INDEXES_SQL, 2, params, on_index, found)) < 0)
		goto cleanup;
	json_array_foreach(found, i, ix) {
		const char *name = str(ix, "name"), *contype = str(ix, "constraint");
		json_t *keys = json_loads(str(ix, "keys") ? str(ix, "keys") : "[]", 0, NULL), *k;
		json_t *cols = json_loads(str(ix, "columns") ? str(ix, "columns") : "[]", 0, NULL);
		char tmp[MAX_IDENT + 2];
		int covers = 0;
		size_t j, rest;

		if (!keys || !cols) { /* the server gives JSON: only memory can fail */
			json_decref(keys);
			json_decref(cols);
			rc = oom();
			goto cleanup;
		}
		json_array_foreach(cols, j, k) {
			online_column *c = dup_named(t, json_string_value(k), &rest);

			covers |= c != NULL;
		}
		json_decref(cols);
		if (!covers) {
			json_decref(keys);
			continue;
		}
		if (strcmp(str(ix, "plain"), "true") != 0 || (contype && strcmp(contype, "u") != 0)) {
			warn(p, "index \"%s\" of \"%s\" has expressions or a predicate, or belongs to a "
			     "constraint that is not unique: it is not rebuilt on the new columns and "
			     "goes away at complete; recreate it with create_index", name, t->name);
			json_decref(keys);
			continue;
		}
		if ((rc = prefixed(p, tmp, sizeof(tmp), "_strata_", name)) < 0) {
			json_decref(keys);
			goto cleanup;
		}
		sqlf(&sql, "CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %I ON %Q USING %s (",
		     strcmp(str(ix, "unique"), "true") == 0 ? "UNIQUE " : "", tmp, schema_of(p),
		     t->phys, str(ix, "method"));
		json_array_foreach(keys, j, k) {
			const char *key = json_string_value(k);
			online_column *c = dup_named(t, key, &rest);

			buf_puts(&sql, j ? ", " : "");
			if (c)
				sqlf(&sql, "%I%s", c->phys, key + rest);
			else
				buf_puts(&sql, key);
		}
		buf_putc(&sql, ')');
		json_decref(keys);
		if ((rc = push_concurrent(p, tmp, &sql)) < 0)
			goto cleanup;
		if (contype)
			sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I",
			     schema_of(p), t->phys, name, tmp);
		else
			sqlf(&sql, "ALTER INDEX %Q RENAME TO %I", schema_of(p), tmp, name);
		if ((rc = push(p->late, &sql)) < 0)
			goto cleanup;
	}
cleanup:
	json_decref(found);
	buf_release(&sql);
	return rc;
}

static int on_constraint(void *payload, int ncols, const char *const *v)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:s?, s:s?, s:s?}", "name", v[0], "def", v[1], "columns", v[2]);

	if (!o || json_array_append_new(arr, o) < 0)
		return STRATA_ERROR;
	return 0;
}

#define CONSTRAINTS_SQL                                                                \
	"SELECT c.conname, pg_get_constraintdef(c.oid), "                              \
	"(SELECT json_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = c.conrelid " \
	" AND a.attnum = ANY (c.conkey))::text FROM pg_constraint c "                 \
	"WHERE c.conrelid = format('%I.%I', $1::text, $2::text)::regclass "          \
	"AND c.contype IN ('c', 'f') AND c.conname NOT LIKE '\\_strata\\_%' ORDER BY c.conname"

/*
 * Carry the check and foreign-key constraints of the duplicated columns
 * over to the new ones: added NOT VALID under a _strata_ name now,
 * validated and given their names at complete.
 */
static int copy_constraints(planner *p, online_table *t)
{
	const char *params[2] = { schema_of(p), t->phys };
	strata_buf sql = STRATA_BUF_INIT;
	json_t *found = json_array(), *con;
	size_t i;
	int rc;

	if (!found)
		return oom();
	if ((rc = db_query(p->ctx->db, CONSTRAINTS_SQL, 2, params, on_constraint, found)) < 0)
		goto cleanup;
	json_array_foreach(found, i, con) {
		json_t *cols = json_loads(str(con, "columns") ? str(con, "columns") : "[]", 0, NULL), *k;
		const char *name = str(con, "name");
		char tmp[MAX_IDENT + 2];
		int covers = 0;
		size_t j, rest;

		if (!cols) {
			rc = oom();
			goto cleanup;
		}
		json_array_foreach(cols, j, k)
			covers |= dup_named(t, json_string_value(k), &rest) != NULL;
		json_decref(cols);
		if (!covers)
			continue;
		if ((rc = prefixed(p, tmp, sizeof(tmp), "_strata_", name)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I %s NOT VALID", schema_of(p), t->phys, tmp,
		     str(con, "def"));
		if ((rc = with_new_names(p, t, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys, tmp);
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q RENAME CONSTRAINT %I TO %I", schema_of(p), t->phys, tmp, name);
		if ((rc = push(p->late, &sql)) < 0)
			goto cleanup;
	}
cleanup:
	json_decref(found);
	buf_release(&sql);
	return rc;
}

/*
 * Duplicate column c of t: a new physical column _strata_new_<name> of type
 * (NULL = unchanged), its default copied, NOT NULL (when notnull) as a NOT
 * VALID check made good at complete, its indexes rebuilt; triggers map
 * old -> new with up and new -> old with down; the backfill fills it.
 */
static int duplicate(planner *p, online_table *t, online_column *c, const char *type,
		     int notnull, const char *up, const char *down, const json_t *default_v,
		     int default_given)
{
	char newname[MAX_IDENT + 2], nn[MAX_IDENT + 2];
	strata_buf sql = STRATA_BUF_INIT;
	char *old_default = NULL;
	size_t k;
	int rc;

	if (is_added(c) || is_dup(c))
		return opfail(p, STRATA_EINVALID, "column \"%s\" is already changed by an earlier "
			      "operation of this migration; change it once per migration", c->name);
	for (k = 0; k < t->nkey; k++)
		if (strcmp(t->key[k], c->phys) == 0)
			return opfail(p, STRATA_EINVALID, "column \"%s\" is part of the primary key of "
				      "\"%s\": strata cannot change a key column online (the backfill "
				      "walks the key)", c->name, t->name);
	if ((rc = prefixed(p, newname, sizeof(newname), ONLINE_NEW_PREFIX, c->name)) < 0 ||
	    (rc = prefixed(p, nn, sizeof(nn), "_strata_nn_", c->name)) < 0)
		return rc;
	if (!type)
		type = c->type;
	sqlf(&sql, "ALTER TABLE %Q ADD COLUMN %I %s", schema_of(p), t->phys, newname, type);
	if ((rc = run(p, &sql)) < 0)
		goto cleanup;
	if (default_given) {
		if (json_is_string(default_v))
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", schema_of(p), t->phys,
			     newname, json_string_value(default_v));
	} else {
		if ((rc = column_default(p, t, c->phys, &old_default)) < 0)
			goto cleanup;
		if (old_default && strcmp(type, c->type) == 0)
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", schema_of(p),
			     t->phys, newname, old_default);
		else if (old_default)
			warn(p, "the default of \"%s\" (%s) is not carried over to its new type %s; "
			     "give \"default\" to set one", c->name, old_default, type);
	}
	if ((sql.len || buf_oom(&sql)) && (rc = run(p, &sql)) < 0)
		goto cleanup;
	if (notnull) {
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID",
		     schema_of(p), t->phys, nn, newname);
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys, nn);
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET NOT NULL", schema_of(p), t->phys,
		     newname);
		if ((rc = push(p->stage1, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", schema_of(p), t->phys, nn);
		if ((rc = push(p->stage1, &sql)) < 0)
			goto cleanup;
	}
	{
		/* type may be c->type itself: copy before freeing. */
		char *t_new = strata_strdup(type);

		strata_free(c->phys);
		strata_free(c->type);
		c->phys = strata_strdup(newname);
		c->type = t_new;
	}
	c->up = up ? strata_strdup(up) : sql_ident(c->old_phys);
	c->down = down ? strata_strdup(down) : sql_ident(c->name);
	c->notnull = notnull;
	if (!c->phys || !c->type || !c->up || !c->down) {
		rc = oom();
		goto cleanup;
	}
	t->touched = 1;
cleanup:
	strata_free(old_default);
	buf_release(&sql);
	return rc;
}

/* ---- operations ---------------------------------------------------------- */

static int op_create_table(planner *p, const json_t *body)
{
	const char *name = str(body, "name");
	const json_t *cols = json_object_get(body, "columns"), *col, *def;
	strata_buf sql = STRATA_BUF_INIT, pk = STRATA_BUF_INIT;
	online_table *t;
	size_t i;
	int rc = 0;

	if (model_table(&p->ctx->model, name))
		return opfail(p, STRATA_EINVALID, "table \"%s\" already exists", name);
	sqlf(&sql, "CREATE TABLE %Q (", schema_of(p), name);
	json_array_foreach(cols, i, col) {
		buf_puts(&sql, i ? ", " : "");
		if ((rc = column_def(p, &sql, col, 1, 1)) < 0)
			goto cleanup;
		if (!json_is_true(json_object_get(col, "nullable")) &&
		    !json_is_true(json_object_get(col, "pk")))
			buf_puts(&sql, " NOT NULL");
		if (json_is_true(json_object_get(col, "pk")))
			sqlf(&pk, "%s%I", pk.len ? ", " : "", str(col, "name"));
	}
	if ((rc = buf_check(&pk)) < 0)
		goto cleanup;
	if (pk.len)
		sqlf(&sql, ", PRIMARY KEY (%s)", buf_cstr(&pk));
	json_array_foreach(json_object_get(body, "constraints"), i, def) {
		buf_puts(&sql, ", ");
		if ((rc = constraint_def(p, &sql, def, NULL)) < 0)
			goto cleanup;
	}
	buf_putc(&sql, ')');
	if ((rc = run(p, &sql)) < 0)
		goto cleanup;
	if (json_is_string(json_object_get(body, "comment"))) {
		sqlf(&sql, "COMMENT ON TABLE %Q IS %L", schema_of(p), name, str(body, "comment"));
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
	}
	json_array_foreach(cols, i, col) {
		if (!json_is_string(json_object_get(col, "comment")))
			continue;
		sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", schema_of(p), name, str(col, "name"),
		     str(col, "comment"));
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
	}
	if ((rc = model_refresh(&p->ctx->model, p->ctx->db)) < 0)
		goto cleanup;
	if ((t = model_table(&p->ctx->model, name)) != NULL) {
		t->created = 1;
		for (i = 0; i < t->ncols; i++) {
			strata_free(t->cols[i].old_phys);
			t->cols[i].old_phys = NULL;
		}
	}
cleanup:
	buf_release(&sql);
	buf_release(&pk);
	return rc;
}

static int op_drop_table(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "name"));

	if (!t)
		return STRATA_EINVALID;
	if (t->created)
		return opfail(p, STRATA_EINVALID, "table \"%s\" is created by this same migration",
			      t->name);
	t->dropped = 1;
	return 0;
}

static int op_rename_table(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "from"));
	char *to;

	if (!t)
		return STRATA_EINVALID;
	if (model_table(&p->ctx->model, str(body, "to")))
		return opfail(p, STRATA_EINVALID, "table \"%s\" already exists", str(body, "to"));
	if (!(to = strata_strdup(str(body, "to"))))
		return oom();
	strata_free(t->name);
	t->name = to;
	return 0;
}

static int op_add_column(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	const json_t *col = json_object_get(body, "column");
	const char *name = str(col, "name"), *type = str(col, "type"), *def = str(col, "default");
	const char *up = str(body, "up");
	const json_t *chk = json_object_get(col, "check"), *ref = json_object_get(col, "references");
	int nullable = json_is_true(json_object_get(col, "nullable"));
	strata_buf sql = STRATA_BUF_INIT;
	online_column *c;
	int rc, vol = 0, fill;
	char nn[MAX_IDENT + 2];
	size_t i;

	if (!t)
		return STRATA_EINVALID;
	if (model_column(t, name))
		return opfail(p, STRATA_EINVALID, "column \"%s\" already exists in \"%s\"", name,
			      t->name);
	for (i = 0; i < t->ncols; i++)
		if ((t->cols[i].old_phys && strcmp(t->cols[i].old_phys, name) == 0) ||
		    strcmp(t->cols[i].phys, name) == 0)
			return opfail(p, STRATA_EINVALID, "column \"%s\" of \"%s\" is dropped or "
				      "renamed by this same migration; add it in the next one", name,
				      t->name);
	if (json_is_true(json_object_get(col, "pk")))
		return opfail(p, STRATA_EINVALID, "adding a primary-key column online is not "
			      "supported; add the column, then create_constraint of type primary_key");
	if (def && !up && (rc = expression_volatile(p, def, type, &vol)) < 0)
		return rc;
	/* Rows already there get their value from up (or a volatile default) in
	 * batches; otherwise from a non-volatile default, which PostgreSQL
	 * stores once without rewriting the table. */
	fill = up || (def && vol);
	sqlf(&sql, "ALTER TABLE %Q ADD COLUMN ", schema_of(p), t->phys);
	if ((rc = column_def(p, &sql, col, !fill, 0)) < 0)
		goto cleanup;
	if (!nullable && !fill)
		buf_puts(&sql, " NOT NULL");
	if ((rc = run(p, &sql)) < 0) {
		if (!nullable && !fill && !def)
			strata_error_hint("a NOT NULL column needs \"up\" (to fill the rows already "
					  "there) or a \"default\", or \"nullable\": true");
		goto cleanup;
	}
	if (fill && def) {
		sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", schema_of(p), t->phys, name,
		     def);
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
	}
	if (!nullable && fill) {
		if ((rc = prefixed(p, nn, sizeof(nn), "_strata_nn_", name)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID",
		     schema_of(p), t->phys, nn, name);
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys, nn);
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET NOT NULL", schema_of(p), t->phys, name);
		if ((rc = push(p->stage1, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", schema_of(p), t->phys, nn);
		if ((rc = push(p->stage1, &sql)) < 0)
			goto cleanup;
	}
	if (chk) {
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%s)%s NOT VALID", schema_of(p),
		     t->phys, str(chk, "name"), str(chk, "constraint"),
		     json_is_true(json_object_get(chk, "no_inherit")) ? " NO INHERIT" : "");
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys,
		     str(chk, "name"));
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
	}
	if (ref) {
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %Q (%I)",
		     schema_of(p), t->phys, str(ref, "name"), name, schema_of(p),
		     ref_table_phys(p, str(ref, "table")), str(ref, "column"));
		if ((rc = fk_tail(p, &sql, ref)) < 0)
			goto cleanup;
		buf_puts(&sql, " NOT VALID");
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys,
		     str(ref, "name"));
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
	}
	if (json_is_true(json_object_get(col, "unique"))) {
		char uname[MAX_IDENT * 3];

		snprintf(uname, sizeof(uname), "%s_%s_key", t->name, name);
		uname[MAX_IDENT] = '\0';
		sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q (%I)", uname,
		     schema_of(p), t->phys, name);
		if ((rc = push_concurrent(p, uname, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I", schema_of(p),
		     t->phys, uname, uname);
		if ((rc = push(p->stage1, &sql)) < 0)
			goto cleanup;
	}
	if (json_is_string(json_object_get(col, "comment"))) {
		sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", schema_of(p), t->phys, name,
		     str(col, "comment"));
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
	}
	if (!(c = model_add_column(t, name, name, NULL, type))) {
		rc = oom();
		goto cleanup;
	}
	c->notnull = !nullable;
	if (fill) {
		if (!(c->up = strata_strdup(up ? up : def))) {
			rc = oom();
			goto cleanup;
		}
		t->touched = 1;
	}
cleanup:
	buf_release(&sql);
	return rc;
}

static int op_drop_column(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	online_column *c = t ? need_column(p, t, str(body, "column")) : NULL;

	if (!c)
		return STRATA_EINVALID;
	if (is_added(c))
		return opfail(p, STRATA_EINVALID, "column \"%s\" is added by this same migration",
			      c->name);
	c->dropped = 1;
	if (str(body, "down")) {
		if (!(c->down = strata_strdup(str(body, "down"))))
			return oom();
		t->touched = 1;
	}
	return 0;
}

static int op_rename_column(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	online_column *c = t ? need_column(p, t, str(body, "from")) : NULL;
	char *to;

	if (!c)
		return STRATA_EINVALID;
	if (model_column(t, str(body, "to")))
		return opfail(p, STRATA_EINVALID, "column \"%s\" already exists in \"%s\"",
			      str(body, "to"), t->name);
	if (!(to = strata_strdup(str(body, "to"))))
		return oom();
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
		if ((rc = column_default(p, t, c->phys, &old)) < 0)
			goto cleanup;
		if (json_is_string(v))
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", schema_of(p), t->phys,
			     c->phys, json_string_value(v));
		else
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I DROP DEFAULT", schema_of(p), t->phys,
			     c->phys);
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		if (old)
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", schema_of(p), t->phys,
			     c->phys, old);
		else
			sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I DROP DEFAULT", schema_of(p), t->phys,
			     c->phys);
		if ((rc = push(p->rollback, &sql)) < 0)
			goto cleanup;
		strata_free(old);
		old = NULL;
	}
	if ((v = json_object_get(body, "comment")) != NULL) {
		if ((rc = column_comment(p, t, c->phys, &old)) < 0)
			goto cleanup;
		sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS ", schema_of(p), t->phys, c->phys);
		sqlf(&sql, json_is_string(v) ? "%L" : "NULL", json_string_value(v));
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS ", schema_of(p), t->phys, c->phys);
		sqlf(&sql, old ? "%L" : "NULL", old);
		if ((rc = push(p->rollback, &sql)) < 0)
			goto cleanup;
	}
cleanup:
	strata_free(old);
	buf_release(&sql);
	return rc;
}

static int op_alter_column(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	online_column *c = t ? need_column(p, t, str(body, "column")) : NULL;
	const json_t *chk = json_object_get(body, "check"), *ref = json_object_get(body, "references");
	const json_t *uniq = json_object_get(body, "unique"), *nullable = json_object_get(body, "nullable");
	strata_buf sql = STRATA_BUF_INIT;
	int rc = 0, notnull;

	if (!c)
		return STRATA_EINVALID;
	if (str(body, "name")) {
		json_t *ren = json_pack("{s:s, s:s, s:s}", "table", t->name, "from", c->name, "to",
					str(body, "name"));

		rc = ren ? op_rename_column(p, ren) : oom();
		json_decref(ren);
		if (rc < 0)
			return rc;
	}
	if (!str(body, "type") && !nullable && !chk && !ref && !uniq)
		return alter_in_place(p, t, c, body);
	notnull = nullable ? !json_is_true(nullable) : c->notnull;
	if ((rc = duplicate(p, t, c, str(body, "type"), notnull, str(body, "up"), str(body, "down"),
			    json_object_get(body, "default"),
			    json_object_get(body, "default") != NULL)) < 0)
		goto cleanup;
	{
		/* The new column takes the given comment, else the old one's. */
		const json_t *cm = json_object_get(body, "comment");
		char *old = NULL;

		if (!cm && (rc = column_comment(p, t, c->old_phys, &old)) < 0)
			goto cleanup;
		if (json_is_string(cm) || old) {
			sqlf(&sql, "COMMENT ON COLUMN %Q.%I IS %L", schema_of(p), t->phys, c->phys,
			     old ? old : json_string_value(cm));
			rc = run(p, &sql);
		}
		strata_free(old);
		if (rc < 0)
			goto cleanup;
	}
	if (chk) {
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%s)%s NOT VALID", schema_of(p),
		     t->phys, str(chk, "name"), str(chk, "constraint"),
		     json_is_true(json_object_get(chk, "no_inherit")) ? " NO INHERIT" : "");
		if ((rc = with_new_names(p, t, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys,
		     str(chk, "name"));
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
	}
	if (ref) {
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %Q (%I)",
		     schema_of(p), t->phys, str(ref, "name"), c->phys, schema_of(p),
		     ref_table_phys(p, str(ref, "table")), str(ref, "column"));
		if ((rc = fk_tail(p, &sql, ref)) < 0)
			goto cleanup;
		buf_puts(&sql, " NOT VALID");
		if ((rc = run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys,
		     str(ref, "name"));
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
	}
	if (uniq) {
		const char *uname = str(uniq, "name");

		sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q (%I)", uname,
		     schema_of(p), t->phys, c->phys);
		if ((rc = push_concurrent(p, uname, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I", schema_of(p),
		     t->phys, uname, uname);
		if ((rc = push(p->late, &sql)) < 0)
			goto cleanup;
	}
cleanup:
	buf_release(&sql);
	return rc;
}

static int op_create_index(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	const json_t *cols = json_object_get(body, "columns"), *item;
	const char *name = str(body, "name"), *key;
	strata_buf sql = STRATA_BUF_INIT;
	size_t i, n = 0;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	sqlf(&sql, "CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %I ON %Q USING %s (",
	     json_is_true(json_object_get(body, "unique")) ? "UNIQUE " : "", name, schema_of(p),
	     t->phys, str(body, "method") ? str(body, "method") : "btree");
	/* Either [{"column": c, ...}] or the older {"c": {...}}. */
	if (json_is_array(cols)) {
		json_array_foreach(cols, i, item) {
			online_column *c = model_column(t, str(item, "column"));
			const json_t *oc = json_object_get(item, "opclass");

			if (!c) {
				rc = need_column(p, t, str(item, "column")) ? 0 : STRATA_EINVALID;
				goto cleanup;
			}
			sqlf(&sql, "%s%I", n++ ? ", " : "", c->phys);
			if (str(item, "collate"))
				sqlf(&sql, " COLLATE %I", str(item, "collate"));
			if (oc) {
				buf_putc(&sql, ' ');
				if ((rc = db_quote_qualified(&sql, str(oc, "name"))) == STRATA_EINVALID)
					goto cleanup; /* a name with an empty part; out of memory: below */
				if (json_array_size(json_object_get(oc, "params"))) {
					const json_t *pv;
					size_t j;

					buf_puts(&sql, " (");
					json_array_foreach(json_object_get(oc, "params"), j, pv)
						sqlf(&sql, "%s%s", j ? ", " : "", json_string_value(pv));
					buf_putc(&sql, ')');
				}
			}
			if (str(item, "sort"))
				sqlf(&sql, " %s", strcasecmp(str(item, "sort"), "DESC") == 0 ? "DESC" : "ASC");
			if (str(item, "nulls"))
				sqlf(&sql, " NULLS %s",
				     strcasecmp(str(item, "nulls"), "FIRST") == 0 ? "FIRST" : "LAST");
		}
	} else {
		json_object_foreach((json_t *)cols, key, item) {
			online_column *c = model_column(t, key);

			if (!c) {
				rc = need_column(p, t, key) ? 0 : STRATA_EINVALID;
				goto cleanup;
			}
			sqlf(&sql, "%s%I", n++ ? ", " : "", c->phys);
		}
	}
	buf_putc(&sql, ')');
	if (str(body, "storage_parameters") && *str(body, "storage_parameters"))
		sqlf(&sql, " WITH (%s)", str(body, "storage_parameters"));
	if (str(body, "predicate") && *str(body, "predicate"))
		sqlf(&sql, " WHERE (%s)", str(body, "predicate"));
	if ((rc = push_concurrent(p, name, &sql)) < 0)
		goto cleanup;
	sqlf(&sql, "DROP INDEX IF EXISTS %Q", schema_of(p), name);
	rc = push(p->rollback, &sql);
cleanup:
	buf_release(&sql);
	return rc;
}

static int op_drop_index(planner *p, const json_t *body)
{
	const char *params[2] = { schema_of(p), str(body, "name") };
	strata_buf sql = STRATA_BUF_INIT;
	char *v = NULL;
	int found = 0, rc;

	if ((rc = query_one(p->ctx->db, &v, &found,
			    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('i', 'I')",
			    2, params)) < 0)
		return rc;
	strata_free(v);
	if (!found)
		return opfail(p, STRATA_EINVALID, "index \"%s\" does not exist in schema \"%s\"",
			      str(body, "name"), schema_of(p));
	sqlf(&sql, "DROP INDEX %Q", schema_of(p), str(body, "name"));
	rc = push(p->stage1, &sql);
	buf_release(&sql);
	return rc;
}

static int expr_is_column(const char *expr, const char *col)
{
	size_t n;

	while (*expr == ' ')
		expr++;
	if (strcmp(expr, col) == 0)
		return 1;
	n = quoted_at(expr, col);
	return n && expr[n] == '\0';
}

static int op_create_constraint(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	const char *type = str(body, "type"), *name = str(body, "name");
	const json_t *cols = json_object_get(body, "columns"), *up = json_object_get(body, "up");
	const json_t *down = json_object_get(body, "down"), *cv;
	strata_buf sql = STRATA_BUF_INIT;
	int rc = 0, dup = 0;
	size_t i;

	if (!t)
		return STRATA_EINVALID;
	json_array_foreach(cols, i, cv) {
		const char *cn = json_string_value(cv);

		if (!need_column(p, t, cn))
			return STRATA_EINVALID;
		if ((str(up, cn) && !expr_is_column(str(up, cn), cn)) ||
		    (str(down, cn) && !expr_is_column(str(down, cn), cn)))
			dup = 1;
	}
	if (dup && (strcmp(type, "primary_key") == 0 || strcmp(type, "exclude") == 0))
		return opfail(p, STRATA_EINVALID, "a %s constraint whose up/down change the data is "
			      "not supported online; fix the data first, then add the constraint with "
			      "identity up/down", type);
	if (dup) {
		json_array_foreach(cols, i, cv) {
			online_column *c = model_column(t, json_string_value(cv));

			if ((rc = duplicate(p, t, c, NULL, c->notnull, str(up, c->name),
					    str(down, c->name), NULL, 0)) < 0)
				return rc;
		}
	}
	if (strcmp(type, "check") == 0 || strcmp(type, "foreign_key") == 0) {
		sqlf(&sql, "ALTER TABLE %Q ADD ", schema_of(p), t->phys);
		if ((rc = constraint_def(p, &sql, body, dup ? NULL : t)) < 0)
			goto cleanup;
		buf_puts(&sql, " NOT VALID");
		if ((rc = dup ? with_new_names(p, t, &sql) : run(p, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", schema_of(p), t->phys, name);
		if ((rc = push(p->validate, &sql)) < 0)
			goto cleanup;
	} else if (strcmp(type, "unique") == 0 || strcmp(type, "primary_key") == 0) {
		const json_t *ip = json_object_get(body, "index_parameters");

		sqlf(&sql, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %Q ", name,
		     schema_of(p), t->phys);
		name_list(&sql, cols, t);
		if (ip && json_array_size(json_object_get(ip, "include_columns"))) {
			buf_puts(&sql, " INCLUDE ");
			name_list(&sql, json_object_get(ip, "include_columns"), t);
		}
		if (json_is_true(json_object_get(body, "nulls_not_distinct")))
			buf_puts(&sql, " NULLS NOT DISTINCT");
		if (ip && str(ip, "storage_parameters") && *str(ip, "storage_parameters"))
			sqlf(&sql, " WITH (%s)", str(ip, "storage_parameters"));
		if ((rc = push_concurrent(p, name, &sql)) < 0)
			goto cleanup;
		sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I %s USING INDEX %I", schema_of(p), t->phys,
		     name, strcmp(type, "unique") == 0 ? "UNIQUE" : "PRIMARY KEY", name);
		deferral(&sql, body);
		if ((rc = push(dup ? p->late : p->stage1, &sql)) < 0)
			goto cleanup;
		if (!dup) {
			sqlf(&sql, "DROP INDEX IF EXISTS %Q", schema_of(p), name);
			if ((rc = push(p->rollback, &sql)) < 0)
				goto cleanup;
		}
	} else {
		warn(p, "an exclusion constraint cannot be added without building its index under "
		     "a lock: it is added now, while the table is locked");
		sqlf(&sql, "ALTER TABLE %Q ADD ", schema_of(p), t->phys);
		if ((rc = constraint_def(p, &sql, body, t)) < 0 || (rc = run(p, &sql)) < 0)
			goto cleanup;
	}
	if (!dup) {
		sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT IF EXISTS %I", schema_of(p), t->phys, name);
		rc = push(p->rollback, &sql);
	}
cleanup:
	buf_release(&sql);
	return rc;
}

static int op_drop_constraint(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	if ((rc = need_constraint(p, t, str(body, "name"))) < 0)
		return rc;
	sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", schema_of(p), t->phys, str(body, "name"));
	rc = push(p->stage1, &sql);
	buf_release(&sql);
	return rc;
}

static int op_rename_constraint(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	if ((rc = need_constraint(p, t, str(body, "from"))) < 0)
		return rc;
	sqlf(&sql, "ALTER TABLE %Q RENAME CONSTRAINT %I TO %I", schema_of(p), t->phys,
	     str(body, "from"), str(body, "to"));
	rc = push(p->stage1, &sql);
	buf_release(&sql);
	return rc;
}

static int op_set_replica_identity(planner *p, const json_t *body)
{
	online_table *t = need_table(p, str(body, "table"));
	const json_t *id = json_object_get(body, "identity");
	const char *type = str(id, "type");
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (!t)
		return STRATA_EINVALID;
	sqlf(&sql, "ALTER TABLE %Q REPLICA IDENTITY ", schema_of(p), t->phys);
	if (strcasecmp(type, "index") == 0)
		sqlf(&sql, "USING INDEX %I", str(id, "index"));
	else
		sqlf(&sql, "%s", strcasecmp(type, "full") == 0 ? "FULL" :
		     strcasecmp(type, "nothing") == 0 ? "NOTHING" : "DEFAULT");
	rc = push(p->stage1, &sql);
	buf_release(&sql);
	return rc;
}

static int op_sql(planner *p, const json_t *body)
{
	json_t *s;
	int rc;

	if (json_is_true(json_object_get(body, "onComplete"))) {
		s = json_string(str(body, "up"));
		return s && json_array_append_new(p->late_sql, s) == 0 ? 0 : oom();
	}
	if ((rc = run_script(p, str(body, "up"))) < 0)
		return rc;
	if (str(body, "down")) {
		s = json_string(str(body, "down"));
		if (!s || json_array_append_new(p->rollback, s) < 0)
			return oom();
	} else {
		warn(p, "raw sql without \"down\": rollback cannot undo it");
	}
	return model_refresh(&p->ctx->model, p->ctx->db);
}

static const struct {
	const char *kind;
	int (*plan)(planner *p, const json_t *body);
} planners[] = {
	{ "create_table", op_create_table },
	{ "drop_table", op_drop_table },
	{ "rename_table", op_rename_table },
	{ "add_column", op_add_column },
	{ "drop_column", op_drop_column },
	{ "rename_column", op_rename_column },
	{ "alter_column", op_alter_column },
	{ "create_index", op_create_index },
	{ "drop_index", op_drop_index },
	{ "create_constraint", op_create_constraint },
	{ "drop_constraint", op_drop_constraint },
	{ "drop_multicolumn_constraint", op_drop_constraint },
	{ "rename_constraint", op_rename_constraint },
	{ "set_replica_identity", op_set_replica_identity },
	{ "sql", op_sql },
};

/* ---- triggers, backfill, views ---------------------------------------- */

static int has_tag(const char *s)
{
	return s && strstr(s, DOLLAR_TAG) != NULL;
}

/* The sync function and trigger of one table (see online_int.h). */
static int make_trigger(planner *p, online_table *t)
{
	strata_buf sql = STRATA_BUF_INIT, fn = STRATA_BUF_INIT;
	char fname[64];
	size_t i;
	int rc = 0;

	snprintf(fname, sizeof(fname), "sync_%u", t->oid);
	if ((rc = sqlf(&fn, "%Q", ONLINE_SCHEMA, fname)) < 0)
		goto cleanup;
	sqlf(&sql, "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS "
	     DOLLAR_TAG "\n#variable_conflict use_variable\nBEGIN\n"
	     "  IF (current_schemas(false))[1] IS NOT DISTINCT FROM %L THEN\n    DECLARE\n",
	     buf_cstr(&fn), p->ctx->version_schema);
	/* A write through the new version: its names hold the new values. */
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped)
			continue;
		sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->name, schema_of(p), t->phys, c->phys,
		     c->phys);
	}
	buf_puts(&sql, "    BEGIN\n      NULL;\n");
	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];

		if (c->down && (is_dup(c) || c->dropped) && c->old_phys) {
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
		sqlf(&sql, "      %I %Q.%I%%TYPE := NEW.%I;\n", c->old_phys, schema_of(p), t->phys,
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
	if ((rc = run(p, &sql)) < 0)
		goto cleanup;
	sqlf(&sql, "CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %Q FOR EACH ROW WHEN "
	     "(current_setting(%L, true) IS DISTINCT FROM 'on') EXECUTE FUNCTION %s()",
	     ONLINE_TRIGGER, schema_of(p), t->phys, ONLINE_BACKFILL_GUC, buf_cstr(&fn));
	if ((rc = run(p, &sql)) < 0)
		goto cleanup;
	if (json_array_append_new(p->functions, json_string(buf_cstr(&fn))) < 0)
		rc = oom();
	goto cleanup;
tag:
	rc = opfail(p, STRATA_EINVALID, "an up or down expression of table \"%s\" contains %s, "
		    "which strata uses to quote the trigger body", t->name, DOLLAR_TAG);
cleanup:
	buf_release(&sql);
	buf_release(&fn);
	return rc;
}

/* {"table": phys, "key": [...], "set": "a = (up), ..."} for a table with ups. */
static int backfill_entry(planner *p, online_table *t)
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
		goto cleanup;
	if (!t->nkey) {
		rc = opfail(p, STRATA_EINVALID, "table \"%s\" has no primary key: strata backfills in "
			    "batches by key and needs one", t->name);
		strata_error_hint("add a primary key first (create_constraint with type "
				  "primary_key), then run this migration");
		goto cleanup;
	}
	if (!(key = json_array())) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < t->nkey; i++) {
		if (json_array_append_new(key, json_string(t->key[i])) < 0) {
			json_decref(key);
			rc = oom();
			goto cleanup;
		}
	}
	entry = json_pack("{s:s, s:o, s:s}", "table", t->phys, "key", key, "set", buf_cstr(&set));
	if (!entry || json_array_append_new(json_object_get(p->ctx->plan, "backfill"), entry) < 0)
		rc = oom();
cleanup:
	buf_release(&set);
	return rc;
}

int plan_create_views(strata_db *db, online_model *model, const char *vs)
{
	strata_buf sql = STRATA_BUF_INIT;
	size_t i, j;
	int rc;

	if ((rc = sqlf(&sql, "CREATE SCHEMA IF NOT EXISTS %I", vs)) < 0 ||
	    (rc = db_exec(db, buf_cstr(&sql), 0, NULL)) < 0)
		goto cleanup;
	for (i = 0; i < model->ntables; i++) {
		online_table *t = &model->tables[i];
		size_t n = 0;

		if (t->dropped)
			continue;
		buf_clear(&sql);
		sqlf(&sql, "CREATE VIEW %Q AS SELECT ", vs, t->name);
		for (j = 0; j < t->ncols; j++) {
			online_column *c = &t->cols[j];

			if (c->dropped)
				continue;
			sqlf(&sql, "%s%I AS %I", n++ ? ", " : "", c->phys, c->name);
		}
		if (!n)
			continue;
		sqlf(&sql, " FROM %Q", model->schema, t->phys);
		if ((rc = buf_check(&sql)) < 0)
			goto cleanup;
		if ((rc = db_exec(db, buf_cstr(&sql), 0, NULL)) < 0) {
			strata_error_append(", creating the view %s.%s", vs, t->name);
			goto cleanup;
		}
	}
cleanup:
	buf_release(&sql);
	return rc;
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
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < p->ctx->model.ntables; i++) {
		online_table *t = &p->ctx->model.tables[i];

		if (t->created) {
			sqlf(&sql, "DROP TABLE IF EXISTS %Q", schema_of(p), t->phys);
			if ((rc = push(rb_tables, &sql)) < 0)
				goto cleanup;
			if (t->dropped)
				continue;
		}
		if (t->dropped) {
			sqlf(&sql, "DROP TABLE %Q", schema_of(p), t->phys);
			if ((rc = push(tables, &sql)) < 0)
				goto cleanup;
			continue;
		}
		for (j = 0; j < t->ncols; j++) {
			online_column *c = &t->cols[j];

			if (!t->created && (is_added(c) || is_dup(c))) {
				sqlf(&sql, "ALTER TABLE %Q DROP COLUMN IF EXISTS %I", schema_of(p), t->phys,
				     c->phys);
				if ((rc = push(rb_cols, &sql)) < 0)
					goto cleanup;
			}
			if (c->old_phys && (c->dropped || is_dup(c))) {
				sqlf(&sql, "ALTER TABLE %Q DROP COLUMN %I", schema_of(p), t->phys,
				     c->old_phys);
				if ((rc = push(drops, &sql)) < 0)
					goto cleanup;
			}
			if (c->dropped && is_dup(c)) {
				sqlf(&sql, "ALTER TABLE %Q DROP COLUMN %I", schema_of(p), t->phys, c->phys);
				if ((rc = push(drops, &sql)) < 0)
					goto cleanup;
			} else if (!c->dropped && strcmp(c->phys, c->name) != 0) {
				sqlf(&sql, "ALTER TABLE %Q RENAME COLUMN %I TO %I", schema_of(p), t->phys,
				     c->phys, c->name);
				if ((rc = push(renames, &sql)) < 0)
					goto cleanup;
			}
		}
		if (strcmp(t->name, t->phys) != 0) {
			sqlf(&sql, "ALTER TABLE %Q RENAME TO %I", schema_of(p), t->phys, t->name);
			if ((rc = push(tables, &sql)) < 0)
				goto cleanup;
		}
	}
	/* complete: per operation, drops, renames, index renames, tables, onComplete sql */
	if (json_array_extend(complete, p->stage1) < 0 || json_array_extend(complete, drops) < 0 ||
	    json_array_extend(complete, renames) < 0 || json_array_extend(complete, p->late) < 0 ||
	    json_array_extend(complete, tables) < 0 || json_array_extend(complete, p->late_sql) < 0) {
		rc = oom();
		goto cleanup;
	}
	/* rollback: per operation newest first, then the added columns and tables */
	for (i = json_array_size(p->rollback); i > 0; i--)
		if (json_array_append(rollback, json_array_get(p->rollback, i - 1)) < 0)
			rc = oom();
	for (i = json_array_size(rb_tables); i > 0; i--)
		json_array_append(rb_cols, json_array_get(rb_tables, i - 1));
	if (rc == 0 && json_array_extend(rollback, rb_cols) < 0)
		rc = oom();
cleanup:
	json_decref(drops);
	json_decref(renames);
	json_decref(tables);
	json_decref(rb_cols);
	json_decref(rb_tables);
	buf_release(&sql);
	return rc;
}

int plan_expand(online_plan_ctx *ctx)
{
	planner p;
	size_t i, k;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	ctx->plan = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[], s:[]}", "concurrent", "backfill",
			      "validate", "complete", "rollback", "functions", "warnings");
	if (!ctx->plan)
		return oom();
	p.concurrent = json_object_get(ctx->plan, "concurrent");
	p.validate = json_object_get(ctx->plan, "validate");
	p.functions = json_object_get(ctx->plan, "functions");
	p.warnings = json_object_get(ctx->plan, "warnings");
	p.stage1 = json_array();
	p.late = json_array();
	p.late_sql = json_array();
	p.rollback = json_array();
	if (!p.stage1 || !p.late || !p.late_sql || !p.rollback) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = model_load(&ctx->model, ctx->db, ctx->schema)) < 0)
		goto cleanup;
	for (i = 0; i < strata_online_op_count(ctx->m); i++) {
		json_t *body = NULL;

		p.op = i;
		p.kind = online_op_kind(ctx->m, i, &body);
		for (k = 0; k < sizeof(planners) / sizeof(planners[0]); k++)
			if (strcmp(planners[k].kind, p.kind) == 0)
				break;
		if (k == sizeof(planners) / sizeof(planners[0])) {
			rc = opfail(&p, STRATA_EINVALID, "unknown operation");
			goto cleanup;
		}
		if ((rc = planners[k].plan(&p, body)) < 0)
			goto cleanup;
	}
	p.kind = "triggers";
	for (i = 0; i < ctx->model.ntables; i++) {
		online_table *t = &ctx->model.tables[i];

		if (!t->touched || t->dropped)
			continue;
		if ((rc = copy_indexes(&p, t)) < 0 || (rc = copy_constraints(&p, t)) < 0 ||
		    (rc = make_trigger(&p, t)) < 0 ||
		    (rc = backfill_entry(&p, t)) < 0)
			goto cleanup;
	}
	if ((rc = plan_create_views(ctx->db, &ctx->model, ctx->version_schema)) < 0 ||
	    (rc = derive(&p)) < 0)
		goto cleanup;
	if (p.warn_failed)
		rc = oom();
cleanup:
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
