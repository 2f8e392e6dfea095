/*
 * schema/introspect_sqlite.c - reading a SQLite database's schema into the
 * catalog model (see catalog.h).
 *
 * Layer: schema; talks to SQLite only through db/db.h. One query per
 * object kind, each joining sqlite_schema with SQLite's table-valued
 * pragmas (pragma_table_list, pragma_table_xinfo, pragma_foreign_key_list,
 * pragma_index_xinfo), never one query per table.
 *
 * What comes from where:
 *  - columns (name, declared type, NOT NULL, primary-key position, hidden),
 *    WITHOUT ROWID, STRICT and foreign keys (columns, parent, actions,
 *    MATCH) come from the pragmas;
 *  - what the pragmas do not tell (collations, DEFAULT and GENERATED
 *    expressions as written, AUTOINCREMENT, UNIQUE and CHECK constraints,
 *    constraint names, DEFERRABLE) is read from the CREATE TABLE statement
 *    by sqlite_create.h.
 *
 * The queries are a table (sqlite_steps, at the end), run in order, each
 * followed by an optional pass over what has been read so far; a new kind
 * of row is one more entry there and one more row callback.
 *
 * Invariants:
 *  1. A table's def is a canonical CREATE TABLE rebuilt from that model, not
 *     the stored text: a table built by CREATE TABLE and one grown by
 *     ALTER TABLE ADD COLUMN have the same def when they have the same
 *     columns and constraints. Constraints are listed in a fixed order
 *     (primary key, then unique, check and foreign keys each sorted by
 *     text), column-level UNIQUE/CHECK/REFERENCES as table constraints.
 *  2. Every constraint is also an SC_CONSTRAINT object of its table
 *     (contype p, u, c, f). Unnamed ones get PostgreSQL-style names
 *     (t_pkey, t_a_key, t_check, t_a_fkey, with a number on a clash) so
 *     that keys are stable; the def shows "CONSTRAINT name" only for names
 *     the schema gave.
 *  3. Index, view and trigger defs are their statements in canonical text
 *     (sqlite_sql.h): comments and spacing do not count, names are quoted
 *     one way, IF NOT EXISTS and TEMP are dropped.
 *  4. deps: a table depends on the tables its foreign keys name; a view or
 *     trigger on every table or view whose name appears in its statement
 *     (a superset is harmless: the diff recreates a little more).
 *  5. strata's bookkeeping tables (version_table's table and
 *     strata_history) and sqlite_* internals, with their indexes and
 *     triggers, are left out, as are the shadow tables of virtual tables.
 */
#include "schema/diff.h"
#include "schema/sqlite_create.h"
#include "schema/sqlite_sql.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The filter every query shares: $1 version table, $2 history table, and
 * the progress table of batched steps (core/batch.h). */
#define NOT_OURS(col)                                                                  \
	" " col " NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND " col " NOT IN ($1, $2, "             \
	"'strata_batch_progress') "

/* A foreign key as pragma_foreign_key_list gives it. */
typedef struct pfk {
	int id;
	char *table;
	char **from, **to;
	size_t nfrom, nto;
	int to_null;
	char *on_update, *on_delete, *match;
} pfk;

typedef struct table_info {
	sc_object *obj;
	char *sql;
	int virtual_table;
	sqc_create stmt;    /* what the CREATE TABLE statement says */
	pfk *fks;
	size_t nfks;
} table_info;

typedef struct ctx {
	strata_db *db;
	sc_catalog *cat;
	const char *params[2];
	table_info *tables;
	size_t ntables, cap;
	strata_map by_name; /* table name -> index+1 into tables (as a pointer-sized int) */
	strata_map lower;   /* lower-case table or view name -> sc_object* */
	char **lower_keys;
	size_t nlower_keys;
	sc_object *cur;     /* the index whose column rows are being read */
} ctx;

static void table_info_release(table_info *t)
{
	strata_free(t->sql);
	strata__sqc_create_release(&t->stmt);
	for (size_t i = 0; i < t->nfks; i++) {
		strata_free(t->fks[i].table);
		strata__sc_strv_free(t->fks[i].from, t->fks[i].nfrom);
		strata__sc_strv_free(t->fks[i].to, t->fks[i].nto);
		strata_free(t->fks[i].on_update);
		strata_free(t->fks[i].on_delete);
		strata_free(t->fks[i].match);
	}
	strata_free(t->fks);
}

static table_info *find_table(ctx *c, const char *name)
{
	size_t i = (size_t)(uintptr_t)strata__map_get(&c->by_name, name);

	return i ? &c->tables[i - 1] : NULL;
}

/* ---- tables ------------------------------------------------------------ */

