/*
 * tests/unit/core/test_planfile.c - the reviewed plan's file format
 * (strata/planfile.h): what strata_planfile_format() writes parses back
 * to the same plan, the body's hash catches an edit, and every malformed
 * header is STRATA_EPARSE naming the file and line; a tenant's and a
 * downgrade's keys round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"
#include "strata/planfile.h"

static char **words(const char *a, const char *b, size_t *n)
{
	char **v = calloc(2, sizeof(char *));

	*n = 0;
	if (a)
		v[(*n)++] = strdup(a);
	if (b)
		v[(*n)++] = strdup(b);
	return v;
}

/* A plan as strata_plan_create() fills one. */
static strata_planfile *sample(void)
{
	strata_planfile *p = calloc(1, sizeof(*p));
	static const char body[] = "-- strata upgrade script\nBEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n";

	p->format = STRATA_PLANFILE_FORMAT;
	p->environment = strdup("production");
	p->engine = strdup("postgresql");
	p->database = strdup("postgres://app:****@db/app");
	p->identity = strdup("postgresql:system=7316:database=app");
	p->applied = words("3f9a1c2b7d10", NULL, &p->napplied);
	p->schema = strdup("sha256:00ff");
	p->target = strdup("head");
	p->steps = words("8e21d0a4c6f2", "4b2e00000000", &p->nsteps);
	p->lock_timeout_ms = 2500;
	p->statement_timeout_ms = 60000;
	p->promotion = strdup("skipped: staging rebuilt");
	p->lint = strdup("0 error(s), 1 warning(s) in 2 revision(s)");
	p->created_at = strdup("2026-12-07T15:40:00.000Z");
	p->created_by = strdup("alice");
	p->created_on = strdup("laptop-7");
	p->strata_version = strdup("0.1.0");
	p->body = strdup(body);
	p->body_len = strlen(body);
	return p;
}

static char *written(strata_planfile *p)
{
	char *text = NULL;
	int rc = strata_planfile_format(&text, p);

	char *copy;

	if (rc != 0 || !text)
		fail_msg("strata_planfile_format failed: %d", rc);
	copy = strdup(text);
	free(text);
	return copy;
}

static void test_planfile__round_trip(void **state)
{
	strata_planfile *p = sample(), *q = NULL;
	const char *finding = "migrations/a.sql:3:1: warning SL101 index\nbuilt without CONCURRENTLY";
	char *text;

	assert_int_equal(strata_planfile_set_lint(p, p->lint, &finding, 1), 0);
	text = written(p);
	/* a line break in a value would end the comment: it becomes '?' */
	assert_non_null(strstr(text, "-- lint-finding: migrations/a.sql:3:1: warning SL101 index?built"));
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_string_equal(q->environment, "production");
	assert_string_equal(q->engine, "postgresql");
	assert_string_equal(q->identity, p->identity);
	assert_int_equal(q->napplied, 1);
	assert_string_equal(q->applied[0], "3f9a1c2b7d10");
	assert_int_equal(q->nsteps, 2);
	assert_string_equal(q->steps[1], "4b2e00000000");
	assert_int_equal(q->lock_timeout_ms, 2500);
	assert_int_equal(q->statement_timeout_ms, 60000);
	assert_string_equal(q->promotion, "skipped: staging rebuilt");
	assert_int_equal(q->nfindings, 1);
	assert_string_equal(q->created_on, "laptop-7");
	assert_int_equal(q->body_len, p->body_len);
	assert_memory_equal(q->body, p->body, p->body_len);
	assert_true(strata_planfile_body_intact(q));
	strata_planfile_free(q);
	free(text);
	strata_planfile_free(p);
}

static void test_planfile__empty_lists_and_no_environment(void **state)
{
	strata_planfile *p = sample(), *q = NULL;
	char *text;

	free(p->environment);
	p->environment = NULL;
	for (size_t i = 0; i < p->napplied; i++)
		free(p->applied[i]);
	p->napplied = 0;
	text = written(p);
	assert_non_null(strstr(text, "-- environment: none\n"));
	assert_non_null(strstr(text, "-- applied: none\n"));
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_null(q->environment);
	assert_int_equal(q->napplied, 0);
	strata_planfile_free(q);
	free(text);
	strata_planfile_free(p);
}

static void test_planfile__body_edit_is_seen(void **state)
{
	strata_planfile *p = sample(), *q = NULL;
	char *text = written(p), *t;

	t = strstr(text, "CREATE TABLE t");
	assert_non_null(t);
	t[13] = 'u';
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_false(strata_planfile_body_intact(q));
	strata_planfile_free(q);
	/* a byte added at the end, too */
	t[13] = 't';
	text = realloc(text, strlen(text) + 2);
	strcat(text, "\n");
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_false(strata_planfile_body_intact(q));
	strata_planfile_free(q);
	free(text);
	strata_planfile_free(p);
}

