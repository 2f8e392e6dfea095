/*
 * schema/introspect_pg.c - reading a PostgreSQL database's schema into the
 * catalog model (see catalog.h).
 *
 * One catalog query per object kind, never one per table, so the cost
 * grows with the schema and not with round trips. The session's
 * search_path is emptied first, so that every name PostgreSQL prints
 * (format_type, pg_get_viewdef, pg_get_indexdef, ...) is schema-qualified
 * and the definitions of two databases compare as text.
 *
 * Left out: the system schemas, objects that belong to an extension
 * (pg_depend 'e'), strata's own bookkeeping tables, the implicit sequences
 * of identity columns, indexes and constraints that a partition inherits
 * from its parent, and internal triggers. Array types and table row types
 * are reached through their element type and their table.
 *
 * Dependencies come from one pg_depend query: an object's entry is
 * attributed to the object users see (a view's rewrite rule to the view, a
 * column default to its table), and a reference to a table column keeps
 * the column ("column/s.t.c").
 *
 * Scoped reads (strata__sc_introspect_pg_scope, many per strata test run) wrap
 * each query in a filter by oid and run it prepared with generic plans:
 * planning the catalog queries costs more than running them on a scope.
 */
#include "db/db.h"
#include "schema/diff.h"
#include "schema/probe.h"
#include "strata/error.h"
#include "strata/online.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Objects with OIDs below this were made by initdb (FirstNormalObjectId). */
#define USER_OID_MIN "16384"

#define USER_SCHEMA(nsp)                                                                  \
	"(" nsp ".nspname <> 'information_schema' AND " nsp ".nspname NOT LIKE 'pg\\_%')"
#define NOT_EXTENSION_MEMBER(catalog, oid)                                                \
	"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '" catalog        \
	"'::pg_catalog.regclass AND e.objid = " oid " AND e.deptype = 'e')"

#define QUALIFIED(nsp, name) \
	"pg_catalog.quote_ident(" nsp ") || '.' || pg_catalog.quote_ident(" name ")"

/* The oldest server whose catalogs the queries here know (server_version_num). */
#define PG_OLDEST_SUPPORTED 120000

/*
 * A catalog query that differs between server versions, as pg_dump does it:
 * one form per range of versions, newest first, each giving the same
 * columns under the same names (a real column where the version has it, a
 * constant where it does not). The first form whose `since` is at most the
 * server's version_num is the one run; the last form has since 0.
 */
typedef struct pg_query_form {
	int since;
	const char *sql;
} pg_query_form;

typedef struct pg_ctx {
	strata_db *db;
	sc_catalog *cat;
	strata_map by_oid;  /* "catalog:oid" -> sc_object* */
	char **oid_keys;    /* the map's keys, owned here */
	size_t noid_keys, cap_oid_keys;
	const char *skip_schema; /* bookkeeping tables: their schema, or NULL = any */
	const char *skip_version;
	int rc;
} pg_ctx;

static int remember(pg_ctx *x, const char *catalog, const char *oid, sc_object *o)
{
	strata_buf b = STRATA_BUF_INIT;
	char *key;

	if (strata__buf_printf(&b, "%s:%s", catalog, oid) != 0)
		return STRATA_ERROR;
	key = strata__buf_detach(&b);
	if (strata_grow((void **)&x->oid_keys, &x->cap_oid_keys, x->noid_keys + 1,
			sizeof(*x->oid_keys)) != 0) {
		strata_free(key);
		return STRATA_ERROR;
	}
	x->oid_keys[x->noid_keys++] = key;
	return strata__map_put(&x->by_oid, key, o);
}

static sc_object *lookup(pg_ctx *x, const char *catalog, const char *oid)
{
	char key[64];

	snprintf(key, sizeof(key), "%s:%s", catalog, oid ? oid : "");
	return strata__map_get(&x->by_oid, key);
}

/* A copy of s (or NULL) into *dst, from the catalog's arena. */
static int dup_into(pg_ctx *x, char **dst, const char *s)
{
	if (!s) {
		*dst = NULL;
		return 0;
	}
	return (*dst = strata__sc_strdup(x->cat, s)) ? 0 : STRATA_ERROR;
}

static int is_true(const char *v)
{
	return v && v[0] == 't';
}

/* A JSON array of strings (json_agg / to_json output) into a string vector
 * of the catalog. */
static int json_strv(pg_ctx *x, const char *text, char ***v, size_t *n)
{
	json_error_t jerr;
	json_t *arr;
	size_t i;
	json_t *item;
	int rc = 0;

	if (!text || !*text)
		return 0;
	if (!(arr = json_loads(text, JSON_DECODE_ANY, &jerr)))
		return strata_error_set(STRATA_ERROR, "unexpected catalog value %.40s: %s", text,
					jerr.text);
	json_array_foreach (arr, i, item) {
		if (json_is_string(item) &&
		    (rc = strata__sc_strv_add(x->cat, v, n, json_string_value(item))) != 0)
			break;
	}
	json_decref(arr);
	return rc;
}

/* Whether a table is one of strata's bookkeeping tables. */
static int is_bookkeeping(const pg_ctx *x, const char *schema, const char *name)
{
	if (x->skip_schema && strcmp(schema, x->skip_schema) != 0)
		return 0;
	return strcmp(name, x->skip_version) == 0 || strcmp(name, "strata_history") == 0 ||
	       strcmp(name, "strata_batch_progress") == 0; /* batched steps (core/batch.h) */
}

static sc_object *add(pg_ctx *x, sc_kind kind, const char *schema, const char *table,
		      const char *name)
{
	sc_object *o = strata__sc_catalog_add(x->cat, kind);

	if (!o || dup_into(x, &o->schema, schema) != 0 || dup_into(x, &o->table, table) != 0 ||
	    dup_into(x, &o->name, name) != 0)
		return NULL;
	return o;
}

#define ROW_FAIL(x) ((x)->rc = STRATA_ERROR)

/* --- schemas ------------------------------------------------------------ */

static int on_schema(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *o = add(x, SC_SCHEMA, NULL, NULL, v[1]);

	if (!o || dup_into(x, &o->comment, v[2]) != 0 || json_strv(x, v[3], &o->grants, &o->ngrants) ||
	    remember(x, "pg_namespace", v[0], o) != 0)
		return ROW_FAIL(x);
	return 0;
}

/* Grants as sorted "PRIVILEGE TO grantee[ WITH GRANT OPTION]" lines (a
 * NULL ACL is the type's default), leaving out what the owner has by
 * owning the object. */
