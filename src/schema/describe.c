/*
 * schema/describe.c - schema differences in words, each classified as
 * breaking, compatible or internal (see describe.h for the classes).
 *
 * Layer: schema; catalogs and strata__sc_diff() only, no database, no SQL text.
 *
 * How it goes:
 *  1. strata__sc_diff() lists the changes. Every object a change names, other than
 *     a consequential one (only recreated around another change), is
 *     "touched", and so is the table an index, constraint, trigger or
 *     policy belongs to. SQLite changes a table's constraints by
 *     rebuilding it (its indexes go with it), so what belongs to a touched
 *     table is looked at too.
 *  2. Touched tables: one that is only in `to` is added, only in `from`
 *     dropped (a pair of one each with the same columns is a rename); one
 *     in both is compared column by column (a column gone and one new in
 *     its place with the same definition is a rename: see kept_in_place()),
 *     then by its own attributes.
 *  3. The other touched objects, in catalog order, by kind; what belongs
 *     to a table added or dropped goes with it and says nothing of its
 *     own, as does a sequence a column owns or an index behind a
 *     constraint.
 * Each difference is one note; an object changed in several ways (its
 * type and its nullability) gets a note for each, each with its class.
 */
#include "schema/describe.h"
#include "db/db.h"
#include "schema/diff.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *strata__sc_class_name(sc_class cls)
{
	switch (cls) {
	case SC_CLASS_BREAKING: return "breaking";
	case SC_CLASS_COMPATIBLE: return "compatible";
	default: return "internal";
	}
}

void strata__sc_notes_release(sc_notes *notes)
{
	for (size_t i = 0; i < notes->n; i++) {
		strata_free(notes->v[i].object);
		strata_free(notes->v[i].words);
	}
	strata_free(notes->v);
	memset(notes, 0, sizeof(*notes));
}

/* ---- types ----------------------------------------------------------------- */

typedef struct type_info {
	char base[96];  /* lowercase words, one space apart, without (...) and [] */
	long mod[2];    /* the modifiers, -1 when absent */
	int nmods;
	int array;
} type_info;

static void put_word_char(type_info *t, size_t *k, char c)
{
	if (*k + 1 < sizeof(t->base))
		t->base[(*k)++] = c;
}

/* "character varying(10)", "numeric(10,2)", "timestamp(3) with time zone", "int[]". */
static void parse_type(type_info *t, const char *s)
{
	size_t k = 0;

	memset(t, 0, sizeof(*t));
	t->mod[0] = t->mod[1] = -1;
	for (; *s; s++) {
		if (*s == '[') {
			t->array = 1;
			break;
		}
		if (*s == '(') {
			char *end;

			for (s++; *s && *s != ')';) {
				long v = strtol(s, &end, 10);

				if (end == s)
					break;
				if (t->nmods < 2)
					t->mod[t->nmods++] = v;
				s = end;
				while (*s == ',' || *s == ' ')
					s++;
			}
			while (*s && *s != ')')
				s++;
			if (!*s)
				break;
			continue;
		}
		if (isspace((unsigned char)*s)) {
			if (k && t->base[k - 1] != ' ')
				put_word_char(t, &k, ' ');
			continue;
		}
		put_word_char(t, &k, (char)tolower((unsigned char)*s));
	}
	while (k && t->base[k - 1] == ' ')
		k--;
	t->base[k] = '\0';
}

enum { FAM_NONE, FAM_INT, FAM_FLOAT, FAM_NUMERIC, FAM_STRING };

typedef struct type_family {
	const char *name;
	int family;
	int rank; /* integers and floats: size; strings: 1 fixed length, 2 bounded or not */
} type_family;

static const type_family families[] = {
	{ "tinyint", FAM_INT, 0 },	  { "smallint", FAM_INT, 1 },
	{ "int2", FAM_INT, 1 },		  { "integer", FAM_INT, 2 },
	{ "int", FAM_INT, 2 },		  { "int4", FAM_INT, 2 },
	{ "mediumint", FAM_INT, 2 },	  { "bigint", FAM_INT, 3 },
	{ "int8", FAM_INT, 3 },		  { "real", FAM_FLOAT, 1 },
	{ "float4", FAM_FLOAT, 1 },	  { "double precision", FAM_FLOAT, 2 },
	{ "double", FAM_FLOAT, 2 },	  { "float8", FAM_FLOAT, 2 },
	{ "float", FAM_FLOAT, 2 },	  { "numeric", FAM_NUMERIC, 0 },
	{ "decimal", FAM_NUMERIC, 0 },	  { "text", FAM_STRING, 2 },
	{ "clob", FAM_STRING, 2 },	  { "character varying", FAM_STRING, 2 },
	{ "varchar", FAM_STRING, 2 },	  { "nvarchar", FAM_STRING, 2 },
	{ "varying character", FAM_STRING, 2 }, { "character", FAM_STRING, 1 },
	{ "char", FAM_STRING, 1 },	  { "nchar", FAM_STRING, 1 },
	{ "bpchar", FAM_STRING, 1 },
};

static const type_family *family_of(const type_info *t)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(*families); i++)
		if (strcmp(t->base, families[i].name) == 0)
			return &families[i];
	return NULL;
}

/* How many characters a string type holds (LONG_MAX: unbounded). */
static long capacity(const type_info *t, const type_family *f)
{
	if (t->nmods)
		return t->mod[0];
	return f->rank == 1 ? 1 : LONG_MAX;
}

/* Decimal digits an integer type needs, by rank. */
static long int_digits(int rank)
{
	static const long digits[] = { 3, 5, 10, 19 };

	return digits[rank < 0 ? 0 : rank > 3 ? 3 : rank];
}

