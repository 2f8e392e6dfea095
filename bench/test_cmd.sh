#!/usr/bin/env bash
# `strata test` on the N-revision benchmark project (bench/gen_migrations.py),
# SQLite then PostgreSQL, in one run: the whole run's time, its time per
# revision, and the apply-all time of the same directory on a fresh
# database. The stairway does three steps per revision plus two catalog
# snapshots, so the physical reference is 3 x apply-all; the target is
# within 2x of that reference. Not a test: nothing fails on a slow figure.
#
#   bench/test_cmd.sh [STRATA_BINARY]     (default build/strata)
#
# Environment: BENCH_N (revisions, 1000), BENCH_ENGINES (sqlite postgres).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
N=${BENCH_N:-1000}
ENGINES=${BENCH_ENGINES:-sqlite postgres}
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-test.XXXXXX")
pgdir=
cleanup() { [ -z "$pgdir" ] || "$root/tests/pgserver.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

ms() { echo $(( $(date +%s%N) / 1000000 )); }

rows=()
for engine in $ENGINES; do
  python3 "$here/gen_migrations.py" "$work/$engine" "$N" "$engine" >/dev/null
  proj="$work/$engine/strata"
  if [ "$engine" = postgres ]; then
    pgdir=$(mktemp -d)
    env_lines=$("$root/tests/pgserver.sh" start "$pgdir")
    eval "$(printf '%s\n' "$env_lines" | sed 's/^/export /')"
    psql -X -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE bench_apply" -c "CREATE DATABASE bench_test"
    apply_db="${STRATA_TEST_PG_URL%/*}/bench_apply"
    test_db="${STRATA_TEST_PG_URL%/*}/bench_test"
  else
    apply_db="sqlite:$work/apply.db"
    test_db="sqlite:$work/test.db"
  fi
  t0=$(ms)
  (cd "$proj" && "$bin" -q -d "$apply_db" upgrade >/dev/null)
  apply=$(( $(ms) - t0 ))
  t0=$(ms)
  # The shadow is created on the server of the configured database.
  (cd "$proj" && STRATA_DATABASE_URL=$test_db "$bin" test --only upgrade,stairway,down-leaves-no-trace >"$work/$engine.out") ||
    { cat "$work/$engine.out" >&2; echo "bench: strata test failed on $engine" >&2; exit 1; }
  total=$(( $(ms) - t0 ))
  rows+=("$(awk -v e="$engine" -v n="$N" -v a="$apply" -v t="$total" 'BEGIN {
    printf "| %s | %d | %d | %.1f | %.2f | %.2f |", e, n, t, t / n, a / n, t / (3 * a) }')")
done

echo
echo "| engine | revisions | strata test ms | ms / revision | apply-all ms / revision | x (3 x apply-all) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
