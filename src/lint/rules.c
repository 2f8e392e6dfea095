/*
 * lint/rules.c - the rule table and the [lint] settings of strata.ini.
 *
 * Layer: lint. Ids are stable and never reused: SL1xx locks and table
 * rewrites, SL2xx data loss and breaking running code, SL3xx column types
 * and names, SL4xx transactions and script structure, SL5xx migration
 * files, SL6xx SQLite. docs/lint.md documents each with a bad and a good
 * example; keep the two in step (tests check that every id is there).
 */
#include "lint/lint.h"
#include "strata/error.h"
#include "util/assert.h"
#include "util/ini.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG STRATA_LINT_PG
#define SQ STRATA_LINT_SQLITE
#define E STRATA_LINT_ERROR
#define W STRATA_LINT_WARNING
#define OFF STRATA_LINT_OFF

static const strata_lint_rule rules[R_COUNT] = {
	{ "SL101", "require-concurrent-index-creation", E, PG,
	  "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds",
	  "CREATE INDEX CONCURRENTLY in a migration with '-- transaction: off'" },
	{ "SL102", "require-concurrent-index-deletion", E, PG,
	  "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table",
	  "DROP INDEX CONCURRENTLY in a migration with '-- transaction: off'" },
	{ "SL103", "ban-concurrent-index-creation-in-transaction", E, PG,
	  "CONCURRENTLY cannot run inside a transaction block: the migration fails",
	  "put the statement in its own migration with '-- transaction: off' (strata revision --no-transaction)" },
	{ "SL104", "require-concurrent-reindex", E, PG,
	  "REINDEX without CONCURRENTLY blocks reads and writes of the table",
	  "REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a migration with '-- transaction: off'" },
	{ "SL105", "require-concurrent-partition-detach", E, PG,
	  "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent",
	  "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) outside a transaction" },
	{ "SL106", "constraint-missing-not-valid", E, PG,
	  "adding a CHECK constraint scans the whole table while blocking writes",
	  "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later migration" },
	{ "SL107", "adding-foreign-key-constraint", E, PG,
	  "adding a foreign key validates every row while blocking writes on both tables",
	  "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later migration" },
	{ "SL108", "adding-not-nullable-field", E, PG,
	  "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
	  "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (later migration); "
	  "then SET NOT NULL (no scan on PostgreSQL 12+) and DROP CONSTRAINT c" },
	{ "SL109", "disallowed-unique-constraint", E, PG,
	  "ADD CONSTRAINT ... UNIQUE builds its index under an ACCESS EXCLUSIVE lock",
	  "CREATE UNIQUE INDEX CONCURRENTLY (transaction: off), then ADD CONSTRAINT ... UNIQUE USING INDEX" },
	{ "SL110", "adding-serial-primary-key-field", E, PG,
	  "adding a PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock",
	  "CREATE UNIQUE INDEX CONCURRENTLY (transaction: off), then ADD CONSTRAINT ... PRIMARY KEY USING INDEX" },
	{ "SL111", "adding-exclusion-constraint", E, PG,
	  "adding an EXCLUDE constraint builds its index and checks every row under an ACCESS EXCLUSIVE lock",
	  "create the table with the constraint, or enforce the rule in the application until a quiet window" },
	{ "SL112", "changing-column-type", E, PG,
	  "changing a column's type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
	  "expand and contract: add a column of the new type, backfill in batches, switch readers, drop "
	  "the old one (varchar(n) to a larger n or to text does not rewrite)" },
	{ "SL113", "adding-field-with-default", E, PG,
	  "a volatile default (or any default before PostgreSQL 11) rewrites the whole table",
	  "add the column without a default (or with a constant one), set the default, backfill in batches" },
	{ "SL114", "adding-auto-filled-field", E, PG,
	  "a serial, identity or stored generated column added to a table fills every row: a rewrite",
	  "add a plain nullable column, fill it in batches, then attach the sequence or expression" },
	{ "SL115", "require-lock-timeout", W, PG,
	  "a locking statement without lock_timeout queues behind long transactions and blocks all traffic behind it",
	  "SET lock_timeout = '5s' first (strata upgrade sets it from strata.ini's lock_timeout)" },
	{ "SL116", "require-statement-timeout", OFF, PG,
	  "no statement_timeout: a slow statement runs unbounded",
	  "SET statement_timeout first, long enough for the slowest statement" },
	{ "SL117", "prefer-repack", E, PG,
	  "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock",
	  "use pg_repack or pg_squeeze, which rewrite online" },
	{ "SL118", "ban-alter-domain-with-add-constraint", W, PG,
	  "ALTER DOMAIN ... ADD CONSTRAINT checks every column of that domain under lock",
	  "add the CHECK to the tables as NOT VALID constraints, then validate them" },
	{ "SL119", "ban-create-domain-with-constraint", W, PG,
	  "a domain with a CHECK constraint is hard to change later without locking every table using it",
	  "use a plain type and table CHECK constraints" },
	{ "SL120", "index-too-many-columns", W, PG,
	  "a non-unique index on more than three columns is rarely used in full and costs every write",
	  "index the leading, most selective columns only" },
	{ "SL121", "concurrent-index-pg14-corruption", W, PG,
	  "CREATE/REINDEX ... CONCURRENTLY on PostgreSQL 14.0 to 14.3 can silently corrupt the index",
	  "upgrade to 14.4 or later before building indexes concurrently" },
	{ "SL201", "adding-required-field", E, PG | SQ,
	  "adding a NOT NULL column without a default fails on a table with rows, and breaks old inserts",
	  "add it nullable (or with a DEFAULT), backfill in batches, then make it NOT NULL the safe way (SL108)" },
	{ "SL202", "ban-drop-column", E, PG | SQ,
	  "dropping a column loses its data and breaks running code that still reads or writes it",
	  "expand and contract: stop using the column in the application, deploy, then drop it" },
	{ "SL203", "ban-drop-table", E, PG | SQ,
	  "dropping a table loses its data and breaks running code that still uses it",
	  "stop using the table in the application, deploy, keep a backup, then drop it" },
	{ "SL204", "ban-drop-database", E, PG,
	  "DROP DATABASE in a migration destroys everything in it",
	  "drop databases by hand, never from a migration" },
	{ "SL205", "ban-drop-schema", E, PG,
	  "dropping a schema drops every object in it",
	  "drop the objects one by one in separate, reviewed migrations" },
	{ "SL206", "renaming-column", E, PG | SQ,
	  "renaming a column breaks running code that still uses the old name",
	  "expand and contract: add the new column, write both, backfill, switch readers, drop the old one "
	  "(or strata online migrations with versioned views)" },
	{ "SL207", "renaming-table", E, PG | SQ,
	  "renaming a table breaks running code that still uses the old name",
	  "rename, and create a view with the old name until every reader has moved (or expand and contract)" },
	{ "SL208", "renaming-schema", E, PG,
	  "renaming a schema breaks running code that names it",
	  "create the new schema and move objects with expand and contract" },
	{ "SL209", "renaming-enum-value", W, PG,
	  "renaming an enum value breaks running code that still writes the old value",
	  "add the new value, migrate rows in batches, then stop using the old one" },
	{ "SL210", "ban-drop-not-null", W, PG,
	  "dropping NOT NULL lets NULLs in that running code may not expect",
	  "make sure every reader copes with NULL first" },
	{ "SL211", "ban-truncate-cascade", E, PG,
	  "TRUNCATE ... CASCADE also empties every table that references this one",
	  "TRUNCATE the tables you mean by name, without CASCADE" },
	{ "SL212", "require-enum-value-ordering", W, PG,
	  "ALTER TYPE ... ADD VALUE without BEFORE or AFTER appends the value, which may break its ordering",
	  "say where it goes: ADD VALUE 'x' BEFORE 'y' or AFTER 'y'" },
	{ "SL213", "unbatched-data-migration", E, PG | SQ,
	  "UPDATE or DELETE without WHERE on an existing table rewrites or locks every row in one transaction",
	  "backfill in batches by key: put the statement in a '-- +batch' section with "
	  "'WHERE id > :last AND id <= :next' (or add a WHERE that bounds it)" },
	{ "SL301", "prefer-bigint-over-int", W, PG,
	  "a 32-bit integer column (especially a key) overflows at 2.1 billion",
	  "use bigint (and bigint identity for keys)" },
	{ "SL302", "prefer-bigint-over-smallint", W, PG,
	  "a smallint column overflows at 32767",
	  "use bigint, or integer when the range is truly bounded" },
	{ "SL303", "prefer-identity", W, PG,
	  "serial columns own a sequence with surprising permissions and dump behaviour",
	  "use bigint GENERATED ALWAYS AS IDENTITY" },
	{ "SL304", "prefer-text-field", W, PG,
	  "changing varchar(n)'s limit later needs an ACCESS EXCLUSIVE lock (a rewrite when it shrinks)",
	  "use text with a CHECK (length(col) <= n) constraint, which can be replaced NOT VALID" },
	{ "SL305", "prefer-timestamptz", W, PG,
	  "timestamp without time zone drops the UTC offset, so equal instants compare unequal",
	  "use timestamptz" },
	{ "SL306", "ban-char-field", W, PG,
	  "char(n) pads with blanks and is never faster than text",
	  "use text (or varchar) with a CHECK constraint" },
	{ "SL307", "prefer-jsonb", W, PG,
	  "json has no equality operator (DISTINCT, GROUP BY and UNION fail) and is reparsed on every use",
	  "use jsonb" },
	{ "SL308", "identifier-too-long", E, PG,
	  "names longer than 63 bytes are silently truncated by PostgreSQL",
	  "use a shorter name" },
	{ "SL309", "ban-duplicate-column-assignments", E, PG | SQ,
	  "the same column appears twice in one statement, which fails when it runs",
	  "keep one definition or assignment per column" },
	{ "SL310", "require-table-schema", OFF, PG,
	  "an unqualified table name depends on search_path",
	  "qualify the name with its schema" },
	{ "SL401", "transaction-nesting", E, PG | SQ,
	  "BEGIN, COMMIT or ROLLBACK inside a migration strata already runs in a transaction breaks its all-or-nothing apply",
	  "remove them: strata wraps each migration in a transaction (or use '-- transaction: off')" },
	{ "SL402", "ban-uncommitted-transaction", E, PG | SQ,
	  "a BEGIN without a COMMIT leaves the transaction open: nothing after it is applied",
	  "add the COMMIT, or remove the BEGIN" },
	{ "SL403", "prefer-robust-stmts", W, PG,
	  "outside a transaction a statement that cannot be run twice makes a failed migration hard to retry",
	  "use IF NOT EXISTS / IF EXISTS so that 'strata upgrade --retry-failed' can run the migration "
	  "again (it drops an INVALID index a failed CREATE INDEX CONCURRENTLY left; other tools need "
	  "DROP INDEX CONCURRENTLY IF EXISTS first)" },
	{ "SL501", "missing-down", E, PG | SQ,
	  "the migration has no down section and no '-- irreversible:' header",
	  "write the down SQL after '-- +down', or add '-- irreversible: <reason>'" },
	{ "SL502", "applied-revision-edited", E, PG | SQ,
	  "the file of an applied revision changed since it ran: the database does not have what it says",
	  "restore the file from version control and put the change in a new revision" },
	{ "SL503", "template-placeholder", E, PG | SQ,
	  "the revision still holds the <value> placeholder that strata revision --template wrote: "
	  "it cannot run until the value is filled in",
	  "replace <value> with the value the existing rows get (upgrade and --sql refuse the "
	  "revision until then)" },
	{ "SL601", "sqlite-unsupported-alter", E, SQ,
	  "SQLite's ALTER TABLE cannot do this: the migration fails",
	  "rebuild the table: CREATE TABLE new (...), INSERT INTO new SELECT ..., DROP TABLE old, "
	  "ALTER TABLE new RENAME TO old, then recreate indexes and triggers" },
	{ "SL602", "sqlite-add-column-limits", E, SQ,
	  "SQLite cannot add a column that is PRIMARY KEY or UNIQUE, NOT NULL without a non-null default, "
	  "or has a non-constant default or a STORED generated value",
	  "add a nullable column with a constant default, or rebuild the table" },
	{ "SL603", "sqlite-pragma-in-transaction", W, SQ,
	  "PRAGMA foreign_keys does nothing inside a transaction: foreign keys stay as they were",
	  "leave it out: strata runs every SQLite revision with foreign keys off (end a table rebuild "
	  "with PRAGMA foreign_key_check, which fails the revision on a broken reference); to turn "
	  "them on for a revision, use '-- transaction: off'" },
};

