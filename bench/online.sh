#!/usr/bin/env bash
# Online migrations under load: strata online against the naive single
# ALTER TABLE, side by side in one run, on a table of BENCH_ROWS rows while
# pgbench reads and writes; then a run with a streaming standby showing
# --max-replica-lag holding the lag under its bound.
#
#   bench/online.sh [STRATA_BINARY]     (default build/strata)
#
# Scenarios: (a) change a column's type (integer -> bigint), (b) add a
# NOT NULL column filled from another (val2 = val * 2), (c) a batched data
# step of a revision (-- +batch: val2 = val * 2 by key ranges) against one
# whole-table UPDATE. For each, strata
# (start, backfill, complete) and the naive statement run on fresh copies
# of the same data under the same pgbench load. The load runs through the
# old version during start and backfill; before complete it switches to
# the new version, as an application roll-out does (complete is only run
# once no client uses the old version); the naive runs keep one script.
#
# Reported: pgbench errors, transactions slower than lock_timeout, p99
# latency during the migration relative to the seconds before it, rows
# whose old and new values disagree after complete, and the backfill's
# rows/s relative to one UPDATE of the whole table under the same load.
# Not a test: nothing fails on a slow figure.
#
# Batch sizes adapt to [online] batch_target (100ms) unless BENCH_BATCH
# fixes them (--batch-size).
#
# Environment: BENCH_ROWS (1000000), BENCH_CLIENTS (4), BENCH_BATCH (adaptive),
# BENCH_LOCK_TIMEOUT (1s), BENCH_OUT (keep the logs there).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROWS=${BENCH_ROWS:-1000000}
CLIENTS=${BENCH_CLIENTS:-4}
BATCH=${BENCH_BATCH:-}
LOCK_TIMEOUT=${BENCH_LOCK_TIMEOUT:-1s}
lock_ms=$(echo "$LOCK_TIMEOUT" | sed -e 's/ms$//' -e 's/^\([0-9]*\)s$/\1000/')

