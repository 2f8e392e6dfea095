/*
 * fuzz/fuzz_migfile.c - migration files (core/migfile.c) from arbitrary bytes.
 *
 * The input is parsed as a whole file; when it has no "-- revision:" line
 * it is also parsed as the SQL of both sections of a well-formed file, so
 * plain SQL seeds (the corpus' migrations) reach the section and statement
 * code. A parsed migration must keep the parser's invariants (migfile.c),
 * build a one-node graph, and have its sections split for both engines as
 * the runner does.
 */
#include "fuzz.h"

#include "db/db.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "util/alloc.h"
#include "util/buf.h"

static void check_sections(const strata_migration *m)
{
	static const db_engine engines[] = { DB_SQLITE, DB_POSTGRES };
	size_t e, i;
	int line, col;

	FUZZ_CHECK(m->text[m->text_len] == '\0');
	FUZZ_CHECK(strlen(m->text) == m->text_len);
	FUZZ_CHECK(m->up_offset + m->up_len <= m->text_len);
	FUZZ_CHECK(m->down_offset + m->down_len <= m->text_len);
	FUZZ_CHECK(m->batch_offset + m->batch_len <= m->text_len);
	FUZZ_CHECK(m->batch_len == 0 || m->has_batch_marker);
	FUZZ_CHECK(strata_revision_id_valid(m->revision));
	FUZZ_CHECK(strncmp(m->checksum, STRATA_CHECKSUM_PREFIX, strlen(STRATA_CHECKSUM_PREFIX)) == 0);
	for (i = 0; i < m->nrevises; i++)
		FUZZ_CHECK(strata_revision_id_valid(m->revises[i]) &&
			   strcmp(m->revises[i], m->revision) != 0);
	for (i = 0; i < m->ndepends_on; i++)
		FUZZ_CHECK(strata_revision_id_valid(m->depends_on[i]));
	strata_migration_position(&line, &col, m, 0);
	FUZZ_CHECK(line == 1 && col == 1);
	strata_migration_position(&line, &col, m, m->text_len);
	FUZZ_CHECK(line >= 1 && col >= 1);
	(void)strata_migration_check_complete(m);

	for (e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
		size_t offs[2] = { m->up_offset, m->down_offset }, lens[2] = { m->up_len, m->down_len };
		size_t s;

		for (s = 0; s < 2; s++) {
			db_stmt *st = NULL;
			size_t n = 0, bad = 0;

			if (strata__db_split(&st, &n, &bad, engines[e], m->text + offs[s], lens[s]) == 0) {
				for (i = 0; i < n; i++)
					FUZZ_CHECK(st[i].offset + st[i].len <= lens[s]);
			} else {
				FUZZ_CHECK(bad <= lens[s]);
			}
			strata_free(st);
		}
	}
}

static void parse_and_check(const char *text, size_t len)
{
	strata_migration *m = NULL;
	strata_graph *g = NULL;
	strata_migration **one;

	if (strata_migration_parse(&m, "migrations/a00000000001_fuzz.sql", text, len) != 0) {
		FUZZ_CHECK(m == NULL);
		FUZZ_CHECK(strata_error_last()->code != 0 && strata_error_last()->message[0]);
		return;
	}
	check_sections(m);
	/* A lone revision whose parents are missing is a graph error, not a crash. */
	one = strata_calloc(1, sizeof(*one));
	FUZZ_CHECK(one != NULL);
	one[0] = m;
	if (strata_graph_build(&g, one, 1) == 0)
		FUZZ_CHECK(strata_graph_count(g) == 1);
	strata_graph_free(g);
}

static int has_revision_line(const uint8_t *data, size_t size)
{
	static const char key[] = "-- revision:";
	size_t i, k = sizeof(key) - 1;

	for (i = 0; i + k <= size; i++)
		if (memcmp(data + i, key, k) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "-- revision: a00000000001\n-- revises: base\n"
				   "-- message: fuzz\n\n-- +up\n";
	static const char mid[] = "\n-- +down\n";
	strata_buf wrapped = STRATA_BUF_INIT;

	parse_and_check((const char *)data, size);
	if (!has_revision_line(data, size)) {
		if (strata__buf_puts(&wrapped, head) == 0 && strata__buf_putn(&wrapped, (const char *)data, size) == 0 &&
		    strata__buf_puts(&wrapped, mid) == 0 && strata__buf_putn(&wrapped, (const char *)data, size) == 0)
			parse_and_check(wrapped.ptr, wrapped.len);
		strata__buf_release(&wrapped);
	}
	strata_error_clear();
	return 0;
}
