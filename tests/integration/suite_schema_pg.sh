#!/usr/bin/env bash
# Integration suite for the schema commands on a throwaway PostgreSQL:
# the migra schema-diff cases as a conformance suite (both directions, and
# after additions.sql), round trips of the large real schemas in the
# corpus through dump, drift on a database changed by hand, autogenerate,
# baseline, erd, shadow databases always dropped (also on SIGINT), and
# identifiers that need quoting.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

MIGRA="$CORPUS/migra/fixtures"
RESULTS="$SUITE_TMP/migra.results"
: >"$RESULTS"

# A database loaded from a file; sets the named variable to its URL.
db_from() { # db_from VAR FILE...
  local var=$1; shift
  new_db
  local f
  for f in "$@"; do [ -s "$f" ] && psql -X -q "$DB" -f "$f" >/dev/null 2>&1; done
  printf -v "$var" '%s' "$DB"
}

# One migra case: diff FROM -> TO, apply, diff again: nothing.
converge() { # converge NAME FROM_URL TO_URL
  st diff "$2" "$3" >"$T/$1.sql" 2>"$T/$1.err" || { cat "$T/$1.err" >&2; fail "$1: diff failed"; }
  psql -X -q -v ON_ERROR_STOP=1 "$2" -f "$T/$1.sql" >"$T/$1.apply" 2>&1 ||
    { cat "$T/$1.sql" >&2; cat "$T/$1.apply" >&2; fail "$1: the diff did not apply"; }
  st diff "$2" "$3" >"$T/$1.again" 2>"$T/$1.err" || { cat "$T/$1.err" >&2; fail "$1: second diff failed"; }
  [ ! -s "$T/$1.again" ] || { cat "$T/$1.again" >&2; fail "$1: not converged after applying"; }
}

migra_case() {
  local c=$1 d="$MIGRA/$1" A B
  psql -X -q "$STRATA_TEST_PG_URL" -c "DO \$\$ BEGIN CREATE ROLE schemainspect_test_role; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null 2>&1 || true
  if ( db_from A "$d/a.sql"; db_from B "$d/b.sql"; converge a-to-b "$A" "$B" ) &&
     ( db_from A "$d/b.sql"; db_from B "$d/a.sql"; converge b-to-a "$A" "$B" ) &&
     ( [ ! -s "$d/additions.sql" ] || { db_from A "$d/a.sql" "$d/additions.sql"; db_from B "$d/b.sql"; converge additions "$A" "$B"; } ); then
    echo "pass $c" >>"$RESULTS"
  else
    echo "fail $c" >>"$RESULTS"
    return 1
  fi
}

