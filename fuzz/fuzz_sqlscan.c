/*
 * fuzz/fuzz_sqlscan.c - the shared SQL text scanner (db/sqlscan.c) on
 * arbitrary bytes, in each dialect: spans tile the text from its start
 * without a gap or an overlap, each one moves forward and stays inside
 * it, an open span ends at the end, blank skipping stops at neither a
 * blank nor a comment, and every statement end is a ';' that the span walk
 * also finds outside quotes and comments.
 */
#include "fuzz.h"

#include "db/sqlscan.h"

#include <ctype.h>

static void scan_one(const char *s, size_t n, sqlscan_dialect d)
{
	sqlscan_span sp;
	size_t at = 0, semi = strata__sqlscan_statement_end(s, n, 0, d);
	int open;

	FUZZ_CHECK(semi <= n);
	for (;;) {
		strata__sqlscan_span_at(&sp, s, n, at, d);
		if (sp.kind == SQLSCAN_END) {
			FUZZ_CHECK(at == n && semi == n);
			break;
		}
		FUZZ_CHECK(sp.start == at);
		FUZZ_CHECK(sp.end > sp.start && sp.end <= n);
		FUZZ_CHECK(sp.inner >= sp.start && sp.inner <= sp.inner_end && sp.inner_end <= sp.end);
		FUZZ_CHECK(!sp.open || sp.end == n);
		if (sp.kind == SQLSCAN_OTHER)
			FUZZ_CHECK(sp.end == at + 1);
		if (sp.kind == SQLSCAN_BLANK)
			FUZZ_CHECK(isspace((unsigned char)s[at]));
		if (sp.kind == SQLSCAN_OTHER && s[at] == ';') {
			/* the statement ends the walk finds, in order */
			FUZZ_CHECK(semi == at);
			semi = strata__sqlscan_statement_end(s, n, at + 1, d);
			FUZZ_CHECK(semi > at && semi <= n);
		} else {
			FUZZ_CHECK(semi >= sp.end || semi == n);
		}
		at = sp.end;
	}
	for (at = 0; at < n; at += 1 + n / 8) {
		size_t past;

		open = 0;
		past = strata__sqlscan_skip_blank(s, n, at, d, &open);
		FUZZ_CHECK(past >= at && past <= n);
		FUZZ_CHECK(!open || past == n);
		strata__sqlscan_span_at(&sp, s, n, past, d);
		FUZZ_CHECK(sp.kind != SQLSCAN_BLANK && sp.kind != SQLSCAN_COMMENT);
		FUZZ_CHECK(strata__sqlscan_trim_end(s, at, n) >= at);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scan_one((const char *)data, size, SQLSCAN_POSTGRES);
	scan_one((const char *)data, size, SQLSCAN_SQLITE);
	scan_one((const char *)data, size, SQLSCAN_EITHER);
	return 0;
}
