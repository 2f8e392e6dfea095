/*
 * tests/unit/schema/pg_catalog_fixture.h - PostgreSQL catalogs built by
 * hand for the diff tests (test_diff_pg.c, test_steps.c): tables, columns,
 * objects of a table, dependencies. Included by one test file each.
 */
#ifndef STRATA_TEST_PG_CATALOG_FIXTURE_H
#define STRATA_TEST_PG_CATALOG_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "db/db.h"
#include "schema/diff.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Each test file uses a subset of these helpers. */
#define PG_FIXTURE static __attribute__((unused))

PG_FIXTURE sc_catalog *cat(void)
{
	sc_catalog *c = sc_catalog_new(DB_POSTGRES);

	assert_non_null(c);
	return c;
}

PG_FIXTURE sc_object *table(sc_catalog *c, const char *name)
{
	sc_object *o = sc_catalog_add(c, SC_TABLE);

	assert_non_null(o);
	o->schema = strata_strdup("public");
	o->name = strata_strdup(name);
	o->relkind = 'r';
	return o;
}

PG_FIXTURE sc_column *column(sc_object *t, const char *name, const char *type)
{
	sc_column *col = sc_object_add_column(t);

	assert_non_null(col);
	col->name = strata_strdup(name);
	col->type = strata_strdup(type);
	col->position = (int)t->ncols;
	return col;
}

PG_FIXTURE sc_object *owned(sc_catalog *c, sc_kind kind, const char *tbl, const char *name,
			    const char *def)
{
	sc_object *o = sc_catalog_add(c, kind);

	assert_non_null(o);
	o->schema = strata_strdup("public");
	o->table = tbl ? strata_strdup(tbl) : NULL;
	o->name = strata_strdup(name);
	o->def = strata_strdup(def);
	return o;
}

PG_FIXTURE void dep(sc_object *o, const char *key)
{
	assert_int_equal(sc_strv_add(&o->deps, &o->ndeps, key), 0);
}

#endif