#define GRANTS(acl, type, owner)                                                            \
	"(SELECT pg_catalog.json_agg(g ORDER BY g) FROM (SELECT a.privilege_type || ' TO ' || "  \
	"CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE "                                          \
	"pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END || "               \
	"CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS g "                 \
	"FROM pg_catalog.aclexplode(COALESCE(" acl ", pg_catalog.acldefault('" type "', " owner \
	"))) a WHERE a.grantee <> " owner ") gs)"

static const char q_schemas[] =
	"SELECT n.oid, n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace'), "
	GRANTS("n.nspacl", "n", "n.nspowner")
	" FROM pg_catalog.pg_namespace n WHERE " USER_SCHEMA("n")
	" AND " NOT_EXTENSION_MEMBER("pg_namespace", "n.oid");

/* --- extensions --------------------------------------------------------- */

static int on_extension(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *o = add(x, SC_EXTENSION, NULL, NULL, v[0]);
	strata_buf b = STRATA_BUF_INIT;

	/* def: the schema and version; the diff compares the version only
	 * when asked (sc_diff_options.extension_versions). */
	if (!o || strata__buf_printf(&b, "%s %s", v[1], v[2]) != 0)
		return ROW_FAIL(x);
	if (!(o->def = strata__sc_take(x->cat, strata__buf_detach(&b))) ||
	    dup_into(x, &o->result_type, v[2]) != 0 || !(o->options = strata__sc_strdup(x->cat, v[1])))
		return ROW_FAIL(x);
	return 0;
}

static const char q_extensions[] =
	"SELECT x.extname, n.nspname, x.extversion FROM pg_catalog.pg_extension x "
	"JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace WHERE x.extname <> 'plpgsql'";

/* --- collations ---------------------------------------------------------- */

static int on_collation(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *o = add(x, SC_COLLATION, v[1], NULL, v[2]);

	if (!o || dup_into(x, &o->def, v[3]) != 0 || dup_into(x, &o->comment, v[4]) != 0 ||
	    remember(x, "pg_collation", v[0], o) != 0)
		return ROW_FAIL(x);
	return 0;
}

/*
 * Where the locale of a collation is kept moved twice: an ICU collation's
 * locale is collcollate up to 14, colliculocale in 15 and 16, and
 * colllocale from 17 (which also has the builtin provider); ICU tailoring
 * rules (collicurules) exist from 16. One query per form, the same columns.
 */
#define Q_COLLATIONS(locale, rules)                                                        \
	"SELECT c.oid, n.nspname, c.collname, "                                            \
	"'provider = ' || CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' "    \
	"WHEN 'b' THEN 'builtin' ELSE 'default' END || "                                    \
	"CASE WHEN c.collprovider IN ('i', 'b') THEN ', locale = ' || "                     \
	"pg_catalog.quote_literal(" locale ") ELSE ', lc_collate = ' || "                   \
	"pg_catalog.quote_literal(c.collcollate) || ', lc_ctype = ' || "                    \
	"pg_catalog.quote_literal(c.collctype) END || " rules " || "                        \
	"CASE WHEN NOT c.collisdeterministic THEN ', deterministic = false' ELSE '' END, "  \
	"pg_catalog.obj_description(c.oid, 'pg_collation') "                               \
	"FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace " \
	"WHERE " USER_SCHEMA("n") " AND " NOT_EXTENSION_MEMBER("pg_collation", "c.oid")
#define COLLATION_RULES                                                                    \
	"COALESCE(', rules = ' || pg_catalog.quote_literal(c.collicurules), '')"

static const pg_query_form q_collations[] = {
	{ 170000, Q_COLLATIONS("c.colllocale", COLLATION_RULES) },
	{ 160000, Q_COLLATIONS("c.colliculocale", COLLATION_RULES) },
	{ 150000, Q_COLLATIONS("c.colliculocale", "''") },
	{ 0, Q_COLLATIONS("c.collcollate", "''") },
};

/* --- types: enums, domains, composites ---------------------------------- */

static int on_type(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_kind kind = v[3][0] == 'e' ? SC_ENUM : v[3][0] == 'd' ? SC_DOMAIN : SC_COMPOSITE;
	sc_object *o = add(x, kind, v[1], NULL, v[2]);

	if (!o || dup_into(x, &o->comment, v[4]) != 0 || remember(x, "pg_type", v[0], o) != 0)
		return ROW_FAIL(x);
	if (kind == SC_ENUM && json_strv(x, v[5], &o->labels, &o->nlabels) != 0)
		return ROW_FAIL(x);
	if (kind == SC_DOMAIN &&
	    (dup_into(x, &o->result_type, v[6]) != 0 || dup_into(x, &o->domain_default, v[8]) != 0 ||
	     json_strv(x, v[10], &o->labels, &o->nlabels) != 0))
		return ROW_FAIL(x);
	o->domain_not_null = is_true(v[9]);
	if (kind == SC_COMPOSITE && remember(x, "pg_class", v[7], o) != 0)
		return ROW_FAIL(x);
	return 0;
}

static const char q_types[] =
	"SELECT t.oid, n.nspname, t.typname, t.typtype, "
	"pg_catalog.obj_description(t.oid, 'pg_type'), "
	"(SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder) "
	" FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), "
	"CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) || "
	" CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN ' COLLATE ' ||"
	"  (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)"
	"   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = "
	"   co.collnamespace WHERE co.oid = t.typcollation) ELSE '' END || "
	" '' END, t.typrelid, t.typdefault, t.typnotnull, "
	"(SELECT pg_catalog.json_agg('CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' ' || "
	" pg_catalog.pg_get_constraintdef(k.oid) ORDER BY k.conname) "
	" FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid) "
	"FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
	"LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype "
	"LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid "
	"WHERE " USER_SCHEMA("n") " AND (t.typtype IN ('e', 'd') OR "
	" (t.typtype = 'c' AND r.relkind = 'c')) AND " NOT_EXTENSION_MEMBER("pg_type", "t.oid");

/* --- sequences ----------------------------------------------------------- */

