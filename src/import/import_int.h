/*
 * import/import_int.h - what the source-format readers share: building a
 * strata_import_history, reading the source's files, and the SQL-text
 * helpers every format needs (empty steps, BEGIN/COMMIT wrappers,
 * statements that cannot run in a transaction).
 *
 * Layer: import, beside core and schema; uses util only. Never prints.
 *
 * A reader fills the history it is given in the source's apply order and
 * returns 0 or a negative strata_errcode with the error set (a malformed
 * source is STRATA_EPARSE naming the file and line). strata_import_read()
 * checks what every reader must guarantee (ids valid and unique, one-line
 * messages) and frees the history on failure.
 *
 * New format: write fmt_<name>.c with a reader below, add a row to the
 * table in import.c and a section to docs/import.md.
 */
#ifndef STRATA_IMPORT_INT_H
#define STRATA_IMPORT_INT_H

#include "strata/import.h"
#include "util/buf.h"

#include <stddef.h>

typedef int (*imp_reader)(strata_import_history *h, const char *src, const strata_import_options *opt);

int strata__fmt_flyway_read(strata_import_history *h, const char *src, const strata_import_options *opt);
int strata__fmt_golang_migrate_read(strata_import_history *h, const char *src, const strata_import_options *opt);
int strata__fmt_goose_read(strata_import_history *h, const char *src, const strata_import_options *opt);
int strata__fmt_dbmate_read(strata_import_history *h, const char *src, const strata_import_options *opt);
int strata__fmt_sqitch_read(strata_import_history *h, const char *src, const strata_import_options *opt);
int strata__fmt_pop_read(strata_import_history *h, const char *src, const strata_import_options *opt);
/* Alembic: src holds alembic.ini; runs Alembic in offline mode (fmt_alembic.c). */
int strata__fmt_alembic_read(strata_import_history *h, const char *src, const strata_import_options *opt);
/* The alembic helper's JSON answer into h's steps (src names the project in errors). */
int strata__alembic_parse(strata_import_history *h, const char *json, size_t len, const char *src);

/* Text-level parsers, for the readers, the unit tests and fuzz/fuzz_import.c. */

/* A goose .sql file's text into st's up_sql, down_sql (NULL without a Down
 * annotation), irreversible and transactional. */
int strata__goose_parse(strata_import_step *st, const char *path, const char *text, size_t len);
/* A dbmate file's text, the same way (-- migrate:up / -- migrate:down). */
int strata__dbmate_parse(strata_import_step *st, const char *path, const char *text, size_t len);

/* One change of a sqitch plan, in plan order. */
typedef struct sqitch_change {
	char *name;
	char *id;          /* the revision id: name, or name.N for the Nth rework */
	char **requires;   /* revision ids of the required changes */
	size_t nrequires;
	char **conflicts;  /* names, as written without '!' */
	size_t nconflicts;
	char *created;     /* ISO 8601 UTC, or NULL */
	char *note;        /* "" when none */
	char *script_tag;  /* reworked later: the tag whose scripts hold this instance (name@tag.sql) */
	int line;
} sqitch_change;

typedef struct sqitch_tag {
	char *name;        /* without '@' */
	size_t after;      /* the number of changes before it */
	int line;
} sqitch_tag;

typedef struct sqitch_plan {
	char *project;
	sqitch_change *changes;
	size_t nchanges;
	sqitch_tag *tags;
	size_t ntags;
	char **notes;      /* what the report should say (cross-project requires, ...) */
	size_t nnotes;
} sqitch_plan;

int strata__sqitch_plan_parse(sqitch_plan *out, const char *path, const char *text, size_t len);
void strata__sqitch_plan_release(sqitch_plan *p);

/* History building (import.c). */

