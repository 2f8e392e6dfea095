/*
 * tests/unit/util/test_strutil.c - UTF-8 validation (util/strutil.c): the
 * first bad byte is found wherever it falls relative to the eight-byte
 * steps that skip ASCII, and multi-byte characters after long ASCII runs
 * are still checked in full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/strutil.h"

static void test_strutil__utf8_bad_byte_anywhere(void **state)
{
	char text[40];
	size_t n, at, bad;

	for (n = 1; n <= sizeof(text); n++) {
		for (at = 0; at < n; at++) {
			memset(text, 'a', n);
			text[at] = (char)0xff;
			bad = 999;
			assert_false(strata__utf8_valid(text, n, &bad));
			assert_int_equal(bad, at);
		}
		memset(text, 'a', n);
		assert_true(strata__utf8_valid(text, n, NULL));
	}
	(void)state;
}

static void test_strutil__utf8_after_ascii(void **state)
{
	/* "...é" whole, then cut after its first byte, then a surrogate. */
	static const char ok[] = "0123456789abcdefghij\xc3\xa9xyz";
	static const char cut[] = "0123456789abcdefghij\xc3";
	static const char surrogate[] = "0123456789abcdefghij\xed\xa0\x80";
	size_t bad = 0;

	assert_true(strata__utf8_valid(ok, strlen(ok), &bad));
	assert_false(strata__utf8_valid(cut, strlen(cut), &bad));
	assert_int_equal(bad, 20);
	assert_false(strata__utf8_valid(surrogate, strlen(surrogate), &bad));
	assert_int_equal(bad, 20);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strutil__utf8_bad_byte_anywhere),
		cmocka_unit_test(test_strutil__utf8_after_ascii),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
