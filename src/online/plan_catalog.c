/*
 * online/plan_catalog.c - the small catalog reads the planner needs: one
 * value of a query, a column's default and comment, whether a constraint
 * exists, whether an expression is volatile.
 *
 * Layer: online, planner (plan_int.h). Reads only, in the caller's
 * transaction; every parameter is bound, never spliced.
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
int strata__plan_query_one(strata_db *db, char **out, int *found, const char *sql, int n,
		     const char *const *params)
{
	one_value o = { NULL, 0 };
	int rc = strata__db_query(db, sql, n, params, on_one, &o);

	if (rc < 0) {
		strata_free(o.v);
		return rc;
	}
	*out = o.v;
	if (found)
		*found = o.found;
	return 0;
}

int strata__plan_column_default(planner *p, online_table *t, const char *phys, char **out)
{
	const char *params[3] = { strata__plan_schema_of(p), t->phys, phys };

	return strata__plan_query_one(p->ctx->db, out, NULL,
			 "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
			 "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
			 "WHERE d.adrelid = format('%I.%I', $1::text, $2::text)::regclass "
			 "AND a.attname = $3", 3, params);
}

int strata__plan_column_comment(planner *p, online_table *t, const char *phys, char **out)
{
	const char *params[3] = { strata__plan_schema_of(p), t->phys, phys };

	return strata__plan_query_one(p->ctx->db, out, NULL,
			 "SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a "
			 "WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass "
			 "AND a.attname = $3", 3, params);
}

static int constraint_exists(planner *p, online_table *t, const char *name, int *out)
{
	const char *params[3] = { strata__plan_schema_of(p), t->phys, name };
	char *v = NULL;
	int rc = strata__plan_query_one(p->ctx->db, &v, out,
			   "SELECT 1 FROM pg_constraint WHERE conrelid = "
			   "format('%I.%I', $1::text, $2::text)::regclass AND conname = $3",
			   3, params);

	strata_free(v);
	return rc;
}

/* A constraint the operation names must exist on the table. */
int strata__plan_need_constraint(planner *p, online_table *t, const char *name)
{
	int found = 0, rc = constraint_exists(p, t, name, &found);

	if (rc < 0)
		return rc;
	if (!found)
		return strata__plan_opfail(p, STRATA_EINVALID, "constraint \"%s\" does not exist on \"%s\"",
			      name, t->name);
	return 0;
}

/*
 * Is the expression volatile (random(), nextval(), ...)? A default that is
 * not can be added with ADD COLUMN ... DEFAULT without rewriting the table.
 * Asked by making a temporary view of it and reading the functions it
 * depends on.
 */
int strata__plan_expression_volatile(planner *p, const char *expr, const char *type, int *out)
{
	strata_buf sql = STRATA_BUF_INIT;
	char *v = NULL;
	int rc;

	*out = 1;
	if ((rc = strata__sqlf(&sql, "CREATE TEMPORARY VIEW _strata_probe AS SELECT CAST((%s) AS %s) AS v",
		       expr, type)) < 0 ||
	    (rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	rc = strata__plan_query_one(p->ctx->db, &v, NULL,
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
		strata__buf_puts(&sql, "DROP VIEW pg_temp._strata_probe");
		rc = strata__plan_run(p, &sql);
	}
done:
	strata_free(v);
	strata__buf_release(&sql);
	return rc;
}