/* A new zeroed step at the end of h (transactional, message ""). */
int strata__imp_step_add(strata_import_step **out, strata_import_history *h);
/* Record a skipped file or step and why (printf-style reason). */
int strata__imp_skip(strata_import_history *h, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int strata__imp_note(strata_import_history *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each step revises the one before it (a linear source). */
int strata__imp_chain(strata_import_history *h);
/* Replace *slot with a copy of s (NULL allowed) / of s[0..n). */
int strata__imp_set(char **slot, const char *s);
int strata__imp_setn(char **slot, const char *s, size_t n);
int strata__imp_list_add(char ***list, size_t *n, const char *s);
void strata__imp_step_release(strata_import_step *st);
/* Sort h's steps with cmp (stable for equal keys is not needed: ids are unique). */
void strata__imp_sort_steps(strata_import_history *h, int (*cmp)(const void *, const void *));

/* Sort the steps with cmp, then chain them: the end of every linear reader. */
int strata__imp_finish(strata_import_history *h, int (*cmp)(const void *, const void *));
/* Comparators of steps: ids by value (digit strings), or as strings. */
int strata__imp_cmp_id_value(const void *a, const void *b);
int strata__imp_cmp_id_string(const void *a, const void *b);

/* Formats of one VERSION_name.sql file per step, with up and down sections
 * marked inside (goose, dbmate). */
typedef struct imp_annotated {
	const char *tool;        /* "goose" */
	const char *folder;      /* what SRC should be, for the error */
	int (*parse)(strata_import_step *st, const char *path, const char *text, size_t len);
	int by_value;            /* order by the version's value, else by file name */
	const char *skip_ext;    /* files ending so are reported as skipped (".go"), or NULL */
	const char *skip_why;
} imp_annotated;
int strata__imp_read_annotated(strata_import_history *h, const char *src, const imp_annotated *fmt);
/* The sections strata__imp_sections() found into st: up, and down or the reason there is none. */
int strata__imp_take_sections(strata_import_step *st, const strata_buf *up, const strata_buf *down, int has_down,
		      const char *no_down_why);

/* Files. */

/* dir/name, read whole (at most the migration-file limit) into out. */
int strata__imp_read_file(strata_buf *out, const char *dir, const char *name);
/* The regular files of dir, sorted (strata__fs_list_dir); STRATA_EINVALID naming dir when it is no folder. */
int strata__imp_list_dir(char ***names, size_t *count, const char *dir, const char *what);

/* SQL text. */

/* Splitting an annotated file into up and down: classify() says what a line is. */
enum imp_line { IMP_SQL, IMP_DROP, IMP_UP, IMP_DOWN };
typedef int (*imp_classify_fn)(void *payload, const char *path, int lineno, const char *line, size_t n);
/* The text's up section (after the IMP_UP line) and down section (after
 * IMP_DOWN; has_down 0 when there is none), without the annotation lines.
 * SQL before the up marker, a second up or down marker, or no up marker
 * at all is STRATA_EPARSE naming the line; what names the marker in the
 * message ("'-- +goose Up'"). */
int strata__imp_sections(strata_buf *up, strata_buf *down, int *has_down, const char *path, const char *text,
		 size_t len, const char *what, imp_classify_fn classify, void *payload);

/* 1 when the text has no SQL: only blanks and "--" comment lines. */
int strata__imp_sql_empty(const char *s, size_t n);
/* Remove a BEGIN; ... COMMIT; pair that wraps the whole script (the
 * first and last statements, each alone on its line); 1 if it did. */
int strata__imp_strip_tx_wrapper(strata_buf *sql);
/* The first statement kind of the text that PostgreSQL refuses inside a
 * transaction block ("CREATE INDEX CONCURRENTLY", ...), or NULL. */
const char *strata__imp_nontx_statement(const char *s);
/* "add_users-table" -> "add users table": a file name's words as a message. */
int strata__imp_message_from(char **out, const char *s, size_t n);
/* Compare two strings of digits by their value (leading zeros ignored). */
int strata__imp_cmp_digits(const char *a, size_t na, const char *b, size_t nb);
/* EPARSE "path:line: what" with a hint; returns STRATA_EPARSE. */
int strata__imp_perr(const char *path, int line, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 when the line p[0..n) (blanks trimmed) equals word, ignoring case. */
int strata__imp_line_is(const char *p, size_t n, const char *word);

#endif