static int on_table(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	table_info *t;
	sc_object *o;

	if (strata_grow((void **)&c->tables, &c->cap, c->ntables + 1, sizeof(*c->tables)) != 0 ||
	    !(o = strata__sc_catalog_add(c->cat, SC_TABLE)))
		return STRATA_ERROR;
	t = &c->tables[c->ntables++];
	memset(t, 0, sizeof(*t));
	t->obj = o;
	t->virtual_table = v[1] && strcmp(v[1], "virtual") == 0;
	if (!(o->name = strata__sc_strdup(c->cat, v[0])))
		return STRATA_ERROR;
	if (v[2] && strcmp(v[2], "1") == 0 && v[3] && strcmp(v[3], "1") == 0)
		o->options = strata__sc_strdup(c->cat, "WITHOUT ROWID, STRICT");
	else if (v[2] && strcmp(v[2], "1") == 0)
		o->options = strata__sc_strdup(c->cat, "WITHOUT ROWID");
	else if (v[3] && strcmp(v[3], "1") == 0)
		o->options = strata__sc_strdup(c->cat, "STRICT");
	else if (t->virtual_table)
		o->options = strata__sc_strdup(c->cat, "VIRTUAL");
	if ((v[2] && strcmp(v[2], "1") == 0) || (v[3] && strcmp(v[3], "1") == 0) ||
	    t->virtual_table)
		if (!o->options)
			return STRATA_ERROR;
	return 0;
}

static int on_table_sql(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	table_info *t = find_table(c, v[0]);

	if (t && !t->sql && !(t->sql = strata_strdup(v[1] ? v[1] : "")))
		return STRATA_ERROR;
	return 0;
}

static int on_column(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	table_info *t = find_table(c, v[0]);
	sc_column *col;

	if (!t)
		return 0;
	if (!(col = strata__sc_object_add_column(c->cat, t->obj)))
		return STRATA_ERROR;
	col->position = atoi(v[1]) + 1;
	if (!(col->name = strata__sc_strdup(c->cat, v[2])))
		return STRATA_ERROR;
	if (v[3] && *v[3]) {
		sqt_tokens tk;

		if (strata__sqt_tokenize(&tk, v[3]) != 0)
			return STRATA_ERROR;
		col->type = strata__sc_take(c->cat, strata__sqt_canonical(tk.v, 0, tk.n));
		strata__sqt_tokens_release(&tk);
		if (!col->type)
			return STRATA_ERROR;
		/* type names are not case-sensitive (varchar(3) is VARCHAR(3)) */
		for (char *s = col->type, quote = 0; *s; s++) {
			if (quote ? *s == quote : (*s == '\'' || *s == '"'))
				quote = quote ? 0 : *s;
			else if (!quote)
				*s = (char)toupper((unsigned char)*s);
		}
	}
	col->not_null = v[4] && strcmp(v[4], "1") == 0;
	col->pk = v[6] ? atoi(v[6]) : 0;
	col->hidden = v[7] ? atoi(v[7]) : 0;
	return 0;
}

static int on_fk(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	table_info *t = find_table(c, v[0]);
	int id = atoi(v[1]);
	pfk *fk;

	if (!t)
		return 0;
	if (!t->nfks || t->fks[t->nfks - 1].id != id) {
		size_t cap = t->nfks;

		if (strata_grow((void **)&t->fks, &cap, t->nfks + 1, sizeof(*t->fks)) != 0)
			return STRATA_ERROR;
		fk = &t->fks[t->nfks++];
		memset(fk, 0, sizeof(*fk));
		fk->id = id;
		fk->to_null = 1;
		if (!(fk->table = strata_strdup(v[3])) ||
		    !(fk->on_update = strata_strdup(v[6] ? v[6] : "NO ACTION")) ||
		    !(fk->on_delete = strata_strdup(v[7] ? v[7] : "NO ACTION")) ||
		    !(fk->match = strata_strdup(v[8] ? v[8] : "NONE")))
			return STRATA_ERROR;
	}
	fk = &t->fks[t->nfks - 1];
	if (strata__sc_strv_push(&fk->from, &fk->nfrom, v[4]) != 0 ||
	    strata__sc_strv_push(&fk->to, &fk->nto, v[5] ? v[5] : "") != 0)
		return STRATA_ERROR;
	if (v[5])
		fk->to_null = 0;
	return 0;
}

/* ---- the canonical CREATE TABLE -------------------------------------------- */

static int strv_casecmp(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 1;
	for (size_t i = 0; i < na; i++)
		if (strcasecmp(a[i], b[i]) != 0)
			return 1;
	return 0;
}