/* A tenant's downgrade plan: its schema and direction written and read back;
 * a plan without them is a whole database's upgrade. */
static void test_planfile__tenant_schema_and_direction(void **state)
{
	strata_planfile *p = sample(), *q = NULL;
	char *text;

	p->tenant_schema = strdup("tenant_42");
	p->down = 1;
	text = written(p);
	assert_non_null(strstr(text, "-- tenant-schema: tenant_42\n"));
	assert_non_null(strstr(text, "-- direction: down\n"));
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_string_equal(q->tenant_schema, "tenant_42");
	assert_int_equal(q->down, 1);
	strata_planfile_free(q);
	free(text);
	free(p->tenant_schema);
	p->tenant_schema = NULL;
	p->down = 0;
	text = written(p);
	assert_null(strstr(text, "-- tenant-schema:"));
	assert_null(strstr(text, "-- direction:"));
	assert_int_equal(strata_planfile_parse(&q, text, strlen(text), "p.sql"), 0);
	assert_null(q->tenant_schema);
	assert_int_equal(q->down, 0);
	strata_planfile_free(q);
	free(text);
	strata_planfile_free(p);
}

/* Replace the first occurrence of from by to in the sample's text, parse, expect an error at line. */
static void expect_bad(const char *from, const char *to, const char *message)
{
	strata_planfile *p = sample(), *q = NULL;
	char *text = written(p), *at = strstr(text, from), *edited;

	assert_non_null(at);
	edited = malloc(strlen(text) + strlen(to) + 1);
	memcpy(edited, text, (size_t)(at - text));
	strcpy(edited + (at - text), to);
	strcat(edited, at + strlen(from));
	assert_int_equal(strata_planfile_parse(&q, edited, strlen(edited), "p.sql"), STRATA_EPARSE);
	assert_null(q);
	if (!strstr(strata_error_last()->message, message))
		fail_msg("'%s' not in: %s", message, strata_error_last()->message);
	free(edited);
	free(text);
	strata_planfile_free(p);
}

static void test_planfile__bad_headers_name_the_line(void **state)
{
	expect_bad("-- strata-plan: 1\n", "-- some other file\n", "p.sql:1: not a strata plan");
	expect_bad("-- strata-plan: 1\n", "-- strata-plan: 2\n", "p.sql:1: a plan of another format");
	expect_bad("-- target: head\n", "-- aim: head\n", "p.sql:8: unknown plan header key 'aim'");
	expect_bad("-- target: head\n", "-- target: head\n-- target: base\n", "p.sql:9: 'target' given twice");
	expect_bad("-- identity: postgresql:system=7316:database=app\n", "", "the header has no 'identity'");
	expect_bad("-- end of plan header\n", "-- end of the header\n", "not a '-- key: value' header line");
	/* without its end line, the body's first line is read as header */
	expect_bad("-- end of plan header\n", "", "p.sql:19: not a '-- key: value' header line");
	expect_bad("-- lock-timeout: 2500ms\n", "-- lock-timeout: soon\n", "not a duration: 'soon'");
	expect_bad("-- engine: postgresql\n", "-- engine: oracle\n", "engine must be postgresql or sqlite");
	expect_bad("-- body-sha256: ", "-- body-sha256: 12", "body-sha256 must be 64 lowercase hex digits");
	expect_bad("-- created-by: alice\n", "created-by alice\n", "p.sql:15: not a '-- key: value'");
	expect_bad("-- created-by: alice\n", "-- created-by: al\x01ice\n", "p.sql:15: a control character");
	expect_bad("-- target: head\n", "-- target: head\n-- direction: sideways\n",
		   "p.sql:9: direction must be up or down");
	expect_bad("-- target: head\n", "-- target: head\n-- tenant-schema: Tenant-1\n",
		   "p.sql:9: tenant-schema must be a plain lowercase name");
}

static void test_planfile__odd_input(void **state)
{
	strata_planfile *q = NULL;
	static const char crlf[] = "-- strata-plan: 1\r\n-- environment: none\r\n";

	assert_int_equal(strata_planfile_parse(&q, "", 0, "empty.sql"), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "empty.sql:0: not a strata plan"));
	assert_int_equal(strata_planfile_parse(&q, "-- strata-plan: 1\0x", 19, "nul.sql"), STRATA_EPARSE);
	assert_int_equal(strata_planfile_parse(&q, crlf, strlen(crlf), "crlf.sql"), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "no '-- end of plan header' line"));
	assert_null(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planfile__round_trip),
		cmocka_unit_test(test_planfile__empty_lists_and_no_environment),
		cmocka_unit_test(test_planfile__body_edit_is_seen),
		cmocka_unit_test(test_planfile__bad_headers_name_the_line),
		cmocka_unit_test(test_planfile__odd_input),
		cmocka_unit_test(test_planfile__tenant_schema_and_direction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
