/*
 * lint/rules_sqlite.c - what SQLite's ALTER TABLE cannot do (SL601, SL602).
 *
 * Layer: lint. SQLite statements are read with PostgreSQL's parser (the
 * ALTER TABLE forms are the same); what it cannot read is skipped by the
 * engine. SQLite's ALTER TABLE supports RENAME TO, RENAME COLUMN (3.25+),
 * ADD COLUMN and DROP COLUMN (3.35+) only; ADD COLUMN refuses PRIMARY KEY,
 * UNIQUE, NOT NULL without a non-null default, non-constant defaults and
 * STORED generated columns (sqlite.org/lang_altertable.html).
 */
#include "lint/lint.h"

static const char *what(PgQuery__AlterTableType t)
{
	switch (t) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType: return "ALTER COLUMN ... TYPE";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull: return "SET NOT NULL";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull: return "DROP NOT NULL";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault: return "SET/DROP DEFAULT";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint: return "ADD CONSTRAINT";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint: return "DROP CONSTRAINT";
	default: return "this ALTER TABLE form";
	}
}

/* Why SQLite refuses this ADD COLUMN, or NULL. */
static const char *add_column_problem(const PgQuery__ColumnDef *col)
{
	const PgQuery__Node *dflt = col->raw_default;
	int not_null = col->is_not_null;
	size_t i;

	for (i = 0; i < col->n_constraints; i++) {
		const PgQuery__Constraint *c;

		if (col->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		c = col->constraints[i]->constraint;
		switch (c->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			return "a PRIMARY KEY column";
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			return "a UNIQUE column";
		case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
			/* generated_when is "a" for ALWAYS; SQLite adds VIRTUAL columns only. */
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			not_null = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			dflt = c->raw_expr;
			break;
		default:
			break;
		}
	}
	if (dflt && (dflt->node_case == PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION ||
		     !lint_is_constant(dflt)))
		return "a column with a non-constant default";
	if (not_null && (!dflt || (dflt->node_case == PG_QUERY__NODE__NODE_A_CONST &&
				   dflt->a_const->isnull)))
		return "a NOT NULL column without a non-null default";
	return NULL;
}

void lint_rules_sqlite(lint_file *f)
{
	const PgQuery__AlterTableStmt *a;
	size_t i;

	if (f->stmt->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	a = f->stmt->alter_table_stmt;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;
		const char *problem;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			    (problem = add_column_problem(c->def->column_def)) != NULL)
				lint_emit(f, R_SQLITE_ADD_COLUMN, c->def->column_def->location, NULL,
					  "SQLite cannot add %s (%s) to %s", problem,
					  c->def->column_def->colname ? c->def->column_def->colname : "?",
					  lint_rel_name(a->relation));
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			break;
		default:
			lint_emit(f, R_SQLITE_ALTER, -1, NULL, "SQLite's ALTER TABLE cannot do %s (on %s)",
				  what(c->subtype), lint_rel_name(a->relation));
			break;
		}
	}
}
