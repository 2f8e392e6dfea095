/*
 * strata/config.h - project settings: strata.ini, environment, flags.
 *
 * Precedence, highest first: command-line flag > STRATA_DATABASE_URL >
 * DATABASE_URL > strata.ini > built-in default. (The two environment
 * variables only set the database; the other keys come from flags or
 * the file.)
 *
 * The project folder is the folder of the config file: the one given by
 * -c/--config, else the nearest strata.ini found from the working folder
 * upwards, else the working folder itself. Relative paths in the config
 * (migrations, schema, sqlite: database files) resolve against it.
 *
 * strata.ini:
 *     [strata]
 *     database = postgres://app@localhost/app
 *     migrations = migrations
 *     schema = schema.sql                (or exec: COMMAND ARGS, a schema provider)
 *     version_table = strata_version     (schema-qualified allowed)
 *     lock_timeout = 5s
 *     statement_timeout = 0
 *     lock_wait = 60s
 *     lock_retries = 5
 *     sum = strict                       (or auto: see strata/project.h)
 *     shadow_database =
 *     provider_timeout = 60s             (time limit of schema = exec: ...)
 *
 * [online] batch_target = 100ms: batch sizes of online backfills and
 * batched steps adapt so that a batch takes about this long (an explicit
 * --batch-size fixes the size instead).
 *
 * [test] heads = N: the number of heads strata test's single-head check
 * expects (default 1).
 *
 * [online] keep_versions = N: how many version schemas of completed online
 * migrations stay, the newest first (default 1; see docs/online.md).
 *
 * [lint] holds rule severities and lint settings (strata/lint.h); it is
 * kept as read here and checked by lint. [advise] likewise holds the
 * schema advisor's settings (strata/advise.h), checked by advise.
 *
 * [env.NAME] sections name environments (docs/environments.md): any
 * [strata] key, plus promote_from = OTHER (revisions must have been applied
 * on OTHER first), protected = yes (production-like) and require_plan =
 * yes|no (upgrade only through a reviewed plan; default: yes when
 * protected). -e NAME / STRATA_ENV selects one: its keys replace the
 * [strata] ones, and its database comes before STRATA_DATABASE_URL and
 * DATABASE_URL (only -d/--database beats it), so an ambient DATABASE_URL
 * never sends `strata -e production` elsewhere.
 *
 * [fleet.NAME] sections name fleets of databases (strata/fleet.h): targets,
 * control, schemas, database, parallel, canary, max_failures.
 *
 * Unknown keys or sections ([lint] is reserved for lint) are errors naming
 * the file and line, so a typo never silently falls back to a default.
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How upgrade, downgrade and stamp treat a strata.sum that differs from the folder. */
enum strata_sum_mode {
	STRATA_SUM_STRICT = 0, /* stop; `strata hash` records the change */
	STRATA_SUM_AUTO = 1,   /* rehash files whose revision the target database has not applied */
};
typedef struct strata_config {
	char *root;            /* project folder (absolute) */
	char *config_path;     /* the strata.ini read, or NULL */
	char *database;        /* connection string; may hold a password: never print it */
	const char *database_source; /* "--database", "STRATA_DATABASE_URL", "DATABASE_URL", "strata.ini", "default" */
	char *migrations;      /* migrations folder, resolved against root */
	char *schema;          /* declarative schema file, resolved against root; or a
				* provider "exec: COMMAND ARGS", kept as written */
	char *version_table;   /* as configured, e.g. "strata_version" or "ops.strata_version" */
	char *history_table;   /* same schema as version_table, table "strata_history" */
	char *shadow_database; /* or NULL */
	long lock_timeout_ms;      /* default 5000 */
	long statement_timeout_ms; /* default 0 (none) */
	long lock_wait_ms;         /* how long to wait for another runner; default 60000 */
	int lock_retries;          /* retries of a migration whose lock_timeout fired; default 5 */
	int sum_mode;              /* STRATA_SUM_STRICT (default) or STRATA_SUM_AUTO */
	int test_heads;            /* [test] heads: the heads strata test expects; default 1 */
	long batch_target_ms;      /* [online] batch_target: the time a backfill or batched
	                              step's batch aims at (adaptive size); default 100 */
	int online_keep_versions;  /* [online] keep_versions; default 1 */
	char **lint_keys;          /* [lint] entries as read (checked by strata_lint_settings_load) */
	char **lint_values;
	size_t nlint;
	char **advise_keys;        /* [advise] entries as read (checked by strata_advise_settings_load) */
	char **advise_values;
	size_t nadvise;
	long provider_timeout_ms;  /* time limit of a schema provider; default 60000 */
	int no_cache;              /* 1: bypass the shadow snapshot cache (.strata/cache) */
	/* Environments ([env.NAME]). */
	char *env;                 /* the environment selected (-e, STRATA_ENV), or NULL */
	char *promote_from;        /* its promote_from, or NULL */
	int protected_env;         /* its protected = yes */
	int require_plan;          /* upgrade only through a reviewed plan (strata/planfile.h) */
	char **env_names;          /* every [env.NAME] of the file, in file order */
	size_t nenvs;
	/* A fleet's tenant target (strata/fleet.h): the one schema it owns. Plans
	 * fingerprint, and drift compares, only that schema. NULL = the whole
	 * database. Never set from the file. */
	char *tenant_schema;
	/* [fleet.NAME] entries as read, in file order (strata/fleet.h reads them). */
	char **fleet_entry_names, **fleet_entry_keys, **fleet_entry_values;
	size_t nfleet_entries;
} strata_config;

/* What the caller knows before reading the file: flags and environment. */
typedef struct strata_config_input {
	int version;            /* STRATA_CONFIG_INPUT_VERSION */
	const char *cwd;        /* working folder; NULL = getcwd() */
	const char *config_file;/* -c/--config, or NULL */
	const char *database;   /* -d/--database, or NULL */
	const char *migrations; /* --migrations, or NULL */
	const char *env_strata_database_url; /* getenv("STRATA_DATABASE_URL") */
	const char *env_database_url;        /* getenv("DATABASE_URL") */
	const char *lock_timeout;      /* --lock-timeout, or NULL */
	const char *statement_timeout; /* --statement-timeout, or NULL */
	const char *lock_wait;         /* --lock-wait, or NULL */
	const char *env;               /* -e/--env or STRATA_ENV: an [env.NAME], or NULL */
} strata_config_input;
#define STRATA_CONFIG_INPUT_VERSION 1
#define STRATA_CONFIG_INPUT_INIT { STRATA_CONFIG_INPUT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * Work out the configuration.
 * @param[out] out  free with strata_config_free()
 * @return 0, STRATA_ENOTFOUND (an explicit -c file is missing),
 *         STRATA_EPARSE (bad file, naming file:line), STRATA_EINVALID (bad duration)
 */
int strata_config_load(strata_config **out, const strata_config_input *in);

void strata_config_free(strata_config *c);

/**
 * The configuration of another environment of the same project: cfg's
 * file read again with [env.NAME] selected, and none of the flags or
 * environment variables that chose cfg's database (they belong to cfg).
 * @param[out] out  free with strata_config_free()
 * @return 0, STRATA_ENOTFOUND (no [env.NAME]), or as strata_config_load()
 */
int strata_config_load_env(strata_config **out, const strata_config *cfg, const char *name);

/** The file name strata looks for. */
#define STRATA_CONFIG_FILE "strata.ini"

#ifdef __cplusplus
}
#endif
#endif
