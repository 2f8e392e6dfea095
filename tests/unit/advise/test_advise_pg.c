/*
 * tests/unit/advise/test_advise_pg.c - the advisor's rule catalogue
 * (cases.h) on a real PostgreSQL server (STRATA_TEST_PG_URL): every case
 * in its own schema of one throwaway database (t<N> triggers, q<N> stays
 * quiet), introspected once by strata and advised once, so schema-wide
 * rules (isolated tables, naming conventions) see one case at a time.
 */
#include "../db/pg_fixture.h"
#include "advise/advise.h"
#include "cases.h"
#include "schema/diff.h"
#include "util/alloc.h"

#include <stdio.h>
#include <unistd.h>

/* Findings of rule on objects of schema (the schema itself, or inside it). */
static size_t count_in(const strata_advise_report *r, const char *rule, const char *schema)
{
	size_t n = 0, len = strlen(schema);

	for (size_t i = 0; i < strata_advise_report_count(r); i++) {
		const strata_advise_finding *f = strata_advise_report_at(r, i);

		if (strcmp(f->rule->id, rule) == 0 && strncmp(f->object, schema, len) == 0 &&
		    (f->object[len] == '.' || f->object[len] == '\0'))
			n++;
	}
	return n;
}

static void test_advise_pg__catalogue(void **state)
{
	strata_db *admin = open_ok(pg_url()), *db;
	strata_buf url = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	char name[64];
	sc_catalog *cat = NULL;
	strata_advise_report *r = NULL;
	strata_advise_settings s;
	size_t ran = 0;

	(void)state;
	snprintf(name, sizeof(name), "advise_unit_%d", (int)getpid());
	strata__buf_printf(&sql, "DROP DATABASE IF EXISTS %s", name);
	exec_ok(admin, sql.ptr);
	strata__buf_clear(&sql);
	strata__buf_printf(&sql, "CREATE DATABASE %s", name);
	exec_ok(admin, sql.ptr);
	assert_int_equal(strata__db_conninfo_with_dbname(&url, pg_url(), name), 0);
	db = open_ok(url.ptr);
	exec_ok(db, "SET client_min_messages = warning");
	for (size_t i = 0; i < N_ADVISE_CASES; i++) {
		const advise_case *c = &advise_cases[i];

		if (!(c->engines & STRATA_ADVISE_PG))
			continue;
		for (int quiet = 0; quiet < 2; quiet++) {
			strata__buf_clear(&sql);
			strata__buf_printf(&sql, "CREATE SCHEMA %c%zu; SET search_path = %c%zu; %s",
				   quiet ? 'q' : 't', i, quiet ? 'q' : 't', i,
				   quiet ? c->quiet : c->trigger);
			exec_ok(db, sql.ptr);
		}
	}
	if (strata__sc_introspect(db, "strata_version", &cat) != 0)
		fail_msg("introspect: %s", strata_error_last()->message);
	advise_case_settings(&s);
	assert_int_equal(strata__advise_report_new(&r), 0);
	if (strata__advise_catalog(r, cat, NULL, &s) != 0)
		fail_msg("advise: %s", strata_error_last()->message);
	for (size_t i = 0; i < N_ADVISE_CASES; i++) {
		const advise_case *c = &advise_cases[i];
		char t[16], q[16];

		if (!(c->engines & STRATA_ADVISE_PG))
			continue;
		snprintf(t, sizeof(t), "t%zu", i);
		snprintf(q, sizeof(q), "q%zu", i);
		if (count_in(r, c->rule, t) == 0)
			fail_msg("%s: the trigger schema %s gave no finding", c->rule, t);
		if (count_in(r, c->rule, q) != 0)
			fail_msg("%s: the quiet schema %s gave a finding", c->rule, q);
		ran++;
	}
	assert_true(ran > 20);
	strata_advise_report_free(r);
	strata__sc_catalog_free(cat);
	strata__db_close(db);
	strata__buf_clear(&sql);
	strata__buf_printf(&sql, "DROP DATABASE %s", name);
	exec_ok(admin, sql.ptr);
	strata__db_close(admin);
	strata__buf_release(&sql);
	strata__buf_release(&url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advise_pg__catalogue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
