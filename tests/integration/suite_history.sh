#!/usr/bin/env bash
# Release history, on SQLite and on the throwaway PostgreSQL: strata log
# after every kind of step (applied, rolled-back, failed, stamped,
# accepted, reverted, a retry, a baseline, a run in progress and one that
# died), each field in --json and the text form, every filter; history -v
# and -i, current -v; the created header strata revision writes; strata
# check's exit codes with the difference printed.
. "$(dirname "$0")/lib.sh"

ISO_MS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
ISO_S='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

# log_json [ARGS]: strata log --json ARGS into $OUT (exit 0 checked).
log_json() { ok st log --json "$@"; }
# jqr FILTER: FILTER on $OUT, raw; $iso in it is ISO_MS.
jqr() { printf '%s' "$OUT" | jq -r --arg iso "$ISO_MS" "$1"; }

# Who and where the rows say ran strata, as the engine reports it.
db_user() {
  if [ "$ENGINE" = postgres ]; then q "SELECT current_user"; else command id -un; fi
}

# mig_notx ID PARENT UP DOWN: a transaction: off revision.
mig_notx() { mig "$1" "$2" "$3" "$4" "-- transaction: off"; }

# The project of test_log_*: r1, r2 (branch label "two") applied; r3 rolled
# back, then fixed and applied; r4 (transaction: off) failed at statement
# 2, then stamped; r1's file edited and accepted with --allow-changed; r4
# reverted. Sets R1..R4.
history_project() {
  # R4 apart from the others, so that a prefix of it is unique
  R1=$(id 1) R2=$(id 2) R3=$(id 3) R4=c0ffee000004
  new_db; new_project
  mig "$R1" base "CREATE TABLE t1 (id integer);" "DROP TABLE t1;"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer);" "DROP TABLE t2;" "-- branch: two"
  ok st hash
  ok st upgrade
  mig "$R3" "$R2" "CREATE TABLE t3 (id integer);
INSERT INTO missing_table VALUES (1);" "DROP TABLE t3;"
  ok st hash
  expect_exit 3 st upgrade
  mig "$R3" "$R2" "CREATE TABLE t3 (id integer);" "DROP TABLE t3;"
  ok st hash
  ok st upgrade
  mig_notx "$R4" "$R3" "CREATE TABLE t4 (id integer);
INSERT INTO missing_too VALUES (1);" "DROP TABLE t4;"
  ok st hash
  expect_exit 3 st upgrade
  ok st stamp "$R4"
  mig "$R1" base "CREATE TABLE t1 (id integer); -- edited after it was applied" "DROP TABLE t1;"
  ok st hash
  expect_exit 1 st upgrade
  ok st upgrade --allow-changed
  ok st downgrade -1
}

