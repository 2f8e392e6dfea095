#!/usr/bin/env bash
# The versioned-migration benchmarks, SQLite then PostgreSQL, in one run.
#
#   bench/run.sh [STRATA_BINARY]      (default build/strata; `make bench` passes it)
#
# Installs what is missing (scripts/deps.sh bench: Debian packages for the
# peers; dbmate with npm, under bench/node_modules, pinned by
# bench/package.json), starts a throwaway PostgreSQL with tests/pgserver.sh
# (stopped again on any exit), runs bench/versioned.py for both engines and
# prints both tables at the end. Not a test: nothing here fails on a slow
# figure; the tables say which targets are met.
#
# Environment: BENCH_N (revisions, 1000), BENCH_RUNS (apply/downgrade rounds, 5),
# BENCH_NOOP_RUNS (21), BENCH_SLOW_RUNS (sqitch rounds, 1), BENCH_SLOW_NOOP_RUNS
# (alembic and sqitch no-op runs, 7), BENCH_PEERS (alembic,sqitch,dbmate),
# BENCH_ENGINES (sqlite postgres), BENCH_SCHEMA (1: also bench/schema.py),
# BENCH_SCHEMA_RUNS (5), BENCH_SCHEMA_SIZES (500,1000,2000), BENCH_TEST (1: also
# bench/test_cmd.sh), BENCH_GRAPH (1: also bench/graph_load.sh), BENCH_ONLINE (1: also bench/online.sh), BENCH_ADVISE (1: also bench/advise.py), BENCH_OUT (directory for the tables and raw
# JSON; default: a temporary one, removed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/build/strata}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac

N=${BENCH_N:-1000}
RUNS=${BENCH_RUNS:-5}
NOOP_RUNS=${BENCH_NOOP_RUNS:-21}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SLOW_NOOP_RUNS=${BENCH_SLOW_NOOP_RUNS:-7}
PEERS=${BENCH_PEERS:-alembic,sqitch,dbmate}
ENGINES=${BENCH_ENGINES:-sqlite postgres}

say() { echo "bench: $*" >&2; }

"$root/scripts/deps.sh" bench
if [ ! -x "$bin" ]; then
  say "building $bin"
  make -C "$root" --no-print-directory all >&2
fi

# dbmate: the npm package ships the Go binary per platform; versioned.py runs
# that binary directly. A failed install is reported in the table, not fatal.
if [[ ",$PEERS," == *,dbmate,* ]] && ! compgen -G "$here/node_modules/@dbmate/*/bin/dbmate" >/dev/null; then
  if command -v npm >/dev/null 2>&1; then
    say "installing dbmate with npm into bench/node_modules"
    npm install --prefix "$here" --no-audit --no-fund --no-package-lock --loglevel=error >&2 ||
      say "npm install failed; dbmate will be reported as not installed"
  else
    say "npm not found; dbmate will be reported as not installed"
  fi
fi

# squawk (npm squawk-cli, pinned in bench/package.json) for bench/lint.py.
if [[ ",${BENCH_LINT_PEERS:-squawk}," == *,squawk,* ]] && [ ! -x "$here/node_modules/.bin/squawk" ] &&
   command -v npm >/dev/null 2>&1; then
  say "installing squawk-cli with npm into bench/node_modules"
  npm install --prefix "$here" --no-audit --no-fund --no-package-lock --loglevel=error >&2 ||
    say "npm install failed; squawk will be reported as not installed"
fi

out=${BENCH_OUT:-}
pgdir=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$pgdir" ]; then "$root/tests/pgserver.sh" stop "$pgdir" || true; fi
  if [ -z "${BENCH_OUT:-}" ] && [ -n "$out" ]; then rm -rf "$out"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$out" ]; then out=$(mktemp -d); else mkdir -p "$out"; fi

common=(--strata "$bin" --n "$N" --runs "$RUNS" --noop-runs "$NOOP_RUNS"
        --slow-runs "$SLOW_RUNS" --slow-noop-runs "$SLOW_NOOP_RUNS" --peers "$PEERS")
