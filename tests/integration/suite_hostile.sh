#!/usr/bin/env bash
# Hostile input, on SQLite and PostgreSQL: names with quotes, blanks,
# unicode, semicolons and reserved words; revision messages, branch labels,
# statements and file names with shell and SQL metacharacters; symlinks and
# ".." around the migrations folder; the mode of files strata writes.
# Everything is stored and shown verbatim (bookkeeping binds parameters),
# nothing is run by a shell, nothing is read or written outside the project.
#
# New commands that take or print identifiers (diff, dump, erd, online):
# add a line to NAME_COMMANDS below; test_hostile_identifiers_round_trip
# then runs each on a schema made of the hostile names.
. "$(dirname "$0")/lib.sh"

# Identifiers that break SQL when spliced in unquoted.
HOSTILE_NAMES=(
  "strata version"
  "select"
  "it's"
  "v; DROP TABLE t1; --"
  "versiön ✓"
  "Mixed.Case"
)

# Commands run on a database whose tables and columns bear the names above
# (DB stands for its URL); each must exit 0. The schema commands are to be
# listed here when they are on this branch: "dump DB", "erd DB -f mermaid",
# "diff DB DB" (and a check that dump's output loads back).
NAME_COMMANDS=(
  "history -v"
  "upgrade --sql base:head"
  "dump DB"
  "erd DB -f mermaid"
  "erd DB"
  "diff DB DB"
)

# A message with shell and SQL metacharacters, quotes, format directives and unicode.
HOSTILE_MSG="it's \"quoted\"; DROP TABLE t1; -- \$(touch pwned) \`touch pwned2\` %s%n%x \\ ünï ✓ <b>&amp;"

# The version table's name is quoted wherever strata uses it.
test_hostile_version_table_names() {
  local name
  new_db; new_project; chain 2
  for name in "${HOSTILE_NAMES[@]}"; do
    [ "$name" = "Mixed.Case" ] && continue   # a dot means a schema
    printf '[strata]\nmigrations = migrations\nversion_table = %s\n' "$name" >strata.ini
    ok st upgrade
    ok st current
    contains "$OUT" "$(id 2)"
    equals "$(q "SELECT revision FROM \"${name//\"/\"\"}\"")" "$(id 2)"
    ok st downgrade base
    equals "$(q "SELECT count(*) FROM \"${name//\"/\"\"}\"")" 0
  done
  equals "$(tables | grep -c '^t1$' || true)" 0
  q "CREATE TABLE t1 (id integer)" >/dev/null
  # every bookkeeping statement quoted: t1 survives all of the above names
  printf '[strata]\nmigrations = migrations\nversion_table = v; DROP TABLE t1; --\n' >strata.ini
  ok st stamp "$(id 1)"
  equals "$(tables | grep -c '^t1$')" 1
  # a double quote cannot be written in the name: a clear error, nothing touched
  printf '[strata]\nmigrations = migrations\nversion_table = a"b\n' >strata.ini
  expect_exit 2 st upgrade
  contains "$ERR" 'a"b'
  contains "$ERR" "version_table"
}

test_hostile_identifiers_round_trip() {
  local name line args cmd
  new_db; new_project
  local up="" down=""
  for name in "${HOSTILE_NAMES[@]}"; do
    local qn="\"${name//\"/\"\"}\""
    up="$up
CREATE TABLE $qn ($qn integer, \"col ${name//\"/\"\"}\" text);
INSERT INTO $qn VALUES (1, '${name//\'/\'\'}');"
    down="$down
DROP TABLE $qn;"
  done
  mig "$(id 1)" base "$up" "$down"
  ok st upgrade
  for name in "${HOSTILE_NAMES[@]}"; do
    equals "$(q "SELECT \"col ${name//\"/\"\"}\" FROM \"${name//\"/\"\"}\"")" "$name"
  done
  for line in "${NAME_COMMANDS[@]}"; do
    read -r -a args <<<"$line"
    args=("${args[@]/#DB/$DB}")
    ok st "${args[@]}"
  done
  ok st downgrade base
  equals "$(tables | wc -l)" 0
  ok st upgrade --sql base:head
  for name in "${HOSTILE_NAMES[@]}"; do contains "$OUT" "CREATE TABLE \"${name//\"/\"\"}\""; done
}

