#!/usr/bin/env bash
# Integration suite for online revisions inside the revision history, on
# the throwaway PostgreSQL that tests/run-all.sh starts (and SQLite's plain
# path): an online revision between plain revisions upgraded, downgraded
# and upgraded again, with a later plain revision that contracts it and
# drops a column its version schema covers; drift clean after each step;
# strata test passing on that history and failing on a wrong inverse;
# kill -9 during the expand's backfill, then upgrade resuming it (or
# downgrade undoing it) with every row right; the online status; bad
# files refused before the database is touched.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

ROWS=${STRATA_TEST_ONLINE_ROWS:-20000}

# A history: 01 plain (skills with rows), 02 online (slug, NOT NULL, filled
# from name), 03 plain (contracts 02, drops legacy). UP02 overrides 02's
# "up" expression (SQL over the row).
history_project() {
  local up=${UP02:-"lower(replace(name, ' ', '-'))"}
  new_project
  printf '[strata]\nmigrations = migrations\n[lint]\nban-drop-column = off\n' >strata.ini
  cat >migrations/01_skills.sql <<EOF
-- revision: 01
-- revises: base
-- message: skills

-- +up
CREATE TABLE skills (id bigint PRIMARY KEY, name text NOT NULL, legacy text);
INSERT INTO skills SELECT g, 'Skill ' || g, 'old' FROM generate_series(1, $ROWS) g;
CREATE FUNCTION slow_slug(t text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN IF random() < 0.01 THEN PERFORM pg_sleep(0.01); END IF; RETURN lower(replace(t, ' ', '-')); END \$\$;

-- +down
DROP FUNCTION slow_slug(text);
DROP TABLE skills;
EOF
  cat >migrations/02_add_slug.sql <<'EOF'
-- revision: 02
-- revises: 01
-- message: add skills.slug online
-- online: 02_add_slug.json

-- +up
EOF
  printf '{"operations": [{"add_column": {"table": "skills", "up": "%s", "column": {"name": "slug", "type": "text"}}}]}\n' \
    "$up" >migrations/02_add_slug.json
  cat >migrations/03_drop_legacy.sql <<'EOF'
-- revision: 03
-- revises: 02
-- message: drop skills.legacy
-- contracts: 02

-- +up
ALTER TABLE skills DROP COLUMN legacy;

-- +down
ALTER TABLE skills ADD COLUMN legacy text;
EOF
}

# The latest history row of a revision: outcome.
outcome() { q "SELECT outcome FROM strata_history WHERE revision = '$1' ORDER BY id DESC LIMIT 1"; }
drift_clean() { ok st drift; contains "$OUT" "no drift"; }
vs_exists() { q "SELECT count(*) FROM pg_namespace WHERE nspname = 'public_02_add_slug'"; }
wrong_slugs() { q "SELECT count(*) FROM skills WHERE slug IS DISTINCT FROM lower(replace(name, ' ', '-'))"; }

test_online_revision_up_down_up_between_plain_revisions() {
  new_db
  history_project
  ok st upgrade 02
  contains "$ERR" "expanded 02"
  equals "$(outcome 02)" expanded
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded"
  equals "$(versions)" "02"
  equals "$(vs_exists)" 1
  equals "$(wrong_slugs)" 0
  # Both versions live: a write through the old shape (the table) fills the
  # new column, one through the new version schema is seen by the old.
  q "INSERT INTO skills (id, name) VALUES (0, 'Old Writer')" >/dev/null
  equals "$(q "SELECT slug FROM public_02_add_slug.skills WHERE id = 0")" "old-writer"
  equals "$(q "SET search_path TO public_02_add_slug; INSERT INTO skills (id, name, slug) VALUES (-1, 'New', 'new'); SELECT count(*) FROM public.skills WHERE id = -1")" 1
  q "DELETE FROM skills WHERE id < 1" >/dev/null
  drift_clean
  ok st history -i
  contains "$OUT" "expanded"
  ok st current
  contains "$ERR" "online revision 02 is expanded"
  ok st log
  contains "$OUT" "expanded"
  # strata's objects are not the user's schema: version schemas, the
  # strata_online state, the sync trigger and the bookkeeping stay out.
  local cmd
  for cmd in dump erd; do
    ok st "$cmd"
    lacks "$OUT" "public_02_add_slug"
    lacks "$OUT" "strata_online"
    lacks "$OUT" "_strata_online_sync"
    lacks "$OUT" "strata_history"
  done
  # The next revision contracts 02, then drops a column 02's version
  # schema covers: strata's views are rebuilt around it.
  equals "$(q "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public_02_add_slug' AND column_name = 'legacy'")" 1
  ok st upgrade
  contains "$ERR" "contracted 02"
  equals "$(outcome 02)" contracted
  equals "$(outcome 03)" applied
  equals "$(versions)" "03"
  equals "$(q "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'skills' AND column_name = 'slug'")" NO
  equals "$(q "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'public_02_add_slug' AND table_name = 'skills'")" "id,name,slug"
  equals "$(q "SELECT count(*) FROM public_02_add_slug.skills")" "$ROWS"
  drift_clean
  # Down across both: 03's down, then 02's inverse (DROP COLUMN slug).
  ok st downgrade 01
  equals "$(outcome 02)" reverted
  equals "$(q "SELECT note FROM strata_history WHERE revision = '02' ORDER BY id DESC LIMIT 1")" "online: the operations' inverse ran"
  equals "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'skills' AND column_name = 'slug'")" 0
  equals "$(vs_exists)" 0
  drift_clean
  # And up again, the whole way.
  ok st upgrade
  equals "$(versions)" "03"
  equals "$(wrong_slugs)" 0
  equals "$(vs_exists)" 1
  drift_clean
  ok st current
  contains "$OUT" "03"
  lacks "$ERR" "is expanded"
  ok st history -i
  lacks "$OUT" "expanded"
}

