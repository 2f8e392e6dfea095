/*
 * schema/catalog.c - building, sorting and looking up catalog objects (see
 * catalog.h), all allocated from the catalog's arena, and quoting names
 * the way PostgreSQL prints them.
 */
#include "schema/catalog.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SC_KIND_END] = {
	[SC_SCHEMA] = "schema",       [SC_EXTENSION] = "extension", [SC_COLLATION] = "collation",
	[SC_ENUM] = "enum",           [SC_DOMAIN] = "domain",       [SC_COMPOSITE] = "type",
	[SC_SEQUENCE] = "sequence",   [SC_FUNCTION] = "function",   [SC_TABLE] = "table",
	[SC_VIEW] = "view",           [SC_MATVIEW] = "materialized view",
	[SC_INDEX] = "index",         [SC_CONSTRAINT] = "constraint", [SC_TRIGGER] = "trigger",
	[SC_POLICY] = "policy",       [SC_COLUMN] = "column",
};

/* PostgreSQL 15's keywords that are not unreserved (pg_get_keywords()
 * catcode <> 'U'): as identifiers they must be quoted. Sorted for bsearch. */
static const char *const pg_keywords[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc",
	"asymmetric", "authorization", "between", "bigint", "binary", "bit",
	"boolean", "both", "case", "cast", "char", "character", "check",
	"coalesce", "collate", "collation", "column", "concurrently", "constraint",
	"create", "cross", "current_catalog", "current_date", "current_role",
	"current_schema", "current_time", "current_timestamp", "current_user",
	"dec", "decimal", "default", "deferrable", "desc", "distinct", "do",
	"else", "end", "except", "exists", "extract", "false", "fetch", "float",
	"for", "foreign", "freeze", "from", "full", "grant", "greatest", "group",
	"grouping", "having", "ilike", "in", "initially", "inner", "inout", "int",
	"integer", "intersect", "interval", "into", "is", "isnull", "join",
	"lateral", "leading", "least", "left", "like", "limit", "localtime",
	"localtimestamp", "national", "natural", "nchar", "none", "normalize",
	"not", "notnull", "null", "nullif", "numeric", "offset", "on", "only",
	"or", "order", "out", "outer", "overlaps", "overlay", "placing",
	"position", "precision", "primary", "real", "references", "returning",
	"right", "row", "select", "session_user", "setof", "similar", "smallint",
	"some", "substring", "symmetric", "table", "tablesample", "then", "time",
	"timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique",
	"user", "using", "values", "varchar", "variadic", "verbose", "when",
	"where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement",
	"xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
	"xmlserialize", "xmltable"
};

const char *strata__sc_kind_name(sc_kind kind)
{
	return kind > 0 && kind < SC_KIND_END ? kind_names[kind] : "object";
}

sc_catalog *strata__sc_catalog_new(int engine)
{
	sc_catalog *cat = strata_calloc(1, sizeof(*cat));

	if (cat)
		cat->engine = engine;
	return cat;
}

void strata__sc_catalog_free(sc_catalog *cat)
{
	if (!cat)
		return;
	strata__map_release(&cat->by_key);
	strata__arena_release(&cat->arena);
	strata_free(cat);
}

void *strata__sc_alloc(sc_catalog *cat, size_t n)
{
	return strata__arena_alloc(&cat->arena, n);
}

char *strata__sc_strdup(sc_catalog *cat, const char *s)
{
	return strata__arena_strdup(&cat->arena, s);
}

char *strata__sc_strndup(sc_catalog *cat, const char *s, size_t n)
{
	return strata__arena_strndup(&cat->arena, s, n);
}

char *strata__sc_take(sc_catalog *cat, char *s)
{
	char *copy = s ? strata__arena_strdup(&cat->arena, s) : NULL;

	strata_free(s); /* NULL: its maker has set the error */
	return copy;
}

size_t strata__sc_strv_cap(size_t n)
{
	size_t cap = 4;

	if (!n)
		return 0;
	while (cap < n)
		cap *= 2;
	return cap;
}

sc_object *strata__sc_catalog_add(sc_catalog *cat, sc_kind kind)
{
	sc_object *o;

	if (strata__arena_grow(&cat->arena, (void **)&cat->objs, &cat->cap, cat->n + 1,
		       sizeof(*cat->objs)) != 0 ||
	    !(o = strata__arena_alloc(&cat->arena, sizeof(*o))))
		return NULL;
	o->kind = kind;
	cat->objs[cat->n++] = o;
	return o;
}

sc_column *strata__sc_object_add_column(sc_catalog *cat, sc_object *obj)
{
	size_t cap = strata__sc_strv_cap(obj->ncols);

	if (strata__arena_grow(&cat->arena, (void **)&obj->cols, &cap, obj->ncols + 1,
		       sizeof(*obj->cols)) != 0)
		return NULL;
	return &obj->cols[obj->ncols++]; /* zeroed: fresh from the arena */
}

int strata__sc_strv_add(sc_catalog *cat, char ***v, size_t *n, const char *s)
{
	size_t cap = strata__sc_strv_cap(*n);
	char *copy;

	if (!(copy = strata__arena_strdup(&cat->arena, s ? s : "")) ||
	    strata__arena_grow(&cat->arena, (void **)v, &cap, *n + 1, sizeof(**v)) != 0)
		return STRATA_ERROR;
	(*v)[(*n)++] = copy;
	return 0;
}

int strata__sc_strv_push(char ***v, size_t *n, const char *s)
{
	size_t cap = *n;
	char *copy;

	if (!(copy = strata_strdup(s ? s : "")))
		return STRATA_ERROR;
	if (strata_grow((void **)v, &cap, *n + 1, sizeof(**v)) != 0) {
		strata_free(copy);
		return STRATA_ERROR;
	}
	(*v)[(*n)++] = copy;
	return 0;
}

