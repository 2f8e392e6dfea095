/*
 * tests/unit/db/pg_fixture.h - helpers shared by the unit tests that run
 * against a real PostgreSQL server (STRATA_TEST_PG_URL and friends, as
 * printed by tests/pgserver.sh start DIR): without the server every case
 * FAILS, never skips. Header-only (static inline, so a test need not use them all).
 */
#ifndef STRATA_TEST_PG_FIXTURE_H
#define STRATA_TEST_PG_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "strata/error.h"
#include "util/buf.h"

static inline const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("%s is not set: start a server with eval \"$(tests/pgserver.sh start "
			 "$(mktemp -d))\", export the variables it prints, and run again", name);
	return v;
}

static inline const char *pg_url(void)
{
	return env_or_fail("STRATA_TEST_PG_URL");
}

static inline strata_db *open_ok(const char *conninfo)
{
	strata_db *db = NULL;

	if (strata__db_open(&db, conninfo, NULL) != 0)
		fail_msg("db_open: %s (hint: %s)", strata_error_last()->message,
			 strata_error_last()->hint);
	return db;
}

static inline void exec_ok(strata_db *db, const char *sql)
{
	if (strata__db_exec_stmt(db, sql, strlen(sql), NULL, 0) != 0)
		fail_msg("%s: %s", sql, strata_error_last()->message);
}

static inline int keep_value(void *payload, int ncols, const char *const *values)
{
	strata_buf *b = payload;

	(void)ncols;
	strata__buf_clear(b);
	strata__buf_puts(b, values[0] ? values[0] : "<null>");
	return 0;
}

/* The first column of the last row of sql, malloc'ed. */
static inline char *value_of(strata_db *db, const char *sql)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__db_query(db, sql, 0, NULL, keep_value, &b) != 0)
		fail_msg("%s: %s", sql, strata_error_last()->message);
	return strata__buf_detach(&b);
}

#endif
