/*
 * strata/advise.h - the schema design advisor: keys and integrity,
 * indexes, types and naming, normalization, on a whole schema and, for a
 * live PostgreSQL database, on its statistics.
 *
 * Where lint looks at one migration's statements, advise looks at the
 * schema as it is: a live database, a schema .sql file or a migrations
 * directory (both loaded into a shadow database, as diff does). Rules work
 * on the engine-neutral catalog model, so one rule runs on both engines
 * where it applies. Every rule has a stable id (SA101...; SA1xx keys and
 * integrity, SA2xx indexes, SA3xx types and naming, SA4xx normalization),
 * a kebab-case name, a default severity, a hint saying what to do and,
 * where one exists, the DDL that does it. docs/advise.md lists them.
 *
 * Live rules (unused, invalid indexes, sequential scans, sequences near
 * the end of their range) read PostgreSQL's statistics with one query per
 * kind; the delimited-list rule reads a bounded sample of rows only when
 * asked (opts->sample), never a full scan.
 *
 * Ownership: a strata_advise_report owns its findings and their strings;
 * rules are static and live for ever; settings own their lists until
 * strata_advise_settings_release().
 */
#ifndef STRATA_ADVISE_H
#define STRATA_ADVISE_H

#include <stddef.h>
#include "strata/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_advise_severity {
	STRATA_ADVISE_OFF = 0,
	STRATA_ADVISE_INFO = 1,    /* a hint: worth a look */
	STRATA_ADVISE_WARNING = 2, /* a design problem */
	STRATA_ADVISE_ERROR = 3,   /* breaks or will break */
} strata_advise_severity;

/* What a rule applies to and needs (bit set). */
enum {
	STRATA_ADVISE_PG = 1 << 0,
	STRATA_ADVISE_SQLITE = 1 << 1,
	STRATA_ADVISE_LIVE = 1 << 2,   /* needs a live PostgreSQL database's statistics */
	STRATA_ADVISE_SAMPLE = 1 << 3, /* reads sampled rows with opts->sample */
};

typedef struct strata_advise_rule {
	const char *id;      /* "SA201": stable, never reused */
	const char *name;    /* "foreign-key-without-index" */
	strata_advise_severity severity; /* default */
	unsigned applies;    /* STRATA_ADVISE_PG | STRATA_ADVISE_SQLITE | ... */
	const char *summary; /* one line: what is wrong */
	const char *hint;    /* what to do */
} strata_advise_rule;

/** Every rule, in id order. */
size_t strata_advise_rules(const strata_advise_rule **out);
/** A rule by id or name (any case), or NULL. */
const strata_advise_rule *strata_advise_rule_find(const char *id_or_name);

#define STRATA_ADVISE_MAX_RULES 64

/* One [advise] ignore entry: findings of rule (or of every rule when
 * NULL) on an object matching pattern (fnmatch; NULL: every object). */
typedef struct strata_advise_ignore {
	const strata_advise_rule *rule;
	char *pattern;
} strata_advise_ignore;

typedef struct strata_advise_settings {
	signed char severity[STRATA_ADVISE_MAX_RULES]; /* per rule index: -1 default */
	int max_columns;           /* SA404: more columns than this; default 50 */
	long seq_scan_min_scans;   /* SA206: at least this many sequential scans; default 1000 */
	long seq_scan_min_rows;    /* SA206: of a table of at least this many rows; default 10000 */
	int sequence_used_percent; /* SA103: from this share of the range used; default 50 */
	int unused_index_min_days; /* SA204: statistics younger than this: info only; default 7 */
	int sample_rows;           /* SA402 with sampling: rows read per table; default 1000 */
	strata_advise_ignore *ignore;
	size_t nignore;
	char **like_columns;       /* SA208: "schema.table.column" / "table.column" searched with LIKE 'x%' */
	size_t nlike_columns;
} strata_advise_settings;

/** Defaults: every rule at its own severity, the limits above, no ignores. */
void strata_advise_settings_init(strata_advise_settings *s);
void strata_advise_settings_release(strata_advise_settings *s);

