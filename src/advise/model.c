/*
 * advise/model.c - the tables the rules look at, each with its
 * constraints and its indexes (plain ones parsed from their definition,
 * and the ones behind primary keys and unique constraints built from the
 * constraint's columns), and the names and SQL the findings use.
 *
 * Layer: advise. Reads a finished catalog; owns only the arrays and the
 * parsed index parts (strata__advise_model_release frees them).
 *
 * Tables advised: SC_TABLE objects that are ordinary or partitioned
 * tables, not partitions (their parent carries the design) and not
 * foreign tables (their keys and indexes live elsewhere).
 *
 * Index definitions are the engine's canonical text (pg_get_indexdef;
 * SQLite's normalised CREATE INDEX): "CREATE [UNIQUE] INDEX name ON
 * [ONLY] table [USING method] (key, ...) [INCLUDE (...)] [NULLS [NOT]
 * DISTINCT] [WITH (...)] [TABLESPACE t] [WHERE predicate]". Reading is
 * quote-aware ('...' and "..."), parentheses nest.
 */
#include "advise/advise.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* --- index definitions ---------------------------------------------------- */

/* Past the quoted run that starts at p (a doubled quote stays inside). */
static const char *skip_quoted(const char *p)
{
	char q = *p++;

	for (; *p; p++)
		if (*p == q) {
			if (p[1] != q)
				return p + 1;
			p++;
		}
	return p;
}

/* The first occurrence of word (case-insensitive, as a whole word) at
 * parenthesis depth 0 and outside quotes in [from, end), or NULL. */
static const char *find_top(const char *from, const char *end, const char *word)
{
	size_t n = strlen(word);
	int depth = 0;

	for (const char *p = from; p < end && *p;) {
		if (*p == '\'' || *p == '"') {
			p = skip_quoted(p);
			continue;
		}
		if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			depth--;
		} else if (depth == 0 && (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0) {
			int before = p > from && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
			int after = isalnum((unsigned char)p[n]) || p[n] == '_';

			if (!before && !after)
				return p;
		}
		p++;
	}
	return NULL;
}

