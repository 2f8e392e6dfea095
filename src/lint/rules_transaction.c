/*
 * lint/rules_transaction.c - the script as a whole: transaction control,
 * lock and statement timeouts, unbatched data changes, and statements a
 * retry cannot run twice (SL115, SL116, SL213, SL401-SL403).
 *
 * Layer: lint. Reads one statement (f->stmt) and keeps per-file state in
 * lint_file (BEGIN depth, timeouts set); see lint.h. strata runs each
 * "transaction: on" migration in its own transaction and sets lock_timeout
 * itself (strata.ini lock_timeout, 5s by default), which the options say
 * (runner_sets_lock_timeout); plain SQL files get no such help. In a
 * function body only SL213 applies (it runs when called, not as part of
 * the script); a DO block's statements are the script's.
 */
#include "lint/lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* 1 if SET name = value sets a limit (anything but 0 / DEFAULT / RESET). */
static int sets_limit(const PgQuery__VariableSetStmt *v)
{
	const PgQuery__Node *a;

	if (v->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE || !v->n_args)
		return 0;
	a = v->args[0];
	if (a->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return 1;
	if (a->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
		return a->a_const->ival->ival != 0;
	if (a->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)
		return strtol(a->a_const->sval->sval, NULL, 10) != 0;
	return 1;
}

/* The existing table a statement locks so that other sessions wait, or NULL
 * (*found set) when it locks no table of interest. */
static const PgQuery__RangeVar *locked_table(lint_file *f, const PgQuery__Node *s, int *found)
{
	static _Thread_local PgQuery__RangeVar unknown;
	const PgQuery__RangeVar *rel = NULL;

	*found = 0;
	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		rel = s->alter_table_stmt->relation;
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		if (!s->index_stmt->concurrent)
			rel = s->index_stmt->relation;
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rel = s->rename_stmt->relation;
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		rel = s->create_trig_stmt->relation;
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if ((s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		     s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX) &&
		    !s->drop_stmt->concurrent)
			rel = &unknown;
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		rel = &unknown;
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		if (!strata__lint_has_option(s->reindex_stmt->params, s->reindex_stmt->n_params, "concurrently"))
			rel = s->reindex_stmt->relation ? s->reindex_stmt->relation : &unknown;
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		if (strata__lint_has_option(s->vacuum_stmt->options, s->vacuum_stmt->n_options, "full"))
			rel = &unknown;
		break;
	default:
		break;
	}
	if (!rel || (rel != &unknown && strata__lint_table_is_new(f, rel)))
		return NULL;
	*found = 1;
	return rel == &unknown ? NULL : rel;
}

static void timeouts(lint_file *f)
{
	const PgQuery__RangeVar *rel;
	int found;

	if (f->lock_timeout_set && f->statement_timeout_set)
		return;
	rel = locked_table(f, f->stmt, &found);
	if (!found)
		return;
	if (!f->lock_timeout_set && !f->lock_timeout_reported) {
		f->lock_timeout_reported = 1;
		strata__lint_emit(f, R_LOCK_TIMEOUT, -1, NULL,
			  "this statement locks %s but no lock_timeout is set: it can wait behind a "
			  "long transaction while every query on the table waits behind it",
			  rel ? strata__lint_rel_name(rel) : "a table");
	}
	if (!f->statement_timeout_set && !f->statement_timeout_reported) {
		f->statement_timeout_reported = 1;
		strata__lint_emit(f, R_STATEMENT_TIMEOUT, -1, NULL,
			  "this statement locks %s but no statement_timeout is set",
			  rel ? strata__lint_rel_name(rel) : "a table");
	}
}

static void transaction(lint_file *f, const PgQuery__TransactionStmt *t)
{
	int opens = t->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
		    t->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
	int closes = t->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
		     t->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK;

	if (!opens && !closes)
		return;
	if (f->transactional) {
		strata__lint_emit(f, R_TX_NESTING, -1, NULL, "%s inside a %s", opens ? "BEGIN" : "COMMIT/ROLLBACK",
			  f->is_migration ? "migration strata runs in a transaction ('transaction: on')"
					  : "file assumed to run in one transaction");
		return;
	}
	if (opens) {
		if (f->tx_depth > 0)
			strata__lint_emit(f, R_TX_NESTING, -1, NULL, "BEGIN inside a transaction already open");
		else
			f->tx_begin_at = strata__lint_stmt_offset(f);
		f->tx_depth++;
	} else if (f->tx_depth > 0) {
		f->tx_depth = 0;
	} else {
		strata__lint_emit(f, R_TX_NESTING, -1, NULL, "COMMIT/ROLLBACK without a BEGIN");
	}
}

/*
 * CREATE INDEX outside a transaction. A plain build is retried with IF NOT
 * EXISTS. A CONCURRENTLY build that fails leaves an INVALID index behind,
 * which IF NOT EXISTS alone would keep. In a strata migration that is
 * handled: 'strata upgrade --retry-failed' drops an INVALID index of the
 * name before running the build again (core/runner.c), so IF NOT EXISTS
 * (which keeps a valid index a later failure left) is the robust form.
 * Elsewhere it is DROP INDEX CONCURRENTLY IF EXISTS i, then CREATE INDEX
 * CONCURRENTLY i.
 */
static void index_robust(lint_file *f, const PgQuery__IndexStmt *ix)
{
	const char *name = ix->idxname && *ix->idxname ? ix->idxname : NULL;

	if (!ix->concurrent) {
		if (!ix->if_not_exists && !(name && strata__lint_index_was_dropped_here(f, name)))
			strata__lint_emit(f, R_ROBUST, -1, NULL, "CREATE INDEX %s without IF NOT EXISTS",
				  name ? name : "(unnamed)");
		return;
	}
	if (!name) {
		strata__lint_emit(f, R_ROBUST, -1, NULL,
			  "CREATE INDEX CONCURRENTLY without a name: a failed build leaves an "
			  "INVALID index that a retry cannot drop by name; name the index");
		return;
	}
	if (strata__lint_index_was_dropped_here(f, name) || (f->is_migration && ix->if_not_exists))
		return;
	if (f->is_migration)
		strata__lint_emit(f, R_ROBUST, -1, NULL,
			  "CREATE INDEX CONCURRENTLY %s without IF NOT EXISTS: run again after a later "
			  "statement failed, it finds the index built and fails; add IF NOT EXISTS "
			  "('strata upgrade --retry-failed' drops an INVALID %s a failed build left "
			  "before building it again)", name, name);
	else
		strata__lint_emit(f, R_ROBUST, -1, NULL,
			  "CREATE INDEX CONCURRENTLY %s: a failed build leaves an INVALID index %s%s; "
			  "precede it with DROP INDEX CONCURRENTLY IF EXISTS %s so that a retry builds "
			  "it again", name, name,
			  ix->if_not_exists ? ", which IF NOT EXISTS keeps as it is" : "", name);
}

static int is_temporary(const PgQuery__RangeVar *rel)
{
	return rel && rel->relpersistence && rel->relpersistence[0] == 't';
}

static void robust(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;
	const char *con;
	char pkey[300];
	size_t i;

	/* A statement under IF or CASE, or with an EXCEPTION handler, is made
	 * safe to run again by its condition (IF NOT EXISTS (SELECT ...)). */
	if (strata__lint_in_transaction(f) || f->guarded)
		return;
	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		/* A temporary table and its indexes are gone when a retry runs. */
		if (!s->create_stmt->if_not_exists && !is_temporary(s->create_stmt->relation))
			strata__lint_emit(f, R_ROBUST, -1, NULL, "CREATE TABLE %s without IF NOT EXISTS",
				  strata__lint_rel_name(s->create_stmt->relation));
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		if (!strata__lint_table_is_temporary(f, s->index_stmt->relation))
			index_robust(f, s->index_stmt);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (s->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		    s->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN)
			strata__lint_emit(f, R_ROBUST, -1, NULL,
				  "RENAME fails when run a second time; run it in a transaction");
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if (s->drop_stmt->missing_ok &&
		    s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX)
			for (i = 0; i < s->drop_stmt->n_objects; i++) {
				const PgQuery__Node *o = s->drop_stmt->objects[i];

				if (o->node_case == PG_QUERY__NODE__NODE_LIST && o->list->n_items)
					strata__lint_index_dropped_here(
						f, strata__lint_str(o->list->items[o->list->n_items - 1]));
			}
		if (!s->drop_stmt->missing_ok &&
		    (s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		     s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX))
			strata__lint_emit(f, R_ROBUST, -1, NULL, "DROP %s without IF EXISTS",
				  s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE
				  ? "TABLE" : "INDEX");
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		for (i = 0; i < s->alter_table_stmt->n_cmds; i++) {
			const PgQuery__AlterTableCmd *c;

			if (s->alter_table_stmt->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			c = s->alter_table_stmt->cmds[i]->alter_table_cmd;
			switch (c->subtype) {
			case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
				if (!c->missing_ok)
					strata__lint_emit(f, R_ROBUST, -1, NULL, "ADD COLUMN without IF NOT EXISTS");
				break;
			case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
				if (!c->missing_ok)
					strata__lint_emit(f, R_ROBUST, -1, NULL, "DROP %s without IF EXISTS",
						  c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn
						  ? "COLUMN" : "CONSTRAINT");
				else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint)
					strata__lint_constraint_dropped_here(f, s->alter_table_stmt->relation,
								     c->name);
				break;
			case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
				/* Dropped IF EXISTS before (earlier in this statement or
				 * file), it can run again; unnamed, nothing can drop it. */
				if (!c->def || c->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
					break;
				con = c->def->constraint->conname;
				if ((!con || !*con) && c->def->constraint->contype ==
							PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY &&
				    s->alter_table_stmt->relation && s->alter_table_stmt->relation->relname) {
					/* PostgreSQL names it table_pkey */
					snprintf(pkey, sizeof(pkey), "%s_pkey",
						 s->alter_table_stmt->relation->relname);
					con = pkey;
				}
				if (!con || !*con)
					strata__lint_emit(f, R_ROBUST, -1, NULL,
						  "ADD CONSTRAINT without a name cannot run twice; name it "
						  "and precede it with DROP CONSTRAINT IF EXISTS");
				else if (!strata__lint_constraint_was_dropped_here(f, s->alter_table_stmt->relation,
									   con))
					strata__lint_emit(f, R_ROBUST, -1, NULL,
						  "ADD CONSTRAINT %s cannot run twice; precede it with DROP "
						  "CONSTRAINT IF EXISTS %s", con, con);
				break;
			default:
				break;
			}
		}
		break;
	default:
		break;
	}
}

/* "col" when a WHERE clause is only col IS NULL: the backfill of a column,
 * which on an existing table matches every row. */
static const char *backfill_column(const PgQuery__Node *where)
{
	const PgQuery__NullTest *t;
	const PgQuery__ColumnRef *c;

	if (where->node_case != PG_QUERY__NODE__NODE_NULL_TEST)
		return NULL;
	t = where->null_test;
	if (t->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NULL || !t->arg ||
	    t->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return NULL;
	c = t->arg->column_ref;
	return c->n_fields ? strata__lint_str(c->fields[c->n_fields - 1]) : NULL;
}

/* SL213: UPDATE or DELETE of every row of an existing table. */
static void data_change(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;
	const char *col;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		if (strata__lint_table_is_new(f, s->update_stmt->relation))
			break;
		if (!s->update_stmt->where_clause)
			strata__lint_emit(f, R_UNBATCHED_DATA, -1, s->update_stmt->relation,
				  "UPDATE %s without WHERE rewrites every row in one transaction",
				  strata__lint_rel_name(s->update_stmt->relation));
		else if ((col = backfill_column(s->update_stmt->where_clause)) != NULL)
			strata__lint_emit(f, R_UNBATCHED_DATA, -1, s->update_stmt->relation,
				  "UPDATE %s ... WHERE %s IS NULL rewrites every row of a column being "
				  "filled (all of them are NULL) in one transaction",
				  strata__lint_rel_name(s->update_stmt->relation), col);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		if (!s->delete_stmt->where_clause && !strata__lint_table_is_new(f, s->delete_stmt->relation))
			strata__lint_emit(f, R_UNBATCHED_DATA, -1, s->delete_stmt->relation,
				  "DELETE FROM %s without WHERE deletes every row in one transaction",
				  strata__lint_rel_name(s->delete_stmt->relation));
		break;
	default:
		break;
	}
}

void strata__lint_rules_transaction(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;

	data_change(f);
	/* A function body runs when it is called, in its caller's transaction
	 * with its caller's timeouts: the file's BEGIN and COMMIT, its timeouts
	 * and a retry of the migration are nothing to it. */
	if (f->scope == LINT_IN_FUNCTION)
		return;
	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		transaction(f, s->transaction_stmt);
		return;
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
		if (s->variable_set_stmt->name && strcasecmp(s->variable_set_stmt->name, "lock_timeout") == 0)
			f->lock_timeout_set = sets_limit(s->variable_set_stmt) ||
					      (f->is_migration && f->o && f->o->runner_sets_lock_timeout &&
					       s->variable_set_stmt->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE);
		else if (s->variable_set_stmt->name &&
			 strcasecmp(s->variable_set_stmt->name, "statement_timeout") == 0)
			f->statement_timeout_set = sets_limit(s->variable_set_stmt);
		return;
	default:
		break;
	}
	if (f->engine == STRATA_LINT_PG) {
		timeouts(f);
		robust(f);
	}
}

void strata__lint_rules_transaction_end(lint_file *f)
{
	if (f->tx_depth <= 0)
		return;
	f->base = 0;
	f->stmt_start = f->tx_begin_at;
	f->stmt_end = f->tx_begin_at + 1;
	strata__lint_emit(f, R_UNCOMMITTED, -1, NULL, "BEGIN without a matching COMMIT");
}
