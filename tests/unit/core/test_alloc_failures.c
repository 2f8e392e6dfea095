/*
 * tests/unit/core/test_alloc_failures.c - running out of memory at every
 * allocation of the parsers of user input not covered elsewhere (strata.ini,
 * statement splitting, connection-string redaction, writing a revision),
 * of the online planner (every operation type, planned on a real
 * PostgreSQL: STRATA_TEST_PG_URL as tests/pgserver.sh prints it; without
 * it those cases FAIL) and of the backfill's batch statement: each failure
 * is STRATA_ERROR with nothing half-built handed back, and (under make
 * test-asan) nothing leaked. Uses util/alloc.c's hook.
 *
 * The planner runs statements as it goes (in the caller's transaction):
 * every statement a failing plan sends must be the same as the one the
 * plan without failures sends at that point, so no half-built statement
 * ever reaches the server, and the plan that fails hands back no plan.
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

#include "../db/pg_fixture.h"
#include "db/db.h"
#include "online/online_int.h"
#include "strata/config.h"
#include "strata/error.h"
#include "strata/project.h"
#include "strata/sum.h"
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
			assert_int_equal(rc, STRATA_ERROR); /* out of memory: a runtime error */
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
			rc = strata__db_split(&st, &n, NULL, engines[e], sql, strlen(sql));
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
			rc = strata__redact_conninfo(&b, forms[i]);
			strata_alloc_fail_after(-1);
			if (rc == 0)
				assert_null(strstr(strata__buf_cstr(&b), "pw@"));
			strata__buf_release(&b);
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

/* ---- the online planner ------------------------------------------------ */

#define PLAN_SCHEMA "strata_alloc_plan"
#define PLAN_VS "strata_alloc_plan_v2"

/* The tables the operation files below change (committed once). */
static const char plan_fixture[] =
	"DROP SCHEMA IF EXISTS " PLAN_SCHEMA " CASCADE; DROP SCHEMA IF EXISTS " PLAN_VS " CASCADE;\n"
	"CREATE SCHEMA " PLAN_SCHEMA ";\n"
	"SET search_path = " PLAN_SCHEMA ";\n"
	"CREATE TABLE owners (id int PRIMARY KEY, label text UNIQUE);\n"
	"CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price text,\n"
	"  note text, owner_id int REFERENCES owners (id), code text,\n"
	"  CONSTRAINT items_price_check CHECK (price IS NOT NULL OR id > 0));\n"
	"CREATE INDEX items_name_idx ON items (name);\n"
	"CREATE UNIQUE INDEX items_price_key ON items (price);\n"
	"CREATE INDEX items_price_lower ON items (lower(price));\n"
	"CREATE TABLE old_stuff (id int PRIMARY KEY);\n"
	"CREATE TABLE tags (id int PRIMARY KEY, tag text, CONSTRAINT tags_tag_check CHECK (tag <> ''),\n"
	"  CONSTRAINT tags_pair UNIQUE (id, tag));\n"
	"INSERT INTO owners VALUES (1, 'a'), (2, 'b');\n"
	"INSERT INTO items VALUES (1, 'n1', '10', 'x', 1, 'c1'), (2, 'n2', '20', NULL, 2, NULL);\n"
	"RESET search_path";