typedef struct con_draft {
	char type;
	const char *given_name;
	char *def;  /* without the CONSTRAINT prefix */
	char **cols;
	size_t ncols;
	const pfk *fk;
} con_draft;

static int draft_cmp(const void *pa, const void *pb)
{
	const con_draft *a = pa, *b = pb;
	static const char order[] = "pucf";

	if (a->type != b->type)
		return strchr(order, a->type) < strchr(order, b->type) ? -1 : 1;
	if (strcmp(a->def, b->def) != 0)
		return strcmp(a->def, b->def);
	return strcmp(a->given_name ? a->given_name : "", b->given_name ? b->given_name : "");
}

static int put_fk_def(strata_buf *b, const pfk *fk, const char *match, int deferred)
{
	if (strata__buf_puts(b, "FOREIGN KEY (") != 0)
		return STRATA_ERROR;
	for (size_t k = 0; k < fk->nfrom; k++)
		if ((k && strata__buf_puts(b, ", ") != 0) || strata__sqt_put_ident(b, fk->from[k]) != 0)
			return STRATA_ERROR;
	if (strata__buf_puts(b, ") REFERENCES ") != 0 || strata__sqt_put_ident(b, fk->table) != 0)
		return STRATA_ERROR;
	if (!fk->to_null) {
		if (strata__buf_puts(b, " (") != 0)
			return STRATA_ERROR;
		for (size_t k = 0; k < fk->nto; k++)
			if ((k && strata__buf_puts(b, ", ") != 0) || strata__sqt_put_ident(b, fk->to[k]) != 0)
				return STRATA_ERROR;
		if (strata__buf_putc(b, ')') != 0)
			return STRATA_ERROR;
	}
	if (strcmp(fk->on_update, "NO ACTION") != 0 &&
	    strata__buf_printf(b, " ON UPDATE %s", fk->on_update) != 0)
		return STRATA_ERROR;
	if (strcmp(fk->on_delete, "NO ACTION") != 0 &&
	    strata__buf_printf(b, " ON DELETE %s", fk->on_delete) != 0)
		return STRATA_ERROR;
	if (!match && strcmp(fk->match, "NONE") != 0)
		match = fk->match;
	if (match && (strata__buf_puts(b, " MATCH ") != 0 || strata__sqt_put_ident(b, match) != 0))
		return STRATA_ERROR;
	if (deferred && strata__buf_puts(b, " DEFERRABLE INITIALLY DEFERRED") != 0)
		return STRATA_ERROR;
	return 0;
}

/* A name for an unnamed constraint: base, or base1, base2, ... when taken. */
static char *free_name(const char *base, char **taken, size_t ntaken)
{
	strata_buf b = STRATA_BUF_INIT;

	for (int k = 0;; k++) {
		int clash = 0;

		strata__buf_clear(&b);
		if ((k ? strata__buf_printf(&b, "%s%d", base, k) : strata__buf_puts(&b, base)) != 0) {
			strata__buf_release(&b);
			return NULL;
		}
		for (size_t j = 0; j < ntaken && !clash; j++)
			clash = strcasecmp(taken[j], b.ptr) == 0;
		if (!clash)
			return strata__buf_detach(&b);
	}
}

/* Fill the table's columns from the statement, its constraints as objects,
 * and its canonical def. */
