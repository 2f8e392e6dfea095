/*
 * online/plan_ddl.c - pieces of DDL the operation planners assemble:
 * column and constraint definitions, REFERENCES tails, name lists, index
 * parameters, DEFERRABLE clauses, prefixed names within PostgreSQL's 63 bytes.
 *
 * Layer: online, planner (plan_int.h). Appends to a buffer, runs nothing.
 * Identifiers go through strata__sqlf's %I/%Q; types, defaults and expressions
 * the operation file gives are used as written.
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
int strata__plan_fk_tail(planner *p, strata_buf *b, const json_t *ref)
{
	const char *v;
	json_t *setcols = json_object_get(ref, "on_delete_set_columns");

	if ((v = strata__plan_str(ref, "match_type")) != NULL) {
		if (!one_of(v, match_types))
			return strata__plan_opfail(p, STRATA_EINVALID, "match_type \"%s\" is not one of SIMPLE, "
				      "FULL, PARTIAL", v);
		strata__sqlf(b, " MATCH %s", v);
	}
	if ((v = strata__plan_str(ref, "on_delete")) != NULL) {
		if (!one_of(v, fk_actions))
			return strata__plan_opfail(p, STRATA_EINVALID, "on_delete \"%s\" is not one of NO ACTION, "
				      "RESTRICT, CASCADE, SET NULL, SET DEFAULT", v);
		strata__sqlf(b, " ON DELETE %s", v);
		if (json_array_size(setcols)) {
			size_t i;
			json_t *c;

			strata__buf_puts(b, " (");
			json_array_foreach(setcols, i, c)
				strata__sqlf(b, "%s%I", i ? ", " : "", json_string_value(c));
			strata__buf_putc(b, ')');
		}
	}
	if ((v = strata__plan_str(ref, "on_update")) != NULL) {
		if (!one_of(v, fk_actions))
			return strata__plan_opfail(p, STRATA_EINVALID, "on_update \"%s\" is not one of NO ACTION, "
				      "RESTRICT, CASCADE, SET NULL, SET DEFAULT", v);
		strata__sqlf(b, " ON UPDATE %s", v);
	}
	if (json_is_true(json_object_get(ref, "deferrable")))
		strata__buf_puts(b, " DEFERRABLE");
	if (json_is_true(json_object_get(ref, "initially_deferred")))
		strata__buf_puts(b, " INITIALLY DEFERRED");
	return 0;
}

int strata__plan_name_list(strata_buf *b, const json_t *arr, online_table *t)
{
	size_t i;
	json_t *c;

	strata__buf_putc(b, '(');
	json_array_foreach(arr, i, c) {
		const char *name = json_string_value(c);
		online_column *col = t ? strata__model_column(t, name) : NULL;

		strata__sqlf(b, "%s%I", i ? ", " : "", col ? col->phys : name);
	}
	return strata__buf_putc(b, ')');
}

/* INCLUDE (...) WITH (...) USING INDEX TABLESPACE ... of unique and primary keys. */
static void index_params(strata_buf *b, const json_t *ip, int for_constraint)
{
	const char *v;

	if (!ip)
		return;
	if (json_array_size(json_object_get(ip, "include_columns"))) {
		strata__buf_puts(b, " INCLUDE ");
		strata__plan_name_list(b, json_object_get(ip, "include_columns"), NULL);
	}
	if ((v = strata__plan_str(ip, "storage_parameters")) != NULL && *v)
		strata__sqlf(b, " WITH (%s)", v);
	if ((v = strata__plan_str(ip, "tablespace")) != NULL && *v)
		strata__sqlf(b, for_constraint ? " USING INDEX TABLESPACE %I" : " TABLESPACE %I", v);
}

void strata__plan_deferral(strata_buf *b, const json_t *def)
{
	if (json_is_true(json_object_get(def, "deferrable")))
		strata__buf_puts(b, " DEFERRABLE");
	if (json_is_true(json_object_get(def, "initially_deferred")))
		strata__buf_puts(b, " INITIALLY DEFERRED");
}

