/*
 * online/opfile.c - operation files in pgroll's JSON format: parse and check.
 *
 * Layer: online. No database: strata_online_parse() works on a buffer, so
 * fuzz targets can call it. The checks follow pgroll's schema.json: each
 * object accepts a fixed set of keys with fixed types, some required;
 * anything else is an error naming the JSON path. A key set to null is
 * kept apart from a key that is absent ("comment": null drops a comment).
 *
 * The operation table, strata__online_ops[] below, is the one list of operations:
 * each row has its name, the keys its object accepts (checked here) and
 * its planner (plan_ops_*.c). Adding an operation: a field table below, a
 * planner in a plan_ops_*.c file declared in plan_int.h, and a row in
 * strata__online_ops[].
 */
#include "online/online_int.h"
#include "online/plan_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/fs.h"

#include <stdio.h>
#include <string.h>

/* Accepted JSON types of a field. */
enum {
	J_STR = 1 << 0,
	J_BOOL = 1 << 1,
	J_OBJ = 1 << 2,
	J_ARR = 1 << 3,
	J_NULL = 1 << 4,
	J_STRARR = 1 << 5, /* array of strings */
	J_STRMAP = 1 << 6, /* object whose values are strings */
};

typedef struct spec spec;

typedef struct online_field field;

struct online_field {
	const char *key;
	int types;
	int required;
	const spec *sub; /* J_OBJ: its fields; J_ARR: each item's fields */
};

struct spec {
	const field *fields;
};

#define END { NULL, 0, 0, NULL }

static const field check_fields[] = {
	{ "name", J_STR, 1, NULL }, { "constraint", J_STR, 1, NULL },
	{ "no_inherit", J_BOOL, 0, NULL }, END,
};
static const spec check_spec = { check_fields };

static const field fk_fields[] = {
	{ "name", J_STR, 1, NULL }, { "table", J_STR, 1, NULL }, { "column", J_STR, 1, NULL },
	{ "match_type", J_STR, 0, NULL }, { "on_delete", J_STR, 0, NULL },
	{ "on_update", J_STR, 0, NULL }, { "deferrable", J_BOOL, 0, NULL },
	{ "initially_deferred", J_BOOL, 0, NULL }, END,
};
static const spec fk_spec = { fk_fields };

static const field identity_fields[] = {
	{ "sequence_options", J_STR, 0, NULL }, { "user_specified_values", J_STR, 0, NULL }, END,
};
static const spec identity_spec = { identity_fields };

static const field generated_fields[] = {
	{ "expression", J_STR, 0, NULL }, { "identity", J_OBJ, 0, &identity_spec }, END,
};
static const spec generated_spec = { generated_fields };

static const field column_fields[] = {
	{ "name", J_STR, 1, NULL }, { "type", J_STR, 1, NULL }, { "nullable", J_BOOL, 0, NULL },
	{ "default", J_STR | J_NULL, 0, NULL }, { "pk", J_BOOL, 0, NULL },
	{ "unique", J_BOOL, 0, NULL }, { "check", J_OBJ, 0, &check_spec },
	{ "references", J_OBJ, 0, &fk_spec }, { "comment", J_STR | J_NULL, 0, NULL },
	{ "generated", J_OBJ, 0, &generated_spec }, END,
};
static const spec column_spec = { column_fields };

static const field table_fk_fields[] = {
	{ "table", J_STR, 1, NULL }, { "columns", J_STRARR, 1, NULL },
	{ "match_type", J_STR, 0, NULL }, { "on_delete", J_STR, 0, NULL },
	{ "on_update", J_STR, 0, NULL }, { "on_delete_set_columns", J_STRARR, 0, NULL }, END,
};
static const spec table_fk_spec = { table_fk_fields };

static const field exclude_fields[] = {
	{ "index_method", J_STR, 0, NULL }, { "elements", J_STR, 0, NULL },
	{ "predicate", J_STR, 0, NULL }, END,
};
static const spec exclude_spec = { exclude_fields };

static const field index_param_fields[] = {
	{ "tablespace", J_STR, 0, NULL }, { "storage_parameters", J_STR, 0, NULL },
	{ "include_columns", J_STRARR, 0, NULL }, END,
};
static const spec index_param_spec = { index_param_fields };

