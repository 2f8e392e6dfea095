/*
 * lint/rules_index.c - index builds and drops, REINDEX, DETACH PARTITION,
 * VACUUM FULL and CLUSTER: the statements whose lock or rewrite depends on
 * CONCURRENTLY (SL101-SL105, SL117, SL120, SL121).
 *
 * Layer: lint. Reads one statement (f->stmt); see lint.h. CONCURRENTLY in
 * a DO block or function body always fails: both run in a transaction.
 */
#include "lint/lint.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int pg14_buggy(const lint_file *f)
{
	int v = f->o ? f->o->pg_version_num : 0;

	return v >= 140000 && v < 140004;
}

static void concurrently_in_tx(lint_file *f, const char *what)
{
	if (f->scope != LINT_IN_FILE) {
		strata__lint_emit(f, R_CONCURRENT_IN_TX, -1, NULL, "%s CONCURRENTLY inside a transaction (the "
			  "statements of a %s always run in one)", what,
			  f->scope == LINT_IN_FUNCTION ? "function" : "DO block");
		return;
	}
	if (!strata__lint_in_transaction(f))
		return;
	strata__lint_emit(f, R_CONCURRENT_IN_TX, -1, NULL, "%s CONCURRENTLY inside a transaction%s", what,
		  f->transactional && f->is_migration
		  ? " (this migration has 'transaction: on')"
		  : f->transactional ? " (the file is assumed to run in one transaction)"
				     : " (after BEGIN)");
}

static void create_index(lint_file *f, const PgQuery__IndexStmt *ix)
{
	const char *name = ix->idxname && *ix->idxname ? ix->idxname : "(unnamed)";

	if (ix->concurrent) {
		concurrently_in_tx(f, "CREATE INDEX");
		if (pg14_buggy(f))
			strata__lint_emit(f, R_PG14_CONCURRENT, -1, NULL,
				  "the server is PostgreSQL %d.%d, whose concurrent index builds can "
				  "corrupt indexes", f->o->pg_version_num / 10000,
				  f->o->pg_version_num % 100);
	} else if (!strata__lint_table_is_new(f, ix->relation)) {
		strata__lint_emit(f, R_CONCURRENT_INDEX, ix->relation ? ix->relation->location : -1,
			  ix->relation, "CREATE %sINDEX %s on existing table %s blocks writes while "
			  "it builds; use CONCURRENTLY", ix->unique ? "UNIQUE " : "", name,
			  strata__lint_rel_name(ix->relation));
	}
	if (!ix->unique && ix->n_index_params > 3)
		strata__lint_emit(f, R_INDEX_COLUMNS, -1, NULL, "index %s has %zu columns", name,
			  ix->n_index_params);
}

static void drop_index(lint_file *f, const PgQuery__DropStmt *d)
{
	size_t i;

	if (d->concurrent) {
		concurrently_in_tx(f, "DROP INDEX");
		return;
	}
	for (i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		const char *schema = NULL, *name = NULL;

		if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
			continue;
		name = strata__lint_str(o->list->items[o->list->n_items - 1]);
		if (o->list->n_items > 1)
			schema = strata__lint_str(o->list->items[o->list->n_items - 2]);
		if (name && strata__lint_index_is_new(f, schema, name))
			continue;
		strata__lint_emit(f, R_CONCURRENT_DROP_INDEX, -1, NULL,
			  "DROP INDEX %s takes an ACCESS EXCLUSIVE lock on its table; use CONCURRENTLY",
			  name ? name : "?");
	}
}

static void reindex(lint_file *f, const PgQuery__ReindexStmt *s)
{
	if (strata__lint_has_option(s->params, s->n_params, "concurrently")) {
		concurrently_in_tx(f, "REINDEX");
		return;
	}
	if (s->relation && strata__lint_table_is_new(f, s->relation))
		return;
	strata__lint_emit(f, R_CONCURRENT_REINDEX, -1, s->relation, "REINDEX %s without CONCURRENTLY",
		  s->relation ? strata__lint_rel_name(s->relation) : s->name ? s->name : "");
}

static void alter_table(lint_file *f, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;
		const PgQuery__PartitionCmd *p;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition || !c->def ||
		    c->def->node_case != PG_QUERY__NODE__NODE_PARTITION_CMD)
			continue;
		p = c->def->partition_cmd;
		if (p->concurrent) {
			concurrently_in_tx(f, "DETACH PARTITION");
		} else if (!strata__lint_table_is_new(f, a->relation)) {
			/* strata__lint_rel_name() has one buffer: copy the first name out */
			char partition[300];

			snprintf(partition, sizeof(partition), "%s", strata__lint_rel_name(p->name));
			strata__lint_emit(f, R_CONCURRENT_DETACH, -1, a->relation,
				  "DETACH PARTITION %s from %s without CONCURRENTLY", partition,
				  strata__lint_rel_name(a->relation));
		}
	}
}

static void vacuum(lint_file *f, const PgQuery__VacuumStmt *v)
{
	size_t i;

	if (!v->is_vacuumcmd || !strata__lint_has_option(v->options, v->n_options, "full"))
		return;
	for (i = 0; i < v->n_rels; i++) {
		const PgQuery__Node *n = v->rels[i];

		if (n->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION &&
		    strata__lint_table_is_new(f, n->vacuum_relation->relation))
			return;
	}
	strata__lint_emit(f, R_REPACK, -1, v->n_rels && v->rels[0]->node_case ==
		  PG_QUERY__NODE__NODE_VACUUM_RELATION ? v->rels[0]->vacuum_relation->relation : NULL,
		  "VACUUM FULL rewrites %s under an ACCESS EXCLUSIVE lock",
		  v->n_rels ? "the table" : "every table");
}

void strata__lint_rules_index(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		create_index(f, s->index_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if (s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX)
			drop_index(f, s->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		reindex(f, s->reindex_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(f, s->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		vacuum(f, s->vacuum_stmt);
		break;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		if (!s->cluster_stmt->relation || !strata__lint_table_is_new(f, s->cluster_stmt->relation))
			strata__lint_emit(f, R_REPACK, -1, s->cluster_stmt->relation,
				  "CLUSTER %s rewrites the table under an ACCESS EXCLUSIVE lock",
				  s->cluster_stmt->relation ? strata__lint_rel_name(s->cluster_stmt->relation)
							    : "");
		break;
	default:
		break;
	}
}
