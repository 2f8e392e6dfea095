#!/usr/bin/env bash
# Two strata binaries side by side on the same inputs, interleaved, best of
# R runs each: for a change that must not move the figures (a refactoring),
# the ratio after/before of the commands it touches.
#
#   bench/before_after.sh OLD_STRATA NEW_STRATA     R (7); PGURL=postgres://...
#                                                    adds a dump of that database
#
# Not a test: nothing fails on a slow figure. Build the old binary from a
# worktree of the old commit (git worktree add /tmp/old REV; make -C /tmp/old).
set -euo pipefail
OLD=$1 NEW=$2 R=${R:-7}
w=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-ba.XXXXXX"); trap 'rm -rf "$w"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
python3 $root/bench/gen_migrations.py $w/g 1000 sqlite >/dev/null
python3 $root/bench/gen_migrations.py $w/u 200 sqlite >/dev/null
awk -v n=2000 'BEGIN { print "BEGIN;"; for (i=1;i<=n;i++){ ref=(i>1)?sprintf(" REFERENCES t%05d (id)",i-1):""; printf "CREATE TABLE t%05d (id INTEGER PRIMARY KEY, parent_id INT%s, name TEXT NOT NULL DEFAULT '\''x'\'', qty INT CHECK (qty >= 0), UNIQUE (name, qty));\nCREATE INDEX t%05d_p ON t%05d (parent_id) WHERE parent_id IS NOT NULL;\n", i, ref, i, i } print "COMMIT;" }' | sqlite3 $w/a.db
cp $w/a.db $w/b.db; sqlite3 $w/b.db "ALTER TABLE t01000 ADD COLUMN extra TEXT"
PGURL=${PGURL:-}
best() { local b= i t0 t1 us; for i in $(seq 1 $R); do [ -n "${PRE:-}" ] && eval "$PRE"; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo FAIL "$@" >&2; return 1; }; t1=$(date +%s%N); us=$(( (t1-t0)/1000 )); if [ -z "$b" ] || [ $us -lt $b ]; then b=$us; fi; done; echo $b; }
row() { local name=$1; shift; local o n; o=$(best "$OLD" "$@"); n=$(best "$NEW" "$@"); awk -v a=$o -v b=$n -v t="$name" 'BEGIN{printf "| %s | %.1f ms | %.1f ms | %.2fx |\n", t, a/1000, b/1000, b/a}'; }
echo "| what | before | after | after/before |"; echo "|---|---|---|---|"
cd $w/g/strata; row "heads, 1,000 revisions" heads
cd $w; row "dump, 2,000 SQLite tables" dump sqlite:$w/a.db
row "diff, two 2,000-table SQLite files" diff sqlite:$w/a.db sqlite:$w/b.db
cd $w/u/strata; PRE="rm -f $w/u/up.db" row "upgrade 200 revisions, SQLite" -d sqlite:$w/u/up.db upgrade; PRE=
if [ -n "$PGURL" ]; then cd $w; row "dump pagila, PostgreSQL 15" dump "$PGURL"; fi
