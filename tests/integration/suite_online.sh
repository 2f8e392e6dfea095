#!/usr/bin/env bash
# Integration suite for strata online (expand/contract) on the throwaway
# PostgreSQL that tests/run-all.sh starts: each operation's start/complete
# and start/rollback, reads and writes through the old and the new version
# while a migration is in progress, kill -9 during the backfill and a
# re-run, names that need quoting, bad files, lock timeouts, and the pgroll
# corpus files run in order.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

# onl ARGS...: strata online on the test's database.
onl() { "$STRATA" -d "$DB" online "$@"; }

# A fingerprint of public: columns (type, null), indexes, constraints, triggers, schemas.
shape() {
  q "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1"
  q "SELECT indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
  q "SELECT conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
  q "SELECT tgrelid::regclass || ':' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
  q "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'public_%' ORDER BY 1"
}

# migration NAME JSON: write NAME.json with the operations given.
migration() { printf '{"operations": [%s]}\n' "$2" >"$T/$1.json"; }

# The fixture most operation tests start from.
fixture() {
  new_db
  q "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price text NOT NULL DEFAULT '0', note text, owner_id integer, CONSTRAINT note_len CHECK (length(note) < 100));
     CREATE INDEX items_name_idx ON items (name);
     CREATE TABLE owners (id integer PRIMARY KEY, label text);
     INSERT INTO owners VALUES (1, 'a'), (2, 'b');
     INSERT INTO items (name, price, note, owner_id) SELECT 'n' || g, (g * 10)::text, CASE WHEN g % 2 = 0 THEN 'x' END, g % 3 FROM generate_series(1, 250) g;" >/dev/null
}

# op_case NAME JSON CHECK-SQL EXPECTED: start+complete leaves CHECK-SQL giving
# EXPECTED, and start+rollback leaves the schema and data exactly as before.
op_case() {
  local name=$1 json=$2 check=$3 want=$4 before data_before
  fixture
  migration "$name" "$json"
  before=$(shape); data_before=$(q "SELECT * FROM items ORDER BY id" | md5sum)
  ok onl start "$T/$name.json"
  ok onl rollback
  equals "$(shape)" "$before"
  equals "$(q "SELECT * FROM items ORDER BY id" | md5sum)" "$data_before"
  equals "$(q "SELECT phase FROM strata_online.migrations ORDER BY id DESC LIMIT 1")" rolled_back
  fixture
  ok onl start "$T/$name.json"
  ok onl complete
  equals "$(q "$check")" "$want"
  equals "$(q "SELECT phase FROM strata_online.migrations ORDER BY id DESC LIMIT 1")" complete
  equals "$(q "SELECT count(*) FROM pg_trigger WHERE tgname = '_strata_online_sync'")" 0
  equals "$(q "SELECT count(*) FROM information_schema.columns WHERE column_name LIKE '\_strata%'")" 0
}

test_op_create_table() {
  op_case create_table '{"create_table": {"name": "tags", "columns": [{"name": "id", "type": "serial", "pk": true}, {"name": "item_id", "type": "integer", "references": {"name": "tags_item_fk", "table": "items", "column": "id", "on_delete": "CASCADE"}}, {"name": "label", "type": "text", "nullable": true, "default": "'"'x'"'", "comment": "the label"}], "constraints": [{"name": "tags_label_uq", "type": "unique", "columns": ["label"]}]}}' \
    "SELECT string_agg(column_name || ':' || is_nullable, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'tags'; SELECT count(*) FROM pg_constraint WHERE conname IN ('tags_item_fk', 'tags_label_uq'); SELECT col_description('tags'::regclass, 3)" \
    "$(printf 'id:NO,item_id:NO,label:YES\n2\nthe label')"
}

test_op_drop_table() {
  op_case drop_table '{"drop_table": {"name": "owners"}}' "SELECT to_regclass('owners') IS NULL" t
}

