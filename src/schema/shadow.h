/*
 * schema/shadow.h - shadow databases, and reading a schema from any of the
 * places a user names one: a live database, a schema .sql file, a schema
 * provider's output (schema/provider.h) or a migrations directory.
 *
 * A file or a directory is read by loading it into a shadow database and
 * introspecting that (the diff never reads SQL text):
 *  - SQLite: a new database file in the temporary directory ($TMPDIR or
 *    /tmp), removed afterwards. A file rather than :memory: because the
 *    migration runner opens connections of its own.
 *  - PostgreSQL: CREATE DATABASE strata_shadow_<random> on the server of
 *    the config's shadow_database (or, when unset, of the target
 *    database), dropped afterwards (plain DROP first, then WITH (FORCE):
 *    see drop_pg). strata never empties or reuses an existing database:
 *    a misconfigured shadow_database cannot lose anything; the role needs
 *    CREATEDB there. Shadows that killed runs left behind are dropped by
 *    the next creation on the server (see KEEPER_APP in shadow.c).
 * What a shadow gives is cached under the project (schema/snapshot.h),
 * so that reading the same inputs again costs a file read.
 * Every live shadow is registered, so that strata__sc_shadow_abort_all() (called
 * by the CLI on SIGINT/SIGTERM/SIGHUP, from its signal thread) drops them
 * all even while the main thread is blocked in a query.
 */
#ifndef STRATA_SCHEMA_SHADOW_H
#define STRATA_SCHEMA_SHADOW_H

#include "schema/catalog.h"
#include "strata/config.h"

typedef struct sc_shadow sc_shadow;

/* Create an empty shadow database for the engine. server: PostgreSQL
 * connection string of the server to create it on (ignored for SQLite). */
int strata__sc_shadow_create(sc_shadow **out, int engine, const char *server);
/* Its connection string (may carry the server's password: never print). */
const char *strata__sc_shadow_conninfo(const sc_shadow *s);
/* Drop and free; NULL is fine. Returns the drop's error, if any. */
int strata__sc_shadow_drop(sc_shadow *s);
/* Drop every shadow still alive, and kill a schema provider still
 * running (signal path; thread-safe). */
void strata__sc_shadow_abort_all(void);

/* Run the statements of a SQL file in the shadow (file:line on error). */
int strata__sc_shadow_load_file(sc_shadow *s, const char *path);
/* Apply a migrations directory in the shadow: up to each of targets
 * (revision ids), or to its heads when ntargets is 0 and targets NULL. */
int strata__sc_shadow_replay(sc_shadow *s, const strata_config *cfg, const char *dir,
		     const char *const *targets, size_t ntargets);
/* The same with the directory's graph already loaded (cfg->migrations);
 * called again, it applies only what the shadow does not have yet. */
struct strata_graph;
int strata__sc_shadow_upgrade(sc_shadow *s, const strata_config *cfg, const struct strata_graph *g,
		      const char *const *targets, size_t ntargets);

/* What a spec names. */
typedef enum sc_source_kind {
	SC_SOURCE_DATABASE = 1,
	SC_SOURCE_FILE,
	SC_SOURCE_MIGRATIONS,
	SC_SOURCE_PROVIDER, /* "exec: COMMAND ARGS" (schema/provider.h) */
} sc_source_kind;

/* Classify a spec: a provider ("exec: ..."), an existing directory, an
 * existing file, or a connection string; anything else is
 * STRATA_EINVALID saying so. */
int strata__sc_source_classify(sc_source_kind *out, const char *spec);

/* The engine a spec implies (a connection string's), or 0 for files and
 * directories, which take the engine of the other side or the config's. */
int strata__sc_source_engine(const char *spec);

/* Read the schema a spec names. engine: for files and directories. The
 * config gives the version table to leave out, shadow_database, and the
 * settings the replay runs with. */
int strata__sc_load(sc_catalog **out, const char *spec, int engine, const strata_config *cfg);

/* Read two schemas at the same time, as strata__sc_load() each (each reading is
 * mostly waiting on a server; the second runs on a thread of its own, or
 * after the first when none can be started). On failure both are NULL and
 * the error is the first side's that failed. */
int strata__sc_load_pair(sc_catalog **a, sc_catalog **b, const char *spec_a, const char *spec_b,
		 int engine, const strata_config *cfg);

/* A database's online revisions, for a replay that matches it: the
 * expanded ones stay expanded; every other online revision is contracted
 * right after its expand, as the database's history records it (by a later
 * revision's contracts header or by 'strata online complete'). */
typedef struct sc_online_state {
	const char *const *expanded;  /* revision ids */
	size_t nexpanded;
} sc_online_state;

/* Read the schema a migrations directory makes when applied up to each of
 * targets (ntargets may be 0: nothing applied, an empty schema). online:
 * NULL = an online revision is contracted only when a later revision says so. */
int strata__sc_load_replayed(sc_catalog **out, const char *dir, const char *const *targets,
		     size_t ntargets, const sc_online_state *online, int engine,
		     const strata_config *cfg);

/* Read a live database (read-only session). */
int strata__sc_load_database(sc_catalog **out, const char *conninfo, const strata_config *cfg);

#endif
