# tests/integration/lib.sh - shared helpers for the integration suites.
#
# A suite sources this file, defines test_* functions, and ends with
# run_tests. Each test runs in a subshell in its own temp folder, with
# errexit; it prints "PASS name" or "FAIL name: why". Tests are written
# once for both engines: ENGINE=sqlite or ENGINE=postgres picks the
# database new_db creates and what q runs queries with.
#
# PostgreSQL tests need STRATA_TEST_PG_URL (tests/run-all.sh starts a
# throwaway server and exports it); without it they FAIL, never skip.
set -u
export LC_ALL=C
export NO_COLOR=1
unset DATABASE_URL STRATA_DATABASE_URL PGPASSWORD
# Debian's /usr/bin/psql and pg_dump are pg_wrapper, a Perl script that
# picks a client version on every call: about 30 ms of CPU each, and the
# suites call psql thousands of times. The newest client's own bin folder
# goes first instead (the same programs the wrapper would run).
for _pgclient in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n -r); do
  [ -x "$_pgclient/psql" ] && { PATH="$_pgclient:$PATH"; break; }
done
unset _pgclient

STRATA=${STRATA_BIN:?STRATA_BIN must point at the strata binary}
ENGINE=${ENGINE:-sqlite}
SUITE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-it.XXXXXX")
# Names this suite's PostgreSQL databases (it_TAG_TEST_N), unique per run.
DB_TAG=$(basename "$SUITE_TMP" | tr -dc 'a-z0-9' | tail -c 8)
[ -n "${STRATA_KEEP_TMP:-}" ] || trap 'rm -rf "$SUITE_TMP"' EXIT
CORPUS=${STRATA_CORPUS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/corpus}

fail() { echo "assertion failed: $*" >&2; exit 1; }
# skip WHY: end the current test as skipped; run_tests prints
# "SKIP engine/name: WHY" and run-all.sh counts it as skipped.
skip() { printf '%s\n' "$*" >"$T/.skip"; exit 77; }
# corpus PATH...: the files or folders of ../shared/corpus a test reads
# (relative to $CORPUS). Without the corpus (a clone without ../shared)
# the test is skipped by name; a path missing from a corpus that is there
# is a failure, never a silent pass.
corpus() {
  [ -d "$CORPUS" ] || skip "the corpus is absent ($CORPUS)"
  local p
  for p in "$@"; do [ -e "$CORPUS/$p" ] || fail "the corpus has no $p (looked in $CORPUS)"; done
}
# note TEXT: a "NOTE" line in the suite's own output (run-all.sh shows it).
note() { echo "NOTE $*" >&3; }

# expect_exit CODE CMD...: run CMD, check its exit code; output in $OUT/$ERR.
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$T/.out" 2>"$T/.err"
  local got=$?
  set -e
  OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
  if [ "$got" -ne "$want" ]; then
    echo "--- stdout:" >&2; cat "$T/.out" >&2
    echo "--- stderr:" >&2; cat "$T/.err" >&2
    fail "'$*' exited $got, expected $want"
  fi
}
ok() { expect_exit 0 "$@"; }
st() { "$STRATA" "$@"; }

contains() { case "$1" in *"$2"*) ;; *) fail "expected to find '$2' in: $1" ;; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect '$2' in: $1" ;; *) ;; esac; }
equals() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'"; }

# A fresh database for the current test; sets DB (the URL) and exports it.
DB_SEQ=0
new_db() {
  DB_SEQ=$((DB_SEQ + 1))
  if [ "$ENGINE" = postgres ]; then
    [ -n "${STRATA_TEST_PG_URL:-}" ] || fail "STRATA_TEST_PG_URL is not set (run via tests/run-all.sh)"
    local name="it_${DB_TAG}_${TEST_SEQ}_${DB_SEQ}"
    PGDB_NAME=$name
    psql -X -q -v ON_ERROR_STOP=1 "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$name\"" \
      -c "CREATE DATABASE \"$name\"${PG_CREATE_STRATEGY:-}" >/dev/null
    DB="${STRATA_TEST_PG_URL%/*}/$name"
  else
    DB="sqlite:$T/db$DB_SEQ.sqlite"
  fi
  export STRATA_DATABASE_URL=$DB
}

# q SQL: run a query on $DB, rows as "a|b" lines.
q() {
  if [ "$ENGINE" = postgres ]; then
    psql -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1"
  else
    sqlite3 -batch -noheader "${DB#sqlite:}" "$1"
  fi
}

# Run a SQL script file the way the engine's own shell does.
run_script() {
  if [ "$ENGINE" = postgres ]; then
    psql -X -q -v ON_ERROR_STOP=1 "$DB" -f "$1" >/dev/null
  else
    sqlite3 -batch -bail "${DB#sqlite:}" <"$1" >/dev/null
  fi
}

# Names of user tables, sorted, one per line (bookkeeping excluded).
tables() {
  if [ "$ENGINE" = postgres ]; then
    q "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') AND table_name NOT LIKE 'strata_%' ORDER BY 1" | sed 's/^public\.//'
  else
    q "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'strata_%' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
  fi
}

