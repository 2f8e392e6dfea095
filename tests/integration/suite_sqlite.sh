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

# git_project: a project under git with revisions 1, 3 and 5 hashed and committed.
git_project() {
  new_db; new_project
  git init -q -b main .
  git config user.email dev@example.com; git config user.name dev
  echo '*.sqlite' >.gitignore
  mig "$(id 1)" base "CREATE TABLE t1 (id integer);" "DROP TABLE t1;"
  mig "$(id 3)" "$(id 1)" "CREATE TABLE t3 (id integer);" "DROP TABLE t3;"
  mig "$(id 5)" "$(id 3)" "CREATE TABLE t5 (id integer);" "DROP TABLE t5;"
  ok st hash
  git add -A; git commit -q -m base
}

# Two developers each add a revision on their branch and hash it: git merges
# strata.sum without a conflict, and strata accepts the merged folder.
test_sum_two_branches_merge_cleanly_in_git() {
  git_project
  git checkout -q -b alice
  mig "$(id 2)" "$(id 5)" "CREATE TABLE alice (id integer);" "DROP TABLE alice;"
  ok st hash
  git add -A; git commit -q -m alice
  git checkout -q main; git checkout -q -b bob
  mig "$(id 4)" "$(id 5)" "CREATE TABLE bob (id integer);" "DROP TABLE bob;"
  ok st hash
  git add -A; git commit -q -m bob
  ok git merge -q --no-edit alice
  [ -z "$(git status --porcelain)" ] || fail "the merge left changes: $(git status --porcelain)"
  lacks "$(cat migrations/strata.sum)" "<<<<<<<"
  ok st verify --offline --allow-multiple-heads
  ok st upgrade heads
  equals "$(tables | tr '\n' ' ')" "alice bob t1 t3 t5 "
  ok st merge -m "join alice and bob"
  local merge_file=$OUT
  ok st verify
  ok st upgrade
  # the set of lines is still checked against the set of files
  git add -A; git commit -q -m merge
  rm "$merge_file"
  expect_exit 1 st verify --offline --allow-multiple-heads
  contains "$ERR" "removed: $(basename "$merge_file")"
  git checkout -q -- migrations
  mig "$(id 6)" "$(id 5)" "SELECT 1;" "SELECT 1;"
  expect_exit 1 st verify --offline
  contains "$ERR" "added: $(id 6)_m$(id 6).sql"
}

# When git does stop on strata.sum (both added a file in the same place),
# strata names the markers, exits 2 and touches nothing; strata hash resolves it.
test_sum_conflict_markers_are_named() {
  git_project
  git checkout -q -b alice
  mig "$(id 6)" "$(id 5)" "CREATE TABLE alice (id integer);" "DROP TABLE alice;"
  ok st hash
  git add -A; git commit -q -m alice
  git checkout -q main; git checkout -q -b bob
  mig "$(id 7)" "$(id 5)" "CREATE TABLE bob (id integer);" "DROP TABLE bob;"
  ok st hash
  git add -A; git commit -q -m bob
  expect_exit 1 git merge -q --no-edit alice
  local line
  line=$(grep -n '^<<<<<<<' migrations/strata.sum | cut -d: -f1)
  expect_exit 2 st upgrade heads
  contains "$ERR" "strata.sum has merge conflict markers (line $line): resolve the conflict, then run strata hash"
  lacks "$ERR" "removed:"
  [ ! -e "${DB#sqlite:}" ] || fail "the database was touched"
  expect_exit 2 st verify
  contains "$ERR" "merge conflict markers"
  ok st hash
  git add -A; git commit -q --no-edit
  ok st verify --offline --allow-multiple-heads
  ok st upgrade heads
  equals "$(tables | tr '\n' ' ')" "alice bob t1 t3 t5 "
}

# A strata.sum written before the per-file format (first line hashing the
# rest) is still read, and the next strata hash rewrites it.
test_sum_old_format_is_read_and_rewritten() {
  new_db; new_project; chain 2
  local lines
  lines=$(for f in migrations/*.sql; do printf '%s sha256-v1:%s\n' "$(basename "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"; done)
  { printf 'sha256-v1:%s\n' "$(printf '%s\n' "$lines" | sha256sum | cut -d' ' -f1)"; printf '%s\n' "$lines"; } >migrations/strata.sum
  ok st verify --offline
  ok st upgrade
  mig "$(id 3)" "$(id 2)" "SELECT 1;" "SELECT 1;"
  expect_exit 1 st upgrade
  contains "$ERR" "added: $(id 3)_m$(id 3).sql"
  ok st hash
  lacks "$(head -n 1 migrations/strata.sum)" "sha256-v1:"
  equals "$(grep -c ' sha256-v1:' migrations/strata.sum)" 3
  ok st upgrade
}

run_tests
