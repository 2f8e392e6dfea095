#!/usr/bin/env bash
# strata import on real histories: each format's corpus history
# (../shared/corpus: kratos for pop, flyway-marquez, golang-migrate-harbor,
# goose-hatchet) imported, upgraded to head and downgraded to base where
# the source has downs, on PostgreSQL and, for kratos, on SQLite; dbmate
# and sqitch histories written here, migrated once by the real tool
# (npm dbmate from tests/dbmate.sh, Debian's sqitch) and once by strata
# from the import, compared by strata dump; bad input writes nothing.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
KRATOS=kratos/sql
FLYWAY=flyway-marquez/api/src/main/resources/marquez/db/migration
GOLANG=golang-migrate-harbor/make/migrations/postgresql
GOOSE=goose-hatchet/cmd/hatchet-migrate/migrate/migrations

# imp FORMAT SRC [ARGS]: strata import into migrations/ (exit 0 checked).
imp() { local f=$1 s=$2; shift 2; ok st import "$f" "$s" "$@"; }

# dump_of URL: strata dump of a database, without the statements of the
# source tools' own bookkeeping (dbmate's schema_migrations, sqitch's registry).
dump_of() {
  "$STRATA" dump "$1" | awk '{ s = s $0 "\n" } /;$/ { if (s !~ /schema_migrations|sqitch_registry/) printf "%s", s; s = "" }'
}

# A pop history on the engine: the order and autocommit steps popx
# resolves (resolved-order.json), up to head and down to base.
kratos_roundtrip() {
  local dialect=$1 key=$2
  corpus "$KRATOS" kratos/resolved-order.json
  new_db; new_project
  # 1,388 commits, each an fsync on a disk: the SQLite file goes to the
  # memory-backed /dev/shm where there is one (what is tested is the same)
  if [ "$ENGINE" = sqlite ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp /dev/shm/strata-kratos.XXXXXX)
    trap 'rm -f "$shm" "$shm.strata-lock"' EXIT
    rm -f "$shm"
    DB="sqlite:$shm"; export STRATA_DATABASE_URL=$DB
  fi
  imp pop "$CORPUS/$KRATOS" --dialect "$dialect" --json
  # the chain is popx's order, with popx's autocommit steps off
  want=$(jq -r --arg k "$key" '.[$k].up[] | "\(.version) \(if .autocommit then "off" else "on" end)"' \
    "$CORPUS/kratos/resolved-order.json")
  got=$(printf '%s' "$OUT" | jq -r '.steps[] | "\(.id) \(.transaction)"')
  equals "$got" "$want"
  # a step revises the one before it
  equals "$(printf '%s' "$OUT" | jq -r '[.steps[1:][] | .revises[0]] == ([.steps[:-1][] | .id])')" true
  ok st upgrade -q
  equals "$(versions)" "$(printf '%s\n' "$want" | tail -1 | cut -d' ' -f1)"
  [ "$(tables | wc -l)" -gt 20 ] || fail "kratos made $(tables | wc -l) tables"
  ok st downgrade base -q
  equals "$(tables)" ""
  equals "$(q "SELECT count(*) FROM strata_version")" 0
}

test_pg_pop_kratos() { kratos_roundtrip postgresql postgres; }
test_sqlite_pop_kratos() { kratos_roundtrip sqlite sqlite3; }