test_downgrade_across_an_expanded_revision_rolls_it_back() {
  local before
  new_db
  history_project
  ok st upgrade 01
  before=$(schema_dump)
  ok st upgrade 02
  equals "$(outcome 02)" expanded
  ok st downgrade 01
  contains "$ERR" "expand rolled back"
  equals "$(outcome 02)" reverted
  equals "$(schema_dump)" "$before"
  equals "$(vs_exists)" 0
  equals "$(q "SELECT count(*) FROM pg_trigger WHERE tgname = '_strata_online_sync'")" 0
  equals "$(q "SELECT phase FROM strata_online.migrations ORDER BY id DESC LIMIT 1")" rolled_back
  drift_clean
  ok st upgrade 02
  equals "$(wrong_slugs)" 0
}

test_online_complete_by_hand_is_recorded_and_undone_by_the_inverse() {
  new_db
  history_project
  ok st upgrade 02
  ok st online complete
  # The complete done by hand is in the history at once, with the outcome
  # the upgrade writes: drift, status and current agree with the database.
  contains "$ERR" "recorded 1 online revision as contracted"
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded,contracted"
  equals "$(q "SELECT note FROM strata_history WHERE revision = '02' ORDER BY id DESC LIMIT 1")" "online: completed by 'strata online complete'"
  equals "$(versions)" "02"
  drift_clean
  ok st current
  lacks "$ERR" "is expanded"
  ok st history -i
  lacks "$OUT" "expanded"
  # The next upgrade (past 03, which contracts 02) writes no second row.
  ok st upgrade
  lacks "$ERR" "contracted 02"
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded,contracted"
  equals "$(outcome 03)" applied
  drift_clean
  ok st downgrade 02
  equals "$(outcome 03)" reverted
  drift_clean
  # An expanded revision completed by hand: downgrade runs the inverse.
  new_db
  ok st upgrade 02
  ok st online complete
  ok st downgrade 01
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded,contracted,reverted"
  # A complete whose history row was never written (an older strata, a
  # crash between the two): the next upgrade records it before its steps.
  ok st upgrade 02
  ok st online complete
  q "DELETE FROM strata_history WHERE id = (SELECT max(id) FROM strata_history)" >/dev/null
  equals "$(outcome 02)" expanded
  ok st upgrade
  contains "$ERR" "recorded 02"
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded,contracted,reverted,expanding,expanded,contracted"
  drift_clean
  ok st downgrade 01
  equals "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'skills' AND column_name = 'slug'")" 0
  drift_clean
}

