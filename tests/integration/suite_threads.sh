#!/usr/bin/env bash
# Integration suite: the commands that run a second thread, kept small so
# that make test-tsan (ThreadSanitizer) can run it whole. diff and
# revision --autogenerate load their two catalogs at once
# (strata_catalog_load_pair, src/schema/api.c), on SQLite and on
# PostgreSQL (where both threads are the process's first users of libpq,
# loaded on demand);
# upgrade and downgrade read the SQLite database's state ahead while the
# migrations load (src/core/prefetch.c), both when there is work and when
# the state read ahead settles the run.
ENGINE=threads
. "$(dirname "$0")/lib.sh"

test_diff_two_sqlite_files() {
  sqlite3 a.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t (a);"
  sqlite3 b.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', b INT);
                CREATE TABLE u (x INT REFERENCES t (id));"
  ok st diff sqlite:a.db sqlite:b.db
  contains "$OUT" 'CREATE TABLE u ('
  printf '%s\n' "$OUT" >step.sql
  sqlite3 -batch -bail a.db <step.sql
  ok st diff --exit-code sqlite:a.db sqlite:b.db
  ok st diff --exit-code sqlite:b.db sqlite:a.db
  # a schema file on one side: its shadow database is built meanwhile
  sqlite3 b.db .schema >b.sql
  ok st diff --exit-code b.sql sqlite:a.db
  # one side that cannot be read: the other thread's work is dropped cleanly
  expect_exit 2 st diff sqlite:a.db nothere.sql
}

test_diff_two_postgres_databases() {
  ENGINE=postgres
  local A B
  new_db; A=$DB
  q "CREATE TABLE t (id int PRIMARY KEY, a text); CREATE INDEX t_a ON t (a);"
  new_db; B=$DB
  q "CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL, b int); CREATE TABLE u (x int REFERENCES t (id));"
  ok st diff "$A" "$B"
  contains "$OUT" 'CREATE TABLE public.u ('
  printf '%s\n' "$OUT" >step.sql
  DB=$A run_script step.sql
  ok st diff "$A" "$B"; equals "$OUT" ""
  ok st diff "$B" "$A"; equals "$OUT" ""
}

test_upgrade_reads_ahead() {
  new_project
  new_db
  chain 3
  ok st upgrade
  contains "$ERR" "applied 3 revisions"
  equals "$(versions)" "$(id 3)"
  # at head: the state read ahead is the whole answer
  ok st -v upgrade
  contains "$ERR" "read ahead"
  ok st downgrade -1
  equals "$(versions)" "$(id 2)"
  ok st upgrade
  equals "$(versions)" "$(id 3)"
  ok st -v downgrade base
  equals "$(q "SELECT count(*) FROM sqlite_master WHERE name LIKE 't%'")" 0
}

test_autogenerate_loads_both_sides() {
  new_project
  new_db
  printf 'schema = schema.sql\n' >>strata.ini
  mig "$(id 1)" base "CREATE TABLE a (id integer primary key);" "DROP TABLE a;"
  printf 'CREATE TABLE a (id integer primary key, note text);\nCREATE TABLE b (id integer primary key);\n' >schema.sql
  ok st revision --autogenerate -m "note and b"
  contains "$(cat migrations/*_note_and_b.sql)" "CREATE TABLE"
  ok st upgrade
  ok st diff --exit-code "$DB" schema.sql
}

run_tests
