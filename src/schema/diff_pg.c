/*
 * schema/diff_pg.c - PostgreSQL diff and DDL emission (see diff.h).
 *
 * The changes come out in three phases:
 *
 *  1. Drops of what must go before anything is built: objects that
 *     disappear and are cheap to drop first (views, triggers, policies,
 *     constraints, indexes), objects recreated with a new definition, and
 *     everything that depends on those or on a column whose type changes or
 *     that is dropped (found from pg_depend, transitively). Dependents
 *     first.
 *  2. Creates and alters, in dependency order (a depth-first walk over the
 *     target catalog's dependencies, ties broken by kind then name):
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
#include "schema/diff.h"
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
	int state;         /* walk: 0 new, 1 on the path, 2 done */
} node;

typedef struct node_set {
	node *v;
	size_t n, cap;
	strata_map by_key; /* key -> index + 1 (stored as a pointer-sized int) */
} node_set;

typedef struct pgd {
	const sc_catalog *a, *b;
	const sc_diff_options *opts;
	sc_changes *out;
	strata_map dropped;      /* keys of objects of a dropped (removed or recreated) */
	strata_map recreated;    /* keys in both catalogs, dropped and created again */
	strata_map replaced;     /* enum keys replaced by rename + create */
	strata_map changed_cols; /* "<table key>\x1f<column>" dropped or retyped */
	strata_map cascaded;     /* recreated only because of what they depend on */
	strata_map early;        /* column keys -> EARLY_*: done in the identity phase */
	char **owned;            /* strings the maps borrow */
	size_t nowned, capowned;
	int functions_created;
	size_t not_null_at, not_null_len; /* alter_column's NOT NULL statement, for emit() */
} pgd;

/* What the identity phase did to a column (values in pgd.early). The values
 * are compared by address, so they are named arrays, not string literals:
 * two equal literals need not share an address. */
static char early_identity_dropped[] = "identity dropped";
static char early_serial_released[] = "serial default and sequence dropped";
#define EARLY_IDENTITY_DROPPED ((void *)early_identity_dropped)
#define EARLY_SERIAL_RELEASED  ((void *)early_serial_released)

static int keep(pgd *d, char *s)
{
	if (!s || strata_grow((void **)&d->owned, &d->capowned, d->nowned + 1,
			      sizeof(*d->owned)) != 0) {
		strata_free(s);
		return STRATA_ERROR;
	}
	d->owned[d->nowned++] = s;
	return 0;
}

/* --- names and small SQL pieces ----------------------------------------- */

static int put_name(strata_buf *b, const sc_object *o)
{
	if (o->kind == SC_FUNCTION)
		return sc_put_qualified(b, o->schema, o->func_name) != 0 ||
		       buf_printf(b, "(%s)", o->func_args ? o->func_args : "") != 0;
	if (o->kind == SC_EXTENSION || o->kind == SC_SCHEMA)
		return sc_put_ident(b, o->name);
	if (o->kind == SC_INDEX)
		return sc_put_qualified(b, o->schema, o->name);
	if (o->table) /* constraint, trigger, policy: "name ON table" */
		return sc_put_ident(b, o->name) != 0 || buf_puts(b, " ON ") != 0 ||
		       sc_put_qualified(b, o->schema, o->table) != 0;
	return sc_put_qualified(b, o->schema, o->name);
}

static const char *kind_sql(const sc_object *o)
{
	switch (o->kind) {
	case SC_SCHEMA: return "SCHEMA";
	case SC_EXTENSION: return "EXTENSION";
	case SC_COLLATION: return "COLLATION";
	case SC_ENUM:
	case SC_COMPOSITE: return "TYPE";
	case SC_DOMAIN: return "DOMAIN";
	case SC_SEQUENCE: return "SEQUENCE";
	case SC_FUNCTION:
		return o->relkind == 'p' ? "PROCEDURE" : o->relkind == 'a' ? "AGGREGATE" : "FUNCTION";
	case SC_TABLE: return "TABLE";
	case SC_VIEW: return "VIEW";
	case SC_MATVIEW: return "MATERIALIZED VIEW";
	case SC_INDEX: return "INDEX";
	case SC_CONSTRAINT: return "CONSTRAINT";
	case SC_TRIGGER: return "TRIGGER";
	case SC_POLICY: return "POLICY";
	default: return "";
	}
}

