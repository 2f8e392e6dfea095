/*
 * online/sqlite_rebuild.c - the online operations SQLite's ALTER TABLE
 * cannot do, run through the table rebuild SQLite documents (create the
 * new table, copy the rows, drop the old, rename; indexes and triggers
 * made again), in the caller's transaction.
 *
 * Layer: online, over schema (the catalog model and the SQLite diff, as
 * core/planfile.c uses them) and db. Nothing here prints.
 *
 * No rebuild SQL is written here: the table is introspected, the
 * operation is applied to a second copy of the catalog (the target), and
 * the SQLite diff (schema/diff_sqlite.c) emits the rebuild, as it does for
 * autogenerate. So the copy, the indexes, triggers and views around the
 * table and the foreign-key handling are the diff's.
 *
 * Invariants:
 *  1. Foreign keys are off on the connection (the runner starts every
 *     SQLite step so: PRAGMA foreign_keys does nothing in a transaction);
 *     after the rebuild PRAGMA foreign_key_check must return no row, else
 *     the step fails and its transaction is rolled back.
 *  2. What runs is appended to `ran` when given, statement by statement,
 *     so --sql shows exactly what upgrade runs (on a scratch database
 *     holding the schema the revision starts from).
 *  3. An expression of the file ("up" of alter_column, create_constraint,
 *     drop_constraint) fills the column with an UPDATE before the rebuild,
 *     so a column made NOT NULL (or checked) is right before it is copied.
 *
 * Operations (up): alter_column (type, nullable, default, check, unique,
 * references; name renames first with ALTER TABLE), create_constraint
 * (check, unique, foreign_key, primary_key), drop_constraint,
 * drop_multicolumn_constraint, rename_constraint, drop_column (the
 * constraints and indexes on the column go with it), add_column of a
 * NOT NULL column without a default or of a unique one (added nullable,
 * filled from "up", then rebuilt). Inverses (down): create_constraint
 * drops it, rename_constraint renames back, add_column drops the column.
 */
#include "online/online_int.h"
#include "schema/diff.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Run one statement (and note it in ran). */
static int run_sql(strata_db *db, strata_buf *ran, const char *sql)
{
	int rc = strata__db_exec(db, sql, 0, NULL);

	if (rc == 0 && ran && (strata__buf_puts(ran, sql) != 0 || strata__buf_puts(ran, ";\n") != 0))
		return STRATA_ERROR;
	if (rc < 0)
		strata_error_append("\n  running: %.300s", sql);
	return rc;
}

static int run_fmt_take(strata_db *db, strata_buf *ran, strata_buf *b)
{
	int rc = strata__buf_check(b) < 0 ? STRATA_ERROR : run_sql(db, ran, strata__buf_cstr(b));

	strata__buf_clear(b);
	return rc;
}

/* "UPDATE t SET col = (expr)" for each entry of a {column: expr} map. */
static int fill_columns(strata_db *db, strata_buf *ran, const char *table, const json_t *map)
{
	strata_buf b = STRATA_BUF_INIT;
	const char *col;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)map, col, v) {
		if (rc == 0 && json_is_string(v)) {
			strata__sqlf(&b, "UPDATE %I SET %I = (%s)", table, col, json_string_value(v));
			rc = run_fmt_take(db, ran, &b);
		}
	}
	strata__buf_release(&b);
	return rc;
}

static int fill_column(strata_db *db, strata_buf *ran, const char *table, const char *col,
		       const char *expr)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	if (!expr)
		return 0;
	strata__sqlf(&b, "UPDATE %I SET %I = (%s)", table, col, expr);
	rc = run_fmt_take(db, ran, &b);
	strata__buf_release(&b);
	return rc;
}

/* ---- the target catalog ------------------------------------------------- */

typedef struct target {
	const strata_online_migration *mig;
	size_t op;
	const char *kind;
	sc_catalog *cat;
	sc_object *table;
} target;

static int refuse(const target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const target *t, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	strata_error_set(STRATA_EINVALID, "%s: operations[%zu].%s: %s", t->mig->source, t->op,
			 t->kind, why);
	strata_error_hint("fix the operation file; nothing was changed");
	return STRATA_EINVALID;
}

static sc_column *column_of(const target *t, const char *name)
{
	for (size_t i = 0; i < t->table->ncols; i++)
		if (strcasecmp(t->table->cols[i].name, name) == 0)
			return &t->table->cols[i];
	return NULL;
}