static int on_sequence(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *o;

	if (v[5] && v[6] && is_bookkeeping(x, v[5], v[6]))
		return 0;
	if (!(o = add(x, SC_SEQUENCE, v[1], NULL, v[2])) || dup_into(x, &o->def, v[3]) != 0 ||
	    dup_into(x, &o->comment, v[4]) != 0 || json_strv(x, v[8], &o->grants, &o->ngrants) != 0 ||
	    remember(x, "pg_class", v[0], o) != 0)
		return ROW_FAIL(x);
	if (v[5]) {
		strata_buf b = STRATA_BUF_INIT;

		if (strata__sc_put_qualified(&b, v[5], v[6]) != 0 || strata__buf_putc(&b, '.') != 0 ||
		    strata__sc_put_ident(&b, v[7]) != 0)
			return ROW_FAIL(x);
		if (!(o->owned_by = strata__sc_take(x->cat, strata__buf_detach(&b))) ||
		    !(o->ref_table = strata__sc_take(x->cat, strata__sc_make_key(SC_TABLE, v[5], NULL, v[6]))))
			return ROW_FAIL(x);
	}
	return 0;
}

static const char q_sequences[] =
	"SELECT c.oid, n.nspname, c.relname, "
	"'AS ' || pg_catalog.format_type(s.seqtypid, NULL) || ' START WITH ' || s.seqstart || "
	"' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || "
	"s.seqmax || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END, "
	"pg_catalog.obj_description(c.oid, 'pg_class'), tn.nspname, t.relname, a.attname, "
	GRANTS("c.relacl", "s", "c.relowner")
	" FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
	" AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
	" AND d.deptype IN ('a', 'i') "
	"LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
	"LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
	"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
	"WHERE " USER_SCHEMA("n") " AND " NOT_EXTENSION_MEMBER("pg_class", "c.oid")
	" AND (d.deptype IS NULL OR d.deptype <> 'i')";

/* --- functions and procedures -------------------------------------------- */

static int on_function(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	strata_buf name = STRATA_BUF_INIT;
	sc_object *o;

	if (strata__buf_printf(&name, "%s(%s)", v[2], v[3]) != 0)
		return ROW_FAIL(x);
	o = add(x, SC_FUNCTION, v[1], NULL, strata__buf_cstr(&name));
	strata__buf_release(&name);
	if (!o || dup_into(x, &o->def, v[4]) != 0 || dup_into(x, &o->result_type, v[5]) != 0 ||
	    dup_into(x, &o->comment, v[6]) != 0 || json_strv(x, v[7], &o->grants, &o->ngrants) != 0 ||
	    remember(x, "pg_proc", v[0], o) != 0)
		return ROW_FAIL(x);
	o->relkind = v[8][0]; /* prokind: 'f' function, 'p' procedure, 'a' aggregate */
	if (dup_into(x, &o->func_name, v[2]) != 0 || dup_into(x, &o->func_args, v[3]) != 0)
		return ROW_FAIL(x);
	return 0;
}

static const char q_functions[] =
	"SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), "
	"CASE WHEN p.prokind = 'a' THEN 'CREATE OR REPLACE AGGREGATE ' || "
	QUALIFIED("n.nspname", "p.proname") " || '(' || "
	" pg_catalog.pg_get_function_identity_arguments(p.oid) || ') (SFUNC = ' || "
	" ag.aggtransfn::pg_catalog.regproc::text || ', STYPE = ' || "
	" pg_catalog.format_type(ag.aggtranstype, NULL) || "
	" CASE WHEN ag.aggfinalfn <> 0 THEN ', FINALFUNC = ' || ag.aggfinalfn::pg_catalog.regproc::text"
	"  ELSE '' END || CASE WHEN ag.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || "
	"  ag.aggcombinefn::pg_catalog.regproc::text ELSE '' END || "
	" CASE WHEN ag.aggserialfn <> 0 THEN ', SERIALFUNC = ' || ag.aggserialfn::pg_catalog.regproc::text"
	"  || ', DESERIALFUNC = ' || ag.aggdeserialfn::pg_catalog.regproc::text ELSE '' END || "
	" CASE WHEN ag.agginitval IS NOT NULL THEN ', INITCOND = ' || "
	"  pg_catalog.quote_literal(ag.agginitval) ELSE '' END || "
	" CASE WHEN ag.aggsortop <> 0 THEN ', SORTOP = ' || ag.aggsortop::pg_catalog.regoperator::text"
	"  ELSE '' END || CASE p.proparallel WHEN 's' THEN ', PARALLEL = SAFE' WHEN 'r' THEN "
	"  ', PARALLEL = RESTRICTED' ELSE '' END || ')' "
	"ELSE pg_catalog.pg_get_functiondef(p.oid) END, pg_catalog.pg_get_function_result(p.oid), "
	"pg_catalog.obj_description(p.oid, 'pg_proc'), " GRANTS("p.proacl", "f", "p.proowner")
	", p.prokind FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = "
	"p.pronamespace LEFT JOIN pg_catalog.pg_aggregate ag ON ag.aggfnoid = p.oid "
	"WHERE " USER_SCHEMA("n") " AND (p.prokind IN ('f', 'p') OR (p.prokind = 'a' AND "
	"ag.aggkind = 'n')) AND "
	NOT_EXTENSION_MEMBER("pg_proc", "p.oid");

/* --- tables, views, materialized views ----------------------------------- */

static int on_relation(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	char relkind = v[3][0];
	sc_kind kind = relkind == 'v' ? SC_VIEW : relkind == 'm' ? SC_MATVIEW : SC_TABLE;
	sc_object *o;

	if (kind == SC_TABLE && is_bookkeeping(x, v[1], v[2]))
		return 0;
	if (!(o = add(x, kind, v[1], NULL, v[2])) || dup_into(x, &o->comment, v[4]) != 0 ||
	    json_strv(x, v[5], &o->grants, &o->ngrants) != 0 || dup_into(x, &o->def, v[6]) != 0 ||
	    dup_into(x, &o->options, v[7]) != 0 || dup_into(x, &o->partition_key, v[10]) != 0 ||
	    dup_into(x, &o->partition_bound, v[11]) != 0 || dup_into(x, &o->partition_of, v[12]) != 0 ||
	    dup_into(x, &o->inherits, v[13]) != 0 || remember(x, "pg_class", v[0], o) != 0)
		return ROW_FAIL(x);
	if (v[14]) { /* a partition depends on its parent */
		char *key = strata__sc_make_key(SC_TABLE, v[14], NULL, v[15]);

		if (!key || strata__sc_strv_add(x->cat, &o->deps, &o->ndeps, key) != 0) {
			strata_free(key);
			return ROW_FAIL(x);
		}
		strata_free(key);
	}
	o->relkind = relkind;
	o->rls_enabled = is_true(v[8]);
	o->rls_forced = is_true(v[9]);
	return 0;
}

