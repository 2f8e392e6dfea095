/*
 * schema/catalog.h - the catalog model: one engine-neutral description of a
 * database schema, read from a live database by introspection (one catalog
 * query per object kind) and compared by the diff (never SQL text).
 *
 * Layer: schema (above db and util). Introspection lives in
 * introspect_pg.c / introspect_sqlite.c, the diff in diff_pg.c (with its
 * SQL in emit_pg.c) and diff_sqlite.c, canonical dumps in dump.c, diagrams
 * in erd.c.
 *
 * Model:
 *  - A catalog is a flat, sorted array of objects. Each object has a kind,
 *    a schema (NULL on SQLite), a name and, for objects that belong to a
 *    table (constraints, indexes, triggers, policies), the table's name.
 *  - key identifies an object across two databases: "kind/schema.name" or
 *    "kind/schema.table.name" (functions: name with their identity
 *    arguments). Two catalogs are compared by key.
 *  - def is the object's canonical definition, as the engine itself prints
 *    it (PostgreSQL: pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef,
 *    pg_get_functiondef, pg_get_triggerdef, format_type, with an empty
 *    search_path so every name is schema-qualified; SQLite: the normalised
 *    statement from sqlite_schema). Equal defs mean equal objects.
 *  - Tables (and composite types) carry their columns; comparing tables is
 *    done column by column, so a column change is an ALTER, not a rebuild.
 *  - deps lists the keys of the objects this one depends on (PostgreSQL:
 *    from pg_depend; SQLite: from the statement's table references). A
 *    dependency on one column is "column/schema.table.column", so that a
 *    column type change drops and recreates exactly the views that read it.
 *
 * Ownership: a catalog owns one arena (util/arena.h). Every object, string
 * and array of it is allocated from there (strata__sc_catalog_add, strata__sc_strdup,
 * strata__sc_take, strata__sc_strv_add, strata__sc_object_add_column, strata__sc_alloc) and dies with
 * strata__sc_catalog_free, which releases the arena and frees nothing one by one.
 * Nothing stored in a catalog is freed or reallocated on its own: a field
 * is replaced by pointing it at a new arena string. Arrays of an object
 * (cols, grants, labels, deps, ...) hold n items in room for the next
 * power of two (strata__sc_strv_cap), so they grow only through these functions.
 */
#ifndef STRATA_SCHEMA_CATALOG_H
#define STRATA_SCHEMA_CATALOG_H

#include <stddef.h>

#include "util/arena.h"
#include "util/map.h"

/* Object kinds, in the order a dump creates them when no dependency says
 * otherwise (the diffs sort topologically with depsort.h and break ties
 * by this). */
typedef enum sc_kind {
	SC_SCHEMA = 1,
	SC_EXTENSION,
	SC_COLLATION,
	SC_ENUM,
	SC_DOMAIN,
	SC_COMPOSITE,
	SC_SEQUENCE,
	SC_FUNCTION,   /* functions, procedures and aggregates */
	SC_TABLE,      /* tables, partitioned tables, partitions */
	SC_VIEW,
	SC_MATVIEW,
	SC_INDEX,
	SC_CONSTRAINT,
	SC_TRIGGER,
	SC_POLICY,
	SC_COLUMN,     /* never an object: the kind of a change to one column */
	SC_KIND_END
} sc_kind;

/* The word for a kind in messages, JSON and keys ("table", "index", ...). */
const char *strata__sc_kind_name(sc_kind kind);

typedef struct sc_column {
	char *name;
	char *type;         /* with modifiers: "character varying(20)", "public.mood[]" */
	char *collation;    /* qualified collation name when not the type's default, else NULL */
	char *default_expr; /* NULL: no default */
	char *generated;    /* GENERATED ALWAYS AS (expr) STORED: expr; else NULL */
	int virtual_generated; /* PostgreSQL 18: the generated column is VIRTUAL */
	char identity;      /* 0, 'a' (ALWAYS) or 'd' (BY DEFAULT) */
	int not_null;
	int position;       /* 1-based order in the table */
	int pk;             /* SQLite: 1-based position in the primary key, 0 if none */
	int hidden;         /* SQLite: table_xinfo's hidden (2/3: generated) */
	int inherited;      /* PostgreSQL: inherited from a parent, not local */
	char *comment;
} sc_column;

