#!/usr/bin/env bash
# Fleet upgrade: 20 revisions rolled out to 1,000 SQLite databases and to
# 200 tenant schemas of one PostgreSQL database (a throwaway server), side
# by side in one run:
#
#   fleet     strata fleet NAME upgrade --parallel P
#   loop      one `strata upgrade` per target in a shell loop (sequential)
#   xargs     the same commands with xargs -P P (the do-it-yourself way)
#   limit     the engine's own shell running the same --sql script per
#             target with xargs -P P: what it costs to run the SQL and the
#             bookkeeping with no tool around it
#
# Each run starts from fresh targets and every target must end at the head
# (checked), so a fast wrong run cannot count. Ratios are what to read: the
# machine is shared. Targets: fleet no slower than xargs at equal
# parallelism; at least 5x faster than the loop on PostgreSQL.
#
#   bench/fleet.sh [STRATA_BINARY]        (default build/strata)
#
# Environment: BENCH_SQLITE_TARGETS (1000), BENCH_PG_TENANTS (200),
# BENCH_REVISIONS (20), BENCH_PARALLEL (4), BENCH_ENGINES (sqlite postgres).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
NS=${BENCH_SQLITE_TARGETS:-1000}
NT=${BENCH_PG_TENANTS:-200}
NR=${BENCH_REVISIONS:-20}
P=${BENCH_PARALLEL:-4}
ENGINES=${BENCH_ENGINES:-sqlite postgres}
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-fleet.XXXXXX")
pgdir=
cleanup() { [ -z "$pgdir" ] || "$root/tests/pgserver.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
for c in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n -r); do
  [ -x "$c/psql" ] && { PATH="$c:$PATH"; break; }
done

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The project: NR revisions, each a table with an index.
cd "$work"
mkdir -p proj/migrations
parent=base
for i in $(seq 1 "$NR"); do
  rev=$(printf 'b%011x' "$i")
  cat >"proj/migrations/${rev}_t$i.sql" <<EOF
-- revision: $rev
-- revises: $parent
-- message: table $i

-- +up
CREATE TABLE t$i (id integer primary key, name text, created text, n integer);
CREATE INDEX t${i}_name ON t$i (name);

-- +down
DROP TABLE t$i;
EOF
  parent=$rev
done
HEAD=$parent
cd proj

report() { # NAME MS BASE_MS
  printf '  %-7s %8d ms   %6.2fx the fleet\n' "$1" "$2" "$(echo "$2 / $3" | bc -l)"
}

# ---- SQLite --------------------------------------------------------------------

sqlite_fresh() { rm -rf dbs; mkdir dbs; }
sqlite_check() {
  local bad=0 i
  for i in $(seq 1 "$NS"); do
    [ "$(sqlite3 "dbs/t$i.db" "SELECT revision FROM strata_version")" = "$HEAD" ] || bad=$((bad + 1))
  done
  [ "$bad" = 0 ] || { echo "bench/fleet.sh: $bad SQLite target(s) not at the head after $1" >&2; exit 1; }
}

if [[ " $ENGINES " == *" sqlite "* ]]; then
  for i in $(seq 1 "$NS"); do echo "sqlite:dbs/t$i.db"; done >targets.txt
  printf '[strata]\nmigrations = migrations\n\n[fleet.files]\ntargets = targets.txt\n' >strata.ini
  echo "SQLite: $NR revisions over $NS databases, parallel $P"

  sqlite_fresh; t0=$(ms)
  "$bin" -q fleet files upgrade --parallel "$P" >/dev/null
  fleet=$(( $(ms) - t0 )); sqlite_check fleet

  sqlite_fresh; t0=$(ms)
  while read -r url; do "$bin" -q -d "$url" upgrade; done <targets.txt
  loop=$(( $(ms) - t0 )); sqlite_check loop

  sqlite_fresh; t0=$(ms)
  xargs -P "$P" -I{} "$bin" -q -d {} upgrade <targets.txt
  xa=$(( $(ms) - t0 )); sqlite_check xargs

  sqlite_fresh
  "$bin" -d sqlite:dbs/script.db upgrade --sql base:head >script.sql
  t0=$(ms)
  sed 's/^sqlite://' targets.txt | xargs -P "$P" -I{} sh -c 'sqlite3 -batch -bail "$1" <script.sql >/dev/null' _ {}
  limit=$(( $(ms) - t0 )); sqlite_check limit

  report fleet "$fleet" "$fleet"; report loop "$loop" "$fleet"; report xargs "$xa" "$fleet"
  report limit "$limit" "$fleet"
