/*
 * lint/rules_column.c - columns added or changed and the types and names
 * they use (SL112-SL114, SL201, SL301-SL310).
 *
 * Layer: lint. Reads one statement (f->stmt); see lint.h. Whether a
 * default rewrites the table depends on the target version: since
 * PostgreSQL 11 a constant (or stable) default is stored in the catalog,
 * only a volatile one fills every row.
 */
#include "lint/lint.h"

#include <string.h>
#include <strings.h>

#define PG_IDENT_MAX 63

static int name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const volatile_funcs[] = {
	"random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
	"uuid_generate_v4", "gen_random_bytes", "clock_timestamp", "timeofday", "nextval",
	"txid_current", "setseed", NULL,
};
static const char *const stable_funcs[] = {
	"now", "transaction_timestamp", "statement_timestamp", "current_setting", "lower", "upper",
	"btrim", "trim", "concat", "to_char", "to_jsonb", "to_json", "jsonb_build_object",
	"jsonb_build_array", "json_build_object", "json_build_array", "make_interval", "date_trunc",
	"length", "abs", "round", "nullif", "greatest", "least", "md5", "array", NULL,
};

/* 1 when a default expression is (or may be) volatile; *unknown for user functions. */
static int is_volatile(const PgQuery__Node *e, int *unknown)
{
	size_t i;

	if (!e || strata__lint_is_constant(e))
		return 0;
	switch (e->node_case) {
	case PG_QUERY__NODE__NODE_FUNC_CALL: {
		const PgQuery__FuncCall *fc = e->func_call;
		const char *name = fc->n_funcname ? strata__lint_str(fc->funcname[fc->n_funcname - 1]) : NULL;

		if (!name)
			return 1;
		if (name_in(name, volatile_funcs))
			return 1;
		if (!name_in(name, stable_funcs))
			return *unknown = 1;
		for (i = 0; i < fc->n_args; i++)
			if (is_volatile(fc->args[i], unknown))
				return 1;
		return 0;
	}
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return is_volatile(e->type_cast->arg, unknown);
	case PG_QUERY__NODE__NODE_A_EXPR:
		return is_volatile(e->a_expr->lexpr, unknown) || is_volatile(e->a_expr->rexpr, unknown);
	case PG_QUERY__NODE__NODE_COALESCE_EXPR:
		for (i = 0; i < e->coalesce_expr->n_args; i++)
			if (is_volatile(e->coalesce_expr->args[i], unknown))
				return 1;
		return 0;
	default:
		return *unknown = 1;
	}
}

static int is_null_const(const PgQuery__Node *e)
{
	return e && e->node_case == PG_QUERY__NODE__NODE_A_CONST && e->a_const->isnull;
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/*
 * PostgreSQL's scanner cuts names longer than 63 bytes before the tree is
 * built, so the tree holds the cut name: a 63-byte name is too long when,
 * in the statement's text, it goes on with more identifier characters.
 */
static void ident(lint_file *f, const char *name, int location, const char *what)
{
	size_t n = name ? strlen(name) : 0, i;

	if (n < PG_IDENT_MAX)
		return;
	for (i = f->stmt_start; i + n < f->stmt_end; i++) {
		if (strncasecmp(f->sql + i, name, n) != 0 || !ident_char(f->sql[i + n]) ||
		    (i > 0 && ident_char(f->sql[i - 1])))
			continue;
		strata__lint_emit(f, R_IDENT_TOO_LONG, location, NULL,
			  "%s name \"%.24s...\" is longer than 63 bytes: PostgreSQL truncates it to "
			  "\"%s\"", what, name, name);
		return;
	}
}

/* Type rules for a column's type. */
static void column_type(lint_file *f, const PgQuery__TypeName *t, const char *col)
{
	const char *ty = strata__lint_type_last(t);
	int at = t ? t->location : -1;

	if (!t || t->n_array_bounds > 100)
		return;
	if (name_in(ty, (const char *const[]){ "int4", "int", "integer", "serial", "serial4", NULL }))
		strata__lint_emit(f, R_BIGINT_OVER_INT, at, NULL, "column %s is a 32-bit integer; prefer bigint",
			  col ? col : "?");
	if (name_in(ty, (const char *const[]){ "int2", "smallint", "smallserial", "serial2", NULL }))
		strata__lint_emit(f, R_BIGINT_OVER_SMALLINT, at, NULL,
			  "column %s is a smallint; prefer bigint", col ? col : "?");
	if (name_in(ty, (const char *const[]){ "serial", "serial4", "bigserial", "serial8",
					       "smallserial", "serial2", NULL }))
		strata__lint_emit(f, R_IDENTITY, at, NULL,
			  "column %s is %s; prefer GENERATED ALWAYS AS IDENTITY", col ? col : "?", ty);
	if (strcasecmp(ty, "varchar") == 0 && t->n_typmods > 0)
		strata__lint_emit(f, R_TEXT_FIELD, at, NULL,
			  "column %s is varchar(n); prefer text with a CHECK on its length",
			  col ? col : "?");
	if (strcasecmp(ty, "timestamp") == 0)
		strata__lint_emit(f, R_TIMESTAMPTZ, at, NULL,
			  "column %s is timestamp without time zone; prefer timestamptz", col ? col : "?");
	if (strcasecmp(ty, "bpchar") == 0)
		strata__lint_emit(f, R_CHAR_FIELD, at, NULL, "column %s is char(n); prefer text",
			  col ? col : "?");
	if (strcasecmp(ty, "json") == 0)
		strata__lint_emit(f, R_JSONB, at, NULL, "column %s is json; prefer jsonb", col ? col : "?");
}

static int is_serial(const PgQuery__TypeName *t)
{
	return t && name_in(strata__lint_type_last(t), (const char *const[]){ "serial", "serial4",
		"bigserial", "serial8", "smallserial", "serial2", NULL });
}

/* ALTER TABLE rel ADD COLUMN col. */
static void add_column(lint_file *f, const PgQuery__RangeVar *rel, const PgQuery__ColumnDef *col)
{
	const PgQuery__Node *dflt = col->raw_default;
	int not_null = col->is_not_null, filled = is_serial(col->type_name), unknown = 0;
	int is_new = strata__lint_table_is_new(f, rel);
	size_t i;

	column_type(f, col->type_name, col->colname);
	ident(f, col->colname, col->location, "column");
	for (i = 0; i < col->n_constraints; i++) {
		const PgQuery__Constraint *c;

		if (col->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		c = col->constraints[i]->constraint;
		if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT)
			dflt = c->raw_expr;
		else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL ||
			 c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
			not_null = 1;
		else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY ||
			 c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED)
			filled = 1;
		ident(f, c->conname, c->location, "constraint");
	}
	if (is_new)
		return;
	if (filled) {
		strata__lint_emit(f, R_AUTO_FILLED, col->location, rel,
			  "adding %s to %s fills every row: the table is rewritten under an ACCESS "
			  "EXCLUSIVE lock", col->colname ? col->colname : "?", strata__lint_rel_name(rel));
		return;
	}
	if (not_null && (!dflt || is_null_const(dflt)) && f->engine == STRATA_LINT_PG)
		strata__lint_emit(f, R_REQUIRED_FIELD, col->location, rel,
			  "column %s is added NOT NULL without a default: this fails if %s has rows",
			  col->colname ? col->colname : "?", strata__lint_rel_name(rel));
	if (dflt && !is_null_const(dflt)) {
		if (f->pg_version < 11)
			strata__lint_emit(f, R_VOLATILE_DEFAULT, col->location, rel,
				  "before PostgreSQL 11 a column added with a default (%s) rewrites %s",
				  col->colname ? col->colname : "?", strata__lint_rel_name(rel));
		else if (is_volatile(dflt, &unknown))
			strata__lint_emit(f, R_VOLATILE_DEFAULT, col->location, rel,
				  "column %s is added with a %s default: every row of %s is rewritten%s",
				  col->colname ? col->colname : "?", unknown ? "non-constant" : "volatile",
				  strata__lint_rel_name(rel),
				  unknown ? " (unless its functions are STABLE or IMMUTABLE)" : "");
	}
}

