#!/usr/bin/env bash
# Fault injection on PostgreSQL: the runner killed at random moments; the
# connection cut (pg_terminate_backend) in the middle of a migration, of
# a backfill and of strata online's backfill; the server stopped and
# started again during a run (on a second throwaway server this suite
# starts and always stops); a role
# without the privilege a migration needs. Each must end with a clear
# error (exit 3), nothing half-applied, nothing lost, and a hint saying
# what to do.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults.sh"

KILL_TRIALS=${STRATA_KILL_TRIALS_POSTGRES:-12}
PGSERVER=$(cd "$(dirname "$0")/.." && pwd)/pgserver.sh
tests_pgserver() { (cd / && "$PGSERVER" "$@"); }

test_pg_sigkill_at_random_moments_leaves_a_consistent_state() {
  kill_trials 200 "$KILL_TRIALS"
}

# The migration under test pauses at "SELECT pg_sleep(30) FROM fault_pause"
# while fault_pause has a row; the test empties it to let a retry through.
PAUSE_SQL="SELECT pg_sleep(30) FROM fault_pause;"
make_pause() { q "CREATE TABLE fault_pause (x integer); INSERT INTO fault_pause VALUES (1)" >/dev/null; }
paused_pid() {
  q "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30) FROM fault_pause%' AND state = 'active' AND datname = current_database() AND pid <> pg_backend_pid()"
}
wait_paused() {
  local i
  for i in $(seq 1 100); do
    PAUSED=$(paused_pid)
    [ -n "$PAUSED" ] && return 0
    sleep 0.1
  done
  fail "the migration never reached its pause"
}

test_pg_connection_cut_mid_migration_rolls_back() {
  new_db; new_project; chain 1
  ok st upgrade
  make_pause
  mig "$(id 2)" "$(id 1)" "CREATE TABLE cut_a (id integer);
INSERT INTO cut_a SELECT generate_series(1, 1000);
$PAUSE_SQL
CREATE TABLE cut_b (id integer);" "DROP TABLE cut_b; DROP TABLE cut_a;"
  "$STRATA" upgrade >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  wait_paused
  equals "$(q "SELECT pg_terminate_backend($PAUSED)")" t
  set +e; wait "$pid"; rc=$?; set -e
  ERR=$(cat "$T/run.err")
  [ "$rc" -eq 3 ] || { echo "$ERR" >&2; fail "exit $rc, expected 3"; }
  contains "$ERR" "$(id 2)"
  contains "$ERR" "terminating connection"
  contains "$ERR" "hint:"
  lacks "$ERR" "$STRATA_TEST_PG_PASSWORD"
  equals "$(versions)" "$(id 1)"
  equals "$(tables | tr '\n' ' ')" "fault_pause t1 "
  equals "$(q "SELECT count(*) FROM strata_history WHERE revision = '$(id 2)' AND outcome = 'applied'")" 0
  q "DELETE FROM fault_pause" >/dev/null
  ok st upgrade
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM cut_a")" 1000
}

# A non-transactional backfill cut part-way: the rows are all still there,
# the revision is marked as not finished, the next run refuses with the way
# out, and --retry-failed (the backfill is repeatable) completes it.
test_pg_connection_cut_mid_backfill_loses_nothing() {
  new_db; new_project; chain 1
  ok st upgrade
  q "CREATE TABLE accounts (id integer primary key, balance integer NOT NULL);
     INSERT INTO accounts SELECT g, g % 997 FROM generate_series(1, 5000) g" >/dev/null
  make_pause
  mig "$(id 2)" "$(id 1)" "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS balance_cents bigint;
UPDATE accounts SET balance_cents = balance * 100 WHERE id <= 2500;
$PAUSE_SQL
UPDATE accounts SET balance_cents = balance * 100 WHERE id > 2500;" \
      "ALTER TABLE accounts DROP COLUMN balance_cents;" "-- transaction: off"
  "$STRATA" upgrade >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  wait_paused
  equals "$(q "SELECT pg_terminate_backend($PAUSED)")" t
  set +e; wait "$pid"; rc=$?; set -e
  ERR=$(cat "$T/run.err")
  [ "$rc" -eq 3 ] || { echo "$ERR" >&2; fail "exit $rc, expected 3"; }
  contains "$ERR" "terminating connection"
  equals "$(q "SELECT count(*) FROM accounts")" 5000
  equals "$(q "SELECT count(*) FROM accounts WHERE balance_cents IS NOT NULL")" 2500
  equals "$(versions)" "$(id 1)"
  expect_exit 3 st upgrade
  contains "$ERR" "$(id 2)"
  contains "$ERR" "--retry-failed"
  contains "$ERR" "strata stamp"
  q "DELETE FROM fault_pause" >/dev/null
  ok st upgrade --retry-failed
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM accounts WHERE balance_cents = balance * 100")" 5000
}

