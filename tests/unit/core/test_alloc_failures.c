/*
 * tests/unit/core/test_alloc_failures.c - running out of memory at every
 * allocation of the parsers of user input not covered elsewhere (strata.ini,
 * statement splitting, connection-string redaction, writing a revision):
 * each failure is STRATA_ERROR with nothing half-built handed back, and
 * (under make test-asan) nothing leaked. Uses util/alloc.c's hook.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "strata/config.h"
#include "strata/error.h"
#include "strata/project.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

#define MAX_STEPS 5000

static void test_alloc_failures__config_load(void **state)
{
	char dir[] = "/tmp/strata-alloc.XXXXXX", ini[64];
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c;
	FILE *f;
	long k;
	int rc = -1;

	assert_non_null(mkdtemp(dir));
	snprintf(ini, sizeof(ini), "%s/strata.ini", dir);
	f = fopen(ini, "w");
	assert_non_null(f);
	fputs("[strata]\ndatabase = postgres://u:pw@h/db\nmigrations = m\nversion_table = ops.v\n"
	      "lock_timeout = 2s\nlock_wait = 1min\n[lint]\nsmall_table_rows = 5\n", f);
	fclose(f);
	in.cwd = dir;
	in.config_file = ini;
	for (k = 0; k < MAX_STEPS && rc != 0; k++) {
		c = NULL;
		strata_alloc_fail_after(k);
		rc = strata_config_load(&c, &in);
		strata_alloc_fail_after(-1);
		if (rc != 0) {
			assert_null(c);
			assert_int_equal(strata_error_exit_code(rc), 3);
		}
	}
	assert_int_equal(rc, 0);
	assert_string_equal(c->version_table, "ops.v");
	strata_config_free(c);
	unlink(ini);
	rmdir(dir);
	(void)state;
}

static void test_alloc_failures__split(void **state)
{
	static const char sql[] = "CREATE TABLE a (x text DEFAULT 'a;b');\n"
				  "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
				  "SELECT 2;;\n";
	db_engine engines[] = { DB_SQLITE, DB_POSTGRES };
	size_t e;

	for (e = 0; e < 2; e++) {
		long k;
		int rc = -1;

		for (k = 0; k < MAX_STEPS && rc != 0; k++) {
			db_stmt *st = NULL;
			size_t n = 0;

			strata_alloc_fail_after(k);
			rc = db_split(&st, &n, NULL, engines[e], sql, strlen(sql));
			strata_alloc_fail_after(-1);
			if (rc != 0) {
				assert_int_equal(rc, STRATA_ERROR);
				assert_null(st);
			} else {
				assert_int_equal(n, e == 0 ? 4 : 3); /* SQLite knows no $$ quotes */
			}
			strata_free(st);
		}
		assert_int_equal(rc, 0);
	}
	(void)state;
}

static void test_alloc_failures__redact(void **state)
{
	static const char *const forms[] = {
		"postgres://u:pw@h/db?sslpassword=x&a=b",
		"host=h password='a b' dbname=d sslpassword=k",
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		long k;
		int rc = -1;

		for (k = 0; k < MAX_STEPS && rc != 0; k++) {
			strata_buf b = STRATA_BUF_INIT;

			strata_alloc_fail_after(k);
			rc = redact_conninfo(&b, forms[i]);
			strata_alloc_fail_after(-1);
			if (rc == 0)
				assert_null(strstr(buf_cstr(&b), "pw@"));
			buf_release(&b);
		}
		assert_int_equal(rc, 0);
	}
	(void)state;
}

static int count_files(const char *dir)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_alloc_failures__revision_write(void **state)
{
	char dir[] = "/tmp/strata-alloc.XXXXXX";
	strata_revision_spec spec;
	char id[13];
	long k;
	int rc = -1;

	assert_non_null(mkdtemp(dir));
	memset(&spec, 0, sizeof(spec));
	spec.message = "add users";
	spec.branch = "feature";
	spec.transactional = 1;
	for (k = 0; k < MAX_STEPS && rc != 0; k++) {
		char *path = NULL;

		strata_alloc_fail_after(k);
		rc = strata_revision_write(&path, id, dir, &spec);
		strata_alloc_fail_after(-1);
		if (rc != 0) {
			assert_null(path);
			/* nothing half-written: only strata.sum, if anything */
			assert_true(count_files(dir) <= 1);
		} else {
			unlink(path);
		}
		free(path);
	}
	assert_int_equal(rc, 0);
	{
		char sum[64];

		snprintf(sum, sizeof(sum), "%s/%s", dir, STRATA_SUM_FILE);
		unlink(sum);
	}
	assert_int_equal(rmdir(dir), 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_failures__config_load),
		cmocka_unit_test(test_alloc_failures__split),
		cmocka_unit_test(test_alloc_failures__redact),
		cmocka_unit_test(test_alloc_failures__revision_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