typedef struct sc_object {
	sc_kind kind;
	char *schema;       /* NULL on SQLite */
	char *name;         /* functions: "name(identity args)" */
	char *table;        /* index, constraint, trigger, policy: its table; else NULL */
	char *key;          /* identity across databases, see above */
	char *def;          /* canonical definition (meaning per kind, see above) */
	char *comment;      /* COMMENT ON ..., NULL when none */

	/* Grants: sorted "PRIVILEGE TO grantee[ WITH GRANT OPTION]" lines
	 * (PostgreSQL schemas, tables, views, sequences, functions). */
	char **grants;
	size_t ngrants;

	/* SC_TABLE, SC_COMPOSITE, SC_VIEW (view columns, for the ERD) */
	sc_column *cols;
	size_t ncols;
	char relkind;          /* PostgreSQL relkind: 'r', 'p', 'f', 'v', 'm' */
	char *partition_of;    /* partition: "schema.parent" (quoted, qualified) */
	char *partition_bound; /* partition: "FOR VALUES ..." / "DEFAULT" */
	char *partition_key;   /* partitioned table: "RANGE (col)" */
	char *inherits;        /* INHERITS list, quoted and qualified, comma separated */
	char *options;         /* reloptions "fillfactor=70", WITHOUT ROWID / STRICT on SQLite */
	int rls_enabled;
	int rls_forced;

	/* SC_ENUM: the labels in sort order */
	char **labels;
	size_t nlabels;

	/* SC_CONSTRAINT */
	char contype;          /* 'p' primary, 'u' unique, 'f' foreign, 'c' check, 'x' exclusion */
	char *ref_table;       /* foreign key: the referenced table's key ("table/s.t") */
	char **con_columns;    /* the constrained columns (for the ERD and the lint) */
	size_t ncon_columns;
	char **ref_columns;    /* foreign key: the referenced columns */
	size_t nref_columns;
	int not_valid;         /* also SC_INDEX: indisvalid is false */

	/* SC_SEQUENCE: owned by "schema.table.column" (serial, quoted), or
	 * NULL; the owning table's key is then in ref_table. */
	char *owned_by;
	/* SC_FUNCTION: CREATE OR REPLACE can change it in place only when the
	 * result type stays the same; the result type is kept to decide that. */
	char *result_type;
	/* SC_INDEX: the index backs a constraint (not created on its own) */
	int constraint_index;
	/* SC_INDEX: a unique index */
	int unique;

	char **deps;
	size_t ndeps;

	/* Dependencies on single columns: "<table key>\x1f<column name>"
	 * (PostgreSQL views, functions, policies reading a column). */
	char **col_deps;
	size_t ncol_deps;
	/* SC_FUNCTION: the bare name and the identity arguments, for SQL. */
	char *func_name;
	char *func_args;
	/* SC_DOMAIN: base type (with COLLATE) in result_type, the checks as
	 * "CONSTRAINT name CHECK (...)" lines in labels, and: */
	char *domain_default;
	int domain_not_null;
} sc_object;

/* The public strata_catalog (strata/schema.h) is this struct. */
typedef struct strata_catalog {
	int engine;          /* db_engine: DB_SQLITE or DB_POSTGRES */
	int server_version;  /* server_version_num / SQLite's version number */
	sc_object **objs;    /* sorted by (kind, key) after strata__sc_catalog_finish */
	size_t n;
	size_t cap;
	strata_map by_key;   /* key -> sc_object*, built by strata__sc_catalog_finish */
	strata_arena arena;  /* everything above but by_key's table */
} sc_catalog;

/* A new, empty catalog; NULL on out of memory (error set). */
sc_catalog *strata__sc_catalog_new(int engine);
void strata__sc_catalog_free(sc_catalog *cat);

/* Append a zeroed object of the given kind; NULL on out of memory. The
 * caller fills its fields with strings from strata__sc_strdup / strata__sc_take. */
sc_object *strata__sc_catalog_add(sc_catalog *cat, sc_kind kind);

