/*
 * fuzz/fuzz_split.c - the script splitters (db/sqlparse.c) on arbitrary SQL,
 * for both engines: statements lie inside the text, in order, without
 * overlapping; COPY data blocks too; an error points inside the text.
 */
#include "fuzz.h"

#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"

static void split_one(db_engine engine, const char *sql, size_t len)
{
	db_stmt *st = NULL;
	size_t n = 0, bad = 0, i, end = 0;

	if (strata__db_split(&st, &n, &bad, engine, sql, len) != 0) {
		FUZZ_CHECK(st == NULL && n == 0);
		FUZZ_CHECK(bad <= len);
		return;
	}
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(st[i].len > 0);
		FUZZ_CHECK(st[i].offset >= end);
		FUZZ_CHECK(st[i].offset + st[i].len <= len);
		end = st[i].offset + st[i].len;
		if (st[i].data_len) {
			FUZZ_CHECK(st[i].data_offset >= end);
			FUZZ_CHECK(st[i].data_offset + st[i].data_len <= len);
			end = st[i].data_offset + st[i].data_len;
		}
	}
	strata_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	split_one(DB_SQLITE, (const char *)data, size);
	split_one(DB_POSTGRES, (const char *)data, size);
	strata_error_clear();
	return 0;
}
