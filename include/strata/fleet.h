/*
 * strata/fleet.h - fleets: one migrations folder rolled out to many
 * databases, or to many tenant schemas of one PostgreSQL database.
 *
 * strata.ini:
 *     [fleet.customers]
 *     targets = sqlite:a.db sqlite:b.db postgres://app@db1/app  (a list)
 *     targets = fleet.txt                  (a file: one URL a line; # comments)
 *     targets = exec: ./list-databases     (a command printing one URL a line)
 *     targets = query: SELECT url FROM tenants WHERE active
 *     control = postgres://ops@control/ops (the database that query runs on)
 *     parallel = 4                         (default 4)
 *     canary = 1                           (default 0)
 *     max_failures = 0                     (stop starting new targets past it;
 *                                           default: no limit)
 *
 *     [fleet.tenants]
 *     database = postgres://app@db/app
 *     schemas = SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%'
 *
 * With schemas, each schema the query returns is one target: the database
 * with search_path set to it, and its own version and history tables in
 * it (SCHEMA.strata_version). Schema names must be plain lowercase
 * identifiers ([a-z_][a-z0-9_]*).
 *
 * Every target keeps strata's per-database guarantees: its own connection,
 * run lock, transactions and history. Targets run on up to `parallel`
 * threads (one connection each). Canaries run first; if any fails, nothing
 * else starts. Past max_failures failures nothing new starts; targets
 * already running finish. A failed target never leaves another half-done.
 * A fleet is no environment: no promotion order applies to its targets.
 *
 * Reviewed plans per target: plan writes one plan file per target into a
 * folder (strata/planfile.h; a tenant's names its schema, and its schema
 * fingerprint covers that schema only), apply runs each target's file
 * with strata_plan_apply(), so each is refused on its own (edited body,
 * another database, state moved) while the others go on. Drift compares
 * each target with what its applied revisions make, as `strata drift`
 * (a tenant: its schema only).
 */
#ifndef STRATA_FLEET_H
#define STRATA_FLEET_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"
#include "strata/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_fleet_action {
	STRATA_FLEET_UPGRADE = 1,
	STRATA_FLEET_STATUS = 2,
	STRATA_FLEET_PLAN = 3,   /* a reviewed plan per target into plan_dir */
	STRATA_FLEET_APPLY = 4,  /* each target's plan from plan_dir, as strata_plan_apply() */
	STRATA_FLEET_DRIFT = 5,  /* does each target match its applied migrations? */
} strata_fleet_action;

typedef enum strata_fleet_outcome {
	STRATA_FLEET_NOT_STARTED = 0, /* stopped before its turn (canary or max_failures) */
	STRATA_FLEET_APPLIED,         /* upgrade ran revisions */
	STRATA_FLEET_UP_TO_DATE,      /* nothing to run (status: read, 0 pending) */
	STRATA_FLEET_FAILED,          /* an error, or (apply) a plan refused */
	STRATA_FLEET_PLANNED,         /* plan: its file written */
	STRATA_FLEET_NO_DRIFT,        /* drift: the schema is what its migrations make */
	STRATA_FLEET_DRIFTED,         /* drift: it differs (ndiff differences) */
	STRATA_FLEET_PENDING,         /* status: read, pending revisions still to apply */
} strata_fleet_outcome;
#define STRATA_FLEET_NOUTCOMES 8

typedef struct strata_fleet_target {
	char *url;          /* connection string: may hold a password, never shown */
	char *shown;        /* the same, password masked */
	char *schema;       /* the tenant schema, or NULL */
	/* the result of the last strata_fleet_run() */
	strata_fleet_outcome outcome;
	int canary;
	size_t applied;     /* upgrade, apply: revisions applied; status: revisions applied
	                       there; plan: steps planned */
	size_t pending;     /* status: revisions not applied there */
	char *heads;        /* status: version rows, space-separated */
	char *plan_file;    /* plan: the file written; apply: the file read */
	size_t ndiff;       /* drift: the differences found */
	double ms;
	char *error;        /* FAILED: the message (password-free) */
} strata_fleet_target;

typedef struct strata_fleet {
	char *name;
	strata_fleet_target *targets;
	size_t n;
	int parallel, canary, max_failures; /* from strata.ini; max_failures -1 = no limit */
} strata_fleet;

typedef struct strata_fleet_progress {
	size_t total, done, failed, running;
	double elapsed_ms;
} strata_fleet_progress;

typedef struct strata_fleet_options {
	int version;             /* STRATA_FLEET_OPTIONS_VERSION */
	strata_fleet_action action;
	const char *target;      /* upgrade, plan: see strata/graph.h; NULL = heads */
	int parallel;            /* 0 = the fleet's */
	int canary;              /* -1 = the fleet's */
	int max_failures;        /* -2 = the fleet's, -1 = no limit */
	int resume;              /* upgrade, apply: read each target first; those already at the
	                            target (apply: holding every step of its plan) are up
	                            to date and neither canaries nor run */
	void (*progress)(void *payload, const strata_fleet_progress *p); /* from any thread, serialised */
	void *payload;
	const char *plan_dir;    /* plan: the folder the plans are written to (it must
	                            exist); apply: read from. One file per target, named by
	                            strata_fleet_plan_name() */
	const strata_run_options *run; /* apply: log, lock_wait as for strata_plan_apply();
	                            NULL = defaults */
} strata_fleet_options;
#define STRATA_FLEET_OPTIONS_VERSION 1
#define STRATA_FLEET_OPTIONS_INIT { STRATA_FLEET_OPTIONS_VERSION, STRATA_FLEET_UPGRADE, NULL, 0, -1, -2, 0, NULL, NULL, NULL, NULL }

/**
 * Read [fleet.name] and list its targets (running its command or query).
 * @param[out] out  free with strata_fleet_free()
 * @return 0; STRATA_ENOTFOUND (no such fleet, a targets file missing),
 *         STRATA_EPARSE (bad section), STRATA_EDB / STRATA_ERROR
 */
int strata_fleet_load(strata_fleet **out, const strata_config *cfg, const char *name);

/**
 * Run the action over the fleet's targets; each target's outcome, time
 * and error are in f->targets afterwards.
 * @return 0 when every target succeeded; STRATA_ECHECK when some failed
 *         or did not start (the targets say which); STRATA_ERROR
 */
int strata_fleet_run(strata_fleet *f, const strata_config *cfg, const strata_graph *g,
		     const strata_fleet_options *o);

/**
 * The file name of a target's plan in a fleet's plan folder: the target as
 * shown (password masked) with every run of characters but [A-Za-z0-9.-]
 * made one '_' (and no leading '.'), from its first 80 characters, then '-', the first 12 hex digits of the
 * SHA-256 of the masked form (two targets that read alike stay apart), and
 * ".plan.sql". Stable across runs, safe on any file system, and never
 * derived from a password.
 * @param[out] out  strata_free()
 */
int strata_fleet_plan_name(char **out, const strata_fleet_target *t);

void strata_fleet_free(strata_fleet *f);

#ifdef __cplusplus
}
#endif
#endif