_Static_assert(R_COUNT <= STRATA_LINT_MAX_RULES, "STRATA_LINT_MAX_RULES too small");
_Static_assert(sizeof(rules) / sizeof(rules[0]) == R_COUNT, "rule table and enum differ");

/* Rules whose harm grows with the table: softened to warnings on small live
 * tables, and on large ones given what holds the lock (the estimate). */
static const struct {
	lint_rule_no rule;
	lint_hold hold;
} locking[] = {
	{ R_CONCURRENT_INDEX, LINT_HOLD_BUILD },     { R_CONCURRENT_DROP_INDEX, LINT_HOLD_LOCK },
	{ R_CONCURRENT_REINDEX, LINT_HOLD_BUILD },   { R_CONCURRENT_DETACH, LINT_HOLD_LOCK },
	{ R_CHECK_NOT_VALID, LINT_HOLD_SCAN },       { R_FOREIGN_KEY, LINT_HOLD_SCAN },
	{ R_SET_NOT_NULL, LINT_HOLD_SCAN },          { R_UNIQUE_CONSTRAINT, LINT_HOLD_BUILD },
	{ R_PRIMARY_KEY, LINT_HOLD_BUILD },          { R_EXCLUSION, LINT_HOLD_BUILD },
	{ R_COLUMN_TYPE, LINT_HOLD_REWRITE },        { R_VOLATILE_DEFAULT, LINT_HOLD_REWRITE },
	{ R_AUTO_FILLED, LINT_HOLD_REWRITE },        { R_REPACK, LINT_HOLD_REWRITE },
	{ R_UNBATCHED_DATA, LINT_HOLD_ROWS },        { R_REQUIRED_FIELD, LINT_HOLD_LOCK },
};