/* Every operation type, with most of the options each takes. */
static const char *const plan_files[] = {
	/* tables and columns */
	"{\"operations\": ["
	"{\"create_table\": {\"name\": \"events\", \"comment\": \"what happened\", \"columns\": ["
	" {\"name\": \"id\", \"type\": \"bigint\", \"pk\": true, \"generated\": {\"identity\": "
	"  {\"user_specified_values\": \"BY DEFAULT\", \"sequence_options\": \"START 10\"}}},"
	" {\"name\": \"kind\", \"type\": \"text\", \"default\": \"'a'\", \"comment\": \"the kind\","
	"  \"check\": {\"name\": \"events_kind_check\", \"constraint\": \"kind <> ''\"}},"
	" {\"name\": \"owner_id\", \"type\": \"int\", \"nullable\": true, \"references\": "
	"  {\"name\": \"events_owner_fk\", \"table\": \"owners\", \"column\": \"id\", "
	"   \"on_delete\": \"CASCADE\", \"match_type\": \"SIMPLE\"}},"
	" {\"name\": \"code\", \"type\": \"text\", \"nullable\": true, \"unique\": true},"
	" {\"name\": \"total\", \"type\": \"int\", \"nullable\": true, "
	"  \"generated\": {\"expression\": \"length(code)\"}}],"
	" \"constraints\": [{\"name\": \"events_code_len\", \"type\": \"check\", "
	"  \"check\": \"length(code) < 10\", \"no_inherit\": true},"
	"  {\"name\": \"events_kind_key\", \"type\": \"unique\", \"columns\": [\"kind\", \"code\"],"
	"   \"index_parameters\": {\"storage_parameters\": \"fillfactor=80\", "
	"    \"include_columns\": [\"owner_id\"]}, \"deferrable\": true},"
	"  {\"name\": \"events_owner_fk2\", \"type\": \"foreign_key\", \"columns\": [\"owner_id\"],"
	"   \"references\": {\"table\": \"owners\", \"columns\": [\"id\"], "
	"    \"on_delete\": \"SET NULL\", \"on_delete_set_columns\": [\"owner_id\"]}}]}},"
	"{\"drop_table\": {\"name\": \"old_stuff\"}},"
	"{\"add_column\": {\"table\": \"items\", \"column\": {\"name\": \"qty\", \"type\": \"integer\","
	" \"default\": \"0\", \"comment\": \"how many\", "
	" \"check\": {\"name\": \"items_qty_check\", \"constraint\": \"qty >= 0\"}}}},"
	"{\"add_column\": {\"table\": \"items\", \"up\": \"length(name)\", "
	" \"column\": {\"name\": \"name_len\", \"type\": \"integer\", \"default\": \"1\"}}},"
	"{\"add_column\": {\"table\": \"items\", \"column\": {\"name\": \"owner2\", \"type\": \"int\","
	" \"nullable\": true, \"unique\": true, \"references\": {\"name\": \"items_owner2_fk\", "
	" \"table\": \"owners\", \"column\": \"id\", \"on_update\": \"NO ACTION\"}}}},"
	"{\"add_column\": {\"table\": \"items\", \"column\": {\"name\": \"stamp\", "
	" \"type\": \"timestamptz\", \"default\": \"clock_timestamp()\"}}},"
	"{\"drop_column\": {\"table\": \"items\", \"column\": \"note\", \"down\": \"'gone'\"}},"
	"{\"rename_column\": {\"table\": \"owners\", \"from\": \"label\", \"to\": \"title\"}},"
	"{\"alter_column\": {\"table\": \"items\", \"column\": \"price\", \"type\": \"integer\","
	" \"up\": \"CAST(price AS integer)\", \"down\": \"CAST(price AS text)\","
	" \"check\": {\"name\": \"items_price_pos\", \"constraint\": \"price > 0\"},"
	" \"unique\": {\"name\": \"items_price_uniq\"}}},"
	"{\"alter_column\": {\"table\": \"items\", \"column\": \"name\", \"default\": \"'y'\","
	" \"comment\": \"the name\"}},"
	"{\"alter_column\": {\"table\": \"tags\", \"column\": \"tag\", \"name\": \"label\", "
	" \"nullable\": false, \"up\": \"coalesce(tag, '?')\", \"down\": \"label\","
	" \"references\": {\"name\": \"tags_owner_fk\", \"table\": \"owners\", \"column\": \"label\"}}},"
	"{\"rename_table\": {\"from\": \"tags\", \"to\": \"tag_list\"}}"
	"]}",
	/* indexes, constraints, raw SQL */
	"{\"operations\": ["
	"{\"create_index\": {\"table\": \"items\", \"name\": \"items_code_idx\", \"columns\": ["
	" {\"column\": \"code\", \"sort\": \"DESC\", \"nulls\": \"LAST\", \"collate\": \"C\"},"
	" {\"column\": \"name\", \"opclass\": {\"name\": \"text_pattern_ops\"}}],"
	" \"predicate\": \"code IS NOT NULL\", \"storage_parameters\": \"fillfactor=70\"}},"
	"{\"create_index\": {\"table\": \"owners\", \"name\": \"owners_label_idx\", "
	" \"unique\": true, \"method\": \"btree\", \"columns\": {\"label\": {}}}},"
	"{\"drop_index\": {\"name\": \"items_name_idx\"}},"
	"{\"create_constraint\": {\"table\": \"items\", \"name\": \"items_code_check\", "
	" \"type\": \"check\", \"columns\": [\"code\"], \"check\": \"length(code) < 50\","
	" \"up\": {\"code\": \"code\"}, \"down\": {\"code\": \"code\"}}},"
	"{\"create_constraint\": {\"table\": \"items\", \"name\": \"items_code_owner_key\", "
	" \"type\": \"unique\", \"columns\": [\"code\", \"owner_id\"], \"nulls_not_distinct\": true,"
	" \"up\": {}, \"down\": {}}},"
	"{\"create_constraint\": {\"table\": \"items\", \"name\": \"items_owner_fk2\", "
	" \"type\": \"foreign_key\", \"columns\": [\"owner_id\"], "
	" \"references\": {\"table\": \"owners\", \"columns\": [\"id\"], \"on_delete\": \"SET NULL\"},"
	" \"up\": {\"owner_id\": \"CASE WHEN owner_id > 0 THEN owner_id END\"}, "
	" \"down\": {\"owner_id\": \"owner_id\"}}},"
	"{\"create_constraint\": {\"table\": \"items\", \"name\": \"items_name_key\", "
	" \"type\": \"unique\", \"columns\": [\"name\"], "
	" \"up\": {\"name\": \"name || id\"}, \"down\": {\"name\": \"name\"}}},"
	"{\"create_constraint\": {\"table\": \"owners\", \"name\": \"owners_no_overlap\", "
	" \"type\": \"exclude\", \"exclude\": {\"index_method\": \"btree\", \"elements\": \"id WITH =\","
	"  \"predicate\": \"id > 0\"}, \"up\": {}, \"down\": {}}},"
	"{\"drop_constraint\": {\"table\": \"items\", \"name\": \"items_price_check\", "
	" \"up\": \"price\", \"down\": \"price\"}},"
	"{\"drop_multicolumn_constraint\": {\"table\": \"tags\", \"name\": \"tags_pair\", "
	" \"down\": {\"id\": \"id\", \"tag\": \"tag\"}}},"
	"{\"rename_constraint\": {\"table\": \"tags\", \"from\": \"tags_tag_check\", "
	" \"to\": \"tags_tag_nonempty\"}},"
	"{\"set_replica_identity\": {\"table\": \"items\", "
	" \"identity\": {\"type\": \"index\", \"index\": \"items_pkey\"}}},"
	"{\"set_replica_identity\": {\"table\": \"owners\", "
	" \"identity\": {\"type\": \"full\", \"index\": \"\"}}},"
	"{\"sql\": {\"up\": \"CREATE TABLE " PLAN_SCHEMA ".extra (id int PRIMARY KEY); "
	" CREATE INDEX extra_idx ON " PLAN_SCHEMA ".extra (id)\", "
	" \"down\": \"DROP TABLE " PLAN_SCHEMA ".extra\"}},"
	"{\"sql\": {\"up\": \"ANALYZE " PLAN_SCHEMA ".items\", \"onComplete\": true}},"
	"{\"add_column\": {\"table\": \"extra\", \"column\": {\"name\": \"v\", \"type\": \"int\","
	" \"nullable\": true}}}"
	"]}",
};

