/*
 * tests/unit/util/test_buf.c - strata_buf (util/buf.c): a failed append is
 * sticky. After one, the buffer holds nothing of what was written (never
 * the front half of a statement), every later append fails and writes
 * nothing, clear and truncate keep it failed, strata__buf_cstr is "", strata__buf_detach
 * is NULL with an error, and strata__buf_release makes it usable again. Failures
 * come from util/alloc.c's hook, at every allocation of a build in turn.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

static const char want[] = "ALTER TABLE \"public\".\"items\" DROP COLUMN \"it\"\"s\" -- 'x'";

/* The statement of want, written in small appends of every kind. */
static int build(strata_buf *b)
{
	int rc = 0;

	rc |= strata__buf_puts(b, "ALTER TABLE ");
	rc |= strata__buf_put_sql_ident(b, "public");
	rc |= strata__buf_putc(b, '.');
	rc |= strata__buf_put_sql_ident(b, "items");
	rc |= strata__buf_printf(b, " %s COLUMN ", "DROP");
	rc |= strata__buf_put_sql_ident(b, "it\"s");
	rc |= strata__buf_putn(b, " -- xyz", 4);
	rc |= strata__buf_put_sql_literal(b, "x");
	return rc ? STRATA_ERROR : 0;
}

static void test_buf__fresh_buffer_is_empty_and_not_failed(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_false(strata__buf_oom(&b));
	assert_int_equal(strata__buf_check(&b), 0);
	assert_string_equal(strata__buf_cstr(&b), "");
	assert_int_equal(build(&b), 0);
	assert_false(strata__buf_oom(&b));
	assert_string_equal(strata__buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	strata__buf_release(&b);
}

static void test_buf__failed_append_is_sticky(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char *p;

	(void)state;
	assert_int_equal(strata__buf_puts(&b, "ALTER TABLE "), 0); /* 8 bytes, then 16 */
	strata_alloc_fail_after(0);
	assert_int_equal(strata__buf_puts(&b, "\"public\".\"items\" DROP"), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	assert_true(strata__buf_oom(&b));
	assert_int_equal(b.len, 0);
	assert_string_equal(strata__buf_cstr(&b), "");
	/* Allocation works again; the buffer still refuses everything. */
	assert_int_equal(strata__buf_putc(&b, 'x'), STRATA_ERROR);
	assert_int_equal(strata__buf_puts(&b, ""), STRATA_ERROR);
	assert_int_equal(strata__buf_putn(&b, "abc", 0), STRATA_ERROR);
	assert_int_equal(strata__buf_printf(&b, "%d", 1), STRATA_ERROR);
	assert_int_equal(strata__buf_put_sql_ident(&b, "t"), STRATA_ERROR);
	assert_int_equal(strata__buf_put_sql_literal(&b, "v"), STRATA_ERROR);
	assert_int_equal(strata__buf_grow(&b, 1), STRATA_ERROR);
	assert_non_null(strstr(strata_error_last()->message, "out of memory"));
	strata__buf_clear(&b);
	strata__buf_truncate(&b, 0);
	assert_true(strata__buf_oom(&b));
	assert_string_equal(strata__buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	strata_error_clear();
	assert_int_equal(strata__buf_check(&b), STRATA_ERROR);
	assert_int_equal(strata_error_last()->code, STRATA_ERROR);
	assert_non_null(strstr(strata_error_last()->message, "out of memory"));
	/* Detaching hands back nothing, and resets the buffer. */
	strata_error_clear();
	p = strata__buf_detach(&b);
	assert_null(p);
	assert_non_null(strstr(strata_error_last()->message, "out of memory"));
	assert_false(strata__buf_oom(&b));
	assert_int_equal(strata__buf_puts(&b, "ok"), 0);
	assert_string_equal(strata__buf_cstr(&b), "ok");
	strata__buf_release(&b);
}

static void test_buf__release_ends_the_failed_state(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	strata_alloc_fail_after(0);
	assert_int_equal(strata__buf_putc(&b, 'a'), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	assert_true(strata__buf_oom(&b));
	strata__buf_release(&b);
	strata__buf_release(&b); /* twice is harmless */
	assert_false(strata__buf_oom(&b));
	assert_null(b.ptr);
	assert_int_equal(build(&b), 0);
	assert_string_equal(strata__buf_cstr(&b), want);
	strata__buf_release(&b);
}

/* A length that cannot be represented fails the buffer too. */
static void test_buf__overflow_fails_the_buffer(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	(void)state;
	assert_int_equal(strata__buf_puts(&b, "abc"), 0);
	assert_int_equal(strata__buf_grow(&b, (size_t)-1), STRATA_ERROR);
	assert_true(strata__buf_oom(&b));
	assert_string_equal(strata__buf_cstr(&b), "");
	assert_int_equal(strata__buf_puts(&b, "d"), STRATA_ERROR);
	strata__buf_release(&b);
}

/*
 * Every allocation of build() failed in turn: whatever comes after the
 * failure, the buffer ends failed and empty, never holding a prefix or
 * a statement with a piece missing; with no failure it holds the whole.
 */
static void test_buf__every_allocation_failure(void **state)
{
	long k;
	int rc = -1, failures = 0;

	(void)state;
	for (k = 0; k < 100 && rc != 0; k++) {
		strata_buf b = STRATA_BUF_INIT;

		strata_alloc_fail_after(k);
		rc = build(&b);
		strata_alloc_fail_after(-1);
		if (rc != 0) {
			failures++;
			assert_true(strata__buf_oom(&b));
			assert_int_equal(b.len, 0);
			assert_string_equal(strata__buf_cstr(&b), "");
			/* later appends, with memory back, change nothing */
			assert_int_equal(build(&b), STRATA_ERROR);
			assert_string_equal(strata__buf_cstr(&b), "");
			assert_null(strata__buf_detach(&b));
		} else {
			assert_false(strata__buf_oom(&b));
			assert_string_equal(strata__buf_cstr(&b), want);
		}
		strata__buf_release(&b);
	}
	assert_int_equal(rc, 0);
	assert_true(failures >= 3); /* 8 -> 16 -> 32 -> 64 bytes */
}

/* A growth that fails after the buffer held text frees that text (no leak
 * under make test-asan) and starts from nothing after release. */
static void test_buf__failure_after_content(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char big[200];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strata__buf_puts(&b, "SELECT 1"), 0);
	strata_alloc_fail_after(0);
	assert_int_equal(strata__buf_puts(&b, big), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	assert_true(strata__buf_oom(&b));
	assert_int_equal(strata__buf_puts(&b, "; DROP"), STRATA_ERROR);
	assert_string_equal(strata__buf_cstr(&b), "");
	strata__buf_release(&b);
	assert_int_equal(strata__buf_puts(&b, big), 0);
	assert_int_equal(b.len, sizeof(big) - 1);
	strata__buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__fresh_buffer_is_empty_and_not_failed),
		cmocka_unit_test(test_buf__failed_append_is_sticky),
		cmocka_unit_test(test_buf__release_ends_the_failed_state),
		cmocka_unit_test(test_buf__overflow_fails_the_buffer),
		cmocka_unit_test(test_buf__every_allocation_failure),
		cmocka_unit_test(test_buf__failure_after_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
