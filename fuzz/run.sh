#!/usr/bin/env bash
# Runs every fuzz target of a build for a while, on its seeds; ends with the
# summary line "N passed, N failed" (one per target) like tests/run-all.sh.
#
#   fuzz/run.sh BUILD_DIR SECONDS
#
# Target NAME (BUILD_DIR/fuzz/NAME, from fuzz/NAME.c) starts from a fresh
# working corpus under BUILD_DIR/fuzz-corpus/NAME, the seeds in
# fuzz/seeds/NAME/ and the folders listed in fuzz/seeds/NAME.dirs (tests/
# and ../shared/corpus folders, read where they are). A crash, leak,
# sanitizer report or hang (over 10 s for one input) fails the target; the
# input is kept in BUILD_DIR/crashes/NAME/ and should become a unit test.
set -u
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

passed=0
failed=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  case "$bin" in *.d) continue ;; esac
  name=$(basename "$bin")
  work=$build/fuzz-corpus/$name
  crashes=$build/crashes/$name
  rm -rf "$work"
  mkdir -p "$work" "$crashes"
  dirs=("$work")
  [ -d "fuzz/seeds/$name" ] && dirs+=("fuzz/seeds/$name")
  if [ -f "fuzz/seeds/$name.dirs" ]; then
    while IFS= read -r d; do
      case "$d" in '' | '#'*) continue ;; esac
      if [ -d "$d" ]; then dirs+=("$d"); else echo "NOTE $name: seed folder $d is absent; skipped"; fi
    done <"fuzz/seeds/$name.dirs"
  fi
  log=$build/fuzz-$name.log
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  found=$(find "$crashes" -type f | wc -l)
  if [ "$rc" -eq 0 ] && [ "$found" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'fuzz %-20s %10s executions in %ss, no crash\n' "$name" "${runs:-?}" "$seconds"
  else
    failed=$((failed + 1))
    printf 'fuzz %-20s FAILED after %s executions (exit %d); inputs in %s:\n' \
      "$name" "${runs:-?}" "$rc" "$crashes"
    grep -E 'ERROR:|invariant broken|runtime error|SUMMARY|Test unit written' "$log" | head -n 10 | sed 's/^/    /'
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