test_op_rename_table() {
  op_case rename_table '{"rename_table": {"from": "owners", "to": "people"}}' \
    "SELECT count(*) FROM people; SELECT count(*) FROM public_rename_table.people" "$(printf '2\n2')"
}

test_op_add_column_not_null_with_up() {
  op_case add_column '{"add_column": {"table": "items", "up": "upper(name)", "column": {"name": "shout", "type": "text", "check": {"name": "shout_len", "constraint": "length(shout) > 1"}}}}' \
    "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' AND column_name = 'shout'; SELECT count(*) FROM items WHERE shout IS DISTINCT FROM upper(name); SELECT convalidated FROM pg_constraint WHERE conname = 'shout_len'" \
    "$(printf 'NO\n0\nt')"
}

test_op_add_column_with_default_is_instant() {
  op_case add_column_default '{"add_column": {"table": "items", "column": {"name": "stock", "type": "integer", "default": "100"}}}' \
    "SELECT count(*) FROM items WHERE stock = 100; SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'stock'" \
    "$(printf '250\nNO')"
}

test_op_add_column_volatile_default_is_backfilled() {
  op_case add_column_volatile '{"add_column": {"table": "items", "column": {"name": "r", "type": "integer", "default": "(random() * 10)::int", "nullable": true}}}' \
    "SELECT count(*) FROM items WHERE r BETWEEN 0 AND 10; SELECT count(DISTINCT r) > 1 FROM items" "$(printf '250\nt')"
}

test_op_drop_column() {
  op_case drop_column '{"drop_column": {"table": "items", "column": "note", "down": "'"'dropped'"'"}}' \
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' AND column_name = 'note'" 0
}

test_op_rename_column() {
  op_case rename_column '{"rename_column": {"table": "items", "from": "name", "to": "title"}}' \
    "SELECT count(*) FROM items WHERE title LIKE 'n%'; SELECT indexdef LIKE '%(title)%' FROM pg_indexes WHERE indexname = 'items_name_idx'" \
    "$(printf '250\nt')"
}

test_op_alter_column_type() {
  op_case alter_type '{"alter_column": {"table": "items", "column": "price", "type": "integer", "default": "0", "up": "CAST(price AS integer)", "down": "CAST(price AS text)"}}' \
    "SELECT data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' AND column_name = 'price'; SELECT sum(price) FROM items" \
    "$(printf 'integer|NO\n313750')"
}

test_op_alter_column_set_not_null_check_unique_fk_comment() {
  op_case alter_many '{"alter_column": {"table": "items", "column": "note", "nullable": false, "check": {"name": "note_not_empty", "constraint": "length(note) > 0"}, "unique": {"name": "items_note_key"}, "comment": "a note", "up": "coalesce(note || id, name)", "down": "note"}}, {"alter_column": {"table": "items", "column": "id", "default": "nextval('"'items_id_seq'"')", "comment": "key"}}, {"alter_column": {"table": "items", "column": "owner_id", "references": {"name": "items_owner_fk", "table": "owners", "column": "id"}, "up": "CASE WHEN owner_id IN (1, 2) THEN owner_id END", "down": "owner_id"}}' \
    "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' AND column_name = 'note'; SELECT count(*) FROM pg_constraint WHERE conname IN ('note_not_empty', 'items_note_key', 'items_owner_fk', 'note_len') AND convalidated; SELECT col_description('items'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'note')); SELECT count(*) FROM items WHERE note = name" \
    "$(printf 'NO\n4\na note\n125')"
}

test_op_alter_column_keeps_indexes() {
  op_case alter_indexed '{"alter_column": {"table": "items", "column": "name", "type": "varchar(50)", "up": "name", "down": "name"}}' \
    "SELECT indexdef FROM pg_indexes WHERE indexname = 'items_name_idx'; SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'name' AND table_name = 'items'" \
    "$(printf 'CREATE INDEX items_name_idx ON public.items USING btree (name)\ncharacter varying')"
}