static const field constraint_fields[] = {
	{ "name", J_STR, 1, NULL }, { "type", J_STR, 1, NULL }, { "columns", J_STRARR, 0, NULL },
	{ "deferrable", J_BOOL, 0, NULL }, { "initially_deferred", J_BOOL, 0, NULL },
	{ "nulls_not_distinct", J_BOOL, 0, NULL }, { "no_inherit", J_BOOL, 0, NULL },
	{ "check", J_STR, 0, NULL }, { "references", J_OBJ, 0, &table_fk_spec },
	{ "exclude", J_OBJ, 0, &exclude_spec }, { "index_parameters", J_OBJ, 0, &index_param_spec },
	END,
};
static const spec constraint_spec = { constraint_fields };

static const field unique_fields[] = { { "name", J_STR, 1, NULL }, END };
static const spec unique_spec = { unique_fields };

static const field opclass_fields[] = {
	{ "name", J_STR, 1, NULL }, { "params", J_STRARR, 0, NULL }, END,
};
static const spec opclass_spec = { opclass_fields };

static const field index_field_fields[] = {
	{ "column", J_STR, 1, NULL }, { "collate", J_STR, 0, NULL }, { "sort", J_STR, 0, NULL },
	{ "nulls", J_STR, 0, NULL }, { "opclass", J_OBJ, 0, &opclass_spec }, END,
};
static const spec index_field_spec = { index_field_fields };

static const field replica_fields[] = {
	{ "type", J_STR, 1, NULL }, { "index", J_STR, 1, NULL }, END,
};
static const spec replica_spec = { replica_fields };

/* ---- operations ------------------------------------------------------- */

static const field op_create_table[] = {
	{ "name", J_STR, 1, NULL }, { "columns", J_ARR, 1, &column_spec },
	{ "constraints", J_ARR, 0, &constraint_spec }, { "comment", J_STR | J_NULL, 0, NULL }, END,
};
static const field op_drop_table[] = { { "name", J_STR, 1, NULL }, END };
static const field op_rename_table[] = {
	{ "from", J_STR, 1, NULL }, { "to", J_STR, 1, NULL }, END,
};
static const field op_add_column[] = {
	{ "table", J_STR, 1, NULL }, { "column", J_OBJ, 1, &column_spec }, { "up", J_STR, 0, NULL },
	END,
};
static const field op_drop_column[] = {
	{ "table", J_STR, 1, NULL }, { "column", J_STR, 1, NULL }, { "down", J_STR, 0, NULL }, END,
};
static const field op_rename_column[] = {
	{ "table", J_STR, 1, NULL }, { "from", J_STR, 1, NULL }, { "to", J_STR, 1, NULL }, END,
};
static const field op_alter_column[] = {
	{ "table", J_STR, 1, NULL }, { "column", J_STR, 1, NULL }, { "up", J_STR, 0, NULL },
	{ "down", J_STR, 0, NULL }, { "type", J_STR, 0, NULL }, { "nullable", J_BOOL, 0, NULL },
	{ "default", J_STR | J_NULL, 0, NULL }, { "check", J_OBJ, 0, &check_spec },
	{ "references", J_OBJ, 0, &fk_spec }, { "unique", J_OBJ, 0, &unique_spec },
	{ "comment", J_STR | J_NULL, 0, NULL }, { "name", J_STR, 0, NULL }, END,
};
static const field op_create_index[] = {
	{ "table", J_STR, 1, NULL }, { "name", J_STR, 1, NULL },
	{ "columns", J_ARR | J_OBJ, 1, &index_field_spec }, { "predicate", J_STR, 0, NULL },
	{ "method", J_STR, 0, NULL }, { "storage_parameters", J_STR, 0, NULL },
	{ "unique", J_BOOL, 0, NULL }, END,
};
static const field op_drop_index[] = { { "name", J_STR, 1, NULL }, END };
static const field op_create_constraint[] = {
	{ "table", J_STR, 1, NULL }, { "name", J_STR, 1, NULL }, { "type", J_STR, 1, NULL },
	{ "columns", J_STRARR, 0, NULL }, { "check", J_STR, 0, NULL },
	{ "no_inherit", J_BOOL, 0, NULL }, { "references", J_OBJ, 0, &table_fk_spec },
	{ "index_parameters", J_OBJ, 0, &index_param_spec }, { "exclude", J_OBJ, 0, &exclude_spec },
	{ "deferrable", J_BOOL, 0, NULL }, { "initially_deferred", J_BOOL, 0, NULL },
	{ "nulls_not_distinct", J_BOOL, 0, NULL },
	{ "up", J_STRMAP, 1, NULL }, { "down", J_STRMAP, 1, NULL }, END,
};
static const field op_drop_constraint[] = {
	{ "table", J_STR, 1, NULL }, { "name", J_STR, 1, NULL }, { "up", J_STR, 1, NULL },
	{ "down", J_STR, 1, NULL }, END,
};
static const field op_drop_multicolumn_constraint[] = {
	{ "table", J_STR, 1, NULL }, { "name", J_STR, 1, NULL }, { "up", J_STRMAP, 0, NULL },
	{ "down", J_STRMAP, 1, NULL }, END,
};
static const field op_rename_constraint[] = {
	{ "table", J_STR, 1, NULL }, { "from", J_STR, 1, NULL }, { "to", J_STR, 1, NULL }, END,
};
static const field op_set_replica_identity[] = {
	{ "table", J_STR, 1, NULL }, { "identity", J_OBJ, 1, &replica_spec }, END,
};
static const field op_sql[] = {
	{ "up", J_STR, 1, NULL }, { "down", J_STR, 0, NULL }, { "onComplete", J_BOOL, 0, NULL }, END,
};

