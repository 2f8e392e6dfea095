/*
 * tests/unit/core/test_migfile.c - migration file parsing (core/migfile.c):
 * header keys, sections and their offsets, every parse error with its exact
 * "path:line: " message and a hint, checksums (format, CRLF = LF, header
 * edits ignored, SQL edits noticed), positions, loading from disk and
 * clean failure when allocations fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "strata/error.h"
#include "strata/migration.h"
#include "util/alloc.h"
#include "util/fs.h"

#define P "m/3f9a1c2b7d10_x.sql"
#define HEAD "-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2\n"
#define BODY "-- +up\nCREATE TABLE t (id int);\n-- +down\nDROP TABLE t;\n"

static const char good[] =
	"-- revision: 3f9a1c2b7d10\n"
	"-- revises: 8e21d0a4c6f2\n"
	"-- message: add users.org_id\n"
	"-- transaction: on\n"
	"\n"
	"-- +up\n"
	"CREATE TABLE t (id int);\n"
	"-- +down\n"
	"DROP TABLE t;\n";

static strata_migration *parse_ok(const char *text, size_t len)
{
	strata_migration *m = NULL;
	int rc = strata_migration_parse(&m, P, text, len);

	if (rc != 0)
		fail_msg("parse failed: %s (hint: %s)", strata_error_last()->message,
			 strata_error_last()->hint);
	assert_non_null(m);
	return m;
}

static strata_migration *parse_str(const char *text)
{
	return parse_ok(text, strlen(text));
}

static void expect_error_n(const char *text, size_t len, const char *message, const char *hint_part)
{
	strata_migration *m = (strata_migration *)1;
	int rc = strata_migration_parse(&m, P, text, len);

	assert_int_equal(rc, STRATA_EPARSE);
	assert_null(m);
	assert_int_equal(strata_error_last()->code, STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, message);
	assert_true(strata_error_last()->hint[0] != '\0');
	if (hint_part && !strstr(strata_error_last()->hint, hint_part))
		fail_msg("hint '%s' lacks '%s'", strata_error_last()->hint, hint_part);
}

static void expect_error(const char *text, const char *message, const char *hint_part)
{
	expect_error_n(text, strlen(text), message, hint_part);
}

/* Parses, but strata_migration_check_complete() refuses it with this message. */
static void expect_incomplete(const char *text, const char *message, const char *hint_part)
{
	strata_migration *m = parse_str(text);

	assert_non_null(m->incomplete);
	assert_int_equal(strata_migration_check_complete(m), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, message);
	if (hint_part && !strstr(strata_error_last()->hint, hint_part))
		fail_msg("hint '%s' lacks '%s'", strata_error_last()->hint, hint_part);
	strata_migration_free(m);
}

static void assert_section(const strata_migration *m, size_t off, size_t len, const char *want)
{
	assert_int_equal(len, strlen(want));
	assert_memory_equal(m->text + off, want, len);
}

