/*
 * cli/help.c - strata help [COMMAND] and strata version.
 *
 * One help page per command: synopsis, what it does, examples. The line
 * "@options" marks where cli_usage() prints the options, from the
 * command's own option table (each option's explanation lives there);
 * without it they follow the page. Global options are appended. Keep in
 * step with docs/ (tests/check-docs-options.sh checks the option lists).
 */
#include "cli/cli.h"

#include <string.h>

static const struct { const char *name; const char *text; } pages[] = {
	{ "init",
	  "usage: strata init [DIR] [-d URL]\n\n"
	  "Create DIR/strata.ini and DIR/migrations/ (with an empty strata.sum).\n"
	  "The database defaults to sqlite:strata.db in the project folder.\n\n"
	  "@options\n"
	  "Example:\n  strata init myapp -d postgres://app@localhost/app\n" },
	{ "revision",
	  "usage: strata revision -m MESSAGE [--head REV] [--branch LABEL] [--depends-on REV]\n"
	  "                       [--no-transaction] [--irreversible REASON]\n"
	  "                       [--autogenerate [--schema SOURCE] [--no-cache]]\n\n"
	  "Write migrations/<id>_<slug>.sql with a new random id, revising the single\n"
	  "head (or --head), and update strata.sum. Prints the file's path.\n\n"
	  "@options\n"
	  "With --autogenerate on PostgreSQL, changes to tables that already exist are\n"
	  "written the way strata lint accepts, in up to three revisions, each revising\n"
	  "the one before: \"MESSAGE (1/3: schema)\" (foreign keys and checks NOT VALID),\n"
	  "\"(2/3: concurrent indexes)\" (transaction: off), \"(3/3: validate)\" (VALIDATE,\n"
	  "SET NOT NULL). A diff that needs none of that is one revision. Each new file's\n"
	  "path is printed on its own line; notes on what stays plain go to stderr.\n\n"
	  "The header records when the revision was written, in UTC\n"
	  "(-- created: 2026-03-04T05:06:07Z); history -v and current -v show it.\n\n"
	  "Examples:\n  strata revision -m \"add users.org_id\"\n"
	  "  strata revision --autogenerate -m \"add users.org_id\"\n"
	  "  strata revision --autogenerate -m sync \\\n"
	  "      --schema 'exec: strata-sqlalchemy app.models:Base --dialect postgresql'\n"
	  "  strata revision --template not-null users plan --type text\n" },
	{ "merge",
	  "usage: strata merge -m MESSAGE [REV...]\n\n"
	  "Write a revision whose parents are REV... (default: every head), joining\n"
	  "branches back into one line of history.\n" },
	{ "upgrade",
	  "usage: strata upgrade [TARGET] [--sql] [--single-transaction] [--allow-changed]\n"
	  "                      [--retry-failed] [--lock-timeout D] [--statement-timeout D]\n"
	  "                      [--lock-wait D] [--batch-size N] [--batch-pause D]\n"
	  "                      [--max-replica-lag D]\n\n"
	  "Apply revisions up to TARGET (default: head). Each revision runs in its own\n"
	  "transaction with its bookkeeping rows, whole or not at all. A batched step\n"
	  "(a '-- +batch' section) commits batch by batch with its progress, and a run\n"
	  "that stopped goes on from the last batch done. Several '-- +batch' sections\n"
	  "are several steps, each resumed on its own; the key is the table's one-column\n"
	  "primary key, of any type (integer, text, uuid).\n\n"
	  "Targets: head, heads (every branch), a revision id or unique prefix, a branch\n"
	  "label or LABEL@head, a tag, +N (N steps), and REV+N / REV-N / head-N (N steps\n"
	  "from a revision; see strata help tag).\n\n"
	  "@options\n"
	  "Durations: 500ms, 5s, 2min, 1h.\n\n"
	  "Examples:\n  strata upgrade\n  strata upgrade +1\n  strata upgrade --sql base:head > deploy.sql\n" },
	{ "downgrade",
	  "usage: strata downgrade TARGET [--sql FROM:TO] [timeouts as for upgrade]\n\n"
	  "Revert applied revisions above TARGET by running their down sections, newest\n"
	  "first. TARGET: a revision (it stays applied), a tag, head-N or REV-N, -N (N\n"
	  "steps), or base.\n"
	  "A revision marked irreversible stops the downgrade before anything runs.\n"
	  "On a protected environment (require_plan) it is refused: plan it with\n"
	  "'strata plan --down TARGET -o FILE' and apply that, or give\n"
	  "--force-protected REASON (the reason goes into the history rows).\n\n"
	  "@options\n"
	  "Examples:\n  strata downgrade -1\n  strata downgrade base\n"
	  "  strata -e production downgrade -1 --force-protected \"INC-42: revert 3f9a\"\n" },
	{ "stamp",
	  "usage: strata stamp TARGET [--purge]\n\n"
	  "Set the version table to TARGET (a revision, heads, or base) without running\n"
	  "SQL. Use it to adopt a database whose schema is already there, or to mark a\n"
	  "failed non-transactional revision as done after finishing it by hand.\n"
	  "--purge replaces the version rows even when they name unknown revisions.\n"
	  "On a protected environment (require_plan) it is refused unless\n"
	  "--force-protected REASON is given; the reason goes into the history rows.\n" },
	{ "current",
	  "usage: strata current [--json] [-v]\n\n"
	  "Show the revisions the database is at (its applied heads) and how many are\n"
	  "pending. Warns about failed revisions and files changed since applied.\n"
	  "-v also shows each head's parents, file and created time, and when, by whom\n"
	  "and from which host it was applied or stamped (from the history table).\n" },
	{ "history",
	  "usage: strata history [-r FROM:TO] [-i] [--json] [-v]\n\n"
	  "List revisions, newest first, from the migrations folder. -v shows parents,\n"
	  "files and created times (none for a file without a created header).\n"
	  "-i, --indicate-current reads the database and marks each revision current\n"
	  "(an applied head), applied, pending, failed or running, and changed when its\n"
	  "file changed since it was applied.\n"
	  "A range FROM:TO limits the list to TO and its ancestors that are\n"
	  "not ancestors of FROM, plus FROM. Either side may be empty (base, heads), a\n"
	  "revision, a branch label, head or heads, or relative to the database's state:\n"
	  "current, -N (where downgrade -N would go), +N (where upgrade +N would go);\n"
	  "only these read the database.\n\n"
	  "@options\n"
	  "Examples:\n  strata history -r -3:          three before the current state, to the heads\n"
	  "  strata history -r current:     what is applied last, and what is pending\n" },
	{ "log",
	  "usage: strata log [--since TIME] [-r REV] [--outcome OUTCOME] [-n N] [--json]\n\n"
	  "Show the database's audit trail, newest first: every step strata ran or\n"
	  "recorded there, with its time (UTC), outcome, direction, revision and message,\n"
	  "then who ran it from which host with which strata, how long it took, and for\n"
	  "a failure the error and the failing statement; a note says what was unusual\n"
	  "(a stamp, a baseline, --allow-changed, --retry-failed, a --sql script).\n"
	  "Read-only. A database without strata's tables has an empty log.\n\n"
	  "Outcomes: applied, reverted, rolled-back (a transactional step failed; nothing\n"
	  "of it remains), failed (a transaction: off step stopped part-way), stamped,\n"
	  "accepted (a changed file accepted with --allow-changed), running (right now),\n"
	  "interrupted (a step whose run died part-way).\n\n"
	  "@options\n"
	  "With --json: an array of objects with every column, null where none.\n\n"
	  "Examples:\n  strata log -n 10\n  strata log --since 7d --outcome failed\n"
	  "  strata log -r 3f9a --json\n" },
	{ "heads", "usage: strata heads [--json]\n\nList the heads of the revision graph.\n" },
	{ "branches",
	  "usage: strata branches [--json]\n\nList branch points with their branches, and branch labels.\n" },
	{ "show", "usage: strata show REV [--json]\n\nShow one revision: header, checksum and SQL.\n" },
	{ "graph",
	  "usage: strata graph [--format dot|mermaid]\n\n"
	  "Print the revision graph. Render dot with: strata graph | dot -Tsvg > graph.svg\n" },
	{ "tag",
	  "usage: strata tag [NAME [REV]] [-d NAME] [--json]\n\n"
	  "Name a release: tag REV (default: the single head) as NAME in\n"
	  "migrations/strata.tags (one '<tag> <revision id>' line per tag, sorted), and\n"
	  "record the file in strata.sum. With no arguments, list the tags. Tags are\n"
	  "targets of every command, and so are steps from any revision:\n\n"
	  "  REV+N, REV-N    N revisions after or before REV (a tag, id, label or head)\n"
	  "  head-N, base+N  N before the single head; the N-th from the single base\n\n"
	  "A step across a merge (two parents) or a branch point (two children), or\n"
	  "head-N with several heads, is ambiguous: name one of the revisions listed.\n"
	  "Names: letters, digits, '.', '_', '-', '/'; not only hex digits, not head,\n"
	  "heads, base or current, not a branch label, not taken.\n\n"
	  "@options\n"
	  "Examples:\n  strata tag v2.3\n  strata tag v2.2 head-1\n  strata upgrade v2.3\n"
	  "  strata upgrade --sql v2.2:v2.3 > release.sql\n  strata downgrade v2.3-1\n" },
	{ "changelog",
	  "usage: strata changelog [FROM..TO | REV] [--since-db] [--format markdown|json]\n\n"
	  "For each release (each tag, then what follows the last tag), the schema\n"
	  "changes in words, each breaking, compatible or internal, and the semantic\n"
	  "version bump they imply (major, minor, patch, none). The changes come from\n"
	  "the schemas the migrations leave, replayed in shadow databases and compared,\n"
	  "not from their SQL. Markdown lists the newest release first; JSON the oldest.\n\n"
	  "  FROM..TO                 one range of targets (FROM.. to the heads, ..TO from base)\n"
	  "  REV                      the release that ends at REV\n\n"
	  "@options\n"
	  "Examples:\n  strata changelog > CHANGELOG-schema.md\n  strata changelog v2.2..v2.3\n"
	  "  strata changelog --since-db --format json\n" },
	{ "verify",
	  "usage: strata verify [--offline] [--allow-multiple-heads] [--json]\n\n"
	  "Check that migrations/strata.sum matches the folder, that the graph has one\n"
	  "head, and (unless --offline) that every applied revision's file is unchanged\n"
	  "and none is left failed. Exit 1 when anything is found.\n" },
	{ "hash",
	  "usage: strata hash\n\n"
	  "Rewrite migrations/strata.sum after adding or editing files by hand on purpose,\n"
	  "including a revision you created with 'strata revision' and then edited.\n"
	  "It holds one line per migration file, so git merges two branches that each\n"
	  "add a revision; after a merge that left conflict markers in it, check the\n"
	  ".sql files and run 'strata hash' to rewrite it. A strata.sum written by\n"
	  "older versions is still read; this rewrites it in the current format.\n" },
	{ "diff",
	  "usage: strata diff FROM TO [--json] [--exit-code] [--no-grants] [--extension-versions]\n"
	  "                   [--no-cache]\n\n"
	  "Print the SQL that turns FROM's schema into TO's. Each side is a database URL,\n"
	  "a schema .sql file, a migrations directory, or 'exec: COMMAND ARGS' (a schema\n"
	  "provider: the SQL it prints); files, providers' output and directories are\n"
	  "loaded into shadow databases (always dropped), or read from .strata/cache when\n"
	  "the same SQL was loaded before. Changes come in dependency order;\n"
	  "destructive ones are preceded by a '-- destructive:' comment. Renames are never\n"
	  "guessed: a renamed column shows as a drop and an add.\n\n"
	  "@options\n"
	  "With --json: the change list (op, kind, object, detail, destructive, sql).\n\n"
	  "Examples:\n  strata diff postgres://app@staging/app postgres://app@prod/app\n"
	  "  strata diff migrations schema.sql\n"
	  "  strata diff postgres://app@prod/app 'exec: strata-sqlalchemy app.models:Base'\n" },
	{ "dump",
	  "usage: strata dump [SOURCE] [-o FILE]\n\n"
	  "Print the schema of SOURCE (default: the project's database) as canonical SQL:\n"
	  "every object in dependency order, in a stable order, loadable into an empty\n"
	  "database.\n" },
	{ "drift",
	  "usage: strata drift [--sql] [--json] [--schema SOURCE] [--no-cache]\n\n"
	  "Replay the revisions the database has applied into a shadow database and compare\n"
	  "its schema with the live one. Exit 0 when they match; exit 1 with every\n"
	  "difference (extra: in the database only; missing: made by the migrations but\n"
	  "gone; changed). --sql prints the SQL that brings the database back.\n\n"
	  "--schema SOURCE compares the database with a desired schema instead: a schema\n"
	  "file, or exec: COMMAND ARGS (e.g. the application's models through\n"
	  "strata-sqlalchemy). --no-cache: do not read or write .strata/cache.\n" },
	{ "check",
	  "usage: strata check [--schema SOURCE] [--json] [--no-cache]\n\n"
	  "Replay the migrations in a shadow database, load the desired schema (FILE, else\n"
	  "schema in strata.ini; a file or exec: COMMAND ARGS) in another, and compare\n"
	  "them, as revision --autogenerate\n"
	  "does. Exit 0 with \"no differences\" when the migrations make that schema; exit 1\n"
	  "printing the SQL still missing (what 'strata diff migrations FILE' prints) when\n"
	  "they do not. The project's database is not read; it names the engine.\n\n"
	  "Exit status: 0 no differences, 1 differences, 2 no schema file or a bad\n"
	  "migration, 3 a shadow database that cannot be made or loaded.\n\n"
	  "@options\n"
	  "Example:\n  strata check || strata revision --autogenerate -m \"what changed\"\n" },
	{ "import",
	  "usage: strata import FORMAT SRC [--into DIR] [--dialect postgresql|sqlite] [--json]\n\n"
	  "Read another tool's migration history in SRC (its migrations folder; for\n"
	  "sqitch the folder that holds sqitch.plan) and write it as strata revision\n"
	  "files with strata.sum into DIR (default: the migrations folder), keeping the\n"
	  "tool's own ids (versions, timestamps, change names). Prints a report: steps\n"
	  "imported, transaction: off and no-op steps, irreversible ones, and anything\n"
	  "skipped and why. Nothing is written when SRC is malformed or DIR already\n"
	  "holds one of the ids (exit 2).\n\n"
	  "Formats: alembic (SRC: the folder that holds alembic.ini; the graph and the\n"
	  "offline SQL come from Alembic itself, and a step that cannot render offline\n"
	  "is imported as a marked stub), flyway, golang-migrate, goose, dbmate,\n"
	  "sqitch, pop (see docs/import.md for what maps to what).\n\n"
	  "@options\n"
	  "Example:\n  strata import goose db/migrations && strata upgrade\n" },
	{ "baseline",
	  "usage: strata baseline [-m MESSAGE]\n\n"
	  "Adopt an existing database: write its live schema as the project's first\n"
	  "revision (down: drop it all) and stamp the database at it. Data is untouched.\n" },
	{ "adopt",
	  "usage: strata adopt FORMAT [--table NAME] [--registry REG] [--project NAME] [--force]\n\n"
	  "Record on the database the strata state that another tool's bookkeeping\n"
	  "says is applied, without running SQL: the version rows, and one history\n"
	  "row per revision (outcome adopted, direction adopt). The tool's table is\n"
	  "only read. Then 'strata upgrade' goes on from there. The migrations folder\n"
	  "must hold that history (strata import FORMAT SRC writes it).\n\n"
	  "Formats and what they read:\n"
	  "  alembic          alembic_version (the heads)\n"
	  "  flyway           flyway_schema_history (successful rows; undo and baseline rows)\n"
	  "  golang-migrate   schema_migrations (version; refused when dirty)\n"
	  "  goose            goose_db_version (the latest row of each version)\n"
	  "  dbmate           schema_migrations (one row per version)\n"
	  "  sqitch           sqitch.changes; on SQLite the registry file (--registry)\n"
	  "  pop              schema_migration\n\n"
	  "Refused, with nothing written: no such table, a row naming a revision the\n"
	  "folder lacks, a state missing an ancestor of an applied revision, and a\n"
	  "database strata already records a state for (unless --force replaces it).\n\n"
	  "@options\n"
	  "Example:\n  strata import alembic ../app && strata adopt alembic && strata upgrade\n" },
	{ "erd",
	  "usage: strata erd [SOURCE] [-f dot|mermaid] [--all-columns]\n\n"
	  "Draw the tables, their key columns and foreign keys of SOURCE (default: the\n"
	  "project's database). Render with: strata erd | dot -Tsvg > schema.svg\n" },
	{ "lint",
	  "usage: strata lint [FILES...] [--all] [--format text|json|sarif|github]\n"
	  "                   [--severity warning|error] [--engine postgres|sqlite]\n"
	  "                   [--pg-version N] [--assume-in-transaction]\n\n"
	  "Check migrations for statements that lock tables, rewrite them, lose data or\n"
	  "break running code, and say the safe way to do each (docs/lint.md lists every\n"
	  "rule with a bad and a good example). On PostgreSQL the statements inside DO\n"
	  "blocks (run with the migration) and PL/pgSQL or SQL function bodies (run when\n"
	  "called) are linted too; dynamic SQL built at run time is not read.\n\n"
	  "Without FILES: the revisions not yet applied to the database, as one range\n"
	  "(a table created by one of them is new to the others), and applied revisions\n"
	  "whose file changed. --all: every revision, each on its own. FILES may be strata\n"
	  "migrations or plain SQL files, each on its own; a folder stands for every .sql\n"
	  "file directly in it, in name order. Every revision is linted with what the\n"
	  "revisions before it in the graph did to constraints (a NOT VALID check\n"
	  "validated earlier proves a later SET NOT NULL), applied ones included. Down\n"
	  "sections are linted after their up (\"down section:\"): undoing the up's own\n"
	  "objects is quiet, dropping older ones is reported.\n"
	  "With -d (or when pending revisions are read\n"
	  "from it) a PostgreSQL server's version and table sizes are used: locking\n"
	  "findings on tables below [lint] small_table_rows (10000) are warnings; from\n"
	  "[lint] large_table_rows (1000000) on they give the size and roughly how long\n"
	  "the lock is held; a live table no earlier revision creates is possible drift.\n\n"
	  "@options\n"
	  "Suppress one finding with a comment line directly above the statement (or\n"
	  "above the DO / CREATE FUNCTION holding it):\n"
	  "  -- strata:ignore SL101 the table has 20 rows\n"
	  "Change severities in strata.ini:\n"
	  "  [lint]\n  SL301 = off\n  prefer-timestamptz = error\n  pg_version = 15\n\n"
	  "Exit status: 0 no error-level finding, 1 some, 2 unparsable SQL or bad usage,\n"
	  "3 database error.\n\n"
	  "Examples:\n  strata lint\n  strata lint --all --format sarif > lint.sarif\n"
	  "  strata lint migrations/ --format github\n" },
	{ "advise",
	  "usage: strata advise [SOURCE] [--format text|json|sarif|github]\n"
	  "                     [--severity info|warning|error] [--sample] [--no-stats]\n"
	  "                     [--engine postgres|sqlite]\n\n"
	  "Review a schema's design: keys and integrity (SA1xx), indexes (SA2xx), types\n"
	  "and naming (SA3xx), normalization (SA4xx). Each finding names the object, what\n"
	  "is wrong, a hint and, where there is one, the DDL that fixes it\n"
	  "(docs/advise.md lists every rule).\n\n"
	  "SOURCE: a database URL, a schema .sql file or a migrations directory (loaded\n"
	  "into a shadow database, as diff does); default the configured database. On a\n"
	  "live PostgreSQL database its statistics are read too, one query per kind:\n"
	  "sequences near the end of their range and how fast they are used, indexes\n"
	  "never scanned (with the statistics' age; never unique or constraint indexes),\n"
	  "INVALID indexes, large tables read by many sequential scans.\n\n"
	  "@options\n"
	  "Settings in strata.ini:\n"
	  "  [advise]\n  ignore = SA101 public.audit_*, SA302\n  wide-table = error\n"
	  "  max_columns = 50\n  like_columns = public.users.email\n\n"
	  "Exit status: 0 no finding at --severity or above, 1 some, 2 bad usage, a bad\n"
	  "source or a bad [advise] entry, 3 database error.\n\n"
	  "Examples:\n  strata advise\n  strata advise schema.sql --severity info\n"
	  "  strata advise postgres://app@db/app --format sarif > advise.sarif\n" },
	{ "test",
	  "usage: strata test [--only NAME]... [--from REV] [--heads N] [--keep-going]\n"
	  "                   [--json] [--whole-snapshots] [--schema SOURCE] [--no-cache]\n"
	  "                   [-d SCRATCH_URL]\n\n"
	  "Prove the migrations on a shadow database (SQLite: in memory;\n"
	  "PostgreSQL: a temporary database on the shadow_database or database server,\n"
	  "always dropped; or -d URL: an empty scratch database, left at the heads).\n"
	  "The checks, each reported by name:\n\n"
	  "  single-head           one head (or --heads N, or [test] heads in strata.ini);\n"
	  "                        no orphaned base revision (one that no merge or\n"
	  "                        depends-on joins to the others)\n"
	  "  upgrade               base to heads applies, revision by revision\n"
	  "  stairway              each revision: up, down, up again\n"
	  "  down-leaves-no-trace  the schema after a down equals the one before its up;\n"
	  "                        leftover and missing objects are named\n"
	  "  schema-matches        the schema at the heads equals strata.ini's schema (a file\n"
	  "                        or exec: COMMAND, or --schema SOURCE)\n"
	  "  data-survives         migrations/tests/<revision>.sql: -- +before statements,\n"
	  "                        -- +check / -- +check-down queries that must be true\n"
	  "  lint                  no error-level lint finding in any revision\n\n"
	  "The walk stops at the first up or down that fails; with --keep-going it goes\n"
	  "on and reports every failing step (revisions built on a failed one are listed\n"
	  "as not run), and the exit status is still 1.\n\n"
	  "Exit status: 0 every check passed, 1 one failed, 2 bad usage or a bad\n"
	  "data-check file, 3 database error. docs/testing.md has the details.\n\n"
	  "@options\n"
	  "Examples:\n  strata test\n  strata test --only stairway --from 3f9a1c2b\n"
	  "  strata test --keep-going\n"
	  "  strata test --json > strata-test.json\n" },
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
	  "          version's schema, give the new columns their names. When the\n"
	  "          migration is an online revision's, strata_history records it\n"
	  "          contracted at once (drift, status and downgrade agree).\n"
	  "rollback  undo a started migration; writes made through either version stay.\n"
	  "status    the migration in progress, the latest completed one, every version\n"
	  "          schema with the sessions seen using it, and the rows backfilled.\n\n"
	  "Online revisions: a revision with '-- online: FILE.json' (beside it in the\n"
	  "migrations folder) or a '-- +online' section is expanded by 'strata upgrade'\n"
	  "and contracted before a later revision that says '-- contracts: REV' (or by\n"
	  "'online complete'); 'strata downgrade' rolls it back or runs its inverse.\n"
	  "On SQLite an online revision is one plain transaction; what SQLite's ALTER\n"
	  "TABLE cannot do (alter_column, constraints) runs through its table rebuild.\n"
	  "Version schemas of completed migrations are rebuilt after every plain\n"
	  "revision; [online] keep_versions (default 1) says how many stay.\n\n"
	  "Clients pick a version with SET search_path TO <version schema>. State is kept\n"
	  "in the database (schema strata_online): any machine can complete or roll back,\n"
	  "and each step can be run again after a crash (start resumes the backfill).\n\n"
	  "@options\n"
	  "Operations: create_table, drop_table, rename_table, add_column, drop_column,\n"
	  "rename_column, alter_column, create_index, drop_index, create_constraint,\n"
	  "drop_constraint, drop_multicolumn_constraint, rename_constraint,\n"
	  "set_replica_identity, sql. See docs/online.md.\n\n"
	  "Example:\n  strata online start migrations/online/02_price_type.json\n"
	  "  strata online complete\n" },
	{ "status",
	  "usage: strata status [--json] [--no-drift] [--connect-timeout D]\n\n"
	  "Every environment of strata.ini ([env.NAME]) side by side, or the one -e names,\n"
	  "or the project's database when there are none: applied heads, pending revisions,\n"
	  "the last applied step (when, by whom, on which host), a failed revision, and\n"
	  "whether the schema drifted from what its applied migrations make. All are read\n"
	  "side by side (one connection each), read-only, with a short connect timeout;\n"
	  "one that cannot be reached is shown as unreachable and the others still are\n"
	  "(exit 3 then).\n\n"
	  "@options\n"
	  "Example:\n  strata status --json\n" },
	{ "plan",
	  "usage: strata [-e NAME] plan [TARGET] [-o FILE] [--skip-promotion-check REASON]\n"
	  "       strata [-e NAME] plan --down TARGET [-o FILE]\n\n"
	  "Write the exact upgrade script for the database as it is now (TARGET default:\n"
	  "heads) for review: the body is what 'upgrade --sql' prints, bookkeeping\n"
	  "included; the header names the database's identity, its applied revisions,\n"
	  "a fingerprint of its schema, the lint summary and findings of the planned\n"
	  "revisions and the SHA-256 of the body. Reads the database only. On an\n"
	  "environment with promote_from, revisions the upstream has not applied are\n"
	  "refused as upgrade refuses them.\n\n"
	  "@options\n"
	  "Example:\n  strata -e production plan -o release-42.sql\n" },
	{ "apply",
	  "usage: strata [-e NAME] apply FILE [--lock-wait D] [--skip-promotion-check REASON]\n\n"
	  "Run a plan written by 'strata plan -o FILE' exactly as reviewed, with upgrade's\n"
	  "run lock, one transaction per revision with its bookkeeping, and the plan's\n"
	  "lock_timeout. Refused (exit 1, nothing run) when the body was edited, when the\n"
	  "database is not the one planned for, when its applied revisions or schema\n"
	  "changed since the plan, or when the migration files no longer make the body.\n"
	  "The history rows name the plan file and its body's SHA-256.\n\n"
	  "@options\n"
	  "Example:\n  strata -e production apply release-42.sql\n" },
	{ "fleet",
	  "usage: strata fleet NAME upgrade|status [TARGET] [--parallel N] [--canary N]\n"
	  "                    [--max-failures N] [--resume] [--json]\n"
	  "       strata fleet NAME plan [TARGET] -o DIR\n"
	  "       strata fleet NAME apply DIR [--lock-wait D] [options as for upgrade]\n"
	  "       strata fleet NAME drift [--parallel N] [--json]\n\n"
	  "Upgrade (to TARGET, default heads) or read every target of strata.ini's\n"
	  "[fleet.NAME]: databases (targets = URL URL..., a file of URLs, exec: COMMAND,\n"
	  "query: SQL with control = URL) or the tenant schemas of one PostgreSQL database\n"
	  "(schemas = QUERY with database = URL; each schema has its own version table).\n"
	  "Each target is its own upgrade: own connection, run lock, transactions and\n"
	  "history. A progress bar on a terminal, then one line per target: outcome,\n"
	  "time, error. Exit 1 when a target failed or did not start.\n\n"
	  "plan writes one reviewed plan per target into DIR ('strata plan' files, named\n"
	  "after the target with its password masked; a tenant's carries its schema).\n"
	  "apply runs each target's plan from DIR and refuses a target as 'strata apply'\n"
	  "does (body edited, another database, state moved), the others going on.\n"
	  "drift tells per target whether its schema matches its applied migrations\n"
	  "('strata drift'; a tenant: its own schema only); exit 1 when any drifted.\n\n"
	  "@options\n"
	  "Examples:\n  strata fleet tenants upgrade --canary 1 --parallel 8\n"
	  "  strata fleet tenants plan -o plans/r42 && strata fleet tenants apply plans/r42\n" },
	{ "help", "usage: strata help [COMMAND]\n" },
	{ "version", "usage: strata version\n" },
	{ "config",
	  "strata.ini (in the project folder; found from the working folder upwards):\n\n"
	  "  [strata]\n"
	  "  database = postgres://app@localhost/app   ; or sqlite:PATH\n"
	  "  migrations = migrations\n"
	  "  schema = schema.sql                     ; or exec: COMMAND ARGS (a provider)\n"
	  "  version_table = strata_version          ; schema-qualified allowed\n"
	  "  lock_timeout = 5s\n"
	  "  statement_timeout = 0\n"
	  "  lock_wait = 60s\n"
	  "  lock_retries = 5\n"
	  "  sum = strict                            ; or auto (below)\n"
	  "  shadow_database = postgres://app@localhost/postgres ; server for shadow databases\n"
	  "  provider_timeout = 60s                  ; time limit of schema = exec: ...\n\n"
	  "  [test]\n"
	  "  heads = 1                               ; the heads strata test expects\n\n"
	  "sum: what upgrade, downgrade and stamp do when migrations/strata.sum does not\n"
	  "match the folder. strict (default): stop; run 'strata hash' to record the\n"
	  "change. auto (for local development): under the migration lock, rehash each\n"
	  "added or changed file whose revision is not applied on the target database,\n"
	  "and go on; a difference about an applied revision or a removed file still\n"
	  "stops the run. --sql and verify are always strict.\n\n"
	  "The database comes from, in order: -d/--database, STRATA_DATABASE_URL,\n"
	  "DATABASE_URL, strata.ini, then sqlite:strata.db in the project folder.\n"
	  "Prefer ~/.pgpass or PGPASSFILE to a password in the URL.\n\n"
	  "schema = exec: COMMAND ARGS runs COMMAND (no shell; words split and quoted as\n"
	  "in sh) in the project folder and reads the desired schema's SQL from its\n"
	  "stdout. Snapshots of shadow databases are cached in .strata/cache (strata init\n"
	  "adds it to .gitignore); --no-cache bypasses it. See docs/schema.md.\n" },
};

