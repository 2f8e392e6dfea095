/*
 * strata/lint.h - linting migrations for locks, table rewrites, data loss
 * and broken deploys, before they run.
 *
 * The rules walk libpg_query's parse tree of each statement (never the
 * text), with the context a migration has: tables created earlier in the
 * same migration (or in the same range of pending revisions) are exempt
 * from locking rules; the target PostgreSQL version decides what rewrites;
 * with a live database, tables below a row threshold get warnings instead
 * of errors. Every rule has a stable id (SL101...), a kebab-case name, a
 * default severity, a message and a hint with the safe way; docs/lint.md
 * lists them with a bad and a good example each.
 *
 * Suppression: a comment line `-- strata:ignore RULE[,RULE...] reason`
 * directly above the statement (or above the line the finding points at)
 * drops findings of those rules (by id or name) for that statement.
 *
 * Ownership: a strata_lint_report owns its findings and their strings;
 * rules are static and live for ever.
 */
#ifndef STRATA_LINT_H
#define STRATA_LINT_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/migration.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_lint_severity {
	STRATA_LINT_OFF = 0,
	STRATA_LINT_WARNING = 1,
	STRATA_LINT_ERROR = 2,
} strata_lint_severity;

/* Engines a rule applies to (bit set). */
enum {
	STRATA_LINT_PG = 1 << 0,
	STRATA_LINT_SQLITE = 1 << 1,
};

typedef struct strata_lint_rule {
	const char *id;      /* "SL101": stable, never reused */
	const char *name;    /* "require-concurrent-index-creation" */
	strata_lint_severity severity; /* default; STRATA_LINT_OFF = opt-in */
	unsigned engines;    /* STRATA_LINT_PG | STRATA_LINT_SQLITE */
	const char *summary; /* one line: what is risky */
	const char *hint;    /* the safe way to do it */
} strata_lint_rule;

/** Every rule, in id order. */
size_t strata_lint_rules(const strata_lint_rule **out);
/** A rule by id or name (case-insensitive), or NULL. */
const strata_lint_rule *strata_lint_rule_find(const char *id_or_name);

/* Rule severities and settings from strata.ini's [lint] section. */
#define STRATA_LINT_MAX_RULES 96
typedef struct strata_lint_settings {
	signed char severity[STRATA_LINT_MAX_RULES]; /* per rule index: -1 default, else a strata_lint_severity */
	int pg_version;        /* target major version (e.g. 15); 0 = not set */
	long small_table_rows; /* below this many rows a locking finding is a warning; default 10000 */
	long large_table_rows; /* from this many rows a locking finding estimates its hold; default 1000000 */
} strata_lint_settings;

/** Defaults: every rule at its own severity, no version, 10000 rows. */
void strata_lint_settings_init(strata_lint_settings *s);

/**
 * Read cfg's [lint] entries into s (after strata_lint_settings_init):
 *   RULE = off | warning | error     (RULE: an id like SL101 or a name)
 *   pg_version = 15
 *   small_table_rows = 10000
 *   large_table_rows = 1000000
 * @return 0, or STRATA_EPARSE naming the file, line and entry, with a hint
 */
int strata_lint_settings_load(strata_lint_settings *s, const strata_config *cfg);

typedef struct strata_lint_finding {
	const strata_lint_rule *rule;
	strata_lint_severity severity; /* after settings and table size */
	const char *path;  /* the file (or "<string>") */
	int line, col;     /* 1-based, in the file */
	char *message;
} strata_lint_finding;

typedef struct strata_lint_report strata_lint_report;

/* A live table's size: estimated rows (pg_class.reltuples; -1 unknown) and
 * the bytes of the table and of its indexes (relpages times the block
 * size). */
typedef struct strata_lint_table_size {
	long rows;
	long long table_bytes, index_bytes;
} strata_lint_table_size;

typedef struct strata_lint_options {
	int version;          /* STRATA_LINT_OPTIONS_VERSION */
	unsigned engine;      /* STRATA_LINT_PG (default when 0) or STRATA_LINT_SQLITE */
	int pg_version;       /* target PostgreSQL major version; 0 = 12, the oldest supported */
	int pg_version_num;   /* server_version_num when known (live database), else 0 */
	/* A plain SQL file: 1 if it is run inside one transaction. Migrations
	 * take this from their "transaction:" header. */
	int assume_in_transaction;
	/* 1 when the runner sets lock_timeout before each migration (strata's
	 * upgrade does, from strata.ini's lock_timeout, unless it is 0). */
	int runner_sets_lock_timeout;
	/* A live table's size into *out: 0 when the table exists there, -1
	 * when it does not or nothing is known (no database); schema is NULL
	 * when the statement does not name one. */
	int (*table_size)(void *payload, const char *schema, const char *table,
			  strata_lint_table_size *out);
	void *payload;
	const strata_lint_settings *settings; /* or NULL for defaults */
	/* 1 when the report's history holds every revision before the one
	 * linted, from base (a project's revision in graph order): a live
	 * table that no revision created is then named as possible drift. */
	int history_from_base;
} strata_lint_options;
#define STRATA_LINT_OPTIONS_VERSION 2
#define STRATA_LINT_OPTIONS_INIT { STRATA_LINT_OPTIONS_VERSION, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 }

/** An empty report. */
int strata_lint_report_new(strata_lint_report **out);
void strata_lint_report_free(strata_lint_report *r);