fi

# ---- PostgreSQL tenant schemas -------------------------------------------------

if [[ " $ENGINES " == *" postgres "* ]]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-pg.XXXXXX")
  eval "$("$root/tests/pgserver.sh" start "$pgdir")"
  URL="${STRATA_TEST_PG_URL%/*}/tenants"
  pg_fresh() { # a new tenants database with NT empty schemas
    psql -X -q "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS tenants" -c "CREATE DATABASE tenants" >/dev/null
    psql -X -q "$URL" -c "DO \$\$BEGIN FOR i IN 1..$NT LOOP
      EXECUTE format('CREATE SCHEMA tenant_%s', i); END LOOP; END\$\$" >/dev/null
  }
  pg_check() {
    local n
    n=$(psql -X -qAt "$URL" -c "SELECT count(*) FROM pg_namespace n WHERE nspname LIKE 'tenant\_%'
      AND to_regclass(format('%I.strata_version', nspname)) IS NOT NULL
      AND (xpath('//r/text()', query_to_xml(format('SELECT revision AS r FROM %I.strata_version', nspname), false, false, '')))[1]::text = '$HEAD'")
    [ "$n" = "$NT" ] || { echo "bench/fleet.sh: $((NT - n)) tenant(s) not at the head after $1" >&2; exit 1; }
  }
  # The do-it-yourself way needs one config per tenant (its search_path and version table).
  mkdir -p tenants
  for i in $(seq 1 "$NT"); do
    printf '[strata]\nmigrations = %s/migrations\ndatabase = %s?options=-csearch_path%%3Dtenant_%s\nversion_table = tenant_%s.strata_version\n' \
      "$PWD" "$URL" "$i" "$i" >"tenants/$i.ini"
  done
  cat >strata.ini <<EOF
[strata]
migrations = migrations

[fleet.tenants]
database = $URL
schemas = SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1
EOF
  echo "PostgreSQL: $NR revisions over $NT tenant schemas of one database, parallel $P"

  pg_fresh; t0=$(ms)
  "$bin" -q fleet tenants upgrade --parallel "$P" >/dev/null
  fleet=$(( $(ms) - t0 )); pg_check fleet

  pg_fresh; t0=$(ms)
  for i in $(seq 1 "$NT"); do "$bin" -q -c "tenants/$i.ini" upgrade; done
  loop=$(( $(ms) - t0 )); pg_check loop

  pg_fresh; t0=$(ms)
  seq 1 "$NT" | xargs -P "$P" -I{} "$bin" -q -c "tenants/{}.ini" upgrade
  xa=$(( $(ms) - t0 )); pg_check xargs

  pg_fresh
  for i in $(seq 1 "$NT"); do
    "$bin" -c "tenants/$i.ini" upgrade --sql base:head >"tenants/$i.sql"
  done
  t0=$(ms)
  seq 1 "$NT" | xargs -P "$P" -I{} sh -c \
    'psql -X -q -v ON_ERROR_STOP=1 "$1?options=-csearch_path%3Dtenant_$2" -f "tenants/$2.sql" >/dev/null 2>&1' _ "$URL" {}
  limit=$(( $(ms) - t0 )); pg_check limit

  report fleet "$fleet" "$fleet"; report loop "$loop" "$fleet"; report xargs "$xa" "$fleet"
  report limit "$limit" "$fleet"
fi
