/*
 * schema/diff_pg.c - PostgreSQL diff: which objects change and how, and
 * in which order (see diff.h); the SQL of each change is written by
 * emit_pg.c (diff_pg_int.h holds what the two share).
 *
 * The changes come out in three phases:
 *
 *  1. Drops of what must go before anything is built: objects that
 *     disappear and are cheap to drop first (views, triggers, policies,
 *     constraints, indexes), objects recreated with a new definition, and
 *     everything that depends on those or on a column whose type changes or
 *     that is dropped (found from pg_depend, transitively). Dependents
 *     first.
 *  2. Creates and alters, in dependency order (the depth-first walk of
 *     depsort.h over the target catalog's dependencies, ties broken by
 *     kind then name):
 *     schemas, extensions, types, sequences, functions, tables and their
 *     columns, views, indexes, constraints (foreign keys after the keys
 *     they reference), triggers, policies, comments, grants.
 *  3. Drops of what disappears and may still be needed during phase 2:
 *     tables, sequences, functions, types, collations, extensions,
 *     schemas. Dependents first.
 *
 * Decisions:
 *  - Views and materialized views are dropped and recreated when their
 *    definition changes (CREATE OR REPLACE VIEW cannot change columns).
 *  - A function whose body changes is replaced in place; one whose result
 *    type or kind changes is dropped and created.
 *  - Enum values are added in place (ALTER TYPE ... ADD VALUE) when the old
 *    labels keep their order inside the new ones. Otherwise the old type is
 *    renamed, the new one created, columns converted through text, and the
 *    old type dropped: a value that no longer exists fails the conversion
 *    rather than being lost silently.
 *  - Column order is not compared (PostgreSQL cannot reorder columns).
 *  - A column that exists only on one side is a drop or an add; renames
 *    are never guessed, and the drop is marked destructive.
 *  - A partition whose bound or parent changes is detached and attached,
 *    keeping its rows; a table whose kind or partition key changes is
 *    dropped and created (destructive).
 */
#include "schema/diff_pg_int.h"
#include "schema/diff.h"
#include "schema/depsort.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unit of phase 2 or of a drop phase. */
typedef enum node_type {
	NODE_CREATE = 1, /* create b */
	NODE_ALTER,      /* change a into b in place */
	NODE_OWNED,      /* ALTER SEQUENCE b OWNED BY (after its table) */
	NODE_DROP,       /* drop a */
} node_type;

typedef struct node {
	node_type type;
	const sc_object *a, *b;
	const char *key;   /* the object's key (NODE_OWNED: the table's) */
} node;

typedef struct node_set {
	node *v;
	size_t n, cap;
	strata_map by_key; /* key -> index + 1 (stored as a pointer-sized int) */
} node_set;

/* The values of pgd.early (diff_pg_int.h says why they are arrays). */
char strata__diff_pg_early_identity_dropped[] = "identity dropped";
char strata__diff_pg_early_serial_released[] = "serial default and sequence dropped";

int strata__diff_pg_keep(pgd *d, char *s)
{
	if (!s || strata_grow((void **)&d->owned, &d->capowned, d->nowned + 1,
			      sizeof(*d->owned)) != 0) {
		strata_free(s);
		return STRATA_ERROR;
	}
	d->owned[d->nowned++] = s;
	return 0;
}

