/*
 * cli/main.c - the strata command: global options, then the command table.
 *
 *   strata [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]
 *
 * Global options (-d, -c, --migrations, -e, --json, -q, -v) are accepted before
 * or after the command. The exit code is the command's (see cli.h).
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
	{ "init", cmd_init, "create strata.ini and a migrations folder" },
	{ "revision", cmd_revision, "write a new revision file" },
	{ "merge", cmd_merge, "write a revision that merges several heads" },
	{ "upgrade", cmd_upgrade, "apply revisions up to a target (default: heads)" },
	{ "downgrade", cmd_downgrade, "revert revisions down to a target" },
	{ "stamp", cmd_stamp, "set the database's revision without running SQL" },
	{ "current", cmd_current, "show the database's applied revisions" },
	{ "history", cmd_history, "list revisions, newest first" },
	{ "log", cmd_log, "show the database's audit trail: every step run or recorded" },
	{ "heads", cmd_heads, "list the heads of the revision graph" },
	{ "branches", cmd_branches, "list branch points and branch labels" },
	{ "show", cmd_show, "show one revision" },
	{ "graph", cmd_graph, "draw the revision graph (dot or mermaid)" },
	{ "tag", cmd_tag, "name a revision as a release (strata.tags); list or delete tags" },
	{ "changelog", cmd_changelog, "each release's schema changes, classified, with its semver bump" },
	{ "verify", cmd_verify, "check strata.sum and applied revisions' checksums" },
	{ "hash", cmd_hash, "rewrite strata.sum after deliberate edits" },
	{ "diff", cmd_diff, "print the SQL that turns one schema into another" },
	{ "dump", cmd_dump, "print a schema as canonical SQL" },
	{ "drift", cmd_drift, "compare the live schema with what its migrations make" },
	{ "check", cmd_check, "exit 1 when the migrations do not make the schema file's schema" },
	{ "import", cmd_import, "bring another tool's migration history (flyway, goose, sqitch, ...)" },
	{ "baseline", cmd_baseline, "adopt an existing database: first revision from its schema" },
	{ "adopt", cmd_adopt, "record another tool's applied migrations as strata's state" },
	{ "erd", cmd_erd, "draw the schema's tables and foreign keys (dot or mermaid)" },
	{ "lint", cmd_lint, "check migrations for locks, rewrites and data loss" },
	{ "advise", cmd_advise, "review a schema's keys, indexes, types and normalization" },
	{ "test", cmd_test, "prove on a shadow database that migrations go up, down and match" },
	{ "online", cmd_online, "zero-downtime expand/contract migrations (PostgreSQL)" },
	{ "status", cmd_status, "every environment side by side: head, pending, last run, drift" },
	{ "plan", cmd_plan, "write the exact upgrade script for review, tied to the database's state" },
	{ "apply", cmd_apply, "run a reviewed plan exactly as written, or refuse" },
	{ "fleet", cmd_fleet, "upgrade or read many databases or tenant schemas at once" },
	{ "help", cmd_help, "show help for a command" },
	{ "version", cmd_version, "print the version" },
	{ NULL, NULL, NULL },
};

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

static const cli_option no_options[] = { { OPT_END, 0, NULL, NULL, NULL, NULL } };

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
		const char *a = argv[i];
		int takes_value = strcmp(a, "-d") == 0 || strcmp(a, "--database") == 0 ||
				  strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
				  strcmp(a, "--migrations") == 0 ||
				  strcmp(a, "-e") == 0 || strcmp(a, "--env") == 0;

		if (takes_value)
			i++;
	}
	if (i > 1) {
		/* Parse them with the same parser as the commands (argv[0] stands for "strata"). */
		rc = cli_parse(i, argv, no_options, &ctx, args, 0, &nargs);
		if (rc)
			return rc;
	}
	if (i >= argc) {
		if (ctx.g.help)
			return cmd_help(0, NULL, &ctx);
		cli_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "--version") == 0)
		return cmd_version(0, NULL, &ctx);
	cmd = cli_find_command(argv[i]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[i]);
	ctx.command = cmd->name;
	if (wants_help(argc - i, argv + i) && cmd->fn != cmd_help) {
		cli_usage(stdout, cmd->name);
		return EXIT_OK;
	}
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
