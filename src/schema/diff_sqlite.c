/*
 * schema/diff_sqlite.c - SQLite diff and DDL emission (see diff.h).
 *
 * Layer: schema. Works on two catalogs read by introspect_sqlite.c; never
 * on SQL text, except to look for a column's name in an expression.
 *
 * How a table changes:
 *  - ALTER TABLE in place when SQLite can do every part of the change:
 *    DROP COLUMN of a column no key, constraint, or other column's
 *    generated expression names; ADD COLUMN at the end of a column not in
 *    the primary key, not UNIQUE, with a constant default (not a
 *    parenthesised expression, not CURRENT_*), NOT NULL only with a
 *    non-NULL default, a REFERENCES clause only with a NULL default, and
 *    not a STORED generated column; the other columns and every other
 *    constraint unchanged.
 *  - Otherwise the table is rebuilt by the procedure of SQLite's
 *    documentation (lang_altertable.html, "Making Other Kinds Of Table
 *    Schema Changes"): foreign keys off, CREATE TABLE under a temporary
 *    name, INSERT ... SELECT of the columns both shapes have (and the
 *    rowid, so row identities survive), the AUTOINCREMENT counter carried
 *    over, DROP TABLE, ALTER TABLE ... RENAME TO, then its indexes and
 *    triggers are created again and PRAGMA foreign_key_check runs. In a
 *    revision (for_migration) there is no PRAGMA foreign_keys = OFF, which
 *    does nothing inside a transaction: strata's runner has them off.
 *
 * Order of the changes (each phase in dependency order by depsort.h, ties
 * by key):
 *  1. drop the triggers and views to drop, change or rebuild (dependents
 *     first), and every view or trigger that reads a table being rebuilt,
 *     dropped or losing a column (SQLite refuses those changes while a
 *     view or trigger names the table);
 *  2. drop the indexes to drop or change;
 *  3. drop tables (destructive), create tables (foreign-key parents
 *     first), alter or rebuild tables;
 *  4. create indexes, then views (what they read first), then triggers.
 *
 * Invariants:
 *  1. Applying the changes to a database with the schema `from` leaves the
 *     schema `to`; introspecting and diffing again gives no change.
 *  2. Destructive: DROP TABLE, DROP COLUMN, and a rebuild that leaves a
 *     column behind (a renamed column is one of those: drop plus add).
 *  3. strata__sc_diff_sqlite(empty, cat) is the whole schema in creation order:
 *     the canonical dump.
 *  4. An index, view or trigger that both catalogs hold with the same
 *     definition, dropped or created only because its table is rebuilt
 *     (or a view or trigger it reads is), is a consequential change: the
 *     SQL needs it, but it is not a difference of its own.
 */
#include "schema/diff.h"
#include "schema/depsort.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REBUILD_PREFIX "_strata_new_"

typedef enum table_plan {
	PLAN_NONE = 0,
	PLAN_CREATE,
	PLAN_DROP,
	PLAN_ALTER,   /* ALTER TABLE ADD/DROP COLUMN */
	PLAN_REBUILD,
	PLAN_REPLACE, /* virtual tables: drop and create */
} table_plan;

/* Marks kept per key while diffing (value: flags in a pointer). */
enum {
	MARK_TOUCHED = 1 << 0,  /* table: rebuilt, dropped or losing a column */
	MARK_GONE = 1 << 1,     /* table: its indexes and triggers vanish with it */
	MARK_DETACHED = 1 << 2, /* view/trigger of `from`: dropped, and created again if in `to` */
	MARK_NEW = 1 << 3,      /* table of `to` created or rebuilt: its indexes are created */
};

typedef struct dctx {
	const sc_catalog *from, *to;
	sc_changes *out;
	strata_map marks;
	int for_migration; /* sc_diff_options.for_migration */
} dctx;

static uintptr_t mark_of(dctx *d, const char *key)
{
	return (uintptr_t)strata__map_get(&d->marks, key);
}

/* The marks of the table an index (or trigger) belongs to; -1 on OOM. */
static intptr_t table_mark_of(dctx *d, const char *table)
{
	char *tkey = strata__sc_make_key(SC_TABLE, NULL, NULL, table);
	uintptr_t m;

	if (!tkey)
		return -1;
	m = mark_of(d, tkey);
	strata_free(tkey);
	return (intptr_t)m;
}

static int mark(dctx *d, const char *key, uintptr_t flags)
{
	return strata__map_put(&d->marks, key, (void *)(mark_of(d, key) | flags));
}

static int objs_of(const sc_catalog *cat, sc_kind kind, const char *table, sc_object ***out,
		   size_t *n)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; cat && i < cat->n; i++) {
		sc_object *o = cat->objs[i];

		if (o->kind != kind || (table && !strata__sc_str_eq(o->table, table)))
			continue;
		if (strata_grow((void **)out, &cap, *n + 1, sizeof(**out)) != 0)
			return STRATA_ERROR;
		(*out)[(*n)++] = o;
	}
	return 0;
}

/* ---- dependency order ---------------------------------------------------- */

/* Sort objs in place so that each comes after what it depends on (among
 * objs), by the walk of depsort.h (cycles are left as the walk found
 * them, ties in key order). reverse: dependents first. */