test_pg_flyway_marquez() {
  corpus "$FLYWAY"
  new_db; new_project
  imp flyway "$CORPUS/$FLYWAY" --dialect postgresql
  contains "$OUT" "imported 81 flyway steps as revisions 1 .. 74"
  contains "$OUT" "skipped R__Runs_view.sql: a repeatable migration"
  contains "$OUT" "skipped V57__readme.md"
  contains "$OUT" "transaction: off: 47"
  # versions compared as numbers, written with '.'
  grep -q '^-- revises: 2$' migrations/2.1_*.sql || fail "2.1 does not revise 2"
  grep -q '^-- revises: 2.1$' migrations/3_*.sql || fail "3 does not revise 2.1"
  grep -q '^-- revises: 9$' migrations/10_*.sql || fail "10 does not revise 9"
  grep -q '^-- revises: 17.1$' migrations/17.2_*.sql || fail "17.2 does not revise 17.1"
  ok st upgrade -q
  equals "$(versions)" 74
  equals "$(q "SELECT count(*) FROM pg_indexes WHERE indexname = 'lineage_events_event_time'")" 1
  # no undo scripts: downgrade stops with Flyway's reason, changing nothing
  expect_exit 3 st downgrade base
  contains "$ERR" "Flyway has no undo (U) script"
  equals "$(versions)" 74
}

test_pg_golang_migrate_harbor() {
  corpus "$GOLANG"
  new_db; new_project
  imp golang-migrate "$CORPUS/$GOLANG"
  contains "$OUT" "imported 39 golang-migrate steps as revisions 0001 .. 0190"
  contains "$OUT" "0030 refers to schema_migrations, golang-migrate's own table"
  grep -q '^-- revises: 0005$' migrations/0010_*.sql || fail "0010 does not revise 0005"
  # harbor's 0030 alters golang-migrate's own table, which that tool made first
  q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"
  ok st upgrade -q
  equals "$(versions)" 0190
  [ "$(tables | wc -l)" -gt 40 ] || fail "harbor made $(tables | wc -l) tables"
  expect_exit 3 st downgrade base
  contains "$ERR" "golang-migrate has no .down.sql file"
}

