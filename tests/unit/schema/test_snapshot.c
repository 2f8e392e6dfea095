/*
 * tests/unit/schema/test_snapshot.c - the serialized catalog and the
 * snapshot cache (schema/snapshot.h): round trips of a catalog with every
 * field set and of a real SQLite introspection, every truncation and
 * every flipped byte refused, another key or format refused, and the
 * cache's hits and misses in a temporary project folder.
 */
#include "sqlite_fixture.h"
#include "schema/catalog.h"
#include "schema/snapshot.h"
#include "util/fs.h"

#include <unistd.h>

static void set(sc_catalog *c, char **slot, const char *s)
{
	*slot = strata__sc_strdup(c, s);
	assert_non_null(*slot);
}

static void add(sc_catalog *c, char ***v, size_t *n, const char *s)
{
	assert_int_equal(strata__sc_strv_add(c, v, n, s), 0);
}

/* A catalog whose objects fill every field of sc_object and sc_column. */
static sc_catalog *full_catalog(void)
{
	sc_catalog *c = strata__sc_catalog_new(DB_POSTGRES);
	sc_object *t, *i;
	sc_column *col;

	assert_non_null(c);
	c->server_version = 150004;
	t = strata__sc_catalog_add(c, SC_TABLE);
	set(c, &t->schema, "app");
	set(c, &t->name, "users");
	set(c, &t->def, "def");
	set(c, &t->comment, "people");
	add(c, &t->grants, &t->ngrants, "SELECT TO reader");
	t->relkind = 'p';
	set(c, &t->partition_of, "app.parent");
	set(c, &t->partition_bound, "FOR VALUES IN (1)");
	set(c, &t->partition_key, "LIST (id)");
	set(c, &t->inherits, "app.base");
	set(c, &t->options, "fillfactor=70");
	t->rls_enabled = 1;
	t->rls_forced = 1;
	add(c, &t->labels, &t->nlabels, "l1");
	t->contype = 'f';
	set(c, &t->ref_table, "table/app.orgs");
	add(c, &t->con_columns, &t->ncon_columns, "org_id");
	add(c, &t->ref_columns, &t->nref_columns, "id");
	t->not_valid = 1;
	set(c, &t->owned_by, "app.users.id");
	set(c, &t->result_type, "integer");
	t->constraint_index = 1;
	t->unique = 1;
	add(c, &t->deps, &t->ndeps, "schema/app");
	add(c, &t->col_deps, &t->ncol_deps, "table/app.orgs\x1fid");
	set(c, &t->func_name, "f");
	set(c, &t->func_args, "integer");
	set(c, &t->domain_default, "0");
	t->domain_not_null = 1;
	col = strata__sc_object_add_column(c, t);
	assert_non_null(col);
	set(c, &col->name, "id");
	set(c, &col->type, "bigint");
	set(c, &col->collation, "\"C\"");
	set(c, &col->default_expr, "nextval('s')");
	set(c, &col->generated, "id * 2");
	col->virtual_generated = 1;
	col->identity = 'd';
	col->not_null = 1;
	col->position = 1;
	col->pk = 1;
	col->hidden = 2;
	col->inherited = 1;
	set(c, &col->comment, "the key");
	col = strata__sc_object_add_column(c, t);
	assert_non_null(col);
	set(c, &col->name, "");
	set(c, &col->type, "text");
	i = strata__sc_catalog_add(c, SC_INDEX);
	set(c, &i->schema, "app");
	set(c, &i->table, "users");
	set(c, &i->name, "users_name_idx");
	set(c, &i->def, "CREATE INDEX users_name_idx ON app.users USING btree (name)");
	assert_int_equal(strata__sc_catalog_finish(c), 0);
	return c;
}

static const unsigned char key_a[32] = { 1, 2, 3 };
static const unsigned char key_b[32] = { 1, 2, 4 };

static void encode(strata_buf *out, const sc_catalog *c, const unsigned char *key)
{
	assert_int_equal(strata__sc_snapshot_encode(out, c, key), 0);
}

/* Decoding and encoding again gives the same bytes: nothing is lost. */
static void test_snapshot__round_trip_every_field(void **state)
{
	strata_buf a = STRATA_BUF_INIT, b = STRATA_BUF_INIT;
	sc_catalog *c = full_catalog(), *d = NULL;

	(void)state;
	encode(&a, c, key_a);
	assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_a), 0);
	assert_int_equal(d->engine, DB_POSTGRES);
	assert_int_equal(d->server_version, 150004);
	assert_int_equal(d->n, 2);
	assert_string_equal(d->objs[0]->cols[0].default_expr, "nextval('s')");
	assert_int_equal(d->objs[0]->cols[0].identity, 'd');
	assert_string_equal(d->objs[0]->cols[1].name, "");
	assert_null(d->objs[1]->comment);
	assert_non_null(strata__sc_catalog_find(d, "index/app.users.users_name_idx"));
	encode(&b, d, key_a);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	strata__sc_catalog_free(c);
	strata__sc_catalog_free(d);
	strata__buf_release(&a);
	strata__buf_release(&b);
}