/**
 * Read cfg's [advise] entries into s (after strata_advise_settings_init):
 *   RULE = off | info | warning | error   (RULE: an id like SA101 or a name)
 *   ignore = RULE [PATTERN], ...          (RULE or *; PATTERN matches the object)
 *   max_columns = 50
 *   like_columns = public.users.email, ...
 *   seq_scan_min_scans, seq_scan_min_rows, sequence_used_percent,
 *   unused_index_min_days, sample_rows
 * @return 0, or STRATA_EPARSE naming the file, line and entry, with a hint
 */
int strata_advise_settings_load(strata_advise_settings *s, const strata_config *cfg);

typedef struct strata_advise_finding {
	const strata_advise_rule *rule;
	strata_advise_severity severity; /* after settings and statistics */
	const char *object;  /* "schema.table", "schema.table.column" (no schema on SQLite) */
	const char *message;
	const char *fix;     /* DDL that does what the hint says, or NULL */
} strata_advise_finding;

typedef struct strata_advise_report strata_advise_report;

/* The engine of a schema file or migrations directory. */
enum { STRATA_ADVISE_ENGINE_SQLITE = 1, STRATA_ADVISE_ENGINE_POSTGRES = 2 };

typedef struct strata_advise_options {
	int version;      /* STRATA_ADVISE_OPTIONS_VERSION */
	int engine;       /* for files and directories: STRATA_ADVISE_ENGINE_*; databases say theirs */
	int no_live;      /* 1: do not read a live database's statistics */
	int sample;       /* 1: sample rows for the delimited-list rule (bounded reads) */
	const strata_advise_settings *settings; /* or NULL for defaults */
} strata_advise_options;
#define STRATA_ADVISE_OPTIONS_VERSION 1
#define STRATA_ADVISE_OPTIONS_INIT { STRATA_ADVISE_OPTIONS_VERSION, 0, 0, 0, NULL }

/**
 * Advise on the schema source names: a database connection string, a
 * schema .sql file or a migrations directory (loaded into a shadow
 * database on cfg's shadow_database or its database's server, always
 * dropped). A live PostgreSQL database's statistics are read too, unless
 * opts->no_live.
 * @param[out] out  free with strata_advise_report_free()
 * @return 0 (findings are in *out), STRATA_EINVALID / STRATA_ENOTFOUND /
 *         STRATA_EPARSE (bad source), STRATA_EDB, STRATA_ERROR
 */
int strata_advise_source(strata_advise_report **out, const char *source, const strata_config *cfg,
			 const strata_advise_options *opts);
void strata_advise_report_free(strata_advise_report *r);

/** Findings, ordered by object then rule id. */
size_t strata_advise_report_count(const strata_advise_report *r);
const strata_advise_finding *strata_advise_report_at(const strata_advise_report *r, size_t i);
/** Findings at or above severity (what makes `strata advise` exit 1). */
size_t strata_advise_report_at_least(const strata_advise_report *r, strata_advise_severity min);
/** Findings dropped by [advise] ignore entries. */
size_t strata_advise_report_ignored(const strata_advise_report *r);
/** Tables looked at; whether statistics were read and their age in
 *  seconds (-1 when none); tables sampled. */
size_t strata_advise_report_tables(const strata_advise_report *r);
int strata_advise_report_live(double *stats_age_seconds, const strata_advise_report *r);
size_t strata_advise_report_sampled(const strata_advise_report *r);

typedef enum strata_advise_format {
	STRATA_ADVISE_FORMAT_TEXT = 1,   /* object: severity RULE-ID message [name] + hint + fix */
	STRATA_ADVISE_FORMAT_JSON = 2,
	STRATA_ADVISE_FORMAT_SARIF = 3,
	STRATA_ADVISE_FORMAT_GITHUB = 4,
} strata_advise_format;

/**
 * Render the findings at or above min_severity.
 * @param source    shown as the file of SARIF and GitHub findings when it
 *                  is a file or directory, or NULL
 * @param[out] out  NUL-terminated text (strata_free)
 */
int strata_advise_render(char **out, const strata_advise_report *r, strata_advise_format format,
			 strata_advise_severity min_severity, const char *source);

#ifdef __cplusplus
}
#endif
#endif
