# tests/integration/batch.sh - batched data steps ("-- +batch") and the
# not-null template, written once for both engines; sourced by
# suite_batch_sqlite.sh and suite_batch_postgres.sh after ENGINE is set.
#
# Covered: a batched step over 200,000 rows and a resume after kill -9 in
# the middle with every row right; two batch sections on text and uuid
# keys, killed in the second and resumed with every row walked once; a
# composite key refused; bad batch sections refused before
# anything runs (exit 2, database untouched); the template's three
# revisions refused by lint, upgrade and --sql while <value> is there,
# then upgraded, downgraded and upgraded again once it is replaced; the
# template on a column that exists already (nullable).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# users N: migration a1 creates users(id, name, plan) with N rows.
users_revision() {
  local n=$1 fill
  if [ "$ENGINE" = postgres ]; then
    fill="INSERT INTO users (id, name) SELECT g, 'u' || g FROM generate_series(1, $n) g;"
  else
    fill="WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $n) INSERT INTO users (id, name) SELECT i, 'u' || i FROM g;"
  fi
  mig "$(id 1)" base "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, plan text);
$fill" "DROP TABLE users;"
}

# qs SQL: q, tried again while SQLite says the file is busy (a run is
# writing, or was killed and left a journal for the next reader).
qs() {
  local i out
  for i in $(seq 1 50); do
    out=$(q "$1" 2>/dev/null) && { printf '%s\n' "$out"; return 0; }
    sleep 0.1
  done
  q "$1"
}

# refused SQL: the database refuses the statement.
refused() { if q "$1" >/dev/null 2>&1; then fail "the database accepted: $1"; fi; }

