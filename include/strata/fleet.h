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
 * A fleet is no environment: no promotion order and no plans apply to its
 * targets.
 */
#ifndef STRATA_FLEET_H
#define STRATA_FLEET_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_fleet_action {
	STRATA_FLEET_UPGRADE = 1,
	STRATA_FLEET_STATUS = 2,
} strata_fleet_action;

typedef enum strata_fleet_outcome {
	STRATA_FLEET_NOT_STARTED = 0, /* stopped before its turn (canary or max_failures) */
	STRATA_FLEET_APPLIED,         /* upgrade ran revisions */
	STRATA_FLEET_UP_TO_DATE,      /* nothing to run (status: read) */
	STRATA_FLEET_FAILED,
} strata_fleet_outcome;

typedef struct strata_fleet_target {
	char *url;          /* connection string: may hold a password, never shown */
	char *shown;        /* the same, password masked */
	char *schema;       /* the tenant schema, or NULL */
	/* the result of the last strata_fleet_run() */
	strata_fleet_outcome outcome;
	int canary;
	size_t applied;     /* upgrade: revisions applied; status: revisions applied there */
	size_t pending;     /* status: revisions not applied there */
	char *heads;        /* status: version rows, space-separated */
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
	const char *target;      /* upgrade: see strata/graph.h; NULL = heads */
	int parallel;            /* 0 = the fleet's */
	int canary;              /* -1 = the fleet's */
	int max_failures;        /* -2 = the fleet's, -1 = no limit */
	int resume;              /* upgrade: read each target first; those already at the
	                            target are up to date and neither canaries nor run */
	void (*progress)(void *payload, const strata_fleet_progress *p); /* from any thread, serialised */
	void *payload;
} strata_fleet_options;
#define STRATA_FLEET_OPTIONS_VERSION 1
#define STRATA_FLEET_OPTIONS_INIT { STRATA_FLEET_OPTIONS_VERSION, STRATA_FLEET_UPGRADE, NULL, 0, -1, -2, 0, NULL, NULL }

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

void strata_fleet_free(strata_fleet *f);

#ifdef __cplusplus
}
#endif
#endif