if [ -d "$MIGRA" ]; then
  for case_dir in "$MIGRA"/*/; do
    c=$(basename "$case_dir")
    eval "test_migra_${c}() { migra_case $c; }"
  done
  # Runs last (test names sort): how many cases converge.
  test_migra_zz_summary() {
    local total passed
    total=$(find "$MIGRA" -mindepth 1 -maxdepth 1 -type d | wc -l)
    passed=$(grep -c '^pass' "$RESULTS" || true)
    echo "migra conformance: $passed of $total cases converge (both directions)" >&2
    [ "$passed" -eq "$total" ] || { grep '^fail' "$RESULTS" >&2; fail "migra cases failing"; }
  }
else
  # Skipped by name without the corpus; a failure when the corpus is there
  # without its migra cases.
  test_migra_conformance() { corpus migra/fixtures; }
fi

# Round trip: load, dump, load the dump into an empty database, diff both
# ways: nothing; and the dump is byte-identical when taken again.
round_trip() { # round_trip FILE (relative to the corpus)
  corpus "$1"
  local A B
  db_from A "$CORPUS/$1"
  ok st dump "$A"; printf '%s\n' "$OUT" >"$T/dump.sql"
  [ "$(wc -l <"$T/dump.sql")" -gt 20 ] || fail "dump of $1 is nearly empty"
  new_db; B=$DB
  psql -X -q -v ON_ERROR_STOP=1 "$B" -f "$T/dump.sql" >"$T/reload.log" 2>&1 || { cat "$T/reload.log" >&2; fail "the dump does not load"; }
  ok st diff "$A" "$B"; equals "$OUT" ""
  ok st diff "$B" "$A"; equals "$OUT" ""
  ok st dump "$B"; [ "$OUT" = "$(cat "$T/dump.sql")" ] || fail "the dump is not stable"
}

test_round_trip_pagila() { round_trip pagila/pagila-schema-pg12.sql; }
test_round_trip_danbooru() { round_trip danbooru/structure.sql; }
test_round_trip_postgrest_big_schema() { round_trip postgrest/test/io/fixtures/big_schema.sql; }
test_round_trip_chinook() { round_trip chinook/schema-only/Chinook_PostgreSql.schema.sql; }

# Skipped by name (counted as skipped, never passed): the servers tested
# here ship no pgvector and no PostGIS.
test_round_trip_pagila_with_pgvector() {
  corpus pagila/pagila-schema.sql
  skip "pagila/pagila-schema.sql needs the pgvector extension, which no tested server ships"
}
test_round_trip_postgrest_spec_schema() {
  corpus postgrest/test/spec/fixtures/schema.sql
  skip "postgrest/test/spec/fixtures/schema.sql needs PostGIS and the roles of its own set-up"
}

test_diff_of_files_and_directories_uses_shadows_and_drops_them() {
  new_db; new_project
  printf 'CREATE TABLE a (id int PRIMARY KEY);\n' >one.sql
  printf 'CREATE TABLE a (id int PRIMARY KEY, v text);\nCREATE INDEX a_v ON a (v);\n' >two.sql
  ok st diff one.sql two.sql
  contains "$OUT" "ALTER TABLE public.a ADD COLUMN v text;"
  contains "$OUT" "CREATE INDEX a_v ON public.a USING btree (v);"
  mig "$(id 1)" base "CREATE TABLE a (id int PRIMARY KEY);" "DROP TABLE a;"
  ok st diff migrations two.sql
  contains "$OUT" "ADD COLUMN v text"
  ok st diff --json two.sql migrations
  contains "$OUT" '"op": "drop"'
  contains "$OUT" '"destructive": true'
  no_shadows_left
}

# A new user's first command, in a folder with no strata.ini: a schema
# file (pg_dump's, \restrict lines and all) against a database URL. The
# file loads into a shadow on that database's server, and nothing is
# written to the folder.
test_schema_file_against_a_database_outside_any_project() {
  new_db
  q "CREATE TABLE a (id int)" >/dev/null
  unset STRATA_DATABASE_URL
  mkdir bare && cd bare
  printf -- '--\n-- PostgreSQL database dump\n--\n\n\\restrict k3y\n\nSET statement_timeout = 0;\n' >schema.sql
  printf 'CREATE TABLE public.a (id integer, v text);\n\n\\unrestrict k3y\n' >>schema.sql
  ok st diff schema.sql "$DB"
  contains "$OUT" "ALTER TABLE public.a DROP COLUMN v;"
  ok st diff "$DB" schema.sql
  contains "$OUT" "ALTER TABLE public.a ADD COLUMN v text;"
  equals "$(ls -A)" "schema.sql"
  # any other psql meta-command is refused, by name and line
  printf 'CREATE TABLE b (id int);\n\\connect other\n' >meta.sql
  expect_exit 2 st diff meta.sql "$DB"
  contains "$ERR" "meta-command '\\connect'"
  contains "$ERR" "meta.sql:2"
  no_shadows_left
}

test_a_schema_file_that_does_not_load_is_bad_input() {
  new_db; new_project
  printf 'CREATE TABLE a (id int);\nCREATE TABLE b (id nosuchtype);\n' >bad.sql
  expect_exit 2 st diff bad.sql "$DB"
  contains "$ERR" "bad.sql:2"
  contains "$ERR" "nosuchtype"
  printf 'CREATE TABLE (;\n' >syntax.sql
  expect_exit 2 st diff syntax.sql "$DB"
  contains "$ERR" "syntax.sql:1"
  expect_exit 2 st diff nothere.sql "$DB"
  expect_exit 2 st diff "not a source" "$DB"
  no_shadows_left
}

test_shadow_is_dropped_on_sigint() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE a (id int); SELECT pg_sleep(30);" "DROP TABLE a;"
  "$STRATA" diff migrations "$DB" >"$T/o" 2>"$T/e" &
  pid=$!
  wait_running "pg_sleep(30)"
  kill -INT "$pid"
  set +e; wait "$pid"; code=$?; set -e
  equals "$code" 130
  contains "$(cat "$T/e")" "interrupted"
  no_shadows_left
}

test_drift_names_exactly_what_was_changed_by_hand() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE INDEX users_email ON users (email);" "DROP TABLE users;"
  ok st upgrade
  ok st drift
  contains "$OUT" "no drift"
  q "DROP INDEX users_email; ALTER TABLE users ADD COLUMN nickname text;" >/dev/null
  expect_exit 1 st drift
  contains "$OUT" "2 difference(s)"
  contains "$OUT" "missing  index public.users.users_email"
  contains "$OUT" "extra    column public.users.nickname"
  expect_exit 1 st --json drift
  contains "$OUT" '"drift": true'
  expect_exit 1 st drift --sql
  contains "$OUT" "DROP COLUMN nickname"
  contains "$OUT" "CREATE INDEX users_email"
  printf '%s\n' "$OUT" >fix.sql
  psql -X -q -v ON_ERROR_STOP=1 "$DB" -f fix.sql >/dev/null
  ok st drift
  no_shadows_left
}

test_drift_compares_with_what_the_database_has_applied() {
  new_db; new_project; chain 3
  ok st upgrade "$(id 2)"
  ok st drift
  contains "$OUT" "no drift"
}

test_autogenerate_writes_up_and_down_that_round_trip() {
  new_db; new_project
  printf 'schema = schema.sql\n' >>strata.ini
  cat >schema.sql <<'EOF'
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, m mood);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric(10,2));
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
EOF
  ok st revision --autogenerate -m first
  f1=$OUT
  contains "$(cat "$f1")" "CREATE TYPE public.mood AS ENUM ('sad', 'ok');"
  contains "$(cat "$f1")" "DROP TABLE public.orders;"
  ok st upgrade
  ok st drift
  ok st revision --autogenerate -m nothing
  contains "$ERR" "no revision written"
  cat >>schema.sql <<'EOF'
ALTER TABLE users ADD COLUMN nickname text;
ALTER TYPE mood ADD VALUE 'happy';
EOF
  ok st revision --autogenerate -m second
  f2=$OUT
  contains "$(cat "$f2")" "ADD COLUMN nickname text"
  contains "$(cat "$f2")" "ADD VALUE 'happy' AFTER 'ok'"
  ok st upgrade
  ok st drift
  ok st downgrade -1
  ok st drift
  equals "$(q "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")" 0
  no_shadows_left
}

# Changes to tables that have rows: autogenerate writes the safe patterns
# as a chain (NOT VALID, then CONCURRENTLY outside a transaction, then
# VALIDATE and SET NOT NULL), lint passes it, and it applies, stops cleanly
# on a row that breaks the new NOT NULL, and goes back step by step.
test_autogenerate_chain_for_existing_tables_passes_lint_and_round_trips() {
  new_db; new_project
  printf 'schema = schema.sql\n' >>strata.ini
  mig "$(id 1)" base "CREATE TABLE users (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric, note text);" \
    "DROP TABLE orders; DROP TABLE users;"
  ok st upgrade
  q "INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');
     INSERT INTO orders VALUES (10, 1, 5, 'n'), (11, 2, 7, NULL), (12, 2, NULL, 'open');" >/dev/null
  shape() {
    schema_dump
    q "SELECT conrelid::regclass || '.' || conname || ':' || convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
    q "SELECT attrelid::regclass || '.' || attname || ':' || attnotnull FROM pg_attribute WHERE attrelid IN ('users'::regclass, 'orders'::regclass) AND attnum > 0 ORDER BY 1"
  }
  local before f1 f2 f3 r1 r2 r3
  before=$(shape)
  cat >schema.sql <<'EOF'
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric NOT NULL, note text);
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text);
CREATE INDEX items_order_idx ON items (order_id);
EOF
  ok st revision --autogenerate -m "orders v2"
  equals "$(printf '%s\n' "$OUT" | wc -l)" 3
  f1=$(printf '%s\n' "$OUT" | sed -n 1p); f2=$(printf '%s\n' "$OUT" | sed -n 2p); f3=$(printf '%s\n' "$OUT" | sed -n 3p)
  r1=$(basename "$f1" | cut -d_ -f1); r2=$(basename "$f2" | cut -d_ -f1); r3=$(basename "$f3" | cut -d_ -f1)
  contains "$ERR" "created revision $r1: schema"
  contains "$ERR" "created revision $r2: concurrent indexes"
  contains "$ERR" "created revision $r3: validate"
  contains "$(cat "$f1")" "-- revises: $(id 1)"
  contains "$(cat "$f1")" "-- message: orders v2 (1/3: schema)"
  contains "$(cat "$f1")" "-- transaction: on"
  contains "$(cat "$f1")" "FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;"
  contains "$(cat "$f1")" "CHECK (total IS NOT NULL) NOT VALID;"
  # the new table gets its index and foreign key as they are
  contains "$(cat "$f1")" "CREATE INDEX items_order_idx ON public.items USING btree (order_id);"
  contains "$(cat "$f1")" "FOREIGN KEY (order_id) REFERENCES public.orders(id);"
  lacks "$(cat "$f1")" "SET NOT NULL;"
  contains "$(cat "$f2")" "-- revises: $r1"
  contains "$(cat "$f2")" "-- message: orders v2 (2/3: concurrent indexes)"
  contains "$(cat "$f2")" "-- transaction: off"
  contains "$(cat "$f2")" "DROP INDEX CONCURRENTLY IF EXISTS public.orders_total_idx;"
  contains "$(cat "$f2")" "CREATE INDEX CONCURRENTLY orders_total_idx ON public.orders"
  contains "$(cat "$f2")" "ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
  contains "$(cat "$f3")" "-- revises: $r2"
  contains "$(cat "$f3")" "-- transaction: on"
  contains "$(cat "$f3")" "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_id_fkey;"
  contains "$(cat "$f3")" "ALTER TABLE public.orders ALTER COLUMN total SET NOT NULL;"
  # strata's own lint has nothing against it
  ok st lint
  contains "$ERR" "0 error(s)"
  lacks "$OUT" "SL10"
  # the NULL total stops the validation; the first two stay applied
  expect_exit 3 st upgrade
  contains "$ERR" "revision $r3"
  contains "$ERR" "orders_total_not_null_check"
  equals "$(versions)" "$r2"
  equals "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_total_idx'::regclass")" t
  q "UPDATE orders SET total = 0 WHERE total IS NULL" >/dev/null
  ok st upgrade
  equals "$(versions)" "$r3"
  equals "$(q "SELECT count(*) FROM orders")" 3
  equals "$(q "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'")" t
  equals "$(q "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null_check'")" 0
  ok st diff --exit-code "$DB" schema.sql
  ok st drift
  # each step goes down and up again on its own
  ok st downgrade -1
  ok st upgrade
  ok st downgrade -2
  equals "$(versions)" "$r1"
  ok st upgrade
  ok st downgrade "$(id 1)"
  equals "$(shape)" "$before"
  equals "$(q "SELECT count(*) FROM orders")" 3
  ok st drift
  no_shadows_left
}

test_autogenerate_without_schema_file_is_bad_usage() {
  new_db; new_project
  expect_exit 2 st revision --autogenerate -m x
  contains "$ERR" "schema"
}

test_baseline_adopts_an_existing_database() {
  new_db; new_project
  q "CREATE TABLE legacy (id serial PRIMARY KEY, name text); INSERT INTO legacy (name) VALUES ('kept');" >/dev/null
  ok st baseline
  f=$OUT
  contains "$(cat "$f")" "CREATE TABLE public.legacy"
  equals "$(versions)" "$(basename "$f" | cut -d_ -f1)"
  ok st upgrade
  contains "$ERR$OUT" "up to date"
  ok st drift
  equals "$(q "SELECT name FROM legacy")" kept
  expect_exit 2 st baseline
  contains "$ERR" "already has"
}

test_erd_renders_with_graphviz_and_mermaid() {
  new_db
  q "CREATE TABLE users (id bigint PRIMARY KEY, email text); CREATE TABLE \"order items\" (id int PRIMARY KEY, \"user\" bigint REFERENCES users (id), note text);" >/dev/null
  ok st erd "$DB"
  contains "$OUT" '"public.order items":"user" -> "public.users":"id"'
  lacks "$OUT" "note"
  if command -v dot >/dev/null; then
    printf '%s\n' "$OUT" | dot -Tsvg >"$T/erd.svg" || fail "dot cannot render the diagram"
    grep -q "<svg" "$T/erd.svg" || fail "no SVG"
  else
    echo "note: graphviz's dot is not installed; rendering not checked" >&2
  fi
  ok st erd --all-columns "$DB"
  contains "$OUT" "note text"
  ok st erd -f mermaid "$DB"
  contains "$OUT" "erDiagram"
  contains "$OUT" 'public__order_items }o--|| public__users'
  expect_exit 2 st erd -f png "$DB"
}

test_identifiers_that_need_quoting_round_trip() {
  new_db; A=$DB
  q "CREATE SCHEMA \"Odd Schema\"; CREATE TABLE \"Odd Schema\".\"tab\"\"le; x\" (\"select\" int PRIMARY KEY, \"naïve col\" text DEFAULT 'it''s', \"Mixed\" int); CREATE INDEX \"idx; drop\" ON \"Odd Schema\".\"tab\"\"le; x\" (\"naïve col\"); CREATE VIEW \"Odd Schema\".\"v w\" AS SELECT \"select\" FROM \"Odd Schema\".\"tab\"\"le; x\"; COMMENT ON TABLE \"Odd Schema\".\"tab\"\"le; x\" IS 'quote '' here';" >/dev/null
  ok st dump "$A"; printf '%s\n' "$OUT" >d.sql
  contains "$OUT" 'CREATE TABLE "Odd Schema"."tab""le; x"'
  new_db; B=$DB
  psql -X -q -v ON_ERROR_STOP=1 "$B" -f d.sql >/dev/null
  ok st diff "$A" "$B"; equals "$OUT" ""
  q "ALTER TABLE \"Odd Schema\".\"tab\"\"le; x\" ADD COLUMN \"new col\" int" >/dev/null
  ok st diff "$A" "$B"
  contains "$OUT" 'ADD COLUMN "new col" integer'
}

test_table_column_type_change_recreates_dependent_views() {
  new_db; A=$DB
  q "CREATE TABLE t (id int PRIMARY KEY, v int); CREATE VIEW tv AS SELECT id, v FROM t; CREATE VIEW tv2 AS SELECT * FROM tv; INSERT INTO t VALUES (1, 7);" >/dev/null
  new_db; B=$DB
  q "CREATE TABLE t (id int PRIMARY KEY, v bigint); CREATE VIEW tv AS SELECT id, v FROM t; CREATE VIEW tv2 AS SELECT * FROM tv;" >/dev/null
  ok st diff "$A" "$B"
  sql=$OUT
  # dependents dropped before, recreated after, in dependency order
  drop2=$(printf '%s\n' "$sql" | grep -n 'DROP VIEW public.tv2' | cut -d: -f1)
  drop1=$(printf '%s\n' "$sql" | grep -n 'DROP VIEW public.tv;' | cut -d: -f1)
  alter=$(printf '%s\n' "$sql" | grep -n 'TYPE bigint' | cut -d: -f1)
  create1=$(printf '%s\n' "$sql" | grep -n 'CREATE VIEW public.tv AS' | cut -d: -f1)
  create2=$(printf '%s\n' "$sql" | grep -n 'CREATE VIEW public.tv2 AS' | cut -d: -f1)
  [ "$drop2" -lt "$drop1" ] && [ "$drop1" -lt "$alter" ] && [ "$alter" -lt "$create1" ] && [ "$create1" -lt "$create2" ] || fail "wrong order: $sql"
  contains "$sql" "-- destructive: column public.t.v"
  DB=$A
  psql -X -q -v ON_ERROR_STOP=1 "$A" -f <(printf '%s\n' "$sql") >/dev/null
  equals "$(q "SELECT v FROM tv2")" 7
  ok st diff "$A" "$B"; equals "$OUT" ""
}

# An index on a partitioned table reaches its partitions: the diff creates
# it on the parent (not ON ONLY, which leaves it invalid and the partitions
# without indexes), and an invalid parent index is itself a difference.
test_partitioned_table_index_reaches_every_partition() {
  local parts="CREATE TABLE m (id int, k int) PARTITION BY RANGE (k); CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10); CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20);"
  new_db; A=$DB; q "$parts" >/dev/null
  new_db; B=$DB; q "$parts CREATE INDEX m_id ON m (id);" >/dev/null
  ok st diff "$A" "$B"
  lacks "$OUT" "ON ONLY"
  converge partition-index "$A" "$B"
  DB=$A
  equals "$(q "SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid IN ('m'::regclass, 'm1'::regclass, 'm2'::regclass)")" 3
  # the index made ON ONLY and never attached: invalid, so it differs
  new_db; C=$DB; q "$parts CREATE INDEX m_id ON ONLY m (id);" >/dev/null
  expect_exit 0 st diff "$C" "$B"
  contains "$OUT" "DROP INDEX public.m_id"
  contains "$OUT" "CREATE INDEX m_id ON public.m USING btree (id)"
  converge invalid-partition-index "$C" "$B"
  # a partition's own index that is not attached is an extra index
  new_db; E=$DB; q "$parts CREATE INDEX m_id ON ONLY m (id); CREATE INDEX m1_own ON m1 (id);" >/dev/null
  ok st diff "$E" "$B"
  contains "$OUT" "DROP INDEX public.m1_own"
  converge unattached-partition-index "$E" "$B"
}

# serial <-> identity: both directions converge with the target's sequence
# names, and the sequence goes on after the rows already there.
test_serial_and_identity_columns_convert_both_ways() {
  new_db; S=$DB; q "CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) VALUES ('a'), ('b');" >/dev/null
  new_db; I=$DB; q "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);" >/dev/null
  new_db; S2=$DB; q "CREATE TABLE t (id serial PRIMARY KEY, v text);" >/dev/null
  converge serial-to-identity "$S" "$I"
  DB=$S
  equals "$(q "SELECT pg_get_serial_sequence('t', 'id')")" "public.t_id_seq"
  equals "$(q "SELECT attidentity FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'id'")" d
  equals "$(q "INSERT INTO t (v) VALUES ('c') RETURNING id")" 3
  converge identity-to-serial "$S" "$S2"
  equals "$(q "SELECT pg_get_serial_sequence('t', 'id')")" "public.t_id_seq"
  equals "$(q "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname LIKE 't_id_seq%'")" 1
  equals "$(q "INSERT INTO t (v) VALUES ('d') RETURNING id")" 4
}

# diff --no-grants leaves GRANT and REVOKE out, in SQL and in JSON.
test_diff_no_grants_leaves_grants_out() {
  psql -X -q "$STRATA_TEST_PG_URL" -c "DO \$\$ BEGIN CREATE ROLE strata_reader; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null 2>&1 || true
  new_db; A=$DB; q "CREATE TABLE t (id int);" >/dev/null
  new_db; B=$DB; q "CREATE TABLE t (id int); GRANT SELECT ON t TO strata_reader;" >/dev/null
  ok st diff "$A" "$B"
  contains "$OUT" "GRANT SELECT ON TABLE public.t TO strata_reader"
  ok st diff --no-grants "$A" "$B"
  equals "$OUT" ""
  contains "$ERR" "no differences"
  ok st --json diff --no-grants "$A" "$B"
  lacks "$OUT" "GRANT"
  ok st --json diff "$A" "$B"
  contains "$OUT" "GRANT SELECT"
}

# strata online's schema, its versioned view schemas and the views of the
# bookkeeping tables inside them are not the user's schema.
test_online_objects_are_not_part_of_the_schema() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE owners (id integer PRIMARY KEY, label text);" "DROP TABLE owners;"
  ok st upgrade
  printf '{"operations": [{"create_index": {"table": "owners", "name": "owners_label_idx", "columns": [{"column": "label"}]}}]}\n' >"$T/v1.json"
  ok st online start "$T/v1.json" --complete
  equals "$(q "SELECT count(*) FROM pg_namespace WHERE nspname IN ('strata_online', 'public_v1')")" 2
  ok st dump
  lacks "$OUT" "strata_online"
  lacks "$OUT" "public_v1"
  contains "$OUT" "CREATE INDEX owners_label_idx"
  printf '%s\n' "$OUT" >"$T/dumped.sql"
  mig "$(id 2)" "$(id 1)" "CREATE INDEX owners_label_idx ON owners (label);" "DROP INDEX owners_label_idx;"
  ok st stamp "$(id 2)"
  ok st drift
  contains "$OUT" "no drift"
  ok st diff "$DB" "$T/dumped.sql"
  equals "$OUT" ""
  ok st erd --format mermaid
  lacks "$OUT" "strata_online"
  lacks "$OUT" "public_v1"
}

run_tests
