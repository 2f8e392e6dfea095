#!/usr/bin/env bash
# Integration suite on a throwaway PostgreSQL (started by tests/run-all.sh):
# the shared scenarios, plus what only PostgreSQL has: lock_timeout and the
# blocker's name, non-transactional CONCURRENTLY migrations, kill -9 of the
# runner, schema-qualified bookkeeping, and passwords never shown.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"

# psql as the test superuser on the test's database, in the background.
bg_psql() { psql -X -q "$DB" "$@" >/dev/null 2>&1 & BG_PID=$!; }

wait_for() { # wait_for SQL-returning-t [seconds]
  local i
  for i in $(seq 1 "$((${2:-10} * 10))"); do
    [ "$(q "$1")" = t ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for: $1"
}

test_pg_lock_timeout_gives_up_and_names_the_blocker() {
  new_db; new_project; chain 1
  printf '[strata]\nmigrations = migrations\nlock_timeout = 200ms\nlock_retries = 2\n' >strata.ini
  ok st upgrade
  mig "$(id 2)" "$(id 1)" "ALTER TABLE t1 ADD COLUMN extra integer;" "ALTER TABLE t1 DROP COLUMN extra;"
  bg_psql -c "BEGIN; LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);"
  wait_for "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 't1' AND l.mode = 'AccessExclusiveLock' AND l.granted)"
  blocker=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")
  start=$(date +%s%N)
  expect_exit 3 st upgrade
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  contains "$ERR" "$blocker"
  contains "$ERR" "pg_sleep(60)"
  contains "$ERR" "gave up after 2 retries"
  contains "$ERR" "pg_terminate_backend($blocker)"
  [ "$elapsed_ms" -lt 10000 ] || fail "gave up only after ${elapsed_ms}ms"
  equals "$(versions)" "$(id 1)"
  kill "$BG_PID" 2>/dev/null; q "SELECT pg_terminate_backend($blocker)" >/dev/null
  ok st upgrade
  equals "$(versions)" "$(id 2)"
}

test_pg_waiting_migration_does_not_stall_other_traffic() {
  new_db; new_project; chain 1
  printf '[strata]\nmigrations = migrations\nlock_timeout = 1s\nlock_retries = 5\n' >strata.ini
  ok st upgrade
  q "INSERT INTO t1 (id, v) VALUES (1, 'a')"
  mig "$(id 2)" "$(id 1)" "ALTER TABLE t1 ADD COLUMN extra integer;" "ALTER TABLE t1 DROP COLUMN extra;"
  # a long reader holds ACCESS SHARE; the migration's ALTER would queue behind it
  bg_psql -c "BEGIN; SELECT count(*) FROM t1; SELECT pg_sleep(60);"
  reader_bg=$BG_PID
  wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND state = 'active')"
  "$STRATA" upgrade >"$T/up.out" 2>"$T/up.err" &
  up_pid=$!
  wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE t1%' AND wait_event_type = 'Lock')"
  # traffic arriving now queues behind the ALTER for at most lock_timeout
  # (1 s), never behind the 60 s reader. The windows the ALTER waits in are
  # a second each, so a loaded machine's slow psql starts still see one;
  # the bound leaves room for a psql start on such a machine.
  start=$(date +%s%N)
  equals "$(q "SET statement_timeout = '5s'; SELECT count(*) FROM t1" | tail -n 1)" 1
  waited=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$waited" -lt 3500 ] || fail "a reader waited ${waited}ms behind the migration"
  set +e; wait "$up_pid"; rc=$?; set -e
  equals "$rc" 3
  kill "$reader_bg" 2>/dev/null || true
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
}

test_pg_nontransactional_concurrent_index_failure_and_recovery() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE items (id integer primary key, v text, u integer);
INSERT INTO items SELECT g, 'v' || g, g % 10 FROM generate_series(1, 1000) g;" "DROP TABLE items;"
  mig "$(id 2)" "$(id 1)" "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_v ON items (v);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_u ON items (u);" "DROP INDEX CONCURRENTLY IF EXISTS items_u;
