#!/usr/bin/env bash
# Fault injection on SQLite: the runner killed at random moments, a
# read-only database file, a full disk (a file-size limit), and a file
# locked by another writer. Each must end with a clear error (exit 3),
# nothing half-applied, nothing lost, and a hint saying what to do.
#
# Read-only: the suite runs as root, which ignores file permissions, so
# strata runs as the unprivileged user "nobody" (runuser) on a file and
# folder owned by root with mode 0644/0755.
ENGINE=sqlite
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults.sh"

KILL_TRIALS=${STRATA_KILL_TRIALS_SQLITE:-30}

test_sigkill_at_random_moments_leaves_a_consistent_state() {
  kill_trials 200 "$KILL_TRIALS"
}

# One applied revision, one pending that writes about 2 MB.
setup_big_pending() {
  new_db; new_project; chain 1
  ok st upgrade
  mig "$(id 2)" "$(id 1)" "CREATE TABLE big (id integer primary key, b blob);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)
INSERT INTO big (b) SELECT randomblob(1000) FROM c;" "DROP TABLE big;"
  q "INSERT INTO t1 (id, v) VALUES (1, 'kept')"
  cp "${DB#sqlite:}" "$T/before.sqlite"
}

unchanged_since_setup() {
  equals "$(versions)" "$(id 1)"
  equals "$(tables | tr '\n' ' ')" "t1 "
  equals "$(q "SELECT v FROM t1")" kept
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'applied'")" 1
}

test_read_only_file_is_a_clear_error_and_changes_nothing() {
  getent passwd nobody >/dev/null || fail "no user 'nobody' to run as"
  setup_big_pending
  chmod 755 "$SUITE_TMP" "$T" "$T/proj" "$T/proj/migrations"
  chmod 644 "${DB#sqlite:}"
  expect_exit 3 runuser -u nobody -- "$STRATA" upgrade
  contains "$ERR" "readonly database"
  contains "$ERR" "$(id 2)"
  contains "$ERR" "hint: check the permissions of the file and of its folder"
  cmp -s "${DB#sqlite:}" "$T/before.sqlite" || fail "the read-only database changed"
  unchanged_since_setup
  ok st upgrade
  equals "$(versions)" "$(id 2)"
}

test_full_disk_is_a_clear_error_and_rolls_back() {
  setup_big_pending
  # 256 KiB: the first revision fits, the 2 MB one does not.
  expect_exit 3 bash -c 'ulimit -f 256; exec "$0" upgrade' "$STRATA"
  contains "$ERR" "$(id 2)"
  contains "$ERR" "cannot write to"
  contains "$ERR" "hint: check free space, the file-size limit (ulimit -f)"
  lacks "$ERR" "Fix the statement"
  unchanged_since_setup
  [ ! -e "${DB#sqlite:}-journal" ] || fail "a journal was left behind"
  ok st upgrade
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM big")" 2000
}

test_file_locked_by_another_writer_waits_then_gives_up_clearly() {
  setup_big_pending
  mkfifo "$T/hold"
  # sqlite3 holds a write transaction until its input closes.
  sqlite3 "${DB#sqlite:}" <"$T/hold" >/dev/null 2>&1 &
  holder=$!
  exec 7>"$T/hold"
  echo "BEGIN IMMEDIATE; INSERT INTO t1 (id, v) VALUES (2, 'other writer');" >&7
  for _ in $(seq 1 50); do
    [ -e "${DB#sqlite:}-journal" ] && break
    sleep 0.1
  done
  start=$(date +%s%N)
  expect_exit 3 st upgrade --lock-wait 500ms
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  contains "$ERR" "locked by another writer"
  contains "$ERR" "hint: another process is writing to it"
  [ "$elapsed_ms" -ge 400 ] || fail "gave up after ${elapsed_ms}ms, before --lock-wait"
  echo "COMMIT;" >&7
  exec 7>&-
  wait "$holder"
  # the other writer's row is there, strata's revision is not
  equals "$(q "SELECT count(*) FROM t1")" 2
  equals "$(versions)" "$(id 1)"
  ok st upgrade
  equals "$(versions)" "$(id 2)"
}

run_tests