test_op_create_and_drop_index() {
  op_case create_index '{"create_index": {"table": "items", "name": "items_price_partial", "columns": [{"column": "price", "sort": "DESC"}], "predicate": "note IS NOT NULL"}}, {"drop_index": {"name": "items_name_idx"}}' \
    "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'; SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_price_partial'::regclass" \
    "$(printf 'items_pkey,items_price_partial\nt')"
}

test_op_constraints() {
  op_case constraints '{"create_constraint": {"table": "items", "name": "items_name_price_uq", "type": "unique", "columns": ["name", "price"], "up": {"name": "name", "price": "price"}, "down": {"name": "name", "price": "price"}}}, {"create_constraint": {"table": "items", "name": "price_digits", "type": "check", "check": "price ~ '"'^[0-9]+\$'"'", "columns": ["price"], "up": {"price": "price"}, "down": {"price": "price"}}}, {"rename_constraint": {"table": "items", "from": "note_len", "to": "note_length"}}, {"set_replica_identity": {"table": "items", "identity": {"type": "full", "index": ""}}}' \
    "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype IN ('u', 'c'); SELECT relreplident FROM pg_class WHERE oid = 'items'::regclass" \
    "$(printf 'items_name_price_uq,note_length,price_digits\nf')"
}

test_op_create_constraint_with_up_rewrites_rows() {
  op_case constraint_up '{"create_constraint": {"table": "items", "name": "price_small", "type": "check", "check": "length(price) < 4", "columns": ["price"], "up": {"price": "SELECT CASE WHEN length(price) >= 4 THEN '"'999'"' ELSE price END"}, "down": {"price": "price"}}}' \
    "SELECT count(*) FROM items WHERE price = '999'; SELECT convalidated FROM pg_constraint WHERE conname = 'price_small'" \
    "$(printf '151\nt')"
}

test_op_drop_constraint() {
  op_case drop_constraint '{"drop_constraint": {"table": "items", "name": "note_len", "up": "note", "down": "note"}}' \
    "SELECT count(*) FROM pg_constraint WHERE conname = 'note_len'" 0
}

test_op_sql_with_down_and_on_complete() {
  op_case sql '{"sql": {"up": "CREATE TABLE audit (id int PRIMARY KEY); CREATE INDEX audit_idx ON audit (id);", "down": "DROP TABLE audit"}}, {"sql": {"up": "ALTER TABLE items ADD COLUMN done boolean", "onComplete": true}}' \
    "SELECT to_regclass('audit') IS NOT NULL; SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'done'; SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public_sql' AND column_name = 'done'" \
    "$(printf 't\n1\n1')"
}