static void alter_table(lint_file *f, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			add_column(f, a->relation, c->def->column_def);
		} else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType && c->def &&
			   c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			const PgQuery__ColumnDef *col = c->def->column_def;

			column_type(f, col->type_name, c->name);
			if (!strata__lint_table_is_new(f, a->relation))
				strata__lint_emit(f, R_COLUMN_TYPE, col->type_name ? col->type_name->location : -1,
					  a->relation, "changing the type of %s.%s to %s rewrites the "
					  "table and its indexes under an ACCESS EXCLUSIVE lock",
					  strata__lint_rel_name(a->relation), c->name ? c->name : "?",
					  strata__lint_type_last(col->type_name));
		}
	}
}

static void create_table(lint_file *f, const PgQuery__CreateStmt *s)
{
	size_t i, j;

	if (s->relation) {
		ident(f, s->relation->relname, s->relation->location, "table");
		if (!(s->relation->schemaname && *s->relation->schemaname) &&
		    !(s->relation->relpersistence && *s->relation->relpersistence == 't'))
			strata__lint_emit(f, R_TABLE_SCHEMA, s->relation->location, NULL,
				  "table %s is not schema-qualified", s->relation->relname);
	}
	for (i = 0; i < s->n_table_elts; i++) {
		const PgQuery__ColumnDef *col;

		if (s->table_elts[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
			ident(f, s->table_elts[i]->constraint->conname,
			      s->table_elts[i]->constraint->location, "constraint");
			continue;
		}
		if (s->table_elts[i]->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
			continue;
		col = s->table_elts[i]->column_def;
		column_type(f, col->type_name, col->colname);
		ident(f, col->colname, col->location, "column");
		for (j = 0; j < i; j++) {
			const PgQuery__Node *o = s->table_elts[j];

			if (o->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && col->colname &&
			    o->column_def->colname && strcmp(o->column_def->colname, col->colname) == 0) {
				strata__lint_emit(f, R_DUPLICATE_COLUMN, col->location, NULL,
					  "column %s is defined twice in %s", col->colname,
					  strata__lint_rel_name(s->relation));
				break;
			}
		}
	}
}

static void update(lint_file *f, const PgQuery__UpdateStmt *u)
{
	size_t i, j;

	for (i = 0; i < u->n_target_list; i++) {
		const PgQuery__ResTarget *t;

		if (u->target_list[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
			continue;
		t = u->target_list[i]->res_target;
		if (!t->name || t->n_indirection)
			continue;
		for (j = 0; j < i; j++) {
			const PgQuery__Node *o = u->target_list[j];

			if (o->node_case == PG_QUERY__NODE__NODE_RES_TARGET && o->res_target->name &&
			    !o->res_target->n_indirection && strcmp(o->res_target->name, t->name) == 0) {
				strata__lint_emit(f, R_DUPLICATE_COLUMN, t->location, NULL,
					  "column %s is assigned twice", t->name);
				break;
			}
		}
	}
}

void strata__lint_rules_column(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(f, s->create_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (s->alter_table_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			alter_table(f, s->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		ident(f, s->index_stmt->idxname, -1, "index");
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		ident(f, s->rename_stmt->newname, -1, "new");
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		update(f, s->update_stmt);
		break;
	default:
		break;
	}
}