const char *cli_help_text(const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(pages[i].name, command) == 0)
			return pages[i].text;
	return NULL;
}

/*
 * strata help [COMMAND]. The hidden 'strata help --markdown-options' prints
 * every command's options as docs/commands.md lists them (between
 * "<!-- options: CMD -->" markers), from the same tables help prints;
 * tests/check-docs-options.sh compares the two.
 */
int cmd_help(int argc, char **argv, cli_ctx *ctx)
{
	const cli_command *cmd;
	const char *args[1];
	size_t nargs = 0;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--markdown-options") == 0) {
		for (cmd = cli_commands; cmd->name; cmd++)
			if (cmd->fn != cmd_help && cmd->fn != cmd_version)
				cli_show_help(ctx, cmd, CLI_HELP_MARKDOWN, stdout);
		return EXIT_OK;
	}
	if (argc > 0 && (rc = cli_parse(argc, argv, NULL, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!nargs) {
		cli_usage(stdout, NULL, NULL);
		return EXIT_OK;
	}
	if (!cli_help_text(args[0]))
		return cli_usage_error(NULL, "no help for '%s'", args[0]);
	if ((cmd = cli_find_command(args[0])) != NULL)
		return cli_show_help(ctx, cmd, CLI_HELP_TEXT, stdout);
	cli_usage(stdout, args[0], NULL);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv, cli_ctx *ctx)
{
	printf("strata %s\n", STRATA_VERSION);
	return EXIT_OK;
}
