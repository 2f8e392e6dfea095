#!/usr/bin/env bash
# Integration suite for strata lint: the real binary on files, on a
# project's pending revisions (SQLite), with a live PostgreSQL for table
# sizes, and over the shared corpus of real migrations (no crash, output
# stable between runs). The rules themselves are tested case by case in
# tests/unit/lint/test_lint.c.
ENGINE=sqlite
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)

test_text_output_and_exit_codes() {
  printf 'CREATE TABLE n (id bigint);\nCREATE INDEX users_email ON users (email);\n' >a.sql
  expect_exit 1 st lint a.sql
  contains "$OUT" "a.sql:2:29: error SL101 CREATE INDEX users_email on existing table users"
  contains "$OUT" "[require-concurrent-index-creation]"
  contains "$OUT" "    hint: CREATE INDEX CONCURRENTLY"
  contains "$ERR" "1 error(s)"
  printf 'CREATE TABLE IF NOT EXISTS n (id bigint GENERATED ALWAYS AS IDENTITY, note text);\n' >clean.sql
  ok st lint clean.sql
  equals "$OUT" ""
}

test_directory_lints_each_sql_file_in_it() {
  mkdir -p mig/tests
  printf 'CREATE INDEX users_email ON users (email);\n' >mig/b.sql
  printf 'CREATE TABLE IF NOT EXISTS n (id bigint);\n' >mig/a.sql
  printf 'DROP TABLE users;\n' >mig/tests/x.sql
  printf 'not sql at all\n' >mig/README
  expect_exit 1 st lint mig
  lacks "$ERR" "not a regular file"
  contains "$OUT" "mig/b.sql:1:"
  lacks "$OUT" "tests/x.sql"
  lacks "$OUT" "README"
  ok st lint mig/a.sql
  mkdir empty
  expect_exit 2 st lint empty
  contains "$ERR" "'empty' holds no .sql file to lint"
  expect_exit 2 st lint no-such-dir
  contains "$ERR" "no-such-dir"
}

test_severity_threshold() {
  printf 'CREATE TABLE IF NOT EXISTS n (at timestamp);\n' >w.sql
  ok st lint w.sql
  contains "$OUT" "warning SL305"
  ok st lint --severity error w.sql
  lacks "$OUT" "SL305"
  expect_exit 2 st lint --severity loud w.sql
  contains "$ERR" "unknown severity 'loud'"
}

test_suppression_comment() {
  printf -- '-- strata:ignore SL101 the table has 20 rows\nCREATE INDEX IF NOT EXISTS i ON t (a);\n' >s.sql
  ok st lint s.sql
  lacks "$OUT" "SL101"
  contains "$ERR" "1 suppressed"
}

test_lint_section_of_strata_ini() {
  new_project
  printf 'CREATE TABLE IF NOT EXISTS n (a int);\nDROP TABLE IF EXISTS old;\n' >f.sql
  expect_exit 1 st lint f.sql
  printf '[strata]\nmigrations = migrations\n[lint]\nban-drop-table = warning\nSL301 = error\n' >strata.ini
  expect_exit 1 st lint f.sql
  contains "$OUT" "error SL301"
  contains "$OUT" "warning SL203"
  printf '[strata]\nmigrations = migrations\n[lint]\nSL301 = off\nSL203 = off\n' >strata.ini
  ok st lint f.sql
  printf '[strata]\n[lint]\n\nno-such-rule = off\n' >strata.ini
  expect_exit 2 st lint f.sql
  contains "$ERR" "strata.ini:4: [lint] no-such-rule"
}

test_formats() {
  printf 'CREATE INDEX i ON t (a);\n' >a.sql
  expect_exit 1 st lint --format json a.sql
  contains "$OUT" '"rule": "SL101"'
  contains "$OUT" '"line": 1'
  expect_exit 1 st lint --json a.sql
  contains "$OUT" '"errors": 1'
  expect_exit 1 st lint --format sarif a.sql
  contains "$OUT" '"version": "2.1.0"'
  contains "$OUT" '"ruleId": "SL101"'
  contains "$OUT" '"startLine": 1'
  expect_exit 1 st lint --format github a.sql
  contains "$OUT" "::error file=a.sql,line=1,col=19,title=SL101 require-concurrent-index-creation::"
  expect_exit 2 st lint --format xml a.sql
}

