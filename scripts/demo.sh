#!/usr/bin/env bash
# make demo: a sample project on the embedded SQLite default, start to end:
# init, revision, upgrade, history, downgrade, graph. Runs in a temp folder.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
demo=$(mktemp -d "${TMPDIR:-/tmp}/strata-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
cd "$demo"
strata() { "$bin" "$@"; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then b=$'\033[1m'; r=$'\033[0m'; else b=; r=; fi
say() { printf '\n%s$ %s%s\n' "$b" "$*" "$r"; }
run() { say "$*"; "$@"; }
# A revision file gets its SQL: replace the placeholders strata writes.
fill() {
  local file=$1 up=$2 down=$3
  python3 - "$file" "$up" "$down" <<'PY'
import sys
path, up, down = sys.argv[1:]
text = open(path).read()
text = text.replace("-- write the upgrade SQL here", up).replace("-- write the downgrade SQL here", down)
open(path, "w").write(text)
PY
}

echo "strata demo in $demo (SQLite, no server needed)"
run strata init shop
cd shop
say 'strata revision -m "create customers"'
f1=$(strata -q revision -m "create customers"); echo "$f1"
fill "$f1" "CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE);" "DROP TABLE customers;"
say 'strata revision -m "create orders"'
f2=$(strata -q revision -m "create orders"); echo "$f2"
fill "$f2" "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), total_cents integer NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id);" "DROP TABLE orders;"
say "cat $f2"; cat "$f2"
say "# files edited by hand on purpose: record them in migrations/strata.sum"
run strata hash
run strata upgrade
run strata current
say 'two people branch off at once...'
b1=$(strata -q revision -m "add customers.name"); echo "$b1"
fill "$b1" "ALTER TABLE customers ADD COLUMN name text;" "ALTER TABLE customers DROP COLUMN name;"
head2=$(basename "$f2" | cut -c1-12)
b2=$(strata -q revision -m "add orders.status" --head "$head2"); echo "$b2"
fill "$b2" "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';" "ALTER TABLE orders DROP COLUMN status;"
run strata hash
run strata heads
run strata merge -m "merge name and status"
run strata upgrade
run strata history
say "strata upgrade --sql base:head | head -n 20   # the exact script, for review or psql"
# head stops reading after 20 lines; strata ending on SIGPIPE (141) then is
# what any program piped into head does, not a failure of the demo.
(strata upgrade --sql base:head || [ $? -eq 141 ]) | head -n 20
say "strata downgrade -2"; strata downgrade -2
run strata current
run strata graph --format mermaid
run strata verify
if command -v sqlite3 >/dev/null; then
  run sqlite3 strata.db .schema
fi
echo
echo "the demo ran in a temporary folder, now removed; 'strata init' in a folder of yours starts a real project"
