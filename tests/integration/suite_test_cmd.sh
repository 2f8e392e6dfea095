#!/usr/bin/env bash
# Integration suite for `strata test`, on SQLite and on a throwaway
# PostgreSQL: one migrations directory that passes every check, and one
# for each check that breaks exactly that check (a down that leaves an
# index, one that leaves an enum type / a view, two heads, a schema file
# that disagrees, a data migration that drops rows); each must fail with
# the right check, revision and leftover named (index, enum type, view,
# sequence, constraint). strata's own objects (bookkeeping, strata
# online's) are never differences. Also: --json, --only, --from, --keep-going, bad data-check
# files (exit 2), a scratch --database, and no shadow database left
# behind.
. "$(dirname "$0")/lib.sh"

R1=$(id 1); R2=$(id 2); R3=$(id 3)

# The good project: users, an index with its down, a data migration that
# keeps every row, data checks, and a schema file that matches.
good_project() {
  rm -rf "$T/proj"
  new_project
  new_db
  printf '[strata]\nmigrations = migrations\nschema = schema.sql\n' >strata.ini
  mig "$R1" base "CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE INDEX users_email ON users (email);" "DROP TABLE users;"
  mig "$R2" "$R1" "CREATE TABLE audit (id integer PRIMARY KEY, note text);" "DROP TABLE audit;"
  mig "$R3" "$R2" "CREATE TABLE contacts (id integer PRIMARY KEY, email text);
INSERT INTO contacts (id, email) SELECT id, email FROM users;" "DROP TABLE contacts;"
  mkdir -p migrations/tests
  cat >"migrations/tests/$R3.sql" <<SQL
-- +before
INSERT INTO users (id, email) VALUES (1, 'a@example.com');
INSERT INTO users (id, email) VALUES (2, 'b@example.com');
-- +check
SELECT count(*) = 2 FROM contacts;
-- +check-down
SELECT count(*) = 2 FROM users;
SQL
  cat >schema.sql <<SQL
CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE INDEX users_email ON users (email);
CREATE TABLE audit (id integer PRIMARY KEY, note text);
CREATE TABLE contacts (id integer PRIMARY KEY, email text);
SQL
}

# PostgreSQL: the scoped snapshots report exactly what whole ones do.
same_as_whole() {
  [ "$ENGINE" = postgres ] || return 0
  local scoped=$OUT
  expect_exit "$1" st test --only down-leaves-no-trace --whole-snapshots
  equals "$(printf '%s\n' "$OUT" | sed '$d')" "$(printf '%s\n' "$scoped" | sed '$d')"
}

test_good_project_passes_every_check() {
  good_project
  ok st test
  for c in single-head upgrade stairway down-leaves-no-trace schema-matches data-survives lint; do
    contains "$OUT" "PASS $c"
  done
  contains "$OUT" "0 of 7 check(s) failed; 3 revision(s)"
  # The project's own database is never touched.
  equals "$(tables)" ""
  no_shadows_left
}

test_json_report() {
  good_project
  ok st test --json
  equals "$(printf '%s' "$OUT" | jq -r '.passed')" true
  equals "$(printf '%s' "$OUT" | jq -r '[.checks[].name] | join(",")')" \
    "single-head,upgrade,stairway,down-leaves-no-trace,schema-matches,data-survives,lint"
  equals "$(printf '%s' "$OUT" | jq -r '[.checks[].status] | unique | join(",")')" pass
  equals "$(printf '%s' "$OUT" | jq -r ".engine")" "$ENGINE"
}

test_down_that_leaves_an_index() {
  good_project
  mig "$R2" "$R1" "CREATE INDEX audit_note ON users (email);" "SELECT 1;"
  expect_exit 1 st test
  contains "$OUT" "FAIL down-leaves-no-trace"
  contains "$OUT" "revision $R2 (migration $R2): the down leaves 1 difference(s)"
  contains "$OUT" "leftover index"
  contains "$OUT" "audit_note"
  contains "$OUT" "PASS upgrade"
  expect_exit 1 st test --json --only down-leaves-no-trace
  equals "$(printf '%s' "$OUT" | jq -r '.checks[0].failures[0].revision')" "$R2"
  equals "$(printf '%s' "$OUT" | jq -r '.checks[0].failures[0].differences[0] | "\(.difference) \(.kind)"')" "leftover index"
  expect_exit 1 st test --only down-leaves-no-trace
  same_as_whole 1
  no_shadows_left
}