lint_hold strata__lint_rule_hold(lint_rule_no rule)
{
	size_t i;

	for (i = 0; i < sizeof(locking) / sizeof(locking[0]); i++)
		if (locking[i].rule == rule)
			return locking[i].hold;
	return LINT_HOLD_NONE;
}

const strata_lint_rule *strata__lint_rule(lint_rule_no rule)
{
	return &rules[rule];
}

size_t strata_lint_rules(const strata_lint_rule **out)
{
	*out = rules;
	return R_COUNT;
}

const strata_lint_rule *strata_lint_rule_find(const char *id_or_name)
{
	size_t i;

	for (i = 0; i < R_COUNT; i++)
		if (strcasecmp(rules[i].id, id_or_name) == 0 ||
		    strcasecmp(rules[i].name, id_or_name) == 0)
			return &rules[i];
	return NULL;
}

void strata_lint_settings_init(strata_lint_settings *s)
{
	memset(s->severity, -1, sizeof(s->severity));
	s->pg_version = 0;
	s->small_table_rows = 10000;
	s->large_table_rows = 1000000;
}

/* STRATA_EPARSE "path:line: [lint] KEY = 'VALUE': why" with a hint. */
static int settings_error(const strata_config *cfg, const char *key, const char *value,
			  const char *why, const char *hint)
{
	return strata__ini_entry_error(cfg->config_path ? cfg->config_path : STRATA_CONFIG_FILE, "lint", key,
			       value, 0, why, hint);
}

