/*
 * tests/unit/schema/sqlite_fixture.h - helpers shared by the SQLite schema
 * tests: in-memory databases opened through the db layer, scripts run
 * statement by statement, introspection, diff, and the check that a diff
 * applied to its source leaves nothing to diff. Included by one test file
 * each (static functions).
 */
#ifndef STRATA_TEST_SQLITE_FIXTURE_H
#define STRATA_TEST_SQLITE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "schema/diff.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Each test file uses a subset of these helpers. */
#define FIXTURE static __attribute__((unused))

FIXTURE strata_db *mem_db(void)
{
	strata_db *db = NULL;

	if (strata__db_open(&db, "sqlite::memory:", NULL) != 0)
		fail_msg("open: %s", strata_error_last()->message);
	return db;
}

/* Run a script statement by statement; 0 or the failing code. */
FIXTURE int run_script_rc(strata_db *db, const char *sql)
{
	db_stmt *stmts = NULL;
	size_t n = 0, err = 0;
	int rc = strata__db_split(&stmts, &n, &err, DB_SQLITE, sql, strlen(sql));

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = strata__db_exec_stmt(db, sql + stmts[i].offset, stmts[i].len, NULL, 0);
	strata_free(stmts);
	return rc;
}

FIXTURE void run_script(strata_db *db, const char *sql)
{
	if (run_script_rc(db, sql) != 0)
		fail_msg("script failed: %s\n--- script ---\n%s", strata_error_last()->message, sql);
}

FIXTURE sc_catalog *introspect(strata_db *db)
{
	sc_catalog *cat = NULL;

	if (strata__sc_introspect(db, "strata_version", &cat) != 0)
		fail_msg("introspect: %s", strata_error_last()->message);
	return cat;
}

FIXTURE sc_catalog *empty_catalog(void)
{
	sc_catalog *cat = strata__sc_catalog_new(DB_SQLITE);

	assert_non_null(cat);
	assert_int_equal(strata__sc_catalog_finish(cat), 0);
	return cat;
}

/* The changes from a to b; the caller releases them. */
FIXTURE void diff_of(sc_changes *out, const sc_catalog *a, const sc_catalog *b)
{
	memset(out, 0, sizeof(*out));
	if (strata__sc_diff(a, b, NULL, out) != 0)
		fail_msg("diff: %s", strata_error_last()->message);
}

/* All the SQL of diff(a, b), malloc'ed. */
FIXTURE char *diff_sql(const sc_catalog *a, const sc_catalog *b)
{
	sc_changes ch;
	strata_buf sql = STRATA_BUF_INIT;

	diff_of(&ch, a, b);
	assert_int_equal(strata__sc_changes_sql(&ch, &sql), 0);
	strata__sc_changes_release(&ch);
	strata__buf_puts(&sql, "");
	return strata__buf_detach(&sql);
}

FIXTURE char *dump_of(const sc_catalog *cat)
{
	sc_catalog *empty = empty_catalog();
	char *sql = diff_sql(empty, cat);

	strata__sc_catalog_free(empty);
	return sql;
}

/* The first column of every row, joined by "|". */
FIXTURE int join_rows(void *payload, int ncols, const char *const *v)
{
	strata_buf *b = payload;

	if (b->len)
		strata__buf_putc(b, '|');
	strata__buf_puts(b, v[0] ? v[0] : "<null>");
	return 0;
}

FIXTURE char *query_text(strata_db *db, const char *sql)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__db_query(db, sql, 0, NULL, join_rows, &b) != 0)
		fail_msg("query %s: %s", sql, strata_error_last()->message);
	strata__buf_puts(&b, "");
	return strata__buf_detach(&b);
}

FIXTURE void assert_query(strata_db *db, const char *sql, const char *expect)
{
	char *got = query_text(db, sql);

	if (strcmp(got, expect) != 0)
		fail_msg("%s\n  expected: %s\n  got:      %s", sql, expect, got);
	strata_free(got);
}

/* Both catalogs hold the same objects (keys) with the same definitions:
 * what the diff compares and more (constraint names, index columns). */
FIXTURE void assert_same_catalog(const sc_catalog *a, const sc_catalog *b)
{
	for (size_t i = 0; i < a->n || i < b->n; i++) {
		const sc_object *x = i < a->n ? a->objs[i] : NULL, *y = i < b->n ? b->objs[i] : NULL;

		if (!x || !y || strcmp(x->key, y->key) != 0)
			fail_msg("catalogs differ at %zu: %s vs %s", i, x ? x->key : "(end)",
				 y ? y->key : "(end)");
		if (!strata__sc_str_eq(x->def, y->def))
			fail_msg("%s differs:\n%s\n---\n%s", x->key, x->def, y->def);
		if (x->ncols != y->ncols || x->ncon_columns != y->ncon_columns ||
		    x->nref_columns != y->nref_columns || !strata__sc_str_eq(x->ref_table, y->ref_table))
			fail_msg("%s: columns or references differ", x->key);
		for (size_t k = 0; k < x->ncols; k++)
			if (!strata__sc_column_equal(&x->cols[k], &y->cols[k]))
				fail_msg("%s: column %s differs", x->key, x->cols[k].name);
	}
}

/*
 * Load schema a into one database (with the rows of data_a) and b into
 * another, apply diff(a, b) to the first, and check that diffing again
 * gives nothing. Returns the first database (caller closes) and the SQL
 * of the diff in *sql_out when asked.
 */
FIXTURE strata_db *converge(const char *a, const char *data_a, const char *b, char **sql_out)
{
	strata_db *da = mem_db(), *db = mem_db();
	sc_catalog *ca, *cb, *again;
	char *sql, *rest;

	run_script(da, a);
	if (data_a)
		run_script(da, data_a);
	run_script(db, b);
	ca = introspect(da);
	cb = introspect(db);
	sql = diff_sql(ca, cb);
	if (run_script_rc(da, sql) != 0)
		fail_msg("applying the diff failed: %s\n--- diff ---\n%s",
			 strata_error_last()->message, sql);
	again = introspect(da);
	rest = diff_sql(again, cb);
	if (*rest)
		fail_msg("diff after applying is not empty:\n%s\n--- applied ---\n%s", rest, sql);
	strata_free(rest);
	rest = diff_sql(cb, again);
	if (*rest)
		fail_msg("reverse diff after applying is not empty:\n%s", rest);
	strata_free(rest);
	assert_same_catalog(again, cb);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__sc_catalog_free(again);
	strata__db_close(db);
	if (sql_out)
		*sql_out = sql;
	else
		strata_free(sql);
	return da;
}

/* The dump of a database's schema loads into an empty database whose
 * schema is then the same, and dumps to the same text. */
FIXTURE void assert_dump_round_trip(strata_db *db)
{
	sc_catalog *cat = introspect(db), *again;
	char *dump = dump_of(cat), *dump2, *rest;
	strata_db *fresh = mem_db();

	if (run_script_rc(fresh, dump) != 0)
		fail_msg("loading the dump failed: %s\n--- dump ---\n%s", strata_error_last()->message,
			 dump);
	again = introspect(fresh);
	rest = diff_sql(cat, again);
	if (*rest)
		fail_msg("the loaded dump differs:\n%s\n--- dump ---\n%s", rest, dump);
	strata_free(rest);
	assert_same_catalog(cat, again);
	dump2 = dump_of(again);
	assert_string_equal(dump, dump2);
	strata_free(dump);
	strata_free(dump2);
	strata__sc_catalog_free(cat);
	strata__sc_catalog_free(again);
	strata__db_close(fresh);
}

#endif
