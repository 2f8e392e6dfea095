#!/usr/bin/env bash
# SQLite schema introspection + diff against the engine's own `.schema`.
#
#   bench/schema_sqlite.sh [STRATA_BINARY]     (default build/strata)
#
# Generates a synthetic SQLite schema of BENCH_TABLES tables (2,000): each
# with six columns (a key, a foreign key to the table before, a NOT NULL
# text with a default, a CHECK, a UNIQUE pair, a collation), one partial
# index, and a view every tenth table. Then, median of BENCH_RUNS (7) runs:
#
#   .schema         sqlite3 FILE .schema        (prints the stored SQL: the limit)
#   dump            strata dump sqlite:FILE     (introspection + diff from empty)
#   diff            strata diff sqlite:A sqlite:B, B differing by one column
#                   (two introspections + diff)
#
# and prints the times and ratios side by side. Not a test: nothing fails on
# a slow figure. Machines are shared and noisy: read the ratios.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
TABLES=${BENCH_TABLES:-2000}
RUNS=${BENCH_RUNS:-7}

[ -x "$bin" ] || make -C "$root" --no-print-directory all >&2
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is needed (apt-get install sqlite3)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-schema.XXXXXX")
trap 'rm -rf "$work"' EXIT

awk -v n="$TABLES" 'BEGIN {
  print "BEGIN;"
  for (i = 1; i <= n; i++) {
    ref = (i > 1) ? sprintf(" REFERENCES t%05d (id) ON DELETE CASCADE", i - 1) : ""
    printf "CREATE TABLE t%05d (id INTEGER PRIMARY KEY AUTOINCREMENT, parent_id INT%s,\n", i, ref
    printf "  name TEXT NOT NULL DEFAULT '\''x'\'' COLLATE NOCASE, qty INT CHECK (qty >= 0),\n"
    printf "  price REAL, note TEXT, UNIQUE (name, qty));\n"
    printf "CREATE INDEX t%05d_parent ON t%05d (parent_id) WHERE parent_id IS NOT NULL;\n", i, i
    if (i % 10 == 0)
      printf "CREATE VIEW v%05d AS SELECT id, name FROM t%05d WHERE qty > 0;\n", i, i
  }
  print "COMMIT;"
}' >"$work/schema.sql"
sqlite3 -batch -bail "$work/a.db" <"$work/schema.sql"
cp "$work/a.db" "$work/b.db"
sqlite3 "$work/b.db" "ALTER TABLE t01000 ADD COLUMN extra TEXT"

# median_ms CMD...: the median wall time of RUNS runs, in milliseconds.
median_ms() {
  local i t0 t1 times=()
  for i in $(seq 1 "$RUNS"); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}

# Sanity: the dump is complete and the diff finds the one change.
objects=$("$bin" dump "sqlite:$work/a.db" | grep -c '^CREATE ')
changes=$("$bin" diff "sqlite:$work/a.db" "sqlite:$work/b.db" | grep -c '^ALTER TABLE')
[ "$objects" -eq $((TABLES * 2 + TABLES / 10)) ] || { echo "bench: dump has $objects objects" >&2; exit 1; }
[ "$changes" -eq 1 ] || { echo "bench: diff found $changes changes, expected 1" >&2; exit 1; }

schema=$(median_ms sqlite3 "$work/a.db" .schema)
dump=$(median_ms "$bin" dump "sqlite:$work/a.db")
diff=$(median_ms "$bin" diff "sqlite:$work/a.db" "sqlite:$work/b.db")

echo "SQLite schema: $TABLES tables, $TABLES indexes, $((TABLES / 10)) views; median of $RUNS runs"
printf '%-44s %10s %8s\n' "operation" "ms" "ratio"
printf '%-44s %10s %8s\n' "sqlite3 FILE .schema (the limit)" "$schema" "1.0"
printf '%-44s %10s %8s\n' "strata dump (introspect + diff from empty)" "$dump" \
  "$(awk -v a="$dump" -v b="$schema" 'BEGIN { printf "%.1f", a / b }')"
printf '%-44s %10s %8s\n' "strata diff A B (2 introspections + diff)" "$diff" \
  "$(awk -v a="$diff" -v b="$schema" 'BEGIN { printf "%.1f", a / b }')"
