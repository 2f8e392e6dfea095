/*
 * tests/unit/core/test_prefetch.c - reading the state ahead
 * (core/prefetch.c) and runs that take it (core/runner.c): a missing
 * SQLite file is not created by the read, a database at head settles the
 * run without writing (the debug log says so), pending, changed or
 * unreadable states go the usual way with the usual outcome, and only
 * SQLite is read ahead. Real SQLite files in a temporary folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/runner.h"
#include "util/buf.h"
#include "util/fs.h"

static char dir[64];
static char db_path[128];

/* What the runs logged, one message per line. */
static strata_buf logged = STRATA_BUF_INIT;

static void on_log(void *payload, strata_log_level level, const char *msg)
{
	(void)payload;
	(void)level;
	strata__buf_printf(&logged, "%s\n", msg);
}

static int setup(void **state)
{
	char mig[128];

	(void)state;
	strcpy(dir, "/tmp/strata-prefetch-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(mig, sizeof(mig), "%s/migrations", dir);
	snprintf(db_path, sizeof(db_path), "%s/x.db", dir);
	return strata__fs_mkdir_p(mig) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	strata__buf_release(&logged);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Revision n (1-based) creating table t<n>, on top of n - 1. */
static void write_mig(int n, const char *extra_sql)
{
	char path[256], text[512], parent[16];

	if (n > 1)
		snprintf(parent, sizeof(parent), "%012d", n - 1);
	else
		strcpy(parent, "base");
	snprintf(path, sizeof(path), "%s/migrations/%012d_t%d.sql", dir, n, n);
	snprintf(text, sizeof(text), "-- revision: %012d\n-- revises: %s\n\n-- +up\n"
		 "CREATE TABLE t%d (id integer%s);\n-- +down\nDROP TABLE t%d;\n", n, parent, n,
		 extra_sql, n);
	assert_int_equal(strata__fs_write_file(path, text, strlen(text)), 0);
}

static strata_config *config(const char *database)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *c = NULL;

	in.cwd = dir;
	in.database = database;
	in.migrations = "migrations";
	assert_int_equal(strata_config_load(&c, &in), 0);
	return c;
}

/* One upgrade to head, reading ahead; returns its code, *res what it did. */
static int upgrade_ahead(strata_run_result *res)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_config *cfg = config("sqlite:x.db");
	strata_prefetch *ahead = NULL;
	strata_graph *g = NULL;
	int rc;

	assert_int_equal(strata_prefetch_start(&ahead, cfg), 0);
	assert_non_null(ahead);
	assert_int_equal(strata_graph_load(&g, cfg->migrations), 0);
	strata__buf_clear(&logged);
	o.prefetch = ahead;
	o.log = on_log;
	rc = strata_upgrade(res, cfg, g, &o);
	strata_prefetch_free(ahead);
	strata_graph_free(g);
	strata_config_free(cfg);
	return rc;
}

static int read_file(strata_buf *out)
{
	strata__buf_clear(out);
	return strata__fs_read_file(out, db_path, 1 << 26);
}

static void test_prefetch__missing_file_is_not_created(void **state)
{
	strata_config *cfg = config("sqlite:x.db");
	strata_prefetch *ahead = NULL;
	strata_run_result res;

	write_mig(1, "");
	write_mig(2, "");
	assert_int_equal(strata_prefetch_start(&ahead, cfg), 0);
	assert_non_null(ahead);
	strata_prefetch_free(ahead);
	assert_false(strata__fs_exists(db_path));
	strata_config_free(cfg);

	/* The run then creates it the usual way and applies everything. */
	assert_int_equal(upgrade_ahead(&res), 0);
	assert_int_equal(res.planned, 2);
	assert_int_equal(res.done, 2);
	assert_true(strata__fs_exists(db_path));
	(void)state;
}

static void test_prefetch__at_head_settles_without_writing(void **state)
{
	strata_buf before = STRATA_BUF_INIT, after = STRATA_BUF_INIT;
	strata_run_result res;
	struct stat st0, st1;

	assert_int_equal(read_file(&before), 0);
	assert_int_equal(stat(db_path, &st0), 0);
	assert_int_equal(upgrade_ahead(&res), 0);
	assert_int_equal(res.planned, 0);
	assert_int_equal(res.done, 0);
	assert_non_null(strstr(strata__buf_cstr(&logged), "read ahead"));
	assert_int_equal(read_file(&after), 0);
	assert_int_equal(stat(db_path, &st1), 0);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.ptr, after.ptr, before.len);
	assert_int_equal(st0.st_mtime, st1.st_mtime);
	strata__buf_release(&before);
	strata__buf_release(&after);
	(void)state;
}

static void test_prefetch__pending_and_changed_go_the_usual_way(void **state)
{
	strata_run_result res;

	write_mig(3, "");
	assert_int_equal(upgrade_ahead(&res), 0);
	assert_int_equal(res.planned, 1);
	assert_int_equal(res.done, 1);
	assert_null(strstr(strata__buf_cstr(&logged), "read ahead"));

	/* An applied file changed: refused as without reading ahead. */
	write_mig(3, ", v text");
	assert_int_equal(upgrade_ahead(&res), STRATA_ECHECK);
	assert_non_null(strstr(strata_error_last()->message, "changed since they were applied"));
	write_mig(3, "");
	assert_int_equal(upgrade_ahead(&res), 0);
	assert_int_equal(res.planned, 0);
	(void)state;
}

static void test_prefetch__unreadable_database_reports_as_usual(void **state)
{
	static const char junk[128] = "this is not a database";
	strata_run_result res;
	char bad[160];

	/* Not a database: the read ahead fails, the usual path says why. */
	snprintf(bad, sizeof(bad), "%s.bak", db_path);
	assert_int_equal(rename(db_path, bad), 0);
	assert_int_equal(strata__fs_write_file(db_path, junk, sizeof(junk)), 0);
	assert_int_equal(upgrade_ahead(&res), STRATA_EDB);
	assert_non_null(strstr(strata_error_last()->message, "not a usable SQLite database"));
	assert_int_equal(rename(bad, db_path), 0);
	(void)state;
}

static void test_prefetch__engines_read_ahead(void **state)
{
	strata_config *cfg = config("mysql://nobody@127.0.0.1/none");
	strata_prefetch *ahead = (strata_prefetch *)&ahead;

	/* No engine strata knows: nothing is started, the usual path reports. */
	assert_int_equal(strata_prefetch_start(&ahead, cfg), 0);
	assert_null(ahead);
	strata_config_free(cfg);
	/* PostgreSQL is read ahead too; an unreachable server only makes the
	 * read fail, and freeing waits for the thread without hanging. */
	cfg = config("postgres://nobody@127.0.0.1:1/none?connect_timeout=2");
	assert_int_equal(strata_prefetch_start(&ahead, cfg), 0);
	assert_non_null(ahead);
	strata_prefetch_free(ahead);
	strata_prefetch_free(NULL);
	strata_config_free(cfg);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* In order: each case starts from the state the previous one left. */
		cmocka_unit_test(test_prefetch__missing_file_is_not_created),
		cmocka_unit_test(test_prefetch__at_head_settles_without_writing),
		cmocka_unit_test(test_prefetch__pending_and_changed_go_the_usual_way),
		cmocka_unit_test(test_prefetch__unreadable_database_reports_as_usual),
		cmocka_unit_test(test_prefetch__engines_read_ahead),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
