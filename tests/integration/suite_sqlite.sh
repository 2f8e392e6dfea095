#!/usr/bin/env bash
# Integration suite on SQLite: the shared scenarios plus SQLite-only cases.
ENGINE=sqlite
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"

test_default_database_is_strata_db_in_project_folder() {
  new_project; chain 1
  unset STRATA_DATABASE_URL
  mkdir sub && cd sub
  ok st upgrade
  [ -f ../strata.db ] || fail "expected strata.db in the project folder"
}

test_config_precedence() {
  new_project; chain 1
  printf '[strata]\ndatabase = sqlite:from_file.db\n' >strata.ini
  unset STRATA_DATABASE_URL
  ok st upgrade
  [ -f from_file.db ] || fail "strata.ini database not used"
  DATABASE_URL=sqlite:from_env.db ok st upgrade
  [ -f from_env.db ] || fail "DATABASE_URL not used"
  STRATA_DATABASE_URL=sqlite:from_strata_env.db DATABASE_URL=sqlite:nope.db ok st upgrade
  [ -f from_strata_env.db ] && [ ! -f nope.db ] || fail "STRATA_DATABASE_URL should win over DATABASE_URL"
  STRATA_DATABASE_URL=sqlite:nope2.db ok st -d sqlite:from_flag.db upgrade
  [ -f from_flag.db ] && [ ! -f nope2.db ] || fail "-d should win"
  printf '[strata]\ndatabse = sqlite:typo.db\n' >strata.ini
  expect_exit 2 st upgrade
  contains "$ERR" "strata.ini:2"
  contains "$ERR" "databse"
}

# What a failed non-transactional revision left is read back in full: the
# refusal names the error, the failing statement and how far it got.
test_failed_nontransactional_revision_is_described() {
  new_db; new_project; chain 1
  mig "$(id 2)" "$(id 1)" "CREATE TABLE a2 (id integer);
INSERT INTO no_such_table VALUES (1);" "DROP TABLE a2;" "-- transaction: off"
  expect_exit 3 st upgrade
  equals "$(q "SELECT outcome FROM strata_history ORDER BY id DESC LIMIT 1")" failed
  expect_exit 3 st upgrade
  contains "$ERR" "$(id 2)"
  contains "$ERR" "failed part-way"
  contains "$ERR" "no such table: no_such_table"
  contains "$ERR" "failing statement: INSERT INTO no_such_table"
  contains "$ERR" "1 statement(s) had completed"
  ok st current
  contains "$ERR" "failed part-way"
  ok st stamp "$(id 2)"
  ok st upgrade
  contains "$ERR" "already up to date"
}

# A run with nothing to do writes nothing: not even a lock or a journal.
# A bad migrations folder found meanwhile leaves the file as it was.
test_noop_and_bad_folder_leave_the_file_alone() {
  new_db; new_project; chain 3
  local file=${DB#sqlite:}
  ok st upgrade
  cp "$file" "$T/before.sqlite"
  touch -d '2001-01-01' "$file"
  ok st upgrade
  contains "$ERR" "already up to date"
  ok st downgrade "$(id 3)"
  contains "$ERR" "nothing to revert"
  cmp -s "$file" "$T/before.sqlite" || fail "a no-op run changed the database"
  equals "$(stat -c %Y "$file")" "$(date -d '2001-01-01' +%s)"
  [ ! -e "$file-journal" ] || fail "a no-op run left a journal"
  printf -- '-- revision: %s\n-- revises: base\n-- colour: blue\n\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n' "$(id 9)" >"migrations/$(id 9)_x.sql"
  expect_exit 2 st upgrade
  contains "$ERR" "colour"
  cmp -s "$file" "$T/before.sqlite" || fail "a bad folder changed the database"
  equals "$(stat -c %Y "$file")" "$(date -d '2001-01-01' +%s)"
  rm "migrations/$(id 9)_x.sql"
  # pending work still runs, a changed file is still refused
  mig "$(id 4)" "$(id 3)" "CREATE TABLE t4 (id integer);" "DROP TABLE t4;"
  ok st upgrade
  equals "$(versions)" "$(id 4)"
  sed -i 's/CREATE TABLE t4 (id integer)/CREATE TABLE t4 (id integer, w text)/' "migrations/$(id 4)_m$(id 4).sql"
  expect_exit 1 st upgrade
  contains "$ERR" "allow-changed"
}

# A read command on a SQLite file that does not exist is an error naming
# the path (a typo must not read as "nothing applied"), and creates
# nothing: not the file, not its folder. Only writing commands create it.
test_read_commands_on_a_missing_file_fail_and_create_nothing() {
  new_db; new_project; chain 2
  local file=${DB#sqlite:}
  for cmd in current "current --json" verify drift dump erd; do
    # shellcheck disable=SC2086
    expect_exit 2 st $cmd
    contains "$ERR" "$file does not exist"
    contains "$ERR" "strata upgrade"
    lacks "$ERR" "no revision applied"
    [ ! -e "$file" ] || fail "'strata $cmd' created the database file"
  done
  local nodir="$T/no/such/dir/x.db"
  expect_exit 2 st -d "sqlite:$nodir" current
  contains "$ERR" "$nodir does not exist"
  expect_exit 2 st -d "sqlite:$nodir" verify
  contains "$ERR" "$nodir does not exist"
  [ ! -e "$T/no" ] || fail "a read command created a folder"
  # --sql only prints: the script starts from nothing applied, no file made
  ok st upgrade --sql
  contains "$OUT" "CREATE TABLE t1"
  contains "$OUT" "CREATE TABLE t2"
  [ ! -e "$file" ] || fail "upgrade --sql created the database file"
  ok st -d "sqlite:$nodir" upgrade --sql "$(id 1)"
  contains "$OUT" "CREATE TABLE t1"
  lacks "$OUT" "CREATE TABLE t2"
  [ ! -e "$T/no" ] || fail "upgrade --sql created a folder"
  # lint of pending revisions: a database still to be created has them all
  ok st lint
  [ ! -e "$file" ] || fail "lint created the database file"
  # the writing command creates it, and then the reads work
  ok st upgrade
  [ -f "$file" ] || fail "upgrade did not create the database"
  ok st current
  contains "$OUT" "$(id 2)"
  ok st verify
  ok st upgrade --sql
  lacks "$OUT" "CREATE TABLE t1"
}

# Each strata.ini section is described once.
test_help_config_lists_each_section_once() {
  ok st help config
  contains "$OUT" "[strata]"
  contains "$OUT" "[test]"
  equals "$(printf '%s\n' "$OUT" | grep -c '^ *\[test\]')" 1
  equals "$(printf '%s\n' "$OUT" | grep -c '^ *\[strata\]')" 1
}

# SQLite's extended result code is shown by name; it is no SQLSTATE.
test_sqlite_error_names_its_result_code() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE u (a integer UNIQUE);
INSERT INTO u VALUES (1);
INSERT INTO u VALUES (1);" "DROP TABLE u;"
  expect_exit 3 st upgrade
  contains "$ERR" "UNIQUE constraint failed: u.a"
  contains "$ERR" "SQLITE_CONSTRAINT_UNIQUE"
  lacks "$ERR" "SQLSTATE"
  lacks "$ERR" "2067"
}

run_tests
