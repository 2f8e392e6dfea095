/*
 * schema/diff.h - comparing two catalogs and the DDL that turns one into
 * the other, per engine.
 *
 * strata__sc_diff(from, to) returns the ordered list of changes that, applied to a
 * database whose schema is `from`, leaves it with the schema `to`:
 * dependency-ordered (whatever depends on an object being changed is
 * dropped before and recreated after), each change with the SQL for the
 * catalogs' engine and a destructive flag (it drops data or an object that
 * holds data). Renames are never guessed: a renamed column is a drop and an
 * add, marked destructive, so a person sees it.
 *
 * A dump is strata__sc_diff(empty, catalog): the creation of every object in
 * dependency order, canonical and deterministic.
 */
#ifndef STRATA_SCHEMA_DIFF_H
#define STRATA_SCHEMA_DIFF_H

#include <stddef.h>

#include "schema/catalog.h"

struct strata_db;

typedef enum sc_change_op {
	SC_OP_CREATE = 1,
	SC_OP_DROP,
	SC_OP_ALTER,
} sc_change_op;

typedef struct sc_change {
	sc_change_op op;
	sc_kind kind;
	char *object;      /* "public.users", "public.users.email" (column), ... */
	char *detail;      /* for people: "type integer -> bigint", "missing", ... */
	char *sql;         /* one or more statements, each ending in ";\n" */
	int destructive;
	int consequential; /* only there because something it depends on changes
			    * (a view dropped and recreated around a column
			    * change): not a difference of its own */
	/* Where the change sits, for splitting a migration into steps that
	 * run safely (schema/steps.c); set by the PostgreSQL diff, NULL or 0
	 * on SQLite. */
	char *key;          /* the catalog key of the object (a column change: its table's) */
	char *column;       /* a column change: the column */
	size_t not_null_at; /* a column change: the "SET NOT NULL" or "DROP NOT NULL" */
	size_t not_null_len; /* statement within sql (len 0: none) */
	/* What the change is about, in each catalog (NULL where it is
	 * absent): the object, or a column's table. They point into the two
	 * catalogs diffed, which must outlive the change list for these to
	 * be read (schema/describe.c reads them to describe and classify). */
	const sc_object *from, *to;
} sc_change;

/* The public strata_changes (strata/schema.h) is this struct. */
typedef struct strata_changes {
	sc_change *v;
	size_t n;
	size_t cap;
} sc_changes;

typedef struct sc_diff_options {
	int with_grants;        /* compare GRANTs (default on) */
	int extension_versions; /* compare extension versions (default off) */
	int for_migration;      /* the SQL is a revision strata's runner applies (default
				 * off: a script for the engine's own shell). SQLite: a
				 * rebuild relies on the runner's connection having foreign
				 * keys off instead of switching them off itself, which
				 * inside a transaction does nothing */
} sc_diff_options;
#define SC_DIFF_OPTIONS_INIT { 1, 0, 0 }

/* The changes from `from` to `to`; both catalogs of the same engine. */
int strata__sc_diff(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
	    sc_changes *out);
/* Engine parts (diff_pg.c, diff_sqlite.c), called by strata__sc_diff. */
int strata__sc_diff_pg(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
	       sc_changes *out);
int strata__sc_diff_sqlite(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
		   sc_changes *out);

/* SQLite: the CREATE TABLE of table (its def) from its columns and its
 * constraint objects cons, as introspection writes it; *out malloc'ed. */
int strata__sc_sqlite_table_def(char **out, const sc_object *table, sc_object *const *cons, size_t ncons);

/* Append one change (strings copied); the sql may be NULL for a change
 * that only reports. */
int strata__sc_changes_add(sc_changes *c, sc_change_op op, sc_kind kind, const char *object,
		   const char *detail, const char *sql, int destructive);
/* Point ch at the object with key in each catalog (see sc_change.from). */
void strata__sc_change_link(sc_change *ch, const sc_catalog *from, const sc_catalog *to, const char *key);
void strata__sc_changes_release(sc_changes *c);
/* Free what one change owns (the change itself is an element of a list). */
void strata__sc_change_release(sc_change *ch);
/* One change's SQL, a destructive one preceded by a "-- destructive: ..."
 * comment line; nothing when the change only reports. */
int strata__sc_change_put_sql(struct strata_buf *out, const sc_change *ch);
/* Every change's SQL that way, in order. */
int strata__sc_changes_marked_sql(const sc_changes *c, struct strata_buf *out);

/* All the SQL of a change list, in order ("" when there is nothing). */
int strata__sc_changes_sql(const sc_changes *c, struct strata_buf *out);

/* The whole schema as canonical SQL that creates it in an empty database
 * (a dump), and the SQL that drops all of it again. */
int strata__sc_dump_sql(const sc_catalog *cat, struct strata_buf *out);
int strata__sc_drop_all_sql(const sc_catalog *cat, struct strata_buf *out);

/* The schema's tables, their key columns (all columns with all_columns)
 * and foreign keys as a diagram: format "dot" (Graphviz) or "mermaid". */
int strata__sc_erd(const sc_catalog *cat, const char *format, int all_columns, struct strata_buf *out);

/* Read a live database's schema. Objects of strata's own bookkeeping
 * tables (the version and history tables named by version_table) and of
 * the engine's own schemas are left out. */
int strata__sc_introspect(struct strata_db *db, const char *version_table, sc_catalog **out);
int strata__sc_introspect_pg(struct strata_db *db, const char *version_table, sc_catalog *cat);
int strata__sc_introspect_sqlite(struct strata_db *db, const char *version_table, sc_catalog *cat);

/* PostgreSQL only: the part of the schema that names reach, as
 * strata__sc_introspect() would read it: the user objects with one of the bare
 * names (in any schema: relations and indexes, types, routines,
 * collations, schemas) or one of the schema-qualified pairs, and
 * everything that depends on them through pg_depend, each table with all
 * its columns, constraints, indexes, triggers, policies, comments and
 * grants. Dependencies and extensions are not read: a scoped catalog is
 * for comparing (strata test's snapshots), not for ordering a diff's SQL. */
typedef struct sc_scope_names {
	const char *const *names;        /* bare names */
	size_t nnames;
	const char *const *pair_schemas; /* schema and name pairs */
	const char *const *pair_names;
	size_t npairs;
} sc_scope_names;

int strata__sc_introspect_scope(struct strata_db *db, const char *version_table,
			const sc_scope_names *names, sc_catalog **out);
int strata__sc_introspect_pg_scope(struct strata_db *db, const char *version_table,
			   const sc_scope_names *names, sc_catalog *cat);

#endif