test_both_versions_read_and_write_during_migration() {
  fixture
  migration v2 '{"alter_column": {"table": "items", "column": "price", "type": "integer", "up": "CAST(price AS integer)", "down": "CAST(price AS text)"}}, {"rename_column": {"table": "items", "from": "name", "to": "title"}}, {"add_column": {"table": "items", "up": "length(name)", "column": {"name": "name_len", "type": "integer"}}}, {"drop_column": {"table": "items", "column": "note", "down": "'"'from v2'"'"}}'
  migration v1 '{"create_index": {"table": "owners", "name": "owners_label_idx", "columns": [{"column": "label"}]}}'
  ok onl start "$T/v1.json" --complete
  ok onl start "$T/v2.json"
  # the old version (schema public_v1) and the new (public_v2) both see every row
  equals "$(q "SELECT count(*) FROM public_v1.items")" 250
  equals "$(q "SELECT price, title, name_len FROM public_v2.items WHERE id = 3")" "30|n3|2"
  lacks "$(q "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_schema = 'public_v2' AND table_name = 'items'")" note
  # a write through the old version is visible through the new one ...
  q "SET search_path TO public_v1; INSERT INTO items (id, name, price, note) VALUES (1000, 'old writer', '12', 'n'); UPDATE items SET price = '41' WHERE id = 4" >/dev/null
  equals "$(q "SELECT price, title, name_len FROM public_v2.items WHERE id = 1000")" "12|old writer|10"
  equals "$(q "SELECT price FROM public_v2.items WHERE id = 4")" 41
  # ... and a write through the new version is visible through the old one
  q "SET search_path TO public_v2; INSERT INTO items (id, title, price, name_len) VALUES (1001, 'new writer', 7, 3); UPDATE items SET price = 8, title = 'renamed' WHERE id = 5" >/dev/null
  equals "$(q "SELECT price, name, note FROM public_v1.items WHERE id = 1001")" "7|new writer|from v2"
  equals "$(q "SELECT price, name FROM public_v1.items WHERE id = 5")" "8|renamed"
  # defaults and the sequence work through the views
  equals "$(q "SET search_path TO public_v2; INSERT INTO items (title, price, name_len) VALUES ('seq', 1, 3) RETURNING id > 0")" t
  ok onl status
  contains "$OUT" "in progress: v2"
  ok onl status --json
  contains "$OUT" '"version_schema": "public_v2"'
  ok onl complete
  equals "$(q "SELECT price, title, name_len FROM public_v2.items WHERE id = 1001")" "7|new writer|3"
  equals "$(q "SELECT count(*) FROM items WHERE name_len IS NULL")" 0
  equals "$(q "SELECT to_regnamespace('public_v1') IS NULL")" t
  equals "$(q "SELECT count(*) FROM public_v2.items")" 253
}

test_rollback_keeps_writes_made_through_the_new_version() {
  fixture
  migration r '{"alter_column": {"table": "items", "column": "price", "type": "integer", "up": "CAST(price AS integer)", "down": "CAST(price AS text)"}}'
  ok onl start "$T/r.json"
  q "SET search_path TO public_r; UPDATE items SET price = 1234 WHERE id = 1; INSERT INTO items (id, name, price) VALUES (900, 'x', 5)" >/dev/null
  ok onl rollback
  equals "$(q "SELECT price FROM items WHERE id IN (1, 900) ORDER BY id")" "$(printf '1234\n5')"
  equals "$(q "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' AND column_name = 'price'")" text
  equals "$(q "SELECT to_regnamespace('public_r') IS NULL")" t
}

test_kill9_during_backfill_then_rerun_finishes() {
  new_db
  q "CREATE TABLE big (id bigint PRIMARY KEY, v integer NOT NULL); INSERT INTO big SELECT g, g FROM generate_series(1, 3000) g" >/dev/null
  migration k '{"alter_column": {"table": "big", "column": "v", "type": "bigint", "up": "v::bigint * 2", "down": "(v / 2)::integer"}}'
  onl start "$T/k.json" --batch-size 100 --batch-pause 150ms >"$T/k.out" 2>&1 &
  local pid=$! i
  for i in $(seq 1 100); do
    [ "$(q "SELECT coalesce((progress->>'rows')::int, 0) >= 300 FROM strata_online.migrations WHERE phase = 'started'" 2>/dev/null)" = t ] && break
    sleep 0.1
  done
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  local done_rows
  done_rows=$(q "SELECT (progress->>'rows')::int FROM strata_online.migrations WHERE phase = 'started'")
  [ "$done_rows" -ge 300 ] && [ "$done_rows" -lt 3000 ] || fail "killed after $done_rows rows"
  # writes go on meanwhile, through the old shape
  q "UPDATE big SET v = 7 WHERE id = 2999; INSERT INTO big VALUES (3001, 5)" >/dev/null
  ok onl start "$T/k.json" --batch-size 500
  contains "$ERR" "resuming"
  equals "$(q "SELECT count(*) FROM big WHERE _strata_new_v IS DISTINCT FROM v::bigint * 2")" 0
  ok onl complete
  equals "$(q "SELECT count(*), sum(v) FROM big")" "3001|8997026"
  equals "$(q "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'big' AND column_name = 'v'")" bigint
}

