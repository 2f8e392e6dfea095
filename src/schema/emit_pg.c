/*
 * schema/emit_pg.c - the SQL of the PostgreSQL diff: CREATE, ALTER and
 * DROP statements for each kind of object, comments, grants and settings,
 * and the sc_change records they go into (see diff_pg_int.h).
 *
 * Layer: schema. Works on the decisions diff_pg.c has made (which objects
 * are dropped, recreated, replaced, which columns retyped); it decides
 * nothing itself. Names go through strata__sc_put_qualified / strata__sc_put_ident and
 * literals through strata__buf_put_sql_literal, never pasted as they are.
 *
 * A new object kind: strata__emit_pg_create(), strata__emit_pg_drop() and
 * strata__emit_pg_alter_object() here, needs_recreate() in diff_pg.c.
 */
#include "schema/diff_pg_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- names and small SQL pieces ----------------------------------------- */

static int put_name(strata_buf *b, const sc_object *o)
{
	if (o->kind == SC_FUNCTION)
		return strata__sc_put_qualified(b, o->schema, o->func_name) != 0 ||
		       strata__buf_printf(b, "(%s)", o->func_args ? o->func_args : "") != 0;
	if (o->kind == SC_EXTENSION || o->kind == SC_SCHEMA)
		return strata__sc_put_ident(b, o->name);
	if (o->kind == SC_INDEX)
		return strata__sc_put_qualified(b, o->schema, o->name);
	if (o->table) /* constraint, trigger, policy: "name ON table" */
		return strata__sc_put_ident(b, o->name) != 0 || strata__buf_puts(b, " ON ") != 0 ||
		       strata__sc_put_qualified(b, o->schema, o->table) != 0;
	return strata__sc_put_qualified(b, o->schema, o->name);
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

	if ((o->schema && strata__buf_printf(&b, "%s.", o->schema) != 0) ||
	    (o->table && strata__buf_printf(&b, "%s.", o->table) != 0) || strata__buf_puts(&b, o->name) != 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

int strata__emit_pg_change(pgd *d, sc_change_op op, const sc_object *o, const char *object_suffix,
		   const char *detail, strata_buf *sql, int destructive)
{
	char *name = display(o);
	strata_buf obj = STRATA_BUF_INIT;
	int rc;

	if (!name || strata__buf_puts(&obj, name) != 0 ||
	    (object_suffix && strata__buf_printf(&obj, ".%s", object_suffix) != 0)) {
		strata_free(name);
		strata__buf_release(&obj);
		return STRATA_ERROR;
	}
	rc = strata__sc_changes_add(d->out, op, object_suffix ? SC_COLUMN : o->kind, strata__buf_cstr(&obj), detail,
			    sql && sql->len ? strata__buf_cstr(sql) : NULL, destructive);
	if (rc == 0) {
		sc_change *ch = &d->out->v[d->out->n - 1];

		strata__sc_change_link(ch, d->a, d->b, o->key);
		ch->consequential = strata__map_has(&d->cascaded, o->key) && !object_suffix;
		if (!(ch->key = strata_strdup(o->key)) ||
		    (object_suffix && !(ch->column = strata_strdup(object_suffix))))
			rc = STRATA_ERROR;
		ch->not_null_at = d->not_null_at;
		ch->not_null_len = d->not_null_len;
	}
	d->not_null_at = d->not_null_len = 0;
	strata_free(name);
	strata__buf_release(&obj);
	strata__buf_clear(sql);
	return rc;
}

static int put_comment(strata_buf *s, const sc_object *o, const char *comment)
{
	if (strata__buf_printf(s, "COMMENT ON %s ", kind_sql(o)) != 0 || put_name(s, o) != 0 ||
	    strata__buf_puts(s, " IS ") != 0)
		return STRATA_ERROR;
	if (comment ? strata__buf_put_sql_literal(s, comment) : strata__buf_puts(s, "NULL"))
		return STRATA_ERROR;
	return strata__buf_puts(s, ";\n");
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
	if (strata__buf_putn(&who, to + 4, wlen) != 0)
		return STRATA_ERROR;
	rc = strata__buf_printf(s, "%s %.*s ON %s ", revoke ? "REVOKE" : "GRANT", (int)(to - grant), grant,
			on) != 0 || put_name(s, o) != 0 ||
	     strata__buf_printf(s, " %s %s;\n", revoke ? "FROM" : "TO", strata__buf_cstr(&who)) != 0;
	strata__buf_release(&who);
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
		if (!strata__sc_strv_has(b->grants, b->ngrants, av[i]) && put_grant(s, b, av[i], 1) != 0)
			return STRATA_ERROR;
	for (size_t i = 0; i < b->ngrants; i++)
		if (!strata__sc_strv_has(av, an, b->grants[i]) && put_grant(s, b, b->grants[i], 0) != 0)
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
	return strata__buf_putn(s, def, n);
}

static int put_column_def(strata_buf *s, const sc_column *c)
{
	if (strata__sc_put_ident(s, c->name) != 0 || strata__buf_printf(s, " %s", c->type) != 0 ||
	    (c->collation && strata__buf_printf(s, " COLLATE %s", c->collation) != 0))
		return STRATA_ERROR;
	if (c->generated && strata__buf_printf(s, " GENERATED ALWAYS AS (%s) %s", c->generated,
				       c->virtual_generated ? "VIRTUAL" : "STORED") != 0)
		return STRATA_ERROR;
	if (c->default_expr && strata__buf_printf(s, " DEFAULT %s", c->default_expr) != 0)
		return STRATA_ERROR;
	if (c->identity && strata__buf_printf(s, " GENERATED %s AS IDENTITY",
				      c->identity == 'a' ? "ALWAYS" : "BY DEFAULT") != 0)
		return STRATA_ERROR;
	if (c->not_null && strata__buf_puts(s, " NOT NULL") != 0)
		return STRATA_ERROR;
	return 0;
}

static int put_column_comment(strata_buf *s, const sc_object *t, const sc_column *c,
			      const char *comment)
{
	if (strata__buf_puts(s, "COMMENT ON COLUMN ") != 0 || strata__sc_put_qualified(s, t->schema, t->name) != 0 ||
	    strata__buf_putc(s, '.') != 0 || strata__sc_put_ident(s, c->name) != 0 || strata__buf_puts(s, " IS ") != 0)
		return STRATA_ERROR;
	if (comment ? strata__buf_put_sql_literal(s, comment) : strata__buf_puts(s, "NULL"))
		return STRATA_ERROR;
	return strata__buf_puts(s, ";\n");
}

int strata__emit_pg_alter_table(strata_buf *s, const sc_object *t)
{
	return strata__buf_puts(s, "ALTER TABLE ") != 0 || strata__sc_put_qualified(s, t->schema, t->name) != 0
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
	if (strata__buf_puts(s, "ALTER TABLE ") != 0 || strata__sc_put_qualified(s, o->schema, o->table) != 0 ||
	    strata__buf_printf(s, " %s ", trigger_state_sql(o->relkind)) != 0 || strata__sc_put_ident(s, o->name) != 0)
		return STRATA_ERROR;
	return strata__buf_puts(s, ";\n");
}

static int put_rls(strata_buf *s, const sc_object *t, int enabled)
{
	if (strata__emit_pg_alter_table(s, t) != 0 ||
	    strata__buf_printf(s, " %s ROW LEVEL SECURITY;\n", enabled ? "ENABLE" : "DISABLE") != 0)
		return STRATA_ERROR;
	return 0;
}

static int put_force_rls(strata_buf *s, const sc_object *t, int forced)
{
	if (strata__emit_pg_alter_table(s, t) != 0 ||
	    strata__buf_printf(s, " %s ROW LEVEL SECURITY;\n", forced ? "FORCE" : "NO FORCE") != 0)
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

	if (strata__buf_printf(s, "CREATE %sTABLE ", has_unlogged(t->options) ? "UNLOGGED " : "") != 0 ||
	    strata__sc_put_qualified(s, t->schema, t->name) != 0)
		return STRATA_ERROR;
	if (t->partition_of) {
		if (strata__buf_printf(s, " PARTITION OF %s %s", t->partition_of, t->partition_bound) != 0)
			return STRATA_ERROR;
	} else {
		if (strata__buf_puts(s, " (") != 0)
			return STRATA_ERROR;
		for (size_t i = 0; i < t->ncols; i++) {
			if (t->cols[i].inherited)
				continue;
			if (strata__buf_puts(s, first ? "\n    " : ",\n    ") != 0 ||
			    put_column_def(s, &t->cols[i]) != 0)
				return STRATA_ERROR;
			first = 0;
		}
		if (strata__buf_puts(s, first ? ")" : "\n)") != 0)
			return STRATA_ERROR;
		if (t->inherits && strata__buf_printf(s, " INHERITS (%s)", t->inherits) != 0)
			return STRATA_ERROR;
	}
	if (t->partition_key && strata__buf_printf(s, " PARTITION BY %s", t->partition_key) != 0)
		return STRATA_ERROR;
	if (opts && strata__buf_printf(s, " WITH (%s)", opts) != 0)
		return STRATA_ERROR;
	if (strata__buf_puts(s, ";\n") != 0)
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
		if ((i && strata__buf_puts(s, ", ") != 0) || strata__buf_put_sql_literal(s, labels[i]) != 0)
			return STRATA_ERROR;
	return 0;
}

int strata__emit_pg_create(pgd *d, strata_buf *s, const sc_object *o)
{
	int rc = 0;

	switch (o->kind) {
	case SC_SCHEMA:
		rc = strata__buf_puts(s, "CREATE SCHEMA IF NOT EXISTS ") || put_name(s, o) ||
		     strata__buf_puts(s, ";\n");
		break;
	case SC_EXTENSION:
		rc = strata__buf_puts(s, "CREATE EXTENSION IF NOT EXISTS ") || put_name(s, o) ||
		     strata__buf_puts(s, " WITH SCHEMA ") || strata__sc_put_ident(s, o->options) ||
		     (d->opts->extension_versions &&
		      (strata__buf_puts(s, " VERSION ") || strata__buf_put_sql_literal(s, o->result_type))) ||
		     strata__buf_puts(s, ";\n");
		break;
	case SC_COLLATION:
		rc = strata__buf_puts(s, "CREATE COLLATION ") || put_name(s, o) ||
		     strata__buf_printf(s, " (%s);\n", o->def);
		break;
	case SC_ENUM:
		rc = strata__buf_puts(s, "CREATE TYPE ") || put_name(s, o) || strata__buf_puts(s, " AS ENUM (") ||
		     put_labels(s, o->labels, o->nlabels) || strata__buf_puts(s, ");\n");
		break;
	case SC_DOMAIN:
		rc = strata__buf_puts(s, "CREATE DOMAIN ") || put_name(s, o) ||
		     strata__buf_printf(s, " AS %s", o->result_type);
		if (!rc && o->domain_default)
			rc = strata__buf_printf(s, " DEFAULT %s", o->domain_default);
		if (!rc && o->domain_not_null)
			rc = strata__buf_puts(s, " NOT NULL");
		for (size_t i = 0; !rc && i < o->nlabels; i++)
			rc = strata__buf_printf(s, " %s", o->labels[i]);
		rc = rc || strata__buf_puts(s, ";\n");
		break;
	case SC_COMPOSITE:
		rc = strata__buf_puts(s, "CREATE TYPE ") || put_name(s, o) || strata__buf_puts(s, " AS (");
		for (size_t i = 0; !rc && i < o->ncols; i++)
			rc = (i && strata__buf_puts(s, ", ")) || strata__sc_put_ident(s, o->cols[i].name) ||
			     strata__buf_printf(s, " %s", o->cols[i].type) ||
			     (o->cols[i].collation &&
			      strata__buf_printf(s, " COLLATE %s", o->cols[i].collation));
		rc = rc || strata__buf_puts(s, ");\n");
		break;
	case SC_SEQUENCE:
		rc = strata__buf_puts(s, "CREATE SEQUENCE ") || put_name(s, o) ||
		     strata__buf_printf(s, " %s;\n", o->def);
		break;
	case SC_FUNCTION:
		if (!d->functions_created) {
			/* Bodies may name tables created further down. */
			rc = strata__buf_puts(s, "SET check_function_bodies = off;\n");
			d->functions_created = 1;
		}
		rc = rc || put_trimmed(s, o->def) || strata__buf_puts(s, ";\n");
		break;
	case SC_TABLE:
		rc = put_create_table(s, o);
		break;
	case SC_VIEW:
		rc = strata__buf_puts(s, "CREATE VIEW ") || put_name(s, o) ||
		     (o->options && strata__buf_printf(s, " WITH (%s)", o->options)) ||
		     strata__buf_puts(s, " AS\n") || put_trimmed(s, o->def) || strata__buf_puts(s, ";\n");
		break;
	case SC_MATVIEW:
		rc = strata__buf_puts(s, "CREATE MATERIALIZED VIEW ") || put_name(s, o) ||
		     (o->options && strata__buf_printf(s, " WITH (%s)", o->options)) ||
		     strata__buf_puts(s, " AS\n") || put_trimmed(s, o->def) || strata__buf_puts(s, "\nWITH DATA;\n");
		break;
	case SC_INDEX:
		rc = put_trimmed(s, o->def) || strata__buf_puts(s, ";\n");
		break;
	case SC_CONSTRAINT:
		rc = strata__buf_puts(s, "ALTER TABLE ") || strata__sc_put_qualified(s, o->schema, o->table) ||
		     strata__buf_puts(s, " ADD CONSTRAINT ") || strata__sc_put_ident(s, o->name) ||
		     strata__buf_printf(s, " %s;\n", o->def);
		break;
	case SC_TRIGGER:
		rc = put_trimmed(s, o->def) || strata__buf_puts(s, ";\n") ||
		     (o->relkind && o->relkind != 'O' && put_trigger_state(s, o));
		break;
	case SC_POLICY:
		rc = strata__buf_puts(s, "CREATE POLICY ") || put_name(s, o) || strata__buf_printf(s, " %s;\n", o->def);
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

int strata__emit_pg_drop(strata_buf *s, const sc_object *o)
{
	if (o->kind == SC_CONSTRAINT)
		return strata__buf_puts(s, "ALTER TABLE ") || strata__sc_put_qualified(s, o->schema, o->table) ||
			       strata__buf_puts(s, " DROP CONSTRAINT ") || strata__sc_put_ident(s, o->name) ||
			       strata__buf_puts(s, ";\n")
			       ? STRATA_ERROR
			       : 0;
	return strata__buf_printf(s, "DROP %s ", kind_sql(o)) || put_name(s, o) || strata__buf_puts(s, ";\n")
		       ? STRATA_ERROR
		       : 0;
}

/* --- ALTER --------------------------------------------------------------- */

static int alter_enum(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	if (strata__map_has(&d->replaced, a->key)) {
		char old[64];

		snprintf(old, sizeof(old), "%.50s__strata_old", a->name);
		if (strata__buf_puts(s, "ALTER TYPE ") || put_name(s, a) || strata__buf_puts(s, " RENAME TO ") ||
		    strata__sc_put_ident(s, old) || strata__buf_puts(s, ";\n") || strata__emit_pg_create(d, s, b) != 0)
			return STRATA_ERROR;
		return strata__emit_pg_change(d, SC_OP_ALTER, b, NULL,
				      "values removed or reordered: type replaced", s, 1);
	}
	for (size_t i = 0; i < b->nlabels; i++) {
		int have = strata__sc_strv_has(a->labels, a->nlabels, b->labels[i]);

		if (have)
			continue;
		if (strata__buf_puts(s, "ALTER TYPE ") || put_name(s, b) || strata__buf_puts(s, " ADD VALUE ") ||
		    strata__buf_put_sql_literal(s, b->labels[i]))
			return STRATA_ERROR;
		if (i > 0) {
			if (strata__buf_puts(s, " AFTER ") || strata__buf_put_sql_literal(s, b->labels[i - 1]))
				return STRATA_ERROR;
		} else {
			for (size_t j = 1; j < b->nlabels; j++)
				if (strata__sc_strv_has(a->labels, a->nlabels, b->labels[j])) {
					if (strata__buf_puts(s, " BEFORE ") ||
					    strata__buf_put_sql_literal(s, b->labels[j]))
						return STRATA_ERROR;
					break;
				}
		}
		if (strata__buf_puts(s, ";\n"))
			return STRATA_ERROR;
	}
	return s->len ? strata__emit_pg_change(d, SC_OP_ALTER, b, NULL, "values added", s, 0) : 0;
}

/* "schema"."table"."column", as a sequence's owned_by reads. */
int strata__emit_pg_column_ref(strata_buf *s, const sc_object *t, const char *col)
{
	return strata__sc_put_qualified(s, t->schema, t->name) || strata__buf_putc(s, '.') ||
		       strata__sc_put_ident(s, col)
		       ? STRATA_ERROR
		       : 0;
}

/* The column's sequence (its identity's or the one it owns) carries on
 * after the largest value the column holds, so that a sequence made for
 * a column that already has rows does not hand out their values again. */
int strata__emit_pg_continue_sequence(strata_buf *s, const sc_object *t, const char *col)
{
	strata_buf name = STRATA_BUF_INIT;
	int rc = strata__sc_put_qualified(&name, t->schema, t->name) ||
		 strata__buf_puts(s, "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(") ||
		 strata__buf_put_sql_literal(s, strata__buf_cstr(&name)) || strata__buf_puts(s, ", ") ||
		 strata__buf_put_sql_literal(s, col) || strata__buf_puts(s, "), COALESCE(max(") ||
		 strata__sc_put_ident(s, col) || strata__buf_puts(s, "), 0) + 1, false) FROM ") ||
		 strata__buf_puts(s, strata__buf_cstr(&name)) || strata__buf_puts(s, ";\n");

	strata__buf_release(&name);
	return rc ? STRATA_ERROR : 0;
}

int strata__emit_pg_alter_column(pgd *d, strata_buf *s, const sc_object *tb, const sc_column *ca,
			 const sc_column *cb)
{
	strata_buf detail = STRATA_BUF_INIT;
	int destructive = 0, rc = 0;
	const char *a_default = ca->default_expr;
	const void *early = strata__diff_pg_early_done(d, tb, ca->name);

	if (early == EARLY_SERIAL_RELEASED)
		a_default = NULL;

#define ALTER_COL()                                                                       \
	(strata__emit_pg_alter_table(s, tb) || strata__buf_puts(s, " ALTER COLUMN ") || strata__sc_put_ident(s, cb->name))

	if (ca->generated && !cb->generated &&
	    (ca->virtual_generated ||
	     (d->a->server_version > 0 && d->a->server_version < 130000))) {
		/* ALTER COLUMN ... DROP EXPRESSION is from PostgreSQL 13, and
		 * not for a VIRTUAL column (18): there a column stops being
		 * generated only by being made again. */
		rc = strata__emit_pg_alter_table(s, tb) || strata__buf_puts(s, " DROP COLUMN ") ||
		     strata__sc_put_ident(s, ca->name) || strata__buf_puts(s, ";\n") || strata__emit_pg_alter_table(s, tb) ||
		     strata__buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) || strata__buf_puts(s, ";\n") ||
		     strata__buf_puts(&detail, ca->virtual_generated
					       ? "no longer generated: a virtual column's expression "
						 "cannot be dropped, so the column is dropped and added "
						 "again and its values are lost"
					       : "no longer generated: PostgreSQL 12 cannot drop the "
						 "expression (13 can), so the column is dropped and added "
						 "again and its values are lost");
		destructive = 1;
		goto done;
	}
	if (strata__diff_pg_generated_changes(ca, cb)) {
		rc = strata__emit_pg_alter_table(s, tb) || strata__buf_puts(s, " DROP COLUMN ") ||
		     strata__sc_put_ident(s, ca->name) || strata__buf_puts(s, ";\n") || strata__emit_pg_alter_table(s, tb) ||
		     strata__buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) || strata__buf_puts(s, ";\n") ||
		     strata__buf_puts(&detail, "generated expression changed");
		goto done;
	}
	if (ca->generated && !cb->generated) {
		rc = ALTER_COL() || strata__buf_puts(s, " DROP EXPRESSION;\n") ||
		     strata__buf_puts(&detail, "no longer generated; ");
	}
	if (!rc && strata__diff_pg_column_retyped(d, ca, cb)) {
		const sc_object *e = strata__diff_pg_replaced_enum_of(d, cb->type);
		int through_text = e || strata__diff_pg_is_enum_type(d->a, ca->type) ||
				   strata__diff_pg_is_enum_type(d->b, cb->type);
		const char *via = through_text ? (strstr(cb->type, "[]") ? "::text[]" : "::text") : "";

		if (a_default) {
			rc = ALTER_COL() || strata__buf_puts(s, " DROP DEFAULT;\n");
			a_default = NULL;
		}
		rc = rc || ALTER_COL() || strata__buf_printf(s, " TYPE %s", cb->type) ||
		     (cb->collation && strata__buf_printf(s, " COLLATE %s", cb->collation)) ||
		     strata__buf_puts(s, " USING ") || strata__sc_put_ident(s, cb->name) ||
		     strata__buf_printf(s, "%s::%s;\n", via, cb->type) ||
		     strata__buf_printf(&detail, "type %s -> %s; ", ca->type, cb->type);
		destructive = 1;
	}
	if (!rc && ca->identity != cb->identity && ca->identity && !cb->identity &&
	    early != EARLY_IDENTITY_DROPPED)
		rc = ALTER_COL() || strata__buf_puts(s, " DROP IDENTITY;\n") ||
		     strata__buf_puts(&detail, "identity dropped; ");
	if (!rc && !strata__sc_str_eq(a_default, cb->default_expr) && !cb->generated) {
		if (cb->default_expr)
			rc = ALTER_COL() || strata__buf_printf(s, " SET DEFAULT %s;\n", cb->default_expr);
		else
			rc = ALTER_COL() || strata__buf_puts(s, " DROP DEFAULT;\n");
		rc = rc || strata__buf_printf(&detail, "default %s -> %s; ", a_default ? a_default : "none",
				      cb->default_expr ? cb->default_expr : "none");
	}
	if (!rc && ca->not_null != cb->not_null) {
		size_t at = s->len;

		rc = ALTER_COL() || strata__buf_printf(s, " %s NOT NULL;\n", cb->not_null ? "SET" : "DROP") ||
		     strata__buf_printf(&detail, "%s; ", cb->not_null ? "NOT NULL" : "nullable");
		d->not_null_at = at;
		d->not_null_len = s->len - at;
	}
	if (!rc && ca->identity != cb->identity && cb->identity) {
		const char *how = cb->identity == 'a' ? "ALWAYS" : "BY DEFAULT";

		rc = ALTER_COL() ||
		     (ca->identity ? strata__buf_printf(s, " SET GENERATED %s;\n", how)
				   : strata__buf_printf(s, " ADD GENERATED %s AS IDENTITY;\n", how) ||
						 strata__emit_pg_continue_sequence(s, tb, cb->name)) ||
		     strata__buf_printf(&detail, "identity %s; ", how);
	}
	if (!rc && !strata__sc_str_eq(ca->comment, cb->comment))
		rc = put_column_comment(s, tb, cb, cb->comment) || strata__buf_puts(&detail, "comment; ");
#undef ALTER_COL
done:
	if (!rc && s->len) {
		if (detail.len >= 2 && detail.ptr[detail.len - 2] == ';')
			strata__buf_truncate(&detail, detail.len - 2);
		rc = strata__emit_pg_change(d, SC_OP_ALTER, tb, cb->name, strata__buf_cstr(&detail), s, destructive);
	}
	strata__buf_release(&detail);
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
		     (strata__emit_pg_alter_table(s, b) || strata__buf_printf(s, " %s %s;\n", verb, item));
		strata_free(item);
		if (rc)
			return STRATA_ERROR;
		p = end ? end + 2 : NULL;
	}
	return 0;
}

static int alter_table(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
	int moved = !strata__sc_str_eq(a->partition_of, b->partition_of) ||
		    !strata__sc_str_eq(a->partition_bound, b->partition_bound);

	/* (Partitions that move were detached in phase 1, before their
	 * parent's columns change.) */
	if (!strata__sc_str_eq(a->inherits, b->inherits) &&
	    inherit_changes(s, b, a->inherits, b->inherits, "NO INHERIT"))
		return STRATA_ERROR;
	/* Drops first (names may be reused), then changes, then adds. A
	 * column the target inherits follows its parent's changes. */
	for (size_t i = 0; i < a->ncols; i++) {
		const sc_column *ca = &a->cols[i];

		if (ca->inherited || strata__diff_pg_find_column(b, ca->name))
			continue;
		if (strata__emit_pg_alter_table(s, b) || strata__buf_puts(s, " DROP COLUMN ") ||
		    strata__sc_put_ident(s, ca->name) || strata__buf_puts(s, ";\n") ||
		    strata__emit_pg_change(d, SC_OP_DROP, b, ca->name, "column dropped", s, 1) != 0)
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		const sc_column *cb = &b->cols[i], *ca = strata__diff_pg_find_column(a, cb->name);

		if (cb->inherited || !ca)
			continue;
		if (ca->inherited && !moved && strata__sc_str_eq(a->inherits, b->inherits)) {
			/* Inherited before, its own now: it goes when the parent
			 * drops it, so it is added back (IF NOT EXISTS: the parent
			 * may keep it, and then it stays as it is). */
			if (strata__emit_pg_alter_table(s, b) || strata__buf_puts(s, " ADD COLUMN IF NOT EXISTS ") ||
			    put_column_def(s, cb) || strata__buf_puts(s, ";\n") ||
			    strata__emit_pg_change(d, SC_OP_ALTER, b, cb->name, "no longer inherited", s, 0) != 0)
				return STRATA_ERROR;
			continue;
		}
		if (strata__emit_pg_alter_column(d, s, b, ca, cb) != 0)
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		const sc_column *cb = &b->cols[i];

		if (cb->inherited || strata__diff_pg_find_column(a, cb->name))
			continue;
		if (strata__emit_pg_alter_table(s, b) || strata__buf_puts(s, " ADD COLUMN ") || put_column_def(s, cb) ||
		    strata__buf_puts(s, ";\n") ||
		    (cb->comment && put_column_comment(s, b, cb, cb->comment)) ||
		    strata__emit_pg_change(d, SC_OP_CREATE, b, cb->name, "column added", s, 0) != 0)
			return STRATA_ERROR;
	}
	/* The table itself; attached last, once its columns match. */
	if (moved && b->partition_of &&
	    (strata__buf_printf(s, "ALTER TABLE %s ATTACH PARTITION ", b->partition_of) ||
	     strata__sc_put_qualified(s, b->schema, b->name) || strata__buf_printf(s, " %s;\n", b->partition_bound)))
		return STRATA_ERROR;
	if (!strata__sc_str_eq(a->inherits, b->inherits) &&
	    inherit_changes(s, b, b->inherits, a->inherits, "INHERIT"))
		return STRATA_ERROR;
	if (has_unlogged(a->options) != has_unlogged(b->options) &&
	    (strata__emit_pg_alter_table(s, b) ||
	     strata__buf_printf(s, " SET %s;\n", has_unlogged(b->options) ? "UNLOGGED" : "LOGGED")))
		return STRATA_ERROR;
	if (!strata__sc_str_eq(storage_options(a->options), storage_options(b->options))) {
		const char *ao = storage_options(a->options), *bo = storage_options(b->options);

		if (ao) {
			if (strata__emit_pg_alter_table(s, b) || strata__buf_puts(s, " RESET ("))
				return STRATA_ERROR;
			for (const char *p = ao; *p;) {
				const char *eq = strchr(p, '='), *end = strstr(p, ", ");

				if (!eq)
					break;
				if (strata__buf_putn(s, p, (size_t)(eq - p)) || (end && strata__buf_puts(s, ", ")))
					return STRATA_ERROR;
				p = end ? end + 2 : "";
			}
			if (strata__buf_puts(s, ");\n"))
				return STRATA_ERROR;
		}
		if (bo && (strata__emit_pg_alter_table(s, b) || strata__buf_printf(s, " SET (%s);\n", bo)))
			return STRATA_ERROR;
	}
	if (a->rls_enabled != b->rls_enabled && put_rls(s, b, b->rls_enabled))
		return STRATA_ERROR;
	if (a->rls_forced != b->rls_forced && put_force_rls(s, b, b->rls_forced))
		return STRATA_ERROR;
	if (!strata__sc_str_eq(a->comment, b->comment) && put_comment(s, b, b->comment))
		return STRATA_ERROR;
	if (put_grant_changes(d, s, a, b))
		return STRATA_ERROR;
	return s->len ? strata__emit_pg_change(d, SC_OP_ALTER, b, NULL, "table changed", s, 0) : 0;
}

static int alter_domain(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
{
#define ALTER_DOMAIN() (strata__buf_puts(s, "ALTER DOMAIN ") || put_name(s, b))
	if (!strata__sc_str_eq(a->domain_default, b->domain_default) &&
	    (ALTER_DOMAIN() ||
	     (b->domain_default ? strata__buf_printf(s, " SET DEFAULT %s;\n", b->domain_default)
				: strata__buf_puts(s, " DROP DEFAULT;\n"))))
		return STRATA_ERROR;
	if (a->domain_not_null != b->domain_not_null &&
	    (ALTER_DOMAIN() || strata__buf_printf(s, " %s NOT NULL;\n", b->domain_not_null ? "SET" : "DROP")))
		return STRATA_ERROR;
	for (size_t i = 0; i < a->nlabels; i++) {
		const char *name = a->labels[i] + strlen("CONSTRAINT "), *sp;

		if (strata__sc_strv_has(b->labels, b->nlabels, a->labels[i]))
			continue;
		/* "CONSTRAINT name CHECK (...)": the name ends at the space before CHECK. */
		sp = strstr(name, " CHECK ");
		if (ALTER_DOMAIN() || strata__buf_puts(s, " DROP CONSTRAINT ") ||
		    strata__buf_putn(s, name, sp ? (size_t)(sp - name) : strlen(name)) || strata__buf_puts(s, ";\n"))
			return STRATA_ERROR;
	}
	for (size_t i = 0; i < b->nlabels; i++)
		if (!strata__sc_strv_has(a->labels, a->nlabels, b->labels[i]) &&
		    (ALTER_DOMAIN() || strata__buf_printf(s, " ADD %s;\n", b->labels[i])))
			return STRATA_ERROR;
#undef ALTER_DOMAIN
	return 0;
}

int strata__emit_pg_alter_object(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b)
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
		if (!strata__sc_str_eq(a->options, b->options) &&
		    (strata__buf_puts(s, "ALTER EXTENSION ") || put_name(s, b) ||
		     strata__buf_puts(s, " SET SCHEMA ") || strata__sc_put_ident(s, b->options) || strata__buf_puts(s, ";\n")))
			return STRATA_ERROR;
		if (d->opts->extension_versions && !strata__sc_str_eq(a->result_type, b->result_type) &&
		    (strata__buf_puts(s, "ALTER EXTENSION ") || put_name(s, b) || strata__buf_puts(s, " UPDATE TO ") ||
		     strata__buf_put_sql_literal(s, b->result_type) || strata__buf_puts(s, ";\n")))
			return STRATA_ERROR;
		break;
	case SC_SEQUENCE:
		if (!strata__sc_str_eq(a->def, b->def)) {
			if (strata__buf_puts(s, "ALTER SEQUENCE ") || put_name(s, b) ||
			    strata__buf_printf(s, " %s%s;\n", b->def, strstr(b->def, " CYCLE") ? "" : " NO CYCLE"))
				return STRATA_ERROR;
		}
		break;
	case SC_FUNCTION:
		if (!strata__sc_str_eq(a->def, b->def) &&
		    (put_trimmed(s, b->def) || strata__buf_puts(s, ";\n")))
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
	if (!strata__sc_str_eq(a->comment, b->comment) && b->kind != SC_EXTENSION &&
	    put_comment(s, b, b->comment) != 0)
		return STRATA_ERROR;
	if (put_grant_changes(d, s, a, b) != 0)
		return STRATA_ERROR;
	return s->len ? strata__emit_pg_change(d, SC_OP_ALTER, b, NULL, detail, s, 0) : 0;
}

int strata__emit_pg_owned_by(strata_buf *s, const sc_object *seq)
{
	return strata__buf_puts(s, "ALTER SEQUENCE ") || put_name(s, seq) ||
		       strata__buf_printf(s, " OWNED BY %s;\n", seq->owned_by ? seq->owned_by : "NONE")
		       ? STRATA_ERROR
		       : 0;
}