static void test_migfile__good_file(void **state)
{
	strata_migration *m = parse_str(good);

	assert_string_equal(m->path, P);
	assert_string_equal(m->filename, "3f9a1c2b7d10_x.sql");
	assert_string_equal(m->revision, "3f9a1c2b7d10");
	assert_int_equal(m->nrevises, 1);
	assert_string_equal(m->revises[0], "8e21d0a4c6f2");
	assert_int_equal(m->ndepends_on, 0);
	assert_string_equal(m->message, "add users.org_id");
	assert_null(m->branch);
	assert_null(m->irreversible);
	assert_int_equal(m->transactional, 1);
	assert_int_equal(m->text_len, strlen(good));
	assert_string_equal(m->text, good);
	assert_section(m, m->up_offset, m->up_len, "CREATE TABLE t (id int);\n");
	assert_int_equal(m->has_down_marker, 1);
	assert_section(m, m->down_offset, m->down_len, "DROP TABLE t;\n");
	/* Independently computed: sha256("CREATE TABLE t (id int);\n" NUL "DROP TABLE t;\n"). */
	assert_string_equal(m->checksum, "sha256-v1:"
			    "60be33ea4ccb80a3678fa46060800b7612d28861d0508483ad80726c46aca359");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__header_forms(void **state)
{
	/* Case-insensitive keys, comments and blank lines among them, all keys used. */
	strata_migration *m = parse_str(
		"-- a comment before the header\n"
		"-- Revision: 3f9a1c2b7d10\n"
		"\n"
		"--REVISES:   8e21d0a4c6f2   \n"
		"-- a comment: with a colon after several words\n"
		"-- message:\n"
		"-- Transaction: OFF\n"
		"-- depends-on: 1a2b3c4d5e6f 2a2b3c4d5e6f\n"
		"-- branch: billing\n"
		"-- +up\n"
		"CREATE INDEX CONCURRENTLY i ON t (a);\n"
		"-- +down\n"
		"DROP INDEX CONCURRENTLY i;\n");

	assert_string_equal(m->revises[0], "8e21d0a4c6f2");
	assert_string_equal(m->message, "");
	assert_int_equal(m->transactional, 0);
	assert_int_equal(m->ndepends_on, 2);
	assert_string_equal(m->depends_on[0], "1a2b3c4d5e6f");
	assert_string_equal(m->depends_on[1], "2a2b3c4d5e6f");
	assert_string_equal(m->branch, "billing");
	strata_migration_free(m);

	/* Empty optional values: no dependencies, no branch. */
	m = parse_str(HEAD "-- depends-on:\n-- branch:\n" BODY);
	assert_int_equal(m->ndepends_on, 0);
	assert_null(m->branch);
	assert_string_equal(m->message, "");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__base_and_merge(void **state)
{
	strata_migration *m = parse_str("-- revision: 3f9a1c2b7d10\n-- revises: base\n" BODY);

	assert_int_equal(m->nrevises, 0);
	strata_migration_free(m);

	m = parse_str("-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2  1a2b3c4d5e6f\t2a2b3c4d5e6f\n"
		      "-- message: merge heads\n" BODY);
	assert_int_equal(m->nrevises, 3);
	assert_string_equal(m->revises[0], "8e21d0a4c6f2");
	assert_string_equal(m->revises[1], "1a2b3c4d5e6f");
	assert_string_equal(m->revises[2], "2a2b3c4d5e6f");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__revision_id_valid(void **state)
{
	assert_true(strata_revision_id_valid("3f9a1c2b7d10"));
	assert_true(strata_revision_id_valid("000000000000"));
	/* Ids kept from other tools' histories. */
	assert_true(strata_revision_id_valid("3F9A1C2B7D10"));
	assert_true(strata_revision_id_valid("1.2"));
	assert_true(strata_revision_id_valid("000001"));
	assert_true(strata_revision_id_valid("20230101120000"));
	assert_true(strata_revision_id_valid("0001_initial"));
	assert_true(strata_revision_id_valid("add-users"));
	assert_true(strata_revision_id_valid("headline"));
	assert_true(strata_revision_id_valid("12345678901234567890123456789012"));
	assert_false(strata_revision_id_valid("123456789012345678901234567890123"));
	assert_false(strata_revision_id_valid("3f9a1c2b7g10 x"));
	assert_false(strata_revision_id_valid("_x"));
	assert_false(strata_revision_id_valid("-1"));
	assert_false(strata_revision_id_valid("a,b"));
	assert_false(strata_revision_id_valid("v1@head"));
	assert_false(strata_revision_id_valid("head"));
	assert_false(strata_revision_id_valid("heads"));
	assert_false(strata_revision_id_valid("base"));
	assert_false(strata_revision_id_valid("head-1"));
	assert_false(strata_revision_id_valid(""));
	assert_false(strata_revision_id_valid(NULL));
	(void)state;
}

static void test_migfile__missing_up_marker(void **state)
{
	expect_error(HEAD "\nCREATE TABLE t (id int);\n", P ":4: missing '-- +up' marker", "-- +up");
	expect_error(HEAD "-- message: x\n", P ":3: missing '-- +up' marker", "-- +up");
	/* Not a migration at all: the hint says what one looks like. */
	expect_error("CREATE TABLE t (id int);\n", P ":1: missing '-- +up' marker", "-- revision:");
	(void)state;
}

static void test_migfile__revision_header(void **state)
{
	expect_error("-- revises: base\n" BODY, P ":1: missing '-- revision:' header", "-- revision:");
	expect_error("-- revision: 3F9A1C2B7D10!\n-- revises: base\n" BODY,
		     P ":1: malformed revision id '3F9A1C2B7D10!'", "12 lowercase hex");
	expect_error("\n\n-- revision: head\n-- revises: base\n" BODY,
		     P ":3: malformed revision id 'head'", "1 to 32 letters");
	expect_error("-- revision: 3f9a1c2b7d10 8e21d0a4c6f2\n-- revises: base\n" BODY,
		     P ":1: malformed revision id '3f9a1c2b7d10 8e21d0a4c6f2'", NULL);
	expect_error("-- revision:\n-- revises: base\n" BODY, P ":1: the 'revision' header is empty",
		     "12 lowercase hex");
	(void)state;
}

static void test_migfile__revises_header(void **state)
{
	expect_error("-- revision: 3f9a1c2b7d10\n" BODY, P ":1: missing '-- revises:' header",
		     "revises: base");
	expect_error("-- revision: 3f9a1c2b7d10\n-- revises:\n" BODY,
		     P ":2: the 'revises' header is empty", "revises: base");
	expect_error("-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2, 1a2b3c4d5e6f\n" BODY,
		     P ":2: malformed revision id '8e21d0a4c6f2,' in 'revises'", "spaces");
	expect_error("-- revision: 3f9a1c2b7d10\n-- revises: base 8e21d0a4c6f2\n" BODY,
		     P ":2: 'base' cannot be combined with other revisions in 'revises'", NULL);
	expect_error("-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2 8e21d0a4c6f2\n" BODY,
		     P ":2: revision '8e21d0a4c6f2' is listed twice in 'revises'", NULL);
	expect_error("-- revision: 3f9a1c2b7d10\n-- revises: 3f9a1c2b7d10\n" BODY,
		     P ":2: revision 3f9a1c2b7d10 revises itself", NULL);
	/* The self-reference is found even when 'revises' comes first. */
	expect_error("-- revises: 8e21d0a4c6f2 3f9a1c2b7d10\n-- revision: 3f9a1c2b7d10\n" BODY,
		     P ":1: revision 3f9a1c2b7d10 revises itself", NULL);
	(void)state;
}

static void test_migfile__depends_on_header(void **state)
{
	expect_error(HEAD "-- depends-on: 1a2b3c4d5e/\n" BODY,
		     P ":3: malformed revision id '1a2b3c4d5e/' in 'depends-on'", "12 lowercase hex");
	expect_error(HEAD "-- depends-on: base\n" BODY,
		     P ":3: 'base' is not a revision id in 'depends-on'", NULL);
	expect_error(HEAD "-- depends-on: 3f9a1c2b7d10\n" BODY,
		     P ":3: revision 3f9a1c2b7d10 depends on itself", NULL);
	(void)state;
}

static void test_migfile__duplicate_and_unknown_keys(void **state)
{
	expect_error(HEAD "-- message: a\n\n-- Message: b\n" BODY,
		     P ":5: duplicate header 'message' (first on line 3)", "keep one");
	expect_error(HEAD "-- revison: 3f9a1c2b7d10\n" BODY, P ":3: unknown header key 'revison'",
		     "did you mean 'revision'?");
	expect_error(HEAD "-- depends_on: 1a2b3c4d5e6f\n" BODY, P ":3: unknown header key 'depends_on'",
		     "did you mean 'depends-on'?");
	expect_error(HEAD "-- author: someone\n" BODY, P ":3: unknown header key 'author'",
		     "known keys are revision, revises");
	(void)state;
}

static void test_migfile__created_header(void **state)
{
	strata_migration *m = parse_str(good);

	/* Optional: a file without it has none, and nothing stands in for it. */
	assert_null(m->created);
	strata_migration_free(m);
	m = parse_str(HEAD "-- Created: 2026-03-04T05:06:07Z\n" BODY);
	assert_string_equal(m->created, "2026-03-04T05:06:07Z");
	strata_migration_free(m);
	m = parse_str(HEAD "-- created: 2024-02-29T23:59:59.123456Z   \n" BODY);
	assert_string_equal(m->created, "2024-02-29T23:59:59.123456Z");
	strata_migration_free(m);
	m = parse_str(HEAD "-- created:\n" BODY);
	assert_null(m->created);
	strata_migration_free(m);
	/* A header edit: the checksum is the same with or without it. */
	m = parse_str(HEAD "-- created: 2026-03-04T05:06:07Z\n" BODY);
	{
		strata_migration *plain = parse_str(HEAD BODY);

		assert_string_equal(m->checksum, plain->checksum);
		strata_migration_free(plain);
	}
	strata_migration_free(m);
	expect_error(HEAD "-- created: 2026-03-04\n" BODY,
		     P ":3: malformed 'created' time '2026-03-04'", "2026-03-04T05:06:07Z");
	expect_error(HEAD "-- created: 2026-03-04 05:06:07\n" BODY,
		     P ":3: malformed 'created' time '2026-03-04 05:06:07'", "in UTC");
	expect_error(HEAD "-- created: 2026-03-04T05:06:07+01:00\n" BODY,
		     P ":3: malformed 'created' time '2026-03-04T05:06:07+01:00'", NULL);
	expect_error(HEAD "-- created: 2025-02-29T00:00:00Z\n" BODY,
		     P ":3: malformed 'created' time '2025-02-29T00:00:00Z'", NULL);
	expect_error(HEAD "-- created: yesterday\n" BODY,
		     P ":3: malformed 'created' time 'yesterday'", NULL);
	expect_error(HEAD "-- created: 2026-03-04T05:06:07Z\n-- created: 2026-03-04T05:06:07Z\n" BODY,
		     P ":4: duplicate header 'created' (first on line 3)", NULL);
	expect_error(HEAD "-- creatd: 2026-03-04T05:06:07Z\n" BODY,
		     P ":3: unknown header key 'creatd'", "did you mean 'created'?");
	(void)state;
}

static void test_migfile__transaction_values(void **state)
{
	strata_migration *m = parse_str(HEAD "-- transaction: off\n" BODY);

	assert_int_equal(m->transactional, 0);
	strata_migration_free(m);
	m = parse_str(HEAD "-- transaction: on\n" BODY);
	assert_int_equal(m->transactional, 1);
	strata_migration_free(m);
	expect_error(HEAD "-- transaction: yes\n" BODY,
		     P ":3: 'transaction' must be 'on' or 'off', not 'yes'", "transaction: off");
	expect_error(HEAD "-- transaction:\n" BODY, P ":3: 'transaction' must be 'on' or 'off', not ''",
		     NULL);
	(void)state;
}

static void test_migfile__branch_label(void **state)
{
	expect_error(HEAD "-- branch: two words\n" BODY, P ":3: malformed branch label 'two words'",
		     "one word");
	expect_error(HEAD "-- branch: heads\n" BODY, P ":3: malformed branch label 'heads'", NULL);
	expect_error(HEAD "-- branch: abcdef012345\n" BODY, P ":3: malformed branch label 'abcdef012345'",
		     NULL);
	expect_error(HEAD "-- branch: x@head\n" BODY, P ":3: malformed branch label 'x@head'", NULL);
	(void)state;
}

static void test_migfile__empty_file(void **state)
{
	expect_error("", P ":1: the file is empty", "strata revision");
	expect_error(" \n\t\r\n\n", P ":1: the file is empty", NULL);
	(void)state;
}

static void test_migfile__invalid_utf8_and_nul(void **state)
{
	static const char nul[] = HEAD "-- +up\nSELECT 'a\0b';\n-- +down\nSELECT 1;\n";

	expect_error(HEAD "-- message: caf\xc3\xa9 \xff\n" BODY,
		     P ":3: invalid UTF-8 at column 18 (byte 0xff)", "UTF-8");
	expect_error(HEAD "-- +up\nSELECT '\xe2\x82';\n-- +down\nSELECT 1;\n",
		     P ":4: invalid UTF-8 at column 9 (byte 0xe2)", NULL);
	expect_error_n(nul, sizeof(nul) - 1, P ":4: NUL byte at column 10", "NUL");
	/* UTF-16 text is full of NUL bytes. */
	expect_error_n("-\0-\0", 4, P ":1: NUL byte at column 2", "UTF-16");
	(void)state;
}

static void test_migfile__marker_order_and_duplicates(void **state)
{
	expect_error(HEAD "-- +down\nDROP TABLE t;\n-- +up\nCREATE TABLE t (id int);\n",
		     P ":3: '-- +down' before '-- +up'", "-- +up");
	expect_error(HEAD BODY "-- +up\nSELECT 1;\n",
		     P ":7: second '-- +up' marker (the first is on line 3)", NULL);
	expect_error(HEAD BODY "-- +down\nSELECT 1;\n",
		     P ":7: second '-- +down' marker (the first is on line 5)", NULL);
	/* Near misses are errors, never silently SQL or comments. */
	expect_error(HEAD "-- +up\nSELECT 1;\n-- +Down\nSELECT 2;\n",
		     P ":5: malformed section marker '-- +Down'", "exactly");
	expect_error(HEAD "-- +up\nSELECT 1;\n--+down\nSELECT 2;\n",
		     P ":5: malformed section marker '--+down'", NULL);
	expect_error(HEAD "--  + up\nSELECT 1;\n-- +down\nSELECT 2;\n",
		     P ":3: malformed section marker '--  + up'", NULL);
	expect_error(HEAD "-- +up\nSELECT 1;\n-- +down: revert\nSELECT 2;\n",
		     P ":5: malformed section marker '-- +down: revert'", NULL);
	(void)state;
}

static void test_migfile__markers_with_trailing_blanks(void **state)
{
	strata_migration *m = parse_str(HEAD "-- +up  \t\nSELECT 1;\n-- +down \nSELECT 2;\n");

	assert_section(m, m->up_offset, m->up_len, "SELECT 1;\n");
	assert_section(m, m->down_offset, m->down_len, "SELECT 2;\n");
	strata_migration_free(m);
	/* "-- +upgrade ..." is an ordinary comment. */
	m = parse_str(HEAD "-- +up\n-- +upgrade note\nSELECT 1;\n-- +down\nSELECT 2;\n");
	assert_section(m, m->up_offset, m->up_len, "-- +upgrade note\nSELECT 1;\n");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__empty_up_section(void **state)
{
	strata_migration *m;

	expect_incomplete(HEAD "-- +up\n\n-- nothing yet\n  \n-- +down\nDROP TABLE t;\n",
			  P ":3: the up section is empty", "-- +up");
	expect_incomplete(HEAD "-- +up", P ":3: the up section is empty", NULL);
	/* A merge may have no SQL of its own. */
	m = parse_str("-- revision: 3f9a1c2b7d10\n-- revises: 8e21d0a4c6f2 1a2b3c4d5e6f\n"
		      "-- +up\n-- merge\n-- +down\n-- merge\n");
	assert_null(m->incomplete);
	assert_int_equal(strata_migration_check_complete(m), 0);
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__down_section_rules(void **state)
{
	strata_migration *m;

	expect_incomplete(HEAD "-- +up\nCREATE TABLE t (id int);\n",
		     P ":4: no '-- +down' section",
		     "write the down SQL, or add '-- irreversible: <reason>'");
	expect_incomplete(HEAD "-- +up\nCREATE TABLE t (id int);\n-- +down\n\n-- later\n",
		     P ":5: the down section is empty",
		     "write the down SQL, or add '-- irreversible: <reason>'");
	expect_error(HEAD "-- irreversible:\n-- +up\nSELECT 1;\n",
		     P ":3: the 'irreversible' header has no reason", NULL);
	expect_error(HEAD "-- irreversible: drops data\n" BODY,
		     P ":3: 'irreversible' is set but the down section has SQL", NULL);

	/* Irreversible: no down marker, or an empty down section. */
	m = parse_str(HEAD "-- irreversible: drops the old column's data\n"
		      "-- +up\nALTER TABLE t DROP COLUMN c;\n");
	assert_string_equal(m->irreversible, "drops the old column's data");
	assert_int_equal(m->has_down_marker, 0);
	assert_int_equal(m->down_offset, 0);
	assert_int_equal(m->down_len, 0);
	assert_section(m, m->up_offset, m->up_len, "ALTER TABLE t DROP COLUMN c;\n");
	strata_migration_free(m);

	m = parse_str(HEAD "-- irreversible: data loss\n-- +up\nSELECT 1;\n-- +down\n-- cannot\n");
	assert_int_equal(m->has_down_marker, 1);
	assert_section(m, m->down_offset, m->down_len, "-- cannot\n");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__crlf_same_checksum(void **state)
{
	strata_migration *lf = parse_str(good);
	strata_migration *crlf = parse_str(
		"-- revision: 3f9a1c2b7d10\r\n"
		"-- revises: 8e21d0a4c6f2\r\n"
		"-- message: add users.org_id\r\n"
		"-- transaction: on\r\n"
		"\r\n"
		"-- +up\r\n"
		"CREATE TABLE t (id int);\r\n"
		"-- +down\r\n"
		"DROP TABLE t;\r\n");

	assert_string_equal(crlf->checksum, lf->checksum);
	assert_string_equal(crlf->message, "add users.org_id");
	/* Offsets index the original CRLF text. */
	assert_section(crlf, crlf->up_offset, crlf->up_len, "CREATE TABLE t (id int);\r\n");
	assert_section(crlf, crlf->down_offset, crlf->down_len, "DROP TABLE t;\r\n");
	strata_migration_free(lf);
	strata_migration_free(crlf);
	(void)state;
}

static void test_migfile__checksum_depends_on_sql_only(void **state)
{
	strata_migration *a = parse_str(good);
	strata_migration *b = parse_str(
		"-- revision: 3f9a1c2b7d10\n"
		"-- revises: 8e21d0a4c6f2\n"
		"-- message: a different message\n"
		"-- branch: billing\n"
		"-- some comment\n"
		"-- +up   \n"
		"CREATE TABLE t (id int);\n"
		"-- +down\n"
		"DROP TABLE t;\n");
	strata_migration *c = parse_str(HEAD "-- +up\nCREATE TABLE t (id bigint);\n-- +down\nDROP TABLE t;\n");
	strata_migration *d = parse_str(HEAD "-- +up\nCREATE TABLE t (id int);\n-- +down\nDROP TABLE t ;\n");
	/* The NUL separator: moving text across the marker changes the checksum. */
	strata_migration *e = parse_str(HEAD "-- +up\nCREATE TABLE t (id int);\nDROP TABLE t;\n-- +down\n"
					"SELECT 1;\n");

	assert_string_equal(a->checksum, b->checksum);
	assert_string_not_equal(a->checksum, c->checksum);
	assert_string_not_equal(a->checksum, d->checksum);
	assert_string_not_equal(a->checksum, e->checksum);
	assert_int_equal(strlen(a->checksum), strlen("sha256-v1:") + 64);
	strata_migration_free(a);
	strata_migration_free(b);
	strata_migration_free(c);
	strata_migration_free(d);
	strata_migration_free(e);
	(void)state;
}

static void test_migfile__byte_order_mark(void **state)
{
	strata_migration *m = parse_str("\xef\xbb\xbf" HEAD BODY);

	assert_string_equal(m->revision, "3f9a1c2b7d10");
	assert_section(m, m->up_offset, m->up_len, "CREATE TABLE t (id int);\n");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__not_nul_terminated_input(void **state)
{
	char text[sizeof(good)];
	strata_migration *m;

	memcpy(text, good, sizeof(good) - 1);
	text[sizeof(good) - 1] = 'X'; /* past len: must not be read */
	m = parse_ok(text, sizeof(good) - 1);
	assert_int_equal(m->text_len, sizeof(good) - 1);
	assert_int_equal(m->text[m->text_len], '\0');
	assert_section(m, m->down_offset, m->down_len, "DROP TABLE t;\n");
	strata_migration_free(m);
	(void)state;
}

static void test_migfile__position(void **state)
{
	strata_migration *m = parse_str(HEAD "-- message: caf\xc3\xa9 ok\n" BODY);
	int line, col;
	const char *p;

	strata_migration_position(&line, &col, m, 0);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
	strata_migration_position(&line, &col, m, m->up_offset);
	assert_int_equal(line, 5);
	assert_int_equal(col, 1);
	p = strstr(m->text, "(id int)");
	strata_migration_position(&line, &col, m, (size_t)(p - m->text));
	assert_int_equal(line, 5);
	assert_int_equal(col, 16);
	strata_migration_position(&line, &col, m, m->down_offset);
	assert_int_equal(line, 7);
	/* Columns count characters, not bytes: "é" is one. */
	p = strstr(m->text, " ok");
	strata_migration_position(&line, &col, m, (size_t)(p - m->text));
	assert_int_equal(line, 3);
	assert_int_equal(col, 17);
	/* Offsets past the end clamp to it. */
	strata_migration_position(&line, &col, m, m->text_len + 100);
	assert_int_equal(line, 8);
	assert_int_equal(col, 1);
	strata_migration_free(m);
	(void)state;
}

/* Online revisions: the "+online" section, the "online" header's file, "contracts". */
static void test_migfile__online(void **state)
{
	static const char section[] = HEAD "-- message: slug\n\n-- +online\n{\"operations\": []}\n";
	static const char with_down[] = HEAD "\n-- +online\n{\"operations\": []}\n-- +down\nSELECT 1;\n";
	char dir[] = "/tmp/strata-migfile-XXXXXX", path[256], json[256];
	strata_migration *m = parse_str(section), *m2;
	char sum[80];

	assert_non_null(m->online_text);
	assert_string_equal(m->online_text, "{\"operations\": []}\n");
	assert_int_equal(m->online_line, 6);
	assert_int_equal(m->up_len, 0);
	assert_null(m->incomplete); /* no down section: the inverse is the down */
	memcpy(sum, m->checksum, sizeof(sum));
	strata_migration_free(m);
	/* The JSON is in the checksum. */
	m = parse_str(HEAD "-- message: slug\n\n-- +online\n{\"operations\": [ ]}\n");
	assert_string_not_equal(m->checksum, sum);
	strata_migration_free(m);
	m = parse_str(with_down);
	assert_section(m, m->down_offset, m->down_len, "SELECT 1;\n");
	assert_string_equal(m->online_text, "{\"operations\": []}\n");
	strata_migration_free(m);
	m = parse_str(HEAD "-- contracts: 1a2b3c4d5e6f\n" BODY);
	assert_string_equal(m->contracts, "1a2b3c4d5e6f");
	assert_null(m->online_text);
	strata_migration_free(m);

	expect_error(HEAD "-- online: x.json\n\n-- +online\n{}\n",
		     P ":5: '-- +online' section and '-- online:' header (line 3) both given", NULL);
	expect_error(HEAD "-- online: ../x.json\n-- +up\n", P ":3: malformed operation file name '../x.json'",
		     "beside the revision");
	expect_error(HEAD "-- online: x.json\n-- +up\nSELECT 1;\n",
		     P ":3: an online revision has SQL in its up section", "\"sql\" operation");
	expect_error(HEAD "\n-- +online\n\n", P ":4: the '-- +online' section is empty", NULL);
	expect_error(HEAD "-- transaction: off\n\n-- +online\n{}\n",
		     P ":3: 'transaction: off' on an online revision", NULL);
	expect_error(HEAD "-- +up\nSELECT 1;\n-- +online\n{}\n",
		     P ":5: '-- +online' after the first section", "takes the place");
	expect_error(HEAD "-- contracts: no!\n" BODY, P ":3: malformed revision id in 'contracts' 'no!'",
		     NULL);

	/* The header's file, read beside the revision and part of the checksum. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/3f9a1c2b7d10_x.sql", dir);
	snprintf(json, sizeof(json), "%s/x.json", dir);
	assert_int_equal(strata__fs_write_file(path, HEAD "-- online: x.json\n\n-- +up\n",
				       strlen(HEAD "-- online: x.json\n\n-- +up\n")), 0);
	m = (strata_migration *)1;
	assert_int_equal(strata_migration_load(&m, path), STRATA_EPARSE);
	assert_null(m);
	assert_non_null(strstr(strata_error_last()->message, "named on"));
	assert_int_equal(strata__fs_write_file(json, "{\"operations\": []}", 18), 0);
	assert_int_equal(strata_migration_load(&m, path), 0);
	assert_string_equal(m->online_file, "x.json");
	assert_string_equal(m->online_text, "{\"operations\": []}");
	assert_int_equal(strata__fs_write_file(json, "{\"operations\": [ ]}", 19), 0);
	assert_int_equal(strata_migration_load(&m2, path), 0);
	assert_string_not_equal(m->checksum, m2->checksum);
	strata_migration_free(m);
	strata_migration_free(m2);
	unlink(json);
	unlink(path);
	rmdir(dir);
	(void)state;
}

static void test_migfile__load(void **state)
{
	char dir[] = "/tmp/strata-migfile-XXXXXX";
	char path[256], big[256];
	strata_migration *m = NULL;
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/3f9a1c2b7d10_x.sql", dir);
	assert_int_equal(strata__fs_write_file(path, good, strlen(good)), 0);
	assert_int_equal(strata_migration_load(&m, path), 0);
	assert_string_equal(m->path, path);
	assert_string_equal(m->filename, "3f9a1c2b7d10_x.sql");
	assert_string_equal(m->checksum, "sha256-v1:"
			    "60be33ea4ccb80a3678fa46060800b7612d28861d0508483ad80726c46aca359");
	strata_migration_free(m);

	/* Too large: refused before reading, with the file named. */
	snprintf(big, sizeof(big), "%s/8e21d0a4c6f2_big.sql", dir);
	f = fopen(big, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)STRATA_MIGRATION_MAX_BYTES, SEEK_SET), 0);
	fputc('\n', f);
	fclose(f);
	m = (strata_migration *)1;
	rc = strata_migration_load(&m, big);
	assert_int_equal(rc, STRATA_EPARSE);
	assert_null(m);
	assert_true(strncmp(strata_error_last()->message, big, strlen(big)) == 0);
	assert_non_null(strstr(strata_error_last()->message, ":1: the file is too large"));
	assert_true(strata_error_last()->hint[0] != '\0');

	/* Missing file. */
	snprintf(path, sizeof(path), "%s/nope.sql", dir);
	assert_int_equal(strata_migration_load(&m, path), STRATA_ENOTFOUND);

	unlink(big);
	snprintf(path, sizeof(path), "%s/3f9a1c2b7d10_x.sql", dir);
	unlink(path);
	rmdir(dir);
	(void)state;
}

static void test_migfile__allocation_failures(void **state)
{
	static const char text[] = HEAD "-- depends-on: 1a2b3c4d5e6f\n-- branch: b\n"
		"-- message: m\n-- irreversible: r\n-- +up\nSELECT 1;\n";
	long k;

	for (k = 0;; k++) {
		strata_migration *m = NULL;
		int rc;

		strata_alloc_fail_after(k);
		rc = strata_migration_parse(&m, P, text, strlen(text));
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			strata_migration_free(m);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
		assert_null(m);
		assert_true(k < 100);
	}
	assert_true(k > 5);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migfile__good_file),
		cmocka_unit_test(test_migfile__header_forms),
		cmocka_unit_test(test_migfile__base_and_merge),
		cmocka_unit_test(test_migfile__revision_id_valid),
		cmocka_unit_test(test_migfile__missing_up_marker),
		cmocka_unit_test(test_migfile__revision_header),
		cmocka_unit_test(test_migfile__revises_header),
		cmocka_unit_test(test_migfile__depends_on_header),
		cmocka_unit_test(test_migfile__duplicate_and_unknown_keys),
		cmocka_unit_test(test_migfile__created_header),
		cmocka_unit_test(test_migfile__transaction_values),
		cmocka_unit_test(test_migfile__branch_label),
		cmocka_unit_test(test_migfile__empty_file),
		cmocka_unit_test(test_migfile__invalid_utf8_and_nul),
		cmocka_unit_test(test_migfile__marker_order_and_duplicates),
		cmocka_unit_test(test_migfile__markers_with_trailing_blanks),
		cmocka_unit_test(test_migfile__empty_up_section),
		cmocka_unit_test(test_migfile__down_section_rules),
		cmocka_unit_test(test_migfile__crlf_same_checksum),
		cmocka_unit_test(test_migfile__checksum_depends_on_sql_only),
		cmocka_unit_test(test_migfile__byte_order_mark),
		cmocka_unit_test(test_migfile__not_nul_terminated_input),
		cmocka_unit_test(test_migfile__position),
		cmocka_unit_test(test_migfile__online),
		cmocka_unit_test(test_migfile__load),
		cmocka_unit_test(test_migfile__allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
