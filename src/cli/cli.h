/*
 * cli/cli.h - what the command files share: the command table, option
 * parsing, the context (global options, config, graph) and output helpers.
 *
 * Layer: cli, the only layer that prints or exits. Commands parse their
 * options (exit 2 on misuse), call one or two library functions, print data
 * on stdout and diagnostics on stderr, and map errors with cli_report_error().
 *
 * Adding a command: write src/cli/cmd_<name>.c with cmd_<name>(), declare it
 * below, add a row to the table in main.c (with the setup flags it needs)
 * and a help page in help.c (its options are printed from its option
 * table, and docs/commands.md lists them: see "Help from the tables" below).
 */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stdio.h>
#include "strata/strata.h"

/* Exit codes (DESIGN.md): 0 ok, 1 a check found something, 2 bad usage/input, 3 runtime. */
enum { EXIT_OK = 0, EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };
/* The exit code of a strata_errcode, as DESIGN.md fixes them: 0 success;
 * 1 a check found something (STRATA_ECHECK); 2 bad usage or input
 * (STRATA_ENOTFOUND, _EAMBIGUOUS, _EPARSE, _EINVALID); 3 anything else, a
 * database or runtime error. */
int cli_exit_code(int code);

typedef enum cli_opt_type {
	OPT_END = 0,
	OPT_FLAG,     /* int *: set to 1 */
	OPT_STRING,   /* const char **: the argument */
	OPT_LIST,     /* cli_list *: may repeat; each argument appended */
	OPT_INT,      /* long *: a whole number from min to max */
	OPT_DURATION, /* long *: milliseconds (500ms, 5s, 2min, 1h), from min to max */
	OPT_ENUM,     /* const char **: one of choices (the table's word is stored) */
} cli_opt_type;

typedef struct cli_list {
	const char *items[64];
	size_t n;
} cli_list;

/*
 * One option of a command's table. help is the whole explanation shown by
 * 'strata help CMD' and listed in docs/commands.md (wrapped when printed);
 * options.c parses and range-checks every type, so a bad value is one
 * usage error (exit 2) that names the option, the value and what it takes.
 * Write typed entries with the CLI_INT/CLI_DURATION/CLI_ENUM macros.
 */
typedef struct cli_option {
	cli_opt_type type;
	char short_name;
	const char *long_name;
	void *value;
	const char *argh; /* argument name for help, e.g. "URL" */
	const char *help;
	long min, max;               /* OPT_INT; OPT_DURATION in milliseconds */
	const char *const *choices;  /* OPT_ENUM: the words, NULL-terminated */
} cli_option;

#define CLI_INT(s, l, v, argh, lo, hi, help) { OPT_INT, s, l, v, argh, help, lo, hi, NULL }
#define CLI_DURATION(s, l, v, lo_ms, hi_ms, help) \
	{ OPT_DURATION, s, l, v, "DURATION", help, lo_ms, hi_ms, NULL }
#define CLI_ENUM(s, l, v, argh, words, help) { OPT_ENUM, s, l, v, argh, help, 0, 0, words }
#define CLI_OPT_END { OPT_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL }

typedef struct cli_globals {
	const char *database;
	const char *config;
	const char *migrations;
	int json;
	int quiet;
	int verbose;
	int help;
	const char *env; /* -e/--env NAME */
} cli_globals;

/* What cli_parse does instead of parsing ('strata help CMD', CMD --help). */
typedef enum cli_help_mode {
	CLI_HELP_NONE = 0,
	CLI_HELP_TEXT,     /* print the command's help page, options from its table */
	CLI_HELP_MARKDOWN, /* print its options as docs/commands.md lists them */
} cli_help_mode;

typedef struct cli_command cli_command;

typedef struct cli_ctx {
	cli_globals g;
	const char *command;
	const cli_command *cmd; /* its row in the command table (NULL before one is known) */
	cli_help_mode help_mode;
	int help_shown;         /* cli_parse printed help: the command stops, exit 0 */
	FILE *help_out;
	strata_config *config;
	strata_graph *graph;
	/* CMD_NEEDS_DB: the database the command uses (ctx->config's, borrowed)
	 * and where it came from ("--database", "STRATA_DATABASE_URL", ...). */
	const char *database, *database_source;
	/* Run-control options shared by upgrade/downgrade/stamp. */
	const char *lock_timeout, *statement_timeout, *lock_wait;
	int color_err; /* colour on stderr */
	int progress;  /* progress bar on stderr */
} cli_ctx;

