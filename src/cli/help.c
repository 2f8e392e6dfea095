/*
 * cli/help.c - strata help [COMMAND] and strata version.
 *
 * One help page per command: synopsis, what it does, its options, examples.
 * Global options are appended by cli_usage(). Keep in step with docs/.
 */
#include "cli/cli.h"

#include <string.h>

static const struct { const char *name; const char *text; } pages[] = {
	{ "init",
	  "usage: strata init [DIR] [-d URL]\n\n"
	  "Create DIR/strata.ini and DIR/migrations/ (with an empty strata.sum).\n"
	  "The database defaults to sqlite:strata.db in the project folder.\n\n"
	  "Example:\n  strata init myapp -d postgres://app@localhost/app\n" },
	{ "revision",
	  "usage: strata revision -m MESSAGE [--head REV] [--branch LABEL] [--depends-on REV]\n"
	  "                       [--no-transaction] [--irreversible REASON]\n\n"
	  "Write migrations/<id>_<slug>.sql with a new random id, revising the single\n"
	  "head (or --head), and update strata.sum. Prints the file's path.\n\n"
	  "Options:\n"
	  "  -m, --message MESSAGE    what the revision does\n"
	  "  --head REV               parent (repeatable; 'base' starts a new root)\n"
	  "  --branch LABEL           label the branch this revision starts\n"
	  "  --depends-on REV         an extra dependency edge (repeatable)\n"
	  "  --no-transaction         run outside a transaction (CREATE INDEX CONCURRENTLY)\n"
	  "  --irreversible REASON    no down section; downgrade stops here with REASON\n\n"
	  "Example:\n  strata revision -m \"add users.org_id\"\n" },
	{ "merge",
	  "usage: strata merge -m MESSAGE [REV...]\n\n"
	  "Write a revision whose parents are REV... (default: every head), joining\n"
	  "branches back into one line of history.\n" },
	{ "upgrade",
	  "usage: strata upgrade [TARGET] [--sql] [--single-transaction] [--allow-changed]\n"
	  "                      [--retry-failed] [--lock-timeout D] [--statement-timeout D]\n"
	  "                      [--lock-wait D]\n\n"
	  "Apply revisions up to TARGET (default: head). Each revision runs in its own\n"
	  "transaction with its bookkeeping rows, whole or not at all.\n\n"
	  "Targets: head, heads (every branch), a revision id or unique prefix, a branch\n"
	  "label or LABEL@head, +N (N steps).\n\n"
	  "Options:\n"
	  "  --sql [FROM:]TO          print the SQL script (with transactions and bookkeeping)\n"
	  "                           instead of running it; FROM defaults to the database's state\n"
	  "  --single-transaction     run the whole upgrade in one transaction\n"
	  "  --allow-changed          run although applied revisions' files changed (recorded)\n"
	  "  --retry-failed           run a failed non-transactional revision again\n"
	  "  --lock-timeout D         PostgreSQL lock_timeout per statement (default 5s);\n"
	  "                           when it fires the revision is retried with back-off\n"
	  "  --statement-timeout D    cancel statements running longer (default: none)\n"
	  "  --lock-wait D            wait this long for another strata run (default 60s)\n\n"
	  "Durations: 500ms, 5s, 2min, 1h.\n\n"
	  "Examples:\n  strata upgrade\n  strata upgrade +1\n  strata upgrade --sql base:head > deploy.sql\n" },
	{ "downgrade",
	  "usage: strata downgrade TARGET [--sql FROM:TO] [timeouts as for upgrade]\n\n"
	  "Revert applied revisions above TARGET by running their down sections, newest\n"
	  "first. TARGET: a revision (it stays applied), -N (N steps), or base.\n"
	  "A revision marked irreversible stops the downgrade before anything runs.\n\n"
	  "Examples:\n  strata downgrade -1\n  strata downgrade base\n" },
	{ "stamp",
	  "usage: strata stamp TARGET [--purge]\n\n"
	  "Set the version table to TARGET (a revision, heads, or base) without running\n"
	  "SQL. Use it to adopt a database whose schema is already there, or to mark a\n"
	  "failed non-transactional revision as done after finishing it by hand.\n"
	  "--purge replaces the version rows even when they name unknown revisions.\n" },
	{ "current",
	  "usage: strata current [--json]\n\n"
	  "Show the revisions the database is at (its applied heads) and how many are\n"
	  "pending. Warns about failed revisions and files changed since applied.\n" },
	{ "history",
	  "usage: strata history [-r FROM:TO] [--json] [-v]\n\n"
	  "List revisions, newest first, from the migrations folder. -v shows parents\n"
	  "and files. A range FROM:TO limits the list (either side may be empty).\n" },
	{ "heads", "usage: strata heads [--json]\n\nList the heads of the revision graph.\n" },
	{ "branches",
	  "usage: strata branches [--json]\n\nList branch points with their branches, and branch labels.\n" },
	{ "show", "usage: strata show REV [--json]\n\nShow one revision: header, checksum and SQL.\n" },
	{ "graph",
	  "usage: strata graph [--format dot|mermaid]\n\n"
	  "Print the revision graph. Render dot with: strata graph | dot -Tsvg > graph.svg\n" },
	{ "verify",
	  "usage: strata verify [--offline] [--allow-multiple-heads] [--json]\n\n"
	  "Check that migrations/strata.sum matches the folder, that the graph has one\n"
	  "head, and (unless --offline) that every applied revision's file is unchanged\n"
	  "and none is left failed. Exit 1 when anything is found.\n" },
	{ "hash",
	  "usage: strata hash\n\n"
	  "Rewrite migrations/strata.sum after adding or editing files by hand on purpose.\n" },
	{ "online",
	  "usage: strata online start FILE [--complete] [--schema NAME] [--batch-size N]\n"
	  "                    [--batch-pause D] [--max-replica-lag D] [timeouts]\n"
	  "       strata online complete | rollback | status [--json]\n\n"
	  "Zero-downtime schema changes on PostgreSQL, from an operation file in pgroll's\n"
	  "JSON format ({\"operations\": [{\"alter_column\": {...}}, ...]}).\n\n"
	  "start     expand: add the new shape beside the old (new columns, triggers that\n"
	  "          keep old and new in step with the up/down expressions), backfill the\n"
	  "          rows in batches by primary key, and create the schema <schema>_<name>\n"
	  "          of views showing the new shape. The previous version keeps working.\n"
	  "complete  contract: validate constraints, drop the old columns and the old\n"
	  "          version's schema, give the new columns their names.\n"
	  "rollback  undo a started migration; writes made through either version stay.\n"
	  "status    the migration in progress and the latest completed one.\n\n"
	  "Clients pick a version with SET search_path TO <version schema>. State is kept\n"
	  "in the database (schema strata_online): any machine can complete or roll back,\n"
	  "and each step can be run again after a crash (start resumes the backfill).\n\n"
	  "Options:\n"
	  "  --complete               start, then complete at once\n"
	  "  --schema NAME            schema the operations act on (default public)\n"
	  "  --batch-size N           rows per backfill batch (default 1000)\n"
	  "  --batch-pause D          pause between batches (default 0)\n"
	  "  --max-replica-lag D      pause the backfill while a standby's lag exceeds D\n"
	  "  --lock-timeout D         lock_timeout of every statement (default 5s); a step\n"
	  "                           whose lock is not had is retried with back-off\n"
	  "  --statement-timeout D    cancel statements running longer (default: none)\n"
	  "  --lock-wait D            wait this long for another strata online run\n\n"
	  "Operations: create_table, drop_table, rename_table, add_column, drop_column,\n"
	  "rename_column, alter_column, create_index, drop_index, create_constraint,\n"
	  "drop_constraint, drop_multicolumn_constraint, rename_constraint,\n"
	  "set_replica_identity, sql. See docs/online.md.\n\n"
	  "Example:\n  strata online start migrations/online/02_price_type.json\n"
	  "  strata online complete\n" },
	{ "help", "usage: strata help [COMMAND]\n" },
	{ "version", "usage: strata version\n" },
	{ "config",
	  "strata.ini (in the project folder; found from the working folder upwards):\n\n"
	  "  [strata]\n"
	  "  database = postgres://app@localhost/app   ; or sqlite:PATH\n"
	  "  migrations = migrations\n"
	  "  schema = schema.sql\n"
	  "  version_table = strata_version          ; schema-qualified allowed\n"
	  "  lock_timeout = 5s\n"
	  "  statement_timeout = 0\n"
	  "  lock_wait = 60s\n"
	  "  lock_retries = 5\n\n"
	  "The database comes from, in order: -d/--database, STRATA_DATABASE_URL,\n"
	  "DATABASE_URL, strata.ini, then sqlite:strata.db in the project folder.\n"
	  "Prefer ~/.pgpass or PGPASSFILE to a password in the URL.\n" },
};

const char *cli_help_text(const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(pages[i].name, command) == 0)
			return pages[i].text;
	return NULL;
}

int cmd_help(int argc, char **argv, cli_ctx *ctx)
{
	const char *args[1];
	size_t nargs = 0;
	int rc;

	if (argc > 0 && (rc = cli_parse(argc, argv, NULL, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs) {
		cli_usage(stdout, NULL);
		return EXIT_OK;
	}
	if (!cli_help_text(args[0]))
		return cli_usage_error(NULL, "no help for '%s'", args[0]);
	cli_usage(stdout, args[0]);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv, cli_ctx *ctx)
{
	printf("strata %s\n", STRATA_VERSION);
	return EXIT_OK;
}