static int dep_sort(sc_object **objs, size_t n, int reverse)
{
	strata_map index = STRATA_MAP_INIT; /* key -> position + 1 */
	sc_object **in = NULL;
	size_t *order = NULL;
	sc_depsort ds;
	int rc;

	if (n < 2)
		return 0;
	rc = strata__sc_depsort_init(&ds, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = strata__map_put(&index, objs[i]->key, (void *)(uintptr_t)(i + 1));
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t k = 0; rc == 0 && k < objs[i]->ndeps; k++) {
			size_t j = (size_t)(uintptr_t)strata__map_get(&index, objs[i]->deps[k]);

			if (j)
				rc = strata__sc_depsort_add(&ds, i, j - 1);
		}
	if (rc == 0 && (!(order = strata_calloc(n, sizeof(*order))) ||
			!(in = strata_calloc(n, sizeof(*in)))))
		rc = STRATA_ERROR;
	if (rc == 0)
		rc = strata__sc_depsort_order(&ds, order, NULL, NULL);
	if (rc == 0) {
		memcpy(in, objs, n * sizeof(*in));
		for (size_t i = 0; i < n; i++)
			objs[i] = in[order[reverse ? n - 1 - i : i]];
	}
	strata__map_release(&index);
	strata__sc_depsort_release(&ds);
	strata_free(order);
	strata_free(in);
	return rc;
}

/* ---- SQL pieces ------------------------------------------------------------ */

static int put_stmt(strata_buf *b, const char *fmt_kind, const char *name)
{
	return strata__buf_puts(b, fmt_kind) != 0 || strata__sqt_put_ident(b, name) != 0 ||
			       strata__buf_puts(b, ";\n") != 0
		       ? STRATA_ERROR : 0;
}

static int emit(dctx *d, sc_change_op op, const sc_object *o, const char *object,
		const char *detail, strata_buf *sql, int destructive)
{
	int rc = strata__sc_changes_add(d->out, op, o->kind, object ? object : o->name, detail,
				sql ? strata__buf_cstr(sql) : NULL, destructive);

	if (rc == 0)
		strata__sc_change_link(&d->out->v[d->out->n - 1], d->from, d->to, o->key);

	if (rc == 0 && op != SC_OP_ALTER && o->kind != SC_TABLE) {
		const sc_object *f = strata__sc_catalog_find(d->from, o->key);
		const sc_object *t = strata__sc_catalog_find(d->to, o->key);

		if (f && t && strata__sc_str_eq(f->def, t->def))
			d->out->v[d->out->n - 1].consequential = 1;
	}
	if (sql)
		strata__buf_clear(sql);
	return rc;
}

static int emit_create(dctx *d, const sc_object *o, const char *detail)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_puts(&b, o->def) != 0 || strata__buf_puts(&b, ";\n") != 0
			 ? STRATA_ERROR : emit(d, SC_OP_CREATE, o, NULL, detail, &b, 0);

	strata__buf_release(&b);
	return rc;
}

static int emit_drop(dctx *d, const sc_object *o, const char *detail)
{
	static const char *const words[SC_KIND_END] = {
		[SC_TABLE] = "DROP TABLE ", [SC_VIEW] = "DROP VIEW ",
		[SC_INDEX] = "DROP INDEX ", [SC_TRIGGER] = "DROP TRIGGER ",
	};
	strata_buf b = STRATA_BUF_INIT;
	int rc = put_stmt(&b, words[o->kind], o->name) != 0
			 ? STRATA_ERROR
			 : emit(d, SC_OP_DROP, o, NULL, detail, &b, o->kind == SC_TABLE);

	strata__buf_release(&b);
	return rc;
}

/* ---- tables: what can ALTER TABLE do? ---------------------------------------- */

