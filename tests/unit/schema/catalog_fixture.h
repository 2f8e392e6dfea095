/*
 * tests/unit/schema/catalog_fixture.h - PostgreSQL catalogs built by hand
 * for the tests of what works on catalogs alone (the diff, the steps of
 * autogenerate, the changelog's descriptions): an empty catalog, tables
 * with columns, objects of a table or of a schema, all in schema public,
 * and dependencies. Included by one test file
 * each (static functions).
 */
#ifndef STRATA_TEST_CATALOG_FIXTURE_H
#define STRATA_TEST_CATALOG_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "schema/catalog.h"
#include "util/alloc.h"

#define CATALOG_FIXTURE static __attribute__((unused))

CATALOG_FIXTURE sc_catalog *cat(void)
{
	sc_catalog *c = strata__sc_catalog_new(DB_POSTGRES);

	assert_non_null(c);
	return c;
}

CATALOG_FIXTURE sc_object *table(sc_catalog *c, const char *name)
{
	sc_object *o = strata__sc_catalog_add(c, SC_TABLE);

	assert_non_null(o);
	o->schema = strata__sc_strdup(c, "public");
	o->name = strata__sc_strdup(c, name);
	o->relkind = 'r';
	return o;
}

CATALOG_FIXTURE sc_column *column(sc_catalog *c, sc_object *t, const char *name, const char *type)
{
	sc_column *col = strata__sc_object_add_column(c, t);

	assert_non_null(col);
	col->name = strata__sc_strdup(c, name);
	col->type = strata__sc_strdup(c, type);
	col->position = (int)t->ncols;
	return col;
}

/* An object of a table (tbl), or of the schema when tbl is NULL; def may be NULL. */
CATALOG_FIXTURE sc_object *owned(sc_catalog *c, sc_kind kind, const char *tbl, const char *name,
				 const char *def)
{
	sc_object *o = strata__sc_catalog_add(c, kind);

	assert_non_null(o);
	o->schema = strata__sc_strdup(c, "public");
	o->table = tbl ? strata__sc_strdup(c, tbl) : NULL;
	o->name = strata__sc_strdup(c, name);
	o->def = def ? strata__sc_strdup(c, def) : NULL;
	return o;
}

CATALOG_FIXTURE void dep(sc_catalog *c, sc_object *o, const char *key)
{
	assert_int_equal(strata__sc_strv_add(c, &o->deps, &o->ndeps, key), 0);
}

#endif
