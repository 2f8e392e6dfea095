/*
 * lint/lint.h - what the rule families share: the rule numbers, the
 * per-file context, finding emission and parse-tree helpers.
 *
 * Layer: lint (above core and db). The rule families walk the protobuf-c
 * structs of libpg_query's parse tree (<pg_query/pg_query.pb-c.h>, types
 * only); the tree itself comes from db/sqlparse.c, the one caller of
 * libpg_query. Files:
 *   rules.c             the rule table (ids, names, severities, hints), settings
 *   engine.c            statements, context, suppression, the report
 *   rules_index.c       index builds and drops, REINDEX, DETACH, repack
 *   rules_constraint.c  constraints, NOT NULL, domains
 *   rules_column.c      columns added or changed, column types, names
 *   rules_destructive.c drops, renames, TRUNCATE, enum values
 *   rules_transaction.c transactions, timeouts, data changes, robustness
 *   rules_sqlite.c      what SQLite's ALTER TABLE cannot do
 *   render.c            text, JSON, SARIF and GitHub output
 *   live.c              a live database's version and table sizes
 *
 * Invariants:
 *  1. enum lint_rule_no and the table in rules.c list the same rules in
 *     the same order (checked by a static assertion there).
 *  2. Rule families only read the tree and call strata__lint_emit() and the
 *     context helpers below; they never allocate findings themselves.
 *  3. A table "is new" when a CREATE TABLE for it ran earlier in the
 *     current range (strata_lint_report_new_range() starts a range); a
 *     column is new when its table is or an ADD COLUMN for it ran there.
 *  4. A down section is linted after its up, with the context the up
 *     left; nothing in a down changes the context (f->in_down).
 *  5. Statements inside DO blocks and function bodies go through the same
 *     families with f->scope saying which: a family that has rules about
 *     the file as a script (transactions, timeouts, retries) checks it.
 *  6. A table's rows are kept by a rebuild (SQLite's: new table, INSERT
 *     ... SELECT of every row, DROP, RENAME) when they were copied into a
 *     new table earlier in the same file; its columns are known when its
 *     CREATE TABLE was read (history), so a column left behind is seen.
 *
 * New rule: add it to enum lint_rule_no and rules.c (same place), check it
 * in a family, add a trigger and a safe case to tests/unit/lint/, and a
 * section to docs/lint.md.
 */
#ifndef STRATA_LINT_LINT_H
#define STRATA_LINT_LINT_H

#include <pg_query/pg_query.pb-c.h>

#include "strata/lint.h"
#include "util/map.h"

typedef enum lint_rule_no {
	R_CONCURRENT_INDEX,        /* SL101 */
	R_CONCURRENT_DROP_INDEX,   /* SL102 */
	R_CONCURRENT_IN_TX,        /* SL103 */
	R_CONCURRENT_REINDEX,      /* SL104 */
	R_CONCURRENT_DETACH,       /* SL105 */
	R_CHECK_NOT_VALID,         /* SL106 */
	R_FOREIGN_KEY,             /* SL107 */
	R_SET_NOT_NULL,            /* SL108 */
	R_UNIQUE_CONSTRAINT,       /* SL109 */
	R_PRIMARY_KEY,             /* SL110 */
	R_EXCLUSION,               /* SL111 */
	R_COLUMN_TYPE,             /* SL112 */
	R_VOLATILE_DEFAULT,        /* SL113 */
	R_AUTO_FILLED,             /* SL114 */
	R_LOCK_TIMEOUT,            /* SL115 */
	R_STATEMENT_TIMEOUT,       /* SL116 */
	R_REPACK,                  /* SL117 */
	R_ALTER_DOMAIN,            /* SL118 */
	R_CREATE_DOMAIN,           /* SL119 */
	R_INDEX_COLUMNS,           /* SL120 */
	R_PG14_CONCURRENT,         /* SL121 */
	R_REQUIRED_FIELD,          /* SL201 */
	R_DROP_COLUMN,             /* SL202 */
	R_DROP_TABLE,              /* SL203 */
	R_DROP_DATABASE,           /* SL204 */
	R_DROP_SCHEMA,             /* SL205 */
	R_RENAME_COLUMN,           /* SL206 */
	R_RENAME_TABLE,            /* SL207 */
	R_RENAME_SCHEMA,           /* SL208 */
	R_RENAME_ENUM_VALUE,       /* SL209 */
	R_DROP_NOT_NULL,           /* SL210 */
	R_TRUNCATE_CASCADE,        /* SL211 */
	R_ENUM_ORDER,              /* SL212 */
	R_UNBATCHED_DATA,          /* SL213 */
	R_BIGINT_OVER_INT,         /* SL301 */
	R_BIGINT_OVER_SMALLINT,    /* SL302 */
	R_IDENTITY,                /* SL303 */
	R_TEXT_FIELD,              /* SL304 */
	R_TIMESTAMPTZ,             /* SL305 */
	R_CHAR_FIELD,              /* SL306 */
	R_JSONB,                   /* SL307 */
	R_IDENT_TOO_LONG,          /* SL308 */
	R_DUPLICATE_COLUMN,        /* SL309 */
	R_TABLE_SCHEMA,            /* SL310 */
	R_TX_NESTING,              /* SL401 */
	R_UNCOMMITTED,             /* SL402 */
	R_ROBUST,                  /* SL403 */
	R_MISSING_DOWN,            /* SL501 */
	R_APPLIED_EDITED,          /* SL502 */
	R_TEMPLATE_VALUE,          /* SL503 */
	R_SQLITE_ALTER,            /* SL601 */
	R_SQLITE_ADD_COLUMN,       /* SL602 */
	R_SQLITE_PRAGMA_IN_TX,     /* SL603 */
	R_COUNT
} lint_rule_no;