static const char q_relations[] =
	"SELECT c.oid, n.nspname, c.relname, c.relkind, "
	"pg_catalog.obj_description(c.oid, 'pg_class'), " GRANTS("c.relacl", "r", "c.relowner") ", "
	"CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END, "
	"NULLIF(pg_catalog.concat_ws(', ', CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED' END, "
	" pg_catalog.array_to_string(c.reloptions, ', ')), ''), "
	"c.relrowsecurity, c.relforcerowsecurity, "
	"CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, "
	"CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, "
	"CASE WHEN pc.oid IS NOT NULL THEN " QUALIFIED("pn.nspname", "pc.relname") " END, "
	"(SELECT pg_catalog.string_agg(" QUALIFIED("hn.nspname", "hc.relname") ", ', ' ORDER BY "
	" i.inhseqno) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class hc ON hc.oid = "
	" i.inhparent JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace "
	" WHERE NOT c.relispartition AND i.inhrelid = c.oid), pn.nspname, pc.relname "
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"LEFT JOIN pg_catalog.pg_inherits pi ON c.relispartition AND pi.inhrelid = c.oid "
	"LEFT JOIN pg_catalog.pg_class pc ON pc.oid = pi.inhparent "
	"LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
	"WHERE c.relkind IN ('r', 'p', 'v', 'm') AND " USER_SCHEMA("n")
	" AND " NOT_EXTENSION_MEMBER("pg_class", "c.oid");

/* --- columns of tables, views and composite types ------------------------- */

static int on_column(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *o = lookup(x, "pg_class", v[0]);
	sc_column *c;

	if (!o) /* a relation left out (bookkeeping, extension member) */
		return 0;
	if (!(c = strata__sc_object_add_column(x->cat, o)) || dup_into(x, &c->name, v[1]) != 0 ||
	    dup_into(x, &c->type, v[2]) != 0 || dup_into(x, &c->collation, v[3]) != 0 ||
	    dup_into(x, &c->comment, v[9]) != 0)
		return ROW_FAIL(x);
	if (v[6] && (v[6][0] == 's' || v[6][0] == 'v')) { /* 'v': VIRTUAL, from 18 */
		if (dup_into(x, &c->generated, v[4]) != 0)
			return ROW_FAIL(x);
		c->virtual_generated = v[6][0] == 'v';
	} else if (dup_into(x, &c->default_expr, v[4]) != 0) {
		return ROW_FAIL(x);
	}
	c->not_null = is_true(v[5]);
	c->identity = v[7] && v[7][0] ? v[7][0] : 0;
	c->inherited = !is_true(v[8]);
	c->position = atoi(v[10]);
	return 0;
}

static const char q_columns[] =
	"SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
	"CASE WHEN a.attcollation <> t.typcollation THEN (SELECT " QUALIFIED("cn.nspname",
									   "co.collname")
	" FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = "
	" co.collnamespace WHERE co.oid = a.attcollation) END, "
	"pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attgenerated, a.attidentity, "
	"a.attislocal, ds.description, a.attnum "
	"FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
	"LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = "
	" 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = a.attnum "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
	"LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
	"WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND "
	USER_SCHEMA("n") " ORDER BY a.attrelid, a.attnum";

/* --- constraints --------------------------------------------------------- */

static int on_constraint(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *t = lookup(x, "pg_class", v[1]), *o;

	if (!t || t->kind != SC_TABLE)
		return 0;
	if (!(o = add(x, SC_CONSTRAINT, t->schema, t->name, v[2])) || dup_into(x, &o->def, v[4]) != 0 ||
	    dup_into(x, &o->comment, v[5]) != 0 ||
	    json_strv(x, v[6], &o->con_columns, &o->ncon_columns) != 0 ||
	    json_strv(x, v[8], &o->ref_columns, &o->nref_columns) != 0 ||
	    remember(x, "pg_constraint", v[0], o) != 0)
		return ROW_FAIL(x);
	o->contype = v[3][0];
	o->not_valid = !is_true(v[9]);
	if (v[7]) {
		sc_object *ref = lookup(x, "pg_class", v[7]);

		if (ref && !(o->ref_table = strata__sc_take(x->cat, strata__sc_make_key(ref->kind, ref->schema, NULL,
									  ref->name))))
			return ROW_FAIL(x);
	}
	/* The index behind a primary key, unique or exclusion constraint is
	 * the constraint's: what depends on the index depends on it. */
	if (v[10] && strcmp(v[10], "0") != 0 && o->contype != 'f' &&
	    remember(x, "pg_class", v[10], o) != 0)
		return ROW_FAIL(x);
	return 0;
}

#define ATTNAMES(rel, keys)                                                                \
	"(SELECT pg_catalog.json_agg(a.attname ORDER BY ak.o) FROM pg_catalog.unnest(" keys   \
	") WITH ORDINALITY ak(n, o) JOIN pg_catalog.pg_attribute a ON a.attrelid = " rel     \
	" AND a.attnum = ak.n)"

static const char q_constraints[] =
	"SELECT k.oid, k.conrelid, k.conname, k.contype, pg_catalog.pg_get_constraintdef(k.oid), "
	"ds.description, " ATTNAMES("k.conrelid", "k.conkey")
	", NULLIF(k.confrelid, 0), " ATTNAMES("k.confrelid", "k.confkey") ", k.convalidated, "
	"k.conindid FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
	"LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = k.oid AND ds.classoid = "
	" 'pg_catalog.pg_constraint'::pg_catalog.regclass AND ds.objsubid = 0 "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND k.conislocal AND k.conparentid = 0 AND "
	USER_SCHEMA("n");

/* --- indexes ------------------------------------------------------------- */

static int on_index(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *t = lookup(x, "pg_class", v[1]), *o;

	if (!t || (t->kind != SC_TABLE && t->kind != SC_MATVIEW))
		return 0;
	if (lookup(x, "pg_class", v[0])) /* behind a constraint */
		return 0;
	if (!(o = add(x, SC_INDEX, t->schema, t->name, v[2])) || dup_into(x, &o->def, v[3]) != 0 ||
	    dup_into(x, &o->comment, v[4]) != 0 || remember(x, "pg_class", v[0], o) != 0)
		return ROW_FAIL(x);
	/* pg_get_indexdef says ON ONLY for every index of a partitioned
	 * table. What a user writes (and what reaches the partitions) is the
	 * plain CREATE INDEX on the parent; an index that does not reach
	 * every partition yet is invalid, and that is compared. */
	if (t->relkind == 'p') {
		char *only = strstr(o->def, " ON ONLY ");

		if (only)
			memmove(only + 3, only + 8, strlen(only + 8) + 1);
	}
	o->not_valid = v[5][0] == 'f';
	o->unique = v[6][0] == 't';
	return 0;
}

