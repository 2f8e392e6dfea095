#!/usr/bin/env bash
# Passwords never appear in output. Every command runs with the password
# in a postgres:// URL and in a key=value string (the two forms strata
# itself reads and must redact), and the commands of ENV_COMMANDS with it in
# PGPASSWORD (which only libpq reads), on success and on each failure path
# (wrong password, server not there, no such database, a failing
# migration, a bad migration file, a bad target, a lock not had), plain,
# with -v and with --json; every byte of stdout and stderr is searched for
# the password: zero hits.
#
# New commands (diff, dump, erd, lint, online ...): add their command
# lines to COMMANDS below; every form and failure path then covers them.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

# One command line per entry (split on blanks), run in this order, all of
# them succeeding on a project of two revisions; REV1 and REV2 stand for
# their ids.
COMMANDS=(
  "current"
  "-v current"
  "current --json"
  "-v history"
  "history --json"
  "history -v"
  "-v heads"
  "heads --json"
  "-v branches --json"
  "-v show REV1"
  "show REV1 --json"
  "-v graph --format dot"
  "-v verify"
  "verify --json"
  "-v upgrade"
  "upgrade"
  "-v upgrade --sql REV1:REV2"
  "-v downgrade REV1"
  "-v downgrade --sql REV2:REV1"
  "-v upgrade"
  "-v stamp REV1"
  "-v stamp REV2"
  "-v dump"
  "-v erd"
  "-v drift"
  "drift --json"
  "-v log"
  "log --json"
  "-v check"
  "-v history -i"
  "current -v --json"
  "-v lint --all"
  "-v diff --json migrations migrations"
  "-v test --only upgrade"
  "-v hash"
  "-v revision -m secret-check"
  "-v revision --head base -m other-root"
  "-v merge -m secret-check-merge"
)

# With the password in PGPASSWORD strata never holds it, so one command of
# each kind is enough there: a read, a run forwards and back, a schema read
# and strata test (each opens its connections its own way).
ENV_COMMANDS=(
  "-v current"
  "-v log"
  "history --json"
  "-v upgrade"
  "-v downgrade REV1"
  "-v upgrade"
  "-v dump"
  "drift --json"
  "-v test --only upgrade"
)

PW="Sekr1t-$RANDOM$RANDOM-pw"
WRONG_PW="Wr0ng-$RANDOM$RANDOM-pw"

# A role with a distinctive password, owning the test's database.
setup_role() {
  new_db
  ROLE="sec_${PGDB_NAME}"
  q "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PW'; ALTER DATABASE \"$PGDB_NAME\" OWNER TO $ROLE;
     GRANT CREATE ON SCHEMA public TO $ROLE" >/dev/null
  psql -X -q "$DB" -c "ALTER SCHEMA public OWNER TO $ROLE" >/dev/null
  trap 'psql -X -q "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$PGDB_NAME\"" -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1' EXIT
  HOSTPORT="127.0.0.1:$STRATA_TEST_PG_PORT"
}

# checked_run: run strata with the arguments; fail if the password (right
# or wrong) shows anywhere in what it printed. Exit code in RC.
HITS=0
RUNS=0
checked_run() {
  set +e
  "$STRATA" "$@" >"$T/.sout" 2>"$T/.serr"
  RC=$?
  set -e
  RUNS=$((RUNS + 1))
  [ "$RC" -eq 0 ] || { echo "strata $* exited $RC:"; head -n 3 "$T/.serr"; } >&2
  if grep -qF -e "$PW" -e "$WRONG_PW" "$T/.sout" "$T/.serr"; then
    HITS=$((HITS + 1))
    echo "password shown by: strata $* (exit $RC)" >&2
    grep -F -e "$PW" -e "$WRONG_PW" "$T/.sout" "$T/.serr" | sed 's/^/    /' >&2
  fi
}

