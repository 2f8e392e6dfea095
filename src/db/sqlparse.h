/*
 * db/sqlparse.h - script splitters behind db_split(), one per engine.
 *
 * Layer: db. sqlparse.c is the only file of libstrata that includes
 * pg_query.h; layers above that need libpg_query (lint, schema) get their
 * wrappers added here rather than including it themselves.
 *
 * Both splitters follow db_split()'s contract (db.h): offsets index the
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
int sqlparse_split_pg(db_stmt **out, size_t *n, size_t *err_offset, const char *sql, size_t len);
/* SQLite, with sqlite3_complete(); never fails on SQL syntax. */
int sqlparse_split_sqlite(db_stmt **out, size_t *n, size_t *err_offset, const char *sql,
			  size_t len);

/* The parse tree of a PostgreSQL script, for lint and schema (which walk
 * the protobuf-c structs of <pg_query/pg_query.pb-c.h> but never call
 * libpg_query themselves). sql must be NUL-terminated at sql[len]. Node
 * locations are byte offsets into sql. A syntax error is STRATA_EPARSE with
 * *err_offset the byte offset of the error. Free with sqlparse_tree_free(). */
struct PgQuery__ParseResult;
int sqlparse_parse_pg(struct PgQuery__ParseResult **out, size_t *err_offset, const char *sql,
		      size_t len);
void sqlparse_tree_free(struct PgQuery__ParseResult *tree);

/* Whether the PostgreSQL statement sql[0..len) is a CREATE INDEX
 * CONCURRENTLY of a named index: 1 with *index, *table and *schema (NULL
 * when the statement names none) strata_malloc'ed, 0 when it is anything
 * else (or does not parse: running it reports that), or STRATA_ERROR. */
int sqlparse_concurrent_index(char **schema, char **table, char **index, const char *sql,
			      size_t len);

#endif