# kill_in_backfill: upgrade 02 in the background and kill -9 it once some
# batches of the backfill are saved.
kill_in_backfill() {
  local pid n=0
  "$STRATA" upgrade 02 >"$T/bg.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    n=$(q "SELECT coalesce((SELECT (progress->>'rows')::int FROM strata_online.migrations WHERE phase = 'started'), 0)" 2>/dev/null || echo 0)
    [ "${n:-0}" -gt 0 ] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ "${n:-0}" -gt 0 ] || fail "the backfill never saved a batch: $(cat "$T/bg.out")"
  equals "$(outcome 02)" expanding
  [ "$(q "SELECT count(*) FROM skills WHERE slug IS NULL")" -gt 0 ] || fail "the backfill finished before the kill"
}

test_kill_9_during_the_backfill_then_upgrade_resumes_with_every_row_right() {
  new_db
  UP02="slow_slug(name)" history_project
  ok st upgrade 01
  kill_in_backfill
  ok st online status
  contains "$OUT" "in progress: 02_add_slug"
  ok st upgrade
  contains "$ERR" "resuming its expand"
  contains "$ERR" "resuming"
  equals "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM strata_history WHERE revision = '02'")" "expanding,expanded,contracted"
  equals "$(wrong_slugs)" 0
  equals "$(q "SELECT count(*) FROM skills")" "$ROWS"
  drift_clean
}

test_kill_9_during_the_backfill_then_downgrade_undoes_it() {
  local before
  new_db
  UP02="slow_slug(name)" history_project
  ok st upgrade 01
  before=$(schema_dump)
  kill_in_backfill
  ok st downgrade 01
  equals "$(outcome 02)" reverted
  equals "$(schema_dump)" "$before"
  equals "$(vs_exists)" 0
  drift_clean
}

test_strata_test_runs_online_revisions_and_fails_a_wrong_inverse() {
  new_db
  history_project
  ok st test
  contains "$OUT" "PASS down-leaves-no-trace"
  contains "$OUT" "PASS stairway"
  no_shadows_left
  # An inverse that does not undo the operation: the "sql" operation's down.
  cat >migrations/04_tags.sql <<'EOF'
-- revision: 04
-- revises: 03
-- message: tags, online

-- +online
{"operations": [{"sql": {"up": "CREATE TABLE tags (id integer PRIMARY KEY)", "down": "SELECT 1"}}]}
EOF
  expect_exit 1 st test
  contains "$OUT" "FAIL down-leaves-no-trace"
  contains "$OUT" "revision 04"
  contains "$OUT" "leftover table public.tags"
  no_shadows_left
}