/* The operation table: name, accepted keys, planner. */
const online_op strata__online_ops[] = {
	{ "create_table", op_create_table, strata__plan_op_create_table },
	{ "drop_table", op_drop_table, strata__plan_op_drop_table },
	{ "rename_table", op_rename_table, strata__plan_op_rename_table },
	{ "add_column", op_add_column, strata__plan_op_add_column },
	{ "drop_column", op_drop_column, strata__plan_op_drop_column },
	{ "rename_column", op_rename_column, strata__plan_op_rename_column },
	{ "alter_column", op_alter_column, strata__plan_op_alter_column },
	{ "create_index", op_create_index, strata__plan_op_create_index },
	{ "drop_index", op_drop_index, strata__plan_op_drop_index },
	{ "create_constraint", op_create_constraint, strata__plan_op_create_constraint },
	{ "drop_constraint", op_drop_constraint, strata__plan_op_drop_constraint },
	{ "drop_multicolumn_constraint", op_drop_multicolumn_constraint, strata__plan_op_drop_constraint },
	{ "rename_constraint", op_rename_constraint, strata__plan_op_rename_constraint },
	{ "set_replica_identity", op_set_replica_identity, strata__plan_op_set_replica_identity },
	{ "sql", op_sql, strata__plan_op_sql },
	{ NULL, NULL, NULL },
};

