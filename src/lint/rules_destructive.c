/*
 * lint/rules_destructive.c - statements that lose data or break the code
 * still running against the old schema: drops, renames, TRUNCATE CASCADE,
 * enum values (SL202-SL209, SL211, SL212).
 *
 * Layer: lint. Reads one statement (f->stmt); see lint.h. Objects created
 * earlier in the same range are exempt: nothing runs against them yet
 * (a column too, when an ADD COLUMN there made it).
 *
 * A table rebuild keeps its rows (SQLite's way of changing a table: CREATE
 * TABLE new, INSERT INTO new (...) SELECT ... FROM t, DROP TABLE t, ALTER
 * TABLE new RENAME TO t): the DROP TABLE of a table whose every row was
 * copied earlier in the file into a new table is no SL203. When the
 * table's columns are known (lint.h, invariant 4), a column the copy
 * leaves behind is an SL202 at the DROP TABLE.
 */
#include "lint/lint.h"
#include "strata/error.h"
#include "util/buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* ---- column lists: lower-case names, each ended by '\x1f' --------------- */

static int put_column(strata_buf *b, const char *name)
{
	for (; name && *name; name++)
		if (strata__buf_putc(b, (char)tolower((unsigned char)*name)) != 0)
			return STRATA_ERROR;
	return strata__buf_putc(b, '\x1f');
}

/* Where the entry of name[0..n) starts in list, or NULL. */
static const char *find_column_n(const char *list, const char *name, size_t n)
{
	for (const char *p = list; p && *p; p = strchr(p, '\x1f') + 1)
		if (strncasecmp(p, name, n) == 0 && p[n] == '\x1f')
			return p;
	return NULL;
}

static const char *find_column(const char *list, const char *name)
{
	return find_column_n(list, name, strlen(name));
}

/* rel's known column list with `drop` left out and `add` added (either NULL). */
static void change_columns(lint_file *f, const PgQuery__RangeVar *rel, const char *drop,
			   const char *add)
{
	const char *list = strata__lint_table_columns(f, rel), *gone;
	strata_buf b = STRATA_BUF_INIT;

	if (!list)
		return;
	gone = drop ? find_column(list, drop) : NULL;
	if (gone && (strata__buf_putn(&b, list, (size_t)(gone - list)) != 0 ||
		     strata__buf_puts(&b, strchr(gone, '\x1f') + 1) != 0))
		goto done;
	if (!gone && strata__buf_puts(&b, list) != 0)
		goto done;
	if (add && put_column(&b, add) != 0)
		goto done;
	strata__lint_table_columns_set(f, rel, strata__buf_cstr(&b));
done:
	strata__buf_release(&b);
}

static int is_rowid(const char *name)
{
	return strcasecmp(name, "rowid") == 0 || strcasecmp(name, "oid") == 0 ||
	       strcasecmp(name, "_rowid_") == 0;
}