const sc_column *strata__diff_pg_find_column(const sc_object *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* What the identity phase already did to column col of table t, or NULL. */
const void *strata__diff_pg_early_done(pgd *d, const sc_object *t, const char *col)
{
	char *key = strata__diff_pg_col_key(t, col);
	const void *what = key ? strata__map_get(&d->early, key) : NULL;

	strata_free(key);
	return what;
}

static int drop_destroys_data(const sc_object *o)
{
	return o->kind == SC_TABLE || o->kind == SC_SEQUENCE;
}

/* --- comparing ----------------------------------------------------------- */

/* Labels of a kept in order inside b: values can be added in place. */
static int enum_extends(const sc_object *a, const sc_object *b)
{
	return strata__sc_strv_in_order(a->labels, a->nlabels, b->labels, b->nlabels);
}

static int cols_equal_composite(const sc_object *a, const sc_object *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (!strata__sc_str_eq(a->cols[i].name, b->cols[i].name) ||
		    !strata__sc_str_eq(a->cols[i].type, b->cols[i].type) ||
		    !strata__sc_str_eq(a->cols[i].collation, b->cols[i].collation))
			return 0;
	return 1;
}

/* Objects that cannot be changed in place and are dropped and created. */
static int needs_recreate(const sc_object *a, const sc_object *b)
{
	switch (a->kind) {
	case SC_VIEW:
	case SC_MATVIEW:
		return !strata__sc_str_eq(a->def, b->def) || !strata__sc_str_eq(a->options, b->options);
	case SC_INDEX: /* an invalid one: a failed CONCURRENTLY build, a partition left out */
		return !strata__sc_str_eq(a->def, b->def) || a->not_valid != b->not_valid;
	case SC_CONSTRAINT:
	case SC_POLICY:
	case SC_COLLATION:
	case SC_TRIGGER:
		return !strata__sc_str_eq(a->def, b->def);
	case SC_FUNCTION:
		return !strata__sc_str_eq(a->def, b->def) &&
		       (!strata__sc_str_eq(a->result_type, b->result_type) || a->relkind != b->relkind);
	case SC_TABLE:
		return a->relkind != b->relkind || !strata__sc_str_eq(a->partition_key, b->partition_key);
	case SC_DOMAIN:
		return !strata__sc_str_eq(a->result_type, b->result_type);
	case SC_COMPOSITE:
		return !cols_equal_composite(a, b);
	default:
		return 0;
	}
}

/* The qualified name PostgreSQL's format_type prints for a type object. */
static char *type_name(const sc_object *o)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__sc_put_qualified(&b, o->schema, o->name) != 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

char *strata__diff_pg_col_key(const sc_object *t, const char *col)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__buf_printf(&b, "%s\x1f%s", t->key, col) != 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

/* Whether a column type is the enum e or an array of it. */
static int type_is_enum(const sc_object *e, const char *type)
{
	char *name = type_name(e);
	size_t len;
	int hit;

	if (!name)
		return 0;
	len = strlen(name);
	hit = strncmp(type, name, len) == 0 && (!type[len] || strcmp(type + len, "[]") == 0);
	strata_free(name);
	return hit;
}

/* The replaced enum a column's type names, or NULL. */
const sc_object *strata__diff_pg_replaced_enum_of(const pgd *d, const char *type)
{
	for (size_t i = 0; i < d->a->n; i++) {
		const sc_object *e = d->a->objs[i];

		if (e->kind == SC_ENUM && strata__map_has(&d->replaced, e->key) && type_is_enum(e, type))
			return e;
	}
	return NULL;
}

/* Whether a column type names an enum of the catalog. */
int strata__diff_pg_is_enum_type(const sc_catalog *cat, const char *type)
{
	for (size_t i = 0; i < cat->n; i++)
		if (cat->objs[i]->kind == SC_ENUM && type_is_enum(cat->objs[i], type))
			return 1;
	return 0;
}

int strata__diff_pg_column_retyped(const pgd *d, const sc_column *ca, const sc_column *cb)
{
	return !strata__sc_str_eq(ca->type, cb->type) || !strata__sc_str_eq(ca->collation, cb->collation) ||
	       (d->replaced.count && strata__diff_pg_replaced_enum_of(d, cb->type));
}

int strata__diff_pg_generated_changes(const sc_column *ca, const sc_column *cb)
{
	/* Dropping the expression keeps the values (DROP EXPRESSION); any
	 * other change of a generated column is a drop and an add. */
	return cb->generated && (!strata__sc_str_eq(ca->generated, cb->generated) ||
				 ca->virtual_generated != cb->virtual_generated);
}

static const sc_object *owner_of(const sc_catalog *cat, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_VIEW, SC_MATVIEW };
	const sc_object *t = NULL;

	if (!o->table)
		return NULL;
	for (size_t i = 0; !t && i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key = strata__sc_make_key(kinds[i], o->schema, NULL, o->table);

		t = key ? strata__sc_catalog_find(cat, key) : NULL;
		strata_free(key);
	}
	return t;
}