# step_file N: the file of the template's step N (of 3).
step_file() { grep -l -- "-- message: .*($1/3" migrations/*.sql; }

# batch_revision ID PARENT SQL: a revision whose step is the batched SQL.
batch_revision() {
  printf -- '-- revision: %s\n-- revises: %s\n-- message: batched %s\n\n-- +batch\n%s\n\n-- +down\n' \
    "$1" "$2" "$1" "$3" >"migrations/${1}_batch.sql"
}

# kill_upgrade_at ROWS STEP OPTIONS...: strata upgrade OPTIONS in the
# background, killed -9 once batched statement STEP has saved ROWS keys
# (or after 20 s).
kill_upgrade_at() {
  local rows=$1 step=$2 pid i n=0
  shift 2
  "$STRATA" upgrade "$@" >"$T/run.out" 2>&1 &
  pid=$!
  for i in $(seq 1 400); do
    n=$(q "SELECT coalesce(max(keys_done), 0) FROM strata_batch_progress WHERE step = $step" 2>/dev/null) || n=0
    [ "${n:-0}" -ge "$rows" ] && break
    sleep 0.05
  done
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
}

test_batched_update_200k_rows_resumes_after_kill_9() {
  new_db; new_project
  users_revision 200000
  batch_revision "$(id 2)" "$(id 1)" "UPDATE users SET plan = 'p' || (id % 7) WHERE id > :last AND id <= :next AND plan IS NULL;"
  ok st upgrade "$(id 1)"
  # Small fixed batches with a pause, so the kill lands in the middle.
  kill_upgrade_at 20000 1 --batch-size 2000 --batch-pause 40ms
  local done_rows
  done_rows=$(qs "SELECT keys_done FROM strata_batch_progress WHERE revision = '$(id 2)'")
  [ "$done_rows" -ge 20000 ] && [ "$done_rows" -lt 200000 ] || fail "killed after $done_rows rows"
  # What the progress row says is exactly what is in the table.
  equals "$(qs "SELECT count(*) FROM users WHERE plan IS NOT NULL")" "$done_rows"
  equals "$(qs "SELECT count(*) FROM users WHERE plan IS NOT NULL AND id > (SELECT CAST(last_key AS integer) FROM strata_batch_progress)")" 0
  equals "$(versions)" "$(id 1)"
  # Writes go on meanwhile; a new row beyond the last key is walked too.
  qs "INSERT INTO users (id, name) VALUES (200001, 'late')" >/dev/null
  ok st upgrade
  contains "$ERR" "resuming the batched step"
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) FROM users WHERE plan IS NULL OR plan <> 'p' || (id % 7)")" 0
  equals "$(q "SELECT count(*) FROM users")" 200001
  equals "$(q "SELECT count(*) FROM strata_batch_progress")" 0
  equals "$(q "SELECT outcome FROM strata_history WHERE revision = '$(id 2)' ORDER BY id DESC LIMIT 1")" applied
  # The progress table is strata's: not part of the user's schema.
  lacks "$(st dump)" strata_batch_progress
}

# Two tables whose keys are not integers: tags (text), items (PostgreSQL:
# uuid; SQLite: text in a WITHOUT ROWID table), N rows each, hits 0.
text_keys_revision() {
  local n=$1
  if [ "$ENGINE" = postgres ]; then
    mig "$(id 1)" base "CREATE TABLE tags (code text PRIMARY KEY, hits integer NOT NULL DEFAULT 0);
CREATE TABLE items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), hits integer NOT NULL DEFAULT 0);
INSERT INTO tags (code) SELECT 't' || g FROM generate_series(1, $n) g;
INSERT INTO items (hits) SELECT 0 FROM generate_series(1, $n);" "DROP TABLE items; DROP TABLE tags;"
  else
    mig "$(id 1)" base "CREATE TABLE tags (code text PRIMARY KEY, hits integer NOT NULL DEFAULT 0);
CREATE TABLE items (id text PRIMARY KEY, hits integer NOT NULL DEFAULT 0) WITHOUT ROWID;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $n)
INSERT INTO tags (code) SELECT 't' || i FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $n)
INSERT INTO items (id) SELECT lower(hex(randomblob(8))) FROM g;" "DROP TABLE items; DROP TABLE tags;"
  fi
}

test_several_batch_sections_with_text_and_uuid_keys_resume_after_kill_9() {
  new_db; new_project
  text_keys_revision 60000
  # Two sections, each its own batched step with its own progress row;
  # "hits + 1" shows a key walked twice (or not at all).
  printf -- '-- revision: %s\n-- revises: %s\n-- message: two batched steps\n\n-- +batch\nUPDATE tags SET hits = hits + 1 WHERE code > :last AND code <= :next;\n\n-- +batch\nUPDATE items SET hits = hits + 1 WHERE id > :last AND id <= :next;\n\n-- +down\n' \
    "$(id 2)" "$(id 1)" >"migrations/$(id 2)_batch.sql"
  ok st upgrade "$(id 1)"
  ok st upgrade --sql "$(id 1):$(id 2)"
  contains "$OUT" "UPDATE tags SET hits = hits + 1 WHERE code >= (SELECT \"code\" FROM tags ORDER BY \"code\" LIMIT 1)"
  contains "$OUT" "UPDATE items SET hits = hits + 1 WHERE id >= (SELECT \"id\" FROM items ORDER BY \"id\" LIMIT 1)"
  # Kill -9 in the middle of the second statement.
  kill_upgrade_at 5000 2 --batch-size 1000 --batch-pause 30ms
  local done_rows
  done_rows=$(qs "SELECT keys_done FROM strata_batch_progress WHERE revision = '$(id 2)' AND step = 2")
  [ "$done_rows" -ge 5000 ] && [ "$done_rows" -lt 60000 ] || fail "killed after $done_rows rows of the second step: $(cat "$T/run.out")"
  equals "$(qs "SELECT count(*) FROM strata_batch_progress WHERE revision = '$(id 2)'")" 2
  # The first statement is done, each row once; the second up to its saved key.
  equals "$(qs "SELECT count(*) || ':' || min(hits) || ':' || max(hits) FROM tags")" "60000:1:1"
  equals "$(qs "SELECT count(*) FROM items WHERE hits = 1")" "$done_rows"
  equals "$(qs "SELECT count(*) FROM items WHERE hits = 1 AND id > (SELECT last_key FROM strata_batch_progress WHERE step = 2)$( [ "$ENGINE" = postgres ] && echo '::uuid')")" 0
  equals "$(versions)" "$(id 1)"
  ok st upgrade
  contains "$ERR" "(statement 2 of 2): resuming the batched step on items"
  equals "$(versions)" "$(id 2)"
  equals "$(q "SELECT count(*) || ':' || min(hits) || ':' || max(hits) FROM tags")" "60000:1:1"
  equals "$(q "SELECT count(*) || ':' || min(hits) || ':' || max(hits) FROM items")" "60000:1:1"
  equals "$(q "SELECT count(*) FROM strata_batch_progress")" 0
}

test_a_composite_key_is_refused_with_the_reason() {
  new_db; new_project
  mig "$(id 1)" base "CREATE TABLE pairs (a integer, b integer, v text, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES (1, 1, NULL), (1, 2, NULL);" "DROP TABLE pairs;"
  batch_revision "$(id 2)" "$(id 1)" "UPDATE pairs SET v = 'x' WHERE a > :last AND a <= :next;"
  expect_exit 2 st upgrade
  contains "$ERR" "the primary key of pairs has 2 columns"
  contains "$ERR" "cannot be carried by :last and :next"
  equals "$(versions)" "$(id 1)"
  equals "$(q "SELECT count(*) FROM pairs WHERE v IS NOT NULL")" 0
}

test_batched_delete_and_downgrade_upgrade_again() {
  new_db; new_project
  users_revision 5000
  batch_revision "$(id 2)" "$(id 1)" "DELETE FROM users WHERE id > :last AND id <= :next AND id % 2 = 0;"
  ok st upgrade --batch-size 300
  equals "$(q "SELECT count(*) FROM users")" 2500
  ok st downgrade "$(id 1)"
  equals "$(versions)" "$(id 1)"
  ok st upgrade
  equals "$(q "SELECT count(*) FROM users")" 2500
  # --sql shows one statement over the whole key range, with a note.
  ok st upgrade --sql "$(id 1):$(id 2)"
  contains "$OUT" "batched step"
  contains "$OUT" "DELETE FROM users WHERE id >= (SELECT \"id\" FROM users ORDER BY \"id\" LIMIT 1) AND id <= (SELECT \"id\" FROM users ORDER BY \"id\" DESC LIMIT 1)"
}

test_bad_batch_sections_are_refused_before_anything_runs() {
  new_db; new_project
  users_revision 10
  batch_revision "$(id 2)" "$(id 1)" "UPDATE users SET plan = 'x' WHERE name > :last AND name <= :next;"
  expect_exit 2 st upgrade
  contains "$ERR" "compares name with :last and :next"
  equals "$(versions)" "$(id 1)"
  equals "$(q "SELECT count(*) FROM users WHERE plan IS NOT NULL")" 0
  batch_revision "$(id 2)" "$(id 1)" "UPDATE users SET plan = 'x' WHERE id > :last;"
  ok st hash
  expect_exit 2 st upgrade
  contains "$ERR" "_batch.sql:6:45: the statement has no ':next' placeholder"
  contains "$ERR" "no ':next' placeholder"
  contains "$ERR" "hint: write the key range as 'WHERE id > :last AND id <= :next'"
  batch_revision "$(id 2)" "$(id 1)" "INSERT INTO users VALUES (99, 'x', 'y');"
  ok st hash
  expect_exit 2 st upgrade
  contains "$ERR" "holds one UPDATE or DELETE"
  expect_exit 2 st upgrade --sql
  equals "$(versions)" "$(id 1)"
  mig "$(id 3)" base "CREATE TABLE nokey (a integer, b text);" "DROP TABLE nokey;"
  rm -f migrations/*_batch.sql
  if [ "$ENGINE" = postgres ]; then
    batch_revision "$(id 4)" "$(id 3)" "UPDATE nokey SET b = 'x' WHERE a > :last AND a <= :next;"
    ok st hash
    expect_exit 2 st upgrade "$(id 4)"
    contains "$ERR" "table nokey has no primary key"
    contains "$ERR" "hint: strata batches by a one-column primary key"
  fi
}

test_not_null_template_refused_until_value_replaced_then_upgrades() {
  new_db; new_project
  users_revision 3000
  printf '[strata]\nmigrations = migrations\ndatabase = %s\n' "$DB" >strata.ini
  ok st revision --template not-null users tier --type text -m "users need a tier"
  equals "$(echo "$OUT" | wc -l)" 3
  local backfill
  backfill=$(step_file 2)
  contains "$(cat "$backfill")" "-- +batch"
  contains "$(cat "$backfill")" "SET tier = <value> WHERE id > :last AND id <= :next AND tier IS NULL"
  expect_exit 1 st lint
  contains "$OUT" "SL503"
  expect_exit 2 st upgrade
  contains "$ERR" "placeholder <value>"
  expect_exit 2 st upgrade --sql
  lacks "$OUT" "ALTER TABLE"
  equals "$(tables)" ""
  sed -i "s/<value>/'basic'/" "$backfill"
  ok st hash
  ok st lint
  ok st upgrade --sql base:head
  ok st upgrade
  equals "$(q "SELECT count(*) FROM users WHERE tier = 'basic'")" 3000
  if [ "$ENGINE" = postgres ]; then
    equals "$(q "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'tier'")" NO
    equals "$(q "SELECT count(*) FROM pg_constraint WHERE conname = 'users_tier_not_null'")" 0
    refused "INSERT INTO users (id, name) VALUES (9999, 'n')"
  else
    contains "$(q "SELECT sql FROM sqlite_master WHERE name = 'users'")" "tier text NOT NULL"
    equals "$(q "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")" 0
    refused "INSERT INTO users (id, name) VALUES (9999, 'n')"
  fi
  # Each step's down undoes that step: all the way down and up again.
  ok st downgrade "$(id 1)"
  equals "$(q "SELECT count(*) FROM users")" 3000
  ok st upgrade
  equals "$(q "SELECT count(*) FROM users WHERE tier = 'basic'")" 3000
}

test_not_null_template_on_an_existing_nullable_column_adds_only_the_check() {
  new_db; new_project
  users_revision 500
  printf '[strata]\nmigrations = migrations\ndatabase = %s\n' "$DB" >strata.ini
  ok st revision --template not-null users plan
  local first
  first=$(step_file 1)
  lacks "$(cat "$first")" "ADD COLUMN"
  lacks "$(cat "$first")" "DROP COLUMN"
  if [ "$ENGINE" = postgres ]; then
    contains "$(cat "$first")" "CHECK (plan IS NOT NULL) NOT VALID"
  else
    contains "$(cat "$first")" "BEFORE INSERT ON users WHEN NEW.\"plan\" IS NULL"
  fi
  # Rows written before are NULL: the guard must not refuse the upgrade.
  sed -i "s/<value>/'free'/" "$(step_file 2)"
  ok st hash
  ok st upgrade
  equals "$(q "SELECT count(*) FROM users WHERE plan = 'free'")" 500
  refused "UPDATE users SET plan = NULL WHERE id = 1"
  # Already NOT NULL now: nothing to do, said so.
  expect_exit 2 st revision --template not-null users plan
  contains "$ERR" "users.plan is NOT NULL already"
  # A new column needs its type.
  expect_exit 2 st revision --template not-null users other
  contains "$ERR" "hint: give the new column's type with --type TYPE"
}

run_tests