test_unparsable_sql_is_exit_2_with_position() {
  printf 'CREATE TABLE n (a int);\nALTER TABLE n ADD COLUM b int;\n' >bad.sql
  expect_exit 2 st lint bad.sql
  contains "$ERR" "bad.sql:2:"
  contains "$ERR" "syntax error"
  expect_exit 2 st lint no-such-file.sql
}

test_pending_revisions_by_default_and_all() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE t1 (id integer primary key, v text);" "DROP TABLE t1;"
  ok st upgrade
  mig "$(id 2)" "$(id 1)" "ALTER TABLE t1 RENAME COLUMN v TO w;" "ALTER TABLE t1 RENAME COLUMN w TO v;"
  mig "$(id 3)" "$(id 2)" "CREATE TABLE t3 (a text);
ALTER TABLE t3 RENAME COLUMN a TO b;" "DROP TABLE t3;"
  expect_exit 1 st lint
  contains "$OUT" "$(id 2)_m$(id 2).sql:6:1: error SL206"
  lacks "$OUT" "$(id 3)_m"
  contains "$ERR" "in 2 file(s)"
  expect_exit 1 st lint --all
  contains "$ERR" "in 3 file(s)"
  # The database was only read.
  equals "$(versions)" "$(id 1)"
}

test_pending_range_exempts_tables_created_earlier() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE big (id bigint, a text);" "DROP TABLE big;"
  mig "$(id 2)" "$(id 1)" "CREATE INDEX big_a ON big (a);" "DROP INDEX big_a;"
  ok st lint --engine postgres
  lacks "$OUT" "SL101"
  ok st upgrade
  # Once big exists, the same index (in a new revision) is flagged.
  mig "$(id 3)" "$(id 2)" "CREATE INDEX big_id ON big (id);" "DROP INDEX big_id;"
  expect_exit 1 st lint --engine postgres
  contains "$OUT" "error SL101 CREATE INDEX big_id"
}

# The NOT NULL pattern across revisions, as SL108's own hint gives it: a
# CHECK (tier IS NOT NULL) NOT VALID in one, VALIDATE and SET NOT NULL in a
# later one. Quiet whether the first is pending or applied, file by file,
# with --all, and in strata test's lint check; without the check anywhere
# before it, SET NOT NULL is still an error.
not_null_pattern() { # not_null_pattern WITH_CHECK(1|0)
  mig "$(id 1)" base "CREATE TABLE users (id bigint PRIMARY KEY, tier text);" "DROP TABLE users;"
  if [ "$1" = 1 ]; then
    mig "$(id 2)" "$(id 1)" "ALTER TABLE users ADD CONSTRAINT users_tier_nn CHECK (tier IS NOT NULL) NOT VALID;" \
      "ALTER TABLE users DROP CONSTRAINT users_tier_nn;"
  else
    mig "$(id 2)" "$(id 1)" "ALTER TABLE users ADD COLUMN note text;" "ALTER TABLE users DROP COLUMN note;"
  fi
  mig "$(id 3)" "$(id 2)" "ALTER TABLE users VALIDATE CONSTRAINT users_tier_nn;
ALTER TABLE users ALTER COLUMN tier SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_tier_nn;" "ALTER TABLE users ALTER COLUMN tier DROP NOT NULL;"
  st hash >/dev/null
}

test_history_proves_not_null_checked_in_an_earlier_revision() {
  new_db; new_project
  not_null_pattern 1
  local third="migrations/$(id 3)_m$(id 3).sql"
  ok st lint --engine postgres
  lacks "$OUT" "SL108"
  ok st stamp "$(id 2)"
  ok st lint --engine postgres
  lacks "$OUT" "SL108"
  contains "$ERR" "in 1 file(s)"
  ok st lint --engine postgres --all
  lacks "$OUT" "SL108"
  ok st lint --engine postgres "$third"
  lacks "$OUT" "SL108"
  ok st lint --engine postgres migrations
  lacks "$OUT" "SL108"
  # Files out of the graph's order still get each one's own history.
  ok st lint --engine postgres "$third" "migrations/$(id 1)_m$(id 1).sql" "$third"
  lacks "$OUT" "SL108"

  # No check anywhere before: an error wherever it is linted from.
  rm -rf migrations && mkdir migrations
  not_null_pattern 0
  expect_exit 1 st lint --engine postgres
  contains "$OUT" "$(id 3)_m$(id 3).sql:7:1: error SL108"
  expect_exit 1 st lint --engine postgres --all
  contains "$OUT" "error SL108"
  expect_exit 1 st lint --engine postgres "$third"
  contains "$OUT" "error SL108"
  expect_exit 1 st lint --engine postgres migrations
  contains "$OUT" "error SL108"
}