static const sc_column *column_named(const sc_object *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* Whether the name appears as a name token in an expression or statement. */
static int mentions(const char *text, const char *name)
{
	sqt_tokens tk;
	int found = 0;

	if (!text || strata__sqt_tokenize(&tk, text) != 0)
		return text != NULL; /* unreadable: assume it does */
	for (size_t i = 0; i < tk.n && !found; i++) {
		char *n;

		if (tk.v[i].type != SQT_WORD && tk.v[i].type != SQT_QID)
			continue;
		if (!(n = strata__sqt_name(&tk.v[i]))) {
			found = 1;
			break;
		}
		found = strcasecmp(n, name) == 0;
		strata_free(n);
	}
	strata__sqt_tokens_release(&tk);
	return found;
}

static int names_column(const sc_object *con, const char *name)
{
	for (size_t i = 0; i < con->ncon_columns; i++)
		if (strcasecmp(con->con_columns[i], name) == 0)
			return 1;
	return con->contype == 'c' && mentions(con->def, name);
}

/* A default ADD COLUMN accepts: a literal, a signed number, NULL, TRUE, FALSE. */
static int constant_default(const char *expr)
{
	sqt_tokens tk;
	int ok = 0;

	if (!expr)
		return 1;
	if (strata__sqt_tokenize(&tk, expr) != 0)
		return 0;
	if (tk.n == 1)
		ok = tk.v[0].type == SQT_STRING || tk.v[0].type == SQT_NUMBER ||
		     tk.v[0].type == SQT_BLOB || strata__sqt_is(&tk.v[0], "NULL") ||
		     strata__sqt_is(&tk.v[0], "TRUE") || strata__sqt_is(&tk.v[0], "FALSE");
	else if (tk.n == 2)
		ok = tk.v[0].type == SQT_OP && tk.v[0].n == 1 &&
		     (tk.v[0].s[0] == '-' || tk.v[0].s[0] == '+') && tk.v[1].type == SQT_NUMBER;
	strata__sqt_tokens_release(&tk);
	return ok;
}

static int is_null_default(const char *expr)
{
	return !expr || strcasecmp(expr, "NULL") == 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct alter_plan {
	const sc_column **drops;
	size_t ndrops;
	const sc_column **adds;
	size_t nadds;
	const sc_object **add_fks; /* per add: its one-column foreign key, or NULL */
} alter_plan;

static void alter_plan_release(alter_plan *p)
{
	strata_free(p->drops);
	strata_free(p->adds);
	strata_free(p->add_fks);
	memset(p, 0, sizeof(*p));
}

/* Fill p and return 1 when ALTER TABLE can turn f into t; 0 when the table
 * must be rebuilt; negative on out of memory. */
static int plan_alter(alter_plan *p, const sc_object *f, const sc_object *t, sc_object **fcons,
		      size_t nfcons, sc_object **tcons, size_t ntcons)
{
	const char **fdefs = NULL, **tdefs = NULL;
	size_t nf = 0, nt = 0, kept = 0, ti = 0;
	int ok = 0;

	memset(p, 0, sizeof(*p));
	if (!(p->drops = strata_calloc(f->ncols + 1, sizeof(*p->drops))) ||
	    !(p->adds = strata_calloc(t->ncols + 1, sizeof(*p->adds))) ||
	    !(p->add_fks = strata_calloc(t->ncols + 1, sizeof(*p->add_fks))) ||
	    !(fdefs = strata_calloc(nfcons + 1, sizeof(*fdefs))) ||
	    !(tdefs = strata_calloc(ntcons + 1, sizeof(*tdefs)))) {
		strata_free(fdefs);
		alter_plan_release(p);
		return STRATA_ERROR;
	}
	if (!strata__sc_str_eq(f->options, t->options))
		goto done;
	/* the kept columns, in the same order and unchanged, then the added */
	for (size_t i = 0; i < f->ncols; i++) {
		const sc_column *fc = &f->cols[i];

		if (!column_named(t, fc->name)) {
			p->drops[p->ndrops++] = fc;
			continue;
		}
		if (ti >= t->ncols || !strata__sc_column_equal(fc, &t->cols[ti]))
			goto done;
		ti++;
		kept++;
	}
	for (; ti < t->ncols; ti++) {
		const sc_column *tc = &t->cols[ti];

		if (column_named(f, tc->name))
			goto done; /* moved */
		p->adds[p->nadds++] = tc;
	}
	/* drops: nothing else may name the column */
	for (size_t i = 0; i < p->ndrops; i++) {
		const sc_column *c = p->drops[i];

		if (c->pk)
			goto done;
		for (size_t k = 0; k < nfcons; k++)
			if (names_column(fcons[k], c->name))
				goto done;
		for (size_t k = 0; k < f->ncols; k++)
			if (f->cols[k].generated && mentions(f->cols[k].generated, c->name))
				goto done;
	}
	if (kept == 0)
		goto done; /* SQLite cannot drop a table's last column */
	/* adds: what ALTER TABLE ADD COLUMN accepts */
	for (size_t i = 0; i < p->nadds; i++) {
		const sc_column *c = p->adds[i];

		if (c->pk || c->hidden == 3 || c->hidden == 1)
			goto done;
		if (!c->generated && !constant_default(c->default_expr))
			goto done;
		if (c->not_null && !c->generated && is_null_default(c->default_expr))
			goto done;
	}
	/* constraints: the same, but for one-column foreign keys of added columns */
	for (size_t k = 0; k < nfcons; k++)
		fdefs[nf++] = fcons[k]->def;
	for (size_t k = 0; k < ntcons; k++) {
		const sc_object *con = tcons[k];
		int on_added = -1;

		if (con->contype == 'f' && con->ncon_columns == 1)
			for (size_t i = 0; i < p->nadds; i++)
				if (strcasecmp(p->adds[i]->name, con->con_columns[0]) == 0)
					on_added = (int)i;
		if (on_added >= 0 && !p->add_fks[on_added] &&
		    is_null_default(p->adds[on_added]->default_expr))
			p->add_fks[on_added] = con;
		else
			tdefs[nt++] = con->def;
	}
	if (nf != nt)
		goto done;
	qsort(fdefs, nf, sizeof(*fdefs), str_cmp);
	qsort(tdefs, nt, sizeof(*tdefs), str_cmp);
	for (size_t k = 0; k < nf; k++)
		if (strcmp(fdefs[k], tdefs[k]) != 0)
			goto done;
	ok = 1;
done:
	strata_free(fdefs);
	strata_free(tdefs);
	if (!ok)
		alter_plan_release(p);
	return ok;
}

/* "REFERENCES ..." of a one-column foreign key, from its def
 * "[CONSTRAINT n ]FOREIGN KEY (c) REFERENCES ...": the constraint name
 * kept, the column list dropped. */
static int put_column_references(strata_buf *b, const sc_object *fk)
{
	sqt_tokens tk;
	size_t i = 0, lp;
	int rc = STRATA_ERROR;

	if (strata__sqt_tokenize(&tk, fk->def) != 0)
		return STRATA_ERROR;
	if (tk.n > 2 && strata__sqt_is(&tk.v[0], "CONSTRAINT")) {
		if (strata__buf_putc(b, ' ') != 0 || strata__sqt_put_canonical(b, tk.v, 0, 2) != 0)
			goto done;
		i = 2;
	}
	lp = i + 2;
	if (lp >= tk.n || tk.v[lp].type != SQT_LP)
		goto done;
	i = strata__sqt_close_paren(tk.v, tk.n, lp) + 1;
	if (i >= tk.n || strata__buf_putc(b, ' ') != 0 || strata__sqt_put_canonical(b, tk.v, i, tk.n) != 0)
		goto done;
	rc = 0;
done:
	strata__sqt_tokens_release(&tk);
	return rc;
}

static int emit_alter(dctx *d, const sc_object *t, const alter_plan *p)
{
	strata_buf sql = STRATA_BUF_INIT, obj = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < p->ndrops; i++) {
		strata__buf_clear(&obj);
		rc = strata__buf_puts(&sql, "ALTER TABLE ") != 0 || strata__sqt_put_ident(&sql, t->name) != 0 ||
				     strata__buf_puts(&sql, " DROP COLUMN ") != 0 ||
				     strata__sqt_put_ident(&sql, p->drops[i]->name) != 0 ||
				     strata__buf_puts(&sql, ";\n") != 0 ||
				     strata__buf_printf(&obj, "%s.%s", t->name, p->drops[i]->name) != 0
			     ? STRATA_ERROR
			     : emit(d, SC_OP_ALTER, t, obj.ptr, "drop column", &sql, 1);
	}
	for (size_t i = 0; rc == 0 && i < p->nadds; i++) {
		strata__buf_clear(&obj);
		rc = strata__buf_puts(&sql, "ALTER TABLE ") != 0 || strata__sqt_put_ident(&sql, t->name) != 0 ||
				     strata__buf_puts(&sql, " ADD COLUMN ") != 0 ||
				     strata__sqt_put_column(&sql, p->adds[i], NULL) != 0 ||
				     (p->add_fks[i] && put_column_references(&sql, p->add_fks[i]) != 0) ||
				     strata__buf_puts(&sql, ";\n") != 0 ||
				     strata__buf_printf(&obj, "%s.%s", t->name, p->adds[i]->name) != 0
			     ? STRATA_ERROR
			     : emit(d, SC_OP_ALTER, t, obj.ptr, "add column", &sql, 0);
	}
	strata__buf_release(&sql);
	strata__buf_release(&obj);
	return rc;
}

/* Whether one of the n constraints has exactly this definition. */
static int has_def(sc_object *const *cons, size_t n, const char *def)
{
	for (size_t j = 0; j < n; j++)
		if (strcmp(cons[j]->def, def) == 0)
			return 1;
	return 0;
}

/* For people: what differs between two shapes of a table. */
static int describe_rebuild(strata_buf *b, const sc_object *f, const sc_object *t,
			    sc_object **fcons, size_t nfcons, sc_object **tcons, size_t ntcons)
{
	size_t start = b->len;

	if (strata__buf_puts(b, "rebuild:") != 0)
		return STRATA_ERROR;
	for (size_t i = 0; i < f->ncols; i++) {
		const sc_column *tc = column_named(t, f->cols[i].name);

		if (!tc && strata__buf_printf(b, " drop column %s;", f->cols[i].name) != 0)
			return STRATA_ERROR;
		if (tc && !strata__sc_column_equal(&f->cols[i], tc) &&
		    strata__buf_printf(b, " change column %s;", f->cols[i].name) != 0)
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < t->ncols; i++)
		if (!column_named(f, t->cols[i].name) &&
		    strata__buf_printf(b, " add column %s;", t->cols[i].name) != 0)
			return STRATA_ERROR;
	for (size_t k = 0; k < nfcons; k++)
		if (!has_def(tcons, ntcons, fcons[k]->def) &&
		    strata__buf_printf(b, " drop %s;", fcons[k]->def) != 0)
			return STRATA_ERROR;
	for (size_t k = 0; k < ntcons; k++)
		if (!has_def(fcons, nfcons, tcons[k]->def) &&
		    strata__buf_printf(b, " add %s;", tcons[k]->def) != 0)
			return STRATA_ERROR;
	if (!strata__sc_str_eq(f->options, t->options) &&
	    strata__buf_printf(b, " options %s -> %s;", f->options ? f->options : "none",
		       t->options ? t->options : "none") != 0)
		return STRATA_ERROR;
	if (b->len == start + strlen("rebuild:") && strata__buf_puts(b, " column order;") != 0)
		return STRATA_ERROR;
	strata__buf_truncate(b, b->len - 1);
	return 0;
}

static int is_rowid_name(const char *name)
{
	return strcasecmp(name, "rowid") == 0 || strcasecmp(name, "oid") == 0 ||
	       strcasecmp(name, "_rowid_") == 0;
}

/* An INTEGER PRIMARY KEY is the rowid: when both shapes have the same one,
 * copying that column copies the rowid. */
static int rowid_alias(const sc_object *t, const char **name)
{
	int n = 0;

	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].pk) {
			n++;
			*name = t->cols[i].name;
			if (!t->cols[i].type || strcasecmp(t->cols[i].type, "INTEGER") != 0)
				return 0;
		}
	return n == 1;
}