static const char q_indexes[] =
	"SELECT i.indexrelid, i.indrelid, c.relname, pg_catalog.pg_get_indexdef(i.indexrelid), "
	"ds.description, i.indisvalid, i.indisunique FROM pg_catalog.pg_index i "
	"JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
	"LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = i.indexrelid AND ds.classoid = "
	" 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0 "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " USER_SCHEMA("n")
	" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)"
	" AND " NOT_EXTENSION_MEMBER("pg_class", "i.indexrelid");

/* --- triggers and policies ----------------------------------------------- */

static int on_trigger(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *t = lookup(x, "pg_class", v[1]), *o;
	if (!t)
		return 0;
	if (!(o = add(x, SC_TRIGGER, t->schema, t->name, v[2])) || dup_into(x, &o->def, v[3]) != 0 ||
	    dup_into(x, &o->comment, v[4]) != 0 ||
	    remember(x, "pg_trigger", v[0], o) != 0)
		return ROW_FAIL(x);
	/* The enabled state (O, D, R, A) is compared too: a trigger disabled
	 * by hand differs from the one the migrations made. */
	o->relkind = v[5][0];
	return 0;
}

/* A partition's copy of its parent's trigger is not the user's own: from
 * 13 it has tgparentid set, before 13 it is marked internal. */
#define Q_TRIGGERS(own)                                                                    \
	"SELECT g.oid, g.tgrelid, g.tgname, pg_catalog.pg_get_triggerdef(g.oid), "          \
	"pg_catalog.obj_description(g.oid, 'pg_trigger'), g.tgenabled "                      \
	"FROM pg_catalog.pg_trigger g WHERE NOT g.tgisinternal" own
static const pg_query_form q_triggers[] = {
	{ 130000, Q_TRIGGERS(" AND g.tgparentid = 0") },
	{ 0, Q_TRIGGERS("") },
};

static int on_policy(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *t = lookup(x, "pg_class", v[1]), *o;

	if (!t)
		return 0;
	if (!(o = add(x, SC_POLICY, t->schema, t->name, v[2])) || dup_into(x, &o->def, v[3]) != 0 ||
	    dup_into(x, &o->comment, v[4]) != 0 || remember(x, "pg_policy", v[0], o) != 0)
		return ROW_FAIL(x);
	return 0;
}

static const char q_policies[] =
	"SELECT p.oid, p.polrelid, p.polname, "
	"'AS ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END || ' FOR ' ||"
	" CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' "
	" WHEN 'd' THEN 'DELETE' ELSE 'ALL' END || ' TO ' || "
	" (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE "
	"  pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ' ORDER BY 1) "
	"  FROM pg_catalog.unnest(p.polroles) r) || "
	" COALESCE(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '') || "
	" COALESCE(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),"
	" pg_catalog.obj_description(p.oid, 'pg_policy') FROM pg_catalog.pg_policy p";

/* --- dependencies -------------------------------------------------------- */

static int on_depend(void *p, int n, const char *const *v)
{
	pg_ctx *x = p;
	sc_object *from = lookup(x, v[0], v[1]), *to = lookup(x, v[2], v[3]);
	strata_buf col = STRATA_BUF_INIT;
	char *key;
	int rc;

	if (!from || !to || from == to)
		return 0;
	if (!(key = strata__sc_make_key(to->kind, to->schema, to->table, to->name)))
		return ROW_FAIL(x);
	rc = strata__sc_strv_add(x->cat, &from->deps, &from->ndeps, key);
	if (rc == 0 && v[4] && (to->kind == SC_TABLE || to->kind == SC_VIEW ||
				to->kind == SC_MATVIEW)) /* one column of it */
		rc = strata__buf_printf(&col, "%s\x1f%s", key, v[4]) != 0 ||
		     strata__sc_strv_add(x->cat, &from->col_deps, &from->ncol_deps, strata__buf_cstr(&col)) != 0;
	strata__buf_release(&col);
	strata_free(key);
	return rc != 0 ? ROW_FAIL(x) : 0;
}

/* Each dependency attributed to what users see: a view's rule to the
 * view, a column default to its table, a row type or an array type to
 * its table or element type. */
static const char q_depends[] =
	"SELECT DISTINCT "
	"CASE WHEN d.classid IN ('pg_catalog.pg_rewrite'::pg_catalog.regclass, "
	" 'pg_catalog.pg_attrdef'::pg_catalog.regclass) THEN 'pg_class' "
	" ELSE d.classid::pg_catalog.regclass::text END, "
	"COALESCE(r.ev_class, ad.adrelid, d.objid), "
	"CASE WHEN t.typrelid <> 0 THEN 'pg_class' ELSE d.refclassid::pg_catalog.regclass::text END, "
	"CASE WHEN t.typrelid <> 0 THEN t.typrelid WHEN t.typelem <> 0 AND t.typlen = -1 "
	" THEN t.typelem ELSE d.refobjid END, "
	"CASE WHEN d.refobjsubid > 0 THEN a.attname END "
	"FROM pg_catalog.pg_depend d "
	"LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
	" AND r.oid = d.objid "
	"LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = "
	" 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid "
	"LEFT JOIN pg_catalog.pg_type t ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass "
	" AND t.oid = d.refobjid "
	"LEFT JOIN pg_catalog.pg_attribute a ON d.refclassid = "
	" 'pg_catalog.pg_class'::pg_catalog.regclass AND a.attrelid = d.refobjid AND "
	" a.attnum = d.refobjsubid "
	"WHERE d.deptype = 'n' AND d.objid >= " USER_OID_MIN " AND d.refobjid >= " USER_OID_MIN;

/* --- putting it together ------------------------------------------------- */

typedef struct pg_query_step {
	const char *what;
	const char *sql;             /* the query, or NULL: it has forms */
	const pg_query_form *forms;  /* per server version, when sql is NULL */
	db_row_cb cb;
	const char *scope_col; /* scoped reads: the column an object's scope oid is in */
	int scope;             /* scoped reads: the q_scope column to filter by; SCOPE_ALL: none */
	int only_if;           /* scoped reads: a q_scope flag column that must be set, or -1 */
	const char *order_by;  /* scoped reads: the order the base query had, or NULL */
} pg_query_step;