# strata test's lint check runs every revision with the history before it.
test_strata_test_lint_check_knows_the_history() {
  [ -n "${STRATA_TEST_PG_URL:-}" ] || fail "STRATA_TEST_PG_URL is not set (run via tests/run-all.sh)"
  ENGINE=postgres new_db; new_project
  not_null_pattern 1
  ok st test --only lint
  contains "$OUT" "PASS lint"
  rm -rf migrations && mkdir migrations
  not_null_pattern 0
  # (--only lint runs no migration: the VALIDATE of a constraint that
  # does not exist would fail an upgrade)
  expect_exit 1 st test --only lint
  contains "$OUT" "SL108"
}

# Down sections are linted with the state after the up: undoing the up's
# own objects is quiet, dropping a column an older (applied) revision
# added is reported at its line in the down.
test_down_sections_are_linted_after_the_up() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE users (id bigint PRIMARY KEY, email text);" "DROP TABLE users;"
  ok st upgrade
  mig "$(id 2)" "$(id 1)" "ALTER TABLE users ADD COLUMN nick text;
CREATE TABLE notes (id bigint);" "ALTER TABLE users DROP COLUMN nick;
DROP TABLE notes;"
  ok st lint --engine postgres
  lacks "$OUT" "down section"
  mig "$(id 3)" "$(id 2)" "SELECT 1;" "ALTER TABLE users DROP COLUMN email;
CREATE INDEX users_email ON users (email);"
  local third="migrations/$(id 3)_m$(id 3).sql"
  expect_exit 1 st lint --engine postgres
  contains "$OUT" "$(id 3)_m$(id 3).sql:9:1: error SL202 down section: DROP COLUMN users.email loses its data"
  contains "$OUT" "$(id 3)_m$(id 3).sql:10:29: error SL101 down section: CREATE INDEX users_email on existing table users"
  # The same file alone: its history (the revisions before it) still says
  # which columns are old.
  expect_exit 1 st lint --engine postgres "$third"
  contains "$OUT" "SL202 down section"
}

test_applied_revision_edited_and_missing_down() {
  new_db; new_project; chain 1
  ok st upgrade
  sed -i 's/v text/v text, w text/' "migrations/$(id 1)_m$(id 1).sql"
  expect_exit 1 st lint
  contains "$OUT" "error SL502 revision $(id 1) was applied with checksum"
  printf -- '-- revision: %s\n-- revises: %s\n\n-- +up\nCREATE TABLE x (a text);\n' "$(id 2)" "$(id 1)" \
    >"migrations/$(id 2)_x.sql"
  expect_exit 1 st lint
  contains "$OUT" "error SL501 no '-- +down' section"
}

test_transaction_header_decides_concurrently() {
  new_db; new_project
  mig "$(id 1)" base "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);" "DROP INDEX CONCURRENTLY IF EXISTS i;"
  expect_exit 1 st lint --engine postgres
  contains "$OUT" "error SL103 CREATE INDEX CONCURRENTLY inside a transaction (this migration has 'transaction: on')"
  mig "$(id 1)" base "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);" "DROP INDEX CONCURRENTLY IF EXISTS i;" "-- transaction: off"
  ok st lint --engine postgres
  lacks "$OUT" "SL103"
}

test_sqlite_rules() {
  new_db; new_project
  mig "$(id 1)" base "ALTER TABLE t ALTER COLUMN a TYPE text;" "SELECT 1;"
  expect_exit 1 st lint
  contains "$OUT" "error SL601 SQLite's ALTER TABLE cannot do ALTER COLUMN ... TYPE"
}