static int copies_rowid_alias(const sc_object *f, const sc_object *t)
{
	const char *fn = NULL, *tn = NULL;

	return rowid_alias(f, &fn) && rowid_alias(t, &tn) && strcasecmp(fn, tn) == 0;
}

static int has_autoincrement(sc_object **cons, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (cons[k]->contype == 'p' && strstr(cons[k]->def, " AUTOINCREMENT"))
			return 1;
	return 0;
}

/* A rebuild in a revision: SQLite ignores PRAGMA foreign_keys inside a
 * transaction, so the rebuild relies on the runner, which starts every
 * revision with foreign keys off (core/runner.c) and fails a revision whose
 * PRAGMA foreign_key_check returns rows. Said in the SQL, for its reader. */
static int put_foreign_keys_note(strata_buf *b, const char *table)
{
	return strata__buf_puts(b, "-- foreign keys are off here (strata runs revisions so; PRAGMA foreign_keys\n"
			   "-- does nothing in a transaction): DROP TABLE ") != 0 ||
		       strata__sqt_put_ident(b, table) != 0 ||
		       strata__buf_puts(b, " deletes no row that\n-- references it, and PRAGMA "
				   "foreign_key_check fails the revision on a broken one\n") != 0
		       ? STRATA_ERROR
		       : 0;
}