test_composite_key_backfill_walks_every_row() {
  new_db
  q "CREATE TABLE pairs (a integer, b text, v integer NOT NULL, PRIMARY KEY (a, b)); INSERT INTO pairs SELECT g % 7, 'k' || g, g FROM generate_series(1, 500) g" >/dev/null
  migration p '{"alter_column": {"table": "pairs", "column": "v", "type": "bigint", "up": "v * 3", "down": "(v / 3)::integer"}}'
  ok onl start "$T/p.json" --batch-size 37
  equals "$(q "SELECT count(*) FROM pairs WHERE _strata_new_v IS DISTINCT FROM v * 3")" 0
  ok onl complete
  equals "$(q "SELECT count(*), sum(v) FROM pairs")" "500|375750"
}

test_crash_during_expand_leaves_nothing() {
  fixture
  before=$(shape)
  # the second operation fails: the first one's changes must not stay
  migration bad '{"add_column": {"table": "items", "column": {"name": "ok_col", "type": "integer", "nullable": true}}}, {"alter_column": {"table": "items", "column": "price", "type": "no_such_type", "up": "price", "down": "price"}}'
  expect_exit 3 onl start "$T/bad.json"
  contains "$ERR" "no_such_type"
  contains "$ERR" "operations[1]"
  equals "$(shape)" "$before"
  ok onl status
  contains "$OUT" "no online migration in progress"
}

test_names_that_need_quoting() {
  new_db
  q "CREATE TABLE \"odd \"\"table\"\"\" (\"select\" integer PRIMARY KEY, \"naïve col\" text NOT NULL, \"Mixed Case\" integer)" >/dev/null
  q "INSERT INTO \"odd \"\"table\"\"\" SELECT g, 'v' || g, g FROM generate_series(1, 20) g" >/dev/null
  cat >"$T/odd.json" <<'EOF'
{"version_schema": "v \"2\"", "operations": [
  {"alter_column": {"table": "odd \"table\"", "column": "Mixed Case", "type": "bigint", "up": "\"Mixed Case\" * 10", "down": "(\"Mixed Case\" / 10)::integer"}},
  {"rename_column": {"table": "odd \"table\"", "from": "naïve col", "to": "order"}},
  {"add_column": {"table": "odd \"table\"", "up": "upper(\"naïve col\")", "column": {"name": "from", "type": "text"}}},
  {"create_index": {"table": "odd \"table\"", "name": "idx \"q\"", "columns": [{"column": "order"}]}}
]}
EOF
  ok onl start "$T/odd.json"
  equals "$(q "SELECT \"Mixed Case\", \"order\", \"from\" FROM \"v \"\"2\"\"\".\"odd \"\"table\"\"\" WHERE \"select\" = 3")" "30|v3|V3"
  q "SET search_path TO \"v \"\"2\"\"\"; UPDATE \"odd \"\"table\"\"\" SET \"Mixed Case\" = 500 WHERE \"select\" = 4" >/dev/null
  equals "$(q "SELECT \"Mixed Case\" FROM \"odd \"\"table\"\"\" WHERE \"select\" = 4")" 50
  ok onl complete
  equals "$(q "SELECT \"Mixed Case\", \"order\", \"from\" FROM \"odd \"\"table\"\"\" WHERE \"select\" = 4")" "500|v4|V4"
  equals "$(q "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx \"q\"'")" 1
}

