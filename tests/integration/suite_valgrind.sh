#!/usr/bin/env bash
# valgrind's leak check over the main commands, on SQLite and PostgreSQL:
# no definite leak and no memory error (valgrind exits 99 on either).
#
# New commands: add their command line to LEAK_COMMANDS (diff and lint are
# the next: e.g. "diff sqlite:a.db sqlite:b.db" and "lint migrations").
# An ASan build (make test-asan) has its own leak checker and cannot run
# under valgrind: there this suite notes that and checks nothing.
. "$(dirname "$0")/lib.sh"

# Run in this order on a project of three revisions (one transaction: off).
LEAK_COMMANDS=(
  "upgrade"
  "current"
  "history -v"
  "downgrade base"
  "upgrade --sql base:head"
  "upgrade +2"
  "verify"
  "upgrade"
  "dump"
  "erd -f mermaid"
  "diff migrations DB"
  "lint --all"
  "advise --severity info"
)

VALGRIND=(valgrind --quiet --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30)

test_no_definite_leaks_in_main_commands() {
  local line args
  new_db; new_project; chain 2
  mig "$(id 3)" "$(id 2)" "CREATE INDEX t2_v ON t2 (v);" "DROP INDEX t2_v;" "-- transaction: off"
  for line in "${LEAK_COMMANDS[@]}"; do
    read -r -a args <<<"$line"
    args=("${args[@]/#DB/$DB}")
    if [ "${args[0]}" = lint ] || [ "${args[0]}" = advise ]; then
      # lint and advise exit 1 when they find something; a leak is 99.
      set +e; "${VALGRIND[@]}" "$STRATA" "${args[@]}" >"$T/.out" 2>"$T/.err"; code=$?; set -e
      [ "$code" -le 1 ] || { cat "$T/.err" >&2; fail "valgrind ${args[0]} exited $code"; }
      continue
    fi
    expect_exit 0 "${VALGRIND[@]}" "$STRATA" "${args[@]}"
  done
  # failure paths leak nothing either: a failing statement, a bad file
  mig "$(id 4)" "$(id 3)" "CREATE TABLE t4 (id integer); SELECT * FROM no_such_table;" "DROP TABLE t4;"
  expect_exit 3 "${VALGRIND[@]}" "$STRATA" upgrade
  printf -- '-- revision: %s\n-- revises: %s\n-- colour: blue\n' "$(id 5)" "$(id 4)" >"migrations/$(id 5)_bad.sql"
  expect_exit 2 "${VALGRIND[@]}" "$STRATA" upgrade
  expect_exit 2 "${VALGRIND[@]}" "$STRATA" downgrade base
}

if nm "$STRATA" 2>/dev/null | grep -q '__asan_init'; then
  echo "NOTE valgrind: $STRATA is an ASan build (its own leak checker runs instead); skipped"
  exit 0
fi
command -v valgrind >/dev/null || { echo "FAIL valgrind: not installed (scripts/deps.sh installs it)"; exit 1; }
ENGINE=sqlite run_tests
rm -rf "${SUITE_TMP:?}"/test_*
ENGINE=postgres run_tests