test_postgres_live_table_sizes() {
  [ -n "${STRATA_TEST_PG_URL:-}" ] || fail "STRATA_TEST_PG_URL is not set (run via tests/run-all.sh)"
  ENGINE=postgres new_db
  ENGINE=postgres q "CREATE TABLE tiny (a int); INSERT INTO tiny SELECT generate_series(1, 5);
    CREATE TABLE big (a int); INSERT INTO big SELECT generate_series(1, 20000); ANALYZE tiny; ANALYZE big;" >/dev/null
  printf 'SET lock_timeout = 1000;\nCREATE INDEX IF NOT EXISTS ta ON tiny (a);\nCREATE INDEX IF NOT EXISTS ba ON big (a);\n' >s.sql
  expect_exit 1 st lint -d "$DB" s.sql
  contains "$OUT" "s.sql:2:34: warning SL101 CREATE INDEX ta on existing table tiny blocks writes while it builds; use CONCURRENTLY (small table: about 5 rows)"
  contains "$OUT" "s.sql:3:34: error SL101 CREATE INDEX ba on existing table big blocks writes while it builds; use CONCURRENTLY (about 20000 rows)"
  # Without -d nothing is known about sizes: both are errors.
  expect_exit 1 st lint s.sql
  contains "$OUT" "s.sql:2:34: error SL101"
  # The server's version is used: PostgreSQL 15 stores constant defaults, no rewrite.
  printf 'SET lock_timeout = 1000;\nALTER TABLE big ADD COLUMN IF NOT EXISTS b text DEFAULT $$x$$;\n' >d.sql
  ok st lint -d "$DB" d.sql
  expect_exit 1 st lint --pg-version 10 d.sql
  contains "$OUT" "SL113 before PostgreSQL 11"
  lacks "$OUT$ERR" "$STRATA_TEST_PG_PASSWORD"
}

# Live sizes with the history: a table a pending revision creates is new
# (quiet), a table above [lint] large_table_rows gets its size and an
# estimate of the hold, and a live table no revision created is named as
# possible drift.
test_live_context_with_history() {
  [ -n "${STRATA_TEST_PG_URL:-}" ] || fail "STRATA_TEST_PG_URL is not set (run via tests/run-all.sh)"
  ENGINE=postgres new_db; new_project
  printf '[lint]\nlarge_table_rows = 10000\n' >>strata.ini
  mig "$(id 1)" base "CREATE TABLE events (id bigint, kind text);" "DROP TABLE events;"
  ok st upgrade
  ENGINE=postgres q "INSERT INTO events SELECT g, 'kind ' || g FROM generate_series(1, 50000) g;
    CREATE TABLE legacy (a int); INSERT INTO legacy SELECT generate_series(1, 500);
    ANALYZE events; ANALYZE legacy;" >/dev/null
  mig "$(id 2)" "$(id 1)" "CREATE TABLE audit (id bigint, at timestamptz);" "DROP TABLE audit;"
  mig "$(id 3)" "$(id 2)" "CREATE INDEX audit_at ON audit (at);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX legacy_a ON legacy (a);" "DROP INDEX legacy_a;
DROP INDEX events_kind;
DROP INDEX audit_at;"
  expect_exit 1 st lint
  lacks "$OUT" "audit_at"
  contains "$OUT" "error SL101 CREATE INDEX events_kind on existing table events blocks writes while it builds; use CONCURRENTLY (large table: about 50,000 rows, 3 MB; the build blocks writes for roughly 1 s (3 MB at 50 MB/s))"
  contains "$OUT" "warning SL101 CREATE INDEX legacy_a on existing table legacy blocks writes while it builds; use CONCURRENTLY (small table: about 500 rows; possible drift: legacy is on the database but no revision before this one creates it)"
  lacks "$OUT" "events is on the database"
  # A plain file has no history: sizes, but no claim of drift.
  printf 'SET lock_timeout = 1000;\nCREATE INDEX IF NOT EXISTS la ON legacy (a);\n' >p.sql
  ok st lint -d "$DB" p.sql
  contains "$OUT" "(small table: about 500 rows)"
}

