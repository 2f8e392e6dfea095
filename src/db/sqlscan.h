/*
 * db/sqlscan.h - the lexical rules of SQL text that every hand-written
 * reader in strata shares: blanks, comments, quoted strings and names,
 * dollar quotes, and where a statement ends, for PostgreSQL and SQLite.
 *
 * Layer: db (above util; no engine API: nothing here calls libpg_query or
 * SQLite). Statements of a migration are still split by the engines' own
 * parsers (db/sqlparse.c); this is for the passes that read text without
 * parsing it: the SQLite tokenizer of the schema layer
 * (schema/sqlite_sql.c), the names a script mentions (schema/sqlnames.c),
 * where a statement's first token starts (lint/engine.c, sqlparse.c).
 *
 * A span is one lexical element starting at an offset: a run of blanks, a
 * comment, a string, a quoted name, a dollar-quoted string, or one byte of
 * anything else (words, numbers and operators are the callers' business:
 * their rules differ). The dialect decides what opens a span:
 *
 *   both       blanks (C isspace), -- to the end of the line (the newline
 *              not included), block comments, '...' with '' for a quote,
 *              "..." with "" for a quote
 *   PostgreSQL block comments nest (a comment inside one ends
 *              before the outer one does); E'...'
 *              (and e'...') where a backslash escapes the next byte too;
 *              $tag$...$tag$ where tag is empty or a name that does not
 *              start with a digit ($1 is a parameter, one '$' byte here)
 *   SQLite     `...` with `` for a backtick and [...] (no escape) are
 *              names; block comments do not nest
 *   either     every rule of both (for passes that do not know the
 *              engine); block comments nest, as in PostgreSQL
 *
 * Invariants:
 *  1. Offsets index the caller's text; a span never reads past s[n], and
 *     a NUL byte is an ordinary byte.
 *  2. A span that is not closed before n (a quote, a block comment, a
 *     dollar quote) ends at n with open set: each caller decides whether
 *     that is an error (SQLite runs an open comment to the end; an open
 *     quote is a syntax error everywhere).
 *  3. Callers ask for a span only where a token can start: in
 *     PostgreSQL "a$b$" is one name, not a name and a dollar quote.
 */
#ifndef STRATA_DB_SQLSCAN_H
#define STRATA_DB_SQLSCAN_H

#include <stddef.h>

typedef enum sqlscan_dialect {
	SQLSCAN_POSTGRES,
	SQLSCAN_SQLITE,
	SQLSCAN_EITHER,
} sqlscan_dialect;

typedef enum sqlscan_kind {
	SQLSCAN_END,     /* at or past the end of the text */
	SQLSCAN_BLANK,   /* white space */
	SQLSCAN_COMMENT, /* -- to the end of the line, or a block comment */
	SQLSCAN_STRING,  /* '...', and PostgreSQL's E'...' */
	SQLSCAN_DOLLAR,  /* PostgreSQL's $tag$...$tag$ */
	SQLSCAN_NAME,    /* "...", and SQLite's `...` and [...] */
	SQLSCAN_OTHER,   /* one byte of anything else */
} sqlscan_kind;

typedef struct sqlscan_span {
	sqlscan_kind kind;
	size_t start, end;       /* the whole span: s[start..end) */
	size_t inner, inner_end; /* inside the quotes or tags (strings, names, dollar
				  * quotes; the whole span otherwise) */
	int open;                /* not closed before the end: end is n (invariant 2) */
} sqlscan_span;

/* The span that starts at s[i] of s[0..n) (SQLSCAN_END when i >= n). */
void strata__sqlscan_span_at(sqlscan_span *out, const char *s, size_t n, size_t i, sqlscan_dialect d);

/*
 * Past the blanks and comments from s[i], up to n. *open (may be NULL) is
 * set to 1 when a block comment is not closed (the result is then n), and
 * left alone otherwise.
 */
size_t strata__sqlscan_skip_blank(const char *s, size_t n, size_t i, sqlscan_dialect d, int *open);

/* s[start..end) without the blanks at its end: the new end. */
size_t strata__sqlscan_trim_end(const char *s, size_t start, size_t end);

/*
 * Where the statement going on at s[i] ends: the offset of the next ';'
 * outside comments, strings, names and dollar quotes, or n when there is
 * none (also when a quote or comment is left open). A ';' in a CREATE
 * TRIGGER body or a function body written in quotes is inside one; one in
 * a BEGIN ... END block (SQLite triggers, PostgreSQL BEGIN ATOMIC) is not:
 * those need the engine's parser (strata__db_split).
 */
size_t strata__sqlscan_statement_end(const char *s, size_t n, size_t i, sqlscan_dialect d);

#endif
