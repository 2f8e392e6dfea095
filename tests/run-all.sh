#!/usr/bin/env bash
# Runs every test: the cmocka unit-test binaries of a build directory, the
# integration suites in tests/integration/ (real strata binary, real SQLite
# files, a throwaway PostgreSQL 15), and the PostgreSQL version matrix: the
# suites that read the catalog or run migrations, once more on each other
# supported server version. Ends with the summary line "N passed, N failed"
# (", N skipped" added when tests were skipped). Exit status 0 only when
# nothing failed.
#
#   tests/run-all.sh [BUILD_DIR]          (default: build)
#   STRATA_TEST_FILTER=regex              run only matching suites / unit
#                                         binaries (matrix runs are named
#                                         suite@pgNN, e.g. suite_postgres@pg17)
#   STRATA_TEST_PG_VERSIONS="12 17"       matrix versions (default: every
#                                         version tests/pginstall.sh pins
#                                         except 15 and 13; "none" for none)
#   STRATA_TEST_JOBS=N                    lanes run side by side (default 3)
#
# Each PostgreSQL server gets one lane: a lane runs its suites one after the
# other on its own server (suites on one server never overlap), and lanes run
# side by side. The 15 lane runs every suite that needs PostgreSQL; a "local"
# lane with no server runs the unit tests that need none and the SQLite-only
# suites beside it. PostgreSQL 13 is pinned and supported but not in the
# default matrix: every catalog query takes the same form on 13 as on 14
# (the forms change at 13 for triggers, and at 15, 16, 17 and 18), so 14
# runs what 13 would; STRATA_TEST_PG_VERSIONS="13" runs the matrix suites
# there, and CI does (.ci/run).
# A lane's report is printed when the lane ends. A server that cannot be
# installed or started is a failure, never a skip.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
export STRATA_BIN="$root/$build/strata"
export STRATA_BUILD="$root/$build"
filter=${STRATA_TEST_FILTER:-}
jobs=${STRATA_TEST_JOBS:-3}

# The suites that run on every PostgreSQL version: introspection, diff,
# dump round trips, drift and migra conformance (suite_schema_pg), the
# versioned-migration runner (suite_postgres), `strata test`, and advise
# (its live rules read pg_sequences and the statistics views).
matrix_suites="suite_schema_pg suite_postgres suite_test_cmd suite_advise"
suites_of() { echo "$matrix_suites"; }
# Suites and unit binaries that need no PostgreSQL server (the local lane).
local_suites="suite_sqlite suite_faults_sqlite suite_schema_sqlite suite_library"
# A unit binary that can reach a server names its variable (db/pg_fixture.h).
needs_pg_unit() { grep -qa STRATA_TEST_PG_URL "$1"; }

if [ -n "${STRATA_TEST_PG_VERSIONS+set}" ]; then
  versions=$STRATA_TEST_PG_VERSIONS
  [ "$versions" = none ] && versions=
else
  versions=$(tests/pginstall.sh versions | grep -vx '1[35]' | tr '\n' ' ')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-tests.XXXXXX")