test_log_every_field_in_json() {
  local user host version
  history_project
  user=$(db_user); host=$(hostname); version=$(st version | awk '{print $2}')
  log_json
  # newest first; the running rows of r4's steps (up, then down) are
  # folded into the rows that closed them
  equals "$(jqr 'map(.outcome + " " + .direction + " " + .revision) | join(",")')" \
    "reverted down $R4,accepted up $R1,stamped up $R4,failed up $R4,applied up $R3,rolled-back up $R3,applied up $R2,applied up $R1"
  equals "$(q "SELECT count(*) FROM strata_history")" 10
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome = 'running'")" 2
  equals "$(jqr '[.[].id] | . == (sort | reverse) and (unique | length) == 8')" true
  # every object has every field, each of its type, from the row and the file
  equals "$(jqr 'map(keys_unsorted | join(" ")) | unique | .[]')" \
    "id started_at finished_at direction revision message file outcome duration_ms statements_run db_user client_host tool_version checksum error failed_statement note"
  equals "$(jqr 'map(.started_at | test($iso)) | all')" true
  equals "$(jqr 'map(.finished_at | test($iso)) | all')" true
  equals "$(jqr 'map(.started_at <= .finished_at) | all')" true
  equals "$(jqr '[.[].db_user] | unique | join(",")')" "$user"
  equals "$(jqr '[.[].client_host] | unique | join(",")')" "$host"
  equals "$(jqr '[.[].tool_version] | unique | join(",")')" "$version"
  equals "$(jqr 'map(.duration_ms | type == "number" and . >= 0) | all')" true
  equals "$(jqr 'map(.checksum | test("^sha256-v1:[0-9a-f]{64}$")) | all')" true
  equals "$(jqr "map(select(.revision == \"$R2\") | .message + \"|\" + .file) | .[]")" \
    "migration $R2|$T/proj/migrations/${R2}_m$R2.sql"
  # the accepted row has the edited file's checksum, the first applied row the old one
  equals "$(jqr "map(select(.revision == \"$R1\") | .checksum) | .[0] != .[1]")" true
  equals "$(jqr '.[1].checksum')" "$(st show "$R1" --json | jq -r .checksum)"
  # successes: statements run, no error; failures: the error and the statement
  equals "$(jqr 'map(select(.outcome == "applied" or .outcome == "reverted") | [.statements_run, .error, .failed_statement, .note]) | unique | tojson')" \
    '[[1,null,null,null]]'
  equals "$(jqr '.[5] | [.statements_run, .failed_statement] | tojson')" '[1,"INSERT INTO missing_table VALUES (1)"]'
  contains "$(jqr '.[5].error')" "missing_table"
  contains "$(jqr '.[5].error')" "${R3}_m$R3.sql:7 (up, statement 2)"
  equals "$(jqr '.[3] | [.statements_run, .failed_statement] | tojson')" '[1,"INSERT INTO missing_too VALUES (1)"]'
  contains "$(jqr '.[3].error')" "missing_too"
  # the notes: a stamp resolving a failed revision, an acceptance
  equals "$(jqr '.[2].note')" "strata stamp: recorded as applied after it stopped part-way (finished by hand)"
  equals "$(jqr '.[1].note')" "applied file changed since; accepted with --allow-changed"
  equals "$(jqr '[.[] | select(.note != null)] | length')" 2
}

test_log_text_form() {
  local user host version
  history_project
  user=$(db_user); host=$(hostname); version=$(st version | awk '{print $2}')
  ok st log
  [ -z "$ERR" ] || fail "log wrote to stderr: $ERR"
  # one line per step, then who, where, which strata; details indented
  equals "$(printf '%s\n' "$OUT" | grep -cE "^$ISO_S  ")" 8
  printf '%s\n' "$OUT" | grep -qE "^$ISO_S  failed       up    $R4  migration $R4$" ||
    fail "no line for the failed step in: $OUT"
  printf '%s\n' "$OUT" | grep -qE "^$ISO_S  reverted     down  $R4  migration $R4$" ||
    fail "no line for the reverted step in: $OUT"
  printf '%s\n' "$OUT" | grep -qE "^$ISO_S  rolled-back  up    $R3  migration $R3$" ||
    fail "no line for the rolled-back step in: $OUT"
  contains "$OUT" "    by $user on $host, strata $version, "
  contains "$OUT" ", failed at statement 2"
  contains "$OUT" ", 1 statement(s)"
  contains "$OUT" "    statement: INSERT INTO missing_too VALUES (1)"
  contains "$OUT" "    statement: INSERT INTO missing_table VALUES (1)"
  contains "$OUT" "    error: revision $R4, "
  contains "$OUT" "    note: strata stamp: recorded as applied after it stopped part-way (finished by hand)"
  contains "$OUT" "    note: applied file changed since; accepted with --allow-changed"
  # a stamp or an acceptance ran no SQL: no duration, no statements
  equals "$(printf '%s\n' "$OUT" | grep -A1 -E "  (stamped|accepted) " | grep -c ' ms')" 0
  # nothing after the newest step's block comes before it
  equals "$(printf '%s\n' "$OUT" | head -n 1 | awk '{print $2}')" reverted
}

test_log_filters() {
  local old
  history_project
  log_json --outcome failed
  equals "$(jqr 'map(.outcome + " " + .revision) | join(",")')" "failed $R4"
  log_json --outcome rolled-back
  equals "$(jqr 'map(.outcome + " " + .revision) | join(",")')" "rolled-back $R3"
  log_json --outcome stamped
  equals "$(jqr 'map(.revision) | join(",")')" "$R4"
  log_json --outcome accepted
  equals "$(jqr 'map(.revision) | join(",")')" "$R1"
  log_json --outcome reverted
  equals "$(jqr 'map(.direction) | join(",")')" "down"
  # a revision by id, by prefix, by branch label
  log_json --revision "$R3"
  equals "$(jqr 'map(.outcome) | join(",")')" "applied,rolled-back"
  log_json -r "${R4:0:4}"
  equals "$(jqr 'map(.outcome) | join(",")')" "reverted,stamped,failed"
  # a branch label names its branch's head, as for every command
  log_json -r two
  equals "$(jqr 'map(.outcome + " " + .revision) | join(",")')" \
    "reverted $R4,stamped $R4,failed $R4"
  # -n counts what passes the other filters
  log_json -n 3
  equals "$(jqr 'map(.outcome) | join(",")')" "reverted,accepted,stamped"
  log_json -r "$R4" -n 2
  equals "$(jqr 'map(.outcome) | join(",")')" "reverted,stamped"
  log_json --outcome applied -n 1
  equals "$(jqr 'map(.revision) | join(",")')" "$R3"
  # --since: make the first step old, then bound by date, time, offset and age
  if [ "$ENGINE" = postgres ]; then old="2020-01-01T00:00:00Z"; else old="2020-01-01T00:00:00.000Z"; fi
  q "UPDATE strata_history SET started_at = '$old', finished_at = '$old' WHERE id = 1"
  log_json --since 7d
  equals "$(jqr 'length')" 7
  log_json --since 12h
  equals "$(jqr 'length')" 7
  log_json --since 30min --outcome applied
  equals "$(jqr 'map(.revision) | join(",")')" "$R3,$R2"
  log_json --since 2019-12-31
  equals "$(jqr 'length')" 8
  log_json --since 2020-01-01
  equals "$(jqr 'length')" 8
  log_json --since 2020-01-01T00:00:01
  equals "$(jqr 'length')" 7
  # 23:30 an hour west of UTC is 00:30 UTC: after the old step; an hour east, before it
  log_json --since 2019-12-31T23:30:00-01:00
  equals "$(jqr 'length')" 7
  log_json --since 2019-12-31T23:30:00+01:00
  equals "$(jqr 'length')" 8
  log_json --since 2999-01-01
  equals "$(jqr 'length')" 0
  ok st log --since 2999-01-01
  equals "$OUT" ""
  contains "$ERR" "no step in the history matches"
  # a revision whose file is gone is still found by its id
  rm "migrations/${R4}_m$R4.sql"
  ok st hash
  log_json -r "$R4"
  equals "$(jqr 'map(.outcome + " " + (.message | tostring) + " " + (.file | tostring)) | join(",")')" \
    "reverted null null,stamped null null,failed null null"
  ok st log -r "${R4:0:6}"
  contains "$OUT" "$R4  (not in the migrations folder)"
  # bad filters: exit 2 before the database is read
  expect_exit 2 st log --outcome bogus
  contains "$ERR" "unknown outcome 'bogus'"
  contains "$ERR" "applied, reverted, rolled-back, failed, stamped, accepted, running, interrupted"
  expect_exit 2 st log --since yesterday
  contains "$ERR" "'yesterday' is neither an ISO date or time nor an age"
  expect_exit 2 st log --since 10m
  expect_exit 2 st log -n 0
  expect_exit 2 st log -n many
  expect_exit 2 st log -r no-such-label
  # several revisions start with "a000": as ambiguous as anywhere else
  expect_exit 2 st log -r a000
  contains "$ERR" "a000"
}

test_log_retry_baseline_and_empty() {
  new_db; new_project
  # a database strata never touched: no tables, an empty log, exit 0
  if [ "$ENGINE" = sqlite ]; then
    expect_exit 2 st log
    contains "$ERR" "does not exist"
    q "CREATE TABLE legacy (id integer primary key, name text)"
  else
    q "CREATE TABLE legacy (id integer primary key, name text)"
  fi
  ok st log
  equals "$OUT" ""
  contains "$ERR" "no history: the database has no strata bookkeeping tables"
  log_json
  equals "$OUT" "[]"
  # adoption: baseline stamps the live schema, with a note saying so
  ok st baseline -m "legacy schema"
  base=$(ls migrations/*.sql | sed 's,.*/,,; s,_.*,,')
  log_json
  equals "$(jqr 'map(.outcome + " " + .revision + " " + .message) | join(",")')" "stamped $base legacy schema"
  equals "$(jqr '.[0].note')" "strata baseline: the existing database adopted at this revision"
  equals "$(jqr '.[0] | [.duration_ms, .error] | tojson')" '[0,null]'
  # a failed transaction: off step, fixed and run again with --retry-failed
  R=$(id 7)
  mig_notx "$R" "$base" "CREATE TABLE IF NOT EXISTS t7 (id integer);
INSERT INTO not_yet VALUES (1);" "DROP TABLE t7;"
  ok st hash
  expect_exit 3 st upgrade
  mig_notx "$R" "$base" "CREATE TABLE IF NOT EXISTS t7 (id integer);
CREATE TABLE IF NOT EXISTS not_yet (id integer);" "DROP TABLE not_yet; DROP TABLE t7;"
  ok st hash
  ok st upgrade --retry-failed
  log_json -r "$R"
  equals "$(jqr 'map(.outcome + " " + (.note | tostring)) | join(",")')" \
    "applied run again with --retry-failed after it stopped part-way,failed null"
  equals "$(jqr '.[0].statements_run')" 2
  # a plain stamp and a purge say so
  ok st stamp base
  ok st stamp --purge "$R"
  log_json --outcome stamped -n 3
  equals "$(jqr 'map(.direction + " " + .revision + " " + .note) | join(",")')" \
    "up $R strata stamp --purge,up $base strata stamp --purge,down $R strata stamp"
}

test_log_running_and_interrupted() {
  local pid t
  new_db; new_project
  R1=$(id 1)
  if [ "$ENGINE" = postgres ]; then
    # a transaction: off step still running, then its run killed
    mig_notx "$R1" base "CREATE TABLE t1 (id integer);
SELECT pg_sleep(30);" "DROP TABLE t1;"
    "$STRATA" upgrade >"$T/up.out" 2>&1 &
    pid=$!
    for t in $(seq 1 100); do
      [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")" = 1 ] && break
      sleep 0.1
    done
    log_json --outcome running
    equals "$(jqr 'map(.outcome + " " + .revision + " " + (.finished_at | tostring) + " " + (.duration_ms | tostring)) | join(",")')" \
      "running $R1 null null"
    log_json --outcome interrupted
    equals "$OUT" "[]"
    ok st log
    contains "$OUT" "  running      up    $R1  migration $R1"
    contains "$OUT" "    still running: a strata run holds the run lock"
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
    for t in $(seq 1 100); do
      [ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] && break
      sleep 0.1
    done
  else
    # what a run killed during a transaction: off step leaves: its running row
    mig_notx "$R1" base "CREATE TABLE t1 (id integer);" "DROP TABLE t1;"
    ok st hash
    ok st stamp base
    q "INSERT INTO strata_history (revision, direction, started_at, outcome, statements_run, duration_ms) VALUES ('$R1', 'up', '2026-01-02T03:04:05.678Z', 'running', 0, 0)"
    # while a strata run holds the run lock it is a step in progress
    flock "${DB#sqlite:}.strata-lock" sleep 2 &
    pid=$!
    sleep 0.3
    log_json --outcome running
    equals "$(jqr 'map(.outcome + " " + .revision + " " + .started_at) | join(",")')" \
      "running $R1 2026-01-02T03:04:05.678Z"
    wait "$pid"
  fi
  log_json
  equals "$(jqr '.[0] | [.outcome, .revision, .finished_at, .duration_ms] | tojson')" \
    "[\"interrupted\",\"$R1\",null,null]"
  log_json --outcome running
  equals "$OUT" "[]"
  log_json --outcome interrupted
  equals "$(jqr 'map(.revision) | join(",")')" "$R1"
  ok st log
  contains "$OUT" "  interrupted  up    $R1  migration $R1"
  contains "$OUT" "    interrupted: the run stopped part-way and no strata run is alive"
}

test_revision_writes_created() {
  local created now secs
  new_db; new_project
  ok st revision -m "first one"
  f=$OUT
  created=$(sed -n 's/^-- created: //p' "$f")
  [[ "$created" =~ ^$ISO_S$ ]] || fail "created header '$created' in $(cat "$f")"
  now=$(date -u +%s)
  secs=$(date -u -d "$created" +%s)
  [ $((now - secs)) -ge 0 ] && [ $((now - secs)) -lt 120 ] || fail "created $created is not now ($(date -u))"
  equals "$(sed -n 4p "$f")" "-- created: $created"
  ok st revision --head base -m "second root"
  ok st merge -m "join them"
  grep -qE "^-- created: $ISO_S$" "$OUT" || fail "merge wrote no created header: $(cat "$OUT")"
  # a malformed created header is a parse error naming file and line
  sed -i "s/^-- created: .*/-- created: 2026-02-30T10:00:00Z/" "$f"
  expect_exit 2 st history
  contains "$ERR" "$(basename "$f"):4: malformed 'created' time '2026-02-30T10:00:00Z'"
  contains "$ERR" "in UTC"
}

test_history_verbose_and_indicate_current() {
  new_db; new_project
  R1=$(id 1) R2=$(id 2)
  mig "$R1" base "CREATE TABLE t1 (id integer);" "DROP TABLE t1;" "-- created: 2026-01-02T03:04:05Z"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer);" "DROP TABLE t2;"
  ok st revision -m three
  R3=$(basename "$OUT" | cut -c1-12)
  created3=$(sed -n 's/^-- created: //p' "$OUT")
  sed -i 's/^-- write the upgrade SQL here/CREATE TABLE t3 (id integer);/; s/^-- write the downgrade SQL here/DROP TABLE t3;/' "$OUT"
  ok st hash
  ok st history -v
  contains "$OUT" "$R3 (head) three
    revises: $R2
    file: $T/proj/migrations/${R3}_three.sql
    created: $created3"
  contains "$OUT" "    file: $T/proj/migrations/${R1}_m$R1.sql
    created: 2026-01-02T03:04:05Z"
  # a file without the header has no date (never the file's mtime)
  equals "$(printf '%s\n' "$OUT" | grep -c 'created:')" 2
  ok st history --json
  equals "$(printf '%s' "$OUT" | jq -r 'map(.created | tostring) | join(",")')" "$created3,null,2026-01-02T03:04:05Z"
  # -i reads the database: a SQLite file that is not there is an error, as for current
  if [ "$ENGINE" = sqlite ]; then
    expect_exit 2 st history -i
    contains "$ERR" "does not exist"
  fi
  ok st upgrade +1
  ok st history -i
  equals "$OUT" "$R3 (head, pending) three
$R2 (pending) migration $R2
$R1 (current) migration $R1"
  ok st upgrade
  ok st history --indicate-current
  equals "$OUT" "$R3 (head, current) three
$R2 (applied) migration $R2
$R1 (applied) migration $R1"
  # an applied file edited since; a failed transaction: off revision
  mig "$R1" base "CREATE TABLE t1 (id integer); -- edited" "DROP TABLE t1;" "-- created: 2026-01-02T03:04:05Z"
  mig_notx "$(id 4)" "$R3" "INSERT INTO nowhere VALUES (1);" "SELECT 1;"
  ok st hash
  expect_exit 3 st upgrade --allow-changed
  mig "$R1" base "CREATE TABLE t1 (id integer); -- edited again" "DROP TABLE t1;"
  ok st hash
  ok st history -i -r "$R2":
  equals "$OUT" "$(id 4) (head, failed) migration $(id 4)
$R3 (current) three
$R2 (applied) migration $R2"
  ok st history -i --json
  equals "$(printf '%s' "$OUT" | jq -r 'map(.revision[-1:] + "=" + .state + (if .changed then "+changed" else "" end)) | join(",")')" \
    "4=failed,${R3: -1}=current,2=applied,1=applied+changed"
  ok st history -i
  contains "$OUT" "$R1 (applied, changed) migration $R1"
}

test_current_verbose() {
  local user host version
  new_db; new_project
  user=$(db_user); host=$(hostname); version=$(st version | awk '{print $2}')
  R1=$(id 1) R2=$(id 2)
  mig "$R1" base "CREATE TABLE t1 (id integer);" "DROP TABLE t1;" "-- created: 2026-01-02T03:04:05Z"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer);" "DROP TABLE t2;"
  ok st hash
  ok st upgrade "$R1"
  ok st current -v
  contains "$OUT" "$R1 migration $R1
    revises: base
    file: $T/proj/migrations/${R1}_m$R1.sql
    created: 2026-01-02T03:04:05Z
    applied: "
  printf '%s\n' "$OUT" | grep -qE "^    applied: ${ISO_MS:1:-1} by $user on $host \(strata $version\)$" ||
    fail "no applied line in: $OUT"
  ok st current --json
  equals "$(printf '%s' "$OUT" | jq -r '.heads[0] | [.revision, .created, .applied.outcome, .applied.db_user, .applied.client_host, .applied.tool_version] | join(" ")')" \
    "$R1 2026-01-02T03:04:05Z applied $user $host $version"
  equals "$(printf '%s' "$OUT" | jq -r '.heads[0].applied.started_at')" \
    "$(st log --json -n 1 | jq -r '.[0].started_at')"
  # a stamped head says so, with its note; no created header, no created line
  ok st stamp "$R2"
  ok st current -v
  lacks "$OUT" "created:"
  printf '%s\n' "$OUT" | grep -qE "^    stamped: ${ISO_MS:1:-1} by $user on $host \(strata $version\)$" ||
    fail "no stamped line in: $OUT"
  contains "$OUT" "    note: strata stamp"
  ok st current --json
  equals "$(printf '%s' "$OUT" | jq -r '.heads[0] | [(.created | tostring), .applied.outcome, .applied.note] | join(" ")')" \
    "null stamped strata stamp"
}

# A project whose migrations make t1 (id, name).
check_project() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE t1 (id integer PRIMARY KEY, name text);" "DROP TABLE t1;"
  ok st hash
}