DROP INDEX CONCURRENTLY IF EXISTS items_v;" "-- transaction: off"
  expect_exit 3 st upgrade
  contains "$ERR" "statement 2"
  contains "$ERR" "INVALID"
  contains "$ERR" "items_u"
  equals "$(versions)" "$(id 1)"
  equals "$(q "SELECT outcome FROM strata_history ORDER BY id DESC LIMIT 1")" failed
  equals "$(q "SELECT statements_run FROM strata_history ORDER BY id DESC LIMIT 1")" 1
  # the next run refuses and says how to resolve it
  expect_exit 3 st upgrade
  contains "$ERR" "--retry-failed"
  contains "$ERR" "strata stamp $(id 2)"
  ok st current
  contains "$ERR" "failed part-way"
  # fix the data and retry: the retry drops the INVALID items_u the failed
  # build left (IF NOT EXISTS alone would keep it) and leaves the valid
  # items_v alone
  q "UPDATE items SET u = id" >/dev/null
  local v_oid; v_oid=$(q "SELECT 'items_v'::regclass::oid")
  ok st upgrade --retry-failed
  contains "$ERR" "dropping the INVALID index public.items_u"
  lacks "$ERR" "INVALID index public.items_v"
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0
  equals "$(q "SELECT indisunique FROM pg_index WHERE indexrelid = 'items_u'::regclass")" t
  equals "$(q "SELECT 'items_v'::regclass::oid")" "$v_oid"
  ok st downgrade "$(id 1)"
  equals "$(q "SELECT count(*) FROM pg_indexes WHERE tablename = 'items'")" 1
}

test_pg_kill9_mid_transaction_then_upgrade_finishes() {
  new_db; new_project; chain 2
  mig "$(id 3)" "$(id 2)" "CREATE TABLE t3 (id integer);
INSERT INTO t3 SELECT generate_series(1, 100);
SELECT pg_sleep(3);" "DROP TABLE t3;"
  "$STRATA" upgrade >"$T/up.out" 2>"$T/up.err" &
  up_pid=$!
  wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%')"
  kill -9 "$up_pid"; wait "$up_pid" 2>/dev/null || true
  # what the database says agrees with itself: t3's transaction never committed
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 't3'")" 0
  ok st upgrade --lock-wait 30s
  equals "$(versions)" "$(id 3)"
  equals "$(q "SELECT count(*) FROM t3")" 100
}

test_pg_schema_qualified_version_table() {
  new_db; new_project; chain 2
  printf '[strata]\nmigrations = migrations\nversion_table = ops.strata_version\n' >strata.ini
  ok st upgrade
  equals "$(q "SELECT revision FROM ops.strata_version")" "$(id 2)"
  equals "$(q "SELECT count(*) FROM ops.strata_history")" 2
  equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'strata_%'")" 0
  ok st current
  contains "$OUT" "$(id 2)"
}

test_pg_password_never_printed() {
  new_db; new_project; chain 2
  local pw=${STRATA_TEST_PG_PASSWORD:?}
  local port=${STRATA_TEST_PG_PORT:?}
  local kv="host=127.0.0.1 port=$port dbname=$PGDB_NAME user=strata_test password=$pw"
  local all="$T/all-output"
  : >"$all"
  capture() { set +e; "$@" >>"$all" 2>&1; set -e; }
  unset STRATA_DATABASE_URL
  capture st -d "$DB" upgrade
  capture st -d "$DB" --json current
  capture st -d "$DB" -v current
  capture st -d "$kv" downgrade -1
  capture st -d "$kv" --json verify
  PGPASSWORD=$pw capture st -d "postgres://strata_test@127.0.0.1:$port/$PGDB_NAME" upgrade
  # failure paths: wrong database, wrong password, bad SQL, lock not had
  capture st -d "${DB%/*}/no_such_db" upgrade
  capture st -d "postgres://strata_test:${pw}x@127.0.0.1:$port/$PGDB_NAME" upgrade
  capture st -d "host=127.0.0.1 port=$port dbname=nope user=strata_test password=$pw" --json current
  PGPASSWORD=$pw capture st -d "host=127.0.0.1 port=$port dbname=nope user=strata_test" upgrade
  mig "$(id 3)" "$(id 2)" "SELEC broken;" "SELECT 1;"
  capture st -d "$DB" upgrade
  capture st -d "$DB" upgrade --sql
  grep -c . "$all" >/dev/null || fail "captured nothing"
  if grep -F -- "$pw" "$all"; then fail "the password appeared in the output"; fi
  grep -q "no_such_db" "$all" || fail "expected the connection error in the output"
}

