#!/usr/bin/env bash
# Help from the option tables: every command's help (strata help CMD and
# strata CMD --help, the same text) lists each option of its table with its
# explanation, and docs/commands.md lists the same options
# (tests/check-docs-options.sh). No database is opened.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# Every command prints its help, exit 0, the same both ways, even outside a
# project (the help needs no config and no migrations).
test_help_every_command() {
  local cmd
  for cmd in $("$STRATA" help | awk '/^Commands:/{on=1; next} /^$/{on=0} on{print $1}'); do
    ok st help "$cmd"
    local page=$OUT
    contains "$page" "Global options:"
    if [ "$cmd" != help ] && [ "$cmd" != version ]; then
      ok st "$cmd" --help
      equals "$OUT" "$page"
    fi
  done
}

# Options come from the tables, explanations included.
test_help_lists_the_table() {
  ok st help upgrade
  contains "$OUT" "  --batch-size N           rows per batch of a batched step"
  contains "$OUT" "  --lock-timeout D         PostgreSQL lock_timeout per statement (default 5s);"
  contains "$OUT" "Durations: 500ms, 5s, 2min, 1h."
  ok st lint -h
  contains "$OUT" "  --severity L             show only findings at L and above (warning, error)"
  ok st help graph
  contains "$OUT" "  -f, --format FORMAT      dot (default) or mermaid"
  ok st online --help
  contains "$OUT" "  --complete               start, then complete at once"
  # the options, wrapped, fit a terminal's 80 columns
  for cmd in upgrade revision lint advise online fleet test; do
    ok st help "$cmd"
    ! printf '%s\n' "$OUT" | grep -E '^(  -| {27})' | grep -q '.\{80,\}' ||
      fail "an option line of 'strata help $cmd' is 80 columns or more"
  done
}

# strata help names the commands that may change the database (CMD_WRITES_DB).
test_help_lists_writing_commands() {
  ok st help
  contains "$OUT" "May change the database: upgrade downgrade stamp baseline adopt online apply fleet"
}

# docs/commands.md's option lists are the tables' (and the check notices a change).
test_help_docs_match_the_tables() {
  local root=$ROOT
  ok "$root/tests/check-docs-options.sh" "$STRATA" "$root/docs/commands.md"
  sed 's/| `--batch-size N` | rows per batch of a batched step/| `--batch-size N` | rows per step/' \
    "$root/docs/commands.md" >"$T/commands.md"
  expect_exit 1 "$root/tests/check-docs-options.sh" "$STRATA" "$T/commands.md"
  contains "$OUT$ERR" "differ from the option tables"
}

ENGINE=sqlite run_tests
