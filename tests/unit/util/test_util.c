/*
 * tests/unit/util/test_util.c - SHA-256 vectors, durations, UTF-8, password
 * redaction of connection strings, SQL quoting and the hash map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strata/error.h"
#include "util/buf.h"
#include "util/map.h"
#include "util/sha256.h"
#include "util/strutil.h"

static void hex_of(const char *in, size_t n, char out[65])
{
	sha256_ctx c;
	unsigned char d[32];

	strata__sha256_init(&c);
	strata__sha256_update(&c, in, n);
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, out);
}

static void test_util__sha256_vectors(void **state)
{
	char hex[65], big[1001];
	sha256_ctx c;
	unsigned char d[32];
	size_t i;

	hex_of("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a', fed in uneven pieces */
	memset(big, 'a', sizeof(big));
	strata__sha256_init(&c);
	for (i = 0; i < 1000; i++)
		strata__sha256_update(&c, big, i % 2 ? 999 : 1001);
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	(void)state;
}

static void test_util__durations(void **state)
{
	long ms;

	assert_int_equal(strata__parse_duration_ms(&ms, "500ms"), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(strata__parse_duration_ms(&ms, "5s"), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(strata__parse_duration_ms(&ms, "2min"), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(strata__parse_duration_ms(&ms, "1.5s"), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(strata__parse_duration_ms(&ms, "0"), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(strata__parse_duration_ms(&ms, "soon"), STRATA_EINVALID);
	assert_int_equal(strata__parse_duration_ms(&ms, "-1s"), STRATA_EINVALID);
	assert_int_equal(strata__parse_duration_ms(&ms, "5 years"), STRATA_EINVALID);
	assert_int_equal(strata__parse_duration_ms(&ms, "999999999h"), STRATA_EINVALID);
	(void)state;
}

static void test_util__utf8(void **state)
{
	size_t bad = 0;

	assert_true(strata__utf8_valid("plain", 5, &bad));
	assert_true(strata__utf8_valid("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12, &bad));
	assert_false(strata__utf8_valid("ab\xff", 3, &bad));
	assert_int_equal(bad, 2);
	assert_false(strata__utf8_valid("\xc0\xaf", 2, &bad));         /* overlong */
	assert_false(strata__utf8_valid("\xed\xa0\x80", 3, &bad));     /* surrogate */
	assert_false(strata__utf8_valid("\xe2\x82", 2, &bad));         /* truncated */
	(void)state;
}

static void expect_redacted(const char *in, const char *want)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__redact_conninfo(&b, in), 0);
	assert_string_equal(strata__buf_cstr(&b), want);
	strata__buf_release(&b);
}

static void test_util__redact_conninfo(void **state)
{
	expect_redacted("postgres://app:s3cret@db:5432/app", "postgres://app:****@db:5432/app");
	expect_redacted("postgresql://app@db/app", "postgresql://app@db/app");
	expect_redacted("postgres://app:p%40ss@db/app?sslmode=require&password=other",
			"postgres://app:****@db/app?sslmode=require&password=****");
	expect_redacted("host=db password=s3cret dbname=app", "host=db password=**** dbname=app");
	expect_redacted("host=db password = 'a b\\' c' dbname=app", "host=db password =**** dbname=app");
	expect_redacted("sqlite:app.db", "sqlite:app.db");
	(void)state;
}

static void test_util__redact_secret_in_text(void **state)
{
	char text[] = "FATAL: password authentication failed: hunter2 hunter2";

	strata__redact_secret(text, "hunter2");
	assert_null(strstr(text, "hunter2"));
	(void)state;
}

static void test_util__sql_quoting(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__buf_put_sql_literal(&b, "it's; DROP TABLE x; --"), 0);
	assert_string_equal(strata__buf_cstr(&b), "'it''s; DROP TABLE x; --'");
	strata__buf_clear(&b);
	assert_int_equal(strata__buf_put_sql_ident(&b, "we\"ird name"), 0);
	assert_string_equal(strata__buf_cstr(&b), "\"we\"\"ird name\"");
	strata__buf_release(&b);
	(void)state;
}

static void test_util__map(void **state)
{
	strata_map m = STRATA_MAP_INIT;
	char keys[500][8];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		assert_int_equal(strata__map_put(&m, keys[i], &keys[i]), 0);
	}
	assert_int_equal(m.count, 500);
	for (i = 0; i < 500; i++)
		assert_ptr_equal(strata__map_get(&m, keys[i]), &keys[i]);
	assert_null(strata__map_get(&m, "missing"));
	assert_int_equal(strata__map_put(&m, keys[7], NULL), 0);
	assert_int_equal(m.count, 500);
	assert_true(strata__map_has(&m, keys[7]));
	strata__map_release(&m);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__sha256_vectors),
		cmocka_unit_test(test_util__durations),
		cmocka_unit_test(test_util__utf8),
		cmocka_unit_test(test_util__redact_conninfo),
		cmocka_unit_test(test_util__redact_secret_in_text),
		cmocka_unit_test(test_util__sql_quoting),
		cmocka_unit_test(test_util__map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