/* What a locking rule's statement holds its lock for (rules.c): locking
 * rules are softened on small live tables, and on large ones the message
 * estimates how long the hold lasts. */
typedef enum lint_hold {
	LINT_HOLD_NONE,    /* not a locking rule */
	LINT_HOLD_LOCK,    /* the lock itself (no work proportional to the table) */
	LINT_HOLD_SCAN,    /* a full scan under the lock (validation) */
	LINT_HOLD_BUILD,   /* an index build under the lock */
	LINT_HOLD_REWRITE, /* the table and its indexes written again */
	LINT_HOLD_ROWS,    /* every row changed, row locks held until commit */
} lint_hold;
lint_hold strata__lint_rule_hold(lint_rule_no rule);
const strata_lint_rule *strata__lint_rule(lint_rule_no rule);

/* What runs a statement, and so which rules and context apply (engine.c). */
typedef enum lint_scope {
	LINT_IN_FILE,     /* a statement of the file */
	LINT_IN_DO_BLOCK, /* in a DO block: runs with the file, linted as its statements */
	LINT_IN_FUNCTION, /* in a function or procedure body: runs when called, later */
} lint_scope;

/* One file being linted. */
typedef struct lint_file {
	strata_lint_report *r;
	const strata_lint_options *o;
	const char *path;        /* owned by the report */
	const char *text;        /* the whole file (for lines and suppressions) */
	size_t text_len;
	size_t *line_starts;     /* offsets of each line's first byte */
	size_t nlines;
	const char *sql;         /* the parsed buffer (NUL-terminated copy of a section) */
	size_t base;             /* offset of sql[0] in text */
	unsigned engine;         /* STRATA_LINT_PG or STRATA_LINT_SQLITE */
	int pg_version;          /* major */
	int transactional;       /* the whole file runs in one transaction */
	int is_migration;
	int in_down;             /* linting the down section: findings say so, context frozen */
	int tx_depth;            /* explicit BEGIN ... COMMIT nesting */
	size_t tx_begin_at;      /* offset (in sql) of the outermost open BEGIN */
	int lock_timeout_set;
	int lock_timeout_reported;
	int statement_timeout_set;
	int statement_timeout_reported;
	strata_map added_here;   /* constraints added NOT VALID in this file */
	strata_map dropped_here; /* index names and table/constraint keys dropped with IF
				  * EXISTS in this file */
	strata_map copied_here;  /* tables whose rows INSERT ... SELECT copied into a new
				  * table in this file -> the columns copied */
	strata_map schemas_here; /* schemas this file's up created (kept for its down) */
	strata_map down_tables;  /* tables the down section being linted creates: new
				  * there (the frozen context never learns them) */
	/* The statement being linted (offsets in sql). */
	size_t stmt_start, stmt_end;
	const PgQuery__Node *stmt;
	/* A statement of a body (lint_body): the statement the body is in, the
	 * prefix of its messages ("in function f(): "), how deep. A statement
	 * whose text is not the file's own is pinned: its findings all point
	 * at file offset pinned_at. Guarded: it runs only under IF or CASE or
	 * in a block with an EXCEPTION clause. */
	lint_scope scope;
	const struct lint_file *outer;
	char label[160];
	int depth;
	int pinned;
	size_t pinned_at;
	int guarded;
} lint_file;

/* Add a finding of rule at `location` (an offset into f->sql, or -1 for the
 * statement's start). rel, when given, is the table the finding is about:
 * its live size may soften a locking rule. Suppressed and disabled rules
 * are dropped here. */