static void create_table(lint_file *f, const PgQuery__CreateStmt *c)
{
	strata_buf cols = STRATA_BUF_INIT;
	int known = !c->n_inh_relations && !c->of_typename && !c->partbound;
	size_t i;

	for (i = 0; known && i < c->n_table_elts; i++) {
		const PgQuery__Node *e = c->table_elts[i];

		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			known = put_column(&cols, e->column_def->colname) == 0;
		else if (e->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			known = 0; /* LIKE */
	}
	strata__lint_table_columns_set(f, c->relation, known && cols.len ? strata__buf_cstr(&cols) : NULL);
	strata__buf_release(&cols);
}

/* INSERT INTO new (cols) SELECT ... FROM t, every row of t (no WHERE,
 * LIMIT, grouping or set operation), new created in this range. */
static void insert(lint_file *f, const PgQuery__InsertStmt *ins)
{
	const PgQuery__SelectStmt *sel;
	strata_buf cols = STRATA_BUF_INIT;
	size_t i;

	if (!strata__lint_table_is_new(f, ins->relation) || !ins->select_stmt || ins->with_clause ||
	    ins->select_stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
		return;
	sel = ins->select_stmt->select_stmt;
	if (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE || sel->n_from_clause != 1 ||
	    sel->from_clause[0]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR || sel->where_clause ||
	    sel->limit_count || sel->limit_offset || sel->n_group_clause || sel->having_clause ||
	    sel->n_distinct_clause || sel->with_clause)
		return;
	for (i = 0; i < ins->n_cols; i++) {
		const PgQuery__Node *t = ins->cols[i];

		if (t->node_case == PG_QUERY__NODE__NODE_RES_TARGET && t->res_target->name &&
		    !is_rowid(t->res_target->name) && put_column(&cols, t->res_target->name) != 0) {
			strata__buf_release(&cols);
			return;
		}
	}
	strata__lint_rows_copied(f, sel->from_clause[0]->range_var, strata__buf_cstr(&cols));
	strata__buf_release(&cols);
}

/* DROP TABLE of a table whose rows were copied: what the copy left behind. */
static void drop_rebuilt(lint_file *f, const PgQuery__RangeVar *rel, const char *copied)
{
	const char *list = strata__lint_table_columns(f, rel);
	strata_buf lost = STRATA_BUF_INIT;

	if (!list || !*copied)
		return; /* not known, or every column copied */
	for (const char *p = list; *p; p = strchr(p, '\x1f') + 1) {
		size_t n = (size_t)(strchr(p, '\x1f') - p);

		if (!find_column_n(copied, p, n) &&
		    ((lost.len && strata__buf_puts(&lost, ", ") != 0) || strata__buf_putn(&lost, p, n) != 0))
			break;
	}
	if (lost.len)
		strata__lint_emit(f, R_DROP_COLUMN, -1, NULL,
			  "the rebuild of %s copies its rows but not column(s) %s: their data is lost "
			  "and code that still uses them breaks", strata__lint_rel_name(rel), strata__buf_cstr(&lost));
	strata__buf_release(&lost);
}

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
	rv.relname = (char *)strata__lint_str(l->items[l->n_items - 1]);
	if (l->n_items > 1)
		rv.schemaname = (char *)strata__lint_str(l->items[l->n_items - 2]);
	return rv;
}

static void drop(lint_file *f, const PgQuery__DropStmt *d)
{
	size_t i;

	for (i = 0; i < d->n_objects; i++) {
		PgQuery__RangeVar rv = range_of(d->objects[i]);

		switch (d->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: {
			const char *copied = strata__lint_rows_copied_from(f, &rv);

			if (rv.relname && !strata__lint_table_is_new(f, &rv) && copied)
				drop_rebuilt(f, &rv, copied);
			else if (rv.relname && !strata__lint_table_is_new(f, &rv))
				strata__lint_emit(f, R_DROP_TABLE, -1, NULL, "DROP TABLE %s loses its data%s",
					  strata__lint_rel_name(&rv), d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE
					  ? " and, with CASCADE, every object that depends on it" : "");
			strata__lint_table_columns_set(f, &rv, NULL);
			break;
		}
		case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
			if (strata__lint_schema_is_own(f, strata__lint_str(d->objects[i])))
				break; /* undoes this revision's own CREATE SCHEMA */
			strata__lint_emit(f, R_DROP_SCHEMA, -1, NULL, "DROP SCHEMA %s drops everything in it",
				  strata__lint_str(d->objects[i]) ? strata__lint_str(d->objects[i]) : "?");
			break;
		default:
			return;
		}
	}
}

static void alter_table(lint_file *f, const PgQuery__AlterTableStmt *a)
{
	int is_new = strata__lint_table_is_new(f, a->relation);
	size_t i;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			change_columns(f, a->relation, NULL, c->def->column_def->colname);
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn && c->name)
			change_columns(f, a->relation, c->name, NULL);
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn && !is_new &&
		    !strata__lint_column_is_new(f, a->relation, c->name))
			strata__lint_emit(f, R_DROP_COLUMN, -1, NULL,
				  "DROP COLUMN %s.%s loses its data and breaks code that still uses it",
				  strata__lint_rel_name(a->relation), c->name ? c->name : "?");
	}
}

/* What a rename does to the known column lists. */
static void rename_columns(lint_file *f, const PgQuery__RenameStmt *r)
{
	PgQuery__RangeVar to;
	const char *list;

	if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN && r->subname && r->newname) {
		change_columns(f, r->relation, r->subname, r->newname);
	} else if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && r->relation &&
		   r->newname && (list = strata__lint_table_columns(f, r->relation))) {
		to = *r->relation;
		to.relname = r->newname;
		strata__lint_table_columns_set(f, &to, list); /* list stays with the report */
		strata__lint_table_columns_set(f, r->relation, NULL);
	}
}

static void rename(lint_file *f, const PgQuery__RenameStmt *r)
{
	rename_columns(f, r);
	switch (r->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
		if (r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
		    !strata__lint_table_is_new(f, r->relation))
			strata__lint_emit(f, R_RENAME_COLUMN, -1, NULL,
				  "renaming %s.%s to %s breaks code that still uses the old name",
				  strata__lint_rel_name(r->relation), r->subname ? r->subname : "?",
				  r->newname ? r->newname : "?");
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		if (!strata__lint_table_is_new(f, r->relation))
			strata__lint_emit(f, R_RENAME_TABLE, -1, NULL,
				  "renaming table %s to %s breaks code that still uses the old name",
				  strata__lint_rel_name(r->relation), r->newname ? r->newname : "?");
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		strata__lint_emit(f, R_RENAME_SCHEMA, -1, NULL,
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
		strata__lint_emit(f, R_RENAME_ENUM_VALUE, -1, NULL,
			  "renaming enum value '%s' to '%s' breaks code that still writes the old one",
			  e->old_val, e->new_val ? e->new_val : "?");
		return;
	}
	if (e->new_val && !(e->new_val_neighbor && *e->new_val_neighbor))
		strata__lint_emit(f, R_ENUM_ORDER, -1, NULL,
			  "ADD VALUE '%s' without BEFORE or AFTER appends it at the end", e->new_val);
}

void strata__lint_rules_destructive(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(f, s->create_stmt);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		insert(f, s->insert_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(f, s->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		strata__lint_emit(f, R_DROP_DATABASE, -1, NULL, "DROP DATABASE %s",
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
			strata__lint_emit(f, R_TRUNCATE_CASCADE, -1, NULL,
				  "TRUNCATE ... CASCADE also empties every table that references it");
		break;
	default:
		break;
	}
}
