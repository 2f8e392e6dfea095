/*
 * tests/unit/core/test_session_api.c - a session through the public API
 * alone (strata/strata.h): strata_db_open() opens the configured SQLite
 * database (a relative path, resolved against the project folder, not the
 * working directory), and the session applies and reverts a revision on
 * that connection.
 */
#include "strata/strata.h"
#include "dir_fixture.h"

#include <unistd.h>

static const char rev_a[] = "-- revision: aaaa00000001\n"
			    "-- revises: base\n"
			    "-- message: users\n"
			    "\n"
			    "-- +up\n"
			    "CREATE TABLE users (id INTEGER PRIMARY KEY);\n"
			    "\n"
			    "-- +down\n"
			    "DROP TABLE users;\n";

static void test_session_api__open_step_close(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	strata_config *cfg = NULL;
	strata_graph *g = NULL;
	strata_session *s = NULL;
	strata_db *db = NULL;
	char path[300], migrations[300];

	(void)state;
	snprintf(migrations, sizeof(migrations), "%s/migrations", dir);
	assert_int_equal(strata_mkdir_p(migrations), 0);
	put("migrations/aaaa00000001_users.sql", rev_a);
	in.cwd = dir;
	in.database = "sqlite:app.db";
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	assert_int_equal(strata_graph_load(&g, cfg->migrations), 0);

	assert_int_equal(strata_db_open(&db, cfg), 0);
	assert_int_equal(strata_session_open(&s, cfg, g, db, &ro), 0);
	assert_int_equal(strata_session_applied(s)[0], 0);
	assert_int_equal(strata_session_step(s, 0, STRATA_UP), 0);
	assert_int_equal(strata_session_applied(s)[0], 1);
	/* Applied once: a second up is refused, the state unchanged. */
	assert_int_equal(strata_session_step(s, 0, STRATA_UP), STRATA_EINVALID);
	assert_int_equal(strata_session_step(s, 0, STRATA_DOWN), 0);
	assert_int_equal(strata_session_applied(s)[0], 0);
	assert_int_equal(strata_session_upgrade(s, "head"), 0);
	strata_session_close(s);
	strata_db_close(db);

	/* The file is in the project folder, and it holds the upgrade. */
	snprintf(path, sizeof(path), "%s/app.db", dir);
	assert_int_equal(access(path, F_OK), 0);
	{
		strata_status *st = NULL;

		assert_int_equal(strata_status_read(&st, cfg, g, 0), 0);
		assert_int_equal(st->applied[0], 1);
		strata_status_free(st);
	}
	strata_graph_free(g);
	strata_config_free(cfg);
}

/* No database of a known form: the error says so, nothing is opened. */
static void test_session_api__open_unknown_form(void **state)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *cfg = NULL;
	strata_db *db = (strata_db *)&in;

	(void)state;
	in.cwd = dir;
	in.database = "mysql://nope";
	assert_int_equal(strata_config_load(&cfg, &in), 0);
	assert_int_equal(strata_db_open(&db, cfg), STRATA_EINVALID);
	assert_null(db);
	strata_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_api__open_step_close, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_session_api__open_unknown_form, make_dir,
						remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