static int emit_rebuild(dctx *d, const sc_object *f, const sc_object *t, sc_object **fcons,
			size_t nfcons, sc_object **tcons, size_t ntcons)
{
	strata_buf sql = STRATA_BUF_INIT, detail = STRATA_BUF_INIT, name = STRATA_BUF_INIT,
		   tmp = STRATA_BUF_INIT, cols = STRATA_BUF_INIT;
	int destructive = 0, rowid = 1, rc = STRATA_ERROR;
	const char *rest;

	if (describe_rebuild(&detail, f, t, fcons, nfcons, tcons, ntcons) != 0 ||
	    strata__buf_puts(&name, "CREATE TABLE ") != 0 || strata__sqt_put_ident(&name, t->name) != 0 ||
	    strata__buf_puts(&tmp, REBUILD_PREFIX) != 0 || strata__buf_puts(&tmp, t->name) != 0)
		goto done;
	if (strncmp(t->def, name.ptr, name.len) != 0) {
		rc = strata_error_set(STRATA_EINVALID, "table %s: unexpected definition", t->name);
		goto done;
	}
	rest = t->def + name.len;
	/* the columns both shapes have; generated ones are computed, not copied */
	for (size_t i = 0; i < f->ncols; i++)
		if (!column_named(t, f->cols[i].name))
			destructive = 1;
	for (size_t i = 0; i < t->ncols; i++) {
		const sc_column *fc = column_named(f, t->cols[i].name);

		if (is_rowid_name(t->cols[i].name))
			rowid = 0;
		if (!fc || t->cols[i].generated)
			continue;
		if ((cols.len && strata__buf_puts(&cols, ", ") != 0) ||
		    strata__sqt_put_ident(&cols, t->cols[i].name) != 0)
			goto done;
	}
	/* An added NOT NULL column with no default has no value for the rows
	 * copied: the copy fails on a table that has any. Said in the plan;
	 * a default (or an up section that fills the column) makes it work. */
	for (size_t i = 0; i < t->ncols; i++) {
		const sc_column *c = &t->cols[i];
		const char *alias = NULL;

		if (column_named(f, c->name) || c->generated || !c->not_null ||
		    !is_null_default(c->default_expr) ||
		    (c->pk && rowid_alias(t, &alias) && strcasecmp(alias, c->name) == 0))
			continue;
		if (strata__buf_printf(&detail,
			       "; column %s is NOT NULL with no default: the copy fails if the "
			       "table has rows (give it a DEFAULT, or add it nullable, fill it, "
			       "then make it NOT NULL)",
			       c->name) != 0)
			goto done;
		destructive = 1;
	}
	for (size_t i = 0; i < f->ncols; i++)
		if (is_rowid_name(f->cols[i].name))
			rowid = 0;
	if ((f->options && strstr(f->options, "WITHOUT ROWID")) ||
	    (t->options && strstr(t->options, "WITHOUT ROWID")) || copies_rowid_alias(f, t))
		rowid = 0;

	if ((d->for_migration ? put_foreign_keys_note(&sql, f->name)
			      : strata__buf_puts(&sql, "PRAGMA foreign_keys = OFF;\n")) != 0 ||
	    strata__buf_puts(&sql, "CREATE TABLE ") != 0 || strata__sqt_put_ident(&sql, tmp.ptr) != 0 ||
	    strata__buf_puts(&sql, rest) != 0 || strata__buf_puts(&sql, ";\n") != 0)
		goto done;
	if (cols.len || rowid) {
		if (strata__buf_puts(&sql, "INSERT INTO ") != 0 || strata__sqt_put_ident(&sql, tmp.ptr) != 0 ||
		    strata__buf_printf(&sql, " (%s%s%s) SELECT %s%s%s FROM ", rowid ? "rowid" : "",
			       rowid && cols.len ? ", " : "", strata__buf_cstr(&cols), rowid ? "rowid" : "",
			       rowid && cols.len ? ", " : "", strata__buf_cstr(&cols)) != 0 ||
		    strata__sqt_put_ident(&sql, f->name) != 0 || strata__buf_puts(&sql, ";\n") != 0)
			goto done;
	}
	if (has_autoincrement(fcons, nfcons) && has_autoincrement(tcons, ntcons)) {
		/* keep the AUTOINCREMENT counter: ids of deleted rows stay unused */
		if (strata__buf_puts(&sql, "DELETE FROM sqlite_sequence WHERE name = ") != 0 ||
		    strata__buf_put_sql_literal(&sql, tmp.ptr) != 0 ||
		    strata__buf_puts(&sql, ";\nINSERT INTO sqlite_sequence (name, seq) SELECT ") != 0 ||
		    strata__buf_put_sql_literal(&sql, tmp.ptr) != 0 ||
		    strata__buf_puts(&sql, ", seq FROM sqlite_sequence WHERE name = ") != 0 ||
		    strata__buf_put_sql_literal(&sql, f->name) != 0 || strata__buf_puts(&sql, ";\n") != 0)
			goto done;
	}
	if (put_stmt(&sql, "DROP TABLE ", f->name) != 0 || strata__buf_puts(&sql, "ALTER TABLE ") != 0 ||
	    strata__sqt_put_ident(&sql, tmp.ptr) != 0 || strata__buf_puts(&sql, " RENAME TO ") != 0 ||
	    strata__sqt_put_ident(&sql, t->name) != 0 || strata__buf_puts(&sql, ";\n") != 0 ||
	    strata__buf_puts(&sql, "PRAGMA foreign_key_check(") != 0 || strata__sqt_put_ident(&sql, t->name) != 0 ||
	    strata__buf_puts(&sql, ");\n") != 0)
		goto done;
	rc = emit(d, SC_OP_ALTER, t, NULL, detail.ptr, &sql, destructive);
done:
	strata__buf_release(&sql);
	strata__buf_release(&detail);
	strata__buf_release(&name);
	strata__buf_release(&tmp);
	strata__buf_release(&cols);
	return rc;
}