/* Every statement sent while the planner runs, to compare plan with plan. */
static strata_db_vtable plan_vt;
static const strata_db_vtable *plan_real_vt;
static struct {
	char **sent;     /* the plan without failures: what it sent, in order */
	size_t nsent, cap;
	int recording;   /* 1: keep what is sent in sent[]; 0: compare with it */
	size_t at;       /* compare: the next statement expected */
	char *wrong;     /* compare: the first statement that differs (malloc'ed) */
	size_t wrong_at;
} plan_log;

/* libc only, never util/alloc: the hook is armed while this runs. */
static void plan_saw(const char *sql, size_t len)
{
	if (plan_log.recording) {
		if (plan_log.nsent == plan_log.cap) {
			plan_log.cap = plan_log.cap ? plan_log.cap * 2 : 64;
			plan_log.sent = realloc(plan_log.sent, plan_log.cap * sizeof(char *));
			assert_non_null(plan_log.sent);
		}
		plan_log.sent[plan_log.nsent++] = strndup(sql, len);
	} else if (!plan_log.wrong) {
		if (plan_log.at >= plan_log.nsent || strlen(plan_log.sent[plan_log.at]) != len ||
		    memcmp(plan_log.sent[plan_log.at], sql, len) != 0) {
			plan_log.wrong = strndup(sql, len);
			plan_log.wrong_at = plan_log.at;
		}
		plan_log.at++;
	}
}

static int plan_exec(strata_db *db, const char *sql, int n, const char *const *params)
{
	plan_saw(sql, strlen(sql));
	return plan_real_vt->exec(db, sql, n, params);
}