/* Mark what is dropped, recreated and retyped, then everything that
 * depends on any of it, until nothing more is found. */
static int classify(pgd *d)
{
	const sc_catalog *a = d->a, *b = d->b;
	int grew;

	for (size_t i = 0; i < a->n; i++) {
		const sc_object *oa = a->objs[i], *ob = strata__sc_catalog_find(b, oa->key);

		if (!ob) {
			if (strata__map_put(&d->dropped, oa->key, (void *)oa) != 0)
				return STRATA_ERROR;
			continue;
		}
		if (oa->kind == SC_ENUM && !enum_extends(oa, ob) &&
		    strata__map_put(&d->replaced, oa->key, (void *)oa) != 0)
			return STRATA_ERROR;
		if (needs_recreate(oa, ob) && (strata__map_put(&d->dropped, oa->key, (void *)oa) != 0 ||
					       strata__map_put(&d->recreated, oa->key, (void *)oa) != 0))
			return STRATA_ERROR;
	}
	/* Columns dropped or retyped in tables kept in place. */
	for (size_t i = 0; i < a->n; i++) {
		const sc_object *ta = a->objs[i], *tb;

		if (ta->kind != SC_TABLE || strata__map_has(&d->dropped, ta->key) ||
		    !(tb = strata__sc_catalog_find(b, ta->key)))
			continue;
		for (size_t c = 0; c < ta->ncols; c++) {
			const sc_column *ca = &ta->cols[c], *cb = strata__diff_pg_find_column(tb, ca->name);
			char *key;

			if (cb && !strata__diff_pg_column_retyped(d, ca, cb) && !strata__diff_pg_generated_changes(ca, cb))
				continue;
			if (!(key = strata__diff_pg_col_key(ta, ca->name)) || strata__diff_pg_keep(d, key) != 0 ||
			    strata__map_put(&d->changed_cols, key, (void *)ta) != 0)
				return STRATA_ERROR;
		}
	}
	/* Replaced enums: what uses them other than table columns (functions,
	 * domains, composite types) is recreated against the new type. */
	do {
		grew = 0;
		for (size_t i = 0; i < a->n; i++) {
			const sc_object *o = a->objs[i], *owner;
			int hit = 0;

			if (strata__map_has(&d->dropped, o->key) || !strata__sc_catalog_find(b, o->key) ||
			    o->kind == SC_TABLE)
				continue;
			for (size_t k = 0; !hit && k < o->ndeps; k++)
				hit = strata__map_has(&d->dropped, o->deps[k]) || strata__map_has(&d->replaced, o->deps[k]);
			for (size_t k = 0; !hit && k < o->ncol_deps; k++)
				hit = strata__map_has(&d->changed_cols, o->col_deps[k]);
			if (!hit && (owner = owner_of(a, o)) && strata__map_has(&d->dropped, owner->key))
				hit = 1;
			if (!hit)
				continue;
			if (strata__map_put(&d->dropped, o->key, (void *)o) != 0 ||
			    strata__map_put(&d->recreated, o->key, (void *)o) != 0 ||
			    strata__map_put(&d->cascaded, o->key, (void *)o) != 0)
				return STRATA_ERROR;
			grew = 1;
		}
	} while (grew);
	return 0;
}

/* --- node sets and the dependency walk ----------------------------------- */

static int nodes_add(node_set *ns, node_type type, const sc_object *a, const sc_object *b,
		     const char *key)
{
	node nd = { type, a, b, key };

	if (strata_grow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof(*ns->v)) != 0)
		return STRATA_ERROR;
	ns->v[ns->n++] = nd;
	return 0;
}

static int nodes_index(node_set *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].type != NODE_OWNED &&
		    strata__map_put(&ns->by_key, ns->v[i].key, (void *)(i + 1)) != 0)
			return STRATA_ERROR;
	return 0;
}