/* ---- the diff ---------------------------------------------------------------- */

/* Decide each table's plan; mark touched and gone tables. */
static int plan_tables(dctx *d, sc_object **tables, size_t n, table_plan *plans,
		       alter_plan *alters)
{
	for (size_t i = 0; i < n; i++) {
		sc_object *o = tables[i];
		sc_object *f = strata__sc_catalog_find(d->from, o->key), *t = strata__sc_catalog_find(d->to, o->key);
		sc_object **fc = NULL, **tc = NULL;
		size_t nfc = 0, ntc = 0;
		int rc = 0;

		if (!f) {
			plans[i] = PLAN_CREATE;
			rc = mark(d, o->key, MARK_NEW);
		} else if (!t) {
			plans[i] = PLAN_DROP;
			rc = mark(d, o->key, MARK_TOUCHED | MARK_GONE);
		} else if (strcmp(f->def, t->def) == 0) {
			plans[i] = PLAN_NONE;
		} else if ((f->options && strcmp(f->options, "VIRTUAL") == 0) ||
			   (t->options && strcmp(t->options, "VIRTUAL") == 0)) {
			plans[i] = PLAN_REPLACE;
			rc = mark(d, o->key, MARK_TOUCHED | MARK_GONE | MARK_NEW);
		} else if ((rc = objs_of(d->from, SC_CONSTRAINT, f->name, &fc, &nfc)) == 0 &&
			   (rc = objs_of(d->to, SC_CONSTRAINT, t->name, &tc, &ntc)) == 0 &&
			   (rc = plan_alter(&alters[i], f, t, fc, nfc, tc, ntc)) == 1) {
			plans[i] = PLAN_ALTER;
			rc = alters[i].ndrops ? mark(d, o->key, MARK_TOUCHED) : 0;
		} else if (rc == 0) {
			plans[i] = PLAN_REBUILD;
			rc = mark(d, o->key, MARK_TOUCHED | MARK_GONE | MARK_NEW);
		}
		strata_free(fc);
		strata_free(tc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Views and triggers of `from` to drop: gone, changed, or reading
 * something touched or detached (to a fixed point). */
static int detach_dependents(dctx *d)
{
	int changed = 1;

	while (changed) {
		changed = 0;
		for (size_t i = 0; i < d->from->n; i++) {
			sc_object *o = d->from->objs[i];
			sc_object *t;
			int detach = 0;

			if ((o->kind != SC_VIEW && o->kind != SC_TRIGGER) ||
			    (mark_of(d, o->key) & MARK_DETACHED))
				continue;
			t = strata__sc_catalog_find(d->to, o->key);
			detach = !t || strcmp(t->def, o->def) != 0;
			for (size_t k = 0; k < o->ndeps && !detach; k++)
				detach = (mark_of(d, o->deps[k]) & (MARK_TOUCHED | MARK_DETACHED)) != 0;
			if (detach) {
				if (mark(d, o->key, MARK_DETACHED) != 0)
					return STRATA_ERROR;
				changed = 1;
			}
		}
	}
	return 0;
}

/* All objects of a kind from both catalogs, one per key (to's first). */
static int union_of(dctx *d, sc_kind kind, sc_object ***out, size_t *n)
{
	sc_object **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, cap = 0;
	int rc = STRATA_ERROR;

	*out = NULL;
	*n = 0;
	if (objs_of(d->to, kind, NULL, &a, &na) != 0 || objs_of(d->from, kind, NULL, &b, &nb) != 0)
		goto done;
	if (strata_grow((void **)out, &cap, na + nb + 1, sizeof(**out)) != 0)
		goto done;
	for (size_t i = 0; i < na; i++)
		(*out)[(*n)++] = a[i];
	for (size_t i = 0; i < nb; i++)
		if (!strata__sc_catalog_find(d->to, b[i]->key))
			(*out)[(*n)++] = b[i];
	rc = 0;
done:
	strata_free(a);
	strata_free(b);
	return rc;
}

static int run_diff(dctx *d)
{
	sc_object **tables = NULL, **list = NULL;
	size_t ntables = 0, n = 0;
	table_plan *plans = NULL;
	alter_plan *alters = NULL;
	int rc = STRATA_ERROR;

	/* plans */
	if (union_of(d, SC_TABLE, &tables, &ntables) != 0 ||
	    dep_sort(tables, ntables, 0) != 0 ||
	    !(plans = strata_calloc(ntables + 1, sizeof(*plans))) ||
	    !(alters = strata_calloc(ntables + 1, sizeof(*alters))))
		goto done;
	if ((rc = plan_tables(d, tables, ntables, plans, alters)) != 0 ||
	    (rc = detach_dependents(d)) != 0)
		goto done;
	rc = STRATA_ERROR;

	/* 1. triggers, then views (dependents first) */
	if (objs_of(d->from, SC_TRIGGER, NULL, &list, &n) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((mark_of(d, list[i]->key) & MARK_DETACHED) &&
		    (rc = emit_drop(d, list[i], strata__sc_catalog_find(d->to, list[i]->key)
							? "recreated" : "not in target")) != 0)
			goto done;
	strata_free(list);
	if (objs_of(d->from, SC_VIEW, NULL, &list, &n) != 0 || dep_sort(list, n, 1) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((mark_of(d, list[i]->key) & MARK_DETACHED) &&
		    (rc = emit_drop(d, list[i], strata__sc_catalog_find(d->to, list[i]->key)
							? "recreated" : "not in target")) != 0)
			goto done;
	strata_free(list);
	/* 2. indexes */
	if (objs_of(d->from, SC_INDEX, NULL, &list, &n) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		sc_object *t = strata__sc_catalog_find(d->to, list[i]->key);
		intptr_t tm = table_mark_of(d, list[i]->table);

		if (tm < 0)
			goto done;
		if (!((uintptr_t)tm & MARK_GONE) && (!t || strcmp(t->def, list[i]->def) != 0) &&
		    (rc = emit_drop(d, list[i], t ? "changed" : "not in target")) != 0)
			goto done;
	}
	strata_free(list);
	list = NULL;
	/* 3. tables: drops (children first), creates, alters (parents first) */
	for (size_t i = ntables; i-- > 0;)
		if ((plans[i] == PLAN_DROP || plans[i] == PLAN_REPLACE) &&
		    (rc = emit_drop(d, strata__sc_catalog_find(d->from, tables[i]->key),
				    plans[i] == PLAN_DROP ? "not in target" : "recreated")) != 0)
			goto done;
	for (size_t i = 0; i < ntables; i++)
		if ((plans[i] == PLAN_CREATE || plans[i] == PLAN_REPLACE) &&
		    (rc = emit_create(d, tables[i], NULL)) != 0)
			goto done;
	for (size_t i = 0; i < ntables; i++) {
		sc_object *f, *t;
		sc_object **fc = NULL, **tc = NULL;
		size_t nfc = 0, ntc = 0;

		if (plans[i] == PLAN_ALTER && (rc = emit_alter(d, tables[i], &alters[i])) != 0)
			goto done;
		if (plans[i] != PLAN_REBUILD)
			continue;
		f = strata__sc_catalog_find(d->from, tables[i]->key);
		t = strata__sc_catalog_find(d->to, tables[i]->key);
		rc = objs_of(d->from, SC_CONSTRAINT, f->name, &fc, &nfc) != 0 ||
				     objs_of(d->to, SC_CONSTRAINT, t->name, &tc, &ntc) != 0
			     ? STRATA_ERROR
			     : emit_rebuild(d, f, t, fc, nfc, tc, ntc);
		strata_free(fc);
		strata_free(tc);
		if (rc != 0)
			goto done;
	}
	rc = STRATA_ERROR;
	/* 4. indexes, views, triggers of the target */
	if (objs_of(d->to, SC_INDEX, NULL, &list, &n) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		sc_object *f = strata__sc_catalog_find(d->from, list[i]->key);
		intptr_t tm = table_mark_of(d, list[i]->table);

		if (tm < 0)
			goto done;
		if ((((uintptr_t)tm & MARK_NEW) || !f || strcmp(f->def, list[i]->def) != 0) &&
		    (rc = emit_create(d, list[i], NULL)) != 0)
			goto done;
	}
	strata_free(list);
	if (objs_of(d->to, SC_VIEW, NULL, &list, &n) != 0 || dep_sort(list, n, 0) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((!strata__sc_catalog_find(d->from, list[i]->key) ||
		     (mark_of(d, list[i]->key) & MARK_DETACHED)) &&
		    (rc = emit_create(d, list[i], NULL)) != 0)
			goto done;
	strata_free(list);
	if (objs_of(d->to, SC_TRIGGER, NULL, &list, &n) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((!strata__sc_catalog_find(d->from, list[i]->key) ||
		     (mark_of(d, list[i]->key) & MARK_DETACHED)) &&
		    (rc = emit_create(d, list[i], NULL)) != 0)
			goto done;
	rc = 0;
done:
	strata_free(list);
	for (size_t i = 0; alters && i < ntables; i++)
		alter_plan_release(&alters[i]);
	strata_free(alters);
	strata_free(plans);
	strata_free(tables);
	return rc;
}

int strata__sc_diff_sqlite(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
		   sc_changes *out)
{
	dctx d = { from, to, out, STRATA_MAP_INIT, opts && opts->for_migration };
	size_t start = out->n;
	int rc = run_diff(&d);

	strata__map_release(&d.marks);
	if (rc != 0) {
		while (out->n > start)
			strata__sc_change_release(&out->v[--out->n]);
		return rc < 0 ? rc : STRATA_ERROR;
	}
	return 0;
}

/*
 * A SQLite table's CREATE TABLE from the model, written as introspection
 * writes it (introspect_sqlite.c): the columns in order, a one-column
 * primary key on its column (with its name and AUTOINCREMENT), every other
 * constraint after the columns as its def says, then the table options.
 * For a target catalog built by changing an introspected one (online
 * operations on SQLite), so the diff above can rebuild the table.
 */
int strata__sc_sqlite_table_def(char **out, const sc_object *table, sc_object *const *cons, size_t ncons)
{
	strata_buf b = STRATA_BUF_INIT, pk = STRATA_BUF_INIT;
	const sc_object *pkc = NULL;
	size_t npk = 0;
	int rc = STRATA_ERROR;

	*out = NULL;
	for (size_t i = 0; i < ncons; i++)
		if (cons[i]->contype == 'p')
			pkc = cons[i];
	for (size_t i = 0; i < table->ncols; i++)
		npk += table->cols[i].pk > 0;
	if (strata__buf_puts(&b, "CREATE TABLE ") != 0 || strata__sqt_put_ident(&b, table->name) != 0 ||
	    strata__buf_puts(&b, " (") != 0)
		goto done;
	if (npk == 1 && pkc) {
		const char *paren = strstr(pkc->def, "PRIMARY KEY");

		if (!paren || strata__buf_putn(&pk, pkc->def, (size_t)(paren - pkc->def)) != 0 ||
		    strata__buf_puts(&pk, "PRIMARY KEY") != 0 ||
		    (strstr(pkc->def, " AUTOINCREMENT") && strata__buf_puts(&pk, " AUTOINCREMENT") != 0))
			goto done;
	}
	for (size_t i = 0; i < table->ncols; i++)
		if (strata__buf_puts(&b, i ? ",\n    " : "\n    ") != 0 ||
		    strata__sqt_put_column(&b, &table->cols[i],
				   npk == 1 && table->cols[i].pk == 1 && pk.len ? pk.ptr : NULL) != 0)
			goto done;
	for (size_t i = 0; i < ncons; i++) {
		const char *end = strstr(cons[i]->def, " AUTOINCREMENT");

		if (cons[i]->contype == 'p' && npk == 1)
			continue; /* written on its column */
		if (strata__buf_puts(&b, ",\n    ") != 0 ||
		    strata__buf_putn(&b, cons[i]->def, cons[i]->contype == 'p' && end
						       ? (size_t)(end - cons[i]->def)
						       : strlen(cons[i]->def)) != 0)
			goto done;
	}
	if (strata__buf_puts(&b, "\n)") != 0 ||
	    (table->options && strata__buf_printf(&b, " %s", table->options) != 0) ||
	    !(*out = strata__buf_detach(&b)))
		goto done;
	rc = 0;
done:
	strata__buf_release(&b);
	strata__buf_release(&pk);
	return rc;
}
