/*
 * lint/rules_constraint.c - constraints added to existing tables, NOT NULL
 * set and dropped, domains (SL106-SL111, SL118, SL119, SL210).
 *
 * Layer: lint. Reads one statement (f->stmt); see lint.h. The safe forms
 * it knows: NOT VALID then VALIDATE in a later migration; UNIQUE and
 * PRIMARY KEY ... USING INDEX over an index built concurrently; SET NOT
 * NULL after a validated CHECK (col IS NOT NULL) on PostgreSQL 12+.
 */
#include "lint/lint.h"

#include <string.h>

/* The column of a CHECK (col IS NOT NULL) expression, or NULL. */
static const char *notnull_column(const PgQuery__Node *e)
{
	const PgQuery__NullTest *t;
	const PgQuery__ColumnRef *c;

	if (!e || e->node_case != PG_QUERY__NODE__NODE_NULL_TEST)
		return NULL;
	t = e->null_test;
	if (t->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL || !t->arg ||
	    t->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return NULL;
	c = t->arg->column_ref;
	return c->n_fields ? strata__lint_str(c->fields[c->n_fields - 1]) : NULL;
}

static const char *con_name(const PgQuery__Constraint *c)
{
	return c->conname && *c->conname ? c->conname : "(unnamed)";
}

/* A table constraint, or a column constraint of a column added by ADD COLUMN. */
static void constraint(lint_file *f, const PgQuery__RangeVar *rel, const PgQuery__Constraint *c,
		       const char *column)
{
	int is_new = strata__lint_table_is_new(f, rel);

	switch (c->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		if (c->skip_validation)
			strata__lint_check_added(f, rel, c->conname, NULL, 1);
		else if (!is_new)
			strata__lint_emit(f, R_FOREIGN_KEY, c->location, rel,
				  "foreign key %s on %s%s%s is validated at once, blocking writes on %s "
				  "and %s; add it NOT VALID and validate it later", con_name(c),
				  strata__lint_rel_name(rel), column ? "." : "", column ? column : "",
				  strata__lint_rel_name(rel), c->pktable ? c->pktable->relname : "?");
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		if (c->skip_validation)
			strata__lint_check_added(f, rel, c->conname, notnull_column(c->raw_expr), 0);
		else if (!is_new)
			strata__lint_emit(f, R_CHECK_NOT_VALID, c->location, rel,
				  "CHECK constraint %s on %s scans the table while blocking writes; add "
				  "it NOT VALID and validate it later", con_name(c), strata__lint_rel_name(rel));
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		if (!is_new && !(c->indexname && *c->indexname))
			strata__lint_emit(f, R_UNIQUE_CONSTRAINT, c->location, rel,
				  "UNIQUE constraint %s on %s builds its index under an ACCESS EXCLUSIVE "
				  "lock", con_name(c), strata__lint_rel_name(rel));
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
		if (!is_new && !(c->indexname && *c->indexname))
			strata__lint_emit(f, R_PRIMARY_KEY, c->location, rel,
				  "PRIMARY KEY %s on %s builds its index under an ACCESS EXCLUSIVE lock",
				  con_name(c), strata__lint_rel_name(rel));
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		if (!is_new)
			strata__lint_emit(f, R_EXCLUSION, c->location, rel,
				  "EXCLUDE constraint %s on %s builds its index and checks every row "
				  "under an ACCESS EXCLUSIVE lock", con_name(c), strata__lint_rel_name(rel));
		break;
	default:
		break;
	}
}

static void validate(lint_file *f, const PgQuery__RangeVar *rel, const char *conname)
{
	int foreign = 0;
	int here = strata__lint_added_in_file(f, rel, conname);

	if (!strata__lint_check_validated(f, rel, conname, &foreign) || !here || !strata__lint_in_transaction(f) ||
	    strata__lint_table_is_new(f, rel))
		return;
	strata__lint_emit(f, foreign ? R_FOREIGN_KEY : R_CHECK_NOT_VALID, -1, rel,
		  "VALIDATE CONSTRAINT %s runs in the same transaction as its NOT VALID add, so the "
		  "add's lock is held for the whole scan; validate it in a later migration",
		  conname ? conname : "?");
}

static void set_not_null(lint_file *f, const PgQuery__RangeVar *rel, const char *col)
{
	if (strata__lint_table_is_new(f, rel))
		return;
	if (f->pg_version >= 12 && col && strata__lint_notnull_validated(f, rel, col))
		return;
	strata__lint_emit(f, R_SET_NOT_NULL, -1, rel,
		  "SET NOT NULL on %s.%s scans the table under an ACCESS EXCLUSIVE lock%s",
		  strata__lint_rel_name(rel), col ? col : "?",
		  f->pg_version >= 12 ? "; validate a CHECK (col IS NOT NULL) first"
				      : " (before PostgreSQL 12 even a validated CHECK does not help)");
}

static void alter_table(lint_file *f, const PgQuery__AlterTableStmt *a)
{
	size_t i, j;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
				constraint(f, a->relation, c->def->constraint, NULL);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
				const PgQuery__ColumnDef *col = c->def->column_def;

				for (j = 0; j < col->n_constraints; j++)
					if (col->constraints[j]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
						constraint(f, a->relation, col->constraints[j]->constraint,
							   col->colname);
			}
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
			validate(f, a->relation, c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			set_not_null(f, a->relation, c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
			if (!strata__lint_table_is_new(f, a->relation))
				strata__lint_emit(f, R_DROP_NOT_NULL, -1, NULL,
					  "DROP NOT NULL on %s.%s lets NULLs in", strata__lint_rel_name(a->relation),
					  c->name ? c->name : "?");
			break;
		default:
			break;
		}
	}
}

void strata__lint_rules_constraint(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;
	size_t i;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (s->alter_table_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			alter_table(f, s->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		for (i = 0; i < s->create_domain_stmt->n_constraints; i++) {
			const PgQuery__Node *c = s->create_domain_stmt->constraints[i];

			if (c->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
			    c->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK) {
				strata__lint_emit(f, R_CREATE_DOMAIN, c->constraint->location, NULL,
					  "CREATE DOMAIN with a CHECK constraint");
				break;
			}
		}
		break;
	case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
		if (s->alter_domain_stmt->subtype && strcmp(s->alter_domain_stmt->subtype, "C") == 0 &&
		    !(s->alter_domain_stmt->def &&
		      s->alter_domain_stmt->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		      s->alter_domain_stmt->def->constraint->skip_validation))
			strata__lint_emit(f, R_ALTER_DOMAIN, -1, NULL,
				  "ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain");
		break;
	default:
		break;
	}
}