/* The display name of an object: "public.users", "public.users.users_pkey". */
static char *display(const sc_object *o)
{
	strata_buf b = STRATA_BUF_INIT;

	if ((o->schema && buf_printf(&b, "%s.", o->schema) != 0) ||
	    (o->table && buf_printf(&b, "%s.", o->table) != 0) || buf_puts(&b, o->name) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int emit(pgd *d, sc_change_op op, const sc_object *o, const char *object_suffix,
		const char *detail, strata_buf *sql, int destructive)
{
	char *name = display(o);
	strata_buf obj = STRATA_BUF_INIT;
	int rc;

	if (!name || buf_puts(&obj, name) != 0 ||
	    (object_suffix && buf_printf(&obj, ".%s", object_suffix) != 0)) {
		strata_free(name);
		buf_release(&obj);
		return STRATA_ERROR;
	}
	rc = sc_changes_add(d->out, op, object_suffix ? SC_COLUMN : o->kind, buf_cstr(&obj), detail,
			    sql && sql->len ? buf_cstr(sql) : NULL, destructive);
	if (rc == 0) {
		sc_change *ch = &d->out->v[d->out->n - 1];

		sc_change_link(ch, d->a, d->b, o->key);
		ch->consequential = map_has(&d->cascaded, o->key) && !object_suffix;
		if (!(ch->key = strata_strdup(o->key)) ||
		    (object_suffix && !(ch->column = strata_strdup(object_suffix))))
			rc = STRATA_ERROR;
		ch->not_null_at = d->not_null_at;
		ch->not_null_len = d->not_null_len;
	}
	d->not_null_at = d->not_null_len = 0;
	strata_free(name);
	buf_release(&obj);
	buf_clear(sql);
	return rc;
}

static int put_comment(strata_buf *s, const sc_object *o, const char *comment)
{
	if (buf_printf(s, "COMMENT ON %s ", kind_sql(o)) != 0 || put_name(s, o) != 0 ||
	    buf_puts(s, " IS ") != 0)
		return STRATA_ERROR;
	if (comment ? buf_put_sql_literal(s, comment) : buf_puts(s, "NULL"))
		return STRATA_ERROR;
	return buf_puts(s, ";\n");
}

/* "PRIV TO grantee[ WITH GRANT OPTION]" as GRANT or REVOKE. */
static int put_grant(strata_buf *s, const sc_object *o, const char *grant, int revoke)
{
	const char *to = strstr(grant, " TO ");
	const char *on = o->kind == SC_VIEW || o->kind == SC_MATVIEW ? "TABLE"
			 : o->kind == SC_FUNCTION			 ? "ROUTINE"
									 : kind_sql(o);
	strata_buf who = STRATA_BUF_INIT;
	const char *opt = " WITH GRANT OPTION";
	size_t wlen, olen = strlen(opt);
	int rc;

	if (!to)
		return 0;
	wlen = strlen(to + 4);
	if (revoke && wlen > olen && strcmp(to + 4 + wlen - olen, opt) == 0)
		wlen -= olen;
	if (buf_putn(&who, to + 4, wlen) != 0)
		return STRATA_ERROR;
	rc = buf_printf(s, "%s %.*s ON %s ", revoke ? "REVOKE" : "GRANT", (int)(to - grant), grant,
			on) != 0 || put_name(s, o) != 0 ||
	     buf_printf(s, " %s %s;\n", revoke ? "FROM" : "TO", buf_cstr(&who)) != 0;
	buf_release(&who);
	return rc ? STRATA_ERROR : 0;
}

/* Grants of b missing in a are granted; those of a missing in b revoked.
 * Nothing when the comparison leaves grants out (diff --no-grants). */
static int put_grant_changes(const pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	static char *const none[1];
	char *const *av = a ? a->grants : none;
	size_t an = a ? a->ngrants : 0;

	if (!d->opts->with_grants)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (!sc_strv_has(b->grants, b->ngrants, av[i]) && put_grant(s, b, av[i], 1) != 0)
			return STRATA_ERROR;
	for (size_t i = 0; i < b->ngrants; i++)
		if (!sc_strv_has(av, an, b->grants[i]) && put_grant(s, b, b->grants[i], 0) != 0)
			return STRATA_ERROR;
	return 0;
}

/* A trailing ';' and blanks off a definition (pg_get_viewdef ends in ';'). */
static int put_trimmed(strata_buf *s, const char *def)
{
	size_t n = strlen(def);

	while (n && (def[n - 1] == ';' || def[n - 1] == ' ' || def[n - 1] == '\n'))
		n--;
	while (n && (*def == ' ' || *def == '\n')) {
		def++;
		n--;
	}
	return buf_putn(s, def, n);
}

static const sc_column *find_column(const sc_object *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static int put_column_def(strata_buf *s, const sc_column *c)
{
	if (sc_put_ident(s, c->name) != 0 || buf_printf(s, " %s", c->type) != 0 ||
	    (c->collation && buf_printf(s, " COLLATE %s", c->collation) != 0))
		return STRATA_ERROR;
	if (c->generated && buf_printf(s, " GENERATED ALWAYS AS (%s) %s", c->generated,
				       c->virtual_generated ? "VIRTUAL" : "STORED") != 0)
		return STRATA_ERROR;
	if (c->default_expr && buf_printf(s, " DEFAULT %s", c->default_expr) != 0)
		return STRATA_ERROR;
	if (c->identity && buf_printf(s, " GENERATED %s AS IDENTITY",
				      c->identity == 'a' ? "ALWAYS" : "BY DEFAULT") != 0)
		return STRATA_ERROR;
	if (c->not_null && buf_puts(s, " NOT NULL") != 0)
		return STRATA_ERROR;
	return 0;
}

static int put_column_comment(strata_buf *s, const sc_object *t, const sc_column *c,
			      const char *comment)
{
	if (buf_puts(s, "COMMENT ON COLUMN ") != 0 || sc_put_qualified(s, t->schema, t->name) != 0 ||
	    buf_putc(s, '.') != 0 || sc_put_ident(s, c->name) != 0 || buf_puts(s, " IS ") != 0)
		return STRATA_ERROR;
	if (comment ? buf_put_sql_literal(s, comment) : buf_puts(s, "NULL"))
		return STRATA_ERROR;
	return buf_puts(s, ";\n");
}

static int put_alter_table(strata_buf *s, const sc_object *t)
{
	return buf_puts(s, "ALTER TABLE ") != 0 || sc_put_qualified(s, t->schema, t->name) != 0
		       ? STRATA_ERROR
		       : 0;
}

static const char *trigger_state_sql(char state)
{
	switch (state) {
	case 'D': return "DISABLE TRIGGER";
	case 'R': return "ENABLE REPLICA TRIGGER";
	case 'A': return "ENABLE ALWAYS TRIGGER";
	default: return "ENABLE TRIGGER";
	}
}

static int put_trigger_state(strata_buf *s, const sc_object *o)
{
	if (buf_puts(s, "ALTER TABLE ") != 0 || sc_put_qualified(s, o->schema, o->table) != 0 ||
	    buf_printf(s, " %s ", trigger_state_sql(o->relkind)) != 0 || sc_put_ident(s, o->name) != 0)
		return STRATA_ERROR;
	return buf_puts(s, ";\n");
}

static int put_rls(strata_buf *s, const sc_object *t, int enabled)
{
	if (put_alter_table(s, t) != 0 ||
	    buf_printf(s, " %s ROW LEVEL SECURITY;\n", enabled ? "ENABLE" : "DISABLE") != 0)
		return STRATA_ERROR;
	return 0;
}

static int put_force_rls(strata_buf *s, const sc_object *t, int forced)
{
	if (put_alter_table(s, t) != 0 ||
	    buf_printf(s, " %s ROW LEVEL SECURITY;\n", forced ? "FORCE" : "NO FORCE") != 0)
		return STRATA_ERROR;
	return 0;
}

/* reloptions "a=1, b=2" and UNLOGGED, as kept in options. */
static int has_unlogged(const char *options)
{
	return options && strncmp(options, "UNLOGGED", 8) == 0;
}

static const char *storage_options(const char *options)
{
	if (!options)
		return NULL;
	if (has_unlogged(options)) {
		options += 8;
		if (*options == ',')
			options += 2;
		return *options ? options : NULL;
	}
	return options;
}

/* --- CREATE -------------------------------------------------------------- */

static int put_create_table(strata_buf *s, const sc_object *t)
{
	int first = 1;
	const char *opts = storage_options(t->options);

	if (buf_printf(s, "CREATE %sTABLE ", has_unlogged(t->options) ? "UNLOGGED " : "") != 0 ||
	    sc_put_qualified(s, t->schema, t->name) != 0)
		return STRATA_ERROR;
	if (t->partition_of) {
		if (buf_printf(s, " PARTITION OF %s %s", t->partition_of, t->partition_bound) != 0)
			return STRATA_ERROR;
	} else {
		if (buf_puts(s, " (") != 0)
			return STRATA_ERROR;
		for (size_t i = 0; i < t->ncols; i++) {
			if (t->cols[i].inherited)
				continue;
			if (buf_puts(s, first ? "\n    " : ",\n    ") != 0 ||
			    put_column_def(s, &t->cols[i]) != 0)
				return STRATA_ERROR;
			first = 0;
		}
		if (buf_puts(s, first ? ")" : "\n)") != 0)
			return STRATA_ERROR;
		if (t->inherits && buf_printf(s, " INHERITS (%s)", t->inherits) != 0)
			return STRATA_ERROR;
	}
	if (t->partition_key && buf_printf(s, " PARTITION BY %s", t->partition_key) != 0)
		return STRATA_ERROR;
	if (opts && buf_printf(s, " WITH (%s)", opts) != 0)
		return STRATA_ERROR;
	if (buf_puts(s, ";\n") != 0)
		return STRATA_ERROR;
	/* Partitions inherit their parent's columns; their own defaults and
	 * NOT NULLs beyond the parent's are set here. */
	if (t->rls_enabled && put_rls(s, t, 1) != 0)
		return STRATA_ERROR;
	if (t->rls_forced && put_force_rls(s, t, 1) != 0)
		return STRATA_ERROR;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].comment && put_column_comment(s, t, &t->cols[i], t->cols[i].comment))
			return STRATA_ERROR;
	return 0;
}

static int put_labels(strata_buf *s, char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((i && buf_puts(s, ", ") != 0) || buf_put_sql_literal(s, labels[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

static int put_create(pgd *d, strata_buf *s, const sc_object *o)
{
	int rc = 0;

	switch (o->kind) {
	case SC_SCHEMA:
		rc = buf_puts(s, "CREATE SCHEMA IF NOT EXISTS ") || put_name(s, o) ||
		     buf_puts(s, ";\n");
		break;
	case SC_EXTENSION:
		rc = buf_puts(s, "CREATE EXTENSION IF NOT EXISTS ") || put_name(s, o) ||
		     buf_puts(s, " WITH SCHEMA ") || sc_put_ident(s, o->options) ||
		     (d->opts->extension_versions &&
		      (buf_puts(s, " VERSION ") || buf_put_sql_literal(s, o->result_type))) ||
		     buf_puts(s, ";\n");
		break;
	case SC_COLLATION:
		rc = buf_puts(s, "CREATE COLLATION ") || put_name(s, o) ||
		     buf_printf(s, " (%s);\n", o->def);
		break;
	case SC_ENUM:
		rc = buf_puts(s, "CREATE TYPE ") || put_name(s, o) || buf_puts(s, " AS ENUM (") ||
		     put_labels(s, o->labels, o->nlabels) || buf_puts(s, ");\n");
		break;
	case SC_DOMAIN:
		rc = buf_puts(s, "CREATE DOMAIN ") || put_name(s, o) ||
		     buf_printf(s, " AS %s", o->result_type);
		if (!rc && o->domain_default)
			rc = buf_printf(s, " DEFAULT %s", o->domain_default);
		if (!rc && o->domain_not_null)
			rc = buf_puts(s, " NOT NULL");
		for (size_t i = 0; !rc && i < o->nlabels; i++)
			rc = buf_printf(s, " %s", o->labels[i]);
		rc = rc || buf_puts(s, ";\n");
		break;
	case SC_COMPOSITE:
		rc = buf_puts(s, "CREATE TYPE ") || put_name(s, o) || buf_puts(s, " AS (");
		for (size_t i = 0; !rc && i < o->ncols; i++)
			rc = (i && buf_puts(s, ", ")) || sc_put_ident(s, o->cols[i].name) ||
			     buf_printf(s, " %s", o->cols[i].type) ||
			     (o->cols[i].collation &&
			      buf_printf(s, " COLLATE %s", o->cols[i].collation));
		rc = rc || buf_puts(s, ");\n");
		break;
	case SC_SEQUENCE:
		rc = buf_puts(s, "CREATE SEQUENCE ") || put_name(s, o) ||
		     buf_printf(s, " %s;\n", o->def);
		break;
	case SC_FUNCTION:
		if (!d->functions_created) {
			/* Bodies may name tables created further down. */
			rc = buf_puts(s, "SET check_function_bodies = off;\n");
			d->functions_created = 1;
		}
		rc = rc || put_trimmed(s, o->def) || buf_puts(s, ";\n");
		break;
	case SC_TABLE:
		rc = put_create_table(s, o);
		break;
	case SC_VIEW:
		rc = buf_puts(s, "CREATE VIEW ") || put_name(s, o) ||
		     (o->options && buf_printf(s, " WITH (%s)", o->options)) ||
		     buf_puts(s, " AS\n") || put_trimmed(s, o->def) || buf_puts(s, ";\n");
		break;
	case SC_MATVIEW:
		rc = buf_puts(s, "CREATE MATERIALIZED VIEW ") || put_name(s, o) ||
		     (o->options && buf_printf(s, " WITH (%s)", o->options)) ||
		     buf_puts(s, " AS\n") || put_trimmed(s, o->def) || buf_puts(s, "\nWITH DATA;\n");
		break;
	case SC_INDEX:
		rc = put_trimmed(s, o->def) || buf_puts(s, ";\n");
		break;
	case SC_CONSTRAINT:
		rc = buf_puts(s, "ALTER TABLE ") || sc_put_qualified(s, o->schema, o->table) ||
		     buf_puts(s, " ADD CONSTRAINT ") || sc_put_ident(s, o->name) ||
		     buf_printf(s, " %s;\n", o->def);
		break;
	case SC_TRIGGER:
		rc = put_trimmed(s, o->def) || buf_puts(s, ";\n") ||
		     (o->relkind && o->relkind != 'O' && put_trigger_state(s, o));
		break;
	case SC_POLICY:
		rc = buf_puts(s, "CREATE POLICY ") || put_name(s, o) || buf_printf(s, " %s;\n", o->def);
		break;
	default:
		break;
	}
	if (!rc && o->comment && o->kind != SC_EXTENSION)
		rc = put_comment(s, o, o->comment);
	if (!rc && o->ngrants)
		rc = put_grant_changes(d, s, NULL, o);
	return rc ? STRATA_ERROR : 0;
}

/* --- DROP ---------------------------------------------------------------- */

static int put_drop(strata_buf *s, const sc_object *o)
{
	if (o->kind == SC_CONSTRAINT)
		return buf_puts(s, "ALTER TABLE ") || sc_put_qualified(s, o->schema, o->table) ||
			       buf_puts(s, " DROP CONSTRAINT ") || sc_put_ident(s, o->name) ||
			       buf_puts(s, ";\n")
			       ? STRATA_ERROR
			       : 0;
	return buf_printf(s, "DROP %s ", kind_sql(o)) || put_name(s, o) || buf_puts(s, ";\n")
		       ? STRATA_ERROR
		       : 0;
}

static int drop_destroys_data(const sc_object *o)
{
	return o->kind == SC_TABLE || o->kind == SC_SEQUENCE;
}

/* --- comparing ----------------------------------------------------------- */

/* Labels of a kept in order inside b: values can be added in place. */
static int enum_extends(const sc_object *a, const sc_object *b)
{
	return sc_strv_in_order(a->labels, a->nlabels, b->labels, b->nlabels);
}

static int cols_equal_composite(const sc_object *a, const sc_object *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (!sc_str_eq(a->cols[i].name, b->cols[i].name) ||
		    !sc_str_eq(a->cols[i].type, b->cols[i].type) ||
		    !sc_str_eq(a->cols[i].collation, b->cols[i].collation))
			return 0;
	return 1;
}

/* Objects that cannot be changed in place and are dropped and created. */
static int needs_recreate(const sc_object *a, const sc_object *b)
{
	switch (a->kind) {
	case SC_VIEW:
	case SC_MATVIEW:
		return !sc_str_eq(a->def, b->def) || !sc_str_eq(a->options, b->options);
	case SC_INDEX: /* an invalid one: a failed CONCURRENTLY build, a partition left out */
		return !sc_str_eq(a->def, b->def) || a->not_valid != b->not_valid;
	case SC_CONSTRAINT:
	case SC_POLICY:
	case SC_COLLATION:
	case SC_TRIGGER:
		return !sc_str_eq(a->def, b->def);
	case SC_FUNCTION:
		return !sc_str_eq(a->def, b->def) &&
		       (!sc_str_eq(a->result_type, b->result_type) || a->relkind != b->relkind);
	case SC_TABLE:
		return a->relkind != b->relkind || !sc_str_eq(a->partition_key, b->partition_key);
	case SC_DOMAIN:
		return !sc_str_eq(a->result_type, b->result_type);
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

	if (sc_put_qualified(&b, o->schema, o->name) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static char *col_key(const sc_object *t, const char *col)
{
	strata_buf b = STRATA_BUF_INIT;

	if (buf_printf(&b, "%s\x1f%s", t->key, col) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
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
static const sc_object *replaced_enum_of(const pgd *d, const char *type)
{
	for (size_t i = 0; i < d->a->n; i++) {
		const sc_object *e = d->a->objs[i];

		if (e->kind == SC_ENUM && map_has(&d->replaced, e->key) && type_is_enum(e, type))
			return e;
	}
	return NULL;
}

/* Whether a column type names an enum of the catalog. */
static int is_enum_type(const sc_catalog *cat, const char *type)
{
	for (size_t i = 0; i < cat->n; i++)
		if (cat->objs[i]->kind == SC_ENUM && type_is_enum(cat->objs[i], type))
			return 1;
	return 0;
}

static int column_retyped(const pgd *d, const sc_column *ca, const sc_column *cb)
{
	return !sc_str_eq(ca->type, cb->type) || !sc_str_eq(ca->collation, cb->collation) ||
	       (d->replaced.count && replaced_enum_of(d, cb->type));
}

static int generated_changes(const sc_column *ca, const sc_column *cb)
{
	/* Dropping the expression keeps the values (DROP EXPRESSION); any
	 * other change of a generated column is a drop and an add. */
	return cb->generated && (!sc_str_eq(ca->generated, cb->generated) ||
				 ca->virtual_generated != cb->virtual_generated);
}

static const sc_object *owner_of(const sc_catalog *cat, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_VIEW, SC_MATVIEW };
	const sc_object *t = NULL;

	if (!o->table)
		return NULL;
	for (size_t i = 0; !t && i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key = sc_make_key(kinds[i], o->schema, NULL, o->table);

		t = key ? sc_catalog_find(cat, key) : NULL;
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
		const sc_object *oa = a->objs[i], *ob = sc_catalog_find(b, oa->key);

		if (!ob) {
			if (map_put(&d->dropped, oa->key, (void *)oa) != 0)
				return STRATA_ERROR;
			continue;
		}
		if (oa->kind == SC_ENUM && !enum_extends(oa, ob) &&
		    map_put(&d->replaced, oa->key, (void *)oa) != 0)
			return STRATA_ERROR;
		if (needs_recreate(oa, ob) && (map_put(&d->dropped, oa->key, (void *)oa) != 0 ||
					       map_put(&d->recreated, oa->key, (void *)oa) != 0))
			return STRATA_ERROR;
	}
	/* Columns dropped or retyped in tables kept in place. */
	for (size_t i = 0; i < a->n; i++) {
		const sc_object *ta = a->objs[i], *tb;

		if (ta->kind != SC_TABLE || map_has(&d->dropped, ta->key) ||
		    !(tb = sc_catalog_find(b, ta->key)))
			continue;
		for (size_t c = 0; c < ta->ncols; c++) {
			const sc_column *ca = &ta->cols[c], *cb = find_column(tb, ca->name);
			char *key;

			if (cb && !column_retyped(d, ca, cb) && !generated_changes(ca, cb))
				continue;
			if (!(key = col_key(ta, ca->name)) || keep(d, key) != 0 ||
			    map_put(&d->changed_cols, key, (void *)ta) != 0)
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

			if (map_has(&d->dropped, o->key) || !sc_catalog_find(b, o->key) ||
			    o->kind == SC_TABLE)
				continue;
			for (size_t k = 0; !hit && k < o->ndeps; k++)
				hit = map_has(&d->dropped, o->deps[k]) || map_has(&d->replaced, o->deps[k]);
			for (size_t k = 0; !hit && k < o->ncol_deps; k++)
				hit = map_has(&d->changed_cols, o->col_deps[k]);
			if (!hit && (owner = owner_of(a, o)) && map_has(&d->dropped, owner->key))
				hit = 1;
			if (!hit)
				continue;
			if (map_put(&d->dropped, o->key, (void *)o) != 0 ||
			    map_put(&d->recreated, o->key, (void *)o) != 0 ||
			    map_put(&d->cascaded, o->key, (void *)o) != 0)
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
	node nd = { type, a, b, key, 0 };

	if (strata_grow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof(*ns->v)) != 0)
		return STRATA_ERROR;
	ns->v[ns->n++] = nd;
	return 0;
}

static int nodes_index(node_set *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].type != NODE_OWNED &&
		    map_put(&ns->by_key, ns->v[i].key, (void *)(i + 1)) != 0)
			return STRATA_ERROR;
	return 0;
}

static node *nodes_find(node_set *ns, const char *key)
{
	size_t i = (size_t)map_get(&ns->by_key, key);

	return i ? &ns->v[i - 1] : NULL;
}

static void nodes_release(node_set *ns)
{
	strata_free(ns->v);
	map_release(&ns->by_key);
}

typedef struct walk {
	node_set *ns;
	const sc_catalog *cat; /* whose dependencies order the walk */
	node **order;
	size_t n;
} walk;

static void visit(walk *w, node *nd)
{
	const sc_object *o = nd->type == NODE_DROP ? nd->a : nd->b;
	const sc_object *owner;
	node *dep;

	if (nd->state)
		return; /* done, or a cycle: leave the order as it is */
	nd->state = 1;
	if (nd->type == NODE_OWNED) {
		if (o->ref_table && (dep = nodes_find(w->ns, o->ref_table)))
			visit(w, dep);
		if ((dep = nodes_find(w->ns, o->key)))
			visit(w, dep);
	} else {
		for (size_t k = 0; k < o->ndeps; k++)
			if ((dep = nodes_find(w->ns, o->deps[k])))
				visit(w, dep);
		if ((owner = owner_of(w->cat, o)) && (dep = nodes_find(w->ns, owner->key)))
			visit(w, dep);
		/* A sequence's default user depends on it through pg_depend; a
		 * table also depends on the types of its columns. */
	}
	nd->state = 2;
	w->order[w->n++] = nd;
}

static int walk_nodes(node_set *ns, const sc_catalog *cat, node ***order)
{
	walk w = { ns, cat, NULL, 0 };

	if (!(w.order = strata_calloc(ns->n + 1, sizeof(*w.order))))
		return STRATA_ERROR;
	for (size_t i = 0; i < ns->n; i++)
		visit(&w, &ns->v[i]);
	*order = w.order;
	return 0;
}

/* --- ALTER --------------------------------------------------------------- */

static int alter_enum(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	if (map_has(&d->replaced, a->key)) {
		char old[64];

		snprintf(old, sizeof(old), "%.50s__strata_old", a->name);
		if (buf_puts(s, "ALTER TYPE ") || put_name(s, a) || buf_puts(s, " RENAME TO ") ||
		    sc_put_ident(s, old) || buf_puts(s, ";\n") || put_create(d, s, b) != 0)
			return STRATA_ERROR;
		return emit(d, SC_OP_ALTER, b, NULL, "values removed or reordered: type replaced", s,
			    1);
	}
	for (size_t i = 0; i < b->nlabels; i++) {
		int have = sc_strv_has(a->labels, a->nlabels, b->labels[i]);

		if (have)
			continue;
		if (buf_puts(s, "ALTER TYPE ") || put_name(s, b) || buf_puts(s, " ADD VALUE ") ||
		    buf_put_sql_literal(s, b->labels[i]))
			return STRATA_ERROR;
		if (i > 0) {
			if (buf_puts(s, " AFTER ") || buf_put_sql_literal(s, b->labels[i - 1]))
				return STRATA_ERROR;
		} else {
			for (size_t j = 1; j < b->nlabels; j++)
				if (sc_strv_has(a->labels, a->nlabels, b->labels[j])) {
					if (buf_puts(s, " BEFORE ") ||
					    buf_put_sql_literal(s, b->labels[j]))
						return STRATA_ERROR;
					break;
				}
		}
		if (buf_puts(s, ";\n"))
			return STRATA_ERROR;
	}
	return s->len ? emit(d, SC_OP_ALTER, b, NULL, "values added", s, 0) : 0;
}

/* "schema"."table"."column", as a sequence's owned_by reads. */
static int put_column_ref(strata_buf *s, const sc_object *t, const char *col)
{
	return sc_put_qualified(s, t->schema, t->name) || buf_putc(s, '.') ||
		       sc_put_ident(s, col)
		       ? STRATA_ERROR
		       : 0;
}

/* The column's sequence (its identity's or the one it owns) carries on
 * after the largest value the column holds, so that a sequence made for
 * a column that already has rows does not hand out their values again. */
static int put_continue_sequence(strata_buf *s, const sc_object *t, const char *col)
{
	strata_buf name = STRATA_BUF_INIT;
	int rc = sc_put_qualified(&name, t->schema, t->name) ||
		 buf_puts(s, "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(") ||
		 buf_put_sql_literal(s, buf_cstr(&name)) || buf_puts(s, ", ") ||
		 buf_put_sql_literal(s, col) || buf_puts(s, "), COALESCE(max(") ||
		 sc_put_ident(s, col) || buf_puts(s, "), 0) + 1, false) FROM ") ||
		 buf_puts(s, buf_cstr(&name)) || buf_puts(s, ";\n");

	buf_release(&name);
	return rc ? STRATA_ERROR : 0;
}

/* What the identity phase already did to column col of table t, or NULL. */
static const void *early_done(pgd *d, const sc_object *t, const char *col)
{
	char *key = col_key(t, col);
	const void *what = key ? map_get(&d->early, key) : NULL;

	strata_free(key);
	return what;
}

static int alter_column(pgd *d, strata_buf *s, const sc_object *tb, const sc_column *ca,
			const sc_column *cb)
{
	strata_buf detail = STRATA_BUF_INIT;
	int destructive = 0, rc = 0;
	const char *a_default = ca->default_expr;
	const void *early = early_done(d, tb, ca->name);

	if (early == EARLY_SERIAL_RELEASED)
		a_default = NULL;

#define ALTER_COL()                                                                       \
	(put_alter_table(s, tb) || buf_puts(s, " ALTER COLUMN ") || sc_put_ident(s, cb->name))

	if (ca->generated && !cb->generated &&
	    (ca->virtual_generated ||
	     (d->a->server_version > 0 && d->a->server_version < 130000))) {
		/* ALTER COLUMN ... DROP EXPRESSION is from PostgreSQL 13, and
		 * not for a VIRTUAL column (18): there a column stops being
		 * generated only by being made again. */
		rc = put_alter_table(s, tb) || buf_puts(s, " DROP COLUMN ") ||
		     sc_put_ident(s, ca->name) || buf_puts(s, ";\n") || put_alter_table(s, tb) ||
		     buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) || buf_puts(s, ";\n") ||
		     buf_puts(&detail, ca->virtual_generated
					       ? "no longer generated: a virtual column's expression "
						 "cannot be dropped, so the column is dropped and added "
						 "again and its values are lost"
					       : "no longer generated: PostgreSQL 12 cannot drop the "
						 "expression (13 can), so the column is dropped and added "
						 "again and its values are lost");
		destructive = 1;
		goto done;
	}
	if (generated_changes(ca, cb)) {
		rc = put_alter_table(s, tb) || buf_puts(s, " DROP COLUMN ") ||
		     sc_put_ident(s, ca->name) || buf_puts(s, ";\n") || put_alter_table(s, tb) ||
		     buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) || buf_puts(s, ";\n") ||
		     buf_puts(&detail, "generated expression changed");
		goto done;
	}
	if (ca->generated && !cb->generated) {
		rc = ALTER_COL() || buf_puts(s, " DROP EXPRESSION;\n") ||
		     buf_puts(&detail, "no longer generated; ");
	}
	if (!rc && column_retyped(d, ca, cb)) {
		const sc_object *e = replaced_enum_of(d, cb->type);
		int through_text = e || is_enum_type(d->a, ca->type) || is_enum_type(d->b, cb->type);
		const char *via = through_text ? (strstr(cb->type, "[]") ? "::text[]" : "::text") : "";

		if (a_default) {
			rc = ALTER_COL() || buf_puts(s, " DROP DEFAULT;\n");
			a_default = NULL;
		}
		rc = rc || ALTER_COL() || buf_printf(s, " TYPE %s", cb->type) ||
		     (cb->collation && buf_printf(s, " COLLATE %s", cb->collation)) ||
		     buf_puts(s, " USING ") || sc_put_ident(s, cb->name) ||
		     buf_printf(s, "%s::%s;\n", via, cb->type) ||
		     buf_printf(&detail, "type %s -> %s; ", ca->type, cb->type);
		destructive = 1;
	}
	if (!rc && ca->identity != cb->identity && ca->identity && !cb->identity &&
	    early != EARLY_IDENTITY_DROPPED)
		rc = ALTER_COL() || buf_puts(s, " DROP IDENTITY;\n") ||
		     buf_puts(&detail, "identity dropped; ");
	if (!rc && !sc_str_eq(a_default, cb->default_expr) && !cb->generated) {
		if (cb->default_expr)
			rc = ALTER_COL() || buf_printf(s, " SET DEFAULT %s;\n", cb->default_expr);
		else
			rc = ALTER_COL() || buf_puts(s, " DROP DEFAULT;\n");
		rc = rc || buf_printf(&detail, "default %s -> %s; ", a_default ? a_default : "none",
				      cb->default_expr ? cb->default_expr : "none");
	}
	if (!rc && ca->not_null != cb->not_null) {
		size_t at = s->len;

		rc = ALTER_COL() || buf_printf(s, " %s NOT NULL;\n", cb->not_null ? "SET" : "DROP") ||
		     buf_printf(&detail, "%s; ", cb->not_null ? "NOT NULL" : "nullable");
		d->not_null_at = at;
		d->not_null_len = s->len - at;
	}
	if (!rc && ca->identity != cb->identity && cb->identity) {
		const char *how = cb->identity == 'a' ? "ALWAYS" : "BY DEFAULT";

		rc = ALTER_COL() ||
		     (ca->identity ? buf_printf(s, " SET GENERATED %s;\n", how)
				   : buf_printf(s, " ADD GENERATED %s AS IDENTITY;\n", how) ||
						 put_continue_sequence(s, tb, cb->name)) ||
		     buf_printf(&detail, "identity %s; ", how);
	}
	if (!rc && !sc_str_eq(ca->comment, cb->comment))
		rc = put_column_comment(s, tb, cb, cb->comment) || buf_puts(&detail, "comment; ");
#undef ALTER_COL
done:
	if (!rc && s->len) {
		if (detail.len >= 2 && detail.ptr[detail.len - 2] == ';')
			buf_truncate(&detail, detail.len - 2);
		rc = emit(d, SC_OP_ALTER, tb, cb->name, buf_cstr(&detail), s, destructive);
	}
	buf_release(&detail);
	return rc ? STRATA_ERROR : 0;
}

/* Split "a, b" lists of quoted names (INHERITS). */
static int list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *end = strstr(p, ", ");
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return 1;
		p = end ? end + 2 : NULL;
	}
	return 0;
}

static int inherit_changes(strata_buf *s, const sc_object *b, const char *from, const char *to,
			   const char *verb)
{
	for (const char *p = from; p && *p;) {
		const char *end = strstr(p, ", ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *item = strata_strndup(p, len);
		int rc;

		if (!item)
			return STRATA_ERROR;
		rc = !list_has(to, item) &&
		     (put_alter_table(s, b) || buf_printf(s, " %s %s;\n", verb, item));
		strata_free(item);
		if (rc)
			return STRATA_ERROR;
		p = end ? end + 2 : NULL;
	}
	return 0;
}

static int alter_table(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	int moved = !sc_str_eq(a->partition_of, b->partition_of) ||
		    !sc_str_eq(a->partition_bound, b->partition_bound);

	/* (Partitions that move were detached in phase 1, before their
	 * parent's columns change.) */
	if (!sc_str_eq(a->inherits, b->inherits) &&
	    inherit_changes(s, b, a->inherits, b->inherits, "NO INHERIT"))
		return STRATA_ERROR;
	/* Drops first (names may be reused), then changes, then adds. A
	 * column the target inherits follows its parent's changes. */
	for (size_t i = 0; i < a->ncols; i++) {
		const sc_column *ca = &a->cols[i];

		if (ca->inherited || find_column(b, ca->name))
			continue;
		if (put_alter_table(s, b) || buf_puts(s, " DROP COLUMN ") ||
		    sc_put_ident(s, ca->name) || buf_puts(s, ";\n") ||
		    emit(d, SC_OP_DROP, b, ca->name, "column dropped", s, 1) != 0)
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		const sc_column *cb = &b->cols[i], *ca = find_column(a, cb->name);

		if (cb->inherited || !ca)
			continue;
		if (ca->inherited && !moved && sc_str_eq(a->inherits, b->inherits)) {
			/* Inherited before, its own now: it goes when the parent
			 * drops it, so it is added back (IF NOT EXISTS: the parent
			 * may keep it, and then it stays as it is). */
			if (put_alter_table(s, b) || buf_puts(s, " ADD COLUMN IF NOT EXISTS ") ||
			    put_column_def(s, cb) || buf_puts(s, ";\n") ||
			    emit(d, SC_OP_ALTER, b, cb->name, "no longer inherited", s, 0) != 0)
				return STRATA_ERROR;
			continue;
		}
		if (alter_column(d, s, b, ca, cb) != 0)
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		const sc_column *cb = &b->cols[i];

		if (cb->inherited || find_column(a, cb->name))
			continue;
		if (put_alter_table(s, b) || buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) ||
		    buf_puts(s, ";\n") ||
		    (cb->comment && put_column_comment(s, b, cb, cb->comment)) ||
		    emit(d, SC_OP_CREATE, b, cb->name, "column added", s, 0) != 0)
			return STRATA_ERROR;
	}
	/* The table itself; attached last, once its columns match. */
	if (moved && b->partition_of &&
	    (buf_printf(s, "ALTER TABLE %s ATTACH PARTITION ", b->partition_of) ||
	     sc_put_qualified(s, b->schema, b->name) || buf_printf(s, " %s;\n", b->partition_bound)))
		return STRATA_ERROR;
	if (!sc_str_eq(a->inherits, b->inherits) &&
	    inherit_changes(s, b, b->inherits, a->inherits, "INHERIT"))
		return STRATA_ERROR;
	if (has_unlogged(a->options) != has_unlogged(b->options) &&
	    (put_alter_table(s, b) ||
	     buf_printf(s, " SET %s;\n", has_unlogged(b->options) ? "UNLOGGED" : "LOGGED")))
		return STRATA_ERROR;
	if (!sc_str_eq(storage_options(a->options), storage_options(b->options))) {
		const char *ao = storage_options(a->options), *bo = storage_options(b->options);

		if (ao) {
			if (put_alter_table(s, b) || buf_puts(s, " RESET ("))
				return STRATA_ERROR;
			for (const char *p = ao; *p;) {
				const char *eq = strchr(p, '='), *end = strstr(p, ", ");

				if (!eq)
					break;
				if (buf_putn(s, p, (size_t)(eq - p)) || (end && buf_puts(s, ", ")))
					return STRATA_ERROR;
				p = end ? end + 2 : "";
			}
			if (buf_puts(s, ");\n"))
				return STRATA_ERROR;
		}
		if (bo && (put_alter_table(s, b) || buf_printf(s, " SET (%s);\n", bo)))
			return STRATA_ERROR;
	}
	if (a->rls_enabled != b->rls_enabled && put_rls(s, b, b->rls_enabled))
		return STRATA_ERROR;
	if (a->rls_forced != b->rls_forced && put_force_rls(s, b, b->rls_forced))
		return STRATA_ERROR;
	if (!sc_str_eq(a->comment, b->comment) && put_comment(s, b, b->comment))
		return STRATA_ERROR;
	if (put_grant_changes(d, s, a, b))
		return STRATA_ERROR;
	return s->len ? emit(d, SC_OP_ALTER, b, NULL, "table changed", s, 0) : 0;
}

static int alter_domain(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
#define ALTER_DOMAIN() (buf_puts(s, "ALTER DOMAIN ") || put_name(s, b))
	if (!sc_str_eq(a->domain_default, b->domain_default) &&
	    (ALTER_DOMAIN() ||
	     (b->domain_default ? buf_printf(s, " SET DEFAULT %s;\n", b->domain_default)
				: buf_puts(s, " DROP DEFAULT;\n"))))
		return STRATA_ERROR;
	if (a->domain_not_null != b->domain_not_null &&
	    (ALTER_DOMAIN() || buf_printf(s, " %s NOT NULL;\n", b->domain_not_null ? "SET" : "DROP")))
		return STRATA_ERROR;
	for (size_t i = 0; i < a->nlabels; i++) {
		const char *name = a->labels[i] + strlen("CONSTRAINT "), *sp;

		if (sc_strv_has(b->labels, b->nlabels, a->labels[i]))
			continue;
		/* "CONSTRAINT name CHECK (...)": the name ends at the space before CHECK. */
		sp = strstr(name, " CHECK ");
		if (ALTER_DOMAIN() || buf_puts(s, " DROP CONSTRAINT ") ||
		    buf_putn(s, name, sp ? (size_t)(sp - name) : strlen(name)) || buf_puts(s, ";\n"))
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->nlabels; i++)
		if (!sc_strv_has(a->labels, a->nlabels, b->labels[i]) &&
		    (ALTER_DOMAIN() || buf_printf(s, " ADD %s;\n", b->labels[i])))
			return STRATA_ERROR;
#undef ALTER_DOMAIN
	return 0;
}

static int alter_object(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	const char *detail = "changed";

	switch (b->kind) {
	case SC_TABLE:
		return alter_table(d, s, a, b);
	case SC_ENUM:
		if (alter_enum(d, s, a, b) != 0)
			return STRATA_ERROR;
		break;
	case SC_DOMAIN:
		if (alter_domain(d, s, a, b) != 0)
			return STRATA_ERROR;
		break;
	case SC_EXTENSION:
		if (!sc_str_eq(a->options, b->options) &&
		    (buf_puts(s, "ALTER EXTENSION ") || put_name(s, b) ||
		     buf_puts(s, " SET SCHEMA ") || sc_put_ident(s, b->options) || buf_puts(s, ";\n")))
			return STRATA_ERROR;
		if (d->opts->extension_versions && !sc_str_eq(a->result_type, b->result_type) &&
		    (buf_puts(s, "ALTER EXTENSION ") || put_name(s, b) || buf_puts(s, " UPDATE TO ") ||
		     buf_put_sql_literal(s, b->result_type) || buf_puts(s, ";\n")))
			return STRATA_ERROR;
		break;
	case SC_SEQUENCE:
		if (!sc_str_eq(a->def, b->def)) {
			if (buf_puts(s, "ALTER SEQUENCE ") || put_name(s, b) ||
			    buf_printf(s, " %s%s;\n", b->def, strstr(b->def, " CYCLE") ? "" : " NO CYCLE"))
				return STRATA_ERROR;
		}
		break;
	case SC_FUNCTION:
		if (!sc_str_eq(a->def, b->def) &&
		    (put_trimmed(s, b->def) || buf_puts(s, ";\n")))
			return STRATA_ERROR;
		detail = "body changed";
		break;
	case SC_TRIGGER:
		if (a->relkind != b->relkind && put_trigger_state(s, b))
			return STRATA_ERROR;
		break;
	default:
		break;
	}
	if (!sc_str_eq(a->comment, b->comment) && b->kind != SC_EXTENSION &&
	    put_comment(s, b, b->comment) != 0)
		return STRATA_ERROR;
	if (put_grant_changes(d, s, a, b) != 0)
		return STRATA_ERROR;
	return s->len ? emit(d, SC_OP_ALTER, b, NULL, detail, s, 0) : 0;
}

static int put_owned_by(strata_buf *s, const sc_object *seq)
{
	return buf_puts(s, "ALTER SEQUENCE ") || put_name(s, seq) ||
		       buf_printf(s, " OWNED BY %s;\n", seq->owned_by ? seq->owned_by : "NONE")
		       ? STRATA_ERROR
		       : 0;
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
		return o->ref_table && map_has(&d->dropped, o->ref_table) &&
		       !map_has(&d->recreated, o->ref_table);
	if (o->kind == SC_CONSTRAINT && o->contype == 'f')
		return 0;
	owner = owner_of(d->a, o);
	return owner && map_has(&d->dropped, owner->key);
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
		if (!(key = sc_make_key(kinds[i], o->schema, NULL, o->name)))
			return 0;
		hit = sc_catalog_find(b, key) != NULL;
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
		int recreated = map_has(&d->recreated, o->key);

		if (!map_has(&d->dropped, o->key) || dropped_with_owner(d, o) ||
		    map_has(&d->early, o->key))
			continue;
		/* Recreated objects go first (they are created again in phase
		 * 2); removed ones by kind. */
		if ((recreated || name_taken(d->b, o) ? 0 : drops_late(o)) != late)
			continue;
		rc = nodes_add(&ns, NODE_DROP, o, NULL, o->key);
	}
	if (rc == 0 && late) /* the old versions of replaced enums */
		for (size_t i = 0; rc == 0 && i < d->a->n; i++)
			if (map_has(&d->replaced, d->a->objs[i]->key))
				rc = nodes_add(&ns, NODE_DROP, d->a->objs[i], NULL, d->a->objs[i]->key);
	if (rc == 0)
		rc = nodes_index(&ns);
	if (rc == 0)
		rc = walk_nodes(&ns, d->a, &order);
	/* The walk puts dependencies first; drops go the other way. */
	for (size_t i = ns.n; rc == 0 && i-- > 0;) {
		const sc_object *o = order[i]->a;

		if (map_has(&d->replaced, o->key)) { /* drop the renamed old type */
			char old[64];

			snprintf(old, sizeof(old), "%.50s__strata_old", o->name);
			rc = buf_puts(&s, "DROP TYPE ") || sc_put_qualified(&s, o->schema, old) ||
			     buf_puts(&s, ";\n") ||
			     emit(d, SC_OP_DROP, o, NULL, "old version of a replaced type", &s, 0);
			continue;
		}
		rc = put_drop(&s, o);
		if (rc == 0)
			rc = emit(d, SC_OP_DROP, o, NULL,
				  map_has(&d->recreated, o->key) ? "dropped to be recreated"
								 : "not in the target",
				  &s, !map_has(&d->recreated, o->key) && drop_destroys_data(o));
	}
	strata_free(order);
	nodes_release(&ns);
	buf_release(&s);
	return rc;
}

/* A new sequence owned by a column that was an identity (identity ->
 * serial) carries on after the column's values. */
static int put_continue_after_identity(pgd *d, strata_buf *s, const sc_object *seq)
{
	const sc_object *t = seq->ref_table ? sc_catalog_find(d->a, seq->ref_table) : NULL;
	int rc = 0;

	for (size_t i = 0; t && rc == 0 && i < t->ncols; i++) {
		strata_buf owner = STRATA_BUF_INIT;

		if (early_done(d, t, t->cols[i].name) != EARLY_IDENTITY_DROPPED)
			continue;
		rc = put_column_ref(&owner, t, t->cols[i].name);
		if (!rc && sc_str_eq(buf_cstr(&owner), seq->owned_by))
			rc = put_continue_sequence(s, t, t->cols[i].name);
		buf_release(&owner);
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
		const sc_object *ob = d->b->objs[i], *oa = sc_catalog_find(d->a, ob->key);

		if (!oa || map_has(&d->recreated, ob->key))
			rc = nodes_add(&ns, NODE_CREATE, NULL, ob, ob->key);
		else
			rc = nodes_add(&ns, NODE_ALTER, oa, ob, ob->key);
	}
	/* Sequences owned by a column: after their table exists. */
	for (size_t i = 0; rc == 0 && i < d->b->n; i++) {
		const sc_object *ob = d->b->objs[i], *oa = sc_catalog_find(d->a, ob->key);

		if (ob->kind != SC_SEQUENCE)
			continue;
		if ((!oa && ob->owned_by) || (oa && !sc_str_eq(oa->owned_by, ob->owned_by)))
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
			rc = put_create(d, &s, nd->b) ||
			     emit(d, SC_OP_CREATE, nd->b, NULL,
				  map_has(&d->recreated, nd->key) ? "recreated" : "not in the source",
				  &s, 0);
			break;
		case NODE_ALTER:
			rc = alter_object(d, &s, nd->a, nd->b);
			break;
		case NODE_OWNED:
			rc = put_owned_by(&s, nd->b) ||
			     (!nd->a && put_continue_after_identity(d, &s, nd->b)) ||
			     emit(d, SC_OP_ALTER, nd->b, NULL, "owner column", &s, 0);
			break;
		default:
			break;
		}
	}
	strata_free(order);
	nodes_release(&ns);
	buf_release(&s);
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

		if (a->kind != SC_TABLE || !a->partition_of || map_has(&d->dropped, a->key) ||
		    !(b = sc_catalog_find(d->b, a->key)))
			continue;
		if (sc_str_eq(a->partition_of, b->partition_of) &&
		    sc_str_eq(a->partition_bound, b->partition_bound))
			continue;
		rc = buf_printf(&s, "ALTER TABLE %s DETACH PARTITION ", a->partition_of) ||
		     sc_put_qualified(&s, a->schema, a->name) || buf_puts(&s, ";\n") ||
		     emit(d, SC_OP_ALTER, b, NULL, "detached from its partitioned table", &s, 0);
	}
	buf_release(&s);
	return rc ? STRATA_ERROR : 0;
}

/* The sequence of a that a serial column owns and b no longer has. */
static const sc_object *released_serial_sequence(const pgd *d, const sc_object *t,
						 const sc_column *c)
{
	const sc_object *hit = NULL;
	strata_buf want = STRATA_BUF_INIT;

	if (put_column_ref(&want, t, c->name) != 0) {
		buf_release(&want);
		return NULL;
	}
	for (size_t i = 0; !hit && i < d->a->n; i++) {
		const sc_object *o = d->a->objs[i];

		if (o->kind == SC_SEQUENCE && sc_str_eq(o->owned_by, buf_cstr(&want)) &&
		    map_has(&d->dropped, o->key) && !map_has(&d->recreated, o->key))
			hit = o;
	}
	buf_release(&want);
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
 * sequence here (alter_column adds the identity later). In both directions
 * the new sequence carries on after the column's largest value. */
static int identity_phase(pgd *d)
{
	strata_buf s = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->a->n; i++) {
		const sc_object *ta = d->a->objs[i], *tb;

		if (ta->kind != SC_TABLE || map_has(&d->dropped, ta->key) ||
		    !(tb = sc_catalog_find(d->b, ta->key)))
			continue;
		for (size_t c = 0; rc == 0 && c < ta->ncols; c++) {
			const sc_column *ca = &ta->cols[c], *cb = find_column(tb, ca->name);
			const sc_object *seq = NULL;
			void *what = NULL;
			char *key;

			if (!cb || cb->generated)
				continue;
			if (ca->identity && !cb->identity) {
				rc = put_alter_table(&s, tb) || buf_puts(&s, " ALTER COLUMN ") ||
				     sc_put_ident(&s, ca->name) || buf_puts(&s, " DROP IDENTITY;\n");
				what = EARLY_IDENTITY_DROPPED;
			} else if (!ca->identity && cb->identity && ca->default_expr &&
				   (seq = released_serial_sequence(d, ta, ca))) {
				rc = put_alter_table(&s, tb) || buf_puts(&s, " ALTER COLUMN ") ||
				     sc_put_ident(&s, ca->name) || buf_puts(&s, " DROP DEFAULT;\n") ||
				     buf_puts(&s, "DROP SEQUENCE ") ||
				     sc_put_qualified(&s, seq->schema, seq->name) || buf_puts(&s, ";\n");
				what = EARLY_SERIAL_RELEASED;
			}
			if (rc || !what)
				continue;
			rc = !(key = col_key(ta, ca->name)) || keep(d, key) ||
			     map_put(&d->early, key, what) ||
			     (seq && map_put(&d->early, seq->key, what)) ||
			     emit(d, SC_OP_ALTER, tb, ca->name, (const char *)what, &s, 0);
		}
	}
	buf_release(&s);
	return rc ? STRATA_ERROR : 0;
}

int sc_diff_pg(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
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
	map_release(&d.dropped);
	map_release(&d.recreated);
	map_release(&d.replaced);
	map_release(&d.changed_cols);
	map_release(&d.cascaded);
	map_release(&d.early);
	for (size_t i = 0; i < d.nowned; i++)
		strata_free(d.owned[i]);
	strata_free(d.owned);
	if (rc != 0 && !strata_error_last()->code)
		strata_error_set(STRATA_ERROR, "out of memory while comparing schemas");
	return rc;
}