# every_command [LIST]: each command line of COMMANDS (or of the array
# named LIST) on a fresh copy of the project; the exit codes seen go to
# CODES so a test can check that it reached the failure (or the success)
# it meant to.
every_command() {
  local -n list=${1:-COMMANDS}
  local line args a
  CODES=""
  rm -rf "$T/run" && cp -a "$T/proj" "$T/run" && cd "$T/run"
  for line in "${list[@]}"; do
    args=()
    for a in $line; do
      a=${a//REV1/$(id 1)}; a=${a//REV2/$(id 2)}
      args+=("$a")
    done
    checked_run "${args[@]}"
    CODES="$CODES $RC"
  done
  cd "$T/proj"
}

project_with_two_revisions() {
  rm -rf "$T/proj"
  new_project; chain 2
  printf 'CREATE TABLE t%s (id integer primary key, v text);\n' 1 2 >schema.sql
  st hash >/dev/null
}

# The three ways of giving the password; each sets the environment for a run.
run_three_ways() { # run_three_ways HOST:PORT DBNAME PASSWORD
  local hp=$1 dbname=$2 pw=$3
  unset PGPASSWORD
  export STRATA_DATABASE_URL="postgres://$ROLE:$pw@$hp/$dbname"
  every_command
  URL_CODES=$CODES
  export STRATA_DATABASE_URL="postgres://$ROLE@$hp/$dbname"
  PGPASSWORD=$pw every_command ENV_COMMANDS
  ENV_CODES=$CODES
  export STRATA_DATABASE_URL="host=${hp%:*} port=${hp#*:} dbname=$dbname user=$ROLE password=$pw"
  every_command
  KW_CODES=$CODES
  unset STRATA_DATABASE_URL
}

assert_no_hits() {
  [ "$HITS" -eq 0 ] || fail "the password was shown by $HITS of $RUNS runs"
  note "secrets: $RUNS runs, password shown by none ($1)"
}

test_secrets_on_success() {
  setup_role
  project_with_two_revisions
  run_three_ways "$HOSTPORT" "$PGDB_NAME" "$PW"
  # the runs really connected and worked
  equals "$(echo "$URL_CODES$ENV_CODES$KW_CODES" | tr -d ' 0')" ""
  equals "$(q "SELECT count(*) > 0 FROM strata_history")" t
  # --database on the command line, and -d with a --json error
  project_with_two_revisions
  checked_run -d "postgres://$ROLE:$PW@$HOSTPORT/$PGDB_NAME" --json current
  equals "$RC" 0
  assert_no_hits "success"
}

test_secrets_on_connection_failures() {
  setup_role
  project_with_two_revisions
  # wrong password
  run_three_ways "$HOSTPORT" "$PGDB_NAME" "$WRONG_PW"
  contains "$URL_CODES$ENV_CODES$KW_CODES" " 3"
  # nobody listening
  run_three_ways "127.0.0.1:1" "$PGDB_NAME" "$PW"
  contains "$URL_CODES" " 3"
  # no such database
  run_three_ways "$HOSTPORT" "no_such_db_$RANDOM" "$PW"
  contains "$URL_CODES" " 3"
  # a connection string libpq cannot parse, with the password in it
  checked_run -d "host=127.0.0.1 password=$PW port='unterminated" current
  equals "$RC" 2
  checked_run -d "postgres://$ROLE:$PW@$HOSTPORT/$PGDB_NAME?sslmode=bogus" current
  [ "$RC" -ne 0 ] || fail "a bad sslmode was accepted"
  checked_run -d "postgres://$ROLE:$PW@[bad/$PGDB_NAME" upgrade
  [ "$RC" -ne 0 ] || fail "a bad URL was accepted"
  assert_no_hits "connection failures"
}

test_secrets_on_migration_failures() {
  setup_role
  project_with_two_revisions
  # a failing statement whose text and error mention the password
  mig "$(id 3)" "$(id 2)" "SELECT 1 FROM \"no_such_table_$PW\";" "SELECT 1;"
  st hash >/dev/null
  run_three_ways "$HOSTPORT" "$PGDB_NAME" "$PW"
  contains "$URL_CODES" " 3"
  # a bad migration file (exit 2) and a bad target
  printf -- '-- revision: %s\n-- revises: %s\n-- colour: %s\n' "$(id 4)" "$(id 3)" "$PW" >"migrations/$(id 4)_bad.sql"
  st hash >/dev/null 2>&1 || true
  run_three_ways "$HOSTPORT" "$PGDB_NAME" "$PW"
  contains "$URL_CODES" " 2"
  rm "migrations/$(id 4)_bad.sql" "migrations/$(id 3)_m$(id 3).sql"
  st hash >/dev/null
  export STRATA_DATABASE_URL="postgres://$ROLE:$PW@$HOSTPORT/$PGDB_NAME"
  checked_run upgrade "no-such-target"
  equals "$RC" 2
  # a lock not had: another session holds the table's lock (one retry, so
  # the retry's messages are searched too, without the default back-off's
  # six seconds per run)
  checked_run upgrade
  printf 'lock_retries = 1\n' >>strata.ini
  mig "$(id 3)" "$(id 2)" "ALTER TABLE t1 ADD COLUMN x integer;" "ALTER TABLE t1 DROP COLUMN x;"
  st hash >/dev/null
  psql -X -q "$DB" -c "BEGIN; LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20);" >/dev/null 2>&1 &
  holder=$!
  for _ in $(seq 1 50); do
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 't1' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
    sleep 0.1
  done
  checked_run upgrade --lock-timeout 100ms
  equals "$RC" 3
  checked_run --json upgrade --lock-timeout 100ms
  kill "$holder" 2>/dev/null || true
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()" >/dev/null
  assert_no_hits "migration failures"
}

run_tests