static int plan_query(strata_db *db, const char *sql, int n, const char *const *params,
		      db_row_cb cb, void *payload)
{
	plan_saw(sql, strlen(sql));
	return plan_real_vt->query(db, sql, n, params, cb, payload);
}

static int plan_exec_stmt(strata_db *db, const char *sql, size_t len, const char *copy,
			  size_t copy_len)
{
	plan_saw(sql, len);
	return plan_real_vt->exec_stmt(db, sql, len, copy, copy_len);
}

static int plan_query_prepared(strata_db *db, const char *name, const char *sql, int n,
			       const char *const *params, db_row_cb cb, void *payload)
{
	plan_saw(sql, strlen(sql));
	return plan_real_vt->query_prepared(db, name, sql, n, params, cb, payload);
}

static void plan_log_reset(void)
{
	size_t i;

	for (i = 0; i < plan_log.nsent; i++)
		free(plan_log.sent[i]);
	free(plan_log.sent);
	free(plan_log.wrong);
	memset(&plan_log, 0, sizeof(plan_log));
}

/* Plan m in a transaction that is rolled back; returns strata__plan_expand's code. */
static int plan_once(strata_db *db, const strata_online_migration *m, json_t **plan)
{
	online_plan_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.m = m;
	ctx.schema = PLAN_SCHEMA;
	ctx.version_schema = PLAN_VS;
	if (strata__db_begin(db) != 0)
		fail_msg("BEGIN: %s", strata_error_last()->message);
	rc = strata__plan_expand(&ctx);
	{
		strata_error saved = *strata_error_last();

		strata_alloc_fail_after(-1);
		if (strata__db_rollback(db) != 0)
			fail_msg("ROLLBACK: %s", strata_error_last()->message);
		strata_error_restore(&saved);
	}
	strata__model_release(&ctx.model);
	*plan = ctx.plan;
	return rc;
}

/* Fail naming the first list of the plan that differs, and where. */
static void plan_differs(long k, const json_t *plan, const json_t *want)
{
	const char *key;
	json_t *w;

	json_object_foreach((json_t *)want, key, w) {
		json_t *g = json_object_get(plan, key);
		size_t i;

		if (json_equal(g, w))
			continue;
		for (i = 0; i < json_array_size(w); i++)
			if (!json_equal(json_array_get(g, i), json_array_get(w, i)))
				break;
		fail_msg("allocation %ld failed but the plan succeeded: its \"%s\" has %zu items "
			 "(want %zu), item %zu is\n  %s\ninstead of\n  %s", k + 1, key,
			 json_array_size(g), json_array_size(w), i,
			 json_dumps(json_array_get(g, i), JSON_COMPACT | JSON_ENCODE_ANY),
			 json_dumps(json_array_get(w, i), JSON_COMPACT | JSON_ENCODE_ANY));
	}
	fail_msg("allocation %ld failed but the plan succeeded, and differs", k + 1);
}

static void plan_with_failures(strata_db *db, const char *text, int once)
{
	strata_online_migration *m = NULL;
	json_t *want = NULL;
	long k, allocs;
	int rc = -1;

	assert_int_equal(strata_online_parse(&m, text, strlen(text), "alloc.json", NULL), 0);
	plan_log_reset();
	plan_log.recording = 1;
	allocs = strata_alloc_count();
	if (plan_once(db, m, &want) != 0)
		fail_msg("plan: %s", strata_error_last()->message);
	allocs = strata_alloc_count() - allocs;
	plan_log.recording = 0;
	assert_non_null(want);
	assert_true(plan_log.nsent > 10);
	for (k = 0; k < MAX_STEPS && (once ? k <= allocs : rc != 0); k++) {
		json_t *plan = (json_t *)1;

		plan_log.at = 0;
		if (once)
			strata_alloc_fail_nth(k);
		else
			strata_alloc_fail_after(k);
		rc = plan_once(db, m, &plan);
		strata_alloc_fail_after(-1);
		if (plan_log.wrong)
			fail_msg("allocation %ld failed: statement %zu sent was\n  %s\ninstead of\n  %s",
				 k + 1, plan_log.wrong_at + 1, plan_log.wrong,
				 plan_log.wrong_at < plan_log.nsent ? plan_log.sent[plan_log.wrong_at]
								     : "(nothing)");
		if (rc != 0) {
			if (rc != STRATA_ERROR || plan)
				fail_msg("allocation %ld failed: rc %d (want %d), plan %s: %s", k + 1, rc,
					 STRATA_ERROR, plan ? "kept" : "NULL",
					 strata_error_last()->message);
		} else {
			if (!json_equal(plan, want))
				plan_differs(k, plan, want);
			assert_int_equal(plan_log.at, plan_log.nsent);
		}
		json_decref(plan);
	}
	assert_int_equal(rc, 0);
	json_decref(want);
	plan_log_reset();
	strata_online_free(m);
}