/**
 * Start a new range: tables and indexes created by earlier files are no
 * longer new (they exist by the time the next file runs). What earlier
 * files did to constraints (a CHECK (col IS NOT NULL) added NOT VALID, then
 * validated) is history and is kept: call between revisions that run one
 * after the other.
 */
void strata_lint_report_new_range(strata_lint_report *r);

/**
 * Forget the history too (a new range, and no constraint known): call
 * before a file that does not follow the ones linted so far.
 */
void strata_lint_report_new_history(strata_lint_report *r);

/**
 * Learn from a revision that runs before the ones to lint (one already
 * applied, or earlier in the graph's order): its up section is read for
 * the history (constraints added NOT VALID and validated) and reports
 * nothing. The tables and indexes it creates are not new. A revision that
 * does not parse teaches nothing and is not an error here (linting it
 * reports that).
 * @return 0, or STRATA_ERROR
 */
int strata_lint_learn_migration(strata_lint_report *r, const strata_migration *m,
				const strata_lint_options *opts);

/**
 * Lint a plain SQL file (no strata header): every statement of text.
 * @param path  shown in findings (copied)
 * @return 0 (findings are in r), STRATA_EPARSE (a syntax error: the
 *         message is "path:line:col: ..."), STRATA_ERROR
 */
int strata_lint_sql(strata_lint_report *r, const char *path, const char *text, size_t len,
		    const strata_lint_options *opts);

/**
 * Lint a migration: its up section, with its "transaction:" header, plus
 * the migration-level rules (a down section or an "irreversible" header).
 * Statements map back to the file's lines and columns.
 * @return as strata_lint_sql()
 */
int strata_lint_migration(strata_lint_report *r, const strata_migration *m,
			  const strata_lint_options *opts);

/**
 * Lint a file: a strata migration when its header has "-- revision:",
 * otherwise a plain SQL file (strata_lint_sql).
 * @return as strata_lint_sql(), or STRATA_ENOTFOUND / STRATA_ERROR reading it
 */
int strata_lint_file(strata_lint_report *r, const char *path, const strata_lint_options *opts);

/**
 * The files a directory given to lint stands for: every "*.sql" regular
 * file directly in it (not in subfolders, no symlinks), as a migrations
 * folder is read, sorted by name, as "dir/name" paths to pass to
 * strata_lint_file() one by one.
 * @param[out] out  *n paths; free with strata_lint_paths_free()
 * @return 0, STRATA_ENOTFOUND (no such directory, or no .sql file in it;
 *         the message names it), STRATA_ERROR
 */
int strata_lint_dir_files(char ***out, size_t *n, const char *dir);
void strata_lint_paths_free(char **paths, size_t n);

/** Record that an applied revision's file changed since it ran (rule SL502). */
int strata_lint_applied_changed(strata_lint_report *r, const strata_migration *m,
				const char *recorded_checksum, const strata_lint_options *opts);

/**
 * Lint a SQL string: no files, no database. The entry point for fuzzing.
 * @param[out] out  the report (free with strata_lint_report_free), also
 *                  when the result is STRATA_EPARSE; NULL on STRATA_ERROR
 */
int strata_lint_string(strata_lint_report **out, const char *sql, size_t len,
		       const strata_lint_options *opts);

/** Findings in file, line, column order (as added for one file). */
size_t strata_lint_report_count(const strata_lint_report *r);
const strata_lint_finding *strata_lint_report_at(const strata_lint_report *r, size_t i);
/** Statements and files linted (statements inside function bodies and DO
 *  blocks count), findings suppressed by comments. */
size_t strata_lint_report_statements(const strata_lint_report *r);
size_t strata_lint_report_files(const strata_lint_report *r);
size_t strata_lint_report_suppressed(const strata_lint_report *r);
/** PL/pgSQL or SQL function bodies and DO blocks whose SQL could not be
 *  read (all or some of it), so not linted. PostgreSQL checks them itself
 *  when the function is created. */
size_t strata_lint_report_bodies_skipped(const strata_lint_report *r);

typedef enum strata_lint_format {
	STRATA_LINT_FORMAT_TEXT = 1,   /* file:line:col: severity RULE-ID message [name] + hint */
	STRATA_LINT_FORMAT_JSON = 2,
	STRATA_LINT_FORMAT_SARIF = 3,  /* SARIF 2.1.0, for code scanning */
	STRATA_LINT_FORMAT_GITHUB = 4, /* GitHub Actions workflow annotations */
} strata_lint_format;

/**
 * Render the findings at or above min_severity.
 * @param[out] out  NUL-terminated text (strata_free)
 */
int strata_lint_render(char **out, const strata_lint_report *r, strata_lint_format format,
		       strata_lint_severity min_severity);

/** Number of findings at error level (what makes `strata lint` exit 1). */
size_t strata_lint_report_errors(const strata_lint_report *r);

/* A live PostgreSQL database the rules consult (version, table sizes). */
typedef struct strata_lint_live strata_lint_live;

/**
 * Connect read-only to conninfo and read the server version and every
 * table's estimated row count. Not PostgreSQL: *out is NULL and 0.
 * Fills opts->pg_version, pg_version_num, table_size and payload.
 * @return 0, or STRATA_EDB / STRATA_ERROR (cannot connect, query failed)
 */
int strata_lint_live_open(strata_lint_live **out, strata_lint_options *opts,
			  const char *conninfo, const char *project_root);
void strata_lint_live_free(strata_lint_live *live);

#ifdef __cplusplus
}
#endif
#endif
