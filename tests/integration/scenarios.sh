# tests/integration/scenarios.sh - versioned-migration scenarios, written
# once and run on both engines (suite_sqlite.sh, suite_postgres.sh).

test_linear_up_down_and_back() {
  new_db; new_project; chain 5
  ok st upgrade
  equals "$(versions)" "$(id 5)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 t3 t4 t5 "
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'applied'")" 5
  ok st current
  contains "$OUT" "$(id 5) (head) migration $(id 5)"
  ok st downgrade -2
  equals "$(versions)" "$(id 3)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 t3 "
  ok st downgrade "$(id 1)"
  equals "$(versions)" "$(id 1)"
  ok st downgrade base
  equals "$(versions)" ""
  equals "$(tables | wc -l)" 0
  ok st upgrade +2
  equals "$(versions)" "$(id 2)"
  ok st upgrade head
  equals "$(versions)" "$(id 5)"
  ok st upgrade
  contains "$ERR" "already up to date"
  # the audit trail keeps every step, with checksum, user, host, version
  # 5 up, 2 + 2 + 1 down, 2 + 3 up
  equals "$(q "SELECT count(*) FROM strata_history")" 15
  equals "$(q "SELECT count(*) FROM strata_history WHERE checksum LIKE 'sha256-v1:%' AND db_user IS NOT NULL AND client_host IS NOT NULL AND tool_version IS NOT NULL AND finished_at IS NOT NULL AND duration_ms >= 0")" 15
}

test_branch_and_merge() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE root (id integer);" "DROP TABLE root;"
  mig "$(id 2)" "$(id 1)" "CREATE TABLE left_t (id integer);" "DROP TABLE left_t;" "-- branch: left"
  mig "$(id 3)" "$(id 1)" "CREATE TABLE right_t (id integer);" "DROP TABLE right_t;" "-- branch: right"
  # several heads and no target named: bad usage (exit 2), nothing touched
  expect_exit 2 st upgrade
  contains "$ERR" "2 heads"
  contains "$ERR" "name one head"
  contains "$ERR" "strata merge"
  assert_untouched
  expect_exit 2 st upgrade head
  contains "$ERR" "2 heads"
  ok st heads
  contains "$OUT" "$(id 2)"; contains "$OUT" "$(id 3)"
  ok st branches
  contains "$OUT" "branchpoint"
  ok st upgrade left@head
  equals "$(versions)" "$(id 2)"
  ok st upgrade heads
  equals "$(versions)" "$(id 2) $(id 3)"
  ok st merge -m "join left and right"
  merge_file=$OUT
  [ -f "$merge_file" ] || fail "merge did not print its file"
  merge_id=$(basename "$merge_file" | cut -c1-12)
  ok st heads
  equals "$(echo "$OUT" | wc -l)" 1
  ok st upgrade
  equals "$(versions)" "$merge_id"
  ok st downgrade "$(id 2)"
  equals "$(versions)" "$(id 2) $(id 3)"
  ok st downgrade "$(id 1)"
  equals "$(versions)" "$(id 1)"
  equals "$(tables | tr '\n' ' ')" "root "
  ok st graph --format dot
  contains "$OUT" "\"$(id 1)\" -> \"$(id 2)\""
  contains "$OUT" "\"$(id 3)\" -> \"$merge_id\""
  ok st graph --format mermaid
  contains "$OUT" "r$(id 2) --> r$merge_id"
  ok st history --json
  equals "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 4
}

test_depends_on_pulls_in_dependency() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE accounts (id integer primary key);" "DROP TABLE accounts;"
  mig "$(id 2)" base "CREATE TABLE audit (id integer);" "DROP TABLE audit;"
  mig "$(id 3)" "$(id 2)" "CREATE TABLE audit_accounts (account_id integer references accounts(id));" "DROP TABLE audit_accounts;" "-- depends-on: $(id 1)"
  ok st upgrade "$(id 3)"
  equals "$(tables | tr '\n' ' ')" "accounts audit audit_accounts "
  equals "$(versions)" "$(id 3)"
  # the dependency ran before its dependant
  equals "$(q "SELECT revision FROM strata_history ORDER BY id" | tr '\n' ' ')" "$(id 1) $(id 2) $(id 3) "
  ok st downgrade "$(id 2)"
  equals "$(versions)" "$(id 1) $(id 2)"
}