test_online_status_shows_version_schemas_sessions_and_rows() {
  local pid
  new_db
  history_project
  ok st upgrade 02
  ok st online status
  contains "$OUT" "backfill: done ($ROWS rows)"
  contains "$OUT" "public_02_add_slug  new version of 02_add_slug: 0 sessions"
  psql -X -q "$DB" -c "SET search_path TO public_02_add_slug; SELECT pg_sleep(10) FROM skills LIMIT 1" >/dev/null 2>&1 &
  pid=$!
  wait_running "pg_sleep(10)"
  ok st online status --json
  contains "$OUT" '"schema": "public_02_add_slug"'
  contains "$OUT" '"sessions": 1'
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

test_upgrade_sql_prints_each_phase() {
  new_db
  history_project
  ok st upgrade --sql base:03
  contains "$OUT" "online revision"
  contains "$OUT" "expand (as 'strata online start')"
  contains "$OUT" "backfill: in batches"
  contains "$OUT" "contract (as 'strata online complete')"
  contains "$OUT" "'expanded'"
  ok st downgrade --sql 03:01
  contains "$OUT" "DROP COLUMN \"slug\""
}

test_an_inverse_pgroll_does_not_define_stops_as_irreversible() {
  new_db
  new_project
  mig 01 base "CREATE TABLE t (id int PRIMARY KEY, v text);" "DROP TABLE t;"
  cat >migrations/02_drop_v.sql <<'EOF'
-- revision: 02
-- revises: 01
-- message: drop t.v online

-- +online
{"operations": [{"drop_column": {"table": "t", "column": "v"}}]}
EOF
  mig 03 02 "CREATE TABLE u (id int);" "DROP TABLE u;" "-- contracts: 02"
  ok st upgrade
  equals "$(outcome 02)" contracted
  expect_exit 3 st downgrade base
  contains "$ERR" "operations[0].drop_column has no inverse"
  contains "$ERR" "-- +down"
  equals "$(versions)" "03"
}

test_bad_online_revisions_are_refused_before_the_database_is_touched() {
  new_db
  new_project
  mig 01 base "CREATE TABLE t (id int PRIMARY KEY);" "DROP TABLE t;"
  printf -- '-- revision: 02\n-- revises: 01\n-- online: missing.json\n\n-- +up\n' >migrations/02_x.sql
  expect_exit 2 st upgrade
  contains "$ERR" "missing.json"
  contains "$ERR" "02_x.sql:3"
  printf -- '-- revision: 02\n-- revises: 01\n\n-- +online\n{"operations": [{"add_column": {"table": "t", "column": {"name": "c", "type": 5}}}]}\n' >migrations/02_x.sql
  expect_exit 2 st upgrade
  contains "$ERR" "operations[0].add_column.column.type"
  contains "$ERR" "02_x.sql:5"
  printf -- '-- revision: 02\n-- revises: 01\n-- online: x.json\n\n-- +up\nSELECT 1;\n' >migrations/02_x.sql
  printf '{"operations": []}\n' >migrations/x.json
  expect_exit 2 st upgrade
  contains "$ERR" "an online revision has SQL in its up section"
  printf -- '-- revision: 02\n-- revises: 01\n-- contracts: 01\n\n-- +up\nSELECT 1;\n\n-- +down\nSELECT 1;\n' >migrations/02_x.sql
  expect_exit 2 st upgrade
  contains "$ERR" "'contracts: 01' names a plain revision"
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('strata_version', 't')")" 0
}

test_sqlite_runs_an_online_revision_as_one_plain_transaction() {
  ENGINE=sqlite
  new_db
  new_project
  mig 01 base "CREATE TABLE skills (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO skills (id, name) VALUES (1, 'A B'), (2, 'C');" "DROP TABLE skills;"
  cat >migrations/02_slug.sql <<'EOF'
-- revision: 02
-- revises: 01
-- message: slug

-- +online
{"operations": [
  {"add_column": {"table": "skills", "up": "lower(replace(name, ' ', '-'))", "column": {"name": "slug", "type": "text", "nullable": true}}},
  {"create_index": {"table": "skills", "name": "skills_slug", "columns": {"slug": {}}}}
]}
EOF
  ok st upgrade
  equals "$(q "SELECT group_concat(slug, ',') FROM (SELECT slug FROM skills ORDER BY id)")" "a-b,c"
  equals "$(q "SELECT note FROM strata_history WHERE revision = '02'")" "online revision run as one plain transaction: SQLite has no concurrent readers to protect"
  ok st drift
  ok st test
  contains "$OUT" "PASS down-leaves-no-trace"
  ok st downgrade 01
  equals "$(q "SELECT count(*) FROM pragma_table_info('skills') WHERE name = 'slug'")" 0
  equals "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'skills_slug'")" 0
  # What SQLite cannot do at all (a key column added to a table) is
  # refused before anything runs.
  sed -i 's/"nullable": true/"pk": true/' migrations/02_slug.sql
  expect_exit 2 st upgrade
  contains "$ERR" "adds a primary-key column"
  equals "$(versions)" "01"
}