void strata__sc_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strata_free(v[i]);
	strata_free(v);
}

char *strata__sc_make_key(sc_kind kind, const char *schema, const char *table, const char *name)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__buf_printf(&b, "%s/", strata__sc_kind_name(kind)) != 0 ||
	    (schema && strata__buf_printf(&b, "%s.", schema) != 0) ||
	    (table && strata__buf_printf(&b, "%s.", table) != 0) || strata__buf_puts(&b, name ? name : "") != 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

static int object_cmp(const void *pa, const void *pb)
{
	const sc_object *a = *(sc_object *const *)pa, *b = *(sc_object *const *)pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a string vector and drop repeats (dependencies arrive once per
 * column read). */
static void strv_sort_unique(char **v, size_t *n)
{
	size_t out = 0;

	if (*n < 2)
		return;
	qsort(v, *n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (!out || strcmp(v[out - 1], v[i]) != 0)
			v[out++] = v[i];
	}
	*n = out;
}

int strata__sc_catalog_finish(sc_catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		sc_object *o = cat->objs[i];

		if (!o->key && !(o->key = strata__sc_take(cat, strata__sc_make_key(o->kind, o->schema, o->table,
								    o->name))))
			return STRATA_ERROR;
		strv_sort_unique(o->deps, &o->ndeps);
		strv_sort_unique(o->col_deps, &o->ncol_deps);
	}
	if (cat->n)
		qsort(cat->objs, cat->n, sizeof(*cat->objs), object_cmp);
	strata__map_release(&cat->by_key);
	for (size_t i = 0; i < cat->n; i++)
		if (strata__map_put(&cat->by_key, cat->objs[i]->key, cat->objs[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

static int looks_versioned(const sc_catalog *cat, const char *schema)
{
	int named_after = 0;

	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *o = cat->objs[i];
		size_t len;

		if (o->schema && strcmp(o->schema, schema) == 0 && o->kind != SC_VIEW)
			return 0;
		if (o->kind == SC_SCHEMA && (len = strlen(o->name)) < strlen(schema) &&
		    strncmp(schema, o->name, len) == 0 && schema[len] == '_')
			named_after = 1;
	}
	return named_after;
}

int strata__sc_add_versioned_schemas(const sc_catalog *cat, char ***v, size_t *n)
{
	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *o = cat->objs[i];

		if (o->kind == SC_SCHEMA && !strata__sc_strv_has(*v, *n, o->name) &&
		    looks_versioned(cat, o->name) && strata__sc_strv_push(v, n, o->name) != 0)
			return STRATA_ERROR;
	}
	return 0;
}

int strata__sc_catalog_drop_if(sc_catalog *cat, int (*drop)(const sc_object *o, void *payload),
		       void *payload)
{
	size_t out = 0, n = cat->n;

	for (size_t i = 0; i < n; i++) {
		if (!drop(cat->objs[i], payload))
			cat->objs[out++] = cat->objs[i];
	}
	if (out == n)
		return 0;
	cat->n = out;
	strata__map_release(&cat->by_key);
	for (size_t i = 0; i < cat->n; i++) /* no keys yet before strata__sc_catalog_finish() */
		if (cat->objs[i]->key && strata__map_put(&cat->by_key, cat->objs[i]->key, cat->objs[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

static int outside_schema(const sc_object *o, void *payload)
{
	const char *schema = payload;

	if (o->kind == SC_SCHEMA)
		return !o->name || strcmp(o->name, schema) != 0;
	return !o->schema || strcmp(o->schema, schema) != 0;
}

int strata__sc_catalog_keep_schema(sc_catalog *cat, const char *schema)
{
	return strata__sc_catalog_drop_if(cat, outside_schema, (void *)schema);
}

int strata__sc_strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int strata__sc_strv_in_order(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t j = 0;

	for (size_t i = 0; i < nb && j < na; i++)
		if (strcmp(b[i], a[j]) == 0)
			j++;
	return j == na;
}

sc_object *strata__sc_catalog_find(const sc_catalog *cat, const char *key)
{
	return cat && key ? strata__map_get(&cat->by_key, key) : NULL;
}

static int keyword_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether PostgreSQL would print the name without quotes (quote_ident). */
static int plain_ident(const char *s)
{
	if (!*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return !bsearch(&s, pg_keywords, sizeof(pg_keywords) / sizeof(*pg_keywords),
			sizeof(*pg_keywords), keyword_cmp);
}

int strata__sc_put_ident(strata_buf *out, const char *name)
{
	return plain_ident(name) ? strata__buf_puts(out, name) : strata__buf_put_sql_ident(out, name);
}

int strata__sc_put_qualified(strata_buf *out, const char *schema, const char *name)
{
	if (schema && (strata__sc_put_ident(out, schema) != 0 || strata__buf_putc(out, '.') != 0))
		return STRATA_ERROR;
	return strata__sc_put_ident(out, name);
}

int strata__sc_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int strata__sc_column_equal(const sc_column *a, const sc_column *b)
{
	return strata__sc_str_eq(a->name, b->name) && strata__sc_str_eq(a->type, b->type) &&
	       strata__sc_str_eq(a->collation, b->collation) && strata__sc_str_eq(a->default_expr, b->default_expr) &&
	       strata__sc_str_eq(a->generated, b->generated) &&
	       a->virtual_generated == b->virtual_generated && a->identity == b->identity &&
	       a->not_null == b->not_null && a->pk == b->pk && a->hidden == b->hidden &&
	       strata__sc_str_eq(a->comment, b->comment);
}
