#!/usr/bin/env bash
# Runs every test: the cmocka unit-test binaries of a build directory, then
# the integration suites in tests/integration/ (real strata binary, real
# SQLite files, a throwaway PostgreSQL). Ends with the summary line
# "N passed, N failed". Exit status 0 only when nothing failed.
#
#   tests/run-all.sh [BUILD_DIR]          (default: build)
#   STRATA_TEST_FILTER=regex              run only matching suites
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
export STRATA_BIN="$root/$build/strata"
export STRATA_BUILD="$root/$build"
filter=${STRATA_TEST_FILTER:-}

passed=0
failed=0
failures=()

# One throwaway PostgreSQL for the whole run (127.0.0.1 only, its own
# temp folder), always stopped on exit. PostgreSQL tests never skip: if it
# cannot start, that is a failure.
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg.XXXXXX")
stop_pg() { tests/pgserver.sh stop "$pgdir" >/dev/null 2>&1 || true; }
trap stop_pg EXIT INT TERM
if pgenv=$(tests/pgserver.sh start "$pgdir"); then
  eval "$pgenv"
  export STRATA_TEST_PG_URL STRATA_TEST_PG_PORT STRATA_TEST_PG_PASSWORD STRATA_TEST_PG_DIR
else
  echo "could not start the test PostgreSQL server" >&2
  failed=$((failed + 1))
  failures+=("postgres-server")
fi

# Unit tests: cmocka binaries, TAP output, one line per case.
for t in "$build"/tests/*/test_*; do
  [ -x "$t" ] || continue
  case "$t" in *.d) continue ;; esac
  name=${t#"$build"/tests/}
  if [ -n "$filter" ] && ! [[ "$name" =~ $filter ]]; then continue; fi
  out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
  rc=$?
  p=$(printf '%s\n' "$out" | grep -c '^ok ')
  f=$(printf '%s\n' "$out" | grep -c '^not ok ')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    failures+=("unit:$name")
    printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/    /'
  fi
  printf 'unit %-40s %3d passed, %d failed\n' "$name" "$p" "$f"
done

# Integration suites: each prints "PASS name" / "FAIL name" lines.
for s in tests/integration/suite_*.sh; do
  [ -f "$s" ] || continue
  name=$(basename "$s" .sh)
  if [ -n "$filter" ] && ! [[ "$name" =~ $filter ]]; then continue; fi
  log=$(mktemp)
  bash "$s" >"$log" 2>&1
  rc=$?
  p=$(grep -c '^PASS ' "$log")
  f=$(grep -c '^FAIL ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL $name (suite exited $rc)" >>"$log"; fi
  passed=$((passed + p)); failed=$((failed + f))
  grep -E '^(FAIL|NOTE|SKIP)' "$log" | sed 's/^/    /'
  if [ "$f" -ne 0 ]; then
    failures+=("$name")
    grep -v '^PASS ' "$log" | tail -n 60 | sed 's/^/    | /'
  fi
  printf 'integration %-32s %3d passed, %d failed\n' "$name" "$p" "$f"
  rm -f "$log"
done

if [ "${#failures[@]}" -ne 0 ]; then
  echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
