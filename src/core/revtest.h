/*
 * core/revtest.h - per-revision data checks for `strata test`:
 * migrations/tests/<revision>.sql.
 *
 *     -- +before        statements run before the revision is applied
 *     INSERT INTO users VALUES (1, 'a@example.com');
 *     -- +check         queries that must each return one row whose first
 *     SELECT count(*) = 1 FROM users;      column is true, after the up
 *     -- +check-down    the same, after the revision's down
 *     SELECT count(*) = 1 FROM users;
 *
 * Every section is optional and appears at most once; before the first
 * marker only blank lines and comments may stand. Statements are split
 * with the engine's own splitter; every error is "path:line: what".
 */
#ifndef STRATA_CORE_REVTEST_H
#define STRATA_CORE_REVTEST_H

#include <stddef.h>

typedef enum revtest_section {
	REVTEST_BEFORE = 0,
	REVTEST_CHECK,
	REVTEST_CHECK_DOWN,
	REVTEST_NSECTIONS
} revtest_section;

typedef struct revtest_stmt {
	char *sql;  /* one statement, without its ';' */
	int line;   /* 1-based line in the file where it starts */
} revtest_stmt;

typedef struct revtest {
	char *path;
	revtest_stmt *stmts[REVTEST_NSECTIONS];
	size_t n[REVTEST_NSECTIONS];
} revtest;

/* Parse a data-check file's text; engine: db_engine (splitting rules).
 * 0, or STRATA_EPARSE with "path:line: ..." and a hint. */
int strata__revtest_parse(revtest **out, const char *path, const char *text, size_t len, int engine);
/* Read and parse a file. */
int strata__revtest_load(revtest **out, const char *path, int engine);
void strata__revtest_free(revtest *t);

/* Whether a query's first column reads as true ("t", "true", "1", any case). */
int strata__revtest_is_true(const char *value);

#endif