# strata online's backfill cut part-way (its session terminated): a clear
# error naming the way on, the rows already filled kept, writes through
# the old shape go on, and the next start resumes and finishes.
test_pg_connection_cut_during_online_backfill_resumes() {
  new_db
  q "CREATE TABLE big (id bigint PRIMARY KEY, v integer NOT NULL); INSERT INTO big SELECT g, g FROM generate_series(1, 3000) g" >/dev/null
  printf '{"operations": [{"alter_column": {"table": "big", "column": "v", "type": "bigint", "up": "v::bigint * 2", "down": "(v / 2)::integer"}}]}\n' >"$T/cut.json"
  "$STRATA" -d "$DB" online start "$T/cut.json" --batch-size 100 --batch-pause 150ms >"$T/run.out" 2>"$T/run.err" &
  local pid=$! i cut=
  for i in $(seq 1 100); do
    if [ "$(q "SELECT coalesce((progress->>'rows')::int, 0) >= 300 FROM strata_online.migrations WHERE phase = 'started'" 2>/dev/null)" = t ]; then
      cut=$(q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata online' AND datname = current_database() AND pid <> pg_backend_pid()")
      break
    fi
    sleep 0.1
  done
  set +e; wait "$pid"; rc=$?; set -e
  ERR=$(cat "$T/run.err")
  case "$cut" in *t*) ;; *) echo "$ERR" >&2; fail "the backfill was never caught running" ;; esac
  [ "$rc" -eq 3 ] || { echo "$ERR" >&2; fail "exit $rc, expected 3"; }
  contains "$ERR" "terminating connection"
  contains "$ERR" "backfilling public.big"
  contains "$ERR" "run strata online start with the same file again to resume"
  lacks "$ERR" "$STRATA_TEST_PG_PASSWORD"
  local done_rows
  done_rows=$(q "SELECT (progress->>'rows')::int FROM strata_online.migrations WHERE phase = 'started'")
  [ "$done_rows" -ge 300 ] && [ "$done_rows" -lt 3000 ] || fail "cut after $done_rows rows"
  equals "$(q "SELECT count(*) FROM big")" 3000
  # writes go on meanwhile, through the old shape, and reach the new column
  q "UPDATE big SET v = 7 WHERE id = 2999; INSERT INTO big VALUES (3001, 5)" >/dev/null
  ok "$STRATA" -d "$DB" online start "$T/cut.json" --batch-size 500
  contains "$ERR" "resuming"
  equals "$(q "SELECT count(*) FROM big WHERE _strata_new_v IS DISTINCT FROM v::bigint * 2")" 0
  ok "$STRATA" -d "$DB" online complete
  equals "$(q "SELECT count(*), sum(v) FROM big")" "3001|8997026"
}

test_pg_server_stopped_and_restarted_during_a_run() {
  OWN_PG=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg-own.XXXXXX")
  trap 'tests_pgserver stop "$OWN_PG" 2>/dev/null || rmdir "$OWN_PG"' EXIT
  eval "$(tests_pgserver start "$OWN_PG")"
  DB=$STRATA_TEST_PG_URL
  export STRATA_DATABASE_URL=$DB
  new_project; chain 2
  ok st upgrade
  make_pause
  mig "$(id 3)" "$(id 2)" "CREATE TABLE during_restart (id integer);
$PAUSE_SQL" "DROP TABLE during_restart;"
  "$STRATA" upgrade >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  wait_paused
  tests_pgserver halt "$OWN_PG"
  set +e; wait "$pid"; rc=$?; set -e
  ERR=$(cat "$T/run.err")
  [ "$rc" -eq 3 ] || { echo "$ERR" >&2; fail "exit $rc, expected 3"; }
  contains "$ERR" "$(id 3)"
  contains "$ERR" "hint:"
  lacks "$ERR" "$STRATA_TEST_PG_PASSWORD"
  # while it is down: a clear connection error
  expect_exit 3 st upgrade
  contains "$ERR" "cannot connect"
  contains "$ERR" "hint: check that the server is running"
  lacks "$ERR" "$STRATA_TEST_PG_PASSWORD"
  tests_pgserver resume "$OWN_PG"
  equals "$(versions)" "$(id 2)"
  equals "$(tables | tr '\n' ' ')" "fault_pause t1 t2 "
  q "DELETE FROM fault_pause" >/dev/null
  ok st upgrade
  equals "$(versions)" "$(id 3)"
}


test_pg_role_without_privilege_gets_a_clear_error() {
  new_db; new_project; chain 1
  role="app_${PGDB_NAME}"
  app_pw="App-Pw-$RANDOM-x9"
  q "CREATE ROLE $role LOGIN PASSWORD '$app_pw'" >/dev/null
  trap 'q "DROP OWNED BY $role" >/dev/null 2>&1; psql -X -q "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$PGDB_NAME\"" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1' EXIT
  app_url="postgres://$role:$app_pw@127.0.0.1:$STRATA_TEST_PG_PORT/$PGDB_NAME"
  # PostgreSQL 15: only the database owner may create in schema public
  expect_exit 3 st -d "$app_url" upgrade
  contains "$ERR" "permission denied for schema public"
  contains "$ERR" "hint:"
  contains "$ERR" "$role"
  lacks "$ERR$OUT" "$app_pw"
  equals "$(q "SELECT to_regclass('strata_version') IS NULL")" t
  q "GRANT CREATE ON SCHEMA public TO $role; CREATE TABLE owned_by_admin (id integer)" >/dev/null
  mig "$(id 2)" "$(id 1)" "CREATE TABLE t2 (id integer);
ALTER TABLE owned_by_admin ADD COLUMN extra integer;" "DROP TABLE t2;"
  expect_exit 3 st -d "$app_url" upgrade
  contains "$ERR" "$(id 2)"
  contains "$ERR" "must be owner of table owned_by_admin"
  contains "$ERR" "hint:"
  contains "$ERR" "$role"
  lacks "$ERR$OUT" "$app_pw"
  equals "$(versions)" "$(id 1)"
  equals "$(tables | tr '\n' ' ')" "owned_by_admin t1 "
  q "ALTER TABLE owned_by_admin OWNER TO $role" >/dev/null
  ok st -d "$app_url" upgrade
  equals "$(versions)" "$(id 2)"
}

run_tests