/*
 * The scope of a scoped read: the user objects named ($1: bare names;
 * $2, $3: schema and name pairs, for exactly that object) (relations and
 * indexes, types, routines, collations, schemas: constraints, triggers
 * and policies are always named together with their table or domain), and
 * everything that depends on them, transitively through pg_depend (a
 * view's rule leads on to the view; nothing is followed out of a schema,
 * which would be all of it). Each object is put down as what the catalog
 * queries filter on: a sub-object as its table or domain, an index as its
 * table, a composite type also as its relation; a relation brings the
 * sequences it owns (SERIAL, identity, OWNED BY), however it came into
 * the scope, so two reads that reach a table by different paths hold the
 * same sequences. Out come one oid[] per
 * catalog query's filter, and whether any of the relations has user
 * triggers or policies (the queries for those are skipped when not).
 * Every lookup goes through an index, so the cost follows the scope, not
 * the schema.
 */
static const char q_scope[] =
	"WITH RECURSIVE seed(classid, objid) AS ("
	" SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid FROM pg_catalog.pg_class c "
	"  WHERE c.relname = ANY ($1::pg_catalog.name[]) "
	" UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t "
	"  WHERE t.typname = ANY ($1::pg_catalog.name[]) "
	" UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p "
	"  WHERE p.proname = ANY ($1::pg_catalog.name[]) "
	" UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, o.oid "
	"  FROM pg_catalog.pg_collation o WHERE o.collname = ANY ($1::pg_catalog.name[]) "
	" UNION ALL SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, s.oid "
	"  FROM pg_catalog.pg_namespace s WHERE s.nspname = ANY ($1::pg_catalog.name[]) "
	" UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid "
	"  FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
	"  pg_catalog.unnest($3::pg_catalog.text[])) u(s, n) "
	"  JOIN pg_catalog.pg_class c ON c.relname = u.n::pg_catalog.name "
	"  JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace AND cn.nspname = u.s "
	" UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid "
	"  FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
	"  pg_catalog.unnest($3::pg_catalog.text[])) u(s, n) "
	"  JOIN pg_catalog.pg_type t ON t.typname = u.n::pg_catalog.name "
	"  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace AND tn.nspname = u.s "
	" UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid "
	"  FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
	"  pg_catalog.unnest($3::pg_catalog.text[])) u(s, n) "
	"  JOIN pg_catalog.pg_proc p ON p.proname = u.n::pg_catalog.name "
	"  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace AND pn.nspname = u.s "
	" UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, o.oid "
	"  FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
	"  pg_catalog.unnest($3::pg_catalog.text[])) u(s, n) "
	"  JOIN pg_catalog.pg_collation o ON o.collname = u.n::pg_catalog.name "
	"  JOIN pg_catalog.pg_namespace on_ ON on_.oid = o.collnamespace AND on_.nspname = u.s), "
	"walk(classid, objid) AS ("
	" SELECT classid, objid FROM seed WHERE objid::pg_catalog.int8 >= " USER_OID_MIN
	" OR classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass"
	" UNION SELECT x.classid, x.objid FROM walk w CROSS JOIN LATERAL ("
	"  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d "
	"  WHERE d.refclassid = w.classid AND d.refobjid = w.objid "
	"  AND d.deptype NOT IN ('e', 'x') OFFSET 0) d "
	"  CROSS JOIN LATERAL (VALUES (d.classid, d.objid), ('pg_catalog.pg_class'::pg_catalog.regclass, "
	"  (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE d.classid = "
	"  'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid))) x(classid, objid) "
	"  WHERE w.classid <> 'pg_catalog.pg_namespace'::pg_catalog.regclass "
	"  AND x.objid IS NOT NULL), "
	"owner AS (SELECT DISTINCT v.o FROM walk w CROSS JOIN LATERAL (VALUES (w.objid), "
	" ((SELECT k.conrelid FROM pg_catalog.pg_constraint k WHERE w.classid = "
	"  'pg_catalog.pg_constraint'::pg_catalog.regclass AND k.oid = w.objid)), "
	" ((SELECT k.contypid FROM pg_catalog.pg_constraint k WHERE w.classid = "
	"  'pg_catalog.pg_constraint'::pg_catalog.regclass AND k.oid = w.objid)), "
	" ((SELECT g.tgrelid FROM pg_catalog.pg_trigger g WHERE w.classid = "
	"  'pg_catalog.pg_trigger'::pg_catalog.regclass AND g.oid = w.objid)), "
	" ((SELECT y.polrelid FROM pg_catalog.pg_policy y WHERE w.classid = "
	"  'pg_catalog.pg_policy'::pg_catalog.regclass AND y.oid = w.objid)), "
	" ((SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad WHERE w.classid = "
	"  'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = w.objid)), "
	" ((SELECT i.indrelid FROM pg_catalog.pg_index i WHERE w.classid = "
	"  'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = w.objid)), "
	" ((SELECT t.typrelid FROM pg_catalog.pg_type t WHERE w.classid = "
	"  'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = w.objid)), "
	" ((SELECT t.typelem FROM pg_catalog.pg_type t WHERE w.classid = "
	"  'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = w.objid))) v(o) "
	" WHERE v.o IS NOT NULL AND v.o <> 0) "
	"SELECT "
	"(SELECT pg_catalog.array_agg(c.oid) FROM owner JOIN pg_catalog.pg_class c ON c.oid = owner.o "
	" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')), "
	"(SELECT pg_catalog.array_agg(DISTINCT c.oid) FROM (SELECT owner.o FROM owner "
	" UNION ALL SELECT d.objid FROM owner JOIN pg_catalog.pg_depend d "
	"  ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = owner.o "
	"  AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')) so "
	" JOIN pg_catalog.pg_class c ON c.oid = so.o WHERE c.relkind = 'S'), "
	"(SELECT pg_catalog.array_agg(t.oid) FROM owner JOIN pg_catalog.pg_type t ON t.oid = owner.o), "
	"(SELECT pg_catalog.array_agg(p.oid) FROM owner JOIN pg_catalog.pg_proc p ON p.oid = owner.o), "
	"(SELECT pg_catalog.array_agg(n.oid) FROM owner JOIN pg_catalog.pg_namespace n "
	" ON n.oid = owner.o), "
	"(SELECT pg_catalog.array_agg(c.oid) FROM owner JOIN pg_catalog.pg_collation c "
	" ON c.oid = owner.o), "
	"EXISTS (SELECT 1 FROM owner JOIN pg_catalog.pg_trigger g ON g.tgrelid = owner.o "
	" WHERE NOT g.tgisinternal), "
	"EXISTS (SELECT 1 FROM owner JOIN pg_catalog.pg_policy y ON y.polrelid = owner.o)";