/* A column definition of create_table / add_column (without NOT NULL: caller decides). */
int strata__plan_column_def(planner *p, strata_buf *b, const json_t *col, int with_default,
		      int with_constraints)
{
	const json_t *gen = json_object_get(col, "generated");
	const json_t *chk = json_object_get(col, "check");
	const json_t *ref = json_object_get(col, "references");
	const char *def = strata__plan_str(col, "default");
	int rc;

	strata__sqlf(b, "%I %s", strata__plan_str(col, "name"), strata__plan_str(col, "type"));
	if (gen && strata__plan_str(gen, "expression")) {
		strata__sqlf(b, " GENERATED ALWAYS AS (%s) STORED", strata__plan_str(gen, "expression"));
	} else if (gen && json_object_get(gen, "identity")) {
		const json_t *id = json_object_get(gen, "identity");
		const char *usv = strata__plan_str(id, "user_specified_values");

		if (usv && strcasecmp(usv, "ALWAYS") != 0 && strcasecmp(usv, "BY DEFAULT") != 0)
			return strata__plan_opfail(p, STRATA_EINVALID, "user_specified_values \"%s\" is not "
				      "ALWAYS or BY DEFAULT", usv);
		strata__sqlf(b, " GENERATED %s AS IDENTITY", usv ? usv : "BY DEFAULT");
		if (strata__plan_str(id, "sequence_options") && *strata__plan_str(id, "sequence_options"))
			strata__sqlf(b, " (%s)", strata__plan_str(id, "sequence_options"));
	}
	if (with_default && def)
		strata__sqlf(b, " DEFAULT %s", def);
	if (!with_constraints)
		return 0;
	if (json_is_true(json_object_get(col, "unique")))
		strata__buf_puts(b, " UNIQUE");
	if (chk) {
		strata__sqlf(b, " CONSTRAINT %I CHECK (%s)", strata__plan_str(chk, "name"), strata__plan_str(chk, "constraint"));
		if (json_is_true(json_object_get(chk, "no_inherit")))
			strata__buf_puts(b, " NO INHERIT");
	}
	if (ref) {
		strata__sqlf(b, " CONSTRAINT %I REFERENCES %Q (%I)", strata__plan_str(ref, "name"), strata__plan_schema_of(p),
		     strata__plan_ref_table_phys(p, strata__plan_str(ref, "table")), strata__plan_str(ref, "column"));
		if ((rc = strata__plan_fk_tail(p, b, ref)) < 0)
			return rc;
	}
	return 0;
}

/* A table constraint: CONSTRAINT name ... (for CREATE TABLE or ADD). */
int strata__plan_constraint_def(planner *p, strata_buf *b, const json_t *def, online_table *t)
{
	const char *type = strata__plan_str(def, "type");
	const json_t *cols = json_object_get(def, "columns");
	int rc;

	strata__sqlf(b, "CONSTRAINT %I ", strata__plan_str(def, "name"));
	if (strcasecmp(type, "check") == 0) {
		strata__sqlf(b, "CHECK (%s)", strata__plan_str(def, "check"));
		if (json_is_true(json_object_get(def, "no_inherit")))
			strata__buf_puts(b, " NO INHERIT");
	} else if (strcasecmp(type, "unique") == 0 || strcasecmp(type, "primary_key") == 0) {
		strata__buf_puts(b, strcasecmp(type, "unique") == 0 ? "UNIQUE " : "PRIMARY KEY ");
		if (strcasecmp(type, "unique") == 0 &&
		    json_is_true(json_object_get(def, "nulls_not_distinct")))
			strata__buf_puts(b, "NULLS NOT DISTINCT ");
		strata__plan_name_list(b, cols, t);
		index_params(b, json_object_get(def, "index_parameters"), 1);
		strata__plan_deferral(b, def);
	} else if (strcasecmp(type, "foreign_key") == 0) {
		const json_t *ref = json_object_get(def, "references");

		strata__buf_puts(b, "FOREIGN KEY ");
		strata__plan_name_list(b, cols, t);
		strata__sqlf(b, " REFERENCES %Q ", strata__plan_schema_of(p), strata__plan_ref_table_phys(p, strata__plan_str(ref, "table")));
		strata__plan_name_list(b, json_object_get(ref, "columns"), NULL);
		if ((rc = strata__plan_fk_tail(p, b, ref)) < 0)
			return rc;
		strata__plan_deferral(b, def);
	} else {
		const json_t *ex = json_object_get(def, "exclude");
		const char *method = strata__plan_str(ex, "index_method");

		strata__sqlf(b, "EXCLUDE USING %s (%s)", method && *method ? method : "gist",
		     strata__plan_str(ex, "elements"));
		index_params(b, json_object_get(def, "index_parameters"), 1);
		if (strata__plan_str(ex, "predicate") && *strata__plan_str(ex, "predicate"))
			strata__sqlf(b, " WHERE (%s)", strata__plan_str(ex, "predicate"));
		strata__plan_deferral(b, def);
	}
	return 0;
}

/* "<prefix><name>", or an error when it would pass PostgreSQL's 63 bytes. */
int strata__plan_prefixed(planner *p, char *out, size_t size, const char *prefix, const char *name)
{
	if (strlen(prefix) + strlen(name) > MAX_IDENT || strlen(prefix) + strlen(name) >= size)
		return strata__plan_opfail(p, STRATA_EINVALID, "the name \"%s\" is too long for an online change: "
			      "strata needs %zu bytes for \"%s%s\" and PostgreSQL allows %d",
			      name, strlen(prefix) + strlen(name), prefix, name, MAX_IDENT);
	memcpy(out, prefix, strlen(prefix));
	memcpy(out + strlen(prefix), name, strlen(name) + 1);
	return 0;
}
