/*
 * cli/schema_common.h - what the schema commands (diff, dump, drift,
 * baseline, erd, revision --autogenerate) share: choosing the engine for
 * files and directories, the signal guard that drops shadow databases on
 * Ctrl-C, and printing change lists as SQL or JSON.
 */
#ifndef STRATA_CLI_SCHEMA_COMMON_H
#define STRATA_CLI_SCHEMA_COMMON_H

#include "cli/cli.h"
#include "schema/diff.h"
#include "schema/shadow.h"
#include "util/buf.h"

/* The engine for schema files and migrations directories: a database on
 * either side, else the configured database's. 0 (after printing why)
 * when none can be told. */
int schema_engine(cli_ctx *ctx, const char *const *specs, size_t n);

/* From here on, SIGINT/SIGTERM/SIGHUP drop every shadow database and end
 * the process with 128+signal. Idempotent. */
void schema_guard_signals(void);
/* After the guard thread has taken a signal, wait for it to end the
 * process instead of reporting the errors its clean-up causes. */
void schema_hold_if_interrupted(void);

/* The desired-schema file (path, or the config's schema when NULL) into
 * *out; when it cannot be read, print why and a hint and return
 * EXIT_USAGE, naming the command's purpose ("to generate the revision
 * from"). */
int schema_desired_file(cli_ctx *ctx, const char **out, const char *path, const char *purpose);

/* The options every reader of the desired schema takes, once the config
 * is loaded: --schema SOURCE (a file or exec: COMMAND; NULL keeps the
 * config's) and --no-cache (bypass .strata/cache). 0 or an exit code. */
int schema_take_options(cli_ctx *ctx, const char *schema, int no_cache);

/* A schema source as messages show it: a file's path, or a provider's
 * command with any password masked. Valid until the next call. */
const char *schema_shown(const char *spec);

/* Load a schema source; on failure print the error and return the exit code. */
int schema_load(cli_ctx *ctx, sc_catalog **out, const char *spec, int engine);

/* Load two sources at the same time (each reading is mostly waiting on
 * a server); on failure print the first error and return its exit code,
 * with both catalogs freed. */
int schema_load_pair(cli_ctx *ctx, sc_catalog **a, const char *spec_a, sc_catalog **b,
		     const char *spec_b, int engine);

/* The changes' SQL, each destructive one preceded by a warning comment. */
int schema_changes_sql(const sc_changes *c, strata_buf *out);
/* The changes as a JSON array (json_t *). */
void *schema_changes_json(const sc_changes *c);

/* The schema the revisions st says are applied make, replayed in a shadow
 * the way the database ran them: its expanded online revisions stay
 * expanded, the others are contracted (drift, status). */
int schema_load_applied(sc_catalog **out, const strata_config *cfg, const strata_graph *g,
			const strata_status *st, int engine);

#endif