typedef int (*cli_cmd_fn)(int argc, char **argv, cli_ctx *ctx);

/*
 * Setup flags of a command: what main.c's cli_setup() does for it once its
 * options are parsed (by cli_parse, so global options given after the
 * command count), before the command goes on. A command that needs its
 * config, graph or database only on some paths (a SOURCE argument instead
 * of the database, --offline) leaves the flags out and calls
 * cli_load_config/cli_load_graph itself. No flag opens a database: each
 * command opens it through the library call that uses it, read-only or
 * not as that call needs (docs/commands.md), so CMD_NEEDS_DB only
 * resolves which database that will be (-d/--database, the -e/STRATA_ENV
 * environment's, STRATA_DATABASE_URL or DATABASE_URL, strata.ini) and
 * stops with exit 2 naming the ways to give one when there is none.
 * CMD_WRITES_DB marks the commands that may change a database: `strata
 * help` lists them. The checks a writing command meets (a protected
 * environment's require_plan, --force-protected) are the library's, in
 * the call that writes, so that every client of the library meets them.
 */
enum cli_command_flags {
	CMD_NEEDS_CONFIG = 1 << 0, /* strata.ini, flags and environment: ctx->config */
	CMD_NEEDS_GRAPH = 1 << 1,  /* the revision graph too: ctx->graph (implies config) */
	CMD_CHECKS_SUM = 1 << 2,   /* strata.sum must match before any database is touched */
	CMD_NEEDS_DB = 1 << 3,     /* a database: ctx->database (implies config) */
	CMD_WRITES_DB = 1 << 4,    /* may change the database (listed by strata help) */
};

struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
	unsigned flags; /* enum cli_command_flags */
};

extern const cli_command cli_commands[];
const cli_command *cli_find_command(const char *name);
/* Act on ctx->cmd's setup flags (main.c); 0 or the exit code of a failure. */
int cli_setup(cli_ctx *ctx);
/* Print cmd's help to f in mode (text or markdown) from its option table,
 * by running it in that help mode (main.c); returns EXIT_OK. */
int cli_show_help(cli_ctx *ctx, const cli_command *cmd, cli_help_mode mode, FILE *f);

/*
 * Parse argv (argv[0] is the command name) against a command's options
 * plus the global ones. Positional arguments are gathered into args (at
 * most max_args, more is a usage error). "--" ends options.
 * Returns 0, or EXIT_USAGE after printing what is wrong and the usage.
 * Once the options are in, runs cli_setup() (the command's setup flags).
 * In a help mode (ctx->help_mode) it parses nothing: it prints the help
 * from opts, sets ctx->help_shown and returns EXIT_USAGE so the command
 * stops; main.c then exits 0.
 */
int cli_parse(int argc, char **argv, const cli_option *opts, cli_ctx *ctx, const char **args,
	      size_t max_args, size_t *nargs);
/* Print a command's help to f: its page (help.c) with the options of opts
 * (NULL: none) where the page says, then the global options. */
void cli_usage(FILE *f, const char *command, const cli_option *opts);
/* Print opts as docs/commands.md lists them between the markers
 * "<!-- options: CMD -->" and "<!-- /options -->" (see help.c). */
void cli_options_markdown(FILE *f, const char *command, const cli_option *opts);
/* Whether global option arg (as written: "-d", "--database", "--database=x")
 * takes its value from the next argument (main.c's scan before the command). */
int cli_global_takes_next(const char *arg);

/* Load config (and the graph) once; on failure print the error and return the exit code. */
int cli_load_config(cli_ctx *ctx);
int cli_load_graph(cli_ctx *ctx);
/* strata.sum check before touching a database; exit code or 0. */
int cli_check_sum(cli_ctx *ctx);

/* Print the last library error ("strata: error: ..." + "hint: ...") and return its exit code. */
int cli_report_error(int code);
/* "strata: error: ..." for CLI-level problems; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A findings format name (lint and advise: text, json, sarif, github) as
 * its number, 1 to 4 in that order; -1 when unknown. */
