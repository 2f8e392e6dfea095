/*
 * schema/sqlite_create.h - reading a SQLite CREATE TABLE statement for what
 * the pragmas do not tell: collations, DEFAULT and GENERATED expressions as
 * written, AUTOINCREMENT, UNIQUE and CHECK constraints, constraint names,
 * MATCH and DEFERRABLE of foreign keys.
 *
 * Layer: schema, on top of the tokenizer of sqlite_sql.h; used by
 * introspect_sqlite.c, which joins what is read here with the pragma rows.
 *
 * Invariants:
 *  1. Everything in an sqc_create is malloc'ed and owned by it (released
 *     by strata__sqc_create_release); nothing points into the statement's text.
 *  2. Column-level UNIQUE, CHECK and REFERENCES come out as constraints of
 *     the table (with the column as their one column), in statement order,
 *     so the caller sees one list whatever way the schema wrote them.
 *  3. CREATE TABLE ... AS SELECT gives no columns and no constraints (the
 *     pragmas say it all); text the reader does not follow is skipped,
 *     never an error: the statement was accepted by SQLite already.
 */
#ifndef STRATA_SCHEMA_SQLITE_CREATE_H
#define STRATA_SCHEMA_SQLITE_CREATE_H

#include <stddef.h>

/* A constraint read from the CREATE TABLE statement. */
typedef struct sqc_constraint {
	char type;       /* 'p', 'u', 'c', 'f' */
	char *name;      /* as given, or NULL */
	char *body;      /* u/p: "(a, b)"; c: "(expr)" */
	char **cols;     /* u/p/f: the constrained columns */
	size_t ncols;
	char *ref_table; /* f */
	int deferred;    /* f: DEFERRABLE INITIALLY DEFERRED */
	char *match;     /* f: MATCH name (the pragma always says NONE) */
	int used;        /* f: left 0 here; the caller's mark when matched to a pragma row */
} sqc_constraint;

/* What the statement says of one column beyond the pragmas. */
typedef struct sqc_column {
	char *name;
	char *collation;
	char *default_expr;
	char *generated;
	char *pk_name;
	int autoincrement;
} sqc_column;

/* One statement's columns and constraints, in statement order. */
typedef struct sqc_create {
	sqc_column *cols;
	size_t ncols;
	sqc_constraint *cons;
	size_t ncons;
} sqc_create;

#define SQC_CREATE_INIT { NULL, 0, NULL, 0 }

/* Read the columns and constraints of a CREATE TABLE statement into t
 * (zeroed, or holding what an earlier call read: this one appends). 0,
 * STRATA_EPARSE (an unterminated string or name) or STRATA_ERROR (out of
 * memory); t is to be released in every case. */
int strata__sqc_parse_create_table(sqc_create *t, const char *sql);
void strata__sqc_create_release(sqc_create *t);

/* The column of that name (SQLite names: any ASCII case), or NULL. */
const sqc_column *strata__sqc_column_of(const sqc_create *t, const char *name);

#endif