test_stamp_and_purge() {
  new_db; new_project; chain 3
  ok st stamp "$(id 2)"
  equals "$(versions)" "$(id 2)"
  equals "$(tables | wc -l)" 0
  ok st upgrade
  equals "$(tables | tr '\n' ' ')" "t3 "
  ok st stamp base
  equals "$(versions)" ""
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'stamped'")" 5
  q "INSERT INTO strata_version (revision) VALUES ('ffffffffffff')"
  expect_exit 2 st upgrade
  contains "$ERR" "ffffffffffff"
  contains "$ERR" "strata stamp --purge"
  # the command the hint gives is the one that works: plain stamp refuses
  expect_exit 2 st stamp "$(id 3)"
  contains "$ERR" "strata stamp --purge"
  equals "$(versions)" "ffffffffffff"
  ok st stamp --purge "$(id 3)"
  equals "$(versions)" "$(id 3)"
}

test_failing_migration_leaves_database_unchanged() {
  new_db; new_project; chain 2
  mig "$(id 3)" "$(id 2)" "CREATE TABLE t3 (id integer);
INSERT INTO t1 (id, v) VALUES (1, 'x');
INSERT INTO no_such_table VALUES (1);" "DROP TABLE t3;"
  ok st upgrade "$(id 2)"
  before=$(schema_dump)
  expect_exit 3 st upgrade
  contains "$ERR" "$(id 3)"
  contains "$ERR" "migrations/$(id 3)_m$(id 3).sql:8"
  contains "$ERR" "no_such_table"
  contains "$ERR" "rolled back"
  equals "$(schema_dump)" "$before"
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM t1")" 0
  equals "$(q "SELECT outcome FROM strata_history ORDER BY id DESC LIMIT 1")" "rolled-back"
}

test_concurrent_runners_apply_each_revision_once() {
  new_db; new_project
  local n=50 runners=4
  if [ "$ENGINE" = postgres ]; then n=100; runners=8; fi
  chain "$n"
  local pids=() i
  for i in $(seq 1 "$runners"); do
    "$STRATA" -q upgrade --lock-wait 120s >"$T/r$i.out" 2>"$T/r$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { cat "$T/r$((i + 1)).err" >&2; fail "runner $((i + 1)) failed"; }
  done
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'applied'")" "$n"
  equals "$(q "SELECT count(DISTINCT revision) FROM strata_history WHERE outcome = 'applied'")" "$n"
  equals "$(versions)" "$(id "$n")"
  equals "$(tables | wc -l)" "$n"
}

# Every bad migrations folder exits 2 before touching the database.
assert_untouched() {
  if [ "$ENGINE" = postgres ]; then
    equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
  else
    [ ! -e "${DB#sqlite:}" ] || fail "the database file was created"
  fi
}

bad_input_case() {
  local what=$1 expect=$2
  expect_exit 2 st upgrade
  contains "$ERR" "$expect"
  assert_untouched
  echo "ok: $what" >&2
}