static int build_table(ctx *c, table_info *t)
{
	sc_object *o = t->obj;
	con_draft *d = NULL;
	size_t nd = 0, cap = 0, npk = 0;
	strata_buf b = STRATA_BUF_INIT;
	char **names = NULL;
	size_t nnames = 0;
	int rc = STRATA_ERROR;

	if (!t->sql && !(t->sql = strata_strdup("")))
		return STRATA_ERROR;
	if (t->virtual_table) {
		sqt_tokens tk;
		size_t i = 0;

		if ((rc = strata__sqt_tokenize(&tk, t->sql)) != 0)
			return rc;
		while (i < tk.n && !strata__sqt_is(&tk.v[i], "USING"))
			i++;
		rc = strata__buf_puts(&b, "CREATE VIRTUAL TABLE ") != 0 || strata__sqt_put_ident(&b, o->name) != 0 ||
		     strata__buf_putc(&b, ' ') != 0 || strata__sqt_put_canonical(&b, tk.v, i, tk.n) != 0
			     ? STRATA_ERROR : 0;
		strata__sqt_tokens_release(&tk);
		if (rc == 0)
			o->def = strata__sc_take(c->cat, strata__buf_detach(&b));
		strata__buf_release(&b);
		return rc == 0 && !o->def ? STRATA_ERROR : rc;
	}
	if ((rc = strata__sqc_parse_create_table(&t->stmt, t->sql)) != 0)
		return rc;
	rc = STRATA_ERROR;
	for (size_t i = 0; i < o->ncols; i++) {
		sc_column *col = &o->cols[i];
		const sqc_column *pc = strata__sqc_column_of(&t->stmt, col->name);

		if (col->pk)
			npk++;
		if (!pc)
			continue;
		if ((pc->collation && !(col->collation = strata__sc_strdup(c->cat, pc->collation))) ||
		    (pc->default_expr && !(col->default_expr = strata__sc_strdup(c->cat, pc->default_expr))) ||
		    (pc->generated && !(col->generated = strata__sc_strdup(c->cat, pc->generated))))
			goto done;
	}
	/* constraint drafts: primary key, unique, check from the statement */
	if (npk) {
		const char *pk_name = NULL;
		int autoinc = 0;

		if (strata_grow((void **)&d, &cap, nd + 1, sizeof(*d)) != 0)
			goto done;
		memset(&d[nd], 0, sizeof(*d));
		d[nd].type = 'p';
		for (size_t k = 1; k <= npk; k++)
			for (size_t i = 0; i < o->ncols; i++)
				if (o->cols[i].pk == (int)k &&
				    strata__sc_strv_push(&d[nd].cols, &d[nd].ncols, o->cols[i].name) != 0)
					goto done;
		for (size_t i = 0; i < t->stmt.ncons; i++)
			if (t->stmt.cons[i].type == 'p')
				pk_name = t->stmt.cons[i].name;
		for (size_t i = 0; i < t->stmt.ncols; i++) {
			if (t->stmt.cols[i].pk_name)
				pk_name = t->stmt.cols[i].pk_name;
			autoinc |= t->stmt.cols[i].autoincrement;
		}
		d[nd].given_name = pk_name;
		if (strata__buf_puts(&b, "PRIMARY KEY (") != 0)
			goto done;
		for (size_t k = 0; k < d[nd].ncols; k++)
			if ((k && strata__buf_puts(&b, ", ") != 0) || strata__sqt_put_ident(&b, d[nd].cols[k]) != 0)
				goto done;
		if (strata__buf_putc(&b, ')') != 0 || (autoinc && strata__buf_puts(&b, " AUTOINCREMENT") != 0))
			goto done;
		d[nd++].def = strata__buf_detach(&b);
	}
	for (size_t i = 0; i < t->stmt.ncons; i++) {
		sqc_constraint *p = &t->stmt.cons[i];

		if (p->type != 'u' && p->type != 'c')
			continue;
		if (strata_grow((void **)&d, &cap, nd + 1, sizeof(*d)) != 0)
			goto done;
		memset(&d[nd], 0, sizeof(*d));
		d[nd].type = p->type;
		d[nd].given_name = p->name;
		for (size_t k = 0; k < p->ncols; k++)
			if (strata__sc_strv_push(&d[nd].cols, &d[nd].ncols, p->cols[k]) != 0)
				goto done;
		if (strata__buf_printf(&b, "%s %s", p->type == 'u' ? "UNIQUE" : "CHECK", p->body) != 0)
			goto done;
		d[nd++].def = strata__buf_detach(&b);
	}
	/* foreign keys from the pragma, named and deferred as the statement says */
	for (size_t i = 0; i < t->nfks; i++) {
		const pfk *fk = &t->fks[t->nfks - 1 - i]; /* the pragma lists the last first */
		sqc_constraint *match = NULL;

		for (size_t k = 0; k < t->stmt.ncons && !match; k++) {
			sqc_constraint *p = &t->stmt.cons[k];

			if (p->type == 'f' && !p->used && p->ref_table &&
			    strcasecmp(p->ref_table, fk->table) == 0 &&
			    !strv_casecmp(p->cols, p->ncols, fk->from, fk->nfrom))
				match = p;
		}
		if (match)
			match->used = 1;
		if (strata_grow((void **)&d, &cap, nd + 1, sizeof(*d)) != 0)
			goto done;
		memset(&d[nd], 0, sizeof(*d));
		d[nd].type = 'f';
		d[nd].fk = fk;
		d[nd].given_name = match ? match->name : NULL;
		for (size_t k = 0; k < fk->nfrom; k++)
			if (strata__sc_strv_push(&d[nd].cols, &d[nd].ncols, fk->from[k]) != 0)
				goto done;
		if (put_fk_def(&b, fk, match ? match->match : NULL, match && match->deferred) != 0)
			goto done;
		d[nd++].def = strata__buf_detach(&b);
	}
	for (size_t i = 0; i < nd; i++)
		if (!d[i].def)
			goto done;
	if (nd)
		qsort(d, nd, sizeof(*d), draft_cmp);

	/* the statement */
	if (strata__buf_puts(&b, "CREATE TABLE ") != 0 || strata__sqt_put_ident(&b, o->name) != 0 ||
	    strata__buf_puts(&b, " (") != 0)
		goto done;
	for (size_t i = 0; i < o->ncols; i++) {
		const sqc_column *pc = strata__sqc_column_of(&t->stmt, o->cols[i].name);
		strata_buf pk = STRATA_BUF_INIT;
		int bad;

		/* a one-column key is written on its column, with its name
		 * whether the statement gave it there or at the table level */
		if (npk == 1 && o->cols[i].pk == 1 &&
		    ((d[0].given_name && (strata__buf_puts(&pk, "CONSTRAINT ") != 0 ||
					  strata__sqt_put_ident(&pk, d[0].given_name) != 0 ||
					  strata__buf_putc(&pk, ' ') != 0)) ||
		     strata__buf_puts(&pk, "PRIMARY KEY") != 0 ||
		     (pc && pc->autoincrement && strata__buf_puts(&pk, " AUTOINCREMENT") != 0))) {
			strata__buf_release(&pk);
			goto done;
		}
		bad = strata__buf_puts(&b, i ? ",\n    " : "\n    ") != 0 ||
		      strata__sqt_put_column(&b, &o->cols[i], pk.ptr) != 0;
		strata__buf_release(&pk);
		if (bad)
			goto done;
	}
	for (size_t i = 0; i < nd; i++) {
		if (d[i].type == 'p' && npk == 1)
			continue; /* written on its column */
		if (strata__buf_puts(&b, ",\n    ") != 0 ||
		    (d[i].given_name && (strata__buf_puts(&b, "CONSTRAINT ") != 0 ||
					 strata__sqt_put_ident(&b, d[i].given_name) != 0 ||
					 strata__buf_putc(&b, ' ') != 0)) ||
		    strata__buf_puts(&b, d[i].type == 'p' ? "PRIMARY KEY " : "") != 0)
			goto done;
		if (d[i].type == 'p') {
			/* "PRIMARY KEY (a, b)" without AUTOINCREMENT, which needs one column */
			const char *lp = strchr(d[i].def, '(');
			const char *end = strstr(d[i].def, " AUTOINCREMENT");

			if (strata__buf_putn(&b, lp, end ? (size_t)(end - lp) : strlen(lp)) != 0)
				goto done;
		} else if (strata__buf_puts(&b, d[i].def) != 0) {
			goto done;
		}
	}
	if (strata__buf_puts(&b, "\n)") != 0 || (o->options && strata__buf_printf(&b, " %s", o->options) != 0))
		goto done;
	if (!(o->def = strata__sc_take(c->cat, strata__buf_detach(&b))))
		goto done;

	/* the constraint objects; the names the schema gave are taken first */
	for (size_t i = 0; i < nd; i++)
		if (d[i].given_name && strata__sc_strv_push(&names, &nnames, d[i].given_name) != 0)
			goto done;
	for (size_t i = 0; i < nd; i++) {
		static const char *const suffix[] = { ['p'] = "pkey", ['u'] = "key",
						      ['c'] = "check", ['f'] = "fkey" };
		sc_object *k;
		char *name = NULL;

		if (d[i].given_name) {
			name = strata_strdup(d[i].given_name);
		} else {
			strata__buf_clear(&b);
			if (strata__buf_puts(&b, o->name) != 0)
				goto done;
			if (d[i].type != 'p' && d[i].type != 'c')
				for (size_t j = 0; j < d[i].ncols; j++)
					if (strata__buf_printf(&b, "_%s", d[i].cols[j]) != 0)
						goto done;
			if (strata__buf_printf(&b, "_%s", suffix[(unsigned char)d[i].type]) != 0)
				goto done;
			name = free_name(b.ptr, names, nnames);
		}
		if (!name || (!d[i].given_name && strata__sc_strv_push(&names, &nnames, name) != 0)) {
			strata_free(name);
			goto done;
		}
		if (!(k = strata__sc_catalog_add(c->cat, SC_CONSTRAINT))) {
			strata_free(name);
			goto done;
		}
		if (!(k->name = strata__sc_take(c->cat, name)))
			goto done;
		k->contype = d[i].type;
		if (!(k->table = strata__sc_strdup(c->cat, o->name)))
			goto done;
		strata__buf_clear(&b);
		if ((d[i].given_name && (strata__buf_puts(&b, "CONSTRAINT ") != 0 ||
					 strata__sqt_put_ident(&b, d[i].given_name) != 0 ||
					 strata__buf_putc(&b, ' ') != 0)) ||
		    strata__buf_puts(&b, d[i].def) != 0 || !(k->def = strata__sc_take(c->cat, strata__buf_detach(&b))))
			goto done;
		for (size_t j = 0; j < d[i].ncols; j++)
			if (strata__sc_strv_add(c->cat, &k->con_columns, &k->ncon_columns, d[i].cols[j]) != 0)
				goto done;
		if (d[i].type == 'f') {
			const pfk *fk = d[i].fk;
			sc_object *parent;
			char *lower = strata_strdup(fk->table);

			if (!lower)
				goto done;
			for (char *s = lower; *s; s++)
				*s = (char)tolower((unsigned char)*s);
			parent = strata__map_get(&c->lower, lower);
			strata_free(lower);
			if (!(k->ref_table = strata__sc_take(c->cat, strata__sc_make_key(SC_TABLE, NULL, NULL,
									  parent ? parent->name
										 : fk->table))))
				goto done;
			for (size_t j = 0; j < fk->nto; j++) {
				const char *ref = fk->to[j];

				/* no column list: the parent's primary key */
				if (fk->to_null && parent)
					for (size_t q = 0; q < parent->ncols; q++)
						if (parent->cols[q].pk == (int)j + 1)
							ref = parent->cols[q].name;
				if (strata__sc_strv_add(c->cat, &k->ref_columns, &k->nref_columns, ref) != 0)
					goto done;
			}
			if ((!parent || parent != o) &&
			    strata__sc_strv_add(c->cat, &o->deps, &o->ndeps, k->ref_table) != 0)
				goto done;
		}
	}
	rc = 0;
done:
	for (size_t i = 0; i < nd; i++) {
		strata_free(d[i].def);
		strata__sc_strv_free(d[i].cols, d[i].ncols);
	}
	strata_free(d);
	strata__sc_strv_free(names, nnames);
	strata__buf_release(&b);
	return rc;
}