/*
 * The session settings of a scoped read. Its queries run prepared, many
 * times over, so they get generic plans (planning them each time would
 * cost more than running them). A generic plan is made once, at the first
 * read, when the shadow's catalogs are still nearly empty and a
 * sequential scan looks cheapest; kept as the catalogs grow, it would
 * make every read cost what the schema holds. With sequential scans, hash
 * and merge joins off, the plans are index lookups by name and oid whatever
 * the sizes. SCOPED_SETTINGS_RESET puts the settings back for the
 * revisions' own statements.
 */
#define SCOPED_SETTINGS                                                                    \
	"SELECT pg_catalog.set_config('search_path', '', false), "                        \
	"pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', false), "         \
	"pg_catalog.set_config('enable_seqscan', 'off', false), "                         \
	"pg_catalog.set_config('enable_hashjoin', 'off', false), "                        \
	"pg_catalog.set_config('enable_mergejoin', 'off', false)"
#define SCOPED_SETTINGS_RESET                                                              \
	"RESET plan_cache_mode; RESET enable_seqscan; RESET enable_hashjoin; "              \
	"RESET enable_mergejoin"

/* What q_scope returns, in its order. */
enum { SCOPE_RELATIONS, SCOPE_SEQUENCES, SCOPE_TYPES, SCOPE_ROUTINES, SCOPE_SCHEMAS,
       SCOPE_COLLATIONS, SCOPE_HAS_TRIGGERS, SCOPE_HAS_POLICIES, SCOPE_NCOLS, SCOPE_ALL };

typedef struct pg_scope {
	char *v[SCOPE_NCOLS]; /* oid[] literals, NULL when empty; "t"/"f" for the flags */
	int rc;
} pg_scope;

static int set_skip(pg_ctx *x, const char *version_table, char **schema_out)
{
	const char *dot = version_table ? strrchr(version_table, '.') : NULL;

	*schema_out = NULL;
	x->skip_version = version_table && *version_table ? version_table : "strata_version";
	if (dot) {
		if (!(*schema_out = strata_strndup(version_table, (size_t)(dot - version_table))))
			return STRATA_ERROR;
		x->skip_schema = *schema_out;
		x->skip_version = dot + 1;
	}
	return 0;
}

/* names as a text[] literal: {"a","b"} with " and \ escaped. */
static int text_array(strata_buf *out, const char *const *names, size_t n)
{
	int rc = strata__buf_putc(out, '{');

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = strata__buf_puts(out, i ? ",\"" : "\"");
		for (const char *c = names[i]; rc == 0 && *c; c++)
			rc = (*c == '"' || *c == '\\' ? strata__buf_putc(out, '\\') : 0) || strata__buf_putc(out, *c);
		if (rc == 0)
			rc = strata__buf_putc(out, '"');
	}
	return rc == 0 ? strata__buf_putc(out, '}') : STRATA_ERROR;
}

static int on_scope(void *p, int n, const char *const *v)
{
	pg_scope *s = p;

	if (n != SCOPE_NCOLS)
		return s->rc = STRATA_ERROR;
	for (int i = 0; i < SCOPE_NCOLS; i++)
		if (v[i] && strcmp(v[i], "f") != 0 && !(s->v[i] = strata_strdup(v[i])))
			return s->rc = STRATA_ERROR;
	return 0;
}

/* The query of a step for a server of that version_num. */
static const char *step_sql(const pg_query_step *s, int version)
{
	const pg_query_form *f = s->forms;

	if (s->sql)
		return s->sql;
	while (f->since > version)
		f++;
	return f->sql;
}

/* The scoped form of one catalog query: the same rows, for the scope's objects only. */
static int scoped_sql(strata_buf *out, const pg_query_step *s, const char *base)
{
	const char *order = NULL;
	size_t len;

	/* The base query's own ORDER BY (the last one; inner ones stay) moves outside. */
	for (const char *p = base; s->order_by && (p = strstr(p, " ORDER BY ")); p++)
		order = p;
	len = order ? (size_t)(order - base) : strlen(base);

	strata__buf_clear(out);
	return strata__buf_printf(out, "SELECT * FROM (%.*s) q WHERE q.%s = ANY($1::pg_catalog.oid[])%s%s",
			  (int)len, base, s->scope_col, s->order_by ? " ORDER BY " : "",
			  s->order_by ? s->order_by : "");
}

/* strata online's own objects (strata/online.h) are never part of a
 * user's schema: its schema, the versioned schemas of views it made (its
 * state table names them) and its sync triggers. A scoped read (strata
 * test) leaves them to its caller, which knows the shadow's state. */
typedef struct online_own {
	char **schemas;
	size_t n;
} online_own;

static int is_online_own(const sc_object *o, void *p)
{
	const online_own *w = p;

	if (o->kind == SC_SCHEMA)
		return strata__sc_strv_has(w->schemas, w->n, o->name);
	if (o->schema && strata__sc_strv_has(w->schemas, w->n, o->schema))
		return 1;
	return o->kind == SC_TRIGGER && strcmp(o->name, STRATA_ONLINE_TRIGGER) == 0;
}

static int drop_online_objects(strata_db *db, sc_catalog *cat)
{
	online_own w = { NULL, 0 };
	int present = 0, rc;

	for (size_t i = 0; i < cat->n && !present; i++)
		present = cat->objs[i]->kind == SC_SCHEMA &&
			  strcmp(cat->objs[i]->name, STRATA_ONLINE_SCHEMA) == 0;
	rc = strata__sc_strv_push(&w.schemas, &w.n, STRATA_ONLINE_SCHEMA);
	if (rc == 0 && present) {
		rc = strata__sc_online_state_schemas(&w.schemas, &w.n, db);
		if (rc != 0)
			strata_error_append(", reading strata online's versioned schemas");
		/* A schema-only copy has the state table but not its rows. */
		if (rc == 0 && w.n == 1)
			rc = strata__sc_add_versioned_schemas(cat, &w.schemas, &w.n);
	}
	if (rc == 0)
		rc = strata__sc_catalog_drop_if(cat, is_online_own, &w);
	strata__sc_strv_free(w.schemas, w.n);
	return rc;
}