# A schema fingerprint: tables, columns, indexes (for "same state" checks).
schema_dump() {
  if [ "$ENGINE" = postgres ]; then
    q "SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1"
    q "SELECT indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
  else
    q "SELECT type || ':' || name || ':' || coalesce(sql,'') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
  fi
}

# server_q SQL: one query on the test server's maintenance database.
server_q() { psql -X -A -t -q "$STRATA_TEST_PG_URL" -c "$1"; }

# PostgreSQL: no strata_shadow_* database is left on the test server.
no_shadows_left() {
  if [ "$ENGINE" = postgres ]; then
    equals "$(server_q "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_shadow_%'")" 0
  fi
}

# wait_running TEXT: wait (up to 10 s) until another session on the test
# server runs a query containing TEXT.
wait_running() {
  local n=0
  for _ in $(seq 1 100); do
    n=$(server_q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%$1%' AND pid <> pg_backend_pid()")
    [ "$n" -gt 0 ] && return 0
    sleep 0.1
  done
  fail "no session ever ran '$1'"
}

versions() { q "SELECT revision FROM strata_version ORDER BY revision" | tr '\n' ' ' | sed 's/ $//'; }

# A project folder with strata.ini and migrations/.
new_project() {
  mkdir -p "$T/proj/migrations"
  cd "$T/proj"
  printf '[strata]\nmigrations = migrations\n' >strata.ini
}

# mig ID PARENTS UP DOWN [EXTRA-HEADER-LINES]: write migrations/ID_mID.sql.
mig() {
  local id=$1 parents=$2 up=$3 down=$4 extra=${5:-}
  {
    echo "-- revision: $id"
    echo "-- revises: $parents"
    echo "-- message: migration $id"
    [ -n "$extra" ] && printf '%s\n' "$extra"
    echo
    echo "-- +up"
    printf '%s\n' "$up"
    echo
    echo "-- +down"
    printf '%s\n' "$down"
  } >"migrations/${id}_m${id}.sql"
}

# id N: a deterministic 12-hex revision id for number N.
id() { printf 'a%011x' "$1"; }

# chain N: N linear revisions, each creating table tN.
chain() {
  local n=$1 i parent=base
  for i in $(seq 1 "$n"); do
    mig "$(id "$i")" "$parent" "CREATE TABLE t$i (id integer primary key, v text);" "DROP TABLE t$i;"
    parent=$(id "$i")
  done
}

TEST_SEQ=0
run_tests() {
  local fn rc t0 ms
  # new_db's CREATE DATABASE: FILE_COPY (15 and later) copies template1's
  # files instead of writing them through the WAL, a third less CPU for
  # the server, and the suites make a database per test.
  PG_CREATE_STRATEGY=
  if [ "$ENGINE" = postgres ] && [ -n "${STRATA_TEST_PG_URL:-}" ] &&
     [ "$(psql -X -qAt "$STRATA_TEST_PG_URL" -c "SHOW server_version_num" 2>/dev/null || echo 0)" -ge 150000 ]; then
    PG_CREATE_STRATEGY=" STRATEGY FILE_COPY"
  fi
  for fn in $(declare -F | awk '{print $3}' | grep '^test_'); do
    if [ -n "${TEST_FILTER:-}" ] && ! [[ "$fn" =~ $TEST_FILTER ]]; then continue; fi
    TEST_SEQ=$((TEST_SEQ + 1))
    T="$SUITE_TMP/$fn"
    mkdir -p "$T"
    t0=${EPOCHREALTIME/./}
    ( set -e; cd "$T"; "$fn" ) 3>&1 >"$T/.log" 2>&1
    rc=$?
    ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    if [ "$rc" -eq 0 ]; then
      # the time lets a slow test be found (bash tests/integration/SUITE.sh
      # prints it); it is never asserted on
      echo "PASS $ENGINE/${fn#test_} ($((ms / 1000)).$(( ms % 1000 / 100 ))s)"
    elif [ "$rc" -eq 77 ] && [ -f "$T/.skip" ]; then
      echo "SKIP $ENGINE/${fn#test_}: $(cat "$T/.skip")"
    else
      echo "FAIL $ENGINE/${fn#test_}"
      sed 's/^/    /' "$T/.log" | tail -n 40
    fi
  done
  drop_suite_databases
}

# The databases new_db made for this suite's tests, dropped once the
# suite's tests have run: a server that keeps every test's database fills
# the disk (a few MB each, thousands over a run).
drop_suite_databases() {
  [ "$ENGINE" = postgres ] && [ -n "${STRATA_TEST_PG_URL:-}" ] || return 0
  printf '%s\n' "SELECT format('DROP DATABASE IF EXISTS %I', datname) FROM pg_database
    WHERE datname LIKE 'it\\_${DB_TAG}\\_%'" '\gexec' |
    psql -X -q "$STRATA_TEST_PG_URL" >/dev/null 2>&1 || true
}
