/*
 * tests/unit/import/test_adopt.c - strata_import_adopt() on real SQLite
 * files: how source versions name revisions (numerically where the tools
 * compare numbers), and that a refusal writes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/import.h"
#include "util/fs.h"

static char dir[256];
static char url[300];

static int setup(void **state)
{
	char path[300];

	(void)state;
	strcpy(dir, "/tmp/strata-adopt-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/migrations", dir);
	assert_int_equal(strata__fs_mkdir_p(path), 0);
	snprintf(url, sizeof(url), "sqlite:%s/app.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A linear history of the given ids, each creating a table. */
static void history(const char *const *ids, size_t n)
{
	char path[512], text[512];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/migrations/%s_m.sql", dir, ids[i]);
		snprintf(text, sizeof(text), "-- revision: %s\n-- revises: %s\n\n-- +up\n"
			 "CREATE TABLE t%zu (id integer);\n-- +down\nDROP TABLE t%zu;\n", ids[i],
			 i ? ids[i - 1] : "base", i, i);
		assert_int_equal(strata__fs_write_file(path, text, strlen(text)), 0);
	}
}

/* Run statements separated by ';' (none inside a literal here). */
static void sql(const char *text)
{
	strata_db *db = NULL;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	char stmt[2048];

	assert_int_equal(strata__db_open(&db, url, &oo), 0);
	while (*text) {
		size_t n = strcspn(text, ";");

		assert_true(n < sizeof(stmt));
		memcpy(stmt, text, n);
		stmt[n] = '\0';
		assert_int_equal(strata__db_exec(db, stmt, 0, NULL), 0);
		text += n + (text[n] == ';');
	}
	strata__db_close(db);
}

static int on_value(void *payload, int ncols, const char *const *v)
{
	char *out = payload;

	if (*out)
		strcat(out, " ");
	strcat(out, v[0] ? v[0] : "NULL");
	return 0;
}

/* The rows of a one-column query, space-separated (static buffer). */
static const char *rows(const char *query)
{
	static char out[1024];
	strata_db *db = NULL;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;

	out[0] = '\0';
	assert_int_equal(strata__db_open(&db, url, &oo), 0);
	assert_int_equal(strata__db_query(db, query, 0, NULL, on_value, out), 0);
	strata__db_close(db);
	return out;
}

static int adopt(strata_adopt_result **res, const char *format, int force)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_adopt_options o = STRATA_ADOPT_OPTIONS_INIT;
	strata_config *cfg = NULL;
	strata_graph *g = NULL;
	char mig[300];
	int rc;

	in.cwd = dir;
	in.database = url;
	in.migrations = "migrations";
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	snprintf(mig, sizeof(mig), "%s/migrations", dir);
	assert_int_equal(strata_graph_load(&g, mig), 0);
	o.force = force;
	*res = NULL;
	rc = strata_import_adopt(res, format, cfg, g, &o);
	strata_graph_free(g);
	strata_config_free(cfg);
	return rc;
}

/* goose writes version_id 1 for 00001_x.sql; the latest row per version wins. */
static void test_adopt__goose_numeric_ids(void **state)
{
	static const char *const ids[] = { "00001", "00002", "00010" };
	strata_adopt_result *r;

	(void)state;
	history(ids, 3);
	sql("CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER "
	    "NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));"
	    "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1), "
	    "(10, 1), (10, 0)");
	assert_int_equal(adopt(&r, "goose", 0), 0);
	assert_int_equal(r->nadopted, 2);
	assert_string_equal(r->adopted[1], "00002");
	assert_int_equal(r->nheads, 1);
	assert_string_equal(r->heads[0], "00002");
	strata_adopt_result_free(r);
	assert_string_equal(rows("SELECT revision FROM strata_version"), "00002");
	assert_string_equal(rows("SELECT direction || ':' || outcome FROM strata_history ORDER BY id"),
			    "adopt:adopted adopt:adopted");
	/* the source table is as it was */
	assert_string_equal(rows("SELECT count(*) FROM goose_db_version"), "5");
}

/* Flyway: 1.02 is 1.2, a baseline counts for what is below it, undo reverts. */
static void test_adopt__flyway_versions(void **state)
{
	static const char *const ids[] = { "1", "1.2", "2", "3" };
	strata_adopt_result *r;

	(void)state;
	history(ids, 4);
	sql("CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version "
	    "VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script "
	    "VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on "
	    "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success "
	    "BOOLEAN NOT NULL);"
	    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
	    "installed_by, execution_time, success) VALUES "
	    "(1, '1.02', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', 'me', 0, 1), "
	    "(2, '2', 'two', 'SQL', 'V2__two.sql', 'me', 1, 1), "
	    "(3, NULL, 'view', 'SQL', 'R__view.sql', 'me', 1, 1), "
	    "(4, '3', 'three', 'SQL', 'V3__three.sql', 'me', 1, 1), "
	    "(5, '3', 'three', 'UNDO_SQL', 'U3__three.sql', 'me', 1, 1)");
	assert_int_equal(adopt(&r, "flyway", 0), 0);
	assert_int_equal(r->nadopted, 3);
	assert_string_equal(r->heads[0], "2");
	strata_adopt_result_free(r);
}

/* A version the folder lacks: refused by name, nothing written. */
static void test_adopt__unknown_revision(void **state)
{
	static const char *const ids[] = { "20240101000001", "20240101000002" };
	strata_adopt_result *r;

	(void)state;
	history(ids, 2);
	sql("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
	    "INSERT INTO schema_migrations VALUES ('20240101000001'), ('20240101000009')");
	assert_int_equal(adopt(&r, "dbmate", 0), STRATA_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(strata_error_last()->message, "'20240101000009'"));
	assert_string_equal(rows("SELECT count(*) FROM sqlite_master WHERE name LIKE 'strata_%'"), "0");
}

/* golang-migrate: one version stands for all up to it. */
static void test_adopt__golang_migrate_upto(void **state)
{
	static const char *const ids[] = { "0001", "0005", "0190" };
	strata_adopt_result *r;

	(void)state;
	history(ids, 3);
	sql("CREATE TABLE schema_migrations (version uint64, dirty bool);"
	    "INSERT INTO schema_migrations VALUES (5, 0)");
	assert_int_equal(adopt(&r, "golang-migrate", 0), 0);
	assert_int_equal(r->nadopted, 2);
	assert_string_equal(r->heads[0], "0005");
	strata_adopt_result_free(r);
	/* strata has a state now: the same again is no change, another is refused */
	assert_int_equal(adopt(&r, "golang-migrate", 0), 0);
	assert_true(r->unchanged);
	strata_adopt_result_free(r);
	sql("UPDATE schema_migrations SET version = 190");
	assert_int_equal(adopt(&r, "golang-migrate", 0), STRATA_EINVALID);
	assert_string_equal(rows("SELECT revision FROM strata_version"), "0005");
	assert_int_equal(adopt(&r, "golang-migrate", 1), 0);
	strata_adopt_result_free(r);
	assert_string_equal(rows("SELECT revision FROM strata_version"), "0190");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_adopt__goose_numeric_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt__flyway_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt__unknown_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt__golang_migrate_upto, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