test_down_that_leaves_a_type() {
  good_project
  rm -f schema.sql
  if [ "$ENGINE" = postgres ]; then
    mig "$R2" "$R1" "CREATE TYPE mood AS ENUM ('ok', 'sad');
ALTER TABLE users ADD COLUMN mood mood;" "ALTER TABLE users DROP COLUMN mood;"
    kind=enum
  else
    # SQLite has no types: a view the down forgets is the same mistake.
    mig "$R2" "$R1" "CREATE VIEW user_emails AS SELECT email FROM users;" "SELECT 1;"
    kind=view
  fi
  expect_exit 1 st test
  contains "$OUT" "FAIL down-leaves-no-trace"
  contains "$OUT" "revision $R2"
  contains "$OUT" "leftover $kind"
  # The re-up trips over the leftover: the stairway says so too.
  contains "$OUT" "FAIL stairway"
  no_shadows_left
}

# A down that forgets a sequence or a constraint: the leftover is named
# (PostgreSQL; SQLite has neither sequences nor ALTER TABLE ... ADD
# CONSTRAINT, and its tables are compared whole: a forgotten column is
# the nearest mistake there).
test_down_that_leaves_a_sequence_or_a_constraint() {
  good_project
  rm -f schema.sql
  if [ "$ENGINE" = postgres ]; then
    mig "$R2" "$R1" "CREATE SEQUENCE invoice_numbers START 1000;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "revision $R2"
    contains "$OUT" "leftover sequence public.invoice_numbers"
    same_as_whole 1
    mig "$R2" "$R1" "ALTER TABLE users ADD CONSTRAINT email_short CHECK (length(email) < 200);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);" "ALTER TABLE users DROP CONSTRAINT users_email_key;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "revision $R2"
    contains "$OUT" "leftover constraint public.users.email_short"
    lacks "$OUT" "users_email_key"
    same_as_whole 1
  else
    mig "$R2" "$R1" "ALTER TABLE users ADD COLUMN nickname text;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "revision $R2"
    contains "$OUT" "nickname"
  fi
  no_shadows_left
}