# The SQL inside DO blocks and function bodies, at its own line and column;
# a DO block's CREATE TABLE makes the table new, a comment inside the body
# suppresses, an unreadable body is counted, not an error.
test_function_bodies_and_do_blocks() {
  cat >b.sql <<'SQL'
CREATE TABLE IF NOT EXISTS n (id bigint);
DO $$
BEGIN
  CREATE TABLE IF NOT EXISTS fresh (id bigint);
  UPDATE fresh SET id = 1;
    UPDATE accounts SET active = true;
END $$;
CREATE FUNCTION app.reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF true THEN
    -- strata:ignore SL213 a handful of rows
    DELETE FROM counters;
     DELETE FROM quota;
  END IF;
END $$;
CREATE FUNCTION broken() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET a = 1 $$;
SQL
  expect_exit 1 st lint b.sql
  contains "$OUT" "b.sql:6:5: error SL213 in DO block: UPDATE accounts without WHERE rewrites every row"
  contains "$OUT" "b.sql:13:6: error SL213 in function app.reset(): DELETE FROM quota without WHERE"
  lacks "$OUT" "fresh"
  lacks "$OUT" "counters"
  lacks "$OUT" "broken"
  contains "$ERR" "1 suppressed; 1 function or DO body not read"
  expect_exit 1 st lint --format json b.sql
  contains "$OUT" '"bodies_skipped": 1'
  expect_exit 1 st lint --format github b.sql
  contains "$OUT" "::error file=b.sql,line=6,col=5,title=SL213 unbatched-data-migration::in DO block: UPDATE accounts"
  # Above the DO statement: every finding inside it.
  printf -- '-- strata:ignore SL213 one row per region\nDO $$ BEGIN UPDATE regions SET on_call = true; END $$;\n' >c.sql
  ok st lint c.sql
  contains "$ERR" "1 suppressed"
  # SQLite has no function bodies nor DO blocks to read.
  ok st lint --engine sqlite b.sql
  lacks "$OUT" "SL213"
  contains "$ERR" "4 statement(s)"
  lacks "$ERR" "not read"
}

test_every_rule_is_documented() {
  : >empty.sql; st lint --format sarif empty.sql >rules.json || true
  ids=$(grep -o '"id": "SL[0-9]*"' rules.json | grep -o 'SL[0-9]*' | sort -u)
  [ "$(printf '%s\n' "$ids" | wc -l)" -ge 40 ] || fail "expected at least 40 rules, got: $ids"
  for id in $ids; do
    grep -q "^### $id " "$ROOT/docs/lint.md" || fail "$id is not documented in docs/lint.md"
  done
  ok st help lint
  contains "$OUT" "strata:ignore"
}

test_corpus_lints_without_crash_and_stably() {
  local files=()
  corpus kratos/sql supabase-storage/migrations
  mapfile -t files < <(ls "$CORPUS"/kratos/sql/*.postgres.up.sql "$CORPUS"/kratos/sql/*.postgres.down.sql \
    "$CORPUS"/supabase-storage/migrations/*/*.sql | sort)
  [ "${#files[@]}" -gt 300 ] || fail "expected the corpus files, got ${#files[@]}"
  set +e
  "$STRATA" lint --engine postgres --format json "${files[@]}" >run1.json 2>run1.err
  rc1=$?
  "$STRATA" lint --engine postgres --format json "${files[@]}" >run2.json 2>run2.err
  rc2=$?
  set -e
  [ "$rc1" -le 1 ] || { cat run1.err >&2; fail "lint over the corpus exited $rc1"; }
  equals "$rc2" "$rc1"
  cmp -s run1.json run2.json || fail "lint output differs between two runs"
  contains "$(cat run1.json)" '"files": '"${#files[@]}"
  contains "$(cat run1.json)" 'in DO block: ' # the DO blocks of supabase-storage are read
  # One file at a time gives the same findings as all at once.
  for f in "${files[@]:0:20}"; do
    set +e; "$STRATA" lint --engine postgres "$f" >/dev/null 2>&1; rc=$?; set -e
    [ "$rc" -le 1 ] || fail "lint $f exited $rc"
  done
}

run_tests
