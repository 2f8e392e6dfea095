/*
 * tests/unit/schema/test_sqlite_corpus.c - SQLite introspection, dump and
 * diff on real schemas from ../shared/corpus (read in place, never copied):
 *
 *  - chinook: each SQLite script (with its rows) and schema-only file is
 *    loaded, dumped, the dump loaded into an empty database, and the two
 *    must not differ; the integer-key database is then changed into the
 *    AUTOINCREMENT variant by the diff, keeping every row.
 *  - kratos: the SQLite migration chain (resolved-order.json) is applied
 *    step by step; a second database follows it only through diffs (one
 *    after every step) and must converge (nothing left to diff) each time;
 *    the final state round-trips through its dump.
 *
 * When the corpus is absent each case says so in one line and passes.
 */
#include "sqlite_fixture.h"

#include <jansson.h>
#include <sys/stat.h>

#include "util/fs.h"

#define CORPUS "../shared/corpus"
/* Kratos steps between two diffs of the follower database (1: every step). */
#define KRATOS_STRIDE 1

static char *read_corpus(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strata__buf_putn(&b, chunk, n);
	fclose(f);
	strata__buf_puts(&b, "");
	return strata__buf_detach(&b);
}

/* The corpus folder a test reads: without the corpus (a clone without
 * ../shared) the test is skipped; a folder missing from a corpus that is
 * there is a failure. */
static void need_corpus(const char *dir)
{
	struct stat st;

	if (stat(CORPUS, &st) != 0)
		skip();
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("the corpus has no %s", dir);
}

static strata_db *load_file(const char *path)
{
	strata_db *db = mem_db();
	char *sql = read_corpus(path);

	if (!sql)
		fail_msg("cannot read %s", path);
	if (run_script_rc(db, sql) != 0)
		fail_msg("%s: %s", path, strata_error_last()->message);
	strata_free(sql);
	return db;
}

static void test_sqlite_corpus__chinook_round_trip(void **state)
{
	static const char *const files[] = {
		"Chinook_Sqlite.sql",
		"Chinook_Sqlite_AutoIncrementPKs.sql",
		"schema-only/Chinook_Sqlite.schema.sql",
		"schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql",
	};
	char path[512];

	need_corpus(CORPUS "/chinook");
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		strata_db *db;
		sc_catalog *cat;

		snprintf(path, sizeof(path), CORPUS "/chinook/%s", files[i]);
		db = load_file(path);
		cat = introspect(db);
		assert_non_null(strata__sc_catalog_find(cat, "table/Album"));
		assert_non_null(strata__sc_catalog_find(cat, "constraint/Album.Album_ArtistId_fkey"));
		assert_dump_round_trip(db);
		strata__sc_catalog_free(cat);
		strata__db_close(db);
	}
}

/* Integer keys to AUTOINCREMENT keys: every table rebuilt, every row kept. */
static void test_sqlite_corpus__chinook_rebuild_keeps_rows(void **state)
{
	static const char *const tables[] = { "Album", "Artist", "Customer", "Employee",
					      "Genre", "Invoice", "InvoiceLine", "MediaType",
					      "Playlist", "PlaylistTrack", "Track" };
	static const char count_sql[] =
		"SELECT (SELECT count(*) FROM Album) || ',' || (SELECT count(*) FROM Track) || ',' ||"
		" (SELECT count(*) FROM InvoiceLine) || ',' || (SELECT count(*) FROM PlaylistTrack) ||"
		" ',' || (SELECT sum(Total) FROM Invoice) || ',' ||"
		" (SELECT sum(length(Name)) FROM Track)";
	strata_db *db, *target;
	sc_catalog *from, *to, *again;
	char *before, *sql, *rest;

	need_corpus(CORPUS "/chinook");
	db = load_file(CORPUS "/chinook/Chinook_Sqlite.sql");
	target = load_file(CORPUS "/chinook/schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql");
	before = query_text(db, count_sql);
	from = introspect(db);
	to = introspect(target);
	sql = diff_sql(from, to);
	assert_non_null(strstr(sql, "_strata_new_Album"));
	if (run_script_rc(db, sql) != 0)
		fail_msg("applying: %s", strata_error_last()->message);
	assert_query(db, count_sql, before);
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		char q[256];

		/* every table is there, under its own name */
		snprintf(q, sizeof(q), "SELECT count(*) > 0 FROM \"%s\"", tables[i]);
		assert_query(db, q, "1");
	}
	assert_query(db, "SELECT count(*) FROM pragma_foreign_key_check", "0");
	again = introspect(db);
	rest = diff_sql(again, to);
	assert_string_equal(rest, "");
	strata_free(rest);
	strata_free(sql);
	strata_free(before);
	strata__sc_catalog_free(from);
	strata__sc_catalog_free(to);
	strata__sc_catalog_free(again);
	strata__db_close(db);
	strata__db_close(target);
}

/* Bring the follower to the chain's schema by a diff; nothing may be left. */
static void follow(strata_db *follower, strata_db *chain, const char *where)
{
	sc_catalog *a = introspect(follower), *b = introspect(chain), *again;
	char *sql = diff_sql(a, b), *rest;

	if (run_script_rc(follower, sql) != 0)
		fail_msg("%s: applying the diff failed: %s\n--- diff ---\n%s", where,
			 strata_error_last()->message, sql);
	again = introspect(follower);
	rest = diff_sql(again, b);
	if (*rest)
		fail_msg("%s: diff after applying is not empty:\n%s\n--- applied ---\n%s", where, rest,
			 sql);
	strata_free(rest);
	assert_same_catalog(again, b);
	strata_free(sql);
	strata__sc_catalog_free(a);
	strata__sc_catalog_free(b);
	strata__sc_catalog_free(again);
}

static void test_sqlite_corpus__kratos_chain_converges(void **state)
{
	json_t *order, *steps;
	json_error_t jerr;
	strata_db *chain, *follower;
	size_t nsteps, i, diffs = 0;
	char path[1024];

	need_corpus(CORPUS "/kratos");
	if (!(order = json_load_file(CORPUS "/kratos/resolved-order.json", 0, &jerr)))
		fail_msg("resolved-order.json: %s", jerr.text);
	steps = json_object_get(json_object_get(order, "sqlite3"), "up");
	assert_true(json_is_array(steps));
	nsteps = json_array_size(steps);
	assert_true(nsteps > 100);
	chain = mem_db();
	follower = mem_db();
	for (i = 0; i < nsteps; i++) {
		const char *file = json_string_value(json_object_get(json_array_get(steps, i), "file"));
		char *sql;

		snprintf(path, sizeof(path), CORPUS "/kratos/sql/%s", file ? file : "");
		if (!(sql = read_corpus(path)))
			fail_msg("cannot read %s", path);
		if (run_script_rc(chain, sql) != 0)
			fail_msg("%s: %s", path, strata_error_last()->message);
		strata_free(sql);
		if ((i + 1) % KRATOS_STRIDE == 0 || i + 1 == nsteps) {
			follow(follower, chain, file);
			diffs++;
		}
	}
	print_message("  kratos: %zu steps, %zu diffs applied\n", nsteps, diffs);
	assert_dump_round_trip(chain);
	json_decref(order);
	strata__db_close(chain);
	strata__db_close(follower);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_corpus__chinook_round_trip),
		cmocka_unit_test(test_sqlite_corpus__chinook_rebuild_keeps_rows),
		cmocka_unit_test(test_sqlite_corpus__kratos_chain_converges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