static node *nodes_find(node_set *ns, const char *key)
{
	size_t i = (size_t)strata__map_get(&ns->by_key, key);

	return i ? &ns->v[i - 1] : NULL;
}

static void nodes_release(node_set *ns)
{
	strata_free(ns->v);
	strata__map_release(&ns->by_key);
}

/* The nodes in dependency order (the walk of depsort.h over cat's
 * dependencies): a node's dependencies are the nodes of the objects its
 * object depends on and of its owner (a table's index, a view's trigger);
 * a NODE_OWNED comes after the owning table and the sequence itself.
 * Cycles leave the order as the walk found it. */
static int walk_nodes(node_set *ns, const sc_catalog *cat, node ***order)
{
	sc_depsort ds;
	size_t *idx = NULL;
	int rc;

	*order = NULL;
	rc = strata__sc_depsort_init(&ds, ns->n);
	for (size_t i = 0; rc == 0 && i < ns->n; i++) {
		const node *nd = &ns->v[i];
		const sc_object *o = nd->type == NODE_DROP ? nd->a : nd->b, *owner;
		node *dep;

		if (nd->type == NODE_OWNED) {
			if (o->ref_table && (dep = nodes_find(ns, o->ref_table)))
				rc = strata__sc_depsort_add(&ds, i, (size_t)(dep - ns->v));
			if (rc == 0 && (dep = nodes_find(ns, o->key)))
				rc = strata__sc_depsort_add(&ds, i, (size_t)(dep - ns->v));
			continue;
		}
		for (size_t k = 0; rc == 0 && k < o->ndeps; k++)
			if ((dep = nodes_find(ns, o->deps[k])))
				rc = strata__sc_depsort_add(&ds, i, (size_t)(dep - ns->v));
		/* A sequence's default user depends on it through pg_depend; a
		 * table also depends on the types of its columns. */
		if (rc == 0 && (owner = owner_of(cat, o)) && (dep = nodes_find(ns, owner->key)))
			rc = strata__sc_depsort_add(&ds, i, (size_t)(dep - ns->v));
	}
	if (rc == 0 && (!(idx = strata_calloc(ns->n + 1, sizeof(*idx))) ||
			!(*order = strata_calloc(ns->n + 1, sizeof(**order)))))
		rc = STRATA_ERROR;
	if (rc == 0)
		rc = strata__sc_depsort_order(&ds, idx, NULL, NULL);
	for (size_t i = 0; rc == 0 && i < ns->n; i++)
		(*order)[i] = &ns->v[idx[i]];
	if (rc != 0) {
		strata_free(*order);
		*order = NULL;
	}
	strata_free(idx);
	strata__sc_depsort_release(&ds);
	return rc;
}

/* --- the phases ---------------------------------------------------------- */

/* Phase 1 takes what can go first; phase 3 what must wait for phase 2. */
static int drops_late(const sc_object *o)
{
	switch (o->kind) {
	case SC_TABLE:
	case SC_SEQUENCE:
	case SC_FUNCTION:
	case SC_ENUM:
	case SC_DOMAIN:
	case SC_COMPOSITE:
	case SC_COLLATION:
	case SC_EXTENSION:
	case SC_SCHEMA:
		return 1;
	default:
		return 0;
	}
}

/* Dropping a table drops its indexes, triggers, policies and own
 * constraints, and the sequences it owns: those need no statement. */
static int dropped_with_owner(const pgd *d, const sc_object *o)
{
	const sc_object *owner;

	if (o->kind == SC_SEQUENCE)
		return o->ref_table && strata__map_has(&d->dropped, o->ref_table) &&
		       !strata__map_has(&d->recreated, o->ref_table);
	if (o->kind == SC_CONSTRAINT && o->contype == 'f')
		return 0;
	owner = owner_of(d->a, o);
	return owner && strata__map_has(&d->dropped, owner->key);
}

/* Whether the target has an object of another kind under o's name in
 * the same namespace (a table that becomes a view): o must go first. */
