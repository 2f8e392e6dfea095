#!/usr/bin/env bash
# make test-tsan's run: tests/run-all.sh on a -fsanitize=thread build, with
# every ThreadSanitizer report written to a file of its own. A report
# fails the run even where the test around it would not notice (a
# command expected to fail that failed with TSan's exit code): each one
# is printed and counted as a failure in the summary line that ends the
# output, as run-all.sh's does.
#
#   scripts/tsan.sh BUILD_DIR        (STRATA_TEST_FILTER as for run-all.sh)
set -u
build=${1:?usage: scripts/tsan.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

reports=$(mktemp -d "${TMPDIR:-/tmp}/strata-tsan.XXXXXX")
log=$(mktemp)
trap 'rm -rf "$reports" "$log"' EXIT
# halt_on_error: the first race ends the process (exit 66), so a test
# cannot pass over it; log_path: reports go to files, counted below.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$reports/tsan${TSAN_OPTIONS:+ $TSAN_OPTIONS}"

# run-all.sh's output but its summary line, which is recomputed below.
tests/run-all.sh "$build" 2>&1 | tee "$log" | sed -u '$d'
rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
passed=0
failed=1 # no summary line: run-all.sh did not finish
if [ -n "$summary" ]; then
  passed=${summary%% passed*}
  failed=${summary#*, }
  failed=${failed%% failed}
fi

n=0
for f in "$reports"/tsan*; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  echo "ThreadSanitizer report ($(basename "$f")):"
  sed 's/^/    /' "$f"
done
if [ "$n" -gt 0 ]; then
  echo "failed: $n ThreadSanitizer report(s)"
fi
failed=$((failed + n))
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$n" -eq 0 ] && [ "$failed" -eq 0 ]
