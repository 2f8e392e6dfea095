/*
 * tests/unit/db/test_sqlscan.c - the shared SQL text scanner (db/sqlscan.h):
 * the span each dialect reads at an offset (nested block comments and
 * E'...' strings and dollar quotes in PostgreSQL, `...` and [...] names in
 * SQLite), open input at the end of the text, blank skipping and where a
 * statement ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "db/sqlscan.h"

/* The span at offset `at` of s: its kind, its text and its inside. */
static void assert_span(const char *s, size_t at, sqlscan_dialect d, sqlscan_kind kind,
			const char *text, const char *inner, int open)
{
	sqlscan_span sp;
	size_t n = strlen(s);

	strata__sqlscan_span_at(&sp, s, n, at, d);
	assert_int_equal(sp.kind, kind);
	assert_int_equal(sp.start, at);
	assert_int_equal(sp.end - sp.start, strlen(text));
	assert_memory_equal(s + sp.start, text, strlen(text));
	assert_int_equal(sp.inner_end - sp.inner, strlen(inner));
	assert_memory_equal(s + sp.inner, inner, strlen(inner));
	assert_int_equal(sp.open, open);
}

static void test_sqlscan__blanks_and_line_comments(void **state)
{
	assert_span(" \t\r\n\f\vx", 0, SQLSCAN_POSTGRES, SQLSCAN_BLANK, " \t\r\n\f\v", " \t\r\n\f\v", 0);
	assert_span("-- note;\nSELECT", 0, SQLSCAN_SQLITE, SQLSCAN_COMMENT, "-- note;", "-- note;", 0);
	assert_span("-- to the end", 0, SQLSCAN_POSTGRES, SQLSCAN_COMMENT, "-- to the end",
		    "-- to the end", 0);
	assert_span("-x", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "-", "-", 0);
	assert_span("", 0, SQLSCAN_POSTGRES, SQLSCAN_END, "", "", 0);
}

static void test_sqlscan__block_comments_nest_in_postgres_only(void **state)
{
	const char *s = "/* a /* b */ c */ SELECT";

	assert_span(s, 0, SQLSCAN_POSTGRES, SQLSCAN_COMMENT, "/* a /* b */ c */",
		    "/* a /* b */ c */", 0);
	assert_span(s, 0, SQLSCAN_EITHER, SQLSCAN_COMMENT, "/* a /* b */ c */",
		    "/* a /* b */ c */", 0);
	assert_span(s, 0, SQLSCAN_SQLITE, SQLSCAN_COMMENT, "/* a /* b */", "/* a /* b */", 0);
	assert_span("/*/ x */", 0, SQLSCAN_SQLITE, SQLSCAN_COMMENT, "/*/ x */", "/*/ x */", 0);
	/* open: to the end of the text */
	assert_span("/* a /* b */ c", 0, SQLSCAN_POSTGRES, SQLSCAN_COMMENT, "/* a /* b */ c",
		    "/* a /* b */ c", 1);
	assert_span("/* a", 0, SQLSCAN_SQLITE, SQLSCAN_COMMENT, "/* a", "/* a", 1);
}

static void test_sqlscan__strings_and_escape_strings(void **state)
{
	assert_span("'it''s' x", 0, SQLSCAN_SQLITE, SQLSCAN_STRING, "'it''s'", "it''s", 0);
	assert_span("'a\\' b'", 0, SQLSCAN_POSTGRES, SQLSCAN_STRING, "'a\\'", "a\\", 0);
	/* E'...': a backslash escapes the quote after it */
	assert_span("E'a\\'b' c", 0, SQLSCAN_POSTGRES, SQLSCAN_STRING, "E'a\\'b'", "a\\'b", 0);
	assert_span("e'\\\\' c", 0, SQLSCAN_POSTGRES, SQLSCAN_STRING, "e'\\\\'", "\\\\", 0);
	assert_span("E'x''y'", 0, SQLSCAN_EITHER, SQLSCAN_STRING, "E'x''y'", "x''y", 0);
	/* SQLite has no escape strings: E is a byte of a name */
	assert_span("E'a'", 0, SQLSCAN_SQLITE, SQLSCAN_OTHER, "E", "E", 0);
	assert_span("E'a\\'", 0, SQLSCAN_POSTGRES, SQLSCAN_STRING, "E'a\\'", "a\\'", 1);
	assert_span("'open", 0, SQLSCAN_POSTGRES, SQLSCAN_STRING, "'open", "open", 1);
	assert_span("\"na\"\"me\".x", 0, SQLSCAN_POSTGRES, SQLSCAN_NAME, "\"na\"\"me\"", "na\"\"me", 0);
	assert_span("\"open", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "\"open", "open", 1);
}

static void test_sqlscan__dollar_quotes(void **state)
{
	assert_span("$$ a ' b $$;", 0, SQLSCAN_POSTGRES, SQLSCAN_DOLLAR, "$$ a ' b $$", " a ' b ", 0);
	assert_span("$body$ $$ x $body$", 0, SQLSCAN_POSTGRES, SQLSCAN_DOLLAR, "$body$ $$ x $body$",
		    " $$ x ", 0);
	assert_span("$a$ $b$ $a$", 0, SQLSCAN_EITHER, SQLSCAN_DOLLAR, "$a$ $b$ $a$", " $b$ ", 0);
	assert_span("$_x9$y$_x9$", 0, SQLSCAN_POSTGRES, SQLSCAN_DOLLAR, "$_x9$y$_x9$", "y", 0);
	/* $1 is a parameter, a lone $ no quote; SQLite has no dollar quotes */
	assert_span("$1$ x $1$", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "$", "$", 0);
	assert_span("$ x", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "$", "$", 0);
	assert_span("$a b$", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "$", "$", 0);
	assert_span("$$ x $$", 0, SQLSCAN_SQLITE, SQLSCAN_OTHER, "$", "$", 0);
	assert_span("$tag$ never closed $tag", 0, SQLSCAN_POSTGRES, SQLSCAN_DOLLAR,
		    "$tag$ never closed $tag", " never closed $tag", 1);
}

