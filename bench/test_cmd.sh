#!/usr/bin/env bash
# `strata test` on the N-revision benchmark project (bench/gen_migrations.py),
# SQLite then PostgreSQL, in one run: the whole run's time, its time per
# revision, and the apply-all time of the same directory on a fresh
# database. The stairway does three steps per revision plus two catalog
# snapshots, so the physical reference is 3 x apply-all; the target is
# within 2x of that reference. Not a test: nothing fails on a slow figure.
#
# Two workloads: "create" (the benchmark directory: each revision creates
# a table and an index, its down drops the table) and "alter" (the first
# half creates the tables, each revision of the second half adds a column
# and an index to one of them and its down takes both away, so every
# snapshot holds a table with its columns and indexes).
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

alter_project() { # DIR N: the "alter" workload's strata project
  python3 - "$1" "$2" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
half = n // 2
os.makedirs(os.path.join(d, "migrations"), exist_ok=True)
open(os.path.join(d, "strata.ini"), "w").write("[strata]\nmigrations = migrations\n")
for i in range(1, n + 1):
    rev, parent = "c%011x" % i, ("c%011x" % (i - 1)) if i > 1 else "base"
    if i <= half:
        up = (f"CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL, "
              f"created_at text, amount integer DEFAULT 0);\nCREATE INDEX t{i}_name ON t{i} (name);")
        down = f"DROP TABLE t{i};"
    else:
        j = i - half
        up = f"ALTER TABLE t{j} ADD COLUMN extra integer DEFAULT 0;\nCREATE INDEX t{j}_extra ON t{j} (extra);"
        down = f"DROP INDEX t{j}_extra;\nALTER TABLE t{j} DROP COLUMN extra;"
    open(os.path.join(d, "migrations", f"{rev}_step{i}.sql"), "w").write(
        f"-- revision: {rev}\n-- revises: {parent}\n-- message: step {i}\n\n-- +up\n{up}\n\n-- +down\n{down}\n")
PY
}

rows=()
for engine in $ENGINES; do
for workload in create alter; do
  if [ "$workload" = create ]; then
    python3 "$here/gen_migrations.py" "$work/$engine" "$N" "$engine" >/dev/null
    proj="$work/$engine/strata"
  else
    proj="$work/$engine-alter"
    alter_project "$proj" "$N"
  fi
  if [ "$engine" = postgres ]; then
    if [ -z "$pgdir" ]; then
      pgdir=$(mktemp -d)
      env_lines=$("$root/tests/pgserver.sh" start "$pgdir")
      eval "$(printf '%s\n' "$env_lines" | sed 's/^/export /')"
    fi
    psql -X -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE apply_$workload" -c "CREATE DATABASE test_$workload"
    apply_db="${STRATA_TEST_PG_URL%/*}/apply_$workload"
    test_db="${STRATA_TEST_PG_URL%/*}/test_$workload"
  else
    apply_db="sqlite:$work/apply_$workload.db"
    test_db="sqlite:$work/test_$workload.db"
  fi
  t0=$(ms)
  (cd "$proj" && "$bin" -q -d "$apply_db" upgrade >/dev/null)
  apply=$(( $(ms) - t0 ))
  t0=$(ms)
  # The shadow is created on the server of the configured database.
  (cd "$proj" && STRATA_DATABASE_URL=$test_db "$bin" test --only upgrade,stairway,down-leaves-no-trace >"$work/$engine.out") ||
    { cat "$work/$engine.out" >&2; echo "bench: strata test failed on $engine" >&2; exit 1; }
  total=$(( $(ms) - t0 ))
  rows+=("$(awk -v e="$engine" -v w="$workload" -v n="$N" -v a="$apply" -v t="$total" 'BEGIN {
    printf "| %s | %s | %d | %d | %.1f | %.2f | %.2f |", e, w, n, t, t / n, a / n, t / (3 * a) }')")
done
done

echo
echo "| engine | workload | revisions | strata test ms | ms / revision | apply-all ms / revision | x (3 x apply-all) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
