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
	sc_catalog *c = sc_catalog_new(DB_POSTGRES);

	assert_non_null(c);
	return c;
}

CATALOG_FIXTURE sc_object *table(sc_catalog *c, const char *name)
{
	sc_object *o = sc_catalog_add(c, SC_TABLE);

	assert_non_null(o);
	o->schema = strata_strdup("public");
	o->name = strata_strdup(name);
	o->relkind = 'r';
	return o;
}

CATALOG_FIXTURE sc_column *column(sc_object *t, const char *name, const char *type)
{
	sc_column *col = sc_object_add_column(t);

	assert_non_null(col);
	col->name = strata_strdup(name);
	col->type = strata_strdup(type);
	col->position = (int)t->ncols;
	return col;
}

/* An object of a table (tbl), or of the schema when tbl is NULL; def may be NULL. */
CATALOG_FIXTURE sc_object *owned(sc_catalog *c, sc_kind kind, const char *tbl, const char *name,
				 const char *def)
{
	sc_object *o = sc_catalog_add(c, kind);

	assert_non_null(o);
	o->schema = strata_strdup("public");
	o->table = tbl ? strata_strdup(tbl) : NULL;
	o->name = strata_strdup(name);
	o->def = def ? strata_strdup(def) : NULL;
	return o;
}

CATALOG_FIXTURE void dep(sc_object *o, const char *key)
{
	assert_int_equal(sc_strv_add(&o->deps, &o->ndeps, key), 0);
}

#endif