# SQLite's table rebuild: a library (authors <- books, with an index and a
# trigger on books) and one online revision per operation SQLite's ALTER
# TABLE cannot do.
online_rev() { # online_rev ID PARENT JSON-OPERATIONS [DOWN-SQL]
  {
    printf -- '-- revision: %s\n-- revises: %s\n-- message: online %s\n\n-- +online\n' "$1" "$2" "$1"
    printf '{"operations": [%s]}\n' "$3"
    [ -z "${4:-}" ] || printf -- '\n-- +down\n%s\n' "$4"
  } >"migrations/$1_online.sql"
}
library_project() {
  ENGINE=sqlite
  new_db
  new_project
  mig 01 base "CREATE TABLE authors (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id integer PRIMARY KEY, author_id integer REFERENCES authors (id) ON DELETE CASCADE, title text, price text, note text);
CREATE INDEX books_title ON books (title);
CREATE TABLE audit (book_id integer, what text);
CREATE TRIGGER books_audit AFTER INSERT ON books BEGIN INSERT INTO audit VALUES (new.id, 'insert'); END;
INSERT INTO authors VALUES (1, 'Ann'), (2, 'Bob');
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500)
INSERT INTO books SELECT n, 1 + n % 2, CASE WHEN n % 10 = 0 THEN NULL ELSE 'T' || n END, CAST(n * 3 AS text), 'n' FROM g;" \
    "DROP TABLE audit; DROP TABLE books; DROP TABLE authors;"
}
sql_fails() { if q "$1" >/dev/null 2>&1; then fail "expected to fail: $1"; fi; }
# What must hold whatever the step: rows, foreign keys, index, trigger.
library_intact() {
  equals "$(q "SELECT count(*) || ':' || sum(id) || ':' || sum(author_id) FROM books")" "500:125250:750"
  equals "$(q "SELECT count(*) FROM pragma_foreign_key_check")" 0
  equals "$(q "SELECT \"table\" || ':' || \"from\" || ':' || on_delete FROM pragma_foreign_key_list('books')")" "authors:author_id:CASCADE"
  equals "$(q "SELECT count(*) FROM sqlite_master WHERE name IN ('books_title', 'books_audit')")" 2
  equals "$(q "PRAGMA integrity_check")" ok
  drift_clean
}
library_shape() { q "SELECT name || ':' || type || ':' || \"notnull\" || ':' || coalesce(dflt_value, '') FROM pragma_table_info('books')"; q "SELECT sql FROM sqlite_master WHERE tbl_name = 'books' AND type = 'table'" | grep -o 'CONSTRAINT [a-z_]*' | sort; }