/* ---- indexes, views, triggers ---------------------------------------------- */

/* "CREATE [UNIQUE] INDEX|VIEW|TRIGGER name <rest>" in canonical text: the
 * statement's kind words, the name quoted our way, the rest canonical. */
static char *canonical_create(const char *sql, const char *name, const char *what)
{
	strata_buf b = STRATA_BUF_INIT;
	sqt_tokens tk;
	size_t i = 0;
	int unique = 0;

	if (strata__sqt_tokenize(&tk, sql) != 0)
		return NULL;
	while (i < tk.n && !strata__sqt_is(&tk.v[i], what)) {
		unique |= strata__sqt_is(&tk.v[i], "UNIQUE");
		i++;
	}
	i++;
	if (strata__sqt_at(tk.v, tk.n, i, "IF") && strata__sqt_at(tk.v, tk.n, i + 1, "NOT") &&
	    strata__sqt_at(tk.v, tk.n, i + 2, "EXISTS"))
		i += 3;
	i++; /* the name */
	if (i < tk.n && tk.v[i].type == SQT_DOT)
		i += 2; /* schema.name */
	if (strata__buf_printf(&b, "CREATE %s%s ", unique ? "UNIQUE " : "", what) != 0 ||
	    strata__sqt_put_ident(&b, name) != 0 ||
	    (i < tk.n && (strata__buf_putc(&b, ' ') != 0 ||
			  strata__sqt_put_canonical(&b, tk.v, i < tk.n ? i : tk.n, tk.n) != 0))) {
		strata__sqt_tokens_release(&tk);
		strata__buf_release(&b);
		return NULL;
	}
	/* a trailing ';' stored by some tools is not part of the definition */
	while (b.len && b.ptr[b.len - 1] == ';')
		strata__buf_truncate(&b, b.len - 1);
	strata__sqt_tokens_release(&tk);
	return strata__buf_detach(&b);
}