static int introspect(strata_db *db, const char *version_table, sc_catalog *cat,
		      const sc_scope_names *scope_names)
{
	/* Order matters: tables before their columns, constraints before
	 * indexes (which skips constraint indexes), everything before the
	 * dependencies that link them. */
	static const pg_query_step steps[] = {
		{ "schemas", q_schemas, NULL, on_schema, "oid", SCOPE_SCHEMAS, -1, NULL },
		{ "extensions", q_extensions, NULL, on_extension, NULL, SCOPE_ALL, -1, NULL },
		{ "collations", NULL, q_collations, on_collation, "oid", SCOPE_COLLATIONS, -1, NULL },
		{ "types", q_types, NULL, on_type, "oid", SCOPE_TYPES, -1, NULL },
		{ "sequences", q_sequences, NULL, on_sequence, "oid", SCOPE_SEQUENCES, -1, NULL },
		{ "functions", q_functions, NULL, on_function, "oid", SCOPE_ROUTINES, -1, NULL },
		{ "tables and views", q_relations, NULL, on_relation, "oid", SCOPE_RELATIONS, -1, NULL },
		{ "columns", q_columns, NULL, on_column, "attrelid", SCOPE_RELATIONS, -1,
		  "q.attrelid, q.attnum" },
		{ "constraints", q_constraints, NULL, on_constraint, "conrelid", SCOPE_RELATIONS, -1, NULL },
		{ "indexes", q_indexes, NULL, on_index, "indrelid", SCOPE_RELATIONS, -1, NULL },
		{ "triggers", NULL, q_triggers, on_trigger, "tgrelid", SCOPE_RELATIONS, SCOPE_HAS_TRIGGERS,
		  NULL },
		{ "policies", q_policies, NULL, on_policy, "polrelid", SCOPE_RELATIONS, SCOPE_HAS_POLICIES,
		  NULL },
		{ "dependencies", q_depends, NULL, on_depend, NULL, SCOPE_ALL, -1, NULL },
	};
	pg_ctx x = { db, cat, STRATA_MAP_INIT, NULL, 0, 0, NULL, NULL, 0 };
	pg_scope scope;
	strata_buf sql = STRATA_BUF_INIT;
	char *skip_schema = NULL;
	int scoped = scope_names != NULL, rc;
	int version = strata__db_server_version(db);

	memset(&scope, 0, sizeof(scope));
	if (version > 0 && version < PG_OLDEST_SUPPORTED) {
		strata_error_set(STRATA_EINVALID,
				 "the server is PostgreSQL %d.%d; strata reads the catalogs of "
				 "PostgreSQL 12 and later", version / 10000, version % 10000);
		strata_error_hint("run it against a server of version 12 or later, "
				  "or load a pg_dump of this database into one");
		return STRATA_EINVALID;
	}
	if ((rc = set_skip(&x, version_table, &skip_schema)) != 0)
		return rc;
	/* Every name PostgreSQL prints comes out schema-qualified. The
	 * session is strata's own (a dedicated connection). */
	rc = strata__db_exec(db, scoped ? SCOPED_SETTINGS : "SELECT pg_catalog.set_config('search_path', '', "
						    "false)", 0, NULL);
	if (rc == 0 && scoped) {
		strata_buf arrays[3] = { STRATA_BUF_INIT, STRATA_BUF_INIT, STRATA_BUF_INIT };
		const char *params[3];

		if ((rc = text_array(&arrays[0], scope_names->names, scope_names->nnames)) == 0 &&
		    (rc = text_array(&arrays[1], scope_names->pair_schemas, scope_names->npairs)) == 0 &&
		    (rc = text_array(&arrays[2], scope_names->pair_names, scope_names->npairs)) == 0) {
			for (int k = 0; k < 3; k++)
				params[k] = strata__buf_cstr(&arrays[k]);
			rc = strata__db_query_prepared(db, "strata_scope", q_scope, 3, params, on_scope,
					       &scope);
		}
		for (int k = 0; k < 3; k++)
			strata__buf_release(&arrays[k]);
		if (rc == 0 && scope.rc != 0)
			rc = scope.rc;
		if (rc != 0) {
			strata_error_append(", reading the objects the names reach");
			goto done;
		}
	}
	for (size_t i = 0; rc == 0 && i < sizeof(steps) / sizeof(*steps); i++) {
		const char *param = steps[i].scope == SCOPE_ALL ? NULL : scope.v[steps[i].scope];
		const char *base = step_sql(&steps[i], version);

		if (!scoped) {
			rc = strata__db_query(db, base, 0, NULL, steps[i].cb, &x);
		} else if (steps[i].scope == SCOPE_ALL || !param ||
			   (steps[i].only_if >= 0 && !scope.v[steps[i].only_if])) {
			/* Nothing of this kind in scope. Dependencies: a scoped
			 * catalog is compared, never ordered. Extensions: a
			 * revision that changes them is read whole. */
			continue;
		} else if ((rc = scoped_sql(&sql, &steps[i], base)) == 0) {
			/* Prepared: a session of strata test reads a scope at
			 * every step, and planning these costs more than running them. */
			char name[32];

			snprintf(name, sizeof(name), "strata_scoped_%zu", i);
			rc = strata__db_query_prepared(db, name, strata__buf_cstr(&sql), 1, &param, steps[i].cb, &x);
		}
		if (rc == 0 && x.rc != 0)
			rc = x.rc;
		if (rc != 0)
			strata_error_append(", reading %s", steps[i].what);
	}
	if (rc == 0 && !scoped)
		rc = drop_online_objects(db, cat);
done:
	if (scoped) {
		strata_error saved = *strata_error_last();
		/* One round trip: the simple protocol takes the four at once. */
		int reset_rc = strata__db_exec_stmt(db, SCOPED_SETTINGS_RESET,
					    sizeof(SCOPED_SETTINGS_RESET) - 1, NULL, 0);

		if (rc != 0)
			strata_error_restore(&saved);
		else
			rc = reset_rc;
	}
	for (size_t i = 0; i < x.noid_keys; i++)
		strata_free(x.oid_keys[i]);
	strata_free(x.oid_keys);
	strata__map_release(&x.by_oid);
	strata_free(skip_schema);
	for (int i = 0; i < SCOPE_NCOLS; i++)
		strata_free(scope.v[i]);
	strata__buf_release(&sql);
	return rc;
}

int strata__sc_introspect_pg(strata_db *db, const char *version_table, sc_catalog *cat)
{
	return introspect(db, version_table, cat, NULL);
}

int strata__sc_introspect_pg_scope(strata_db *db, const char *version_table,
			   const sc_scope_names *names, sc_catalog *cat)
{
	return introspect(db, version_table, cat, names);
}
