#!/usr/bin/env bash
# strata import on the real histories of ../shared/corpus (kratos for pop
# on both dialects, flyway-marquez, golang-migrate-harbor, goose-hatchet),
# side by side with the physical limit: copying the same files and
# flushing each to disk (cp -r then sync of every file: strata writes each
# revision durably, temporary file, fsync and rename, as every file it
# writes), copying them without the flush (cp -r), and reading them alone
# (cat > /dev/null). None of the peers' own importers
# installs here (Atlas's `migrate import` is not packaged for Debian), so
# the limit is the comparison. Median of BENCH_IMPORT_RUNS runs (default
# 11); prints one table. Not a test: nothing fails on a slow figure.
#
#   bench/import.sh [STRATA_BINARY]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
corpus=${STRATA_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
runs=${BENCH_IMPORT_RUNS:-11}
[ -d "$corpus" ] || { echo "bench: the corpus is absent ($corpus); nothing to measure"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-import.XXXXXX")
trap 'rm -rf "$work"' EXIT

# median_ms CMD...: the median wall time of runs of CMD, in milliseconds;
# $work/out is emptied before each run.
median_ms() {
  local i t0 t1 times=()
  for i in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/./}
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf '| history | files | steps | strata import ms | cp -r + sync ms | cp -r ms | read ms | import / (cp + sync) |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
while read -r name format dialect src; do
  dir=$corpus/$src
  [ -d "$dir" ] || { echo "| $name | absent | | | | | |"; continue; }
  files=$(find "$dir" -type f | wc -l)
  steps=$("$bin" -q import "$format" "$dir" --into "$work/out" --dialect "$dialect" --json | jq .imported)
  rm -rf "$work/out"
  imp=$(median_ms "$bin" -q import "$format" "$dir" --into "$work/out" --dialect "$dialect")
  cps=$(median_ms sh -c "cp -r '$dir' '$work/out' && find '$work/out' -type f -exec sync {} +")
  cp=$(median_ms cp -r "$dir" "$work/out")
  rd=$(median_ms sh -c "cat '$dir'/* > /dev/null")
  ratio=$(awk -v a="$imp" -v b="$cps" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$files" "$steps" "$imp" "$cps" "$cp" "$rd" "$ratio"
done <<'LIST'
kratos-postgres pop postgresql kratos/sql
kratos-sqlite pop sqlite kratos/sql
flyway-marquez flyway postgresql flyway-marquez/api/src/main/resources/marquez/db/migration
golang-migrate-harbor golang-migrate postgresql golang-migrate-harbor/make/migrations/postgresql
goose-hatchet goose postgresql goose-hatchet/cmd/hatchet-migrate/migrate/migrations
LIST