status=0
for engine in $ENGINES; do
  extra=()
  if [ "$engine" = postgres ]; then
    pgdir=$(mktemp -d)
    say "starting a throwaway PostgreSQL in $pgdir"
    if ! env_lines=$("$root/tests/pgserver.sh" start "$pgdir"); then
      say "could not start PostgreSQL; skipping the postgres benchmark"
      status=1
      continue
    fi
    pg_url=$(printf '%s\n' "$env_lines" | sed -n 's/^STRATA_TEST_PG_URL=//p')
    extra=(--pg-url "$pg_url" --pg-socket-dir "$pgdir")
  fi
  say "$engine: $N revisions"
  python3 "$here/versioned.py" --engine "$engine" "${common[@]}" "${extra[@]}" \
    --json "$out/$engine.json" >"$out/$engine.md" || status=1
  if [ "$engine" = postgres ]; then
    "$root/tests/pgserver.sh" stop "$pgdir"
    pgdir=
  fi
done

# Schema introspection and diff (bench/schema.py), on its own server.
if [ "${BENCH_SCHEMA:-1}" = 1 ]; then
  pgdir=$(mktemp -d)
  say "schema: starting a throwaway PostgreSQL in $pgdir"
  if env_lines=$("$root/tests/pgserver.sh" start "$pgdir"); then
    pg_url=$(printf '%s\n' "$env_lines" | sed -n 's/^STRATA_TEST_PG_URL=//p')
    python3 "$here/schema.py" --strata "$bin" --pg-url "$pg_url" \
      --runs "${BENCH_SCHEMA_RUNS:-5}" --sizes "${BENCH_SCHEMA_SIZES:-500,1000,2000}" \
      >"$out/schema.md" || status=1
    "$root/tests/pgserver.sh" stop "$pgdir"
  else
    say "could not start PostgreSQL; skipping the schema benchmark"
    status=1
  fi
  pgdir=
fi

# strata lint vs squawk on the shared corpus of real migrations.
corpus=${BENCH_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
if [ -d "$corpus/kratos" ] && [ -d "$corpus/supabase-storage" ]; then
  say "lint: strata vs squawk on $corpus"
  python3 "$here/lint.py" --strata "$bin" --squawk "$here/node_modules/.bin/squawk" \
    --corpus "$corpus" --runs "${BENCH_LINT_RUNS:-11}" --table "$out/lint_comparison.md" \
    >"$out/lint.md" || status=1
else
  say "corpus not found at $corpus: lint comparison skipped"
fi
# strata lint with the history context vs without it vs squawk (the
# generated project always; the kratos chain when the corpus is there).
say "lint: history context vs none vs squawk"
python3 "$here/lint_history.py" --strata "$bin" --squawk "$here/node_modules/.bin/squawk" \
  --corpus "$corpus" --runs "${BENCH_LINT_RUNS:-11}" >"$out/lint_history.md" || status=1

echo
echo "== machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
for engine in $ENGINES; do
  [ -f "$out/$engine.md" ] && cat "$out/$engine.md"
done
[ -f "$out/schema.md" ] && cat "$out/schema.md"
[ -f "$out/lint.md" ] && cat "$out/lint.md"
[ -f "$out/lint_history.md" ] && cat "$out/lint_history.md"

# strata test on the same N-revision project (bench/test_cmd.sh), next to apply-all.
if [ "${BENCH_TEST:-1}" = 1 ]; then
  echo
  echo "== strata test (N = $N)"
  BENCH_N=$N BENCH_ENGINES="$ENGINES" "$here/test_cmd.sh" "$bin" || status=1
fi

# Loading the revision graph (bench/graph_load.sh).
if [ "${BENCH_GRAPH:-1}" = 1 ]; then
  echo
  echo "== graph load (N = $N)"
  BENCH_N=$N "$here/graph_load.sh" "$bin" || status=1
fi

# Online migrations under load (strata online against the naive ALTER TABLE).
if [ "${BENCH_ONLINE:-1}" = 1 ]; then
  "$here/online.sh" "$bin" || status=1
fi

# strata advise on the corpus schemas: findings per rule, cost against strata dump.
if [ "${BENCH_ADVISE:-1}" = 1 ]; then
  pgdir=$(mktemp -d)
  if env_lines=$("$root/tests/pgserver.sh" start "$pgdir"); then
    pg_url=$(printf '%s\n' "$env_lines" | sed -n 's/^STRATA_TEST_PG_URL=//p')
    echo
    echo "== strata advise"
    python3 "$here/advise.py" --strata "$bin" --pg-url "$pg_url" --runs "${BENCH_ADVISE_RUNS:-11}" || status=1
    "$root/tests/pgserver.sh" stop "$pgdir"
  else
    say "could not start PostgreSQL; skipping the advise benchmark"
    status=1
  fi
  pgdir=
fi
exit $status
