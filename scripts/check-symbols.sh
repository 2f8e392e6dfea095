#!/usr/bin/env bash
# Checks the symbol rule of libstrata (docs/library.md, "Symbols"): every
# defined global symbol of libstrata.a, function or data, is strata_*
# (public, declared in include/strata/) or strata__* (internal) or a
# sanitizer runtime's hook (__lsan_*, __asan_*, ...), and
# libstrata.so exports the public names only (src/libstrata.map), no
# strata__* and nothing unprefixed. Lists what breaks the rule and exits
# 1; 0 when nothing does; 2 when the library is not built.
#
#   scripts/check-symbols.sh [BUILD_DIR]      (default: build; make check-symbols)
#
# scripts/prefix-symbols.sh renames the internal globals it lists.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
lib=$build/libstrata.a
so=$build/libstrata.so
if [ ! -f "$lib" ]; then
  echo "check-symbols: $lib not found (build it first: make BUILD=$build)" >&2
  exit 2
fi

status=0
# The sanitizer runtimes' hooks keep the names the runtime looks up
# (__lsan_default_suppressions in db/pgquery_dyn.c): not ours to prefix.
hooks='^__(asan|lsan|ubsan|tsan|msan|sanitizer)_'
# "ADDR TYPE NAME" rows; uppercase types are globals (U: undefined, not ours).
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ { print $3 }' |
  grep -v -e '^strata_' -E -e "$hooks" | sort -u)
if [ -n "$bad" ]; then
  echo "check-symbols: globals of $lib without the strata_ or strata__ prefix:" >&2
  printf '  %s\n' $bad >&2
  echo "hint: make them static, or run scripts/prefix-symbols.sh (internal names are strata__*)" >&2
  status=1
fi

if [ -e "$so" ]; then
  bad=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' |
    grep -v -e '^strata_[^_]' -E -e "$hooks" | sort -u)
  if [ -n "$bad" ]; then
    echo "check-symbols: $so exports names outside the public API:" >&2
    printf '  %s\n' $bad >&2
    echo "hint: src/libstrata.map exports strata_* only; an internal name is strata__*" >&2
    status=1
  fi
fi
[ "$status" -eq 0 ] && echo "check-symbols: ok ($(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/' | wc -l) globals)"
exit "$status"