test_bad_files_are_usage_errors_and_touch_nothing() {
  new_db
  printf '{"operations": [\n  {"add_column": {"table": "t", "colum": {}}}\n]}\n' >"$T/typo.json"
  expect_exit 2 onl start "$T/typo.json"
  contains "$ERR" "typo.json: operations[0].add_column: unknown key \"colum\""
  printf '{"operations": [\n  {"add_column": {"table": "t",}}\n]}\n' >"$T/syntax.json"
  expect_exit 2 onl start "$T/syntax.json"
  contains "$ERR" "syntax.json:2:"
  printf '{"operations": [{"alter_column": {"table": "t", "column": "c", "nullable": "no"}}]}' >"$T/type.json"
  expect_exit 2 onl start "$T/type.json"
  contains "$ERR" "operations[0].alter_column.nullable: must be true or false, not a string"
  printf '{"operations": [{"make_coffee": {}}]}' >"$T/op.json"
  expect_exit 2 onl start "$T/op.json"
  contains "$ERR" 'unknown operation "make_coffee"'
  migration missing '{"drop_column": {"table": "nope", "column": "c"}}'
  expect_exit 2 onl start "$T/missing.json"
  contains "$ERR" 'table "nope" does not exist'
  equals "$(q "SELECT count(*) FROM strata_online.migrations")" 0
  expect_exit 2 onl start
  expect_exit 2 "$STRATA" -d "sqlite:$T/x.db" online start "$T/missing.json"
  contains "$ERR" "need PostgreSQL"
  expect_exit 2 onl complete
  contains "$ERR" "no online migration is in progress"
}

test_one_migration_at_a_time() {
  fixture
  migration a '{"add_column": {"table": "owners", "column": {"name": "x", "type": "integer", "nullable": true}}}'
  migration b '{"add_column": {"table": "owners", "column": {"name": "y", "type": "integer", "nullable": true}}}'
  ok onl start "$T/a.json"
  expect_exit 3 onl start "$T/b.json"
  contains "$ERR" 'online migration "a" is in progress'
  ok onl complete
  ok onl start "$T/b.json" --complete
  expect_exit 3 onl start "$T/b.json"
  contains "$ERR" "already completed"
}

test_lock_timeout_gives_up_without_stalling_and_keeps_nothing() {
  fixture
  before=$(shape)
  migration l '{"add_column": {"table": "items", "column": {"name": "z", "type": "integer", "nullable": true}}}'
  psql -X -q "$DB" -c "BEGIN; LOCK TABLE items IN ACCESS SHARE MODE; SELECT pg_sleep(30);" >/dev/null 2>&1 &
  local holder=$!
  for i in $(seq 1 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.1
  done
  local start; start=$(date +%s%N)
  expect_exit 3 onl start "$T/l.json" --lock-timeout 100ms
  contains "$ERR" "gave up after"
  # other sessions were never queued behind strata for long
  equals "$(q "SET statement_timeout = '1s'; SELECT count(*) FROM items" | tail -n 1)" 250
  kill "$holder" 2>/dev/null; q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
  equals "$(shape)" "$before"
  ok onl start "$T/l.json" --complete
}

test_help_online() {
  ok "$STRATA" help online
  contains "$OUT" "strata online start FILE"
  contains "$OUT" "search_path"
}

# The pgroll example migrations, in their order, each started then completed
# on one database. Prints how many succeed and why any does not.
test_pgroll_corpus_runs_in_order() {
  local dir="$CORPUS/pgroll/examples-json" f n=0 good=0 failed=""
  corpus pgroll/examples-json
  new_db
  for f in "$dir"/*.json; do
    n=$((n + 1))
    if "$STRATA" -d "$DB" online start "$f" >"$T/c.out" 2>&1 && "$STRATA" -d "$DB" online complete >>"$T/c.out" 2>&1; then
      good=$((good + 1))
    else
      failed="$failed $(basename "$f"): $(grep 'error' "$T/c.out" | head -n 1);"
      "$STRATA" -d "$DB" online rollback >/dev/null 2>&1 || true
    fi
  done
  echo "NOTE pgroll corpus: $good of $n operation files started and completed${failed:+; not supported:$failed}" >"$SUITE_TMP/corpus-note"
  [ "$good" -eq "$n" ] || fail "corpus files failed:$failed"
}

run_tests
[ -f "$SUITE_TMP/corpus-note" ] && cat "$SUITE_TMP/corpus-note"
exit 0