servers=()
cleanup() {
  local d
  # shellcheck disable=SC2046
  kill $(jobs -p) 2>/dev/null
  wait 2>/dev/null
  for d in "${servers[@]}"; do tests/pgserver.sh stop "$d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wanted() { [ -z "$filter" ] || [[ "$1" =~ $filter ]]; }

# A lane appends to $work/LANE.out (report lines) and $work/LANE.res (one
# "passed failed skipped name" line per unit binary or suite run).
record() { echo "$1 $2 $3 $4" >>"$work/$lane.res"; }
say() { printf '%s\n' "$*" >>"$work/$lane.out"; }

# run_units pg|local: the unit binaries that need a server, or those that do not.
run_units() {
  local want=$1 t name out rc p f k
  for t in "$build"/tests/*/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    name=${t#"$build"/tests/}
    wanted "$name" || continue
    if needs_pg_unit "$t"; then [ "$want" = pg ] || continue; else [ "$want" = local ] || continue; fi
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
    rc=$?
    # cmocka's skip() prints "ok N # SKIP name" in TAP.
    k=$(printf '%s\n' "$out" | grep -c '^ok .*# SKIP')
    p=$(( $(printf '%s\n' "$out" | grep -c '^ok ') - k ))
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/    /' >>"$work/$lane.out"
    [ "$k" -ne 0 ] && printf '%s\n' "$out" | grep '^ok .*# SKIP' | sed 's/^/    /' >>"$work/$lane.out"
    say "$(printf 'unit %-40s %3d passed, %d failed%s' "$name" "$p" "$f" \
      "$([ "$k" -gt 0 ] && echo ", $k skipped")")"
    record "$p" "$f" "$k" "unit:$name"
  done
}

# run_suite FILE SUFFIX: one integration suite on the lane's server. Each
# suite prints "PASS name" / "FAIL name" / "SKIP name: why" / "NOTE ..." lines.
run_suite() {
  local s=$1 suffix=$2 name log rc p f k t0
  name=$(basename "$s" .sh)$suffix
  wanted "$name" || return 0
  log=$work/$lane.log
  t0=$SECONDS
  bash "$s" >"$log" 2>&1
  rc=$?
  t0=$((SECONDS - t0))
  p=$(grep -c '^PASS ' "$log")
  f=$(grep -c '^FAIL ' "$log")
  k=$(grep -c '^SKIP ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL $name (suite exited $rc)" >>"$log"; fi
  grep -E '^(FAIL|NOTE|SKIP)' "$log" | sed 's/^/    /' >>"$work/$lane.out"
  [ "$f" -ne 0 ] && grep -v '^PASS ' "$log" | tail -n 60 | sed 's/^/    | /' >>"$work/$lane.out"
  say "$(printf 'integration %-32s %3d passed, %d failed%s (%ds)' "$name" "$p" "$f" \
    "$([ "$k" -gt 0 ] && echo ", $k skipped")" "$t0")"
  record "$p" "$f" "$k" "$name"
}

# start_server VERSION: a throwaway server of that major version in its own
# folder; writes its STRATA_TEST_PG_* variables to $work/pgVERSION.env.
start_server() {
  local v=$1 bin dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg$v.XXXXXX")
  echo "$dir" >"$work/pg$v.dir"
  bin=$(tests/pginstall.sh bindir "$v" 2>"$work/pg$v.err") || return 1
  PG_BIN=$bin tests/pgserver.sh start "$dir" >"$work/pg$v.env" 2>>"$work/pg$v.err"
}

# lane_local: what needs no server.
lane_local() {
  local s
  lane=local
  : >"$work/$lane.out"; : >"$work/$lane.res"
  run_units local
  for s in $local_suites; do run_suite "tests/integration/$s.sh" ""; done
}

# lane_pg VERSION: the suites of one server version.
lane_pg() {
  local v=$1 suffix= s
  lane=pg$v
  : >"$work/$lane.out"; : >"$work/$lane.res"
  [ "$v" = 15 ] || suffix=@pg$v
  if ! grep -q '^STRATA_TEST_PG_URL=' "$work/pg$v.env" 2>/dev/null; then
    say "could not start PostgreSQL $v:"
    sed 's/^/    /' "$work/pg$v.err" >>"$work/$lane.out"
    record 0 1 0 "postgres-server$suffix"
    [ "$v" = 15 ] || return 0
  else
    set -a; . "$work/pg$v.env"; set +a
  fi
  if [ "$v" = 15 ]; then
    run_units pg
    for s in tests/integration/suite_*.sh; do
      [[ " $local_suites " == *" $(basename "$s" .sh) "* ]] || run_suite "$s" ""
    done
  else
    for s in $(suites_of "$v"); do run_suite "tests/integration/$s.sh" "$suffix"; done
  fi
}

# Tests that read ../shared/corpus skip by name without it (one line here,
# a SKIP line per test below); a file missing from a corpus that is there
# fails its test.
corpus=${STRATA_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
[ -d "$corpus" ] || echo "corpus: $corpus is absent; the tests that read it are skipped"

# Which lanes have anything to run under the filter.
lanes=(15)
for v in $versions; do
  for s in $(suites_of "$v"); do
    if wanted "$s@pg$v"; then lanes+=("$v"); break; fi
  done
done

# Servers start side by side (installing missing versions first, once).
for v in "${lanes[@]}"; do
  [ "$v" = 15 ] || tests/pginstall.sh bindir "$v" >/dev/null 2>"$work/pg$v.err" || true
done
for v in "${lanes[@]}"; do start_server "$v" & done
wait
for v in "${lanes[@]}"; do
  [ -s "$work/pg$v.dir" ] && servers+=("$(cat "$work/pg$v.dir")")
done

# Lanes side by side, at most $jobs at a time; the 15 lane (the longest)
# starts first, the local lane next. Each lane's report is printed as soon
# as it ends.
declare -A running=()
finish_one() {
  local pid
  wait -n -p pid "${!running[@]}"
  cat "$work/${running[$pid]}.out"
  unset "running[$pid]"
}
order=("${lanes[0]}" local "${lanes[@]:1}")
for v in "${order[@]}"; do
  while [ "${#running[@]}" -ge "$jobs" ]; do finish_one; done
  if [ "$v" = local ]; then lane_local & running[$!]=local
  else lane_pg "$v" & running[$!]=pg$v; fi
done
while [ "${#running[@]}" -gt 0 ]; do finish_one; done

passed=0 failed=0 skipped=0
failures=()
for v in "${lanes[@]}" local; do
  [ "$v" = local ] && res=$work/local.res || res=$work/pg$v.res
  while read -r p f k name; do
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    [ "$f" -ne 0 ] && failures+=("$name")
  done <"$res"
done
if [ "${#lanes[@]}" -gt 1 ]; then
  echo "PostgreSQL matrix:"
  for v in "${lanes[@]}"; do
    awk -v v="$v" '{p += $1; f += $2; k += $3}
      END {printf "  PostgreSQL %-3s %4d passed, %d failed, %d skipped\n", v, p, f, k}' "$work/pg$v.res"
  done
  awk '{p += $1; f += $2; k += $3}
    END {printf "  no server      %4d passed, %d failed, %d skipped\n", p, f, k}' "$work/local.res"
fi
if [ "${#failures[@]}" -ne 0 ]; then
  echo "failed: ${failures[*]}"
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