# Messages go into the file and come out of every command unchanged; a
# line break is refused (it would end the header line).
test_hostile_messages_are_shown_verbatim() {
  new_db; new_project
  ok st revision -m "$HOSTILE_MSG"
  file=$OUT
  case "$(basename "$file")" in *[!a-z0-9_.]*) fail "unsafe file name: $file" ;; esac
  [ "$(dirname "$file")" = "$T/proj/migrations" ] || fail "written outside migrations/: $file"
  rev=$(basename "$file" | cut -c1-12)
  sed -i 's/-- write the upgrade SQL here/CREATE TABLE m1 (id integer);/; s/-- write the downgrade SQL here/DROP TABLE m1;/' "$file"
  ok st hash
  ok st show "$rev"
  contains "$OUT" "$HOSTILE_MSG"
  ok st show "$rev" --json
  equals "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])')" "$HOSTILE_MSG"
  ok st history
  contains "$OUT" "$HOSTILE_MSG"
  ok st history --json
  equals "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["message"])')" "$HOSTILE_MSG"
  ok st upgrade
  ok st current
  contains "$OUT" "$HOSTILE_MSG"
  [ ! -e pwned ] && [ ! -e pwned2 ] && [ ! -e ../pwned ] || fail "a shell ran part of the message"
  expect_exit 2 st revision -m "$(printf 'two\nlines')"
  equals "$(ls migrations | wc -l)" 2
  # a carriage return in a hand-written header cannot break out of the
  # comment it is shown in by --sql (PostgreSQL ends a comment there too)
  printf -- '-- revision: %s\n-- revises: %s\n-- message: m\rDROP TABLE m1; --\n\n-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n' \
    "$(id 7)" "$rev" >"migrations/$(id 7)_cr.sql"
  ok st hash
  ok st upgrade --sql "$rev:head"
  printf '%s\n' "$OUT" | tr '\r' '\n' | grep -q '^DROP TABLE m1' && fail "the message broke out of its comment: $OUT"
  run_sql_text "$OUT"
  equals "$(tables | grep -c '^m1$')" 1
}

# run_sql_text SQL: feed a --sql script to the engine's own shell.
run_sql_text() { printf '%s\n' "$1" >"$T/script.sql"; run_script "$T/script.sql"; }

# A failing statement full of quotes and metacharacters, and its error, are
# stored in strata_history exactly (bound parameters, not spliced SQL).
test_hostile_failed_statement_stored_verbatim() {
  new_db; new_project; chain 1
  ok st upgrade
  local bad="SELECT 'it''s; DROP TABLE t1; -- \$(touch pwned) ünï' FROM \"no such; table 'x' ✓\""
  mig "$(id 2)" "$(id 1)" "INSERT INTO t1 (id, v) VALUES (7, 'a''b; DROP TABLE t1; --');
$bad;" "SELECT 1;" "-- transaction: off"
  expect_exit 3 st upgrade
  contains "$ERR" "no such; table 'x' ✓"
  equals "$(q "SELECT failed_statement FROM strata_history WHERE outcome = 'failed'")" "$bad"
  contains "$(q "SELECT error FROM strata_history WHERE outcome = 'failed'")" "no such; table 'x' ✓"
  equals "$(q "SELECT v FROM t1 WHERE id = 7")" "a'b; DROP TABLE t1; --"
  expect_exit 3 st upgrade
  contains "$ERR" "failing statement: $bad"
  [ ! -e pwned ] || fail "a shell ran part of a statement"
}

# Branch labels are one safe word; anything else is refused before any
# file is written (a file every later command would refuse).
test_hostile_branch_labels_refused_before_writing() {
  local label
  new_db; new_project; chain 1
  ok st hash
  for label in "fe\$(touch pwned)" "a;b" "it's" "x y" "../up" "ünï"; do
    expect_exit 2 st revision -m "labelled" --branch "$label"
    contains "$ERR" "branch label"
    equals "$(ls migrations | wc -l)" 2
  done
  ok st verify --offline
  ok st revision -m "labelled" --branch "feature-x_1.2"
  ok st branches
  contains "$OUT" "feature-x_1.2"
  [ ! -e pwned ] || fail "a shell ran part of a label"
}

# Typed option values (whole numbers, durations, words from a list) are
# checked when the command line is read: a bad one is exit 2 with an
# error naming the option, the value and what it takes, before anything is
# opened or written (no SQLite file appears, the database stays as it was).
test_hostile_bad_option_values_touch_nothing() {
  local line opt
  new_db; new_project; chain 1
  ok st hash
  ok st upgrade
  before=$(versions)
  while IFS='|' read -r line opt; do
    # shellcheck disable=SC2086
    expect_exit 2 st $line
    contains "$ERR" "strata: error: "
    contains "$ERR" "$opt"
    contains "$ERR" "hint: see 'strata help"
    equals "$(versions)" "$before"
  done <<'LINES'
upgrade --batch-size 0|option '--batch-size' wants a whole number, 1 or more, not '0'
upgrade --batch-size 1e3|option '--batch-size' wants a whole number
upgrade --batch-pause soon|option '--batch-pause' wants a duration (500ms, 5s, 2min, 1h), not 'soon'
upgrade --max-replica-lag=-1s|option '--max-replica-lag' wants a duration
log -n 0|option '-n' wants a whole number, 1 or more, not '0'
log --limit ten|option '--limit' wants a whole number, 1 or more, not 'ten'
status --connect-timeout 0|option '--connect-timeout' wants a duration, 1ms or more, not '0'
fleet f upgrade --parallel 0|option '--parallel' wants a whole number from 1 to 1000000, not '0'
fleet f upgrade --canary=-1|option '--canary' wants a whole number from 0 to 1000000
lint --pg-version 8|option '--pg-version' wants a whole number from 9 to 99, not '8'
lint --format xml|unknown format 'xml' (text, json, sarif or github)
lint --severity info|unknown severity 'info' (warning or error)
advise --engine mysql|unknown engine 'mysql' (postgres or sqlite)
graph -f png|unknown format 'png' (dot or mermaid)
changelog --format html|unknown format 'html' (markdown or json)
import --dialect mysql goose x|unknown dialect 'mysql' (postgresql or sqlite)
test --heads 0|option '--heads' wants a whole number from 1 to 1000, not '0'
online --batch-size -5 status|option '--batch-size' wants a whole number, 1 or more, not '-5'
LINES
  # a SQLite file that does not exist is not created by a refused command line
  expect_exit 2 st -d "sqlite:$T/never.db" upgrade --batch-pause 5parsecs
  [ ! -e "$T/never.db" ] || fail "a refused command line created the database"
}

