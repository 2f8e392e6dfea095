#!/usr/bin/env bash
# strata import alembic and strata adopt alembic, side by side with Alembic.
#
#   bench/import_alembic.sh [STRATA_BINARY]   (default build/strata)
#
# On the 31-revision project of tests/fixtures/alembic/make_project.py
# (SQLite dialect), median of BENCH_RUNS (5) runs each:
#
#   import   strata import alembic: the graph and every revision's upgrade
#            and downgrade SQL, rendered by Alembic in one python process
#   limit    alembic upgrade heads --sql: Alembic rendering the upgrades
#            once, the least any tool that asks Alembic for the SQL can take
#   naive    alembic upgrade A:B --sql and downgrade B:A --sql once per
#            (non-merge) revision: one python process each, as a script
#            driving the alembic command would do it (one run)
#   adopt    strata adopt alembic on a database Alembic took to heads
#   stamp    alembic stamp heads on an empty database (Alembic's own way to
#            record a state without running SQL)
#   sqlite3  the same rows adopt writes (version and history tables), by
#            sqlite3 from a script: the physical limit of writing them
#
# Prints the times and the ratios. Not a test: nothing fails on a figure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
RUNS=${BENCH_RUNS:-5}
py=$(head -1 "$(command -v alembic)" | sed 's/^#! *//; s/ .*//')
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-alembic.XXXXXX")
trap 'rm -rf "$work"' EXIT

ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# time_runs N CMD...: the median wall time of N runs of CMD, in ms
time_runs() {
  local n=$1 i t0; shift
  for i in $(seq 1 "$n"); do
    t0=$(ms); "$@" >/dev/null 2>&1; echo $(($(ms) - t0))
  done | median
}

"$py" "$root/tests/fixtures/alembic/make_project.py" "$work/al" sqlite "sqlite:///$work/al.db"

import_once() {
  rm -rf "$work/proj" && mkdir -p "$work/proj/migrations"
  printf '[strata]\nmigrations = migrations\ndatabase = sqlite:%s/unused.db\n' "$work" >"$work/proj/strata.ini"
  (cd "$work/proj" && "$bin" import alembic "$work/al")
}
limit_once() { (cd "$work/al" && alembic upgrade heads --sql); }
naive_once() {
  local rev down
  (cd "$work/al" && "$py" - <<'PY'
from alembic.config import Config
from alembic.script import ScriptDirectory
s = ScriptDirectory.from_config(Config("alembic.ini"))
for r in s.walk_revisions():
    if isinstance(r.down_revision, tuple):
        continue
    print(r.revision, r.down_revision or "base")
PY
  ) | while read -r rev down; do
    (cd "$work/al" && alembic upgrade "$down:$rev" --sql && alembic downgrade "$rev:$down" --sql)
  done
}

t_import=$(time_runs "$RUNS" import_once)
t_limit=$(time_runs "$RUNS" limit_once)
t_naive=$(time_runs 1 naive_once)

# adopt: a database at heads; each run starts from a copy without strata's tables
rm -f "$work/al.db"
(cd "$work/al" && alembic upgrade heads) >/dev/null 2>&1
import_once >/dev/null 2>&1
cp "$work/al.db" "$work/heads.db"
adopt_once() {
  cp "$work/heads.db" "$work/adopt.db"
  (cd "$work/proj" && "$bin" adopt alembic -d "sqlite:$work/adopt.db")
}
stamp_once() {
  rm -f "$work/al.db"
  (cd "$work/al" && alembic stamp heads)
}
# the rows adopt writes, as one script
(cd "$work/proj" && "$bin" adopt alembic -d "sqlite:$work/adopt.db" >/dev/null 2>&1 || true)
cp "$work/heads.db" "$work/adopt.db"
(cd "$work/proj" && "$bin" adopt alembic -d "sqlite:$work/adopt.db" >/dev/null 2>&1)
{
  echo "BEGIN IMMEDIATE;"
  sqlite3 "$work/adopt.db" ".schema strata_version" ".schema strata_history"
  sqlite3 "$work/adopt.db" ".mode insert strata_version" "SELECT * FROM strata_version"
  sqlite3 "$work/adopt.db" ".mode insert strata_history" "SELECT * FROM strata_history"
  echo "COMMIT;"
} >"$work/rows.sql"
sqlite3_once() {
  cp "$work/heads.db" "$work/raw.db"
  sqlite3 "$work/raw.db" <"$work/rows.sql"
}
t_adopt=$(time_runs "$RUNS" adopt_once)
t_stamp=$(time_runs "$RUNS" stamp_once)
t_sqlite=$(time_runs "$RUNS" sqlite3_once)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.2fx", a / b }'; }
printf '\nAlembic project: 31 revisions (SQLite dialect), median of %s runs\n\n' "$RUNS"
printf '%-58s %8s\n' "what" "ms"
printf '%-58s %8s\n' "strata import alembic (graph + up and down SQL, 1 python)" "$t_import"
printf '%-58s %8s\n' "alembic upgrade heads --sql (upgrades only, the limit)" "$t_limit"
printf '%-58s %8s\n' "alembic upgrade/downgrade A:B --sql per revision (1 run)" "$t_naive"
printf '%-58s %8s\n' "strata adopt alembic" "$t_adopt"
printf '%-58s %8s\n' "alembic stamp heads" "$t_stamp"
printf '%-58s %8s\n' "sqlite3: the same rows adopt writes" "$t_sqlite"
printf '\nimport / limit: %s   naive / import: %s   adopt / stamp: %s   adopt / sqlite3: %s\n' \
  "$(ratio "$t_import" "$t_limit")" "$(ratio "$t_naive" "$t_import")" \
  "$(ratio "$t_adopt" "$t_stamp")" "$(ratio "$t_adopt" "$t_sqlite")"