/* Append a zeroed column to a table or composite type; NULL on OOM. */
sc_column *strata__sc_object_add_column(sc_catalog *cat, sc_object *obj);

/* n zeroed bytes from the catalog's arena; NULL on out of memory. */
void *strata__sc_alloc(sc_catalog *cat, size_t n);
/* A copy of s (not NULL) / of its first n bytes in the catalog's arena. */
char *strata__sc_strdup(sc_catalog *cat, const char *s);
char *strata__sc_strndup(sc_catalog *cat, const char *s, size_t n);
/* Move a malloc'ed string (strata__buf_detach, strata__sqt_name, strata__sc_make_key, ...) into
 * the catalog: returns the arena copy and frees s either way; NULL when s
 * is NULL or memory runs out (error set). */
char *strata__sc_take(sc_catalog *cat, char *s);

/* Append a copy of s (NULL: "") to a string array of the catalog (deps,
 * grants, labels, ...). 0 or STRATA_ERROR. */
int strata__sc_strv_add(sc_catalog *cat, char ***v, size_t *n, const char *s);
/* The room an array of n items of a catalog object has (see above). */
size_t strata__sc_strv_cap(size_t n);

/* Scratch string vectors outside any catalog (malloc'ed): append a copy
 * of s (NULL: ""), and free the vector with its strings. */
int strata__sc_strv_push(char ***v, size_t *n, const char *s);
void strata__sc_strv_free(char **v, size_t n);

/* Whether the string vector holds s. */
int strata__sc_strv_has(char *const *v, size_t n, const char *s);

/* Whether every string of a appears in b, in a's order (others may come
 * between): an enum whose labels were only added to. */
int strata__sc_strv_in_order(char *const *a, size_t na, char *const *b, size_t nb);

/* Build each object's key (when not set), sort the objects, index them by
 * key. Called once introspection is complete. */
int strata__sc_catalog_finish(sc_catalog *cat);

/* Add to v (a list of names, as strata__sc_strv_push) each schema of the catalog
 * that holds nothing but views and is named "<schema>_<suffix>" after
 * another of its schemas: how strata online names its versioned schemas,
 * for a catalog (a schema file) that lacks the rows of its state table
 * that name them. 0 or STRATA_ERROR. */
int strata__sc_add_versioned_schemas(const sc_catalog *cat, char ***v, size_t *n);

/* Remove every object drop() says yes to (its memory stays in the arena), before or after
 * strata__sc_catalog_finish; the order stays as it was. Objects that depend on a
 * removed one keep its key in their deps. 0 or STRATA_ERROR (out of
 * memory while indexing again). */
int strata__sc_catalog_drop_if(sc_catalog *cat, int (*drop)(const sc_object *o, void *payload),
		       void *payload);
/* Keep only what belongs to one schema (PostgreSQL; a fleet's tenant,
 * strata/fleet.h): the schema itself and every object whose schema is it;
 * every other object (other schemas, extensions elsewhere) is removed as
 * by strata__sc_catalog_drop_if. A catalog without that schema ends up empty.
 * 0 or STRATA_ERROR. */
int strata__sc_catalog_keep_schema(sc_catalog *cat, const char *schema);
/* The object with this key, or NULL. */
sc_object *strata__sc_catalog_find(const sc_catalog *cat, const char *key);

/* Keys: "kind/schema.name", or "kind/schema.table.name" for objects of a
 * table; schema and table omitted when NULL. Malloc'ed. */
char *strata__sc_make_key(sc_kind kind, const char *schema, const char *table, const char *name);

/* The object's name for people and SQL: "schema"."name" quoted as needed
 * (buf append). Functions print their name and arguments unquoted as
 * stored. */
struct strata_buf;
int strata__sc_put_qualified(struct strata_buf *out, const char *schema, const char *name);
/* One identifier, quoted only when PostgreSQL would quote it (not a plain
 * lowercase name, or a keyword that is not unreserved). */
int strata__sc_put_ident(struct strata_buf *out, const char *name);

/* Both NULL, or both equal strings. */
int strata__sc_str_eq(const char *a, const char *b);

/* Equality of two columns in everything the diff compares. */
int strata__sc_column_equal(const sc_column *a, const sc_column *b);

#endif