static int name_taken(const sc_catalog *b, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_VIEW, SC_MATVIEW, SC_SEQUENCE,
					 SC_ENUM,  SC_DOMAIN, SC_COMPOSITE };

	if (o->table)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key;
		int hit;

		if (kinds[i] == o->kind)
			continue;
		if (!(key = strata__sc_make_key(kinds[i], o->schema, NULL, o->name)))
			return 0;
		hit = strata__sc_catalog_find(b, key) != NULL;
		strata_free(key);
		if (hit)
			return 1;
	}
	return 0;
}

static int drop_phase(pgd *d, int late)
{
	node_set ns = { NULL, 0, 0, STRATA_MAP_INIT };
	strata_buf s = STRATA_BUF_INIT;
	node **order = NULL;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->a->n; i++) {
		const sc_object *o = d->a->objs[i];
		int recreated = strata__map_has(&d->recreated, o->key);

		if (!strata__map_has(&d->dropped, o->key) || dropped_with_owner(d, o) ||
		    strata__map_has(&d->early, o->key))
			continue;
		/* Recreated objects go first (they are created again in phase
		 * 2); removed ones by kind. */
		if ((recreated || name_taken(d->b, o) ? 0 : drops_late(o)) != late)
			continue;
		rc = nodes_add(&ns, NODE_DROP, o, NULL, o->key);
	}
	if (rc == 0 && late) /* the old versions of replaced enums */
		for (size_t i = 0; rc == 0 && i < d->a->n; i++)
			if (strata__map_has(&d->replaced, d->a->objs[i]->key))
				rc = nodes_add(&ns, NODE_DROP, d->a->objs[i], NULL, d->a->objs[i]->key);
	if (rc == 0)
		rc = nodes_index(&ns);
	if (rc == 0)
		rc = walk_nodes(&ns, d->a, &order);
	/* The walk puts dependencies first; drops go the other way. */
	for (size_t i = ns.n; rc == 0 && i-- > 0;) {
		const sc_object *o = order[i]->a;

		if (strata__map_has(&d->replaced, o->key)) { /* drop the renamed old type */
			char old[64];

			snprintf(old, sizeof(old), "%.50s__strata_old", o->name);
			rc = strata__buf_puts(&s, "DROP TYPE ") || strata__sc_put_qualified(&s, o->schema, old) ||
			     strata__buf_puts(&s, ";\n") ||
			     strata__emit_pg_change(d, SC_OP_DROP, o, NULL, "old version of a replaced type", &s,
					    0);
			continue;
		}
		rc = strata__emit_pg_drop(&s, o);
		if (rc == 0)
			rc = strata__emit_pg_change(d, SC_OP_DROP, o, NULL,
				  strata__map_has(&d->recreated, o->key) ? "dropped to be recreated"
								 : "not in the target",
				  &s, !strata__map_has(&d->recreated, o->key) && drop_destroys_data(o));
	}
	strata_free(order);
	nodes_release(&ns);
	strata__buf_release(&s);
	return rc;
}

/* A new sequence owned by a column that was an identity (identity ->
 * serial) carries on after the column's values. */
static int put_continue_after_identity(pgd *d, strata_buf *s, const sc_object *seq)
{
	const sc_object *t = seq->ref_table ? strata__sc_catalog_find(d->a, seq->ref_table) : NULL;
	int rc = 0;

	for (size_t i = 0; t && rc == 0 && i < t->ncols; i++) {
		strata_buf owner = STRATA_BUF_INIT;

		if (strata__diff_pg_early_done(d, t, t->cols[i].name) != EARLY_IDENTITY_DROPPED)
			continue;
		rc = strata__emit_pg_column_ref(&owner, t, t->cols[i].name);
		if (!rc && strata__sc_str_eq(strata__buf_cstr(&owner), seq->owned_by))
			rc = strata__emit_pg_continue_sequence(s, t, t->cols[i].name);
		strata__buf_release(&owner);
	}
	return rc ? STRATA_ERROR : 0;
}

