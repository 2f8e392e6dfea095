/*
 * schema/sqlnames.h - the names a SQL script mentions (PostgreSQL or
 * SQLite), for reading
 * only the part of a schema a revision can change (strata test).
 *
 * A lexical pass, deliberately generous: every identifier (unquoted ones
 * folded to lower case, quoted ones as written; SQLite's `name` and
 * [name] too) and every short string
 * literal without blanks (and its dot-separated parts: 'app.t'::regclass)
 * is a name. Extra names only widen the read; a missed one could hide a
 * difference, so statements whose effect on the schema cannot be bounded
 * by the names they mention make the script "opaque", and the caller
 * reads the whole schema instead:
 *
 *   DO, CALL, EXECUTE, IMPORT FOREIGN SCHEMA, REASSIGN OWNED, SECURITY LABEL,
 *   LOAD; CREATE/ALTER/DROP EXTENSION; CREATE/ALTER/DROP EVENT TRIGGER;
 *   DROP SCHEMA; DROP OWNED; ALTER DEFAULT PRIVILEGES; GRANT/REVOKE ... IN
 *   SCHEMA; a SELECT, WITH or VALUES statement that calls a function other
 *   than a few known ones (setval, nextval, set_config, ...), since
 *   functions can run DDL; and text the lexer cannot finish (an open
 *   quote or comment).
 *
 * DML (INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE) can run code the
 * names do not show: triggers, and functions called by the statement or
 * by defaults, checks and policies. A script with DML sets `writes`, and
 * one that creates a function, procedure or trigger sets `defines_code`;
 * the caller reads the whole schema when it writes and user code exists
 * or is being defined (strata test).
 */
#ifndef STRATA_SCHEMA_SQLNAMES_H
#define STRATA_SCHEMA_SQLNAMES_H

#include <stddef.h>

typedef struct sc_names {
	char **v;
	size_t n;
	int opaque;       /* some statement's effect cannot be bounded by names */
	int writes;       /* some statement is DML (can fire triggers, call functions) */
	int defines_code; /* some statement creates a function, procedure or trigger */
} sc_names;

/* Add the names of sql[0..len) to out (without repeats); sets out->opaque. */
int strata__sc_names_add_sql(sc_names *out, const char *sql, size_t len);
/* Add one name (without repeats). */
int strata__sc_names_add(sc_names *out, const char *name, size_t len);
void strata__sc_names_release(sc_names *n);

#endif