test_pg_goose_hatchet() {
  corpus "$GOOSE"
  new_db; new_project
  imp goose "$CORPUS/$GOOSE" --json
  equals "$(printf '%s' "$OUT" | jq '.imported')" 224
  # each NO TRANSACTION file, and only those, is transaction: off
  want=$(grep -il -- '^-- +goose no transaction' "$CORPUS/$GOOSE"/*.sql | xargs -n1 basename | cut -d_ -f1 | sort)
  got=$(printf '%s' "$OUT" | jq -r '.steps[] | select(.transaction == "off") | .id' | sort)
  equals "$got" "$want"
  want=$(grep -L -- '^-- +goose Down' "$CORPUS/$GOOSE"/*.sql | wc -l)
  equals "$(printf '%s' "$OUT" | jq '.irreversible')" "$want"
  ! grep -q '^-- +goose' migrations/*.sql || fail "a goose annotation was kept"
  # upstream's Go migration (not in the corpus) makes v1_dags_olap_new,
  # which 20260424205453 locks: up to the step before it
  target=$(printf '%s' "$OUT" | jq -r '.steps[] | select(.id == "20260424205453") | .revises[0]')
  ok st upgrade "$target" -q
  equals "$(versions)" "$target"
  [ "$(tables | wc -l)" -gt 30 ] || fail "hatchet made $(tables | wc -l) tables"
  note "goose-hatchet: upgraded to $target; the next step needs upstream's Go migration"
  expect_exit 3 st downgrade base
  contains "$ERR" "no '-- +goose Down' section"
}

# A dbmate history with a transaction:false step and an empty down.
dbmate_history() {
  mkdir -p db/migrations
  cat >db/migrations/20240101000001_users.sql <<'SQL'
-- migrate:up
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);

-- migrate:down
DROP TABLE users;
SQL
  cat >db/migrations/20240101000002_posts.sql <<'SQL'
-- migrate:up
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id), body text);
INSERT INTO users VALUES (1, 'a@example.com');

-- migrate:down
DROP TABLE posts;
DELETE FROM users;
SQL
  if [ "$ENGINE" = postgres ]; then idx="CREATE INDEX CONCURRENTLY posts_user ON posts (user_id);"; drop="DROP INDEX CONCURRENTLY posts_user;"
  else idx="CREATE INDEX posts_user ON posts (user_id);"; drop="DROP INDEX posts_user;"; fi
  printf -- '-- migrate:up transaction:false\n%s\n\n-- migrate:down transaction:false\n%s\n' "$idx" "$drop" \
    >db/migrations/20240101000003_posts_index.sql
  printf -- '-- migrate:up\nALTER TABLE users ADD COLUMN name text;\n\n-- migrate:down\n' \
    >db/migrations/20240101000004_user_name.sql
}

dbmate_url() {
  if [ "$ENGINE" = postgres ]; then echo "$1?sslmode=disable"; else echo "sqlite:${1#sqlite:}"; fi
}

dbmate_compare() {
  dbmate=$("$REPO/tests/dbmate.sh") || fail "dbmate could not be installed"
  new_project; dbmate_history
  new_db; theirs=$DB
  ok "$dbmate" --url "$(dbmate_url "$theirs")" --no-dump-schema --migrations-dir db/migrations up
  new_db; ours=$DB
  imp dbmate db/migrations
  contains "$OUT" "transaction: off: 20240101000003"
  grep -q '^-- transaction: off$' migrations/20240101000003_*.sql || fail "step 3 is not transaction: off"
  grep -q '^SELECT 1;$' migrations/20240101000004_*.sql || fail "the empty down is not a no-op"
  ok st upgrade -q
  equals "$(dump_of "$ours")" "$(dump_of "$theirs")"
  equals "$(DB=$ours q "SELECT email FROM users")" a@example.com
  # down to the first step: the empty down of 20240101000004 keeps
  # users.name, as dbmate's rollback does
  for _ in 1 2 3; do
    ok "$dbmate" --url "$(dbmate_url "$theirs")" --no-dump-schema --migrations-dir db/migrations rollback
  done
  ok st downgrade 20240101000001 -q
  equals "$(dump_of "$ours")" "$(dump_of "$theirs")"
  contains "$(DB=$ours q "SELECT * FROM users")" ""
  ok st downgrade base -q
  equals "$(DB=$ours tables)" ""
}

test_pg_dbmate_compare() { dbmate_compare; }
test_sqlite_dbmate_compare() { dbmate_compare; }

# A sqitch project: requires, a tag, a reworked change, a script without
# BEGIN/COMMIT (sqitch runs it outside a transaction), a verify script.
sqitch_project() {
  mkdir -p sq/deploy sq/revert sq/verify
  cat >sq/sqitch.plan <<'PLAN'
%syntax-version=1.0.0
%project=shop

schema 2024-01-01T00:00:00Z Tester <t@example.com> # the tables
items [schema] 2024-01-02T00:00:00Z Tester <t@example.com> # items
items_view [items] 2024-01-03T00:00:00Z Tester <t@example.com> # a view of items
@v1.0 2024-01-04T00:00:00Z Tester <t@example.com> # release 1.0
items_view [items_view@v1.0] 2024-01-05T00:00:00Z Tester <t@example.com> # the view gains price
PLAN
  printf 'BEGIN;\nCREATE TABLE shops (id integer PRIMARY KEY, name text);\nCOMMIT;\n' >sq/deploy/schema.sql
  printf 'BEGIN;\nDROP TABLE shops;\nCOMMIT;\n' >sq/revert/schema.sql
  printf 'SELECT id FROM shops WHERE 0 = 1;\n' >sq/verify/schema.sql
  printf 'CREATE TABLE items (id integer PRIMARY KEY, shop integer REFERENCES shops (id), price integer);\n' >sq/deploy/items.sql
  printf 'DROP TABLE items;\n' >sq/revert/items.sql
  printf 'BEGIN;\nCREATE VIEW items_view AS SELECT id FROM items;\nCOMMIT;\n' >sq/deploy/items_view@v1.0.sql
  printf 'BEGIN;\nDROP VIEW items_view;\nCOMMIT;\n' >sq/revert/items_view@v1.0.sql
  printf 'BEGIN;\nDROP VIEW items_view;\nCREATE VIEW items_view AS SELECT id, price FROM items;\nCOMMIT;\n' >sq/deploy/items_view.sql
  printf 'BEGIN;\nDROP VIEW items_view;\nCREATE VIEW items_view AS SELECT id FROM items;\nCOMMIT;\n' >sq/revert/items_view.sql
}

sqitch_target() {
  if [ "$ENGINE" = postgres ]; then
    echo "db:pg://strata_test:$STRATA_TEST_PG_PASSWORD@127.0.0.1:$STRATA_TEST_PG_PORT/$PGDB_NAME"
  else echo "db:sqlite:${DB#sqlite:}"; fi
}

sqitch_compare() {
  command -v sqitch >/dev/null || fail "sqitch is missing (make deps installs it)"
  export SQITCH_FULLNAME=Tester SQITCH_EMAIL=t@example.com
  new_project; sqitch_project
  new_db; theirs=$DB; theirs_name=${PGDB_NAME:-}
  (cd sq && sqitch deploy --registry sqitch_registry "$(sqitch_target)") >"$T/sqitch.log" 2>&1 ||
    { cat "$T/sqitch.log"; fail "sqitch deploy failed"; }
  new_db; ours=$DB
  imp sqitch sq
  contains "$OUT" "imported 4 sqitch steps as revisions schema .. items_view.2"
  contains "$OUT" "transaction: off: items"
  contains "$OUT" "skipped sq/verify/schema.sql: a verify script"
  contains "$OUT" "tag v1.0: items_view"
  grep -q '^-- depends-on: items_view$' migrations/items_view.2_*.sql || fail "the rework does not depend on items_view"
  ! grep -qi '^BEGIN;' migrations/schema_*.sql || fail "the BEGIN wrapper was kept"
  ok st upgrade -q
  equals "$(dump_of "$ours")" "$(dump_of "$theirs")"
  ok st history
  contains "$OUT" "tag v1.0"
  (cd sq && DB=$theirs && PGDB_NAME=$theirs_name && sqitch revert -y --registry sqitch_registry "$(sqitch_target)") >"$T/sqitch.log" 2>&1 ||
    { cat "$T/sqitch.log"; fail "sqitch revert failed"; }
  ok st downgrade base -q
  equals "$(dump_of "$ours")" "$(dump_of "$theirs")"
  equals "$(DB=$ours tables)" ""
}

test_pg_sqitch_compare() { sqitch_compare; }
test_sqlite_sqitch_compare() { sqitch_compare; }

test_any_bad_input() {
  new_project
  mkdir goose
  printf -- '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n' >goose/001_a.sql
  expect_exit 2 st import goose goose
  contains "$ERR" "goose/001_a.sql:2: '-- +goose StatementBegin' is never ended"
  contains "$ERR" "hint:"
  equals "$(ls migrations)" ""
  expect_exit 2 st import liquibase goose
  contains "$ERR" "unknown import format 'liquibase'"
  contains "$ERR" "flyway, golang-migrate, goose, dbmate, sqitch, pop"
  expect_exit 2 st import goose nowhere
  contains "$ERR" "nowhere is not a folder"
  expect_exit 2 st import goose
  # the target already holds an id: refused, the folder as it was
  printf -- '-- +goose Up\nCREATE TABLE a (id int);\n' >goose/001_a.sql
  printf -- '-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n' >goose/002_b.sql
  ok st import goose goose
  before=$(cd migrations && sha256sum ./*)
  expect_exit 2 st import goose goose
  contains "$ERR" "already holds revision 001"
  equals "$(cd migrations && sha256sum ./*)" "$before"
  ok st heads
  contains "$OUT" "002"
}

ENGINE=sqlite TEST_FILTER="^test_(sqlite|any)_.*${ONLY:-}" run_tests
rm -rf "${SUITE_TMP:?}"/test_*
ENGINE=postgres TEST_FILTER="^test_pg_.*${ONLY:-}" run_tests
