/*
 * schema/template.c - the revisions of `strata revision --template`
 * (schema/template.h).
 *
 * Layer: schema. Reads catalogs, writes SQL text; the SQLite rebuild of
 * step 3 is the diff's own (strata__sc_steps_plan), so it keeps the table's other
 * columns, constraints, indexes and triggers as they are.
 */
#include "schema/template.h"
#include "db/db.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The placeholder the user replaces (BATCH_VALUE_PLACEHOLDER of core/batch.h,
 * which lint, upgrade and --sql refuse). */
#define BATCH_VALUE "<value>"

/* PostgreSQL: a plain lowercase name as it is, any other quoted. */
static void put_pg_name(strata_buf *b, const char *name)
{
	const char *c;
	int plain = name[0] && (islower((unsigned char)name[0]) || name[0] == '_');

	for (c = name; plain && *c; c++)
		plain = islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
	if (plain)
		strata__buf_puts(b, name);
	else
		strata__buf_put_sql_ident(b, name);
}

typedef struct tpl {
	int pg;
	const char *schema;   /* PostgreSQL: as given, or NULL (search_path) */
	const char *name;
	const char *column;
	strata_buf t, c, k;   /* table, column and key as SQL */
	char guard[128];      /* the check constraint's (or triggers' prefix) name */
} tpl;

static void put_name(tpl *x, strata_buf *b, const char *name)
{
	if (x->pg)
		put_pg_name(b, name);
	else
		strata__sqt_put_ident(b, name);
}

/* The hint of the STRATA_EINVALID error just set; returns the code. */
static int hinted(const char *hint)
{
	strata_error_hint("%s", hint);
	return STRATA_EINVALID;
}

/* The table options say WITHOUT ROWID (any case). */
static int without_rowid(const char *options)
{
	for (; options && *options; options++)
		if (strncasecmp(options, "without rowid", 13) == 0)
			return 1;
	return 0;
}

static sc_object *find_table(const sc_catalog *cat, const tpl *x)
{
	for (size_t i = 0; i < cat->n; i++) {
		sc_object *o = cat->objs[i];

		if (o->kind == SC_TABLE && strcmp(o->name, x->name) == 0 &&
		    (!x->pg || strcmp(o->schema ? o->schema : "", x->schema ? x->schema : "public") == 0))
			return o;
	}
	return NULL;
}