static sc_type_change by_rank(int from, int to)
{
	return to > from ? SC_TYPE_WIDENED : to < from ? SC_TYPE_NARROWED : SC_TYPE_SAME;
}

static sc_type_change numeric_change(const type_info *a, const type_info *b)
{
	long sa = a->nmods > 1 ? a->mod[1] : 0, sb = b->nmods > 1 ? b->mod[1] : 0;

	if (!b->nmods)
		return a->nmods ? SC_TYPE_WIDENED : SC_TYPE_SAME;
	if (!a->nmods)
		return SC_TYPE_NARROWED;
	if (a->mod[0] == b->mod[0] && sa == sb)
		return SC_TYPE_SAME;
	return sb >= sa && b->mod[0] - sb >= a->mod[0] - sa ? SC_TYPE_WIDENED : SC_TYPE_NARROWED;
}

sc_type_change strata__sc_type_compare(const char *from, const char *to)
{
	type_info a, b;
	const type_family *fa, *fb;

	if (!from || !to)
		return from == to ? SC_TYPE_SAME : SC_TYPE_OTHER;
	if (strcmp(from, to) == 0)
		return SC_TYPE_SAME;
	parse_type(&a, from);
	parse_type(&b, to);
	if (a.array != b.array)
		return SC_TYPE_OTHER;
	fa = family_of(&a);
	fb = family_of(&b);
	if (!fa || !fb) {
		if (!fa && !fb && strcmp(a.base, b.base) == 0 && a.nmods == b.nmods &&
		    a.mod[0] == b.mod[0] && a.mod[1] == b.mod[1])
			return SC_TYPE_SAME;
		return SC_TYPE_OTHER;
	}
	if (fa->family == FAM_STRING && fb->family == FAM_STRING) {
		long ca = capacity(&a, fa), cb = capacity(&b, fb);

		if (ca == cb && fa->rank == fb->rank)
			return SC_TYPE_SAME;
		/* a fixed-length target pads what it stores: only a longer one of those widens */
		return cb >= ca && (fb->rank == 2 || fa->rank == 1) ? SC_TYPE_WIDENED
								     : SC_TYPE_NARROWED;
	}
	if (fa->family == FAM_STRING || fb->family == FAM_STRING)
		return SC_TYPE_OTHER;
	if (fa->family == fb->family)
		return fa->family == FAM_NUMERIC ? numeric_change(&a, &b) : by_rank(fa->rank, fb->rank);
	/* Integers fit a numeric with room for their digits, and a float
	 * whose mantissa holds them (smallint in real, integer in double). */
	if (fa->family == FAM_INT && fb->family == FAM_NUMERIC)
		return !b.nmods || b.mod[0] - (b.nmods > 1 ? b.mod[1] : 0) >= int_digits(fa->rank)
			       ? SC_TYPE_WIDENED
			       : SC_TYPE_NARROWED;
	if (fa->family == FAM_INT && fb->family == FAM_FLOAT)
		return fa->rank <= fb->rank ? SC_TYPE_WIDENED : SC_TYPE_NARROWED;
	return SC_TYPE_NARROWED; /* numbers into a kind of number that loses digits */
}

/* ---- notes and names ------------------------------------------------------------ */

typedef struct dsc {
	const sc_catalog *a, *b;
	sc_notes *out;
	strata_map touched;  /* keys of touched objects (borrowed, or in owned) */
	char **owned;
	size_t nowned, capowned;
} dsc;

static int note(dsc *d, sc_class cls, sc_kind kind, const char *op, const char *object,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int note(dsc *d, sc_class cls, sc_kind kind, const char *op, const char *object,
		const char *fmt, ...)
{
	strata_buf words = STRATA_BUF_INIT;
	sc_note *n;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata__buf_vprintf(&words, fmt, ap);
	va_end(ap);
	if (rc != 0 || strata_grow((void **)&d->out->v, &d->out->cap, d->out->n + 1,
				   sizeof(*d->out->v)) != 0) {
		strata__buf_release(&words);
		return STRATA_ERROR;
	}
	n = &d->out->v[d->out->n];
	memset(n, 0, sizeof(*n));
	n->cls = cls;
	n->kind = kind;
	n->op = op;
	if (!(n->object = strata_strdup(object))) {
		strata__buf_release(&words);
		return STRATA_ERROR;
	}
	n->words = strata__buf_detach(&words);
	d->out->n++;
	return 0;
}

/* For people: "name", or "schema.name" outside public. */
static void put_shown(strata_buf *b, const char *schema, const char *name)
{
	if (schema && strcmp(schema, "public") != 0)
		strata__buf_printf(b, "%s.", schema);
	strata__buf_puts(b, name);
}

static const char *shown(strata_buf *b, const char *schema, const char *name)
{
	strata__buf_clear(b);
	put_shown(b, schema, name);
	return strata__buf_cstr(b);
}

/* The object field of a note: "schema.table.name" with the parts there are. */
static const char *object_id(strata_buf *b, const char *schema, const char *table,
			     const char *name)
{
	strata__buf_clear(b);
	if (schema)
		strata__buf_printf(b, "%s.", schema);
	if (table)
		strata__buf_printf(b, "%s.", table);
	strata__buf_puts(b, name);
	return strata__buf_cstr(b);
}

/* A default as people write it: PostgreSQL's cast of a literal to the
 * column's own type ('pending'::text) left out. */
static int put_default(strata_buf *b, const char *expr, const char *type)
{
	size_t n = strlen(expr), i = 1;

	if (expr[0] == '\'') {
		while (i < n && !(expr[i] == '\'' && expr[i + 1] != '\''))
			i += expr[i] == '\'' ? 2 : 1;
		if (i < n && strncmp(expr + i + 1, "::", 2) == 0 && type &&
		    strncmp(type, expr + i + 3, strlen(expr + i + 3)) == 0)
			return strata__buf_putn(b, expr, i + 1);
	}
	return strata__buf_puts(b, expr);
}

/* "status text NOT NULL DEFAULT 'pending'" */
static int put_column(strata_buf *b, const sc_column *c)
{
	strata__buf_clear(b);
	strata__buf_printf(b, "%s%s%s", c->name, c->type ? " " : "", c->type ? c->type : "");
	if (c->collation)
		strata__buf_printf(b, " COLLATE %s", c->collation);
	if (c->generated)
		strata__buf_printf(b, " GENERATED ALWAYS AS (%s)", c->generated);
	if (c->identity)
		strata__buf_printf(b, " GENERATED %s AS IDENTITY", c->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
	if (c->not_null)
		strata__buf_puts(b, " NOT NULL");
	if (c->default_expr && !c->generated) {
		strata__buf_puts(b, " DEFAULT ");
		put_default(b, c->default_expr, c->type);
	}
	return strata__buf_check(b);
}

static int touch(dsc *d, const char *key)
{
	return strata__map_put(&d->touched, key, (void *)1);
}

/* Touch the table (or materialized view) o belongs to; the keys are made here and kept in d. */
static int touch_owner(dsc *d, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_MATVIEW };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key = strata__sc_make_key(kinds[i], o->schema, NULL, o->table);

		if (!key || strata_grow((void **)&d->owned, &d->capowned, d->nowned + 1,
					sizeof(*d->owned)) != 0) {
			strata_free(key);
			return STRATA_ERROR;
		}
		d->owned[d->nowned++] = key;
		if (touch(d, key) != 0)
			return STRATA_ERROR;
	}
	return 0;
}

