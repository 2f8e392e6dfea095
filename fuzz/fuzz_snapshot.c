/*
 * fuzz/fuzz_snapshot.c - the reader of cached shadow snapshots
 * (schema/snapshot.c) on arbitrary bytes. The first byte picks what is
 * read: odd, a whole file, asked for the key it holds (header, length and
 * checksum: nearly every input stops there); even, the payload alone, which a checksum cannot vouch for. A
 * catalog that decodes encodes and decodes again to the same bytes.
 */
#include "fuzz.h"

#include "schema/snapshot.h"
#include "strata/error.h"

static const unsigned char fixed_key[32] = { 0x5e, 0xed };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *key = fixed_key;
	sc_catalog *cat = NULL, *again = NULL;
	strata_buf a = STRATA_BUF_INIT, b = STRATA_BUF_INIT;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		/* the key the file names, so that the checks past it are reached */
		if (size > 1 + 20 + 32)
			key = data + 1 + 20;
		if (strata__sc_snapshot_decode(&cat, (const char *)data + 1, size - 1, key) != 0)
			FUZZ_CHECK(cat == NULL);
	} else {
		cat = strata__sc_catalog_new(1);
		if (cat && strata__sc_snapshot_decode_payload(cat, data + 1, size - 1) != 0) {
			strata__sc_catalog_free(cat);
			cat = NULL;
		}
	}
	if (cat) {
		FUZZ_CHECK(strata__sc_snapshot_encode(&a, cat, key) == 0);
		FUZZ_CHECK(strata__sc_snapshot_decode(&again, a.ptr, a.len, key) == 0);
		FUZZ_CHECK(again->n == cat->n);
		FUZZ_CHECK(strata__sc_snapshot_encode(&b, again, key) == 0);
		FUZZ_CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
	}
	strata__sc_catalog_free(cat);
	strata__sc_catalog_free(again);
	strata__buf_release(&a);
	strata__buf_release(&b);
	strata_error_clear();
	return 0;
}