export PGOPTIONS="-c client_min_messages=warning"
say() { echo "bench online: $*" >&2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

[ -x "$bin" ] || make -C "$root" --no-print-directory all >&2
[ -x "$PG_BIN/pgbench" ] || { say "no pgbench in $PG_BIN (install postgresql-15)"; exit 1; }

out=${BENCH_OUT:-}
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out"
pgdir=$(mktemp -d)
standby=
cleanup() {
  [ -f "$out/load.pid" ] && kill "$(cat "$out/load.pid")" 2>/dev/null || true
  if [ -n "$standby" ]; then as_pg "$PG_BIN/pg_ctl" -D "$standby" -m immediate -w stop >/dev/null 2>&1 || true; fi
  "$root/tests/pgserver.sh" stop "$pgdir" >/dev/null 2>&1 || true
  [ -n "${BENCH_OUT:-}" ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

env_lines=$("$root/tests/pgserver.sh" start "$pgdir")
eval "$env_lines"
base=${STRATA_TEST_PG_URL%/*}
DB=$base/bench
psql -X -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE bench" >/dev/null
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1"; }

fresh_table() {
  q "DROP SCHEMA IF EXISTS strata_online CASCADE; DROP TABLE IF EXISTS accounts CASCADE;
     DO \$\$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'public\_%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END \$\$;
     CREATE TABLE accounts (id bigint PRIMARY KEY, val integer NOT NULL, val_check integer NOT NULL, filler text NOT NULL);
     INSERT INTO accounts SELECT g, g % 100000, g % 100000, repeat('x', 60) FROM generate_series(1, $ROWS) g;" >/dev/null
  q "VACUUM ANALYZE accounts" >/dev/null
}

# The load: pgbench in 2-second rounds until $out/stop exists, with the
# script named in $out/script (old.sql or new_<scenario>.sql).
cat >"$out/old.sql" <<'SQL'
\set id random(1, :rows)
\set v random(1, 100000)
BEGIN;
SELECT val FROM accounts WHERE id = :id;
UPDATE accounts SET val = :v, val_check = :v WHERE id = :id;
END;
SQL
cat >"$out/new_a.sql" <<'SQL'
\set id random(1, :rows)
\set v random(1, 100000)
SET search_path TO public_bench_a;
BEGIN;
SELECT val FROM accounts WHERE id = :id;
UPDATE accounts SET val = :v, val_check = :v WHERE id = :id;
END;
SQL
cat >"$out/new_b.sql" <<'SQL'
\set id random(1, :rows)
\set v random(1, 100000)
SET search_path TO public_bench_b;
BEGIN;
SELECT val FROM accounts WHERE id = :id;
UPDATE accounts SET val = :v, val_check = :v, val2 = 2 * :v WHERE id = :id;
END;
SQL

start_load() { # start_load TAG
  local tag=$1
  rm -f "$out/stop"; echo old.sql >"$out/script"
  mkdir -p "$out/$tag"
  (
    k=0
    while [ ! -f "$out/stop" ]; do
      k=$((k + 1))
      (cd "$out/$tag" && "$PG_BIN/pgbench" -n -c "$CLIENTS" -j 2 -T 2 -D rows="$ROWS" \
        -f "$out/$(cat "$out/script")" --log --log-prefix="r$k" "$DB" >>"$out/$tag/pgbench.out" 2>&1) || true
    done
  ) &
  echo $! >"$out/load.pid"
}
stop_load() { touch "$out/stop"; wait "$(cat "$out/load.pid")" 2>/dev/null || true; rm -f "$out/load.pid"; }

now() { date +%s.%N; }

# analyse TAG T0 T1: errors, slow transactions, p99 before/during (from pgbench logs)
analyse() {
  python3 - "$out/$1" "$2" "$3" "$lock_ms" <<'PY'
import glob, os, re, sys
d, t0, t1, lock_ms = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
before, during = [], []
failed = 0
for f in glob.glob(os.path.join(d, "r*")):
    for line in open(f):
        p = line.split()
        if len(p) < 6:
            continue
        when = int(p[4]) + int(p[5]) / 1e6
        if p[2] in ("failed", "skipped"):
            failed += 1
            continue
        lat = int(p[2]) / 1000.0
        # a transaction is in the window if it ran during it (ended after t0)
        if when < t0:
            before.append(lat)
        elif when - lat / 1000.0 <= t1:
            during.append(lat)
text = open(os.path.join(d, "pgbench.out")).read()
aborted = len(re.findall(r"aborted", text)) + len(re.findall(r"ERROR", text))
def p99(xs):
    xs = sorted(xs)
    return xs[int(len(xs) * 0.99)] if xs else float("nan")
slow = sum(1 for x in during if x > lock_ms)
print(f"{failed + aborted} {slow} {p99(before):.1f} {p99(during):.1f} {len(during)}")
PY
}

results=()
backfill_rate=
run_case() { # run_case SCENARIO METHOD
  local sc=$1 method=$2 tag="$1-$2" t0 t1 err slow pb pd n bad rate=""
  say "$tag: loading $ROWS rows"
  fresh_table
  start_load "$tag"
  sleep 6
  t0=$(now)
  if [ "$sc" = c ]; then
    q "ALTER TABLE accounts ADD COLUMN val2 bigint" >/dev/null
    if [ "$method" = strata ]; then
      rm -rf "$out/proj"; mkdir -p "$out/proj/migrations"
      printf -- '-- revision: b1\n-- revises: base\n-- +batch\nUPDATE accounts SET val2 = val * 2 WHERE id > :last AND id <= :next;\n-- +down\n' \
        >"$out/proj/migrations/b1_fill.sql"
      (cd "$out/proj" && "$bin" -d "$DB" upgrade ${BATCH:+--batch-size "$BATCH"} --lock-timeout "$LOCK_TIMEOUT" 2>"$out/$tag/strata.err")
      rate=$(sed -n 's/.*: \([0-9]*\) rows walked, .* in \([0-9]*\) batches (\([0-9.]*\) s).*/\1 \3/p' "$out/$tag/strata.err" | awk '{ if ($2 > 0) printf "%.0f", $1 / $2 }')
    else
      q "UPDATE accounts SET val2 = val * 2" >/dev/null
    fi
  elif [ "$method" = strata ]; then
    if [ "$sc" = a ]; then
      printf '{"operations": [{"alter_column": {"table": "accounts", "column": "val", "type": "bigint", "up": "val", "down": "val::integer"}}]}' >"$out/bench_a.json"
    else
      printf '{"operations": [{"add_column": {"table": "accounts", "up": "val * 2", "column": {"name": "val2", "type": "bigint"}}}]}' >"$out/bench_b.json"
    fi
    "$bin" -d "$DB" online start "$out/bench_$sc.json" ${BATCH:+--batch-size "$BATCH"} --lock-timeout "$LOCK_TIMEOUT" 2>"$out/$tag/strata.err"
    rate=$(sed -n 's/.*backfilled public.accounts: \([0-9]*\) rows in \([0-9.]*\) s.*/\1 \2/p' "$out/$tag/strata.err" | awk '{ if ($2 > 0) printf "%.0f", $1 / $2 }')
    echo "new_$sc.sql" >"$out/script"
    sleep 3
    "$bin" -d "$DB" online complete --lock-timeout "$LOCK_TIMEOUT" 2>>"$out/$tag/strata.err"
  else
    if [ "$sc" = a ]; then
      q "ALTER TABLE accounts ALTER COLUMN val TYPE bigint"
    else
      q "ALTER TABLE accounts ADD COLUMN val2 bigint NOT NULL GENERATED ALWAYS AS (val * 2) STORED"
    fi
  fi
  t1=$(now)
  sleep 3
  stop_load
  read -r err slow pb pd n < <(analyse "$tag" "$t0" "$t1")
  if [ "$sc" = a ]; then bad=$(q "SELECT count(*) FROM accounts WHERE val <> val_check");
  elif [ "$sc" = c ]; then bad=$(q "SELECT count(*) FROM accounts WHERE val2 IS NULL");
  else bad=$(q "SELECT count(*) FROM accounts WHERE val2 IS DISTINCT FROM val * 2"); fi
  results+=("$(printf '| %s | %s | %.1f s | %s | %s | %s ms | %s ms | %.2fx | %s | %s |' \
    "$sc" "$method" "$(echo "$t1 - $t0" | bc)" "$err" "$slow" "$pb" "$pd" "$(echo "$pd / $pb" | bc -l)" "$bad" "${rate:--}")")
  [ -n "$rate" ] && [ "$sc" != c ] && backfill_rate=$rate
  [ -n "$rate" ] && [ "$sc" = c ] && batch_rate=$rate
  say "$tag: done"
}

for sc in ${BENCH_SCENARIOS:-a b c}; do
  run_case "$sc" strata
  run_case "$sc" naive
done

# One UPDATE of the whole table, under the same load: the throughput reference.
say "single UPDATE reference"
fresh_table
q "ALTER TABLE accounts ADD COLUMN val2 bigint" >/dev/null
start_load update
sleep 2
u0=$(now)
q "UPDATE accounts SET val2 = val * 2" >/dev/null
u1=$(now)
stop_load
update_rate=$(echo "$ROWS / ($u1 - $u0)" | bc)

# The standby run: pg_basebackup on loopback, replay paused for a while
# during the backfill; the backfill must wait while the lag is over its bound.
say "standby run"
fresh_table
standby=$pgdir/standby
sport=$((STRATA_TEST_PG_PORT + 1))
as_pg env PGPASSWORD="$STRATA_TEST_PG_PASSWORD" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$STRATA_TEST_PG_PORT" \
  -U strata_test -D "$standby" -R -X stream -c fast >/dev/null 2>&1
printf "port = %s\nhot_standby = on\n" "$sport" >>"$standby/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$standby" -l "$pgdir/standby.log" -w start >/dev/null
SDB=$base
SDB="${SDB%:*}:$sport/bench"
for i in $(seq 1 100); do [ "$(q "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && break; sleep 0.2; done
bound_ms=1000
printf '{"operations": [{"alter_column": {"table": "accounts", "column": "val", "type": "bigint", "up": "val", "down": "val::integer"}}]}' >"$out/bench_r.json"
start_load standby
: >"$out/lag.txt"
( while [ ! -f "$out/stop" ]; do
    q "SELECT extract(epoch FROM now()), coalesce((SELECT extract(epoch FROM greatest(write_lag, flush_lag, replay_lag)) * 1000 FROM pg_stat_replication LIMIT 1), 0), coalesce((SELECT (progress->>'rows')::bigint FROM strata_online.migrations WHERE phase = 'started'), -1)" >>"$out/lag.txt" 2>/dev/null || true
    sleep 0.1
  done ) &
mon=$!
"$bin" -d "$DB" online start "$out/bench_r.json" ${BATCH:+--batch-size "$BATCH"} --max-replica-lag "${bound_ms}ms" 2>"$out/standby.err" &
st=$!
sleep 2
psql -X -q "$SDB" -c "SELECT pg_wal_replay_pause()" >/dev/null
sleep 5
psql -X -q "$SDB" -c "SELECT pg_wal_replay_resume()" >/dev/null
wait $st
stop_load
wait $mon 2>/dev/null || true
"$bin" -d "$DB" online complete >/dev/null 2>&1
standby_report=$(python3 - "$out/lag.txt" "$bound_ms" "${BATCH:-0}" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    p = line.strip().split("|")
    if len(p) == 3:
        rows.append((float(p[0]), float(p[1]), int(p[2])))
bound, batch = float(sys.argv[2]), int(sys.argv[3])
active = [r for r in rows if r[2] >= 0]
maxlag = max((r[1] for r in rows), default=0)
over = 0
paused = 0.0
for a, b in zip(active, active[1:]):
    if a[1] > bound:
        over += max(0, b[2] - a[2])
        paused += b[0] - a[0]
print(f"{maxlag:.0f} {over} {paused:.1f} {len(active)}")
PY
)
read -r maxlag over paused samples <<<"$standby_report"

echo
echo "== machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "== online migrations under pgbench load: $ROWS rows, $CLIENTS clients, lock_timeout $LOCK_TIMEOUT, batch ${BATCH:-adaptive (batch_target 100ms)}"
echo
echo "| scenario | method | migration time | pgbench errors | txns > lock_timeout | p99 before | p99 during | p99 ratio | rows disagreeing | backfill rows/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "(a) integer -> bigint; (b) add NOT NULL val2 = val * 2 (naive: one ALTER TABLE ... GENERATED ... STORED);"
echo "(c) batched step (-- +batch) filling val2 = val * 2 (naive: one UPDATE of the whole table; rows disagreeing: val2 still NULL)."
echo "Batched step (c): ${batch_rate:-?} rows/s = $(echo "scale=2; ${batch_rate:-0} / $update_rate" | bc)x one UPDATE."
echo "One UPDATE of all $ROWS rows under the same load: $update_rate rows/s; strata's backfill (last run): ${backfill_rate:-?} rows/s = $(echo "scale=2; ${backfill_rate:-0} / $update_rate" | bc)x."
echo
echo "== standby (pg_basebackup on loopback), --max-replica-lag ${bound_ms}ms, replay paused 5 s during the backfill"
echo "max lag seen: ${maxlag} ms; rows backfilled while the lag was over the bound: ${over} (one batch is ${BATCH:-adaptive}); backfill waited ${paused} s; ${samples} samples"