int strata_lint_settings_load(strata_lint_settings *s, const strata_config *cfg)
{
	size_t i;

	STRATA_ASSERT_ARG(s);
	STRATA_ASSERT_ARG(cfg);

	for (i = 0; i < cfg->nlint; i++) {
		const char *key = cfg->lint_keys[i], *value = cfg->lint_values[i];
		const strata_lint_rule *rule;
		long v;

		if (strcasecmp(key, "pg_version") == 0) {
			if (strata__ini_parse_long(&v, value, 9, 99) < 0)
				return settings_error(cfg, key, value, "not a PostgreSQL major version",
						      "write e.g. 'pg_version = 15'");
			s->pg_version = (int)v;
		} else if (strcasecmp(key, "small_table_rows") == 0) {
			if (strata__ini_parse_long(&v, value, 0, 2000000000L) < 0)
				return settings_error(cfg, key, value, "not a row count",
						      "write e.g. 'small_table_rows = 10000'");
			s->small_table_rows = v;
		} else if (strcasecmp(key, "large_table_rows") == 0) {
			if (strata__ini_parse_long(&v, value, 0, 2000000000L) < 0)
				return settings_error(cfg, key, value, "not a row count",
						      "write e.g. 'large_table_rows = 1000000'");
			s->large_table_rows = v;
		} else if ((rule = strata_lint_rule_find(key)) != NULL) {
			size_t at = (size_t)(rule - rules);

			if (strcasecmp(value, "off") == 0)
				s->severity[at] = STRATA_LINT_OFF;
			else if (strcasecmp(value, "warning") == 0)
				s->severity[at] = STRATA_LINT_WARNING;
			else if (strcasecmp(value, "error") == 0)
				s->severity[at] = STRATA_LINT_ERROR;
			else
				return settings_error(cfg, key, value,
						      "the severity must be off, warning or error",
						      "write e.g. 'SL301 = off' or 'prefer-identity = error'");
		} else {
			return settings_error(cfg, key, value, "unknown rule or setting",
					      "use a rule id or name from 'strata help lint' (docs/lint.md), "
					      "pg_version, small_table_rows or large_table_rows");
		}
	}
	return 0;
}