static int create_phase(pgd *d)
{
	node_set ns = { NULL, 0, 0, STRATA_MAP_INIT };
	strata_buf s = STRATA_BUF_INIT;
	node **order = NULL;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->b->n; i++) {
		const sc_object *ob = d->b->objs[i], *oa = strata__sc_catalog_find(d->a, ob->key);

		if (!oa || strata__map_has(&d->recreated, ob->key))
			rc = nodes_add(&ns, NODE_CREATE, NULL, ob, ob->key);
		else
			rc = nodes_add(&ns, NODE_ALTER, oa, ob, ob->key);
	}
	/* Sequences owned by a column: after their table exists. */
	for (size_t i = 0; rc == 0 && i < d->b->n; i++) {
		const sc_object *ob = d->b->objs[i], *oa = strata__sc_catalog_find(d->a, ob->key);

		if (ob->kind != SC_SEQUENCE)
			continue;
		if ((!oa && ob->owned_by) || (oa && !strata__sc_str_eq(oa->owned_by, ob->owned_by)))
			rc = nodes_add(&ns, NODE_OWNED, oa, ob, ob->key);
	}
	if (rc == 0)
		rc = nodes_index(&ns);
	if (rc == 0)
		rc = walk_nodes(&ns, d->b, &order);
	for (size_t i = 0; rc == 0 && i < ns.n; i++) {
		node *nd = order[i];

		switch (nd->type) {
		case NODE_CREATE:
			rc = strata__emit_pg_create(d, &s, nd->b) ||
			     strata__emit_pg_change(d, SC_OP_CREATE, nd->b, NULL,
				  strata__map_has(&d->recreated, nd->key) ? "recreated" : "not in the source",
				  &s, 0);
			break;
		case NODE_ALTER:
			rc = strata__emit_pg_alter_object(d, &s, nd->a, nd->b);
			break;
		case NODE_OWNED:
			rc = strata__emit_pg_owned_by(&s, nd->b) ||
			     (!nd->a && put_continue_after_identity(d, &s, nd->b)) ||
			     strata__emit_pg_change(d, SC_OP_ALTER, nd->b, NULL, "owner column", &s, 0);
			break;
		default:
			break;
		}
	}
	strata_free(order);
	nodes_release(&ns);
	strata__buf_release(&s);
	return rc ? STRATA_ERROR : 0;
}

/* Partitions that leave their parent or change bounds are detached
 * before anything else, so that no change of the old parent reaches them. */
static int detach_phase(pgd *d)
{
	strata_buf s = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->a->n; i++) {
		const sc_object *a = d->a->objs[i], *b;

		if (a->kind != SC_TABLE || !a->partition_of || strata__map_has(&d->dropped, a->key) ||
		    !(b = strata__sc_catalog_find(d->b, a->key)))
			continue;
		if (strata__sc_str_eq(a->partition_of, b->partition_of) &&
		    strata__sc_str_eq(a->partition_bound, b->partition_bound))
			continue;
		rc = strata__buf_printf(&s, "ALTER TABLE %s DETACH PARTITION ", a->partition_of) ||
		     strata__sc_put_qualified(&s, a->schema, a->name) || strata__buf_puts(&s, ";\n") ||
		     strata__emit_pg_change(d, SC_OP_ALTER, b, NULL, "detached from its partitioned table", &s, 0);
	}
	strata__buf_release(&s);
	return rc ? STRATA_ERROR : 0;
}

/* The sequence of a that a serial column owns and b no longer has. */
static const sc_object *released_serial_sequence(const pgd *d, const sc_object *t,
						 const sc_column *c)
{
	const sc_object *hit = NULL;
	strata_buf want = STRATA_BUF_INIT;

	if (strata__emit_pg_column_ref(&want, t, c->name) != 0) {
		strata__buf_release(&want);
		return NULL;
	}
	for (size_t i = 0; !hit && i < d->a->n; i++) {
		const sc_object *o = d->a->objs[i];

		if (o->kind == SC_SEQUENCE && strata__sc_str_eq(o->owned_by, strata__buf_cstr(&want)) &&
		    strata__map_has(&d->dropped, o->key) && !strata__map_has(&d->recreated, o->key))
			hit = o;
	}
	strata__buf_release(&want);
	return hit;
}