/* The ')' matching the '(' at p, or NULL. */
static const char *matching(const char *p)
{
	int depth = 0;

	while (*p) {
		if (*p == '\'' || *p == '"') {
			p = skip_quoted(p);
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
		p++;
	}
	return NULL;
}

static char *trimmed(const char *s, const char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return strata_strndup(s, (size_t)(e - s));
}

/* An identifier at p (bare or "quoted"): its length in *len and the
 * unquoted name, or NULL when p does not start one. */
static char *ident_at(const char *p, size_t *len)
{
	if (*p == '"') {
		const char *e = skip_quoted(p);
		strata_buf b = STRATA_BUF_INIT;

		if (e[-1] != '"' || e == p + 1)
			return NULL;
		for (const char *s = p + 1; s < e - 1; s++) {
			if (strata__buf_putc(&b, *s) != 0)
				break;
			if (*s == '"')
				s++;
		}
		*len = (size_t)(e - p);
		return strata__buf_detach(&b);
	}
	if (!(isalpha((unsigned char)*p) || *p == '_'))
		return NULL;
	*len = 1;
	while (isalnum((unsigned char)p[*len]) || p[*len] == '_' || p[*len] == '$')
		(*len)++;
	return strata_strndup(p, *len);
}

static int add_key(adv_index *x, const char *s, const char *e)
{
	adv_key *k;
	void *grown = x->keys;
	size_t cap = x->nkeys, len = 0;

	if (strata_grow(&grown, &cap, x->nkeys + 1, sizeof(*x->keys)) < 0)
		return -1;
	x->keys = grown;
	k = &x->keys[x->nkeys];
	memset(k, 0, sizeof(*k));
	if (!(k->text = trimmed(s, e)))
		return -1;
	x->nkeys++;
	if ((k->col = ident_at(k->text, &len)) != NULL) {
		const char *after = k->text + len;

		/* a function call or an operator expression is not a column */
		if (*after && *after != ' ') {
			strata_free(k->col);
			k->col = NULL;
		} else if (!(k->rest = trimmed(after, after + strlen(after)))) {
			return -1;
		}
	}
	return 0;
}

int strata__adv_index_parse(adv_index *x, const char *def)
{
	const char *end = def + strlen(def), *on, *open, *close, *p, *w;

	if (!(on = find_top(def, end, "ON")) || !(open = strchr(on, '(')))
		return -1;
	/* the key list is the first top-level parenthesis after ON (quotes in
	 * the table's name skipped) */
	for (p = on; p < end && *p != '('; p++)
		if (*p == '"')
			p = skip_quoted(p) - 1;
	if (p >= end || !(close = matching(p)))
		return -1;
	open = p;
	x->unique = find_top(def, on, "UNIQUE") != NULL;
	if ((w = find_top(on, open, "USING")) != NULL) {
		const char *m = w + 5, *me;

		while (*m == ' ')
			m++;
		for (me = m; me < open && *me != ' '; me++)
			;
		if (!(x->method = strata_strndup(m, (size_t)(me - m))))
			return -1;
		for (char *c = x->method; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!*x->method)
			return -1;
	} else if (!(x->method = strata_strdup("btree"))) {
		return -1;
	}
	for (p = open + 1; p < close;) {
		const char *e = p;
		int depth = 0;

		while (e < close && (depth > 0 || *e != ',')) {
			if (*e == '\'' || *e == '"') {
				e = skip_quoted(e);
				continue;
			}
			depth += *e == '(';
			depth -= *e == ')';
			e++;
		}
		if (add_key(x, p, e) < 0)
			return -1;
		p = e < close ? e + 1 : close;
	}
	p = close + 1;
	if ((w = find_top(p, end, "INCLUDE")) != NULL) {
		const char *o = strchr(w, '('), *c = o ? matching(o) : NULL;

		if (!c || !(x->include = trimmed(o + 1, c)))
			return -1;
	}
	x->nulls_not_distinct = find_top(p, end, "NULLS NOT DISTINCT") != NULL;
	if ((w = find_top(p, end, "WHERE")) != NULL && !(x->where = trimmed(w + 5, end)))
		return -1;
	return x->nkeys ? 0 : -1;
}

void strata__adv_index_release(adv_index *x)
{
	for (size_t i = 0; i < x->nkeys; i++) {
		strata_free(x->keys[i].text);
		strata_free(x->keys[i].col);
		strata_free(x->keys[i].rest);
	}
	strata_free(x->keys);
	strata_free(x->method);
	strata_free(x->include);
	strata_free(x->where);
	memset(x, 0, sizeof(*x));
}

/* The index behind a primary key or unique constraint: its columns. */
static int constraint_index(adv_index *x, const sc_object *k)
{
	memset(x, 0, sizeof(*x));
	x->obj = k;
	x->name = k->name;
	x->unique = 1;
	x->constraint = 1;
	x->primary = k->contype == 'p';
	x->nulls_not_distinct = k->def && strstr(k->def, "NULLS NOT DISTINCT") != NULL;
	if (!(x->method = strata_strdup("btree")) ||
	    !(x->keys = strata_calloc(k->ncon_columns + 1, sizeof(*x->keys))))
		return -1;
	for (size_t i = 0; i < k->ncon_columns; i++) {
		adv_key *key = &x->keys[x->nkeys++];

		if (!(key->text = strata_strdup(k->con_columns[i])) ||
		    !(key->col = strata_strdup(k->con_columns[i])) || !(key->rest = strata_strdup("")))
			return -1;
	}
	/* INCLUDE columns of a constraint are in its definition */
	if (k->def) {
		const char *w = strstr(k->def, " INCLUDE (");

		if (w) {
			const char *o = w + 9, *c = matching(o);

			if (c && !(x->include = trimmed(o + 1, c)))
				return -1;
		}
	}
	return 0;
}

/* --- the model ------------------------------------------------------------- */

static int advised(const sc_object *o)
{
	return o->kind == SC_TABLE && !o->partition_of && o->relkind != 'f';
}

adv_table *strata__advise_table(const advise_ctx *c, const char *key)
{
	return key ? strata__map_get(&c->by_key, key) : NULL;
}

const sc_column *strata__advise_column(const sc_object *t, const char *name)
{
	for (size_t i = 0; t && name && i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static int add_index(adv_table *t, const adv_index *x)
{
	void *grown = t->idx;
	size_t cap = t->nidx;

	if (strata_grow(&grown, &cap, t->nidx + 1, sizeof(*t->idx)) < 0)
		return -1;
	t->idx = grown;
	t->idx[t->nidx++] = *x;
	return 0;
}

static int add_con(adv_table *t, const sc_object *k)
{
	void *grown = t->cons;
	size_t cap = t->ncons;

	if (strata_grow(&grown, &cap, t->ncons + 1, sizeof(*t->cons)) < 0)
		return -1;
	t->cons = grown;
	t->cons[t->ncons++] = k;
	return 0;
}

/* Qualified names ("schema"."table", as partition_of gives them) of every
 * table, for partitions to find their parent; the names into *names. */
static int qualified_names(const sc_catalog *cat, strata_map *m, char ***names, size_t *n)
{
	if (!(*names = strata_calloc(cat->n + 1, sizeof(char *))))
		return -1;
	for (size_t i = 0; i < cat->n; i++) {
		strata_buf q = STRATA_BUF_INIT;
		const sc_object *o = cat->objs[i];

		if (o->kind != SC_TABLE)
			continue;
		if (strata__sc_put_qualified(&q, o->schema, o->name) != 0 || !((*names)[*n] = strata__buf_detach(&q)) ||
		    strata__map_put(m, (*names)[(*n)++], (void *)o) < 0)
			return -1;
	}
	return 0;
}

/* The advised table a partition (at any depth) belongs to, or NULL. */
static adv_table *partition_root(const advise_ctx *c, const sc_object *o, const strata_map *m)
{
	for (int depth = 0; o && o->partition_of && depth < 32; depth++)
		o = strata__map_get(m, o->partition_of);
	return o && !o->partition_of ? strata__advise_table(c, o->key) : NULL;
}

int strata__advise_model_build(advise_ctx *c)
{
	const sc_catalog *cat = c->cat;
	size_t n = 0;
	strata_map by_qualified = STRATA_MAP_INIT;
	char **qnames = NULL;
	size_t nq = 0;
	int rc = 0;

	for (size_t i = 0; i < cat->n; i++)
		n += advised(cat->objs[i]);
	if (!(c->tables = strata_calloc(n + 1, sizeof(*c->tables))))
		return strata_error_set(STRATA_ERROR, "out of memory");
	for (size_t i = 0; i < cat->n; i++) {
		if (!advised(cat->objs[i]))
			continue;
		c->tables[c->ntables].t = cat->objs[i];
		if (strata__map_put(&c->by_key, cat->objs[i]->key, &c->tables[c->ntables]) < 0)
			return strata_error_set(STRATA_ERROR, "out of memory");
		c->ntables++;
	}
	if (qualified_names(cat, &by_qualified, &qnames, &nq) < 0)
		goto oom;
	/* constraints first, so that constraint indexes come before plain ones */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < cat->n; i++) {
			const sc_object *o = cat->objs[i];
			adv_table *t;
			adv_index x;
			char *key;

			if (o->kind != (pass == 0 ? SC_CONSTRAINT : SC_INDEX) || !o->table)
				continue;
			if (!(key = strata__sc_make_key(SC_TABLE, o->schema, NULL, o->table)))
				goto oom;
			t = strata__advise_table(c, key);
			/* a partition's foreign keys link its partitioned table */
			if (!t && pass == 0 && o->contype == 'f') {
				const sc_object *part = strata__sc_catalog_find(cat, key);
				adv_table *root = part ? partition_root(c, part, &by_qualified) : NULL;
				const sc_object *ref = strata__sc_catalog_find(cat, o->ref_table);
				adv_table *parent = ref ? (ref->partition_of ? partition_root(c, ref, &by_qualified)
									      : strata__advise_table(c, ref->key))
							: NULL;

				if (root && parent && root != parent) {
					root->references++;
					parent->referenced++;
				}
			}
			strata_free(key);
			if (!t)
				continue;
			if (pass == 0) {
				if (add_con(t, o) < 0)
					goto oom;
				if (o->contype == 'p')
					t->pk = o;
				if (o->contype == 'f') {
					const sc_object *ref = strata__sc_catalog_find(cat, o->ref_table);
					adv_table *parent = ref && ref->partition_of
								    ? partition_root(c, ref, &by_qualified)
								    : strata__advise_table(c, o->ref_table);

					if (parent && parent != t) {
						parent->referenced++;
						t->references++;
					}
				}
				if (o->contype != 'p' && o->contype != 'u')
					continue;
				if (constraint_index(&x, o) < 0) {
					strata__adv_index_release(&x);
					goto oom;
				}
			} else {
				memset(&x, 0, sizeof(x));
				x.obj = o;
				x.name = o->name;
				if (!o->def || strata__adv_index_parse(&x, o->def) < 0) {
					strata__adv_index_release(&x); /* not readable: left out */
					continue;
				}
				x.obj = o;
				x.name = o->name;
				x.unique |= o->unique;
			}
			if (add_index(t, &x) < 0) {
				strata__adv_index_release(&x);
				goto oom;
			}
		}
	/* SQLite: INTEGER PRIMARY KEY columns and inline keys carry pk
	 * positions but may have no constraint object */
	for (size_t i = 0; i < c->ntables; i++) {
		adv_table *t = &c->tables[i];

		if (t->pk)
			continue;
		for (size_t k = 0; k < t->t->ncols; k++)
			if (t->t->cols[k].pk) {
				t->pk = t->t; /* the table itself stands for the key */
				break;
			}
	}
	goto done;
oom:
	rc = strata_error_set(STRATA_ERROR, "out of memory");
done:
	for (size_t i = 0; i < nq; i++)
		strata_free(qnames[i]);
	strata_free(qnames);
	strata__map_release(&by_qualified);
	return rc;
}

void strata__advise_model_release(advise_ctx *c)
{
	for (size_t i = 0; i < c->ntables; i++) {
		adv_table *t = &c->tables[i];

		for (size_t k = 0; k < t->nidx; k++)
			strata__adv_index_release(&t->idx[k]);
		strata_free(t->idx);
		strata_free(t->cons);
	}
	strata_free(c->tables);
	strata__map_release(&c->by_key);
	c->tables = NULL;
	c->ntables = 0;
}

/* --- names ----------------------------------------------------------------- */

int strata__advise_name(strata_buf *b, const sc_object *t, const char *column)
{
	strata__buf_clear(b);
	if (t->schema && strata__buf_printf(b, "%s.", t->schema) < 0)
		return -1;
	if (strata__buf_puts(b, t->table ? t->table : t->name) < 0)
		return -1;
	if (t->table && strata__buf_printf(b, ".%s", t->name) < 0)
		return -1;
	if (column && strata__buf_printf(b, ".%s", column) < 0)
		return -1;
	return 0;
}

int strata__advise_put_ident_sql(strata_buf *b, const advise_ctx *c, const char *name)
{
	return c->pg ? strata__sc_put_ident(b, name) : strata__sqt_put_ident(b, name);
}

void strata__advise_alter_column_sql(strata_buf *b, const advise_ctx *c, const sc_object *t,
			     const char *col, const char *action)
{
	strata__buf_clear(b);
	strata__buf_puts(b, "ALTER TABLE ");
	strata__advise_put_table_sql(b, c, t);
	strata__buf_puts(b, " ALTER COLUMN ");
	strata__advise_put_ident_sql(b, c, col);
	strata__buf_printf(b, " %s", action);
}

int strata__advise_put_table_sql(strata_buf *b, const advise_ctx *c, const sc_object *t)
{
	if (c->pg)
		return strata__sc_put_qualified(b, t->schema, t->table ? t->table : t->name);
	return strata__sqt_put_ident(b, t->table ? t->table : t->name);
}

/* --- types ----------------------------------------------------------------- */

char strata__advise_affinity(const char *type)
{
	char up[64];
	size_t i;

	if (!type || !*type)
		return 'B';
	for (i = 0; type[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)type[i]);
	up[i] = '\0';
	/* SQLite's rules, in its order (datatype3.html, 3.1) */
	if (strstr(up, "INT"))
		return 'I';
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
		return 'T';
	if (strstr(up, "BLOB"))
		return 'B';
	if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
		return 'R';
	return 'N';
}

int strata__advise_is_text(const advise_ctx *c, const char *type)
{
	if (!c->pg)
		return strata__advise_affinity(type) == 'T';
	return strcmp(type, "text") == 0 || strncmp(type, "character varying", 17) == 0 ||
	       strncmp(type, "character(", 10) == 0 || strcmp(type, "character") == 0 ||
	       strcmp(type, "citext") == 0;
}

int strata__advise_is_float(const advise_ctx *c, const char *type)
{
	if (!c->pg)
		return strata__advise_affinity(type) == 'R';
	return strcmp(type, "real") == 0 || strcmp(type, "double precision") == 0;
}

int strata__advise_name_words(const char *name, const char *const *words)
{
	char w[64];
	size_t n = 0;

	for (const char *p = name;; p++) {
		int boundary = !*p || *p == '_' || *p == ' ' ||
			       (n && isupper((unsigned char)*p) && islower((unsigned char)p[-1]));

		if (boundary && n) {
			w[n] = '\0';
			for (size_t i = 0; words[i]; i++)
				if (strcmp(w, words[i]) == 0)
					return 1;
			n = 0;
		}
		if (!*p)
			return 0;
		if (*p != '_' && *p != ' ' && n < sizeof(w) - 1)
			w[n++] = (char)tolower((unsigned char)*p);
	}
}

int strata__advise_in_key(const adv_table *t, const char *col)
{
	for (size_t i = 0; i < t->ncons; i++) {
		const sc_object *k = t->cons[i];

		if (k->contype != 'p' && k->contype != 'u' && k->contype != 'f')
			continue;
		if (strata__sc_strv_has(k->con_columns, k->ncon_columns, col))
			return 1;
	}
	const sc_column *cl = strata__advise_column(t->t, col);

	return cl && cl->pk;
}
