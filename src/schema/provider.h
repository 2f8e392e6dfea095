/*
 * schema/provider.h - schema providers: a program that prints the desired
 * schema as SQL DDL (ORM models, another tool's schema language).
 *
 * A provider is named where a schema file would be: "exec: COMMAND ARGS"
 * (schema in strata.ini, --schema, or a SOURCE of diff). strata runs the
 * command itself, without a shell (see strata__sc_provider_argv for how the
 * command line is split), in the project folder, and reads the SQL from
 * its stdout. It fails, with nothing changed and the error an input
 * error (exit 2), when the program cannot be started, exits with a status
 * other than 0 or is killed (stderr's last lines are in the message),
 * runs past the config's provider_timeout (its process group is killed),
 * or prints no SQL or bytes that are not text. What it prints is then
 * loaded like a schema file; an error there names the provider's output
 * and line.
 *
 * Layer: schema (util/proc runs the program). docs/schema.md has the
 * contract users see.
 */
#ifndef STRATA_SCHEMA_PROVIDER_H
#define STRATA_SCHEMA_PROVIDER_H

#include <stddef.h>

#include "strata/config.h"
#include "util/buf.h"

/* The prefix of a provider spec. */
#define SC_PROVIDER_PREFIX "exec:"

/* 1 if spec names a provider ("exec:..."), else 0. */
int strata__sc_provider_is(const char *spec);

/*
 * Split a command line into words, the way a POSIX shell splits a simple
 * command and nothing more: blanks (space, tab, newline) separate words;
 * 'single quotes' keep everything up to the next ' as it is; "double
 * quotes" keep everything but \" and \\, which stand for " and \; outside
 * quotes a backslash keeps the next character as it is. No variables,
 * globs, pipes or redirections: "sh -c '...'" is how to get a shell.
 * @param[out] argv_out NULL-terminated, free with strata__sc_provider_argv_free
 * @return 0, or STRATA_EINVALID (an unclosed quote, a trailing backslash,
 *         no words) naming the place
 */
int strata__sc_provider_argv(char ***argv_out, size_t *argc_out, const char *command);
void strata__sc_provider_argv_free(char **argv);

/* The command of a spec as shown in messages: the words after "exec:",
 * any password in a URL among them masked (buf append). */
int strata__sc_provider_display(strata_buf *out, const char *spec);

/* A schema source as messages show it (buf append): a file's path, or
 * "exec: " and the provider's command with any password masked
 * ("exec: ..." when the command cannot be read). */
int strata__sc_source_shown(strata_buf *out, const char *spec);

/*
 * Run the provider of spec ("exec: ...") and append its stdout to sql.
 * cfg gives the folder it runs in (root) and the time limit
 * (provider_timeout_ms); NULL: the current folder and 60 s.
 * @return 0; STRATA_EINVALID (bad command line, cannot start, failed,
 *         timed out), STRATA_EPARSE (no SQL, not text, too large), with a
 *         message that names the command; STRATA_ERROR (no pipes, no fork)
 */
int strata__sc_provider_run(strata_buf *sql, const char *spec, const strata_config *cfg);

#endif