# A file name with metacharacters loads and is shown as it is; one with a
# line break cannot inject SQL into a --sql script.
test_hostile_file_names() {
  new_db; new_project
  local odd="$(id 1)_it's; \$(touch pwned) \`x\` ünï.sql"
  local nl="$(id 2)_x
DROP TABLE precious; --.sql"
  printf -- '-- revision: %s\n-- revises: base\n-- message: odd\n\n-- +up\nCREATE TABLE precious (id integer);\n-- +down\nDROP TABLE precious;\n' "$(id 1)" >"migrations/$odd"
  printf -- '-- revision: %s\n-- revises: %s\n-- message: nl\n\n-- +up\nCREATE TABLE t2 (id integer);\n-- +down\nDROP TABLE t2;\n' "$(id 2)" "$(id 1)" >"migrations/$nl"
  ok st history -v
  contains "$OUT" "$odd"
  ok st upgrade --sql base:head
  printf '%s\n' "$OUT" | grep -q '^DROP TABLE precious' && fail "a file name broke out of its comment"
  run_sql_text "$OUT"
  equals "$(tables | tr '\n' ' ')" "precious t2 "
  ok st upgrade "$(id 1)"
  ok st upgrade
  equals "$(versions)" "$(id 2)"
  equals "$(tables | tr '\n' ' ')" "precious t2 "
  [ ! -e pwned ] || fail "a shell ran part of a file name"
}

# Nothing outside the project is read or written through a symlink or "..".
test_hostile_symlinks_and_dotdot_stay_inside() {
  new_db; new_project; chain 1
  mkdir -p "$T/outside"
  printf -- '-- revision: %s\n-- revises: %s\n-- message: outside\n\n-- +up\nCREATE TABLE from_outside (id integer);\n-- +down\nDROP TABLE from_outside;\n' \
    "$(id 9)" "$(id 1)" >"$T/outside/o.sql"
  echo "keep me" >"$T/outside/sum.txt"
  # a symlinked migration and a symlinked folder are never followed
  ln -s ../../outside/o.sql "migrations/$(id 9)_link.sql"
  ln -s ../../outside migrations/sub
  ok st upgrade
  equals "$(versions)" "$(id 1)"
  equals "$(tables | grep -c from_outside || true)" 0
  ok st history
  lacks "$OUT" "$(id 9)"
  # strata.sum as a symlink: replaced by a file, its target left alone
  ln -s ../../outside/sum.txt migrations/strata.sum
  ok st hash
  [ -f migrations/strata.sum ] && [ ! -L migrations/strata.sum ] || fail "strata.sum is still a symlink"
  equals "$(cat "$T/outside/sum.txt")" "keep me"
  # init over a dangling symlink refuses and creates nothing at its target
  mkdir "$T/p2"
  ln -s ../outside/created.ini "$T/p2/strata.ini"
  expect_exit 3 st init "$T/p2"
  [ ! -e "$T/outside/created.ini" ] || fail "init wrote through a symlink"
  if [ "$ENGINE" = sqlite ]; then
    ln -s "$T/outside/real.db" "$T/proj/link.db"
    expect_exit 3 st -d sqlite:link.db upgrade
    contains "$ERR" "symbolic link"
    [ ! -e "$T/outside/real.db" ] || fail "the database was created through a symlink"
  fi
  # ".." in a message never reaches the file name
  ok st revision -m "../../outside/evil"
  [ "$(dirname "$OUT")" = "$T/proj/migrations" ] || fail "written outside migrations/: $OUT"
  equals "$(ls "$T/outside" | tr '\n' ' ')" "o.sql sum.txt "
}

# Files strata creates are 0644 whatever the umask allows, never through a symlink.
test_hostile_written_files_are_0644() {
  local mask
  new_db
  for mask in 000 022; do
    rm -rf "$T/m$mask" && mkdir "$T/m$mask" && cd "$T/m$mask"
    ( umask "$mask"
      ok st init .
      ok st revision -m one
      ok st revision --head base -m two
      ok st merge -m both
      ok st hash )
    for f in strata.ini migrations/*; do
      equals "$f:$(stat -c %a "$f")" "$f:644"
    done
  done
}

ENGINE=sqlite run_tests
rm -rf "${SUITE_TMP:?}"/test_*
ENGINE=postgres run_tests