static sc_column *find_column(sc_object *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

#define KEY_HINT \
	"the backfill is a batched step, which walks one integer primary key: give the table one " \
	"(an identity column) in an earlier revision"

/* The key the backfill walks: PostgreSQL's one-column integer primary key;
 * SQLite's INTEGER PRIMARY KEY, else the rowid. */
static int find_key(tpl *x, const sc_catalog *cat, sc_object *t, const char *label)
{
	const char *key = NULL;

	if (x->pg) {
		for (size_t i = 0; i < cat->n && !key; i++) {
			const sc_object *o = cat->objs[i];

			if (o->kind == SC_CONSTRAINT && o->contype == 'p' && o->table &&
			    strcmp(o->table, t->name) == 0 && strcmp(o->schema, t->schema) == 0) {
				sc_column *c = o->ncon_columns == 1 ? find_column(t, o->con_columns[0])
								     : NULL;

				if (!c || !(strcmp(c->type, "integer") == 0 || strcmp(c->type, "bigint") == 0 ||
					    strcmp(c->type, "smallint") == 0)) {
					strata_error_set(STRATA_EINVALID, "the primary key of %s is not one integer "
							 "column", label);
					return hinted(KEY_HINT);
				}
				key = c->name;
			}
		}
		if (!key) {
			strata_error_set(STRATA_EINVALID, "table %s has no primary key", label);
			return hinted(KEY_HINT);
		}
	} else {
		const sc_column *pk = NULL;
		int npk = 0;

		for (size_t i = 0; i < t->ncols; i++)
			if (t->cols[i].pk) {
				npk++;
				pk = &t->cols[i];
			}
		if (npk == 1 && strcasecmp(pk->type, "integer") == 0) {
			key = pk->name;
		} else if (without_rowid(t->options)) {
			strata_error_set(STRATA_EINVALID, "table %s is WITHOUT ROWID and has no INTEGER "
					 "PRIMARY KEY", label);
			return hinted(KEY_HINT);
		} else {
			key = "rowid";
		}
	}
	put_name(x, &x->k, key);
	return 0;
}

static char *detach(strata_buf *b)
{
	if (strata__buf_check(b) < 0)
		return NULL;
	return strata__buf_detach(b);
}

/* The guard against new NULLs (step 1's up, step 3's down), or its removal. */
static void put_guard(tpl *x, strata_buf *b, int add)
{
	const char *t = strata__buf_cstr(&x->t), *c = strata__buf_cstr(&x->c);

	if (x->pg) {
		if (add)
			strata__buf_printf(b, "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n",
				   t, x->guard, c);
		else
			strata__buf_printf(b, "ALTER TABLE %s DROP CONSTRAINT %s;\n", t, x->guard);
		return;
	}
	if (!add) {
		strata__buf_printf(b, "DROP TRIGGER %s_insert;\nDROP TRIGGER %s_update;\n", x->guard, x->guard);
		return;
	}
	strata__buf_printf(b, "CREATE TRIGGER %s_insert BEFORE INSERT ON %s WHEN NEW.%s IS NULL\n"
		   "BEGIN SELECT RAISE(ABORT, '%s.%s may not be NULL'); END;\n", x->guard, t, c,
		   x->name, x->column);
	strata__buf_printf(b, "CREATE TRIGGER %s_update BEFORE UPDATE ON %s WHEN NEW.%s IS NULL\n"
		   "BEGIN SELECT RAISE(ABORT, '%s.%s may not be NULL'); END;\n", x->guard, t, c,
		   x->name, x->column);
}

/* Step 3 on SQLite: the diff's rebuild from have to work (work: the column NOT NULL). */
static int sqlite_rebuild(sc_steps *rebuild, const sc_catalog *have, const sc_catalog *work)
{
	int rc = strata__sc_steps_plan(rebuild, have, work, NULL);

	if (rc == 0 && rebuild->n != 1)
		rc = strata_error_set(STRATA_ERROR, "the rebuild to NOT NULL came out as %zu steps",
				      rebuild->n);
	return rc;
}

/*
 * A SQLite CREATE TABLE statement *def changed in place: with type, the
 * column added at the end of the column list (NOT NULL when not_null);
 * without, the existing column's definition given NOT NULL.
 */
static int def_change(sc_catalog *cat, char **def, const char *column, const char *type,
		      int not_null)
{
	sqt_tokens tk = { 0 };
	strata_buf b = STRATA_BUF_INIT;
	size_t i, open = 0, close, at = 0;
	int rc;

	if (!type && !not_null)
		return 0;
	if ((rc = strata__sqt_tokenize(&tk, *def)) < 0)
		return rc;
	while (open < tk.n && tk.v[open].type != SQT_LP)
		open++;
	close = open < tk.n ? strata__sqt_close_paren(tk.v, tk.n, open) : tk.n;
	rc = STRATA_ERROR;
	if (close >= tk.n)
		goto done;
	if (type) {
		at = (size_t)(tk.v[close].s - *def);
		strata__buf_putn(&b, *def, at);
		strata__buf_puts(&b, ", ");
		strata__sqt_put_ident(&b, column);
		strata__buf_printf(&b, " %s%s", type, not_null ? " NOT NULL" : "");
	} else {
		int depth = 0, found = 0;

		for (i = open + 1; i <= close && !at; i++) {
			char *name = NULL;

			if (depth == 0 && (tk.v[i - 1].type == SQT_LP || tk.v[i - 1].type == SQT_COMMA) &&
			    i - 1 >= open && (tk.v[i].type == SQT_WORD || tk.v[i].type == SQT_QID)) {
				if (!(name = strata__sqt_name(&tk.v[i])))
					goto done;
				if (i - 1 == open || depth == 0)
					found = found || strcasecmp(name, column) == 0;
				strata_free(name);
			}
			if (tk.v[i].type == SQT_LP)
				depth++;
			else if (tk.v[i].type == SQT_RP && i < close)
				depth--;
			else if (found && depth == 0 && (tk.v[i].type == SQT_COMMA || i == close))
				at = (size_t)(tk.v[i].s - *def);
		}
		if (!at)
			goto done;
		strata__buf_putn(&b, *def, at);
		strata__buf_puts(&b, " NOT NULL");
	}
	strata__buf_puts(&b, *def + at);
	if ((rc = strata__buf_check(&b)) == 0 && !(*def = strata__sc_strndup(cat, b.ptr, b.len)))
		rc = STRATA_ERROR;
done:
	if (rc < 0 && !strata_error_last()->code)
		strata_error_set(STRATA_ERROR, "cannot read the table's CREATE statement");
	strata__buf_release(&b);
	strata__sqt_tokens_release(&tk);
	return rc;
}

int strata__sc_template_not_null(sc_steps *out, sc_catalog *have, sc_catalog *work, const char *table,
			 const char *column, const char *type)
{
	tpl x;
	const char *dot = strrchr(table, '.');
	char schema[128] = "", label[300];
	sc_object *t, *tw;
	sc_column *col, *colw;
	sc_steps rebuild = { 0 };
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT, batch = STRATA_BUF_INIT;
	int rc = STRATA_ERROR, exists;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.pg = have->engine != DB_SQLITE;
	x.name = table;
	x.column = column;
	if (x.pg && dot && (size_t)(dot - table) < sizeof(schema)) {
		memcpy(schema, table, (size_t)(dot - table));
		schema[dot - table] = '\0';
		x.schema = schema;
		x.name = dot + 1;
	}
	snprintf(label, sizeof(label), "%s", table);
	if (!(t = find_table(have, &x)) || !(tw = find_table(work, &x))) {
		strata_error_set(STRATA_EINVALID, "no table %s in the schema the migrations build", label);
		return hinted("name a table the migrations create (strata dump shows their schema)");
	}
	col = find_column(t, column);
	if (col && col->not_null) {
		strata_error_set(STRATA_EINVALID, "%s.%s is NOT NULL already", label, column);
		return hinted("nothing to do: the column is NOT NULL already");
	}
	if (!col && !type) {
		strata_error_set(STRATA_EINVALID, "%s has no column %s yet", label, column);
		return hinted("give the new column's type with --type TYPE (the template adds it "
				 "nullable first)");
	}
	exists = col != NULL;
	if (x.schema) {
		put_name(&x, &x.t, x.schema);
		strata__buf_putc(&x.t, '.');
	}
	put_name(&x, &x.t, x.name);
	put_name(&x, &x.c, column);
	snprintf(x.guard, sizeof(x.guard), "%.28s_%.28s_not_null", x.name, column);
	if ((rc = find_key(&x, have, t, label)) < 0)
		goto done;
	rc = STRATA_ERROR;
	/* Both catalogs get the column (nullable) when it is new: the head after step 1. */
	if (!exists) {
		if (!(col = strata__sc_object_add_column(have, t)) || !(col->name = strata__sc_strdup(have, column)) ||
		    !(col->type = strata__sc_strdup(have, type)))
			goto done;
		col->position = (int)t->ncols;
		if (!(colw = strata__sc_object_add_column(work, tw)) || !(colw->name = strata__sc_strdup(work, column)) ||
		    !(colw->type = strata__sc_strdup(work, type)))
			goto done;
		colw->position = (int)tw->ncols;
	} else if (!(colw = find_column(tw, column))) {
		goto done;
	}
	colw->not_null = 1;
	if (!x.pg) {
		/* SQLite tables are compared, and rebuilt, by their CREATE
		 * statement: both say what the head after step 1 and 3 has. */
		if ((rc = def_change(have, &t->def, column, exists ? NULL : type, 0)) < 0 ||
		    (rc = def_change(work, &tw->def, column, exists ? NULL : type, 1)) < 0 ||
		    (rc = sqlite_rebuild(&rebuild, have, work)) < 0)
			goto done;
	}
	rc = STRATA_ERROR;
	if (!(out->v = strata_calloc(3, sizeof(*out->v))))
		goto done;
	out->n = 3;

	/* 1: the column (when new) and the guard. */
	if (!exists)
		strata__buf_printf(&up, "ALTER TABLE %s ADD COLUMN %s %s;\n", strata__buf_cstr(&x.t), strata__buf_cstr(&x.c), type);
	put_guard(&x, &up, 1);
	put_guard(&x, &down, 0);
	if (!exists)
		strata__buf_printf(&down, "ALTER TABLE %s DROP COLUMN %s;\n", strata__buf_cstr(&x.t), strata__buf_cstr(&x.c));
	out->v[0].label = exists ? "add check" : "add nullable with check";
	out->v[0].transactional = 1;
	if (!(out->v[0].up = detach(&up)) || !(out->v[0].down = detach(&down)))
		goto done;

	/* 2: the batched backfill, its value left for the user. */
	strata__buf_printf(&batch, "UPDATE %s SET %s = " BATCH_VALUE " WHERE %s > :last AND %s <= :next AND "
		   "%s IS NULL;", strata__buf_cstr(&x.t), strata__buf_cstr(&x.c), strata__buf_cstr(&x.k), strata__buf_cstr(&x.k),
		   strata__buf_cstr(&x.c));
	strata__buf_puts(&down, "-- nothing to revert: the rows keep their values (the revision before "
		 "this one removes the column or its check)");
	out->v[1].label = "backfill";
	out->v[1].transactional = 1;
	if (!(out->v[1].batch = detach(&batch)) || !(out->v[1].down = detach(&down)))
		goto done;

	/* 3: validate and set NOT NULL (SQLite: rebuild), the guard gone. */
	if (x.pg) {
		strata__buf_printf(&up, "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n"
			   "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", strata__buf_cstr(&x.t), x.guard,
			   strata__buf_cstr(&x.t), strata__buf_cstr(&x.c));
		put_guard(&x, &up, 0);
		strata__buf_printf(&down, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", strata__buf_cstr(&x.t),
			   strata__buf_cstr(&x.c));
		put_guard(&x, &down, 1);
	} else {
		put_guard(&x, &up, 0);
		strata__buf_puts(&up, rebuild.v[0].up);
		strata__buf_puts(&down, rebuild.v[0].down);
		strata__buf_putc(&down, '\n');
		put_guard(&x, &down, 1);
	}
	out->v[2].label = "validate and set not null";
	out->v[2].transactional = 1;
	if (!(out->v[2].up = detach(&up)) || !(out->v[2].down = detach(&down)))
		goto done;
	rc = 0;
done:
	if (rc < 0)
		strata__sc_steps_release(out);
	strata__sc_steps_release(&rebuild);
	strata__buf_release(&up);
	strata__buf_release(&down);
	strata__buf_release(&batch);
	strata__buf_release(&x.t);
	strata__buf_release(&x.c);
	strata__buf_release(&x.k);
	return rc;
}