static int need_column(sc_column **out, const target *t, const char *name)
{
	if (!(*out = column_of(t, name)))
		return refuse(t, "table has no column \"%s\"", name);
	return 0;
}

/* Point a field of the catalog at a copy of value (or NULL); the old
 * string stays in the catalog's arena. */
static int set_str(const target *t, char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strata__sc_strdup(t->cat, value)))
		return STRATA_ERROR;
	*field = copy;
	return 0;
}

static sc_object *constraint_named(const target *t, const char *name)
{
	for (size_t i = 0; i < t->cat->n; i++) {
		sc_object *o = t->cat->objs[i];

		if (o->kind == SC_CONSTRAINT && strata__sc_str_eq(o->table, t->table->name) &&
		    strcasecmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/* A new constraint of the table: "CONSTRAINT name " then body. */
static int add_constraint(const target *t, const char *name, char type, const json_t *columns,
			  const char *column, const char *body)
{
	strata_buf def = STRATA_BUF_INIT;
	sc_object *k;
	size_t i;
	json_t *v;

	if (constraint_named(t, name))
		return refuse(t, "the table already has a constraint \"%s\"", name);
	if (!(k = strata__sc_catalog_add(t->cat, SC_CONSTRAINT)))
		return STRATA_ERROR;
	k->contype = type;
	if (strata__buf_puts(&def, "CONSTRAINT ") != 0 || strata__sqt_put_ident(&def, name) != 0 ||
	    strata__buf_putc(&def, ' ') != 0 || strata__buf_puts(&def, body) != 0 || !(k->def = strata__sc_take(t->cat, strata__buf_detach(&def))) ||
	    !(k->name = strata__sc_strdup(t->cat, name)) || !(k->table = strata__sc_strdup(t->cat, t->table->name)))
		goto oom;
	if (column && strata__sc_strv_add(t->cat, &k->con_columns, &k->ncon_columns, column) != 0)
		goto oom;
	json_array_foreach(columns, i, v)
		if (strata__sc_strv_add(t->cat, &k->con_columns, &k->ncon_columns, json_string_value(v)) != 0)
			goto oom;
	return strata__sc_catalog_finish(t->cat);
oom:
	strata__buf_release(&def);
	return STRATA_ERROR;
}

/* "(a, b)" of a JSON array of names, or of one name. */
static int put_names(strata_buf *b, const json_t *names, const char *one)
{
	size_t i;
	json_t *v;

	strata__buf_putc(b, '(');
	if (one)
		strata__sqt_put_ident(b, one);
	json_array_foreach(names, i, v) {
		if (i || one)
			strata__buf_puts(b, ", ");
		strata__sqt_put_ident(b, json_string_value(v));
	}
	strata__buf_putc(b, ')');
	return strata__buf_check(b);
}

/* The body of a foreign key: pgroll's "references" of a column
 * ({table, column}) or of a constraint ({table, columns}). */
static int put_references(strata_buf *b, const json_t *ref, const json_t *from, const char *col)
{
	const json_t *to = json_object_get(ref, "columns");

	strata__buf_puts(b, "FOREIGN KEY ");
	put_names(b, from, col);
	strata__buf_puts(b, " REFERENCES ");
	strata__sqt_put_ident(b, str(ref, "table"));
	strata__buf_putc(b, ' ');
	put_names(b, to, to ? NULL : str(ref, "column"));
	if (str(ref, "on_update"))
		strata__buf_printf(b, " ON UPDATE %s", str(ref, "on_update"));
	if (str(ref, "on_delete"))
		strata__buf_printf(b, " ON DELETE %s", str(ref, "on_delete"));
	return strata__buf_check(b);
}

int strata__online_sqlite_constraint_body(strata_buf *b, const json_t *con)
{
	const char *type = str(con, "type");
	const json_t *cols = json_object_get(con, "columns");

	if (strcmp(type, "check") == 0)
		return strata__buf_printf(b, "CHECK (%s)", str(con, "check")) < 0 ? STRATA_ERROR : 0;
	if (strcmp(type, "unique") == 0)
		return strata__buf_puts(b, "UNIQUE ") < 0 ? STRATA_ERROR : put_names(b, cols, NULL);
	if (strcmp(type, "primary_key") == 0)
		return strata__buf_puts(b, "PRIMARY KEY ") < 0 ? STRATA_ERROR : put_names(b, cols, NULL);
	if (strcmp(type, "foreign_key") == 0)
		return put_references(b, json_object_get(con, "references"), cols, NULL);
	return STRATA_EINVALID;
}

/* A column's check / unique / references of alter_column. */
static int add_column_constraints(const target *t, const json_t *body, const char *col)
{
	const json_t *chk = json_object_get(body, "check"), *uq = json_object_get(body, "unique"),
		     *ref = json_object_get(body, "references");
	strata_buf b = STRATA_BUF_INIT;
	int rc = 0;

	if (chk && (rc = strata__buf_printf(&b, "CHECK (%s)", str(chk, "constraint"))) == 0)
		rc = add_constraint(t, str(chk, "name"), 'c', NULL, col, strata__buf_cstr(&b));
	strata__buf_clear(&b);
	if (rc == 0 && uq && (rc = strata__buf_puts(&b, "UNIQUE ")) == 0 &&
	    (rc = put_names(&b, NULL, col)) == 0)
		rc = add_constraint(t, str(uq, "name"), 'u', NULL, col, strata__buf_cstr(&b));
	strata__buf_clear(&b);
	if (rc == 0 && ref && (rc = put_references(&b, ref, NULL, col)) == 0)
		rc = add_constraint(t, str(ref, "name"), 'f', NULL, col, strata__buf_cstr(&b));
	strata__buf_release(&b);
	return rc;
}

static int drop_named(const sc_object *o, void *payload)
{
	return o == payload;
}

static int drop_constraint(const target *t, const char *name)
{
	sc_object *k = constraint_named(t, name);

	if (!k)
		return refuse(t, "the table has no constraint \"%s\"", name);
	return strata__sc_catalog_drop_if(t->cat, drop_named, k);
}

/* Whether a definition names the column (a token equal to it). */
static int def_mentions(const char *def, const char *col)
{
	sqt_tokens tk = { 0 };
	int yes = 0;

	if (strata__sqt_tokenize(&tk, def) != 0)
		return 1; /* unreadable: treat as depending on it */
	for (size_t i = 0; i < tk.n && !yes; i++) {
		char *name = (tk.v[i].type == SQT_WORD || tk.v[i].type == SQT_QID)
				     ? strata__sqt_name(&tk.v[i]) : NULL;

		yes = name && strcasecmp(name, col) == 0;
		strata_free(name);
	}
	strata__sqt_tokens_release(&tk);
	return yes;
}

typedef struct dropping {
	const char *table, *col;
} dropping;

/* Constraints on the column, and indexes whose columns name it. */
static int on_column(const sc_object *o, void *payload)
{
	const dropping *d = payload;

	if (!strata__sc_str_eq(o->table, d->table))
		return 0;
	if (o->kind == SC_CONSTRAINT)
		return strata__sc_strv_has(o->con_columns, o->ncon_columns, d->col) ||
		       (o->contype == 'c' && def_mentions(o->def, d->col));
	if (o->kind == SC_INDEX) {
		const char *cols = strstr(o->def, " ON ");

		return cols && def_mentions(strchr(cols, '(') ? strchr(cols, '(') : cols, d->col);
	}
	return 0;
}

static int drop_column(target *t, const char *name)
{
	sc_column *c;
	dropping d = { t->table->name, name };
	size_t at;

	if (need_column(&c, t, name) < 0)
		return STRATA_EINVALID;
	if (c->pk)
		return refuse(t, "column \"%s\" is in the primary key", name);
	at = (size_t)(c - t->table->cols);
	memmove(c, c + 1, (t->table->ncols - at - 1) * sizeof(*c));
	t->table->ncols--;
	return strata__sc_catalog_drop_if(t->cat, on_column, &d);
}

static int rename_constraint(const target *t, const char *from, const char *to)
{
	sc_object *k = constraint_named(t, from);
	strata_buf body = STRATA_BUF_INIT;
	const char *rest;
	char type;
	int rc;

	if (!k)
		return refuse(t, "the table has no constraint \"%s\"", from);
	/* the body after a "CONSTRAINT name " prefix, if the def has one */
	rest = k->def;
	if (strncmp(rest, "CONSTRAINT ", 11) == 0) {
		sqt_tokens tk = { 0 };

		if (strata__sqt_tokenize(&tk, k->def) != 0 || tk.n < 3) {
			strata__sqt_tokens_release(&tk);
			return STRATA_ERROR;
		}
		rest = tk.v[2].s;
		rc = strata__buf_puts(&body, rest);
		strata__sqt_tokens_release(&tk);
	} else {
		rc = strata__buf_puts(&body, rest);
	}
	type = k->contype;
	if (rc == 0 && (rc = strata__sc_catalog_drop_if(t->cat, drop_named, k)) == 0)
		rc = add_constraint(t, to, type, NULL, NULL, strata__buf_cstr(&body));
	strata__buf_release(&body);
	return rc;
}

static int primary_key(target *t, const json_t *columns)
{
	size_t i;
	json_t *v;

	for (size_t k = 0; k < t->cat->n; k++) {
		sc_object *o = t->cat->objs[k];

		if (o->kind == SC_CONSTRAINT && o->contype == 'p' && strata__sc_str_eq(o->table, t->table->name))
			return refuse(t, "the table has a primary key already (\"%s\")", o->name);
	}
	json_array_foreach(columns, i, v) {
		sc_column *c;

		if (need_column(&c, t, json_string_value(v)) < 0)
			return STRATA_EINVALID;
		c->pk = (int)i + 1;
		c->not_null = 1;
	}
	return 0;
}

/* ---- operations --------------------------------------------------------- */

/* Statements that run before the rebuild, then the change to the target. */
static int apply_up(target *t, strata_db *db, strata_buf *ran, const json_t *body)
{
	const char *table = t->table->name;
	sc_column *c;
	int rc;

	if (strcmp(t->kind, "alter_column") == 0) {
		const char *col = str(body, "column");
		const json_t *dflt = json_object_get(body, "default");

		if ((rc = need_column(&c, t, col)) < 0 ||
		    (rc = fill_column(db, ran, table, col, str(body, "up"))) < 0)
			return rc;
		if (str(body, "type") && (rc = set_str(t, &c->type, str(body, "type"))) < 0)
			return rc;
		if (json_is_boolean(json_object_get(body, "nullable")))
			c->not_null = !json_is_true(json_object_get(body, "nullable"));
		if (dflt) {
			strata_buf d = STRATA_BUF_INIT;

			if (json_is_string(dflt))
				strata__buf_printf(&d, "(%s)", json_string_value(dflt));
			rc = strata__buf_check(&d) < 0 ? STRATA_ERROR
					       : set_str(t, &c->default_expr, d.len ? strata__buf_cstr(&d) : NULL);
			strata__buf_release(&d);
			if (rc < 0)
				return rc;
		}
		/* a rename is SQLite's own ALTER TABLE, after the rebuild (see
		 * strata__online_sqlite_rebuild): the target keeps the column's name */
		return add_column_constraints(t, body, col);
	}
	if (strcmp(t->kind, "create_constraint") == 0) {
		const char *type = str(body, "type"), *name = str(body, "name");
		const json_t *cols = json_object_get(body, "columns");
		strata_buf b = STRATA_BUF_INIT;

		if ((rc = fill_columns(db, ran, table, json_object_get(body, "up"))) < 0)
			return rc;
		if ((rc = strata__online_sqlite_constraint_body(&b, body)) == STRATA_EINVALID)
			rc = refuse(t, "a constraint of type \"%s\" does not exist on SQLite", type);
		else if (rc == 0 && (strcmp(type, "primary_key") != 0 || (rc = primary_key(t, cols)) == 0))
			rc = add_constraint(t, name, type[0], cols, NULL, strata__buf_cstr(&b)); /* c u f p */
		strata__buf_release(&b);
		return rc;
	}
	if (strcmp(t->kind, "drop_constraint") == 0) {
		/* its "up" fills the constraint's one column (pgroll's rule) */
		const sc_object *k = constraint_named(t, str(body, "name"));
		const char *col = NULL;

		if (k && k->ncon_columns == 1)
			col = k->con_columns[0];
		for (size_t n = 0; k && !k->ncon_columns && n < t->table->ncols; n++) {
			/* a CHECK's columns are the ones its expression names */
			if (!def_mentions(k->def, t->table->cols[n].name))
				continue;
			if (col)
				return refuse(t, "constraint \"%s\" covers several columns; use "
					      "drop_multicolumn_constraint with an \"up\" per column",
					      k->name);
			col = t->table->cols[n].name;
		}
		if (k && col && (rc = fill_column(db, ran, table, col, str(body, "up"))) < 0)
			return rc;
		return drop_constraint(t, str(body, "name"));
	}
	if (strcmp(t->kind, "drop_multicolumn_constraint") == 0) {
		if ((rc = fill_columns(db, ran, table, json_object_get(body, "up"))) < 0)
			return rc;
		return drop_constraint(t, str(body, "name"));
	}
	if (strcmp(t->kind, "rename_constraint") == 0)
		return rename_constraint(t, str(body, "from"), str(body, "to"));
	if (strcmp(t->kind, "drop_column") == 0)
		return drop_column(t, str(body, "column"));
	if (strcmp(t->kind, "add_column") == 0) {
		/* added nullable and filled by the caller; here its final shape */
		const json_t *col = json_object_get(body, "column");
		strata_buf b = STRATA_BUF_INIT;

		if ((rc = need_column(&c, t, str(col, "name"))) < 0)
			return rc;
		c->not_null = !json_is_true(json_object_get(col, "nullable"));
		if (json_is_true(json_object_get(col, "unique"))) {
			char name[256];

			snprintf(name, sizeof(name), "%s_%s_key", table, c->name);
			rc = strata__buf_puts(&b, "UNIQUE ") < 0 || put_names(&b, NULL, c->name) < 0
				     ? STRATA_ERROR
				     : add_constraint(t, name, 'u', NULL, c->name, strata__buf_cstr(&b));
		}
		strata__buf_release(&b);
		return rc;
	}
	return refuse(t, "is not an operation SQLite rebuilds a table for");
}

static int apply_down(target *t, const json_t *body)
{
	if (strcmp(t->kind, "create_constraint") == 0)
		return drop_constraint(t, str(body, "name"));
	if (strcmp(t->kind, "rename_constraint") == 0)
		return rename_constraint(t, str(body, "to"), str(body, "from"));
	if (strcmp(t->kind, "add_column") == 0)
		return drop_column(t, str(json_object_get(body, "column"), "name"));
	return refuse(t, "has no inverse SQLite rebuilds a table for");
}

int strata__online_sqlite_needs_rebuild(const strata_online_migration *mig, size_t i, strata_direction dir)
{
	json_t *body;
	const char *kind = strata__online_op_kind(mig, i, &body);

	if (dir == STRATA_DOWN && strcmp(kind, "add_column") == 0) {
		/* SQLite's DROP COLUMN refuses a unique, key or referencing column */
		const json_t *col = json_object_get(body, "column");

		return json_is_true(json_object_get(col, "unique")) ||
		       json_is_true(json_object_get(col, "pk")) || json_object_get(col, "references");
	}
	if (dir == STRATA_DOWN)
		return strcmp(kind, "create_constraint") == 0 || strcmp(kind, "rename_constraint") == 0;
	if (strcmp(kind, "add_column") == 0) {
		const json_t *col = json_object_get(body, "column");

		return json_is_true(json_object_get(col, "unique")) ||
		       (!json_is_true(json_object_get(col, "nullable")) && !str(col, "default") &&
			!json_is_true(json_object_get(col, "pk")));
	}
	if (strcmp(kind, "alter_column") == 0) { /* a rename alone is ALTER TABLE's */
		static const char *const changes[] = { "type", "nullable", "default", "check",
						       "unique", "references", "up", NULL };

		for (size_t k = 0; changes[k]; k++)
			if (json_object_get(body, changes[k]))
				return 1;
		return 0;
	}
	return strcmp(kind, "create_constraint") == 0 || strcmp(kind, "drop_constraint") == 0 ||
	       strcmp(kind, "drop_multicolumn_constraint") == 0 ||
	       strcmp(kind, "rename_constraint") == 0 || strcmp(kind, "drop_column") == 0;
}

static int count_row(void *payload, int ncols, const char *const *values)
{
	if (ncols > 0 && values[0])
		*(long *)payload = strtol(values[0], NULL, 10);
	return 0;
}

static int foreign_key_check(strata_db *db, strata_buf *ran, const char *table)
{
	long rows = 0;
	int rc;

	rc = strata__db_query(db, "SELECT count(*) FROM pragma_foreign_key_check", 0, NULL,
		      count_row, &rows);
	if (rc == 0 && ran)
		rc = strata__buf_puts(ran, "PRAGMA foreign_key_check;\n") != 0 ? STRATA_ERROR : 0;
	if (rc == 0 && rows > 0) {
		strata_error_set(STRATA_EDB, "rebuilding table %s: PRAGMA foreign_key_check found %ld "
				 "row(s) that break a foreign key", table, rows);
		strata_error_hint("the step was rolled back; fix the rows "
				  "(SELECT * FROM pragma_foreign_key_check lists them) and run it again");
		return STRATA_EDB;
	}
	return rc;
}

int strata__online_sqlite_rebuild(strata_db *db, const char *version_table,
			  const strata_online_migration *mig, size_t i, strata_direction dir,
			  strata_buf *ran)
{
	json_t *body;
	target t = { mig, i, strata__online_op_kind(mig, i, &body), NULL, NULL };
	const char *table = str(body, "table");
	sc_catalog *from = NULL;
	sc_object **cons = NULL;
	sc_changes changes = { 0 };
	sc_diff_options dopts = SC_DIFF_OPTIONS_INIT;
	strata_buf sql = STRATA_BUF_INIT;
	size_t ncons = 0, cap = 0;
	char *def = NULL;
	int rc;

	/* add_column: the column goes in as SQLite can add it, filled, then rebuilt */
	if (dir == STRATA_UP && strcmp(t.kind, "add_column") == 0) {
		const json_t *col = json_object_get(body, "column");

		strata__sqlf(&sql, "ALTER TABLE %I ADD COLUMN %I %s", table, str(col, "name"), str(col, "type"));
		if ((rc = run_fmt_take(db, ran, &sql)) < 0 ||
		    (rc = fill_column(db, ran, table, str(col, "name"), str(body, "up"))) < 0)
			goto done;
	}
	if ((rc = strata__sc_introspect(db, version_table, &from)) < 0 ||
	    (rc = strata__sc_introspect(db, version_table, &t.cat)) < 0)
		goto done;
	for (size_t k = 0; k < t.cat->n && !t.table; k++)
		if (t.cat->objs[k]->kind == SC_TABLE && strcasecmp(t.cat->objs[k]->name, table) == 0)
			t.table = t.cat->objs[k];
	if (!t.table) {
		rc = refuse(&t, "there is no table \"%s\"", table);
		goto done;
	}
	if ((rc = dir == STRATA_UP ? apply_up(&t, db, ran, body) : apply_down(&t, body)) < 0)
		goto done;
	/* the rows the UPDATEs above changed are in both catalogs' database
	 * alike; only the model differs. The table's def from its new model: */
	for (size_t k = 0; k < t.cat->n; k++) {
		sc_object *o = t.cat->objs[k];

		if (o->kind == SC_CONSTRAINT && strata__sc_str_eq(o->table, t.table->name)) {
			if (strata_grow((void **)&cons, &cap, ncons + 1, sizeof(*cons)) != 0) {
				rc = STRATA_ERROR;
				goto done;
			}
			cons[ncons++] = o;
		}
	}
	if ((rc = strata__sc_sqlite_table_def(&def, t.table, cons, ncons)) < 0)
		goto done;
	if (!(t.table->def = strata__sc_strdup(t.cat, def))) {
		rc = STRATA_ERROR;
		goto done;
	}
	dopts.for_migration = 1;
	if ((rc = strata__sc_diff_sqlite(from, t.cat, &dopts, &changes)) < 0)
		goto done;
	for (size_t k = 0; rc == 0 && k < changes.n; k++) {
		db_stmt *stmts = NULL;
		size_t n = 0, at = 0;
		const char *text = changes.v[k].sql;

		if (!text)
			continue;
		if ((rc = strata__db_split(&stmts, &n, &at, DB_SQLITE, text, strlen(text))) == 0)
			for (size_t s = 0; rc == 0 && s < n; s++) {
				strata__buf_clear(&sql);
				rc = strata__buf_putn(&sql, text + stmts[s].offset, stmts[s].len) != 0
					     ? STRATA_ERROR : run_sql(db, ran, strata__buf_cstr(&sql));
			}
		strata_free(stmts);
	}
	if (rc == 0)
		rc = foreign_key_check(db, ran, table);
	/* alter_column's rename: SQLite's ALTER TABLE, once the shape is right */
	if (rc == 0 && dir == STRATA_UP && strcmp(t.kind, "alter_column") == 0 &&
	    str(body, "name") && strcmp(str(body, "name"), str(body, "column")) != 0) {
		strata__buf_clear(&sql);
		strata__sqlf(&sql, "ALTER TABLE %I RENAME COLUMN %I TO %I", table, str(body, "column"),
		     str(body, "name"));
		rc = run_fmt_take(db, ran, &sql);
	}
done:
	if (rc < 0 && rc != STRATA_EINVALID) /* refuse() names the operation already */
		strata_error_append("\n  (%s: operations[%zu].%s, rebuilding table %s on SQLite)",
				    mig->source, i, t.kind, table ? table : "?");
	strata_free(def);
	strata_free(cons);
	strata__sc_changes_release(&changes);
	strata__sc_catalog_free(from);
	strata__sc_catalog_free(t.cat);
	strata__buf_release(&sql);
	return rc;
}