/* The table (or materialized view) object o belongs to, in cat, into *out (NULL: none there). */
static int owner_in(const sc_object **out, const sc_catalog *cat, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_MATVIEW };

	*out = NULL;
	for (size_t i = 0; !*out && i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key = strata__sc_make_key(kinds[i], o->schema, NULL, o->table);

		if (!key)
			return STRATA_ERROR;
		*out = strata__sc_catalog_find(cat, key);
		strata_free(key);
	}
	return 0;
}

static int collect_touched(dsc *d, const sc_changes *changes)
{
	for (size_t i = 0; i < changes->n; i++) {
		const sc_change *c = &changes->v[i];
		const sc_object *o = c->to ? c->to : c->from;

		if (c->consequential || !o)
			continue;
		if (touch(d, o->key) != 0 || (o->table && touch_owner(d, o) != 0))
			return STRATA_ERROR;
	}
	return 0;
}

/* ---- tables and columns --------------------------------------------------------- */

static const sc_column *column_in(const sc_object *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!t->cols[i].inherited && strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* Everything but the name: what a renamed column keeps. */
static int same_column_shape(const sc_column *x, const sc_column *y)
{
	return strata__sc_str_eq(x->type, y->type) && strata__sc_str_eq(x->collation, y->collation) &&
	       strata__sc_str_eq(x->default_expr, y->default_expr) && strata__sc_str_eq(x->generated, y->generated) &&
	       x->identity == y->identity && x->not_null == y->not_null;
}

/* The same columns, in the same order: what a renamed table keeps. */
static int same_table_shape(const sc_object *x, const sc_object *y)
{
	if (x->ncols != y->ncols || x->relkind != y->relkind)
		return 0;
	for (size_t i = 0; i < x->ncols; i++)
		if (!strata__sc_str_eq(x->cols[i].name, y->cols[i].name) ||
		    !same_column_shape(&x->cols[i], &y->cols[i]))
			return 0;
	return 1;
}

/* Columns of t before position pos (after it: pos < 0, from -pos on) that other also has. */
static size_t shared_around(const sc_object *t, const sc_object *other, int pos)
{
	size_t k = 0;

	for (size_t i = 0; i < t->ncols; i++)
		if ((pos > 0 ? t->cols[i].position < pos : t->cols[i].position > -pos) &&
		    column_in(other, t->cols[i].name))
			k++;
	return k;
}

/*
 * Whether y (of table b) took the place of x (of a), as a rename does; a
 * column added goes at the end instead. PostgreSQL never reuses a
 * column number, so the same number is the same column. SQLite renumbers
 * after a drop: there y must stand among the columns both tables have
 * where x stood, with at least one of them after it (a rename of the
 * last column reads as a drop and an add).
 */
static int kept_in_place(const dsc *d, const sc_object *a, const sc_object *b, const sc_column *x,
			 const sc_column *y)
{
	if (d->b->engine != DB_SQLITE)
		return x->position == y->position;
	return shared_around(a, b, x->position) == shared_around(b, a, y->position) &&
	       shared_around(b, a, -y->position) > 0;
}

/* What decides whether a gone item may have become a new one. */
typedef struct rename_test {
	int (*fits)(const struct rename_test *t, const void *gone, const void *added);
	const dsc *d;
	const sc_object *a, *b; /* columns: their tables */
} rename_test;

static int table_fits(const rename_test *t, const void *x, const void *y)
{
	return same_table_shape(x, y);
}

static int column_fits(const rename_test *t, const void *x, const void *y)
{
	return same_column_shape(x, y) && kept_in_place(t->d, t->a, t->b, x, y);
}

/* Items gone and items added, and which gone one became which added one. */
typedef struct renames {
	const void **gone, **added;
	long *partner; /* per gone item: the added one it became, or -1 */
	size_t ngone, nadded;
} renames;

static int renames_init(renames *r, size_t max_gone, size_t max_added)
{
	memset(r, 0, sizeof(*r));
	r->gone = strata_calloc(max_gone + 1, sizeof(*r->gone));
	r->added = strata_calloc(max_added + 1, sizeof(*r->added));
	r->partner = strata_calloc(max_gone + 1, sizeof(*r->partner));
	return r->gone && r->added && r->partner ? 0 : STRATA_ERROR;
}

static void renames_release(renames *r)
{
	strata_free(r->gone);
	strata_free(r->added);
	strata_free(r->partner);
}

/*
 * Pair each gone item with the one added item that fits it, when that
 * added item fits no other gone item either.
 */
static void renames_pair(renames *r, const rename_test *t)
{
	for (size_t i = 0; i < r->ngone; i++) {
		size_t hits = 0, back = 0;
		long found = -1;

		r->partner[i] = -1;
		for (size_t j = 0; j < r->nadded; j++)
			if (t->fits(t, r->gone[i], r->added[j])) {
				hits++;
				found = (long)j;
			}
		if (hits != 1)
			continue;
		for (size_t k = 0; k < r->ngone; k++)
			back += t->fits(t, r->gone[k], r->added[found]) != 0;
		if (back == 1)
			r->partner[i] = found;
	}
}

/* Whether added item j is what a gone one became. */
static int renames_into(const renames *r, size_t j)
{
	for (size_t i = 0; i < r->ngone; i++)
		if (r->partner[i] == (long)j)
			return 1;
	return 0;
}

/* The buffers notes are written with: two names and an object id. */
typedef struct scratch {
	strata_buf n1, n2, id;
} scratch;

#define SCRATCH_INIT { STRATA_BUF_INIT, STRATA_BUF_INIT, STRATA_BUF_INIT }

/* Release them; rc, or STRATA_ERROR when one ran out of memory. */
static int scratch_done(scratch *w, int rc)
{
	if (rc == 0 && (strata__buf_check(&w->n1) || strata__buf_check(&w->n2) || strata__buf_check(&w->id)))
		rc = STRATA_ERROR;
	strata__buf_release(&w->n1);
	strata__buf_release(&w->n2);
	strata__buf_release(&w->id);
	return rc;
}

static int column_added(dsc *d, const sc_object *t, const sc_column *c, strata_buf *n1,
			strata_buf *n2, strata_buf *id)
{
	int breaks = c->not_null && !c->default_expr && !c->generated && !c->identity;

	if (put_column(n2, c) != 0)
		return STRATA_ERROR;
	return note(d, breaks ? SC_CLASS_BREAKING : SC_CLASS_COMPATIBLE, SC_COLUMN, "added",
		    object_id(id, t->schema, t->name, c->name), "table `%s`: added column `%s`%s",
		    shown(n1, t->schema, t->name), strata__buf_cstr(n2),
		    breaks ? " (NOT NULL without a default: inserts that leave it out fail)" : "");
}

static const char *type_words(sc_type_change how)
{
	switch (how) {
	case SC_TYPE_WIDENED: return "widened";
	case SC_TYPE_NARROWED: return "narrowed";
	case SC_TYPE_SAME: return "respelled";
	default: return "changed";
	}
}

/* The notes for one column in both tables whose definition differs. */
static int column_changed(dsc *d, const sc_object *t, const sc_column *a, const sc_column *b,
			  strata_buf *n1, strata_buf *id)
{
	const char *tn = shown(n1, t->schema, t->name), *obj = object_id(id, t->schema, t->name, b->name);
	int rc = 0;

	if (!strata__sc_str_eq(a->type, b->type)) {
		sc_type_change how = strata__sc_type_compare(a->type, b->type);
		sc_class cls = how == SC_TYPE_WIDENED ? SC_CLASS_COMPATIBLE
			       : how == SC_TYPE_SAME ? SC_CLASS_INTERNAL
						     : SC_CLASS_BREAKING;

		rc = rc || note(d, cls, SC_COLUMN, "changed", obj,
				"column `%s.%s`: type %s from `%s` to `%s`", tn, b->name,
				type_words(how), a->type ? a->type : "(none)",
				b->type ? b->type : "(none)");
	}
	if (!strata__sc_str_eq(a->collation, b->collation))
		rc = rc || note(d, SC_CLASS_BREAKING, SC_COLUMN, "changed", obj,
				"column `%s.%s`: collation changed from `%s` to `%s` (sorting and "
				"comparison change)", tn, b->name, a->collation ? a->collation : "default",
				b->collation ? b->collation : "default");
	if (a->not_null != b->not_null)
		rc = rc || note(d, b->not_null ? SC_CLASS_BREAKING : SC_CLASS_COMPATIBLE, SC_COLUMN,
				"changed", obj, "column `%s.%s` became %s", tn, b->name,
				b->not_null ? "NOT NULL" : "nullable");
	if (!strata__sc_str_eq(a->generated, b->generated))
		rc = rc || (b->generated ? note(d, SC_CLASS_BREAKING, SC_COLUMN, "changed", obj,
						"column `%s.%s`: now generated as `%s` (writes to it "
						"fail)", tn, b->name, b->generated)
					 : note(d, SC_CLASS_COMPATIBLE, SC_COLUMN, "changed", obj,
						"column `%s.%s`: no longer generated", tn, b->name));
	if (a->identity != b->identity)
		rc = rc || (b->identity ? note(d, SC_CLASS_COMPATIBLE, SC_COLUMN, "changed", obj,
					       "column `%s.%s`: now an identity column", tn, b->name)
					: note(d, b->not_null ? SC_CLASS_BREAKING : SC_CLASS_COMPATIBLE,
					       SC_COLUMN, "changed", obj,
					       "column `%s.%s`: no longer an identity column", tn,
					       b->name));
	if (!strata__sc_str_eq(a->default_expr, b->default_expr) && !b->generated && !a->generated) {
		strata_buf x = STRATA_BUF_INIT, y = STRATA_BUF_INIT;

		if (a->default_expr)
			put_default(&x, a->default_expr, a->type);
		if (b->default_expr)
			put_default(&y, b->default_expr, b->type);
		if (!a->default_expr)
			rc = rc || note(d, SC_CLASS_COMPATIBLE, SC_COLUMN, "changed", obj,
					"column `%s.%s`: default set to `%s`", tn, b->name, strata__buf_cstr(&y));
		else if (!b->default_expr)
			rc = rc || note(d, b->not_null && !b->identity ? SC_CLASS_BREAKING
								       : SC_CLASS_COMPATIBLE,
					SC_COLUMN, "changed", obj, "column `%s.%s`: default `%s` dropped",
					tn, b->name, strata__buf_cstr(&x));
		else
			rc = rc || note(d, SC_CLASS_COMPATIBLE, SC_COLUMN, "changed", obj,
					"column `%s.%s`: default changed from `%s` to `%s`", tn,
					b->name, strata__buf_cstr(&x), strata__buf_cstr(&y));
		rc = rc || strata__buf_check(&x) || strata__buf_check(&y);
		strata__buf_release(&x);
		strata__buf_release(&y);
	}
	if (!strata__sc_str_eq(a->comment, b->comment))
		rc = rc || note(d, SC_CLASS_INTERNAL, SC_COLUMN, "changed", obj,
				"column `%s.%s`: comment changed", tn, b->name);
	return rc ? STRATA_ERROR : 0;
}

static int grant_notes(dsc *d, const sc_object *a, const sc_object *b, const char *what,
		       const char *obj)
{
	for (size_t i = 0; i < a->ngrants; i++)
		if (!strata__sc_strv_has(b->grants, b->ngrants, a->grants[i]) &&
		    note(d, SC_CLASS_BREAKING, b->kind, "changed", obj, "%s: revoked `%s`", what,
			 a->grants[i]) != 0)
			return STRATA_ERROR;
	for (size_t i = 0; i < b->ngrants; i++)
		if (!strata__sc_strv_has(a->grants, a->ngrants, b->grants[i]) &&
		    note(d, SC_CLASS_INTERNAL, b->kind, "changed", obj, "%s: granted `%s`", what,
			 b->grants[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

/* SQLite's STRICT and WITHOUT ROWID change what clients may store and
 * read (types enforced, no rowid); storage parameters change nothing they see. */
static int has_option(const sc_object *t, const char *option)
{
	return t->options && strstr(t->options, option) != NULL;
}

/* A table's own attributes: comment, row-level security, options, partitioning, grants. */
static int table_attributes(dsc *d, const sc_object *a, const sc_object *b, const char *tn,
			    const char *obj)
{
	char what[600];
	int rc = 0;

	snprintf(what, sizeof(what), "table `%s`", tn);
	if (a->relkind != b->relkind || !strata__sc_str_eq(a->partition_key, b->partition_key))
		return note(d, SC_CLASS_BREAKING, SC_TABLE, "changed", obj,
			    "%s is dropped and created again as another kind of table (its rows "
			    "are lost)", what);
	if (!strata__sc_str_eq(a->comment, b->comment))
		rc = rc || note(d, SC_CLASS_INTERNAL, SC_TABLE, "changed", obj, "%s: comment changed",
				what);
	if (a->rls_enabled != b->rls_enabled || a->rls_forced != b->rls_forced)
		rc = rc || note(d, SC_CLASS_BREAKING, SC_TABLE, "changed", obj,
				"%s: row-level security %s", what,
				b->rls_enabled != a->rls_enabled
					? (b->rls_enabled ? "enabled" : "disabled")
					: (b->rls_forced ? "forced on the owner too"
							 : "no longer forced on the owner"));
	if (!strata__sc_str_eq(a->options, b->options))
		rc = rc || note(d, has_option(a, "STRICT") != has_option(b, "STRICT") ||
					   has_option(a, "WITHOUT ROWID") != has_option(b, "WITHOUT ROWID")
				       ? SC_CLASS_BREAKING
				       : SC_CLASS_INTERNAL,
				SC_TABLE, "changed", obj, "%s: options changed from `%s` to `%s`", what,
				a->options ? a->options : "none", b->options ? b->options : "none");
	if (!strata__sc_str_eq(a->partition_of, b->partition_of) ||
	    !strata__sc_str_eq(a->partition_bound, b->partition_bound) || !strata__sc_str_eq(a->inherits, b->inherits))
		rc = rc || note(d, SC_CLASS_BREAKING, SC_TABLE, "changed", obj,
				"%s: partition or inheritance changed (rows go elsewhere)", what);
	return rc || grant_notes(d, a, b, what, obj) ? STRATA_ERROR : 0;
}

/* A table in both catalogs: its columns (drops, renames, changes, adds), then itself. */
static int table_changed(dsc *d, const sc_object *a, const sc_object *b)
{
	rename_test columns = { column_fits, d, a, b };
	scratch w = SCRATCH_INIT;
	renames r;
	int rc;

	if ((rc = renames_init(&r, a->ncols, b->ncols)) != 0)
		goto done;
	for (size_t i = 0; i < a->ncols; i++)
		if (!a->cols[i].inherited && !column_in(b, a->cols[i].name))
			r.gone[r.ngone++] = &a->cols[i];
	for (size_t i = 0; i < b->ncols; i++)
		if (!b->cols[i].inherited && !column_in(a, b->cols[i].name))
			r.added[r.nadded++] = &b->cols[i];
	renames_pair(&r, &columns);
	for (size_t i = 0; rc == 0 && i < r.ngone; i++) {
		const sc_column *c = r.gone[i];
		const char *tn = shown(&w.n1, b->schema, b->name);

		if (r.partner[i] >= 0)
			rc = note(d, SC_CLASS_BREAKING, SC_COLUMN, "renamed",
				  object_id(&w.id, b->schema, b->name, c->name),
				  "column `%s.%s` renamed to `%s`", tn, c->name,
				  ((const sc_column *)r.added[r.partner[i]])->name);
		else
			rc = note(d, SC_CLASS_BREAKING, SC_COLUMN, "dropped",
				  object_id(&w.id, b->schema, b->name, c->name), "column `%s.%s` dropped",
				  tn, c->name);
	}
	for (size_t i = 0; rc == 0 && i < b->ncols; i++) {
		const sc_column *cb = &b->cols[i], *ca;

		if (cb->inherited || !(ca = column_in(a, cb->name)) || strata__sc_column_equal(ca, cb))
			continue;
		rc = column_changed(d, b, ca, cb, &w.n1, &w.id);
	}
	for (size_t j = 0; rc == 0 && j < r.nadded; j++)
		if (!renames_into(&r, j))
			rc = column_added(d, b, r.added[j], &w.n1, &w.n2, &w.id);
	if (rc == 0)
		rc = table_attributes(d, a, b, shown(&w.n1, b->schema, b->name),
				      object_id(&w.id, b->schema, NULL, b->name));
done:
	renames_release(&r);
	return scratch_done(&w, rc);
}

static int table_added(dsc *d, const sc_object *t, strata_buf *n1, strata_buf *n2, strata_buf *id)
{
	strata__buf_clear(n2);
	for (size_t i = 0; i < t->ncols; i++)
		if (!t->cols[i].inherited)
			strata__buf_printf(n2, "%s`%s`", n2->len ? ", " : "", t->cols[i].name);
	return note(d, SC_CLASS_COMPATIBLE, SC_TABLE, "added", object_id(id, t->schema, NULL, t->name),
		    "table `%s` added%s%s%s", shown(n1, t->schema, t->name),
		    n2->len ? " (columns " : "", strata__buf_cstr(n2), n2->len ? ")" : "");
}

/* Touched tables: dropped, renamed, added, changed. */
static int describe_tables(dsc *d)
{
	rename_test tables = { table_fits, d, NULL, NULL };
	scratch w = SCRATCH_INIT;
	renames r;
	int rc;

	if ((rc = renames_init(&r, d->a->n, d->b->n)) != 0)
		goto done;
	for (size_t i = 0; i < d->a->n; i++) {
		const sc_object *o = d->a->objs[i];

		if (o->kind == SC_TABLE && strata__map_has(&d->touched, o->key) && !strata__sc_catalog_find(d->b, o->key))
			r.gone[r.ngone++] = o;
	}
	for (size_t i = 0; i < d->b->n; i++) {
		const sc_object *o = d->b->objs[i];

		if (o->kind == SC_TABLE && strata__map_has(&d->touched, o->key) && !strata__sc_catalog_find(d->a, o->key))
			r.added[r.nadded++] = o;
	}
	renames_pair(&r, &tables);
	for (size_t i = 0; rc == 0 && i < r.ngone; i++) {
		const sc_object *t = r.gone[i], *into = r.partner[i] >= 0 ? r.added[r.partner[i]] : NULL;

		if (into)
			rc = note(d, SC_CLASS_BREAKING, SC_TABLE, "renamed",
				  object_id(&w.id, t->schema, NULL, t->name), "table `%s` renamed to `%s`",
				  shown(&w.n1, t->schema, t->name), shown(&w.n2, into->schema, into->name));
		else
			rc = note(d, SC_CLASS_BREAKING, SC_TABLE, "dropped",
				  object_id(&w.id, t->schema, NULL, t->name), "table `%s` dropped",
				  shown(&w.n1, t->schema, t->name));
	}
	for (size_t i = 0, j = 0; rc == 0 && i < d->b->n; i++) {
		const sc_object *t = d->b->objs[i], *ta;

		if (t->kind != SC_TABLE || !strata__map_has(&d->touched, t->key))
			continue;
		if ((ta = strata__sc_catalog_find(d->a, t->key)))
			rc = table_changed(d, ta, t);
		else if (!renames_into(&r, j++)) /* added in this same order */
			rc = table_added(d, t, &w.n1, &w.n2, &w.id);
	}
done:
	renames_release(&r);
	return scratch_done(&w, rc);
}

/* ---- other objects ----------------------------------------------------------------- */

static const char *constraint_word(char contype)
{
	switch (contype) {
	case 'p': return "primary key";
	case 'u': return "unique constraint";
	case 'f': return "foreign key";
	case 'c': return "check constraint";
	case 'x': return "exclusion constraint";
	default: return "constraint";
	}
}

/* A constraint's definition without the "CONSTRAINT name " the note already says. */
static const char *constraint_body(const sc_object *o)
{
	const char *def = o->def ? o->def : "";
	size_t n = strlen(o->name);

	if (strncmp(def, "CONSTRAINT ", 11) == 0 && strncmp(def + 11, o->name, n) == 0 &&
	    def[11 + n] == ' ')
		return def + 12 + n;
	return def;
}

/* "index `ix` on `users`", "view `v`", "function `f(integer)`". */
static const char *what_of(strata_buf *b, const sc_object *o)
{
	strata__buf_clear(b);
	if (o->kind == SC_CONSTRAINT || o->table) {
		strata__buf_printf(b, "%s `%s` on `", o->kind == SC_CONSTRAINT ? constraint_word(o->contype)
								      : strata__sc_kind_name(o->kind), o->name);
		put_shown(b, o->schema, o->table);
	} else {
		strata__buf_printf(b, "%s `", o->kind == SC_ENUM || o->kind == SC_COMPOSITE
					      ? "type" : strata__sc_kind_name(o->kind));
		put_shown(b, o->schema, o->name);
	}
	strata__buf_putc(b, '`');
	return strata__buf_cstr(b);
}

static sc_class added_class(const sc_object *o)
{
	switch (o->kind) {
	case SC_INDEX: return o->unique ? SC_CLASS_BREAKING : SC_CLASS_COMPATIBLE;
	case SC_CONSTRAINT:
	case SC_POLICY: return SC_CLASS_BREAKING;
	case SC_TRIGGER: return SC_CLASS_INTERNAL;
	default: return SC_CLASS_COMPATIBLE;
	}
}

static sc_class dropped_class(const sc_object *o)
{
	switch (o->kind) {
	case SC_INDEX: return o->unique ? SC_CLASS_BREAKING : SC_CLASS_INTERNAL;
	case SC_CONSTRAINT:
		return o->contype == 'c' || o->contype == 'f' ? SC_CLASS_COMPATIBLE : SC_CLASS_BREAKING;
	case SC_TRIGGER: return SC_CLASS_INTERNAL;
	default: return SC_CLASS_BREAKING;
	}
}

/* Labels of a in the same order among b's: values were only added. */
static int labels_extended(const sc_object *a, const sc_object *b)
{
	return strata__sc_strv_in_order(a->labels, a->nlabels, b->labels, b->nlabels);
}

static int view_columns_kept(const sc_object *a, const sc_object *b)
{
	for (size_t i = 0; i < a->ncols; i++) {
		const sc_column *c = column_in(b, a->cols[i].name);

		if (!c || !strata__sc_str_eq(c->type, a->cols[i].type))
			return 0;
	}
	return 1;
}

/* The note for an object's definition changing (comments and grants aside), if it did. */
static int definition_changed(dsc *d, const sc_object *a, const sc_object *b, const char *what,
			      const char *obj)
{
	strata_buf list = STRATA_BUF_INIT;
	int rc = 0;

	switch (b->kind) {
	case SC_INDEX:
		if (strata__sc_str_eq(a->def, b->def) && a->not_valid == b->not_valid)
			return 0;
		if (a->unique != b->unique)
			return note(d, SC_CLASS_BREAKING, b->kind, "changed", obj, "%s %s", what,
				    b->unique ? "became unique" : "is no longer unique");
		return note(d, SC_CLASS_INTERNAL, b->kind, "changed", obj, "%s changed: `%s`", what,
			    b->def);
	case SC_CONSTRAINT:
	case SC_POLICY:
	case SC_COLLATION:
		return strata__sc_str_eq(a->def, b->def) ? 0
		       : note(d, SC_CLASS_BREAKING, b->kind, "changed", obj, "%s changed to `%s`",
			      what, b->kind == SC_CONSTRAINT ? constraint_body(b) : b->def);
	case SC_TRIGGER:
		return strata__sc_str_eq(a->def, b->def) && a->relkind == b->relkind
			       ? 0
			       : note(d, SC_CLASS_INTERNAL, b->kind, "changed", obj, "%s changed", what);
	case SC_VIEW:
	case SC_MATVIEW:
		if (strata__sc_str_eq(a->def, b->def) && strata__sc_str_eq(a->options, b->options))
			return 0;
		return view_columns_kept(a, b)
			       ? note(d, SC_CLASS_COMPATIBLE, b->kind, "changed", obj,
				      "%s: definition changed, its columns kept", what)
			       : note(d, SC_CLASS_BREAKING, b->kind, "changed", obj,
				      "%s: definition changed, columns dropped or retyped", what);
	case SC_FUNCTION:
		if (strata__sc_str_eq(a->def, b->def))
			return 0;
		if (!strata__sc_str_eq(a->result_type, b->result_type) || a->relkind != b->relkind)
			return note(d, SC_CLASS_BREAKING, b->kind, "changed", obj,
				    "%s now returns `%s`", what, b->result_type ? b->result_type : "?");
		return note(d, SC_CLASS_INTERNAL, b->kind, "changed", obj, "%s: body changed", what);
	case SC_ENUM:
		if (a->nlabels == b->nlabels && labels_extended(a, b))
			return 0;
		if (!labels_extended(a, b))
			return note(d, SC_CLASS_BREAKING, b->kind, "changed", obj,
				    "%s: values removed or reordered", what);
		for (size_t i = 0; i < b->nlabels; i++)
			if (!strata__sc_strv_has(a->labels, a->nlabels, b->labels[i]))
				strata__buf_printf(&list, "%s`%s`", list.len ? ", " : "", b->labels[i]);
		rc = strata__buf_check(&list) ||
		     note(d, SC_CLASS_COMPATIBLE, b->kind, "changed", obj, "%s: values added: %s",
			  what, strata__buf_cstr(&list));
		strata__buf_release(&list);
		return rc ? STRATA_ERROR : 0;
	case SC_DOMAIN:
	case SC_COMPOSITE: {
		int same = strata__sc_str_eq(a->result_type, b->result_type) &&
			   strata__sc_str_eq(a->domain_default, b->domain_default) &&
			   a->domain_not_null == b->domain_not_null && a->nlabels == b->nlabels &&
			   a->ncols == b->ncols;

		for (size_t i = 0; same && i < a->nlabels; i++)
			same = strata__sc_strv_has(b->labels, b->nlabels, a->labels[i]);
		for (size_t i = 0; same && i < a->ncols; i++)
			same = strata__sc_column_equal(&a->cols[i], &b->cols[i]);
		return same ? 0 : note(d, SC_CLASS_BREAKING, b->kind, "changed", obj, "%s changed", what);
	}
	case SC_SEQUENCE:
	case SC_EXTENSION:
		return strata__sc_str_eq(a->def, b->def) && strata__sc_str_eq(a->options, b->options) &&
				       strata__sc_str_eq(a->result_type, b->result_type)
			       ? 0
			       : note(d, SC_CLASS_INTERNAL, b->kind, "changed", obj, "%s changed", what);
	default:
		return 0;
	}
}

static int describe_object(dsc *d, const sc_object *a, const sc_object *b)
{
	const sc_object *o = b ? b : a;
	strata_buf w = STRATA_BUF_INIT, id = STRATA_BUF_INIT;
	const char *what = what_of(&w, o), *obj = object_id(&id, o->schema, o->table, o->name);
	int rc;

	if (!a && o->kind == SC_CONSTRAINT) {
		strata_buf t = STRATA_BUF_INIT;

		rc = note(d, added_class(o), o->kind, "added", obj, "table `%s`: added %s `%s` `%s`",
			  shown(&t, o->schema, o->table), constraint_word(o->contype), o->name,
			  constraint_body(o)) ||
		     strata__buf_check(&t);
		strata__buf_release(&t);
	} else if (!a) {
		rc = note(d, added_class(o), o->kind, "added", obj, "%s added", what);
	} else if (!b) {
		rc = note(d, dropped_class(o), o->kind, "dropped", obj, "%s dropped", what);
	} else {
		rc = definition_changed(d, a, b, what, obj) ||
		     (!strata__sc_str_eq(a->comment, b->comment) &&
		      note(d, SC_CLASS_INTERNAL, o->kind, "changed", obj, "%s: comment changed", what)) ||
		     grant_notes(d, a, b, what, obj);
	}
	if (rc == 0 && (strata__buf_check(&w) || strata__buf_check(&id)))
		rc = STRATA_ERROR;
	strata__buf_release(&w);
	strata__buf_release(&id);
	return rc ? STRATA_ERROR : 0;
}

/* A column's sequence, or an index behind a constraint: they say nothing of their own. */
static int part_of_another(const sc_object *o)
{
	return (o->kind == SC_SEQUENCE && o->owned_by) || (o->kind == SC_INDEX && o->constraint_index);
}

/*
 * Whether o is described, into *yes: it was touched, or belongs to a
 * touched table (a rebuild, on SQLite, drops and makes its indexes and
 * constraints with it). What belongs to a table added or dropped goes
 * with it and is not.
 */
static int examined(int *yes, const dsc *d, const sc_object *o)
{
	const sc_object *ta = NULL, *tb = NULL;

	*yes = 0;
	if (o->kind == SC_TABLE || part_of_another(o))
		return 0;
	if (o->table && (owner_in(&ta, d->a, o) != 0 || owner_in(&tb, d->b, o) != 0))
		return STRATA_ERROR;
	if (o->table && (!ta || !tb))
		return 0;
	*yes = strata__map_has(&d->touched, o->key) || (tb && strata__map_has(&d->touched, tb->key));
	return 0;
}

static int describe_objects(dsc *d)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->b->n; i++) {
		const sc_object *b = d->b->objs[i], *a = strata__sc_catalog_find(d->a, b->key);
		int yes;

		if ((rc = examined(&yes, d, b)) == 0 && yes && !(a && part_of_another(a)))
			rc = describe_object(d, a, b);
	}
	for (size_t i = 0; rc == 0 && i < d->a->n; i++) {
		const sc_object *a = d->a->objs[i];
		int yes;

		if (!strata__sc_catalog_find(d->b, a->key) && (rc = examined(&yes, d, a)) == 0 && yes)
			rc = describe_object(d, a, NULL);
	}
	return rc;
}

int strata__sc_describe(const sc_catalog *from, const sc_catalog *to, sc_notes *out)
{
	dsc d = { from, to, out, STRATA_MAP_INIT, NULL, 0, 0 };
	sc_changes changes = { 0 };
	int rc = strata__sc_diff(from, to, NULL, &changes);

	if (rc == 0)
		rc = collect_touched(&d, &changes);
	if (rc == 0)
		rc = describe_tables(&d);
	if (rc == 0)
		rc = describe_objects(&d);
	strata__sc_changes_release(&changes);
	strata__map_release(&d.touched);
	for (size_t i = 0; i < d.nowned; i++)
		strata_free(d.owned[i]);
	strata_free(d.owned);
	if (rc == 0)
		return 0;
	if (!strata_error_last()->code)
		strata_error_set(STRATA_ERROR, "out of memory while describing schema changes");
	return rc < 0 ? rc : STRATA_ERROR;
}
