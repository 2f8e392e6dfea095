#!/usr/bin/env bash
# Loading the revision graph: strata reading N migration files (a chain
# with branches and merges is what the unit tests check; here it is the
# N-revision project of gen_migrations.py) side by side with the physical
# limit (cat reading the same files) and alembic loading its own N revision
# scripts, in one run. Prints best-of-R times and ratios to the limit.
# Not a test: nothing fails on a slow figure.
#
#   bench/graph_load.sh [STRATA_BINARY]   BENCH_N (1000), BENCH_GRAPH_RUNS (7)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/strata}
N=${BENCH_N:-1000}
R=${BENCH_GRAPH_RUNS:-7}
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-graph.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_migrations.py" "$work" "$N" sqlite >/dev/null

# best CMD...: the best wall time of R runs, in ms (the output is checked
# once by the caller).
best() {
  local b= i t0 t1 ms
  for i in $(seq 1 "$R"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || return 1; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  echo "$b"
}
fmt() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

cd "$work/strata"
heads=$("$bin" heads 2>&1) || { echo "bench: strata heads failed: $heads" >&2; exit 1; }
[ "$(printf '%s\n' "$heads" | grep -c .)" -eq 1 ] || { echo "bench: expected one head, got: $heads" >&2; exit 1; }
limit=$(best sh -c 'cat migrations/*.sql')
strata=$(best "$bin" heads)
printf 'graph load, %d revisions (best of %d)\n' "$N" "$R"
printf '  %-28s %10s  %s\n' "limit (cat the files)" "$(fmt "$limit")" "1.0x"
printf '  %-28s %10s  %s\n' "strata heads" "$(fmt "$strata")" "$(ratio "$strata" "$limit")"
if command -v alembic >/dev/null 2>&1; then
  cd "$work/alembic"
  if a=$(best alembic heads); then
    printf '  %-28s %10s  %s\n' "alembic heads" "$(fmt "$a")" "$(ratio "$a" "$limit")"
  else
    printf '  %-28s %s\n' "alembic heads" "failed"
  fi
else
  printf '  %-28s %s\n' "alembic heads" "not installed (scripts/deps.sh bench)"
fi
