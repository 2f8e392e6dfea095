/*
 * fuzz/fuzz_batch.c - the statement of a "-- +batch" section (core/batch.c)
 * from arbitrary bytes: the placeholder scanner, the shape check and the
 * rewriting of :last and :next, which run on text the user writes.
 *
 * Invariants checked: the scanner's offsets point at what it says
 * (":last", ":next", "<value>") inside the input; a statement the shape
 * check accepts names a table and a key and has both placeholders where
 * the scanner sees them; the width-keeping rewrite keeps the length, and
 * leaves no :last or :next behind.
 */
#include "fuzz.h"

#include <strings.h>

#include "core/batch.h"
#include "strata/error.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sql = (const char *)data;
	batch_scan sc, again;
	batch_stmt st;
	strata_buf out = STRATA_BUF_INIT;
	size_t at = 0;

	strata__batch_scan_text(&sc, sql, size);
	if (sc.nlast)
		FUZZ_CHECK(sc.last_at + 5 <= size && strncasecmp(sql + sc.last_at, ":last", 5) == 0);
	if (sc.nnext)
		FUZZ_CHECK(sc.next_at + 5 <= size && strncasecmp(sql + sc.next_at, ":next", 5) == 0);
	if (sc.has_value)
		FUZZ_CHECK(sc.value_at + 7 <= size && memcmp(sql + sc.value_at, "<value>", 7) == 0);

	if (strata__batch_stmt_parse(&st, &at, sql, size) == 0) {
		FUZZ_CHECK(st.table && st.table_name && st.key);
		FUZZ_CHECK(sc.nlast == 1 && sc.nnext == 1);
		FUZZ_CHECK(st.last_at == sc.last_at && st.next_at == sc.next_at);
		strata__batch_stmt_release(&st);
	} else {
		FUZZ_CHECK(at <= size);
		FUZZ_CHECK(st.table == NULL && st.key == NULL);
	}
	strata_error_clear();

	if (strata__batch_rewrite(&out, sql, size, "   $1", "   $2") == 0) {
		FUZZ_CHECK(out.len == size);
		strata__batch_scan_text(&again, strata__buf_cstr(&out), out.len);
		FUZZ_CHECK(again.nlast == 0 && again.nnext == 0);
	}
	strata__buf_release(&out);
	return 0;
}
