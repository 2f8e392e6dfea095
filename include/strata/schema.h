/*
 * strata/schema.h - schemas as catalogs: load them from anywhere a user
 * names one, compare two, and turn one into SQL or a diagram.
 *
 * A schema source ("spec") is a connection string (the live database's
 * schema), a schema .sql file, a migrations directory (its schema once
 * every revision is applied) or a provider ("exec: COMMAND", whose output
 * is a schema file: an application's ORM models). Files and directories
 * are loaded into a shadow database (SQLite: a temporary file; PostgreSQL:
 * a temporary database on cfg's shadow_database, else on cfg's database's
 * server), introspected and dropped; the result is cached under the
 * project (.strata/cache) unless cfg->no_cache.
 *
 * What the commands do with it:
 *   diff A B     strata_catalog_load_pair() then strata_schema_diff()
 *   dump         strata_catalog_load() then strata_schema_dump()
 *   erd          strata_catalog_load() then strata_schema_erd()
 *   drift        strata_catalog_load_replayed() up to the version rows
 *                strata_status_read() gives, strata_catalog_load_database(),
 *                then strata_schema_diff() from the first to the second
 *   revision --autogenerate  strata_schema_steps_plan()
 *
 * Ownership: a catalog is one snapshot, freed with strata_catalog_free().
 * A change list is freed with strata_changes_free(); its strings
 * (strata_change_info) are borrowed until then, and it points into the
 * two catalogs it compares, so free it before them. Text comes through a
 * caller's strata_buf (strata/buf.h).
 */
#ifndef STRATA_SCHEMA_H
#define STRATA_SCHEMA_H

#include <stddef.h>
#include "strata/buf.h"
#include "strata/config.h"
#include "strata/db.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One schema snapshot. */
typedef struct strata_catalog strata_catalog;
/** An ordered list of changes from one catalog to another. */
typedef struct strata_changes strata_changes;

/** The prefix of a provider spec. */
#define STRATA_SCHEMA_PROVIDER_PREFIX "exec:"

/** The engine a spec implies (a connection string's), or 0 for files and directories. */
strata_engine strata_schema_source_engine(const char *spec);
/** 1 when spec names a provider ("exec: ..."), else 0. */
int strata_schema_is_provider(const char *spec);
/** Append a provider's command as messages show it: the words after "exec:", any password masked. */
int strata_schema_provider_display(strata_buf *out, const char *spec);

/**
 * Read the schema a spec names.
 * @param[out] out  free with strata_catalog_free()
 * @param engine  the engine for files and directories
 * @param cfg  the version table to leave out, shadow_database, and the
 *             settings a replay runs with; borrowed for the call
 * @return 0, STRATA_EINVALID (a spec that names nothing), STRATA_EPARSE
 *         (a bad schema file or migration), STRATA_EDB, STRATA_ERROR
 */
int strata_catalog_load(strata_catalog **out, const char *spec, strata_engine engine,
			const strata_config *cfg);

/**
 * strata_catalog_load() of two specs at the same time, on two threads
 * (each load is mostly waiting on a server or a provider). On failure
 * both are NULL, and the thread's error is the first failing side's (a's
 * when both fail).
 * @param[out] a_out, b_out  free each with strata_catalog_free()
 */
int strata_catalog_load_pair(strata_catalog **a_out, strata_catalog **b_out, const char *spec_a,
			     const char *spec_b, strata_engine engine, const strata_config *cfg);

/** Read a live database's schema on a read-only session (free *out with strata_catalog_free()). */
int strata_catalog_load_database(strata_catalog **out, const char *conninfo,
				 const strata_config *cfg);

/**
 * Read the schema a migrations directory makes when applied up to each of
 * targets (ntargets 0: nothing applied, an empty schema).
 * @param[out] out  free with strata_catalog_free()
 */
int strata_catalog_load_replayed(strata_catalog **out, const char *dir,
				 const char *const *targets, size_t ntargets, strata_engine engine,
				 const strata_config *cfg);

/** Free a catalog. NULL is fine. */
void strata_catalog_free(strata_catalog *cat);

/**
 * Drop every shadow database still alive (and end a provider still
 * running). For a program's signal handling thread: safe to call while
 * other threads are loading, whose loads then fail.
 */
void strata_schema_abort_all(void);

typedef struct strata_diff_options {
	int version;            /* STRATA_DIFF_OPTIONS_VERSION */
	int with_grants;        /* compare GRANTs (default on) */
	int extension_versions; /* compare extension versions (default off) */
	int for_migration;      /* the SQL is a revision strata's runner applies (default off:
				 * a script for the engine's own shell) */
} strata_diff_options;
#define STRATA_DIFF_OPTIONS_VERSION 1
#define STRATA_DIFF_OPTIONS_INIT { STRATA_DIFF_OPTIONS_VERSION, 1, 0, 0 }

