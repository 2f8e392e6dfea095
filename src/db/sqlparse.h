/*
 * db/sqlparse.h - script splitters behind strata__db_split(), one per engine; the
 * parse tree of a PostgreSQL script and the SQL statements inside its
 * function bodies and DO blocks, for lint and schema.
 *
 * Layer: db. sqlparse.c is the only file of libstrata that includes
 * pg_query.h; layers above that need libpg_query (lint, schema) get their
 * wrappers added here rather than including it themselves.
 *
 * Both splitters follow strata__db_split()'s contract (db.h): offsets index the
 * caller's text, a statement starts at its first token (leading blanks and
 * comments skipped) and its length excludes the terminating ';'; empty
 * statements are dropped; *out is strata_malloc'ed (NULL when *n is 0).
 */
#ifndef STRATA_DB_SQLPARSE_H
#define STRATA_DB_SQLPARSE_H

#include <stddef.h>
#include "db/db.h"

/* PostgreSQL, with libpg_query's parser; psql-style COPY ... FROM STDIN data
 * blocks (ended by a "\." line) are cut out into data_offset/data_len. */
int strata__sqlparse_split_pg(db_stmt **out, size_t *n, size_t *err_offset, const char *sql, size_t len);
/* SQLite, with sqlite3_complete(); never fails on SQL syntax. */
int strata__sqlparse_split_sqlite(db_stmt **out, size_t *n, size_t *err_offset, const char *sql,
			  size_t len);

/* The parse tree of a PostgreSQL script, for lint and schema (which walk
 * the protobuf-c structs of <pg_query/pg_query.pb-c.h> but never call
 * libpg_query themselves). sql must be NUL-terminated at sql[len]. Node
 * locations are byte offsets into sql. A syntax error is STRATA_EPARSE with
 * *err_offset the byte offset of the error. Free with strata__sqlparse_tree_free(). */
struct PgQuery__ParseResult;
int strata__sqlparse_parse_pg(struct PgQuery__ParseResult **out, size_t *err_offset, const char *sql,
		      size_t len);
void strata__sqlparse_tree_free(struct PgQuery__ParseResult *tree);

/* Where a statement of a body is in the caller's text (sqlparse_body_stmt). */
typedef enum sqlparse_place {
	/* sql is text[offset..offset+len), byte for byte but for the INTO
	 * targets PL/pgSQL blanks out: its parse tree's locations map there. */
	SQLPARSE_PLACE_TEXT = 1,
	/* Only its line is known: offset is that line's first non-blank. */
	SQLPARSE_PLACE_LINE,
	/* Not known (the body is an escape string): offset is 0. */
	SQLPARSE_PLACE_NONE,
} sqlparse_place;

/* One SQL statement a function body or DO block runs. */
typedef struct sqlparse_body_stmt {
	char *sql;            /* NUL-terminated (strata_malloc'ed) */
	size_t len;
	sqlparse_place place;
	size_t offset;        /* in the caller's text, as place says */
	int line;             /* in the body (1: the line it starts on), 0 unknown */
	int guarded;          /* runs only under IF or CASE, or in a block with an
			       * EXCEPTION clause: its author made it conditional */
} sqlparse_body_stmt;

/*
 * The SQL statements of the body of one CREATE FUNCTION / PROCEDURE or DO
 * statement, text[0..len) (NUL-terminated at text[len]), in body order:
 *  - LANGUAGE plpgsql (a DO block's default): read with libpg_query's
 *    PL/pgSQL parser, every statement that runs SQL at any depth of
 *    blocks, IF, CASE, loops and EXCEPTION handlers (SQL statements, FOR
 *    ... IN query loops, RETURN QUERY, EXECUTE of one string literal);
 *    not expressions, conditions, assignments nor dynamic EXECUTE;
 *  - LANGUAGE sql: the statements of its AS string or BEGIN ATOMIC body;
 *  - other languages, or another kind of statement: none (*n is 0).
 * @param[out] out  *n statements; free with strata__sqlparse_body_free()
 * @return 0, STRATA_EPARSE (the body is not valid PL/pgSQL or SQL; the
 *         message says why), STRATA_ERROR (out of memory)
 */
int strata__sqlparse_body_statements(sqlparse_body_stmt **out, size_t *n, const char *text, size_t len);
void strata__sqlparse_body_free(sqlparse_body_stmt *v, size_t n);

/* Whether the PostgreSQL statement sql[0..len) is a CREATE INDEX
 * CONCURRENTLY of a named index: 1 with *index, *table and *schema (NULL
 * when the statement names none) strata_malloc'ed, 0 when it is anything
 * else (or does not parse: running it reports that), or STRATA_ERROR. */
int strata__sqlparse_concurrent_index(char **schema, char **table, char **index, const char *sql,
			      size_t len);

#endif