test_sqlite_rebuilds_each_operation_up_down_up_with_rows_and_foreign_keys_kept() {
  local before after
  library_project
  ok st upgrade 01
  before=$(library_shape)
  # Each operation with an inverse: up, down (back to the shape before), up.
  online_rev 02 01 '{"create_constraint": {"table": "books", "name": "price_positive", "type": "check", "check": "CAST(price AS integer) > 0", "columns": ["price"], "up": {"price": "price"}, "down": {"price": "price"}}}'
  online_rev 03 02 '{"create_constraint": {"table": "books", "name": "books_note_title", "type": "unique", "columns": ["note", "title"], "up": {"note": "note || id"}, "down": {"note": "note"}}}'
  online_rev 04 03 '{"rename_constraint": {"table": "books", "from": "price_positive", "to": "price_gt_zero"}}'
  online_rev 05 04 '{"add_column": {"table": "books", "up": "'"'"'isbn-'"'"' || id", "column": {"name": "isbn", "type": "text", "nullable": false, "unique": true}}}'
  online_rev 06 05 '{"create_constraint": {"table": "authors", "name": "authors_name_len", "type": "check", "check": "length(name) > 1", "columns": ["name"], "up": {"name": "name"}, "down": {"name": "name"}}}'
  local rev
  for rev in 02 03 04 05 06; do
    ok st upgrade "$rev"
    equals "$(q "SELECT note FROM strata_history WHERE revision = '$rev' ORDER BY id DESC LIMIT 1")" "online revision run as one plain transaction: SQLite has no concurrent readers to protect"
    library_intact
    after=$(library_shape)
    ok st downgrade -1
    library_intact
    ok st upgrade "$rev"
    library_intact
    equals "$(library_shape)" "$after"
  done
  equals "$(library_shape)" "$(printf '%s\n' "id:INTEGER:0:" "author_id:INTEGER:0:" "title:TEXT:0:" "price:TEXT:0:" "note:TEXT:0:" "isbn:TEXT:1:" "CONSTRAINT books_isbn_key" "CONSTRAINT books_note_title" "CONSTRAINT price_gt_zero")"
  equals "$(q "SELECT isbn FROM books WHERE id = 7")" "isbn-7"
  # the constraints hold, and the trigger still fires
  sql_fails "INSERT INTO books (id, author_id, title, price, note, isbn) VALUES (900, 1, 'x', '0', 'x', 'i900')"
  sql_fails "INSERT INTO books (id, author_id, title, price, note, isbn) VALUES (900, 1, 'x', '5', 'x', 'isbn-7')"
  q "INSERT INTO books (id, author_id, title, price, note, isbn) VALUES (900, 1, 'x', '5', 'x', 'i900')"
  equals "$(q "SELECT count(*) FROM audit WHERE book_id = 900")" 1
  q "DELETE FROM books WHERE id = 900; DELETE FROM audit"
  # the foreign key still cascades after all the rebuilds of books
  ok st downgrade 01
  equals "$(library_shape)" "$before"
  library_intact
  # strata test walks them up, down and up again in its shadow
  ok st test
  contains "$OUT" "PASS down-leaves-no-trace"
}

test_sqlite_rebuilds_alter_drop_column_and_constraints_with_a_down_section() {
  library_project
  ok st upgrade 01
  # alter_column (NOT NULL filled from up, type, default, check) and a
  # drop_column of an indexed column: pgroll's format has no inverse for
  # them, so the revision's down section says it (here a rebuild by hand).
  online_rev 02 01 '{"alter_column": {"table": "books", "column": "title", "nullable": false, "up": "coalesce(title, '"'"'untitled'"'"')", "down": "title"}},
    {"alter_column": {"table": "books", "column": "price", "type": "integer", "default": "1", "up": "CAST(price AS integer)", "down": "price", "check": {"name": "price_check", "constraint": "price >= 0"}}},
    {"drop_column": {"table": "books", "column": "note"}}' \
    "CREATE TABLE books_old (id integer PRIMARY KEY, author_id integer REFERENCES authors (id) ON DELETE CASCADE, title text, price text, note text);
INSERT INTO books_old SELECT id, author_id, CASE WHEN title = 'untitled' THEN NULL ELSE title END, CAST(price AS text), 'n' FROM books;
DROP TABLE books;
ALTER TABLE books_old RENAME TO books;
CREATE INDEX books_title ON books (title);
CREATE TRIGGER books_audit AFTER INSERT ON books BEGIN INSERT INTO audit VALUES (new.id, 'insert'); END;"
  ok st upgrade --sql
  contains "$OUT" "CREATE TABLE _strata_new_books"
  contains "$OUT" "PRAGMA foreign_key_check;"
  contains "$OUT" "UPDATE \"books\" SET \"title\" = (coalesce(title, 'untitled'))"
  equals "$(versions)" "01"
  ok st upgrade
  library_intact
  equals "$(q "SELECT count(*) FROM books WHERE title = 'untitled'")" 50
  equals "$(q "SELECT typeof(price) || ':' || price FROM books WHERE id = 4")" "integer:12"
  equals "$(q "SELECT count(*) FROM pragma_table_info('books') WHERE name = 'note'")" 0
  equals "$(q "SELECT \"notnull\" || ':' || dflt_value FROM pragma_table_info('books') WHERE name = 'price'")" "0:1"
  sql_fails "INSERT INTO books (id, author_id, title, price) VALUES (900, 1, 'x', -1)"
  ok st downgrade 01
  library_intact
  equals "$(q "SELECT count(*) FROM books WHERE title IS NULL")" 50
  ok st upgrade
  library_intact
  # drop_constraint: its up fills the column, the rebuild leaves it out;
  # pgroll's format has no inverse for it, so downgrade stops, untouched.
  online_rev 03 02 '{"drop_constraint": {"table": "books", "name": "price_check", "up": "price + 1", "down": "price"}}'
  ok st upgrade
  library_intact
  equals "$(q "SELECT price FROM books WHERE id = 4")" 13
  q "INSERT INTO books (id, author_id, title, price) VALUES (900, 1, 'x', -1); DELETE FROM books WHERE id = 900; DELETE FROM audit"
  expect_exit 3 st downgrade 02
  contains "$ERR" "operations[0].drop_constraint has no inverse"
  equals "$(versions)" "03"
  rm migrations/03_online.sql
  ok st stamp --purge 02
  # A broken foreign key found by the rebuild fails the step, rolled back.
  ok st downgrade 01
  q "PRAGMA foreign_keys = OFF; INSERT INTO books VALUES (901, 99, 't', '1', 'n')"
  expect_exit 3 st upgrade
  contains "$ERR" "foreign_key_check"
  equals "$(versions)" "01"
  equals "$(q "SELECT count(*) FROM pragma_table_info('books') WHERE name = 'note'")" 1
  q "DELETE FROM books WHERE id = 901; DELETE FROM audit"
  # An operation that does not fit the table: exit 2, nothing changed.
  online_rev 02 01 '{"drop_constraint": {"table": "books", "name": "no_such", "up": "title", "down": "title"}}'
  expect_exit 2 st upgrade
  contains "$ERR" "operations[0].drop_constraint: the table has no constraint \"no_such\""
  equals "$(versions)" "01"
}