void strata__lint_emit(lint_file *f, lint_rule_no rule, int location, const PgQuery__RangeVar *rel,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Range context (engine.c). */
int strata__lint_table_is_new(const lint_file *f, const PgQuery__RangeVar *rel);
/* A revision in the history (learned or linted) created rel and none dropped it since. */
int strata__lint_table_known(const lint_file *f, const PgQuery__RangeVar *rel);
/* New, and created TEMPORARY: it is gone when the session ends. */
int strata__lint_table_is_temporary(const lint_file *f, const PgQuery__RangeVar *rel);
void strata__lint_table_created(lint_file *f, const PgQuery__RangeVar *rel);
void strata__lint_table_renamed(lint_file *f, const PgQuery__RangeVar *rel, const char *newname);
int strata__lint_index_is_new(const lint_file *f, const char *schema, const char *name);
/* A column added (ALTER TABLE ... ADD COLUMN) earlier in the range. */
int strata__lint_column_is_new(const lint_file *f, const PgQuery__RangeVar *rel, const char *col);
void strata__lint_index_created(lint_file *f, const char *schema, const char *name);
/* DROP INDEX [CONCURRENTLY] IF EXISTS name ran earlier in this file (by
 * name: a CREATE INDEX names no schema of its own). */
void strata__lint_index_dropped_here(lint_file *f, const char *name);
int strata__lint_index_was_dropped_here(const lint_file *f, const char *name);
/* ALTER TABLE rel DROP CONSTRAINT IF EXISTS conname ran earlier in this file. */
void strata__lint_constraint_dropped_here(lint_file *f, const PgQuery__RangeVar *rel, const char *conname);
int strata__lint_constraint_was_dropped_here(const lint_file *f, const PgQuery__RangeVar *rel,
				     const char *conname);
/* A CHECK (col IS NOT NULL) added NOT VALID: remembered by constraint name. */
void strata__lint_check_added(lint_file *f, const PgQuery__RangeVar *rel, const char *conname,
		      const char *notnull_col, int foreign);
/* VALIDATE CONSTRAINT conname: 1 if added NOT VALID earlier in this file (and
 * *foreign says whether it is a foreign key); marks a NOT NULL check validated. */
int strata__lint_check_validated(lint_file *f, const PgQuery__RangeVar *rel, const char *conname,
			 int *foreign);
/* Constraint conname of rel was added NOT VALID earlier in this same file. */
int strata__lint_added_in_file(const lint_file *f, const PgQuery__RangeVar *rel, const char *conname);
int strata__lint_notnull_validated(const lint_file *f, const PgQuery__RangeVar *rel, const char *col);
/* The column names of rel, lower-case, each ended by '\x1f', as its CREATE
 * TABLE and later ALTER TABLEs left them (history); NULL when not known.
 * columns NULL forgets them. */
void strata__lint_table_columns_set(lint_file *f, const PgQuery__RangeVar *rel, const char *columns);
const char *strata__lint_table_columns(const lint_file *f, const PgQuery__RangeVar *rel);
/* INSERT INTO new (columns) SELECT ... FROM `from`, new created in this
 * range: every row of `from` copied (columns as above, "" for all); and
 * what was copied from rel earlier in this file, or NULL. */
void strata__lint_rows_copied(lint_file *f, const PgQuery__RangeVar *from, const char *columns);
const char *strata__lint_rows_copied_from(const lint_file *f, const PgQuery__RangeVar *rel);
/* CREATE SCHEMA name ran in this file's up (outside a function body). */
void strata__lint_schema_created(lint_file *f, const char *name);
int strata__lint_schema_is_own(const lint_file *f, const char *name);
/* Whether statements run inside a transaction here (header or BEGIN). */
int strata__lint_in_transaction(const lint_file *f);
/* Where the statement being linted starts in the file's text. */
size_t strata__lint_stmt_offset(const lint_file *f);

/* Tree helpers (engine.c). */
const char *strata__lint_str(const PgQuery__Node *n);         /* a String node's text, or NULL */
const char *strata__lint_type_last(const PgQuery__TypeName *t); /* "int4", "varchar", ... */
const char *strata__lint_rel_name(const PgQuery__RangeVar *rel); /* "schema.table" or "table" (static buffer) */
int strata__lint_is_constant(const PgQuery__Node *n);         /* a literal, cast literal or SQL value function */
/* DefElem list: 1 if an option named `name` is present and not false. */
int strata__lint_has_option(PgQuery__Node **opts, size_t n, const char *name);

/* Rule families: each looks at one statement (f->stmt). */
void strata__lint_rules_index(lint_file *f);
void strata__lint_rules_constraint(lint_file *f);
void strata__lint_rules_column(lint_file *f);
void strata__lint_rules_destructive(lint_file *f);
void strata__lint_rules_transaction(lint_file *f);
void strata__lint_rules_sqlite(lint_file *f);
/* A SQLite statement PostgreSQL's parser cannot read (f->stmt NULL, its
 * text f->sql[f->stmt_start..f->stmt_end)): CREATE TABLE and PRAGMA. */
void strata__lint_sqlite_unparsed(lint_file *f);
/* After the last statement of a file. */
void strata__lint_rules_transaction_end(lint_file *f);
/* Context updates after a statement's rules ran (engine.c). */
void strata__lint_track(lint_file *f);

#endif
