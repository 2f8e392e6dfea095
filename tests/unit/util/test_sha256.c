/*
 * tests/unit/util/test_sha256.c - SHA-256 (util/sha256.c): the FIPS 180-4
 * and NIST example digests with both block functions, and the portable
 * and SHA-NI code agreeing on every length around the block boundaries,
 * fed whole or in uneven pieces. On a CPU without the SHA instructions
 * both runs use the portable code, and the comparison is trivially true.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"

static void hex_of(char out[65], const void *data, size_t n, size_t piece)
{
	const unsigned char *p = data;
	unsigned char d[32];
	sha256_ctx c;
	size_t off = 0;

	strata__sha256_init(&c);
	while (off < n) {
		size_t k = piece && piece < n - off ? piece : n - off;

		strata__sha256_update(&c, p + off, k);
		off += k;
	}
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, out);
}

static void check_vectors(void)
{
	static const struct {
		const char *text;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		  "klmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char got[65], *million = malloc(1000000);
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_of(got, v[i].text, strlen(v[i].text), 0);
		assert_string_equal(got, v[i].hex);
		hex_of(got, v[i].text, strlen(v[i].text), 1);
		assert_string_equal(got, v[i].hex);
	}
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(got, million, 1000000, 0);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hex_of(got, million, 1000000, 1000);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void test_sha256__vectors_portable(void **state)
{
	strata__sha256_use_portable(1);
	check_vectors();
	strata__sha256_use_portable(0);
	(void)state;
}

static void test_sha256__vectors_fastest(void **state)
{
	if (!strata__sha256_use_portable(0))
		print_message("no SHA instructions on this CPU: only the portable code is tested\n");
	check_vectors();
	(void)state;
}

static void test_sha256__implementations_agree(void **state)
{
	static const size_t pieces[] = { 0, 1, 7, 63, 64, 65 };
	unsigned char data[300];
	char slow[65], fast[65];
	size_t n, i, k;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (n = 0; n <= sizeof(data); n++) {
		for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			strata__sha256_use_portable(1);
			hex_of(slow, data, n, pieces[k]);
			strata__sha256_use_portable(0);
			hex_of(fast, data, n, pieces[k]);
			if (strcmp(slow, fast) != 0)
				fail_msg("length %zu, pieces of %zu: portable %s, fastest %s", n,
					 pieces[k], slow, fast);
		}
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256__vectors_portable),
		cmocka_unit_test(test_sha256__vectors_fastest),
		cmocka_unit_test(test_sha256__implementations_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
