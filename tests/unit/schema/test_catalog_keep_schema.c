/*
 * tests/unit/schema/test_catalog_keep_schema.c - strata__sc_catalog_keep_schema()
 * (schema/catalog.c), the filter a fleet's tenant schema is compared
 * through: catalogs built by hand with objects in several schemas, an
 * extension and the schemas themselves; only the one schema and its
 * objects stay, found again by key.
 */
#include "catalog_fixture.h"

#include <string.h>

static sc_object *in_schema(sc_catalog *c, sc_kind kind, const char *schema, const char *name)
{
	sc_object *o = strata__sc_catalog_add(c, kind);

	assert_non_null(o);
	o->schema = schema ? strata__sc_strdup(c, schema) : NULL;
	o->name = strata__sc_strdup(c, name);
	if (kind == SC_TABLE)
		o->relkind = 'r';
	return o;
}

static sc_catalog *three_tenants(void)
{
	sc_catalog *c = cat();

	in_schema(c, SC_SCHEMA, NULL, "tenant_1");
	in_schema(c, SC_SCHEMA, NULL, "tenant_2");
	in_schema(c, SC_SCHEMA, NULL, "tenant_10");
	in_schema(c, SC_EXTENSION, "public", "pgcrypto");
	in_schema(c, SC_TABLE, "tenant_1", "orders");
	in_schema(c, SC_TABLE, "tenant_2", "orders");
	in_schema(c, SC_TABLE, "tenant_10", "orders");
	in_schema(c, SC_SEQUENCE, "tenant_1", "orders_id_seq");
	in_schema(c, SC_TABLE, "public", "shared");
	assert_int_equal(strata__sc_catalog_finish(c), 0);
	return c;
}

static void test_catalog_keep_schema__only_that_schema_stays(void **state)
{
	sc_catalog *c = three_tenants();
	char *k1 = strata__sc_make_key(SC_TABLE, "tenant_1", NULL, "orders");
	char *k2 = strata__sc_make_key(SC_TABLE, "tenant_2", NULL, "orders");
	char *ks = strata__sc_make_key(SC_SCHEMA, NULL, NULL, "tenant_1");

	(void)state;
	assert_int_equal(c->n, 9);
	assert_int_equal(strata__sc_catalog_keep_schema(c, "tenant_1"), 0);
	assert_int_equal(c->n, 3);
	for (size_t i = 0; i < c->n; i++) {
		const sc_object *o = c->objs[i];

		if (o->kind == SC_SCHEMA)
			assert_string_equal(o->name, "tenant_1");
		else
			assert_string_equal(o->schema, "tenant_1");
	}
	/* the index by key follows: what stays is found, what went is not */
	assert_non_null(strata__sc_catalog_find(c, k1));
	assert_non_null(strata__sc_catalog_find(c, ks));
	assert_null(strata__sc_catalog_find(c, k2));
	strata_free(k1);
	strata_free(k2);
	strata_free(ks);
	strata__sc_catalog_free(c);
}

/* tenant_1 is no prefix match for tenant_10, and a missing schema leaves nothing. */
static void test_catalog_keep_schema__exact_names(void **state)
{
	sc_catalog *c = three_tenants();

	(void)state;
	assert_int_equal(strata__sc_catalog_keep_schema(c, "tenant_10"), 0);
	assert_int_equal(c->n, 2);
	assert_int_equal(strata__sc_catalog_keep_schema(c, "tenant_1"), 0);
	assert_int_equal(c->n, 0);
	strata__sc_catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_keep_schema__only_that_schema_stays),
		cmocka_unit_test(test_catalog_keep_schema__exact_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