/* Columns that switch between serial (an owned sequence and a nextval
 * default) and identity, done before anything else so that the sequence
 * names converge with the target's. PostgreSQL names an identity's
 * sequence table_column_seq, or table_column_seq1 while the serial's
 * sequence of that name is still there; and CREATE SEQUENCE of the
 * serial's name fails while the identity's own sequence has it. So an
 * identity that goes is dropped here (the serial's sequence is created
 * later), and a serial that becomes an identity loses its default and its
 * sequence here (strata__emit_pg_alter_column adds the identity later). In both directions
 * the new sequence carries on after the column's largest value. */
static int identity_phase(pgd *d)
{
	strata_buf s = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->a->n; i++) {
		const sc_object *ta = d->a->objs[i], *tb;

		if (ta->kind != SC_TABLE || strata__map_has(&d->dropped, ta->key) ||
		    !(tb = strata__sc_catalog_find(d->b, ta->key)))
			continue;
		for (size_t c = 0; rc == 0 && c < ta->ncols; c++) {
			const sc_column *ca = &ta->cols[c], *cb = strata__diff_pg_find_column(tb, ca->name);
			const sc_object *seq = NULL;
			void *what = NULL;
			char *key;

			if (!cb || cb->generated)
				continue;
			if (ca->identity && !cb->identity) {
				rc = strata__emit_pg_alter_table(&s, tb) || strata__buf_puts(&s, " ALTER COLUMN ") ||
				     strata__sc_put_ident(&s, ca->name) || strata__buf_puts(&s, " DROP IDENTITY;\n");
				what = EARLY_IDENTITY_DROPPED;
			} else if (!ca->identity && cb->identity && ca->default_expr &&
				   (seq = released_serial_sequence(d, ta, ca))) {
				rc = strata__emit_pg_alter_table(&s, tb) || strata__buf_puts(&s, " ALTER COLUMN ") ||
				     strata__sc_put_ident(&s, ca->name) || strata__buf_puts(&s, " DROP DEFAULT;\n") ||
				     strata__buf_puts(&s, "DROP SEQUENCE ") ||
				     strata__sc_put_qualified(&s, seq->schema, seq->name) || strata__buf_puts(&s, ";\n");
				what = EARLY_SERIAL_RELEASED;
			}
			if (rc || !what)
				continue;
			rc = !(key = strata__diff_pg_col_key(ta, ca->name)) || strata__diff_pg_keep(d, key) ||
			     strata__map_put(&d->early, key, what) ||
			     (seq && strata__map_put(&d->early, seq->key, what)) ||
			     strata__emit_pg_change(d, SC_OP_ALTER, tb, ca->name, (const char *)what, &s, 0);
		}
	}
	strata__buf_release(&s);
	return rc ? STRATA_ERROR : 0;
}

int strata__sc_diff_pg(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
	       sc_changes *out)
{
	pgd d = { from, to, opts, out, STRATA_MAP_INIT, STRATA_MAP_INIT, STRATA_MAP_INIT,
		  STRATA_MAP_INIT, STRATA_MAP_INIT, STRATA_MAP_INIT, NULL, 0, 0, 0, 0, 0 };
	int rc = classify(&d);

	if (rc == 0)
		rc = detach_phase(&d);
	if (rc == 0)
		rc = identity_phase(&d);
	if (rc == 0)
		rc = drop_phase(&d, 0);
	if (rc == 0)
		rc = create_phase(&d);
	if (rc == 0)
		rc = drop_phase(&d, 1);
	strata__map_release(&d.dropped);
	strata__map_release(&d.recreated);
	strata__map_release(&d.replaced);
	strata__map_release(&d.changed_cols);
	strata__map_release(&d.cascaded);
	strata__map_release(&d.early);
	for (size_t i = 0; i < d.nowned; i++)
		strata_free(d.owned[i]);
	strata_free(d.owned);
	if (rc != 0 && !strata_error_last()->code)
		strata_error_set(STRATA_ERROR, "out of memory while comparing schemas");
	return rc;
}