test_pg_keyword_value_connection_string() {
  new_db; new_project; chain 1
  unset STRATA_DATABASE_URL
  PGPASSWORD=$STRATA_TEST_PG_PASSWORD ok st -d "host=127.0.0.1 port=$STRATA_TEST_PG_PORT dbname=$PGDB_NAME user=strata_test" upgrade
  equals "$(versions)" "$(id 1)"
}

test_pg_functions_do_blocks_and_copy_data() {
  new_db; new_project
  cat >"migrations/$(id 1)_rich.sql" <<SQL
-- revision: $(id 1)
-- revises: base
-- message: functions, DO blocks and COPY data

-- +up
CREATE TABLE prices (id integer PRIMARY KEY, label text, cents integer);
-- a function whose body holds semicolons
CREATE FUNCTION bump(p integer) RETURNS integer LANGUAGE plpgsql AS \$\$
BEGIN
  UPDATE prices SET cents = cents + p; -- inside the body
  RETURN p;
END;
\$\$;
DO \$do\$ BEGIN
  INSERT INTO prices VALUES (100, 'from a DO block; really', 1);
END \$do\$;
COPY prices (id, label, cents) FROM stdin;
1	one; with a semicolon	100
2	two	200
\.
SELECT bump(5);

-- +down
DROP FUNCTION bump(integer);
DROP TABLE prices;
SQL
  ok st hash
  ok st upgrade
  equals "$(q "SELECT string_agg(id || ':' || label || ':' || cents, ',' ORDER BY id) FROM prices")" "1:one; with a semicolon:105,2:two:205,100:from a DO block; really:6"
  ok st downgrade base
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'prices'")" 0
  # the --sql script carries the COPY data and runs under psql
  ok st upgrade --sql base:head
  printf '%s\n' "$OUT" >"$T/s.sql"
  run_script "$T/s.sql"
  equals "$(q "SELECT sum(cents) FROM prices")" 316
  # a syntax error is reported with file:line:col before anything runs
  ok st downgrade base
  mig "$(id 2)" "$(id 1)" "CREATE TABLE ok_table (id integer);
SELEC 1;" "DROP TABLE ok_table;"
  ok st hash
  expect_exit 2 st upgrade
  contains "$ERR" "$(id 2)_m$(id 2).sql:7:1"
  contains "$ERR" "syntax error"
  equals "$(versions)" ""
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('prices', 'ok_table')")" 0
}

# A wrong password is reported with the server's SQLSTATE (28P01, not
# the client's generic 08001), names the user, says where the password
# comes from, and never shows the password that was tried.
test_pg_wrong_password_keeps_server_sqlstate() {
  new_db; new_project; chain 1
  unset STRATA_DATABASE_URL
  local hp=${STRATA_TEST_PG_URL#*@}; hp=${hp%%/*}
  local wrong="Wrong-${STRATA_TEST_PG_PASSWORD:?}-Zq81"
  expect_exit 3 st -d "postgres://strata_test:$wrong@$hp/$PGDB_NAME" current
  contains "$ERR" "password authentication failed for user \"strata_test\""
  contains "$ERR" "SQLSTATE 28P01"
  lacks "$ERR" "08001"
  contains "$ERR" "PGPASSWORD"
  contains "$ERR" ".pgpass"
  lacks "$ERR$OUT" "$wrong"
  lacks "$ERR$OUT" "Zq81"
  # the same through PGPASSWORD and the keyword form
  PGPASSWORD=$wrong expect_exit 3 st -d "host=${hp%:*} port=${hp#*:} user=strata_test dbname=$PGDB_NAME" upgrade
  contains "$ERR" "SQLSTATE 28P01"
  lacks "$ERR$OUT" "Zq81"
  equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
  # other refusals keep the server's code too
  expect_exit 3 st -d "${STRATA_TEST_PG_URL%/*}/no_such_db_zz" current
  contains "$ERR" "SQLSTATE 3D000"
}

run_tests