test_sqlite_runs_the_pgroll_corpus_where_its_operations_apply() {
  local dir="$CORPUS/pgroll/examples-json" f b n rc prev=base good=0 total=0 skipped=""
  corpus pgroll/examples-json
  ENGINE=sqlite
  new_db
  new_project
  for f in "$dir"/*.json; do
    b=$(basename "$f" .json)
    n=${b%%_*}
    total=$((total + 1))
    cp "$f" "migrations/$b.json"
    printf -- '-- revision: %s\n-- revises: %s\n-- message: %s\n-- online: %s.json\n\n-- +up\n' "$n" "$prev" "$b" "$b" >"migrations/$b.sql"
    rc=0
    "$STRATA" upgrade >"$T/c.out" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
      good=$((good + 1))
      prev=$n
    else
      # PostgreSQL-only SQL or types, or what such a file would have made;
      # a crash is a failure
      [ "$rc" -lt 128 ] || fail "$b: strata died (exit $rc): $(cat "$T/c.out")"
      skipped="$skipped $n"
      rm "migrations/$b.sql" "migrations/$b.json"
    fi
  done
  echo "NOTE pgroll corpus on SQLite: $good of $total operation files applied; PostgreSQL-only (or built on one):$skipped" >"$SUITE_TMP/corpus-sqlite-note"
  # every file whose operations SQLite's ALTER TABLE cannot do, and which
  # is not built on PostgreSQL-only SQL, runs through the rebuild
  for n in 16 18 21 24 31 33 35 44 45 46 47 48 49 55; do
    [ -f "$(ls migrations/${n}_*.sql 2>/dev/null | head -n 1)" ] || fail "corpus file $n did not apply on SQLite:$skipped"
  done
  [ "$good" -ge 49 ] || fail "only $good of $total corpus files applied on SQLite (not:$skipped)"
  equals "$(q "SELECT count(*) FROM pragma_foreign_key_check")" 0
  equals "$(q "PRAGMA integrity_check")" ok
  drift_clean
}

run_tests
[ -f "$SUITE_TMP/corpus-sqlite-note" ] && cat "$SUITE_TMP/corpus-sqlite-note"
exit 0
