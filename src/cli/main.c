/*
 * cli/main.c - the strata command: global options, then the command table.
 *
 *   strata [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]
 *
 * Global options (-d, -c, --migrations, -e, --json, -q, -v) are accepted before
 * or after the command; which take a value is the global option table's
 * business (options.c). The exit code is the command's (see cli.h).
 *
 * Each row of the command table says what setup the command needs
 * (CMD_NEEDS_CONFIG, CMD_NEEDS_GRAPH, CMD_CHECKS_SUM, CMD_NEEDS_DB, cli.h)
 * and whether it may change a database (CMD_WRITES_DB); cli_setup()
 * below does it, called by cli_parse once the command's options (and the
 * global options after it) are in. So a command's own checks of its
 * arguments run after the setup: a usage error in a folder without
 * migrations reports the missing folder first. Both exit 2.
 *
 * Help: 'strata CMD --help' runs the command in a help mode, where its
 * cli_parse prints the page with the options of its own table (cli.h).
 * A command that never reaches cli_parse gets its page alone.
 */
#include "cli/cli.h"
#include "cli/schema_common.h"
#include "strata/error.h"
#include "strata/online.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const cli_command cli_commands[] = {
	{ "init", cmd_init, "create strata.ini and a migrations folder", 0 },
	{ "revision", cmd_revision, "write a new revision file", CMD_NEEDS_GRAPH },
	{ "merge", cmd_merge, "write a revision that merges several heads", CMD_NEEDS_GRAPH },
	{ "upgrade", cmd_upgrade, "apply revisions up to a target (default: heads)", CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "downgrade", cmd_downgrade, "revert revisions down to a target", CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "stamp", cmd_stamp, "set the database's revision without running SQL", CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "current", cmd_current, "show the database's applied revisions", CMD_NEEDS_GRAPH | CMD_NEEDS_DB },
	{ "history", cmd_history, "list revisions, newest first", CMD_NEEDS_GRAPH },
	{ "log", cmd_log, "show the database's audit trail: every step run or recorded", CMD_NEEDS_DB },
	{ "heads", cmd_heads, "list the heads of the revision graph", CMD_NEEDS_GRAPH },
	{ "branches", cmd_branches, "list branch points and branch labels", CMD_NEEDS_GRAPH },
	{ "show", cmd_show, "show one revision", CMD_NEEDS_GRAPH },
	{ "graph", cmd_graph, "draw the revision graph (dot or mermaid)", CMD_NEEDS_GRAPH },
	{ "tag", cmd_tag, "name a revision as a release (strata.tags); list or delete tags", CMD_NEEDS_GRAPH },
	{ "changelog", cmd_changelog, "each release's schema changes, classified, with its semver bump", CMD_NEEDS_GRAPH },
	{ "verify", cmd_verify, "check strata.sum and applied revisions' checksums", 0 },
	{ "hash", cmd_hash, "rewrite strata.sum after deliberate edits", CMD_NEEDS_CONFIG },
	{ "diff", cmd_diff, "print the SQL that turns one schema into another", CMD_NEEDS_CONFIG },
	{ "dump", cmd_dump, "print a schema as canonical SQL", CMD_NEEDS_CONFIG },
	{ "drift", cmd_drift, "compare the live schema with what its migrations make", CMD_NEEDS_DB },
	{ "check", cmd_check, "exit 1 when the migrations do not make the schema file's schema", CMD_NEEDS_GRAPH | CMD_NEEDS_DB },
	{ "import", cmd_import, "bring another tool's migration history (flyway, goose, sqitch, ...)", CMD_NEEDS_CONFIG },
	{ "baseline", cmd_baseline, "adopt an existing database: first revision from its schema", CMD_NEEDS_GRAPH | CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "adopt", cmd_adopt, "record another tool's applied migrations as strata's state", CMD_NEEDS_GRAPH | CMD_CHECKS_SUM | CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "erd", cmd_erd, "draw the schema's tables and foreign keys (dot or mermaid)", CMD_NEEDS_CONFIG },
	{ "lint", cmd_lint, "check migrations for locks, rewrites and data loss", 0 },
	{ "advise", cmd_advise, "review a schema's keys, indexes, types and normalization", CMD_NEEDS_CONFIG },
	{ "test", cmd_test, "prove on a shadow database that migrations go up, down and match", CMD_NEEDS_GRAPH },
	{ "online", cmd_online, "zero-downtime expand/contract migrations (PostgreSQL)", CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "status", cmd_status, "every environment side by side: head, pending, last run, drift", CMD_NEEDS_GRAPH },
	{ "plan", cmd_plan, "write the exact upgrade script for review, tied to the database's state", CMD_NEEDS_GRAPH | CMD_CHECKS_SUM | CMD_NEEDS_DB },
	{ "apply", cmd_apply, "run a reviewed plan exactly as written, or refuse", CMD_NEEDS_GRAPH | CMD_CHECKS_SUM | CMD_NEEDS_DB | CMD_WRITES_DB },
	{ "fleet", cmd_fleet, "upgrade or read many databases or tenant schemas at once", CMD_NEEDS_GRAPH | CMD_CHECKS_SUM | CMD_WRITES_DB },
	{ "help", cmd_help, "show help for a command", 0 },
	{ "version", cmd_version, "print the version", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* CMD_NEEDS_DB: the configured database into ctx, or exit 2 saying how to give one. */
static int resolve_database(cli_ctx *ctx)
{
	const strata_config *cfg = ctx->config;

	if (!cfg->database || !*cfg->database) {
		fprintf(stderr, "strata: error: %s needs a database and none is configured\n",
			ctx->command ? ctx->command : "this command");
		fputs("hint: pass -d URL, choose an environment with -e NAME (or STRATA_ENV), set "
		      "STRATA_DATABASE_URL or DATABASE_URL, or set database in strata.ini\n", stderr);
		return EXIT_USAGE;
	}
	ctx->database = cfg->database;
	ctx->database_source = cfg->database_source;
	return 0;
}

int cli_setup(cli_ctx *ctx)
{
	unsigned flags = ctx->cmd ? ctx->cmd->flags : 0;
	int rc = 0;

	if (flags & CMD_NEEDS_GRAPH)
		rc = cli_load_graph(ctx);
	else if (flags & (CMD_NEEDS_CONFIG | CMD_NEEDS_DB))
		rc = cli_load_config(ctx);
	if (rc == 0 && (flags & CMD_NEEDS_DB))
		rc = resolve_database(ctx);
	if (rc == 0 && (flags & CMD_CHECKS_SUM))
		rc = cli_check_sum(ctx);
	return rc;
}

const cli_command *cli_find_command(const char *name)
{
	const cli_command *c;

	for (c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* -h/--help anywhere before "--" shows the command's help. */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

int cli_show_help(cli_ctx *ctx, const cli_command *cmd, cli_help_mode mode, FILE *f)
{
	char *argv[] = { (char *)cmd->name, NULL };
	cli_ctx help = *ctx;

	help.command = cmd->name;
	help.cmd = cmd;
	help.help_mode = mode;
	help.help_out = f;
	help.help_shown = 0;
	if (cmd->fn != cmd_help && cmd->fn != cmd_version)
		cmd->fn(1, argv, &help);
	if (!help.help_shown) {
		/* The command took no options (or never parses them). */
		if (mode == CLI_HELP_MARKDOWN)
			cli_options_markdown(f, cmd->name, NULL);
		else
			cli_usage(f, cmd->name, NULL);
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cli_ctx ctx;
	const cli_command *cmd;
	const char *args[1];
	size_t nargs = 0;
	int i, rc;

	/* Over a file-size limit (ulimit -f) a write fails with EFBIG, which
	 * SQLite reports as a full disk and strata rolls back, instead of the
	 * process being killed part-way. */
	signal(SIGXFSZ, SIG_IGN);
	/* Online revisions run through the online engine (strata/online.h). */
	strata_online_register();
	memset(&ctx, 0, sizeof(ctx));
	ctx.color_err = isatty(2) && !getenv("NO_COLOR");
	ctx.progress = isatty(2);

	if (argc > 1 && strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL, &ctx);
	/* Global options before the command. */
	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "-") != 0; i++) {
		if (cli_global_takes_next(argv[i]))
			i++;
	}
	if (i > 1) {
		/* Parse them with the same parser as the commands (argv[0] stands for "strata"). */
		rc = cli_parse(i, argv, NULL, &ctx, args, 0, &nargs);
		if (rc)
			return rc;
	}
	if (i >= argc) {
		if (ctx.g.help)
			return cmd_help(0, NULL, &ctx);
		cli_usage(stderr, NULL, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "--version") == 0)
		return cmd_version(0, NULL, &ctx);
	cmd = cli_find_command(argv[i]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[i]);
	if (wants_help(argc - i, argv + i) && cmd->fn != cmd_help)
		return cli_show_help(&ctx, cmd, CLI_HELP_TEXT, stdout);
	ctx.command = cmd->name;
	ctx.cmd = cmd;
	rc = cmd->fn(argc - i, argv + i, &ctx);
	schema_hold_if_interrupted();
	strata_graph_free(ctx.graph);
	strata_config_free(ctx.config);
	fflush(stdout);
	if (ferror(stdout)) {
		cli_warn("cannot write to standard output");
		return rc ? rc : EXIT_RUNTIME;
	}
	return rc;
}
