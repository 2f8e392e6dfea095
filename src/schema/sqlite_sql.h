/*
 * schema/sqlite_sql.h - reading and writing SQLite's SQL text for the
 * schema layer: a tokenizer that follows SQLite's lexical rules (quoted
 * names in "", [] and ``, strings, blobs, comments), the canonical text of
 * a token run (one space between tokens, keywords in upper case, quoted
 * names always in double quotes, comments dropped), and the quoting of a
 * name as SQLite needs it.
 *
 * Layer: schema. SQLite's keyword list comes from the db layer
 * (strata__db_sqlite_is_keyword); nothing here includes sqlite3.h.
 *
 * Invariants:
 *  1. Tokens point into the text they were read from; the text must stay
 *     alive while they are used.
 *  2. The canonical text of a token run reads back as the same tokens
 *     (no two tokens glued into one, no "--" made out of two minus signs),
 *     so it can be run as SQL.
 */
#ifndef STRATA_SCHEMA_SQLITE_SQL_H
#define STRATA_SCHEMA_SQLITE_SQL_H

#include <stddef.h>

struct strata_buf;

typedef enum sqt_type {
	SQT_WORD = 1, /* bare word: keyword or name */
	SQT_QID,      /* quoted name: "x", [x], `x` */
	SQT_STRING,   /* 'text' */
	SQT_NUMBER,
	SQT_BLOB,     /* x'00ff' */
	SQT_VAR,      /* ?, ?1, :name, @name, $name */
	SQT_OP,       /* operators and other punctuation */
	SQT_LP,
	SQT_RP,
	SQT_COMMA,
	SQT_SEMI,
	SQT_DOT,
} sqt_type;

typedef struct sqt_token {
	sqt_type type;
	const char *s;
	size_t n;
} sqt_token;

typedef struct sqt_tokens {
	sqt_token *v;
	size_t n;
	size_t cap;
} sqt_tokens;

/* Split sql into tokens (comments and blanks dropped, db/sqlscan.h). An
 * unterminated string or name is STRATA_EPARSE; a block comment left open
 * runs to the end, as SQLite reads it. */
int strata__sqt_tokenize(sqt_tokens *out, const char *sql);
void strata__sqt_tokens_release(sqt_tokens *t);

/* Whether the token is the bare word w (ASCII, any case). */
int strata__sqt_is(const sqt_token *t, const char *w);
/* Whether v[i] is a token of the run (i < n) and the bare word w. */
int strata__sqt_at(const sqt_token *v, size_t n, size_t i, const char *w);
/* Whether a bare word is one of SQLite's keywords. */
int strata__sqt_is_keyword(const sqt_token *t);
/* The name a WORD, QID or STRING token stands for, unquoted (malloc'ed). */
char *strata__sqt_name(const sqt_token *t);
/* Index of the token that closes the parenthesis opened at v[i] (a LP),
 * or n when it is not closed. */
size_t strata__sqt_close_paren(const sqt_token *v, size_t n, size_t i);

/* Append the canonical text of tokens v[from..to). */
int strata__sqt_put_canonical(struct strata_buf *out, const sqt_token *v, size_t from, size_t to);
/* The canonical text of tokens v[from..to), malloc'ed. */
char *strata__sqt_canonical(const sqt_token *v, size_t from, size_t to);

/* Append a name, in double quotes unless it is a plain name
 * ([A-Za-z_][A-Za-z0-9_]*) that is not a keyword. */
int strata__sqt_put_ident(struct strata_buf *out, const char *name);

/* A column's clause as CREATE TABLE and ALTER TABLE ADD COLUMN write it:
 * name, type, then pk_clause when given ("PRIMARY KEY AUTOINCREMENT"),
 * NOT NULL, DEFAULT, COLLATE, GENERATED ALWAYS AS (...) STORED|VIRTUAL. */
struct sc_column;
int strata__sqt_put_column(struct strata_buf *out, const struct sc_column *col, const char *pk_clause);

#endif