test_bad_inputs_exit_2_and_touch_nothing() {
  new_db
  new_project; chain 2
  mig "$(id 1)" "$(id 2)" "SELECT 1;" "SELECT 1;"
  bad_input_case cycle "cycle"
  rm -rf migrations/*
  chain 1; cp "migrations/$(id 1)_m$(id 1).sql" "migrations/$(id 1)_copy.sql"
  bad_input_case duplicate "$(id 1)"
  rm -rf migrations/*
  mig "$(id 2)" "$(id 9)" "SELECT 1;" "SELECT 1;"
  bad_input_case missing-parent "$(id 9)"
  rm -rf migrations/*
  printf -- '-- revision: not/an/id\n-- revises: base\n\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n' >migrations/not_x.sql
  bad_input_case malformed-header "not_x.sql:1"
  rm -rf migrations/*
  printf -- '-- revision: %s\n-- revises: base\n-- colour: blue\n\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n' "$(id 1)" >"migrations/$(id 1)_x.sql"
  bad_input_case unknown-key "colour"
  rm -rf migrations/*
  : >"migrations/$(id 1)_empty.sql"
  bad_input_case empty-file "empty"
  rm -rf migrations/*
  printf -- '-- revision: %s\n-- revises: base\n\n-- +up\nSELECT \xff\xfe;\n-- +down\nSELECT 1;\n' "$(id 1)" >"migrations/$(id 1)_utf.sql"
  bad_input_case invalid-utf8 "UTF-8"
  rm -rf migrations/*
  { printf -- '-- revision: %s\n-- revises: base\n\n-- +up\n' "$(id 1)"; head -c 10000000 /dev/zero | tr '\0' 'x'; printf '\n-- +down\nSELECT 1;\n'; } >"migrations/$(id 1)_big.sql"
  bad_input_case ten-megabyte-file "too large"
  rm -rf migrations/*
  printf -- '-- revision: %s\n-- revises: base\n\n-- +up\nSELECT 1;\n' "$(id 1)" >"migrations/$(id 1)_nodown.sql"
  bad_input_case missing-down "irreversible"
  rm -rf migrations/*
  chain 2
  expect_exit 2 st upgrade nosuchrev
  contains "$ERR" "nosuchrev"
  assert_untouched
  expect_exit 2 st upgrade --no-such-flag
  contains "$ERR" "--no-such-flag"
  expect_exit 2 st upgrade --lock-timeout forever
  contains "$ERR" "forever"
  assert_untouched
}

test_offline_sql_script_reaches_same_state() {
  new_db; new_project; chain 4
  mig "$(id 5)" "$(id 4)" "CREATE INDEX t4_v ON t4 (v);
INSERT INTO t4 (id, v) VALUES (1, 'it''s; fine');" "DROP INDEX t4_v;"
  ok st upgrade --sql base:head
  printf '%s\n' "$OUT" >"$T/script.sql"
  contains "$OUT" "BEGIN;"
  contains "$OUT" "COMMIT;"
  contains "$OUT" "INSERT INTO \"strata_history\""
  equals "$(tables | wc -l)" 0
  run_script "$T/script.sql"
  scripted_schema=$(schema_dump); scripted_versions=$(versions)
  scripted_rows=$(q "SELECT v FROM t4")
  equals "$scripted_rows" "it's; fine"
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'applied'")" 5
  # strata itself, on a fresh database, reaches the same place
  local scripted_db=$DB
  new_db
  ok st upgrade
  equals "$(schema_dump)" "$scripted_schema"
  equals "$(versions)" "$scripted_versions"
  # and strata sees the scripted database as up to date
  DB=$scripted_db; export STRATA_DATABASE_URL=$DB
  ok st upgrade
  contains "$ERR" "already up to date"
  # downgrade script from the database's state
  ok st downgrade --sql head:"$(id 2)"
  printf '%s\n' "$OUT" >"$T/down.sql"
  run_script "$T/down.sql"
  equals "$(versions)" "$(id 2)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 "
}

test_verify_catches_edited_applied_revision_and_stale_sum() {
  new_db; new_project; chain 3
  ok st hash
  ok st verify --offline
  if [ "$ENGINE" = postgres ]; then ok st verify; fi  # (a missing SQLite file: exit 2)
  ok st upgrade
  ok st verify
  # an applied revision edited: verify exit 1, upgrade refuses
  sed -i 's/CREATE TABLE t2 (id integer primary key, v text)/CREATE TABLE t2 (id integer primary key, v text, w text)/' "migrations/$(id 2)_m$(id 2).sql"
  ok st hash
  expect_exit 1 st verify
  contains "$ERR" "$(id 2)"
  contains "$ERR" "changed since it was applied"
  mig "$(id 4)" "$(id 3)" "CREATE TABLE t4 (id integer);" "DROP TABLE t4;"
  ok st hash
  expect_exit 1 st upgrade
  contains "$ERR" "allow-changed"
  equals "$(tables | wc -l)" 3
  ok st upgrade --allow-changed
  equals "$(tables | wc -l)" 4
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'accepted'")" 1
  ok st verify
  # a stale strata.sum: exit 1 before touching the database
  mig "$(id 5)" "$(id 4)" "CREATE TABLE t5 (id integer);" "DROP TABLE t5;"
  expect_exit 1 st verify
  contains "$ERR" "added: $(id 5)_m$(id 5).sql"
  contains "$ERR" "strata hash"
  expect_exit 1 st upgrade
  equals "$(tables | wc -l)" 4
  ok st hash
  ok st upgrade
  equals "$(tables | wc -l)" 5
  ok st verify --json
  contains "$OUT" '"ok": true'
}

test_irreversible_revision_stops_downgrade() {
  new_db; new_project; chain 2
  printf -- '-- revision: %s\n-- revises: %s\n-- message: drop data\n-- irreversible: the old rows are gone\n\n-- +up\nDROP TABLE t1;\n' "$(id 3)" "$(id 2)" >"migrations/$(id 3)_drop.sql"
  mig "$(id 4)" "$(id 3)" "CREATE TABLE t4 (id integer);" "DROP TABLE t4;"
  ok st upgrade
  expect_exit 3 st downgrade base
  contains "$ERR" "irreversible"
  contains "$ERR" "the old rows are gone"
  # nothing was reverted, not even the revision above it
  equals "$(versions)" "$(id 4)"
  ok st downgrade "$(id 3)"
  equals "$(versions)" "$(id 3)"
}

test_revision_and_merge_commands() {
  new_db
  ok st init proj
  cd proj
  ok st revision -m "create users"
  first=$OUT
  contains "$first" "_create_users.sql"
  grep -q '^-- revises: base$' "$first" || fail "first revision should revise base"
  first_id=$(basename "$first" | cut -c1-12)
  sed -i 's/^-- write the upgrade SQL here$/CREATE TABLE users (id integer);/; s/^-- write the downgrade SQL here$/DROP TABLE users;/' "$first"
  ok st revision -m "orders" --no-transaction
  second=$OUT
  grep -q "^-- revises: $first_id\$" "$second" || fail "second revision should revise the first"
  grep -q '^-- transaction: off$' "$second" || fail "--no-transaction not written"
  ok st revision -m "side branch" --head "$first_id" --branch side
  third=$OUT
  grep -q '^-- branch: side$' "$third" || fail "--branch not written"
  expect_exit 2 st revision -m "which parent"
  contains "$ERR" "2 heads"
  ok st merge -m "join"
  ok st heads --json
  equals "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
  # the two revisions still holding placeholders are reported, then pass once filled
  expect_exit 1 st verify --offline
  contains "$ERR" "the up section is empty"
  contains "$ERR" "$(basename "$second")"
  sed -i 's/^-- write the upgrade SQL here$/SELECT 1;/; s/^-- write the downgrade SQL here$/SELECT 1;/' "$second" "$third"
  ok st hash
  ok st verify --offline
  ok st upgrade
  ok st show "$first_id"
  contains "$OUT" "CREATE TABLE users"
  expect_exit 2 st show "${first_id:0:2}"
  ok st history -r "$first_id:"
  contains "$OUT" "$first_id"
}

# history -r takes relative bounds as upgrade and downgrade do: -N is where
# `downgrade -N` would go, +N where `upgrade +N` would, current the state.
test_history_relative_ranges() {
  new_db; new_project; chain 6
  ok st upgrade "$(id 5)"
  ok st history -r -3:
  equals "$(printf '%s\n' "$OUT" | cut -c1-12 | tr '\n' ' ')" "$(id 6) $(id 5) $(id 4) $(id 3) $(id 2) "
  ok st history -r -3:current
  equals "$(printf '%s\n' "$OUT" | cut -c1-12 | tr '\n' ' ')" "$(id 5) $(id 4) $(id 3) $(id 2) "
  ok st history -r current:
  equals "$(printf '%s\n' "$OUT" | cut -c1-12 | tr '\n' ' ')" "$(id 6) $(id 5) "
  ok st history -r "$(id 2):+1" --json
  equals "$(echo "$OUT" | python3 -c 'import json,sys; print(" ".join(r["revision"] for r in json.load(sys.stdin)))')" "$(id 6) $(id 5) $(id 4) $(id 3) $(id 2)"
  expect_exit 2 st history -r -9:
  contains "$ERR" "only 5 are applied"
  lacks "$ERR" "stamp"
  # named bounds still need no database
  ok st -d "sqlite:$T/never.db" history -r "$(id 4):"
  equals "$(printf '%s\n' "$OUT" | wc -l)" 3
  [ ! -e "$T/never.db" ] || fail "history created a database"
  expect_exit 2 st -d "sqlite:$T/never.db" history -r -1:
  contains "$ERR" "$T/never.db does not exist"
  [ ! -e "$T/never.db" ] || fail "history created a database"
}

test_help_and_usage() {
  ok st help
  contains "$OUT" "upgrade"
  ok st help upgrade
  contains "$OUT" "--sql"
  ok st upgrade --help
  contains "$OUT" "--lock-timeout"
  expect_exit 2 st frobnicate
  contains "$ERR" "unknown command"
  ok st --version
  contains "$OUT" "strata "
}


test_single_transaction_is_all_or_nothing() {
  new_db; new_project; chain 3
  mig "$(id 4)" "$(id 3)" "CREATE TABLE t4 (id integer);
INSERT INTO missing_table VALUES (1);" "DROP TABLE t4;"
  expect_exit 3 st upgrade --single-transaction
  contains "$ERR" "single-transaction"
  equals "$(tables | wc -l)" 0
  equals "$(versions)" ""
  ok st upgrade --single-transaction "$(id 3)"
  equals "$(versions)" "$(id 3)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 t3 "
  mig "$(id 5)" "$(id 3)" "CREATE INDEX t3_v ON t3 (v);" "DROP INDEX t3_v;" "-- transaction: off"
  rm "migrations/$(id 4)_m$(id 4).sql"
  expect_exit 2 st upgrade --single-transaction
  contains "$ERR" "transaction: off"
}

# write_sql FILE UP DOWN: fill in the sections of a file strata revision wrote.
write_sql() { sed -i "s/^-- write the upgrade SQL here\$/$2/; s/^-- write the downgrade SQL here\$/$3/" "$1"; }

# A revision created, then edited: strict mode says to run strata hash;
# sum = auto records it because the database has not applied it, and
# still refuses an edit of an applied revision.
test_sum_auto_records_only_unapplied_revisions() {
  new_db; new_project; chain 1
  ok st hash
  ok st upgrade
  ok st revision -m "add t2"
  local f2=$OUT
  write_sql "$f2" "CREATE TABLE t2 (id integer);" "DROP TABLE t2;"
  expect_exit 1 st upgrade
  contains "$ERR" "changed: $(basename "$f2")"
  contains "$ERR" "run 'strata hash' to record them"
  contains "$ERR" "sum = auto"
  equals "$(tables | tr '\n' ' ')" "t1 "
  printf 'sum = auto\n' >>strata.ini
  # --sql has no database state to decide by: strict
  expect_exit 1 st upgrade --sql
  contains "$ERR" "changed: $(basename "$f2")"
  ok st upgrade
  contains "$ERR" "recorded $(basename "$f2") in strata.sum (not applied on this database; sum = auto)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 "
  ok st verify
  # an applied revision's edit is refused, and strata.sum is left as it was
  ok st revision -m "add t3"
  local f3=$OUT
  write_sql "$f3" "CREATE TABLE t3 (id integer);" "DROP TABLE t3;"
  sed -i 's/CREATE TABLE t2 (id integer)/CREATE TABLE t2 (id integer, w text)/' "$f2"
  cp migrations/strata.sum "$T/sum.before"
  expect_exit 1 st upgrade
  contains "$ERR" "changed: $(basename "$f2") (revision $(basename "$f2" | cut -c1-12) is applied on this database)"
  lacks "$ERR" "$(basename "$f3")"
  cmp -s migrations/strata.sum "$T/sum.before" || fail "a refused run rewrote strata.sum"
  equals "$(tables | tr '\n' ' ')" "t1 t2 "
  expect_exit 1 st verify --offline
  # once reverted it is not applied, so auto records the edit
  sed -i 's/CREATE TABLE t2 (id integer, w text)/CREATE TABLE t2 (id integer)/' "$f2"
  ok st downgrade "$(id 1)"
  contains "$ERR" "recorded $(basename "$f3") in strata.sum"
  sed -i 's/CREATE TABLE t2 (id integer)/CREATE TABLE t2 (id integer, w text)/' "$f2"
  ok st upgrade
  contains "$ERR" "recorded $(basename "$f2") in strata.sum"
  equals "$(tables | tr '\n' ' ')" "t1 t2 t3 "
  ok st verify
}

# Concurrent runners and a slow `transaction: off` revision: the run lock
# must outlive that revision's transactions, so each revision's effect
# lands exactly once, and no runner that waited calls the winner's
# revision "interrupted" while the winner is still running it.
test_concurrent_runners_with_slow_nontransactional_revision() {
  new_project
  local slow tries=5 runners=5 try i
  if [ "$ENGINE" = postgres ]; then
    slow="SELECT pg_sleep(0.4);"
  else
    slow="INSERT INTO bulk WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x FROM c;"
  fi
  mig "$(id 1)" base "CREATE TABLE hits (rev text); CREATE TABLE bulk (n integer);" "DROP TABLE bulk; DROP TABLE hits;"
  mig "$(id 2)" "$(id 1)" "INSERT INTO hits VALUES ('slow');
$slow
INSERT INTO hits VALUES ('slow-end');" "DELETE FROM hits;" "-- transaction: off"
  mig "$(id 3)" "$(id 2)" "INSERT INTO hits VALUES ('next');" "DELETE FROM hits WHERE rev = 'next';"
  for try in $(seq 1 "$tries"); do
    new_db
    local pids=()
    for i in $(seq 1 "$runners"); do
      "$STRATA" upgrade --lock-wait 60s >"$T/r$try.$i.out" 2>"$T/r$try.$i.err" &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || { cat "$T/r$try.$((i + 1)).err" >&2; fail "try $try: runner $((i + 1)) failed"; }
    done
    for i in $(seq 1 "$runners"); do
      lacks "$(cat "$T/r$try.$i.err")" "interrupted"
    done
    equals "$(q "SELECT rev || '=' || count(*) FROM hits GROUP BY rev ORDER BY rev" | tr '\n' ' ')" "next=1 slow=1 slow-end=1 "
    equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'applied'")" 3
    equals "$(versions)" "$(id 3)"
  done
}

# A `transaction: off` revision still running is "being applied", not
# "interrupted"; once its runner is killed, it is interrupted.
test_running_revision_is_called_dead_only_when_its_runner_is_gone() {
  new_db; new_project; chain 1
  local slow
  if [ "$ENGINE" = postgres ]; then
    slow="SELECT pg_sleep(30);"
  else
    slow="SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT x FROM c);"
  fi
  mig "$(id 2)" "$(id 1)" "$slow" "SELECT 1;" "-- transaction: off"
  "$STRATA" upgrade >"$T/runner.out" 2>"$T/runner.err" &
  local pid=$! n
  for n in $(seq 1 100); do
    [ "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'running'" 2>/dev/null)" = 1 ] && break
    sleep 0.1
  done
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'running'")" 1
  ok st verify
  contains "$ERR" "revision $(id 2) is being applied by another strata run right now"
  lacks "$ERR" "interrupted"
  ok st current
  contains "$ERR" "being applied by another strata run right now"
  expect_exit 3 st upgrade --lock-wait 200ms
  contains "$ERR" "migration lock"
  lacks "$ERR" "interrupted"
  kill -9 "$pid"; wait "$pid" || true
  # PostgreSQL: the server session runs on until its statement ends; end it
  if [ "$ENGINE" = postgres ]; then
    server_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
    for n in $(seq 1 50); do
      [ "$(server_q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")" = 0 ] && break
      sleep 0.1
    done
  fi
  expect_exit 1 st verify
  contains "$ERR" "revision $(id 2)"
  expect_exit 3 st upgrade
  contains "$ERR" "was interrupted part-way"
}