static int on_index(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	sc_object *o = c->cur;

	if (!o || strcmp(o->name, v[0]) != 0) {
		if (!(o = c->cur = strata__sc_catalog_add(c->cat, SC_INDEX)) ||
		    !(o->name = strata__sc_strdup(c->cat, v[0])) || !(o->table = strata__sc_strdup(c->cat, v[1])) ||
		    !(o->def = strata__sc_take(c->cat, canonical_create(v[2], v[0], "INDEX"))))
			return STRATA_ERROR;
		/* canonical_create() keeps UNIQUE right after CREATE */
		o->unique = strncmp(o->def, "CREATE UNIQUE ", 14) == 0;
	}
	/* the index's key columns; an expression has no name */
	if (v[3] && strata__sc_strv_add(c->cat, &o->con_columns, &o->ncon_columns, v[4] ? v[4] : "") != 0)
		return STRATA_ERROR;
	return 0;
}

static int on_view(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	sc_object *o;

	if (!(o = strata__sc_catalog_add(c->cat, strcmp(v[0], "view") == 0 ? SC_VIEW : SC_TRIGGER)) ||
	    !(o->name = strata__sc_strdup(c->cat, v[1])) ||
	    (o->kind == SC_TRIGGER && !(o->table = strata__sc_strdup(c->cat, v[2]))) ||
	    !(o->def = strata__sc_take(c->cat, canonical_create(v[3] ? v[3] : "", v[1],
							o->kind == SC_VIEW ? "VIEW" : "TRIGGER"))))
		return STRATA_ERROR;
	return 0;
}