const online_op *strata__online_op_find(const char *kind)
{
	const online_op *op;

	for (op = strata__online_ops; op->kind; op++)
		if (strcmp(op->kind, kind) == 0)
			return op;
	return NULL;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct checker {
	const char *source;
	strata_buf path;
} checker;

static int bad(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(checker *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	strata_error_set(STRATA_EPARSE, "%s: %s: %s", c->source,
			 c->path.len ? strata__buf_cstr(&c->path) : "(top level)", what);
	strata_error_hint("see docs/online.md for the operations and their fields "
			  "(the format is pgroll's)");
	return STRATA_EPARSE;
}

static const char *type_words(int types)
{
	if (types & J_STRARR)
		return "an array of strings";
	if (types & J_STRMAP)
		return "an object of strings (column -> SQL)";
	if ((types & J_STR) && (types & J_NULL))
		return "a string or null";
	if (types & J_STR)
		return "a string";
	if (types & J_BOOL)
		return "true or false";
	if ((types & J_ARR) && (types & J_OBJ))
		return "an array or an object";
	if (types & J_ARR)
		return "an array";
	return "an object";
}

static const char *json_words(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static int check_object(checker *c, const json_t *obj, const field *fields);

static int check_value(checker *c, const json_t *v, const field *f)
{
	size_t mark = c->path.len, i;
	int rc = 0;

	if (json_is_null(v)) {
		if (f->types & J_NULL)
			return 0;
		return bad(c, "must be %s, not null", type_words(f->types));
	}
	if (json_is_string(v) && (f->types & J_STR)) {
		if (strlen(json_string_value(v)) != json_string_length(v))
			return bad(c, "contains a NUL character");
		return 0;
	}
	if (json_is_boolean(v) && (f->types & J_BOOL))
		return 0;
	if (json_is_array(v) && (f->types & J_STRARR)) {
		json_t *item;

		json_array_foreach(v, i, item) {
			if (!json_is_string(item)) {
				strata__buf_printf(&c->path, "[%zu]", i);
				return bad(c, "must be a string, not %s", json_words(item));
			}
		}
		return 0;
	}
	if (json_is_object(v) && (f->types & J_STRMAP)) {
		const char *k;
		json_t *item;

		json_object_foreach((json_t *)v, k, item) {
			if (!json_is_string(item)) {
				strata__buf_printf(&c->path, ".%s", k);
				return bad(c, "must be a string (SQL), not %s", json_words(item));
			}
		}
		return 0;
	}
	if (json_is_array(v) && (f->types & J_ARR)) {
		json_t *item;

		json_array_foreach(v, i, item) {
			strata__buf_printf(&c->path, "[%zu]", i);
			if (!json_is_object(item))
				return bad(c, "must be an object, not %s", json_words(item));
			if ((rc = check_object(c, item, f->sub->fields)) < 0)
				return rc;
			strata__buf_truncate(&c->path, mark);
		}
		return 0;
	}
	if (json_is_object(v) && (f->types & J_OBJ)) {
		if (f->types & J_ARR) {
			/* create_index's older form: {"column": {options}, ...} */
			const char *k;
			json_t *item;

			json_object_foreach((json_t *)v, k, item) {
				if (!json_is_object(item)) {
					strata__buf_printf(&c->path, ".%s", k);
					return bad(c, "must be an object of index options, not %s",
						   json_words(item));
				}
			}
			return 0;
		}
		return f->sub ? check_object(c, v, f->sub->fields) : 0;
	}
	return bad(c, "must be %s, not %s", type_words(f->types), json_words(v));
}

static int check_object(checker *c, const json_t *obj, const field *fields)
{
	size_t mark = c->path.len;
	const field *f;
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)obj, key, v) {
		for (f = fields; f->key; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (!f->key) {
			strata_buf known = STRATA_BUF_INIT;

			for (f = fields; f->key; f++)
				strata__buf_printf(&known, "%s%s", known.len ? ", " : "", f->key);
			rc = bad(c, "unknown key \"%s\" (known: %s)", key, strata__buf_cstr(&known));
			strata__buf_release(&known);
			return rc;
		}
		strata__buf_printf(&c->path, "%s%s", c->path.len ? "." : "", key);
		if ((rc = check_value(c, v, f)) < 0)
			return rc;
		strata__buf_truncate(&c->path, mark);
	}
	for (f = fields; f->key; f++) {
		if (f->required && !json_object_get(obj, f->key))
			return bad(c, "the required key \"%s\" is missing", f->key);
		v = json_object_get(obj, f->key);
		if (v && json_is_string(v) && f->required && json_string_length(v) == 0 &&
		    strcmp(f->key, "up") != 0 && strcmp(f->key, "down") != 0 &&
		    strcmp(f->key, "index") != 0)
			return bad(c, "\"%s\" must not be empty", f->key);
	}
	return 0;
}

static int one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcasecmp(s, *words) == 0)
			return 1;
	return 0;
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* What the field tables cannot say: enumerations and per-type requirements. */
static int check_constraint_def(checker *c, const json_t *def, int in_create_table)
{
	static const char *const types[] = { "unique", "check", "primary_key", "foreign_key",
					     "exclude", NULL };
	const char *type = str(def, "type");
	json_t *cols = json_object_get(def, "columns");

	if (!one_of(type, types))
		return bad(c, "type \"%s\" is not one of unique, check, primary_key, foreign_key, "
			   "exclude", type);
	if (strcmp(type, "check") == 0) {
		if (!str(def, "check"))
			return bad(c, "a check constraint needs \"check\"");
		if (json_object_get(def, "index_parameters") || json_is_true(json_object_get(def, "deferrable")) ||
		    json_is_true(json_object_get(def, "initially_deferred")) ||
		    json_is_true(json_object_get(def, "nulls_not_distinct")))
			return bad(c, "a check constraint takes no index_parameters, deferrable, "
				   "initially_deferred or nulls_not_distinct");
	} else if (str(def, "check") && *str(def, "check")) {
		return bad(c, "only a check constraint takes \"check\"");
	}
	if (strcmp(type, "check") != 0 && json_is_true(json_object_get(def, "no_inherit")))
		return bad(c, "only a check constraint takes \"no_inherit\"");
	if ((strcmp(type, "unique") == 0 || strcmp(type, "primary_key") == 0 ||
	     strcmp(type, "foreign_key") == 0) && (!cols || json_array_size(cols) == 0))
		return bad(c, "a %s constraint needs \"columns\"", type);
	if (strcmp(type, "foreign_key") == 0 && !json_object_get(def, "references"))
		return bad(c, "a foreign_key constraint needs \"references\"");
	if (strcmp(type, "foreign_key") != 0 && json_object_get(def, "references"))
		return bad(c, "only a foreign_key constraint takes \"references\"");
	if (strcmp(type, "exclude") == 0) {
		json_t *ex = json_object_get(def, "exclude");

		if (!ex || !str(ex, "elements") || !*str(ex, "elements"))
			return bad(c, "an exclude constraint needs \"exclude\" with \"elements\"");
		if (cols)
			return bad(c, "an exclude constraint names its columns in exclude.elements, "
				   "not in \"columns\"");
	} else if (json_object_get(def, "exclude")) {
		return bad(c, "only an exclude constraint takes \"exclude\"");
	}
	(void)in_create_table;
	return 0;
}

static int check_column_def(checker *c, const json_t *col)
{
	const json_t *gen = json_object_get(col, "generated");

	if (gen && json_object_get(gen, "expression") && json_object_get(gen, "identity"))
		return bad(c, "generated takes either \"expression\" or \"identity\", not both");
	return 0;
}

static int check_semantics(checker *c, const char *kind, const json_t *body)
{
	size_t mark = c->path.len, i;
	json_t *item;
	int rc = 0;

	if (strcmp(kind, "create_table") == 0) {
		json_array_foreach(json_object_get(body, "columns"), i, item) {
			strata__buf_printf(&c->path, ".columns[%zu]", i);
			if ((rc = check_column_def(c, item)) < 0)
				return rc;
			strata__buf_truncate(&c->path, mark);
		}
		if (json_array_size(json_object_get(body, "columns")) == 0) {
			strata__buf_puts(&c->path, ".columns");
			return bad(c, "a table needs at least one column");
		}
		json_array_foreach(json_object_get(body, "constraints"), i, item) {
			strata__buf_printf(&c->path, ".constraints[%zu]", i);
			if ((rc = check_constraint_def(c, item, 1)) < 0)
				return rc;
			strata__buf_truncate(&c->path, mark);
		}
	} else if (strcmp(kind, "add_column") == 0) {
		strata__buf_puts(&c->path, ".column");
		if ((rc = check_column_def(c, json_object_get(body, "column"))) < 0)
			return rc;
		strata__buf_truncate(&c->path, mark);
	} else if (strcmp(kind, "create_constraint") == 0) {
		if ((rc = check_constraint_def(c, body, 0)) < 0)
			return rc;
	} else if (strcmp(kind, "create_index") == 0) {
		static const char *const methods[] = { "btree", "hash", "gist", "spgist", "gin",
						       "brin", NULL };
		const char *method = str(body, "method");
		json_t *cols = json_object_get(body, "columns");

		if (method && !one_of(method, methods)) {
			strata__buf_puts(&c->path, ".method");
			return bad(c, "\"%s\" is not one of btree, hash, gist, spgist, gin, brin",
				   method);
		}
		if ((json_is_array(cols) ? json_array_size(cols) : json_object_size(cols)) == 0) {
			strata__buf_puts(&c->path, ".columns");
			return bad(c, "an index needs at least one column");
		}
		json_array_foreach(cols, i, item) {
			static const char *const sorts[] = { "ASC", "DESC", NULL };
			static const char *const nulls[] = { "FIRST", "LAST", NULL };

			strata__buf_printf(&c->path, ".columns[%zu]", i);
			if (str(item, "sort") && !one_of(str(item, "sort"), sorts))
				return bad(c, "sort must be ASC or DESC");
			if (str(item, "nulls") && !one_of(str(item, "nulls"), nulls))
				return bad(c, "nulls must be FIRST or LAST");
			strata__buf_truncate(&c->path, mark);
		}
	} else if (strcmp(kind, "set_replica_identity") == 0) {
		static const char *const types[] = { "full", "default", "nothing", "index", NULL };
		json_t *id = json_object_get(body, "identity");

		strata__buf_puts(&c->path, ".identity.type");
		if (!one_of(str(id, "type"), types))
			return bad(c, "\"%s\" is not one of full, default, nothing, index",
				   str(id, "type"));
		strata__buf_truncate(&c->path, mark);
	} else if (strcmp(kind, "sql") == 0) {
		if (json_is_true(json_object_get(body, "onComplete")) && json_object_get(body, "down"))
			return bad(c, "an \"onComplete\" sql operation takes no \"down\"");
		if (!*str(body, "up"))
			return bad(c, "\"up\" must not be empty");
	} else if (strcmp(kind, "alter_column") == 0) {
		static const char *const kinds[] = { "type", "nullable", "default", "check",
						     "references", "unique", "comment", "name", NULL };
		const char *const *k;
		int any = 0;

		for (k = kinds; *k; k++)
			any |= json_object_get(body, *k) != NULL;
		if (!any)
			return bad(c, "alter_column changes nothing: give at least one of type, "
				   "nullable, default, check, references, unique, comment");
	}
	return 0;
}

static int check_migration(checker *c, const json_t *root, const json_t **ops_out)
{
	const json_t *ops;
	const char *key;
	json_t *v, *op;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return bad(c, "the file must hold a JSON object with \"operations\", not %s",
			   json_words(root));
	json_object_foreach((json_t *)root, key, v) {
		if (strcmp(key, "name") != 0 && strcmp(key, "version_schema") != 0 &&
		    strcmp(key, "operations") != 0)
			return bad(c, "unknown key \"%s\" (known: name, version_schema, operations)",
				   key);
		if (strcmp(key, "operations") != 0 && !json_is_string(v)) {
			strata__buf_puts(&c->path, key);
			return bad(c, "must be a string, not %s", json_words(v));
		}
	}
	ops = json_object_get(root, "operations");
	if (!ops)
		return bad(c, "the required key \"operations\" is missing");
	strata__buf_puts(&c->path, "operations");
	if (!json_is_array(ops))
		return bad(c, "must be an array of operations, not %s", json_words(ops));
	json_array_foreach(ops, i, op) {
		const online_op *def;
		const char *kind = NULL;
		json_t *body = NULL;

		strata__buf_clear(&c->path);
		strata__buf_printf(&c->path, "operations[%zu]", i);
		if (!json_is_object(op) || json_object_size(op) != 1)
			return bad(c, "each operation is an object with exactly one key naming it "
				   "(create_table, add_column, alter_column, ...)");
		json_object_foreach(op, key, v) {
			kind = key;
			body = v;
		}
		def = strata__online_op_find(kind);
		if (!def) {
			strata_buf known = STRATA_BUF_INIT;

			for (def = strata__online_ops; def->kind; def++)
				strata__buf_printf(&known, "%s%s", def == strata__online_ops ? "" : ", ", def->kind);
			rc = bad(c, "unknown operation \"%s\" (known: %s)", kind, strata__buf_cstr(&known));
			strata__buf_release(&known);
			return rc;
		}
		strata__buf_printf(&c->path, ".%s", kind);
		if (!json_is_object(body))
			return bad(c, "must be an object, not %s", json_words(body));
		if ((rc = check_object(c, body, def->fields)) < 0 ||
		    (rc = check_semantics(c, kind, body)) < 0)
			return rc;
	}
	*ops_out = ops;
	return 0;
}

/* The base name of path without its extension. */
static char *name_from_source(const char *source)
{
	const char *base = strrchr(source, '/'), *dot;

	base = base ? base + 1 : source;
	dot = strrchr(base, '.');
	return strata_strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

int strata_online_parse(strata_online_migration **out, const char *text, size_t len,
			const char *source, const char *default_name)
{
	checker c = { source ? source : "<input>", STRATA_BUF_INIT };
	strata_online_migration *m = NULL;
	const json_t *ops = NULL;
	json_error_t jerr;
	json_t *root;
	const char *name;
	int rc = 0;

	STRATA_ASSERT_ARG(out);

	*out = NULL;
	root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		strata_error_set(STRATA_EPARSE, "%s:%d:%d: invalid JSON: %s", c.source, jerr.line,
				 jerr.column, jerr.text);
		strata_error_hint("operation files are JSON in pgroll's format: "
				  "{\"operations\": [{\"add_column\": {...}}]}");
		return STRATA_EPARSE;
	}
	if ((rc = check_migration(&c, root, &ops)) < 0)
		goto done;
	if (!(m = strata_calloc(1, sizeof(*m)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	m->root = root;
	root = NULL;
	m->ops = (json_t *)ops;
	name = json_string_value(json_object_get(m->root, "name"));
	if (name)
		m->name = strata_strdup(name);
	else if (default_name)
		m->name = strata_strdup(default_name);
	else
		m->name = name_from_source(c.source);
	m->source = strata_strdup(c.source);
	if (json_object_get(m->root, "version_schema"))
		m->version_schema =
			strata_strdup(json_string_value(json_object_get(m->root, "version_schema")));
	if (!m->name || !m->source ||
	    (json_object_get(m->root, "version_schema") && !m->version_schema)) {
		rc = STRATA_ERROR;
		goto done;
	}
	if (!*m->name || strlen(m->name) > 200) {
		rc = bad(&c, "the migration's name must be 1 to 200 characters");
		goto done;
	}
	if (m->version_schema && (!*m->version_schema || strlen(m->version_schema) > 63)) {
		strata__buf_clear(&c.path);
		strata__buf_puts(&c.path, "version_schema");
		rc = bad(&c, "must be 1 to 63 characters (a PostgreSQL schema name)");
		goto done;
	}
	*out = m;
	m = NULL;
done:
	strata__buf_release(&c.path);
	json_decref(root);
	strata_online_free(m);
	return rc;
}

int strata_online_load(strata_online_migration **out, const char *path)
{
	strata_buf text = STRATA_BUF_INIT;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(path);

	*out = NULL;
	if ((rc = strata__fs_read_file(&text, path, 16u << 20)) < 0)
		return rc;
	rc = strata_online_parse(out, strata__buf_cstr(&text), text.len, path, NULL);
	strata__buf_release(&text);
	return rc;
}

void strata_online_free(strata_online_migration *m)
{
	if (!m)
		return;
	json_decref(m->root);
	strata_free(m->name);
	strata_free(m->version_schema);
	strata_free(m->source);
	strata_free(m);
}

const char *strata_online_name(const strata_online_migration *m)
{
	return m->name;
}

const char *strata_online_version_schema(const strata_online_migration *m)
{
	return m->version_schema;
}

size_t strata_online_op_count(const strata_online_migration *m)
{
	return json_array_size(m->ops);
}

const char *strata__online_op_kind(const strata_online_migration *m, size_t i, json_t **body)
{
	const char *key;
	json_t *v, *op = json_array_get(m->ops, i);

	json_object_foreach(op, key, v) {
		if (body)
			*body = v;
		return key;
	}
	return NULL;
}

const char *strata_online_op_kind(const strata_online_migration *m, size_t i)
{
	return strata__online_op_kind(m, i, NULL);
}