/**
 * The changes that, applied to a database whose schema is `from`, leave
 * it with the schema `to`: dependency-ordered, each with the SQL for the
 * catalogs' engine and a destructive flag. Renames are never guessed (a
 * drop and an add, marked destructive).
 * @param[out] out  free with strata_changes_free(), before from and to
 * @param opts  NULL for the defaults
 * @return 0, STRATA_EINVALID (catalogs of two engines), STRATA_ERROR
 */
int strata_schema_diff(strata_changes **out, const strata_catalog *from,
		       const strata_catalog *to, const strata_diff_options *opts);

typedef enum strata_change_op {
	STRATA_CHANGE_CREATE = 1,
	STRATA_CHANGE_DROP = 2,
	STRATA_CHANGE_ALTER = 3,
} strata_change_op;

/** One change, as strata_changes_get() gives it; strings borrowed from the list. */
typedef struct strata_change_info {
	strata_change_op op;
	const char *kind;    /* "table", "column", "index", ... */
	const char *object;  /* "public.users", "public.users.email" (a column), ... */
	const char *detail;  /* for people: "type integer -> bigint"; or NULL */
	const char *sql;     /* statements, each ending in ";\n"; NULL for a change that only reports */
	int destructive;     /* drops data or an object that holds data */
	int consequential;   /* only there because something it depends on changes (a view
				dropped and recreated around a column change): not a
				difference of its own */
} strata_change_info;

/** Number of changes (0: the catalogs do not differ). */
size_t strata_changes_count(const strata_changes *c);
/** The i-th change (i < count) into *out. */
void strata_changes_get(strata_change_info *out, const strata_changes *c, size_t i);
/** Append every change's SQL in order, a destructive one after a "-- destructive: ..." comment line. */
int strata_changes_sql(strata_buf *out, const strata_changes *c);
/** Free a change list. NULL is fine. */
void strata_changes_free(strata_changes *c);

/** Append the whole schema as canonical SQL that creates it in an empty database (a dump). */
int strata_schema_dump(strata_buf *out, const strata_catalog *cat);
/** Append the SQL that drops every object of the schema. */
int strata_schema_drop_all(strata_buf *out, const strata_catalog *cat);
/**
 * Append a diagram of the tables, their key columns (every column with
 * all_columns) and foreign keys.
 * @param format  "dot" (Graphviz) or "mermaid"; another is STRATA_EINVALID
 */
int strata_schema_erd(strata_buf *out, const strata_catalog *cat, const char *format,
		      int all_columns);

/** One revision of a migration split into steps that run safely. */
typedef struct strata_schema_step {
	const char *label; /* static: "schema", "concurrent indexes", "validate" */
	int transactional;
	char *up;
	char *down;
	char *batch;       /* a batched data step's statement ("-- +batch"), or NULL */
} strata_schema_step;

/** Steps, filled by the calls below; end with strata_schema_steps_release(). */
typedef struct strata_schema_steps {
	strata_schema_step *v;
	size_t n;          /* 0: the catalogs do not differ */
	char **notes;      /* for people: changes kept plain, and why */
	size_t nnotes;
} strata_schema_steps;

/**
 * The revisions that turn a database with the schema `from` into `to`
 * (revision --autogenerate). PostgreSQL: a change that would lock or
 * rewrite a busy table is split out (CREATE INDEX CONCURRENTLY outside a
 * transaction, NOT VALID then VALIDATE); SQLite: one step.
 * @param[out] out  release with strata_schema_steps_release()
 */
int strata_schema_steps_plan(strata_schema_steps *out, const strata_catalog *from,
			     const strata_catalog *to);

/**
 * The not-null template's steps (revision --template not-null): have and
 * work are two loads of the migrations' head, both changed by the call.
 * table may be schema-qualified (PostgreSQL); type is the column's type
 * when it does not exist yet (else NULL).
 * @param[out] out  release with strata_schema_steps_release()
 * @return 0, or STRATA_EINVALID naming what is wrong, with a hint
 */
int strata_schema_template_not_null(strata_schema_steps *out, strata_catalog *have,
				    strata_catalog *work, const char *table, const char *column,
				    const char *type);

/** Free what the steps hold; the struct is empty again. */
void strata_schema_steps_release(strata_schema_steps *s);

#ifdef __cplusplus
}
#endif
#endif