int cli_findings_format(const char *name);
/* Those names, NULL-terminated (an OPT_ENUM's choices). */
extern const char *const cli_findings_formats[];
/* The engines lint and advise take: postgres, sqlite. */
extern const char *const cli_engines[];

/* Run options wired to the CLI's log, progress and stdout. */
void cli_run_options(strata_run_options *o, cli_ctx *ctx);
/* The progress bar of a walk over rows (backfills, batched steps) on a
 * terminal: "LABEL [====    ] done/total rows, N rows/s, ETA Ns" and the
 * replica lag when watched (lag_ms >= 0). */
void cli_rows_bar(cli_ctx *ctx, const char *label, long long done, long long total,
		  double rows_per_s, double eta_s, double lag_ms, int waiting);
/* The library's log callback for the CLI (payload: the cli_ctx): levels
 * filtered by -q/-v, warnings as "strata: warning: ...", a bar erased first. */
void cli_log(void *payload, strata_log_level level, const char *msg);
/* Erase a progress bar shown on stderr (before other output). */
void cli_progress_clear(void);
/* Print JSON (a json_t *, consumed) to stdout. */
void cli_print_json(void *json);

/* One-line description of a revision: "<id> (head, branch x, tag v1) message". */
void cli_describe(FILE *f, const strata_graph *g, size_t i, int verbose);
/* The same with one more tag in the parentheses (e.g. "current"), or none for NULL. */
void cli_describe_marked(FILE *f, const strata_graph *g, size_t i, int verbose, const char *mark);
/* The release tags of revision i as a JSON array of names (json_t *). */
void *cli_tags_json(const strata_graph *g, size_t i);

/* Help pages (help.c). */
const char *cli_help_text(const char *command);

/* Commands. */
int cmd_init(int argc, char **argv, cli_ctx *ctx);
int cmd_revision(int argc, char **argv, cli_ctx *ctx);
int cmd_merge(int argc, char **argv, cli_ctx *ctx);
int cmd_upgrade(int argc, char **argv, cli_ctx *ctx);
int cmd_downgrade(int argc, char **argv, cli_ctx *ctx);
int cmd_stamp(int argc, char **argv, cli_ctx *ctx);
int cmd_diff(int argc, char **argv, cli_ctx *ctx);
int cmd_dump(int argc, char **argv, cli_ctx *ctx);
int cmd_drift(int argc, char **argv, cli_ctx *ctx);
int cmd_check(int argc, char **argv, cli_ctx *ctx);
int cmd_baseline(int argc, char **argv, cli_ctx *ctx);
int cmd_adopt(int argc, char **argv, cli_ctx *ctx);
int cmd_import(int argc, char **argv, cli_ctx *ctx);
int cmd_erd(int argc, char **argv, cli_ctx *ctx);
int cmd_current(int argc, char **argv, cli_ctx *ctx);
int cmd_history(int argc, char **argv, cli_ctx *ctx);
int cmd_log(int argc, char **argv, cli_ctx *ctx);
int cmd_heads(int argc, char **argv, cli_ctx *ctx);
int cmd_branches(int argc, char **argv, cli_ctx *ctx);
int cmd_show(int argc, char **argv, cli_ctx *ctx);
int cmd_graph(int argc, char **argv, cli_ctx *ctx);
int cmd_verify(int argc, char **argv, cli_ctx *ctx);
int cmd_hash(int argc, char **argv, cli_ctx *ctx);
int cmd_lint(int argc, char **argv, cli_ctx *ctx);
int cmd_advise(int argc, char **argv, cli_ctx *ctx);
int cmd_test(int argc, char **argv, cli_ctx *ctx);
int cmd_online(int argc, char **argv, cli_ctx *ctx);
int cmd_tag(int argc, char **argv, cli_ctx *ctx);
int cmd_changelog(int argc, char **argv, cli_ctx *ctx);
int cmd_status(int argc, char **argv, cli_ctx *ctx);
int cmd_plan(int argc, char **argv, cli_ctx *ctx);
int cmd_apply(int argc, char **argv, cli_ctx *ctx);
int cmd_fleet(int argc, char **argv, cli_ctx *ctx);
int cmd_help(int argc, char **argv, cli_ctx *ctx);
int cmd_version(int argc, char **argv, cli_ctx *ctx);

#endif
