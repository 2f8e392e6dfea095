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

run_tests