static void plan_cases(int once)
{
	strata_db *db = open_ok(pg_url());
	size_t i;

	json_set_alloc_funcs(strata_malloc, strata_free);

	char *had_state = value_of(db, "SELECT count(*) FROM pg_namespace WHERE nspname = '"
				       ONLINE_SCHEMA "'");

	exec_ok(db, plan_fixture);
	if (strata__state_ensure(db) != 0) /* the sync functions' schema */
		fail_msg("state_ensure: %s", strata_error_last()->message);
	plan_real_vt = db->vt;
	plan_vt = *db->vt;
	plan_vt.exec = plan_exec;
	plan_vt.query = plan_query;
	plan_vt.exec_stmt = plan_exec_stmt;
	if (plan_vt.query_prepared)
		plan_vt.query_prepared = plan_query_prepared;
	db->vt = &plan_vt;
	for (i = 0; i < sizeof(plan_files) / sizeof(plan_files[0]); i++)
		plan_with_failures(db, plan_files[i], once);
	db->vt = plan_real_vt;
	exec_ok(db, "DROP SCHEMA " PLAN_SCHEMA " CASCADE");
	if (strcmp(had_state, "0") == 0)
		exec_ok(db, "DROP SCHEMA " ONLINE_SCHEMA " CASCADE");
	free(had_state);
	strata__db_close(db);
}

/* Allocation N and every one after it fail. */
static void test_alloc_failures__online_plan(void **state)
{
	plan_cases(0);
	(void)state;
}

/* Only allocation N fails: a failure no caller may lose (a plan that
 * succeeds must be the whole plan). */
static void test_alloc_failures__online_plan_one_failure(void **state)
{
	plan_cases(1);
	(void)state;
}

/* ---- the backfill's batch statement ------------------------------------ */

static void test_alloc_failures__backfill_batch_sql(void **state)
{
	json_t *entry = json_pack("{s:s, s:[s, s], s:s}", "table", "it\"ems", "key", "id", "k2",
				  "set", "\"_strata_new_price\" = (CAST(price AS integer))");
	int cursor;

	assert_non_null(entry);
	for (cursor = 0; cursor < 2; cursor++) {
		strata_buf want = STRATA_BUF_INIT;
		long k;
		int rc = -1;

		assert_int_equal(strata__backfill_batch_sql(&want, "public", entry, cursor, 500), 0);
		assert_non_null(strstr(strata__buf_cstr(&want), "LIMIT 500"));
		assert_true(!cursor || strstr(strata__buf_cstr(&want), "$2") != NULL);
		for (k = 0; k < MAX_STEPS && rc != 0; k++) {
			strata_buf sql = STRATA_BUF_INIT;

			strata__buf_puts(&sql, "-- kept: ");
			strata_alloc_fail_after(k);
			rc = strata__backfill_batch_sql(&sql, "public", entry, cursor, 500);
			strata_alloc_fail_after(-1);
			if (rc != 0) {
				assert_int_equal(rc, STRATA_ERROR);
				assert_true(strata__buf_oom(&sql));
				assert_string_equal(strata__buf_cstr(&sql), "");
			} else {
				assert_false(strata__buf_oom(&sql));
				assert_int_equal(strncmp(strata__buf_cstr(&sql), "-- kept: ", 9), 0);
				assert_string_equal(strata__buf_cstr(&sql) + 9, strata__buf_cstr(&want));
			}
			strata__buf_release(&sql);
		}
		assert_int_equal(rc, 0);
		assert_true(k > 3);
		strata__buf_release(&want);
	}
	json_decref(entry);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_failures__config_load),
		cmocka_unit_test(test_alloc_failures__split),
		cmocka_unit_test(test_alloc_failures__redact),
		cmocka_unit_test(test_alloc_failures__revision_write),
		cmocka_unit_test(test_alloc_failures__online_plan),
		cmocka_unit_test(test_alloc_failures__online_plan_one_failure),
		cmocka_unit_test(test_alloc_failures__backfill_batch_sql),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
