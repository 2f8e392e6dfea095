/*
 * lint/rules_destructive.c - statements that lose data or break the code
 * still running against the old schema: drops, renames, TRUNCATE CASCADE,
 * enum values (SL202-SL209, SL211, SL212).
 *
 * Layer: lint. Reads one statement (f->stmt); see lint.h. Objects created
 * earlier in the same range are exempt: nothing runs against them yet
 * (a column too, when an ADD COLUMN there made it).
 */
#include "lint/lint.h"

#include <string.h>

/* A RangeVar for a dotted name list (DROP TABLE a.b): borrowed strings. */
static PgQuery__RangeVar range_of(const PgQuery__Node *names)
{
	PgQuery__RangeVar rv;
	const PgQuery__List *l;

	memset(&rv, 0, sizeof(rv));
	rv.location = -1;
	if (!names || names->node_case != PG_QUERY__NODE__NODE_LIST || !names->list->n_items)
		return rv;
	l = names->list;
	rv.relname = (char *)lint_str(l->items[l->n_items - 1]);
	if (l->n_items > 1)
		rv.schemaname = (char *)lint_str(l->items[l->n_items - 2]);
	return rv;
}

static void drop(lint_file *f, const PgQuery__DropStmt *d)
{
	size_t i;

	for (i = 0; i < d->n_objects; i++) {
		PgQuery__RangeVar rv = range_of(d->objects[i]);

		switch (d->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
			if (rv.relname && !lint_table_is_new(f, &rv))
				lint_emit(f, R_DROP_TABLE, -1, NULL, "DROP TABLE %s loses its data%s",
					  lint_rel_name(&rv), d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE
					  ? " and, with CASCADE, every object that depends on it" : "");
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
			lint_emit(f, R_DROP_SCHEMA, -1, NULL, "DROP SCHEMA %s drops everything in it",
				  lint_str(d->objects[i]) ? lint_str(d->objects[i]) : "?");
			break;
		default:
			return;
		}
	}
}

static void alter_table(lint_file *f, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	if (lint_table_is_new(f, a->relation))
		return;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn &&
		    !lint_column_is_new(f, a->relation, c->name))
			lint_emit(f, R_DROP_COLUMN, -1, NULL,
				  "DROP COLUMN %s.%s loses its data and breaks code that still uses it",
				  lint_rel_name(a->relation), c->name ? c->name : "?");
	}
}

static void rename(lint_file *f, const PgQuery__RenameStmt *r)
{
	switch (r->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
		if (r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
		    !lint_table_is_new(f, r->relation))
			lint_emit(f, R_RENAME_COLUMN, -1, NULL,
				  "renaming %s.%s to %s breaks code that still uses the old name",
				  lint_rel_name(r->relation), r->subname ? r->subname : "?",
				  r->newname ? r->newname : "?");
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		if (!lint_table_is_new(f, r->relation))
			lint_emit(f, R_RENAME_TABLE, -1, NULL,
				  "renaming table %s to %s breaks code that still uses the old name",
				  lint_rel_name(r->relation), r->newname ? r->newname : "?");
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		lint_emit(f, R_RENAME_SCHEMA, -1, NULL,
			  "renaming schema %s to %s breaks code that still names it",
			  r->subname ? r->subname : "?", r->newname ? r->newname : "?");
		break;
	default:
		break;
	}
}

static void alter_enum(lint_file *f, const PgQuery__AlterEnumStmt *e)
{
	if (e->old_val && *e->old_val) {
		lint_emit(f, R_RENAME_ENUM_VALUE, -1, NULL,
			  "renaming enum value '%s' to '%s' breaks code that still writes the old one",
			  e->old_val, e->new_val ? e->new_val : "?");
		return;
	}
	if (e->new_val && !(e->new_val_neighbor && *e->new_val_neighbor))
		lint_emit(f, R_ENUM_ORDER, -1, NULL,
			  "ADD VALUE '%s' without BEFORE or AFTER appends it at the end", e->new_val);
}

void lint_rules_destructive(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(f, s->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		lint_emit(f, R_DROP_DATABASE, -1, NULL, "DROP DATABASE %s",
			  s->dropdb_stmt->dbname ? s->dropdb_stmt->dbname : "");
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (s->alter_table_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			alter_table(f, s->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename(f, s->rename_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		alter_enum(f, s->alter_enum_stmt);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		if (s->truncate_stmt->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
			lint_emit(f, R_TRUNCATE_CASCADE, -1, NULL,
				  "TRUNCATE ... CASCADE also empties every table that references it");
		break;
	default:
		break;
	}
}