/* A real catalog: what SQLite introspection gives diffs as equal after a
 * round trip. */
static void test_snapshot__round_trip_introspected(void **state)
{
	strata_db *db = mem_db();
	sc_catalog *c = NULL, *d = NULL;
	sc_changes ch = { 0 };
	strata_buf a = STRATA_BUF_INIT;

	(void)state;
	run_script(db, "CREATE TABLE o (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
		       "CREATE TABLE u (id INTEGER PRIMARY KEY, o INT REFERENCES o(id), n TEXT DEFAULT 'x');"
		       "CREATE INDEX u_n ON u (n) WHERE n > 'a';"
		       "CREATE VIEW uv AS SELECT * FROM u;"
		       "CREATE TRIGGER ut AFTER INSERT ON u BEGIN SELECT 1; END;");
	assert_int_equal(strata__sc_introspect(db, NULL, &c), 0);
	encode(&a, c, key_a);
	assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_a), 0);
	assert_int_equal(d->n, c->n);
	assert_int_equal(strata__sc_diff(c, d, NULL, &ch), 0);
	assert_int_equal(ch.n, 0);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(c);
	strata__sc_catalog_free(d);
	strata__db_close(db);
	strata__buf_release(&a);
}

/* Invariant 1: a file cut anywhere, or with any one byte changed, is not
 * a snapshot; nor one written for another key or format. */
static void test_snapshot__damage_is_refused(void **state)
{
	strata_buf a = STRATA_BUF_INIT;
	sc_catalog *c = full_catalog(), *d = NULL;

	(void)state;
	encode(&a, c, key_a);
	for (size_t len = 0; len < a.len; len++) {
		assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, len, key_a), STRATA_EPARSE);
		assert_null(d);
	}
	for (size_t i = 0; i < a.len; i++) {
		a.ptr[i] ^= 0x20;
		assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_a), STRATA_EPARSE);
		a.ptr[i] ^= 0x20;
	}
	assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_b), STRATA_EPARSE);
	a.ptr[16] = (char)(SC_SNAPSHOT_FORMAT + 1);
	assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_a), STRATA_EPARSE);
	assert_string_equal(strata_error_last()->message, "a schema snapshot of format 2, not 1");
	strata__sc_catalog_free(c);
	strata__buf_release(&a);
}

/* Payloads that decode to nonsense are refused, not half-read. */
static void test_snapshot__bad_payloads(void **state)
{
	/* one object of kind 99; one object of kind "column"; a count far
	 * beyond the bytes there are; a string with a NUL inside */
	static const unsigned char bad_kind[] = { 1, 0, 0, 0, 99, 0, 0, 0 };
	static const unsigned char column_kind[] = { 1, 0, 0, 0, SC_COLUMN, 0, 0, 0 };
	static const unsigned char huge[] = { 0xff, 0xff, 0xff, 0x7f };
	static const unsigned char nul[] = { 1, 0, 0, 0, SC_TABLE, 0, 0, 0, 2, 0, 0, 0, 'a', 0 };
	sc_catalog *c;

	(void)state;
	c = strata__sc_catalog_new(DB_SQLITE);
	assert_int_equal(strata__sc_snapshot_decode_payload(c, bad_kind, sizeof(bad_kind)), STRATA_EPARSE);
	strata__sc_catalog_free(c);
	c = strata__sc_catalog_new(DB_SQLITE);
	assert_int_equal(strata__sc_snapshot_decode_payload(c, column_kind, sizeof(column_kind)),
			 STRATA_EPARSE);
	strata__sc_catalog_free(c);
	c = strata__sc_catalog_new(DB_SQLITE);
	assert_int_equal(strata__sc_snapshot_decode_payload(c, huge, sizeof(huge)), STRATA_EPARSE);
	strata__sc_catalog_free(c);
	c = strata__sc_catalog_new(DB_SQLITE);
	assert_int_equal(strata__sc_snapshot_decode_payload(c, nul, sizeof(nul)), STRATA_EPARSE);
	strata__sc_catalog_free(c);
}

/* Two objects with one key are refused. */
static void test_snapshot__duplicate_keys(void **state)
{
	strata_buf a = STRATA_BUF_INIT;
	sc_catalog *c = full_catalog(), *d = NULL;
	sc_object *o;

	(void)state;
	o = strata__sc_catalog_add(c, SC_INDEX);
	set(c, &o->schema, "app");
	set(c, &o->table, "users");
	set(c, &o->name, "users_name_idx");
	set(c, &o->key, "index/app.users.users_name_idx");
	encode(&a, c, key_a);
	assert_int_equal(strata__sc_snapshot_decode(&d, a.ptr, a.len, key_a), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_last()->message, "twice"));
	strata__sc_catalog_free(c);
	strata__buf_release(&a);
}