static void test_sqlscan__sqlite_brackets_and_backticks(void **state)
{
	assert_span("[a b] x", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "[a b]", "a b", 0);
	assert_span("[a]]b]", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "[a]", "a", 0);
	assert_span("`a``b` x", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "`a``b`", "a``b", 0);
	assert_span("`a``b` x", 0, SQLSCAN_EITHER, SQLSCAN_NAME, "`a``b`", "a``b", 0);
	assert_span("[open", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "[open", "open", 1);
	assert_span("`open", 0, SQLSCAN_SQLITE, SQLSCAN_NAME, "`open", "open", 1);
	/* PostgreSQL: a subscript and an operator byte */
	assert_span("[1]", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "[", "[", 0);
	assert_span("`x`", 0, SQLSCAN_POSTGRES, SQLSCAN_OTHER, "`", "`", 0);
}

static void test_sqlscan__skip_blank(void **state)
{
	const char *s = "  -- a\n /* b /* c */ d */\tSELECT 1";
	size_t n = strlen(s);
	int open = 0;

	assert_int_equal(strata__sqlscan_skip_blank(s, n, 0, SQLSCAN_POSTGRES, &open), strlen(s) - 8);
	assert_int_equal(open, 0);
	/* not nested: the comment ends at the first close, " d" follows */
	assert_int_equal(strata__sqlscan_skip_blank(s, n, 0, SQLSCAN_SQLITE, &open),
			 (size_t)(strstr(s, "d */") - s));
	assert_int_equal(strata__sqlscan_skip_blank(s, n, n, SQLSCAN_SQLITE, &open), n);
	assert_int_equal(strata__sqlscan_skip_blank("x", 1, 0, SQLSCAN_SQLITE, NULL), 0);
	/* an open comment: the end, and open set */
	assert_int_equal(strata__sqlscan_skip_blank(" /* x", 5, 0, SQLSCAN_SQLITE, &open), 5);
	assert_int_equal(open, 1);
	/* the length bounds the scan: a comment closed after n is open */
	open = 0;
	assert_int_equal(strata__sqlscan_skip_blank("/* x */ y", 5, 0, SQLSCAN_POSTGRES, &open), 5);
	assert_int_equal(open, 1);
	assert_int_equal(strata__sqlscan_skip_blank("/* x */ y", 5, 0, SQLSCAN_POSTGRES, NULL), 5);
	assert_int_equal(strata__sqlscan_trim_end("ab \n\t", 0, 5), 2);
	assert_int_equal(strata__sqlscan_trim_end("   ", 1, 3), 1);
}

static void test_sqlscan__statement_end(void **state)
{
	const char *pg = "SELECT ';', \";\", $f$ ; $f$, E'\\';' /* ; /* ; */ ; */ -- ;\n, 1; SELECT 2";
	const char *lite = "SELECT [a;b], `;`, ';' /* ; */ -- ;\n; x";
	size_t n = strlen(pg);

	assert_int_equal(strata__sqlscan_statement_end(pg, n, 0, SQLSCAN_POSTGRES),
			 (size_t)(strstr(pg, "; SELECT 2") - pg));
	assert_int_equal(strata__sqlscan_statement_end(pg, n, strstr(pg, "; SELECT 2") - pg + 1,
					       SQLSCAN_POSTGRES), n);
	assert_int_equal(strata__sqlscan_statement_end(lite, strlen(lite), 0, SQLSCAN_SQLITE),
			 (size_t)(strstr(lite, "\n;") - lite) + 1);
	/* in PostgreSQL [a;b] is no name: its ';' ends the statement */
	assert_int_equal(strata__sqlscan_statement_end(lite, strlen(lite), 0, SQLSCAN_POSTGRES),
			 (size_t)(strchr(lite, ';') - lite));
	/* an open quote hides every ';' after it */
	assert_int_equal(strata__sqlscan_statement_end("SELECT 'a; b; c", 15, 0, SQLSCAN_POSTGRES), 15);
	assert_int_equal(strata__sqlscan_statement_end("", 0, 0, SQLSCAN_SQLITE), 0);
}

/* A NUL byte is an ordinary byte: the length, not a terminator, bounds the text. */
static void test_sqlscan__nul_is_a_byte(void **state)
{
	const char s[] = "'a\0b' ;";
	sqlscan_span sp;

	strata__sqlscan_span_at(&sp, s, sizeof(s) - 1, 0, SQLSCAN_POSTGRES);
	assert_int_equal(sp.kind, SQLSCAN_STRING);
	assert_int_equal(sp.end, 5);
	assert_int_equal(sp.open, 0);
	assert_int_equal(strata__sqlscan_statement_end(s, sizeof(s) - 1, 0, SQLSCAN_SQLITE), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlscan__blanks_and_line_comments),
		cmocka_unit_test(test_sqlscan__block_comments_nest_in_postgres_only),
		cmocka_unit_test(test_sqlscan__strings_and_escape_strings),
		cmocka_unit_test(test_sqlscan__dollar_quotes),
		cmocka_unit_test(test_sqlscan__sqlite_brackets_and_backticks),
		cmocka_unit_test(test_sqlscan__skip_blank),
		cmocka_unit_test(test_sqlscan__statement_end),
		cmocka_unit_test(test_sqlscan__nul_is_a_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
