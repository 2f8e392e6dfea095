/*
 * strata/planfile.h - reviewed plans: the exact upgrade script for one
 * database in one state, written for review (`strata plan -o FILE`) and
 * run later exactly as reviewed (`strata apply FILE`).
 *
 * A plan file is a SQL file. Its header is "-- key: value" comment lines
 * (so the whole file still runs in psql or sqlite3), and its body is the
 * `strata upgrade --sql` script of its steps, strata's bookkeeping
 * included:
 *
 *     -- strata-plan: 1
 *     -- environment: production           (or "none")
 *     -- engine: postgresql                (or "sqlite")
 *     -- database: postgres://app@db/app   (password masked; for people)
 *     -- identity: postgresql:system=7316...:database=app
 *     -- tenant-schema: tenant_42          (only in a tenant's plan, see below)
 *     -- applied: 3f9a1c2b7d10             (version rows, sorted; "none")
 *     -- schema: sha256:...                (fingerprint of the live schema)
 *     -- target: head
 *     -- direction: down                   (only in a downgrade's plan; else up)
 *     -- steps: 8e21d0a4c6f2 4b2e...       (in order; "none")
 *     -- lock-timeout: 5000ms
 *     -- statement-timeout: 0ms
 *     -- promotion: checked against staging | skipped: REASON | none
 *     -- lint: 0 error(s), 1 warning(s)    (or "not run")
 *     -- lint-finding: FILE:LINE:COL: warning SL101 ...   (repeated)
 *     -- created-at: 2026-12-07T15:40:00Z
 *     -- created-by: alice
 *     -- created-on: laptop-7
 *     -- strata: 0.1.0
 *     -- body-sha256: 64 hex digits
 *     -- end of plan header
 *     <body>
 *
 * A fleet's tenant schema (strata/fleet.h) is planned as its own database:
 * the plan names the schema (tenant-schema), its identity ends with
 * ":schema=NAME", its applied revisions are the tenant's version table's,
 * its schema fingerprint covers that schema only, and apply runs it with
 * search_path set to the schema and the version and history tables in it
 * (given the plain database URL; a config for another tenant is refused).
 *
 * Identity of a database: PostgreSQL, the server's system identifier
 * (pg_control_system()) and the database's name; when the role may not
 * call pg_control_system(), the server's address and port and the
 * database's name and oid, written as "postgresql:server=...". SQLite:
 * the file's absolute path with its device and inode, so a copy of the
 * file, or another file restored over the path, is another database.
 *
 * apply refuses (STRATA_ECHECK, exit 1, nothing run) when the body is not
 * the one the header's body-sha256 names (edited), when the database is
 * not the planned one, when its version rows or schema fingerprint differ
 * from the header's (someone applied or changed something since), when
 * the migration files no longer render to exactly this body, or when the
 * strata version differs. All but the first are checked with the run lock
 * held, right before the first step runs.
 */
#ifndef STRATA_PLANFILE_H
#define STRATA_PLANFILE_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"
#include "strata/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_PLANFILE_FORMAT 1

/* A plan, parsed or about to be written. Every string is owned by it. */
typedef struct strata_planfile {
	int format;                 /* STRATA_PLANFILE_FORMAT */
	char *environment;          /* NULL for "none" */
	char *engine;               /* "postgresql" or "sqlite" */
	char *database;             /* for people: the connection, password masked */
	char *identity;             /* see above */
	char **applied;             /* version rows when planned, sorted */
	size_t napplied;
	char *schema;               /* "sha256:HEX" of the live schema's canonical dump */
	char *target;
	char **steps;               /* revisions to apply, in order */
	size_t nsteps;
	long lock_timeout_ms, statement_timeout_ms;
	char *promotion;            /* "checked against NAME", "skipped: REASON" or "none" */
	char *lint;                 /* summary line, or "not run" */
	char **findings;            /* lint-finding lines */
	size_t nfindings;
	char *created_at, *created_by, *created_on;
	char *strata_version;
	char *body_sha256;          /* as the header says (parse) or of body (create) */
	char *body;                 /* the script */
	size_t body_len;
	char *tenant_schema;        /* a tenant's plan: its schema; NULL otherwise */
	int down;                   /* a downgrade's plan: steps are reverted, newest first */
} strata_planfile;

typedef struct strata_plan_options {
	int version;                      /* STRATA_PLAN_OPTIONS_VERSION */
	const char *target;               /* NULL = "heads" */
	const char *skip_promotion_check; /* the reason, or NULL (see strata/runner.h) */
	int down;                         /* plan a downgrade to target (required then): what
	                                     a protected environment reverts by (no promotion
	                                     check: nothing new reaches the database) */
} strata_plan_options;
#define STRATA_PLAN_OPTIONS_VERSION 1
#define STRATA_PLAN_OPTIONS_INIT { STRATA_PLAN_OPTIONS_VERSION, NULL, NULL, 0 }

/**
 * Plan an upgrade of cfg->database to o->target: read its state, identity
 * and schema (read-only: nothing is created or written), check promotion
 * (cfg->promote_from), and render the body. Lint is left "not run" for
 * the caller (strata_planfile_set_lint()).
 *
 * @param[out] out  free with strata_planfile_free()
 * @return 0; STRATA_ECHECK (promotion refused), STRATA_ENOTFOUND (a SQLite
 *         file that does not exist yet: it has no identity to plan for),
 *         STRATA_EINVALID (bad target), STRATA_EDB, STRATA_ERROR
 */
int strata_plan_create(strata_planfile **out, const strata_config *cfg, const strata_graph *g,
		       const strata_plan_options *o);

/** Graph indexes of plan's steps into out (nsteps of them); STRATA_ENOTFOUND for a revision the graph lacks. */
int strata_planfile_step_indexes(size_t *out, const strata_planfile *p, const strata_graph *g);

/** Replace the lint summary and findings (copied). */
int strata_planfile_set_lint(strata_planfile *p, const char *summary,
			     const char *const *findings, size_t nfindings);

/**
 * The plan file's text: header, then body.
 * @param[out] out  NUL-terminated (strata_free)
 */
int strata_planfile_format(char **out, const strata_planfile *p);

/**
 * Parse a plan file's text (path only names it in messages). The header
 * is checked (every key known, none twice, the required ones there, the
 * values well formed); the body is kept as written and not checked here.
 * @param[out] out  free with strata_planfile_free()
 * @return 0, or STRATA_EPARSE naming path:line
 */
int strata_planfile_parse(strata_planfile **out, const char *text, size_t len, const char *path);

/** Whether the body is the one the header's body-sha256 names: 1 yes, 0 no. */
int strata_planfile_body_intact(const strata_planfile *p);

/**
 * Apply a plan (see the refusals above) with upgrade's runner: its run
 * lock, one transaction per step with its bookkeeping, the plan's
 * lock_timeout and statement_timeout, lock retries. Each step's history
 * row notes the plan (opts->note is replaced by "applied from plan PATH
 * (body sha256 ...)") and a promotion check the plan skipped, with its
 * reason. opts: log, progress, payload, lock_wait come from it.
 * @return 0; STRATA_ECHECK (refused; nothing run), or as strata_upgrade()
 */
int strata_plan_apply(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		      const strata_planfile *p, const char *path, const strata_run_options *opts);

void strata_planfile_free(strata_planfile *p);

#ifdef __cplusplus
}
#endif
#endif