static int on_view_column(void *payload, int ncols, const char *const *v)
{
	ctx *c = payload;
	char *lower = strata_strdup(v[0]);
	sc_object *o;
	sc_column *col;

	if (!lower)
		return STRATA_ERROR;
	for (char *s = lower; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	o = strata__map_get(&c->lower, lower);
	strata_free(lower);
	if (!o || o->kind != SC_VIEW)
		return 0;
	if (!(col = strata__sc_object_add_column(c->cat, o)) || !(col->name = strata__sc_strdup(c->cat, v[2])) ||
	    (v[3] && *v[3] && !(col->type = strata__sc_strdup(c->cat, v[3]))))
		return STRATA_ERROR;
	col->position = atoi(v[1]) + 1;
	return 0;
}

static int add_lower(ctx *c, sc_object *o)
{
	char *lower = strata_strdup(o->name);

	if (!lower)
		return STRATA_ERROR;
	for (char *s = lower; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	if (strata__sc_strv_push(&c->lower_keys, &c->nlower_keys, lower) != 0) {
		strata_free(lower);
		return STRATA_ERROR;
	}
	strata_free(lower);
	return strata__map_put(&c->lower, c->lower_keys[c->nlower_keys - 1], o);
}

/* deps of a view or trigger: every table or view its statement names. */
static int statement_deps(ctx *c, sc_object *o)
{
	sqt_tokens tk;
	int rc = 0;

	if (o->kind == SC_TRIGGER && o->table) {
		char *lower = strata_strdup(o->table);
		sc_object *on;

		if (!lower)
			return STRATA_ERROR;
		for (char *s = lower; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		on = strata__map_get(&c->lower, lower);
		strata_free(lower);
		if (on && !(on->key) && !(on->key = strata__sc_take(c->cat, strata__sc_make_key(on->kind, NULL, NULL, on->name))))
			return STRATA_ERROR;
		if (on && strata__sc_strv_add(c->cat, &o->deps, &o->ndeps, on->key) != 0)
			return STRATA_ERROR;
	}
	if ((rc = strata__sqt_tokenize(&tk, o->def)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < tk.n; i++) {
		char *name;
		sc_object *dep;
		int seen = 0;

		if (tk.v[i].type != SQT_WORD && tk.v[i].type != SQT_QID)
			continue;
		if (!(name = strata__sqt_name(&tk.v[i]))) {
			rc = STRATA_ERROR;
			break;
		}
		for (char *s = name; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		dep = strata__map_get(&c->lower, name);
		strata_free(name);
		if (!dep || dep == o)
			continue;
		if (!dep->key && !(dep->key = strata__sc_take(c->cat, strata__sc_make_key(dep->kind, NULL, NULL, dep->name)))) {
			rc = STRATA_ERROR;
			break;
		}
		for (size_t k = 0; k < o->ndeps; k++)
			seen |= strcmp(o->deps[k], dep->key) == 0;
		if (!seen && strata__sc_strv_add(c->cat, &o->deps, &o->ndeps, dep->key) != 0)
			rc = STRATA_ERROR;
	}
	strata__sqt_tokens_release(&tk);
	return rc;
}

/* ---- putting it together ------------------------------------------------ */

/* After the tables' rows: index them by name for the queries that follow. */
static int index_tables(ctx *c)
{
	for (size_t i = 0; i < c->ntables; i++)
		if (strata__map_put(&c->by_name, c->tables[i].obj->name, (void *)(uintptr_t)(i + 1)) != 0)
			return STRATA_ERROR;
	return 0;
}

/* After the views' and triggers' rows: every table's columns, constraints
 * and def, then the dependencies read from statements (which need every
 * table and view by its lower-case name). */
static int build_objects(ctx *c)
{
	sc_catalog *cat = c->cat;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < cat->n; i++)
		if (cat->objs[i]->kind == SC_TABLE || cat->objs[i]->kind == SC_VIEW)
			rc = add_lower(c, cat->objs[i]);
	for (size_t i = 0; rc == 0 && i < c->ntables; i++)
		rc = build_table(c, &c->tables[i]);
	for (size_t i = 0; rc == 0 && i < cat->n; i++)
		if (cat->objs[i]->kind == SC_VIEW || cat->objs[i]->kind == SC_TRIGGER)
			rc = statement_deps(c, cat->objs[i]);
	return rc;
}

typedef struct sqlite_query_step {
	const char *what;
	const char *sql;      /* $1, $2: the bookkeeping tables (NOT_OURS) */
	db_row_cb cb;
	int (*then)(ctx *c);  /* a pass over what has been read so far, or NULL */
	int optional;         /* a failing query is passed over (error cleared) */
} sqlite_query_step;

/* The queries, in the order they run: each later one finds the objects of
 * the ones before (tables by name, then their columns, foreign keys and
 * indexes). */
static const sqlite_query_step sqlite_steps[] = {
	/* pragma_table_list is read once, not per table: called with a
	 * table's name it still walks every table. */
	{ "tables",
	  "SELECT name, type, wr, strict FROM pragma_table_list"
	  " WHERE schema = 'main' AND type IN ('table', 'virtual') AND" NOT_OURS("name")
	  "ORDER BY name",
	  on_table, index_tables, 0 },
	{ "table statements",
	  "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND" NOT_OURS("name"),
	  on_table_sql, NULL, 0 },
	/* columns and foreign keys of ordinary tables (virtual tables may need
	 * a module this connection lacks; shadow tables are not in c.tables) */
	{ "columns",
	  "SELECT s.name, c.cid, c.name, c.type, c.\"notnull\", c.dflt_value,"
	  " c.pk, c.hidden"
	  " FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c"
	  " WHERE s.type = 'table' AND s.sql NOT LIKE 'CREATE VIRTUAL %'"
	  " AND" NOT_OURS("s.name") "ORDER BY s.name, c.cid",
	  on_column, NULL, 0 },
	{ "foreign keys",
	  "SELECT s.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\","
	  " f.on_update, f.on_delete, f.\"match\""
	  " FROM sqlite_schema AS s JOIN pragma_foreign_key_list(s.name) AS f"
	  " WHERE s.type = 'table' AND s.sql NOT LIKE 'CREATE VIRTUAL %'"
	  " AND" NOT_OURS("s.name") "ORDER BY s.name, f.id, f.seq",
	  on_fk, NULL, 0 },
	{ "indexes",
	  "SELECT s.name, s.tbl_name, s.sql, x.seqno, x.name"
	  " FROM sqlite_schema AS s JOIN pragma_index_xinfo(s.name) AS x"
	  " WHERE s.type = 'index' AND s.sql IS NOT NULL AND x.key"
	  " AND" NOT_OURS("s.tbl_name") "ORDER BY s.name, x.seqno",
	  on_index, NULL, 0 },
	{ "views and triggers",
	  "SELECT type, name, tbl_name, sql FROM sqlite_schema"
	  " WHERE type IN ('view', 'trigger') AND" NOT_OURS("tbl_name")
	  "AND" NOT_OURS("name") "ORDER BY type, name",
	  on_view, build_objects, 0 },
	/* A view that no longer compiles has no columns to show; the view
	 * itself is still read and compared. */
	{ "view columns",
	  "SELECT s.name, c.cid, c.name, c.type"
	  " FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c"
	  " WHERE s.type = 'view' AND" NOT_OURS("s.name") "ORDER BY s.name, c.cid",
	  on_view_column, NULL, 1 },
};

int strata__sc_introspect_sqlite(strata_db *db, const char *version_table, sc_catalog *cat)
{
	const char *dot = version_table ? strrchr(version_table, '.') : NULL;
	ctx c;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.cat = cat;
	c.params[0] = dot ? dot + 1 : version_table ? version_table : "strata_version";
	c.params[1] = "strata_history";

	for (size_t i = 0; rc == 0 && i < sizeof(sqlite_steps) / sizeof(*sqlite_steps); i++) {
		const sqlite_query_step *q = &sqlite_steps[i];

		rc = strata__db_query(db, q->sql, 2, c.params, q->cb, &c);
		if (rc != 0 && q->optional) {
			strata_error_clear();
			rc = 0;
		}
		if (rc == 0 && q->then)
			rc = q->then(&c);
	}
	for (size_t i = 0; i < c.ntables; i++)
		table_info_release(&c.tables[i]);
	strata_free(c.tables);
	strata__map_release(&c.by_name);
	strata__map_release(&c.lower);
	strata__sc_strv_free(c.lower_keys, c.nlower_keys);
	if (rc != 0 && rc != STRATA_ERROR && rc != STRATA_EDB)
		return rc;
	if (rc != 0)
		strata_error_append(" (reading the SQLite schema)");
	return rc;
}