/* What the key is made of: each input changes it. */
static void test_snapshot__key_inputs(void **state)
{
	unsigned char k[6][32];
	sha256_ctx c;

	(void)state;
	strata__sc_snapshot_key_init(&c, "schema", DB_POSTGRES, 150004, "app", "strata_version");
	strata__sha256_final(&c, k[0]);
	strata__sc_snapshot_key_init(&c, "schema", DB_POSTGRES, 160001, "app", "strata_version");
	strata__sha256_final(&c, k[1]);
	strata__sc_snapshot_key_init(&c, "schema", DB_POSTGRES, 150004, "other", "strata_version");
	strata__sha256_final(&c, k[2]);
	strata__sc_snapshot_key_init(&c, "schema", DB_POSTGRES, 150004, "app", "ops.strata_version");
	strata__sha256_final(&c, k[3]);
	strata__sc_snapshot_key_init(&c, "migrations", DB_POSTGRES, 150004, "app", "strata_version");
	strata__sha256_final(&c, k[4]);
	strata__sc_snapshot_key_init(&c, "schema", DB_SQLITE, 150004, "app", "strata_version");
	strata__sha256_final(&c, k[5]);
	for (int i = 0; i < 6; i++)
		for (int j = i + 1; j < 6; j++)
			assert_memory_not_equal(k[i], k[j], 32);
}

/* Remove a temporary project folder and its cache. */
static void remove_project(const char *root)
{
	strata_buf dir = STRATA_BUF_INIT, f = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0;

	strata__buf_printf(&dir, "%s/" SC_CACHE_DIR, root);
	if (strata__fs_list_dir(&names, &n, strata__buf_cstr(&dir)) == 0)
		for (size_t i = 0; i < n; i++) {
			strata__buf_clear(&f);
			strata__buf_printf(&f, "%s/%s", strata__buf_cstr(&dir), names[i]);
			unlink(strata__buf_cstr(&f));
		}
	strata__fs_free_names(names, n);
	rmdir(strata__buf_cstr(&dir));
	strata__buf_clear(&dir);
	strata__buf_printf(&dir, "%s/.strata", root);
	rmdir(strata__buf_cstr(&dir));
	rmdir(root);
	strata__buf_release(&dir);
	strata__buf_release(&f);
}

/* The cache: a miss, a put, a hit; a damaged file is a miss; another key
 * is a miss. */
static void test_snapshot__cache(void **state)
{
	char root[] = "/tmp/strata-snapshot-test-XXXXXX", hex[65];
	strata_buf path = STRATA_BUF_INIT;
	sc_catalog *c = full_catalog(), *d = NULL;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(strata__sc_cache_get(&d, root, key_a), 1);
	strata__sc_cache_put(root, key_a, c);
	assert_int_equal(strata__sc_cache_get(&d, root, key_a), 0);
	assert_int_equal(d->n, 2);
	strata__sc_catalog_free(d);
	assert_int_equal(strata__sc_cache_get(&d, root, key_b), 1);
	assert_null(d);
	strata__sha256_hex(key_a, hex);
	assert_int_equal(strata__buf_printf(&path, "%s/" SC_CACHE_DIR "/%s.snapshot", root, hex), 0);
	assert_int_equal(strata__fs_write_file(strata__buf_cstr(&path), "strata-snapshot\nhalf", 20), 0);
	strata_error_clear();
	assert_int_equal(strata__sc_cache_get(&d, root, key_a), 1);
	assert_null(d);
	assert_int_equal(strata_error_last()->code, 0);
	remove_project(root);
	strata__buf_release(&path);
	strata__sc_catalog_free(c);
}

/* The cache keeps the newest snapshots only: many writes leave 32. */
static void test_snapshot__cache_is_pruned(void **state)
{
	char root[] = "/tmp/strata-snapshot-prune-XXXXXX";
	strata_buf dir = STRATA_BUF_INIT;
	unsigned char key[32] = { 0 };
	sc_catalog *c = full_catalog(), *d = NULL;
	char **names = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (int i = 0; i < 40; i++) {
		key[0] = (unsigned char)i;
		strata__sc_cache_put(root, key, c);
	}
	assert_int_equal(strata__buf_printf(&dir, "%s/" SC_CACHE_DIR, root), 0);
	assert_int_equal(strata__fs_list_dir(&names, &n, strata__buf_cstr(&dir)), 0);
	assert_int_equal(n, 32);
	/* the newest is there, the oldest gone */
	assert_int_equal(strata__sc_cache_get(&d, root, key), 0);
	strata__sc_catalog_free(d);
	key[0] = 0;
	assert_int_equal(strata__sc_cache_get(&d, root, key), 1);
	strata__fs_free_names(names, n);
	remove_project(root);
	strata__buf_release(&dir);
	strata__sc_catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot__round_trip_every_field),
		cmocka_unit_test(test_snapshot__round_trip_introspected),
		cmocka_unit_test(test_snapshot__damage_is_refused),
		cmocka_unit_test(test_snapshot__bad_payloads),
		cmocka_unit_test(test_snapshot__duplicate_keys),
		cmocka_unit_test(test_snapshot__key_inputs),
		cmocka_unit_test(test_snapshot__cache),
		cmocka_unit_test(test_snapshot__cache_is_pruned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