test_check_exit_codes() {
  check_project
  # no schema file: usage (2)
  expect_exit 2 st check
  contains "$ERR" "no schema file $T/proj/schema.sql"
  expect_exit 2 st check --schema nowhere.sql
  contains "$ERR" "no schema file nowhere.sql"
  # the same schema: 0 and one line
  printf 'CREATE TABLE t1 (id integer PRIMARY KEY, name text);\n' >schema.sql
  ok st check
  equals "$OUT" "no differences: the migrations make the schema in $T/proj/schema.sql"
  ok st check --json
  equals "$(printf '%s' "$OUT" | jq -c '[.match, .changes]')" '[true,[]]'
  # a column and a table the migrations do not make: 1 and the SQL
  printf 'CREATE TABLE t1 (id integer PRIMARY KEY, name text, email text);\nCREATE TABLE t2 (id integer PRIMARY KEY);\n' >wanted.sql
  # (PostgreSQL adds t2's primary key as a change of its own)
  if [ "$ENGINE" = postgres ]; then n=3; else n=2; fi
  expect_exit 1 st check --schema wanted.sql
  contains "$OUT" "email"
  contains "$OUT" "CREATE TABLE"
  contains "$OUT" "t2"
  contains "$ERR" "$n difference(s): the migrations do not make the schema in wanted.sql"
  contains "$ERR" "strata revision --autogenerate"
  # the same change list diff prints
  expected=$OUT
  expect_exit 1 st diff --exit-code migrations wanted.sql
  equals "$OUT" "$expected"
  expect_exit 1 st check --schema wanted.sql --json
  equals "$(printf '%s' "$OUT" | jq -r '[.match, (.changes | length), .schema] | join(" ")')" "false $n wanted.sql"
  # a dropped column is destructive, and said so
  printf 'CREATE TABLE t1 (id integer PRIMARY KEY);\n' >schema.sql
  expect_exit 1 st check
  contains "$OUT" "-- destructive:"
  # the project's database is never touched
  if [ "$ENGINE" = sqlite ]; then
    [ ! -e "${DB#sqlite:}" ] || fail "check created the project's database"
  else
    equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
  fi
  no_shadows_left
  # a migration that does not parse: 2; one that fails in the shadow: 3
  printf -- '-- revision: %s\n-- revises: %s\n-- colour: red\n-- +up\nSELECT 1;\n' "$(id 2)" "$(id 1)" \
    >"migrations/$(id 2)_bad.sql"
  expect_exit 2 st check
  contains "$ERR" "unknown header key 'colour'"
  mig "$(id 2)" "$(id 1)" "INSERT INTO nowhere VALUES (1);" "SELECT 1;"
  rm "migrations/$(id 2)_bad.sql"
  expect_exit 3 st check
  contains "$ERR" "nowhere"
  no_shadows_left
}

ENGINE=sqlite run_tests
rm -rf "${SUITE_TMP:?}"/test_*
ENGINE=postgres run_tests