# A down that rebuilds a table (create under a new name, copy, drop,
# rename: SQLite's procedure for what ALTER TABLE cannot do) recreates its
# index and a view over it. They have the same names and definitions as
# before the up: no trace. Only what really differs is named.
test_rebuilt_table_recreates_its_index_without_a_trace() {
  good_project
  rm -f schema.sql
  rm -rf migrations/tests
  mig "$R1" base "CREATE TABLE users (id integer PRIMARY KEY, email text, age integer);
CREATE INDEX users_email ON users (email);
CREATE VIEW user_emails AS SELECT email FROM users;" "DROP VIEW user_emails; DROP TABLE users;"
  local id_col="id integer PRIMARY KEY" add_pk=""
  if [ "$ENGINE" = postgres ]; then
    id_col="id integer NOT NULL"
    add_pk="ALTER TABLE users ADD PRIMARY KEY (id);"
  fi
  rebuild() {
    printf '%s\n' "DROP VIEW user_emails;
CREATE TABLE users_old ($id_col, email text, $1);
INSERT INTO users_old (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
$add_pk
CREATE INDEX users_email ON users (email);
CREATE VIEW user_emails AS SELECT email FROM users;"
  }
  mig "$R2" "$R1" "ALTER TABLE users ADD COLUMN note text;" "$(rebuild "age integer")"
  ok st test --only stairway
  ok st test --only down-leaves-no-trace
  same_as_whole 0
  # The rebuild gets one column wrong: that column is the one difference.
  mig "$R2" "$R1" "ALTER TABLE users ADD COLUMN note text;" "$(rebuild "age integer NOT NULL DEFAULT 0")"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R2 (migration $R2): the down leaves 1 difference(s)"
  contains "$OUT" "age"
  lacks "$OUT" "users_email"
  lacks "$OUT" "user_emails"
  same_as_whole 1
  expect_exit 1 st test --json --only down-leaves-no-trace
  equals "$(printf '%s' "$OUT" | jq -r '.checks[0].failures[0].differences | length')" 1
  no_shadows_left
}

test_two_heads() {
  good_project
  rm -f schema.sql
  mig "$(id 4)" "$R1" "CREATE TABLE other (id integer PRIMARY KEY);" "DROP TABLE other;"
  expect_exit 1 st test --only single-head
  contains "$OUT" "FAIL single-head"
  contains "$OUT" "2 heads, expected 1: $R3 $(id 4)"
  ok st test --only single-head --heads 2
  # The same, said once in strata.ini; the flag still wins.
  printf '[strata]\nmigrations = migrations\n[test]\nheads = 2\n' >strata.ini
  ok st test --only single-head
  expect_exit 1 st test --only single-head --heads 1
  printf '[strata]\nmigrations = migrations\n[test]\nheads = two\n' >strata.ini
  expect_exit 2 st test --only single-head
  contains "$ERR" "[test] heads must be 1 to 1000, not 'two'"
  printf '[strata]\nmigrations = migrations\n' >strata.ini
  # A second base revision is an orphan.
  mig "$(id 5)" base "CREATE TABLE lone (id integer PRIMARY KEY);" "DROP TABLE lone;"
  expect_exit 1 st test --only single-head --heads 3
  contains "$OUT" "revision $(id 5) (migration $(id 5)): orphaned: revises base"
}

# A second root (a branch started at base, as `strata revision --head base
# --branch reports` makes it) that a merge or a depends-on joins to the
# rest is no orphan. The root's id sorts before the first revision's, so
# the first base in apply order is the branch's. One that nothing joins is
# an orphan, and it is the one named, not the project's first revision.
test_joined_second_root_is_not_orphaned() {
  good_project
  rm -f schema.sql
  local reports=0a0000000004 join=$(id 5)
  mig "$reports" base "CREATE TABLE report (id integer PRIMARY KEY);" "DROP TABLE report;" "-- branch: reports"
  mig "$join" "$R3 $reports" "SELECT 1;" "SELECT 1;"
  ok st test
  contains "$OUT" "PASS single-head"
  contains "$OUT" "0 of 7 check(s) failed; 5 revision(s)"
  # Joined by depends-on instead of a merge.
  rm "migrations/${join}_m${join}.sql"
  mig "$R3" "$R2" "CREATE TABLE contacts (id integer PRIMARY KEY, email text);
INSERT INTO contacts (id, email) SELECT id, email FROM users;" "DROP TABLE contacts;" "-- depends-on: $reports"
  ok st test --only single-head
  # Joined further down its own line: the branch has revisions of its own.
  mig "$(id 6)" "$reports" "CREATE TABLE report_line (id integer PRIMARY KEY);" "DROP TABLE report_line;"
  mig "$R3" "$R2" "CREATE TABLE contacts (id integer PRIMARY KEY, email text);" "DROP TABLE contacts;" "-- depends-on: $(id 6)"
  ok st test --only single-head
  # Nothing joins it: the branch root is the orphan, and named as such.
  mig "$R3" "$R2" "CREATE TABLE contacts (id integer PRIMARY KEY, email text);" "DROP TABLE contacts;"
  expect_exit 1 st test --only single-head --heads 2
  contains "$OUT" "revision $reports (migration $reports): orphaned: revises base"
  contains "$OUT" "to the revisions from $R1"
  lacks "$OUT" "revision $R1"
  expect_exit 1 st test --json --only single-head --heads 2
  equals "$(printf '%s' "$OUT" | jq -r '[.checks[0].failures[].revision] | join(",")')" "$reports"
}

test_schema_file_that_disagrees() {
  good_project
  printf 'CREATE TABLE users (id integer PRIMARY KEY, email text, name text);\nCREATE INDEX users_email ON users (email);\nCREATE TABLE audit (id integer PRIMARY KEY, note text);\nCREATE TABLE contacts (id integer PRIMARY KEY, email text);\n' >schema.sql
  expect_exit 1 st test
  contains "$OUT" "FAIL schema-matches"
  contains "$OUT" "differs from"
  contains "$OUT" "users"
  contains "$OUT" "PASS stairway"
  expect_exit 1 st test --json --only schema-matches
  contains "$(printf '%s' "$OUT" | jq -r '.checks[0].failures[0].differences[] | .object')" "users"
  no_shadows_left
}

test_data_migration_that_drops_rows() {
  good_project
  mig "$R3" "$R2" "CREATE TABLE contacts (id integer PRIMARY KEY, email text);
INSERT INTO contacts (id, email) SELECT id, email FROM users WHERE id > 1;" "DROP TABLE contacts;"
  expect_exit 1 st test
  contains "$OUT" "FAIL data-survives"
  contains "$OUT" "revision $R3"
  contains "$OUT" "tests/$R3.sql:5: after the up, the check is not true: SELECT count(*) = 2 FROM contacts"
  contains "$OUT" "PASS down-leaves-no-trace"
  no_shadows_left
}

# strata's own objects are not the user's schema. The schema file is a
# schema-only dump of a database that strata migrated: it holds the
# bookkeeping tables, and on PostgreSQL also what two completed
# `strata online` migrations leave (the strata_online schema and its
# state table, a versioned schema of views, views over the bookkeeping
# tables in it). None of it is a difference; a real one still is. A
# schema-qualified version_table's schema is strata's too. A scratch
# database holding only strata online's objects is empty for the user.
test_strata_own_objects_are_not_the_users_schema() {
  good_project
  rm -rf migrations/tests
  ok st upgrade
  if [ "$ENGINE" = postgres ]; then
    # The schema file comes from pg_dump, which reads no server newer than itself.
    local dump_major server_major
    dump_major=$(pg_dump --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
    server_major=$(( $(server_q "SHOW server_version_num") / 10000 ))
    [ "$dump_major" -ge "$server_major" ] ||
      skip "pg_dump $dump_major cannot dump a PostgreSQL $server_major server"
    printf '{"name": "rename_email", "operations": [{"rename_column": {"table": "users", "from": "email", "to": "mail"}}]}\n' >"$T/op1.json"
    printf '{"name": "rename_back", "operations": [{"rename_column": {"table": "users", "from": "mail", "to": "email"}}]}\n' >"$T/op2.json"
    ok st online start "$T/op1.json" --complete
    ok st online start "$T/op2.json" --complete
    equals "$(q "SELECT count(*) FROM pg_views WHERE schemaname = 'public_rename_back'")" 5
    # pg_dump's own output as it is: newer ones open and close it with
    # \restrict and \unrestrict lines, which the loader skips.
    pg_dump --schema-only --no-owner "$DB" >schema.sql
    contains "$(cat schema.sql)" "CREATE SCHEMA strata_online"
  else
    # sqlite3's own output as it is, sqlite_sequence's CREATE TABLE
    # included (strata_history's AUTOINCREMENT makes it).
    sqlite3 "${DB#sqlite:}" .schema >schema.sql
    contains "$(cat schema.sql)" "CREATE TABLE sqlite_sequence"
  fi
  contains "$(cat schema.sql)" "strata_history"
  ok st test --only schema-matches
  contains "$OUT" "PASS schema-matches"
  if [ "$ENGINE" = postgres ]; then
    printf 'CREATE TABLE public.extra (id integer);\n' >>schema.sql
  else
    printf 'CREATE TABLE extra (id integer);\n' >>schema.sql
  fi
  expect_exit 1 st test --only schema-matches
  contains "$OUT" "differs from $PWD/schema.sql in 1 place(s)"
  contains "$OUT" "only in the schema file table"
  contains "$OUT" "extra"
  lacks "$OUT" "strata_version"
  lacks "$OUT" "strata_history"
  lacks "$OUT" "strata_online"
  lacks "$OUT" "rename"
  if [ "$ENGINE" = postgres ]; then
    # The bookkeeping in a schema of its own.
    good_project
    printf '[strata]\nmigrations = migrations\nschema = schema.sql\nversion_table = ops.strata_version\n' >strata.ini
    ok st test
    contains "$OUT" "PASS schema-matches"
    contains "$OUT" "PASS down-leaves-no-trace"
    # A scratch database where strata online ran, its table since dropped.
    new_db
    q "CREATE TABLE gone (id integer PRIMARY KEY, v text)" >/dev/null
    printf '{"name": "drop_v", "operations": [{"drop_column": {"table": "gone", "column": "v"}}]}\n' >"$T/op3.json"
    ok st online start "$T/op3.json" --complete
    q "DROP TABLE gone CASCADE" >/dev/null
    ok st test -d "$DB" --only stairway,down-leaves-no-trace,schema-matches
    contains "$OUT" "PASS down-leaves-no-trace"
    contains "$OUT" "PASS schema-matches"
  fi
  no_shadows_left
}

test_failing_up_names_the_revision() {
  good_project
  rm -f schema.sql
  mig "$R2" "$R1" "CREATE INDEX audit_note ON no_such_table (note);" "DROP INDEX audit_note;"
  expect_exit 1 st test
  contains "$OUT" "FAIL upgrade"
  contains "$OUT" "revision $R2"
  contains "$OUT" "SKIP stairway: the upgrade failed"
  expect_exit 1 st test --only stairway
  contains "$OUT" "FAIL stairway"
  no_shadows_left
}

# --keep-going: every broken step is reported in one run. Three branches
# off the first revision: an up that fails, a down that fails, and a down
# that leaves a table (whose up again then fails too). The revisions built
# on a failed one cannot run and are named; the exit status is still 1.
test_keep_going_reports_every_failing_step() {
  good_project
  rm -rf migrations/tests
  mig "$R2" "$R1" "CREATE INDEX audit_note ON no_such_table (note);" "DROP INDEX audit_note;"
  mig "$R3" "$R1" "CREATE TABLE t3 (id integer);" "-- strata:ignore SL203 this down fails on purpose
DROP TABLE no_such_3;"
  mig "$(id 4)" "$R1" "CREATE TABLE t4 (id integer);" "SELECT 1;"
  mig "$(id 5)" "$R2" "CREATE TABLE t5 (id integer);" "DROP TABLE t5;"
  mig "$(id 6)" "$(id 4)" "CREATE TABLE t6 (id integer);" "DROP TABLE t6;"
  # Without it, the walk stops at the first failure.
  expect_exit 1 st test --heads 3
  contains "$OUT" "FAIL upgrade"
  contains "$OUT" "revision $R2"
  contains "$OUT" "SKIP stairway: the upgrade failed"
  lacks "$OUT" "revision $R3"
  expect_exit 1 st test --heads 3 --keep-going
  contains "$OUT" "FAIL upgrade"
  contains "$OUT" "revision $R2 (migration $R2): "
  contains "$OUT" "no_such_table"
  contains "$OUT" "not run: 2 revision(s) build on one whose step failed: $(id 5) $(id 6)"
  contains "$OUT" "FAIL stairway"
  contains "$OUT" "revision $R3 (migration $R3): "
  contains "$OUT" "no_such_3"
  contains "$OUT" "revision $(id 4) (migration $(id 4)): up again after the down: "
  contains "$OUT" "FAIL down-leaves-no-trace"
  contains "$OUT" "leftover table"
  contains "$OUT" "t4"
  contains "$OUT" "SKIP schema-matches: not every revision was walked: an up failed"
  contains "$OUT" "PASS single-head"
  expect_exit 1 st test --heads 3 --keep-going --json
  equals "$(printf '%s' "$OUT" | jq -r '.passed')" false
  equals "$(printf '%s' "$OUT" | jq -r '.checks[] | select(.name == "upgrade") | [.failures[] | .revision // "-"] | join(",")')" "$R2,-"
  equals "$(printf '%s' "$OUT" | jq -r '.checks[] | select(.name == "stairway") | [.failures[].revision] | join(",")')" "$R3,$(id 4)"
  equals "$(printf '%s' "$OUT" | jq -r '.checks[] | select(.name == "down-leaves-no-trace") | [.failures[].revision] | join(",")')" "$(id 4)"
  # A project with nothing broken passes the same with it.
  good_project
  ok st test --keep-going
  contains "$OUT" "0 of 7 check(s) failed"
  no_shadows_left
}

test_from_skips_earlier_revisions() {
  good_project
  mig "$R1" base "CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE TABLE junk (id integer);" "DROP TABLE users;"
  rm -f schema.sql
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R1"
  ok st test --only down-leaves-no-trace --from "$R2"
}

test_bad_data_check_files_exit_2() {
  good_project
  printf -- '-- +check\nSELECT 1;\n-- +after\nSELECT 2;\n' >"migrations/tests/$R2.sql"
  expect_exit 2 st test
  contains "$ERR" "tests/$R2.sql:3: unknown section '-- +after'"
  rm "migrations/tests/$R2.sql"
  printf -- '-- +check\nSELECT 1;\n' >migrations/tests/ffffffffffff.sql
  expect_exit 2 st test
  contains "$ERR" "no revision 'ffffffffffff'"
  rm migrations/tests/ffffffffffff.sql
  expect_exit 2 st test --only no-such-check
  contains "$ERR" "unknown check 'no-such-check'"
  no_shadows_left
}

test_scratch_database() {
  good_project
  scratch=$DB
  ok st test -d "$scratch" --only stairway
  contains "$OUT" "PASS stairway"
  # Not empty any more: refused, nothing changed.
  expect_exit 2 st test -d "$scratch"
  contains "$ERR" "not empty"
}

# PostgreSQL: the snapshots' own session settings (empty search_path,
# generic plans, no sequential scans or hash joins) are put back before
# the revisions' statements and data checks run on the same session.
test_snapshots_leave_the_session_settings_alone() {
  [ "$ENGINE" = postgres ] || return 0
  good_project
  rm -f schema.sql
  cat >"migrations/tests/$R2.sql" <<SQL
-- +check
SELECT current_setting('search_path') <> '' AND current_setting('plan_cache_mode') = 'auto'
  AND current_setting('enable_seqscan') = 'on' AND current_setting('enable_hashjoin') = 'on'
  AND current_setting('enable_mergejoin') = 'on';
-- +check-down
SELECT current_setting('enable_seqscan') = 'on' AND current_setting('plan_cache_mode') = 'auto';
SQL
  ok st test --only down-leaves-no-trace,data-survives
  contains "$OUT" "PASS data-survives"
}

# Snapshots read only what a revision names, and what depends on it: a
# view that a DROP ... CASCADE takes away without naming it is still
# missed when the down forgets it (PostgreSQL; SQLite views do not
# cascade). A down that only rewrites a table's SQL text the same way
# passes (SQLite compares the meaning when the text differs).
test_down_forgets_a_dependent_the_revision_never_names() {
  good_project
  rm -f schema.sql
  # Only the index is named: its table is read too, so the snapshot replays.
  mig "$R2" "$R1" "DROP INDEX users_email;" "SELECT 1;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R2"
  contains "$OUT" "missing index"
  contains "$OUT" "users_email"
  if [ "$ENGINE" = postgres ]; then
    mig "$R2" "$R1" "CREATE VIEW user_ids AS SELECT id FROM users;" "DROP VIEW user_ids;"
    mig "$R3" "$R2" "ALTER TABLE users RENAME TO users_old;
CREATE TABLE users (id integer PRIMARY KEY, email text);
DROP TABLE users_old CASCADE;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "revision $R3"
    contains "$OUT" "missing view public.user_ids"
    contains "$OUT" "missing index public.users.users_email"
    same_as_whole 1
    # A namesake in another schema that the revision never reaches is
    # not read after the down either: no false leftover.
    mig "$R1" base "CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE INDEX users_email ON users (email);
CREATE SCHEMA other; CREATE TABLE other.x (id integer); CREATE VIEW other.user_ids AS SELECT id FROM other.x;" \
      "DROP VIEW other.user_ids; DROP TABLE other.x; DROP SCHEMA other; DROP TABLE users;"
    mig "$R3" "$R2" "ALTER TABLE users ADD COLUMN age integer;" "ALTER TABLE users DROP COLUMN age;"
    ok st test --only down-leaves-no-trace
    same_as_whole 0
    mig "$R3" "$R2" "ALTER TABLE users ADD COLUMN age integer;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "leftover"
    lacks "$OUT" "other.user_ids"
    same_as_whole 1
  else
    mig "$R2" "$R1" "ALTER TABLE users ADD COLUMN note text;" "ALTER TABLE users DROP COLUMN note;"
    ok st test --only down-leaves-no-trace
    mig "$R2" "$R1" "ALTER TABLE users ADD COLUMN note text;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "revision $R2"
    contains "$OUT" "note"
  fi
}

# A table reached only through a foreign key to the one a revision names
# brings the sequences it owns into both snapshots (a SERIAL key, an
# identity): the down that undoes the revision exactly leaves no trace.
test_owned_sequences_of_a_table_reached_by_a_foreign_key() {
  good_project
  rm -f schema.sql
  if [ "$ENGINE" = postgres ]; then
    mig "$R2" "$R1" "CREATE TABLE invoices (id serial PRIMARY KEY, user_id integer REFERENCES users (id));
CREATE TABLE events (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id integer REFERENCES users (id));" \
      "DROP TABLE events; DROP TABLE invoices;"
  else # (SQLite's counterpart: AUTOINCREMENT keys, counted in sqlite_sequence)
    mig "$R2" "$R1" "CREATE TABLE invoices (id integer PRIMARY KEY AUTOINCREMENT, user_id integer REFERENCES users (id));" \
      "DROP TABLE invoices;"
  fi
  mig "$R3" "$R2" "ALTER TABLE users ADD COLUMN phone text;" "ALTER TABLE users DROP COLUMN phone;"
  ok st test --only down-leaves-no-trace
  lacks "$OUT" "sequence"
  [ "$ENGINE" = postgres ] || return 0
  same_as_whole 0
  mig "$R3" "$R2" "ALTER TABLE users ADD COLUMN phone text; ALTER SEQUENCE invoices_id_seq INCREMENT BY 2;" \
    "ALTER TABLE users DROP COLUMN phone;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "invoices_id_seq"
  same_as_whole 1
}

# A statement whose effect its names do not bound (a DO block, a function
# called by SELECT) makes its revision's snapshots read the whole schema.
test_do_block_leftover_is_found() {
  good_project
  rm -f schema.sql
  if [ "$ENGINE" = sqlite ]; then
    # SQLite has no DO or functions: a trigger the down forgets stands in.
    mig "$R2" "$R1" "CREATE TRIGGER users_touch AFTER INSERT ON users BEGIN SELECT 1; END;" "SELECT 1;"
    expect_exit 1 st test --only down-leaves-no-trace
    contains "$OUT" "leftover trigger"
    return 0
  fi
  mig "$R2" "$R1" "DO \$\$ BEGIN EXECUTE 'CREATE TABLE made_' || 'inside (id int)'; END \$\$;" "SELECT 1;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R2"
  contains "$OUT" "leftover table public.made_inside"
  mig "$R2" "$R1" "CREATE FUNCTION make_it() RETURNS void LANGUAGE plpgsql AS \$\$ BEGIN EXECUTE 'CREATE TABLE made_' || 'by_call (id int)'; END \$\$;" "DROP FUNCTION make_it();"
  mig "$R3" "$R2" "SELECT make_it();" "SELECT 1;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R3"
  contains "$OUT" "leftover table public.made_by_call"
}

# PostgreSQL: DML runs code its names do not show. A trigger that an
# INSERT fires and a function that an UPDATE calls each create a table the
# revision never names; the revisions are snapshotted whole, and the
# leftovers are found. A revision that writes where no user code exists
# stays scoped and passes.
test_dml_that_runs_user_code_is_snapshotted_whole() {
  [ "$ENGINE" = postgres ] || return 0
  good_project
  rm -f schema.sql
  rm -rf migrations/tests
  mig "$R2" "$R1" "CREATE FUNCTION note_user() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN EXECUTE 'CREATE TABLE IF NOT EXISTS seen_' || 'by_trigger (id int)'; RETURN NEW; END \$\$;
CREATE TRIGGER users_note AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION note_user();" \
      "DROP TRIGGER users_note ON users; DROP FUNCTION note_user();"
  mig "$R3" "$R2" "INSERT INTO users (id, email) VALUES (1, 'a@example.com');" "DELETE FROM users;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R3"
  contains "$OUT" "leftover table public.seen_by_trigger"
  same_as_whole 1
  mig "$R2" "$R1" "CREATE FUNCTION tidy(t text) RETURNS text LANGUAGE plpgsql AS \$\$ BEGIN EXECUTE 'CREATE TABLE IF NOT EXISTS made_' || 'by_update (id int)'; RETURN lower(t); END \$\$;
INSERT INTO users (id, email) VALUES (1, 'A@example.com');" "DELETE FROM users; DROP FUNCTION tidy(text);"
  mig "$R3" "$R2" "UPDATE users SET email = tidy(email);" "SELECT 1;"
  expect_exit 1 st test --only down-leaves-no-trace
  contains "$OUT" "revision $R3"
  contains "$OUT" "leftover table public.made_by_update"
  # No user code anywhere: the same kind of revision passes, read scoped.
  mig "$R2" "$R1" "CREATE TABLE audit (id integer PRIMARY KEY, note text);" "DROP TABLE audit;"
  mig "$R3" "$R2" "INSERT INTO audit (id, note) VALUES (1, 'x');" "DELETE FROM audit;"
  ok st test --only down-leaves-no-trace
  same_as_whole 0
}

# Interrupted in the middle of a step (PostgreSQL: the shadow's own session
# is busy in it): exit 130, and the shadow database is still dropped.
test_interrupted_run_drops_its_shadow() {
  [ "$ENGINE" = postgres ] || return 0
  good_project
  mig "$R2" "$R1" "CREATE TABLE slow (id int); SELECT pg_sleep(30);" "DROP TABLE slow;"
  "$STRATA" test >"$T/o" 2>"$T/e" &
  local pid=$!
  wait_running "pg_sleep(30)"
  kill -INT "$pid"
  set +e; wait "$pid"; code=$?; set -e
  [ "$code" = 130 ] || { cat "$T/o" "$T/e" >&2; fail "strata test exited $code after SIGINT, expected 130"; }
  contains "$(cat "$T/e")" "interrupted"
  no_shadows_left
  # The project's own database was never touched.
  equals "$(tables)" ""
}

# Killed outright (kill -9), a run cannot drop its shadow; the next run on
# the server drops it once nobody is left in it.
test_shadow_left_by_a_killed_run_is_dropped_by_the_next() {
  [ "$ENGINE" = postgres ] || return 0
  good_project
  mig "$R2" "$R1" "CREATE TABLE slow (id int); SELECT pg_sleep(2);" "DROP TABLE slow;"
  "$STRATA" test >"$T/o" 2>"$T/e" &
  local pid=$! n=1
  wait_running "pg_sleep(2)"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  equals "$(server_q "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_shadow_%'")" 1
  # The killed run's session in the shadow ends with its statement.
  for _ in $(seq 1 100); do
    n=$(server_q "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'strata_shadow_%'")
    [ "$n" -eq 0 ] && break
    sleep 0.1
  done
  mig "$R2" "$R1" "CREATE TABLE slow (id int);" "DROP TABLE slow;"
  ok st test --only upgrade
  no_shadows_left
}

ENGINE=sqlite run_tests
ENGINE=postgres run_tests
