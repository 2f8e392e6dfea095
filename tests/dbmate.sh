#!/usr/bin/env bash
# Installs dbmate, which tests/integration/suite_import.sh runs on the same
# history strata imports, and prints the path of its binary; nothing is
# installed when the pinned version is there already.
#
#   tests/dbmate.sh      print the dbmate binary's path (installing it first)
#
# dbmate comes from the npm registry (the dbmate package and its native
# @dbmate/linux-x64 binary), pinned in tests/dbmate/package.json and
# package-lock.json (exact versions and integrity hashes), installed with
# `npm install` into a cache outside the checkout: $STRATA_DBMATE_CACHE,
# else ~/.cache/strata-test-dbmate, so that a fresh clone reuses it.
# Not `npm ci`: the lock holds only the linux-x64 binary of dbmate's seven
# optional platform packages, and npm 11's `npm ci` refuses such a lock as
# out of sync; `npm install` installs from the same lock (versions and
# integrity hashes checked) and leaves it as it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${STRATA_DBMATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata-test-dbmate}
want=$(sed -n 's/^ *"dbmate": *"\([^"]*\)".*/\1/p' "$here/dbmate/package.json")
bin=$cache/node_modules/@dbmate/linux-x64/bin/dbmate

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qx "dbmate version $want" &&
  cmp -s "$here/dbmate/package-lock.json" "$cache/package-lock.json"; then
  echo "$bin"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "dbmate.sh: npm is missing (run 'make deps' as root, or install nodejs and npm)" >&2; exit 2; }
mkdir -p "$cache"
cp "$here/dbmate/package.json" "$here/dbmate/package-lock.json" "$cache/"
(cd "$cache" && npm install --no-audit --no-fund --loglevel=error >&2) || { echo "dbmate.sh: npm install failed in $cache" >&2; exit 2; }
[ -x "$bin" ] || { echo "dbmate.sh: $bin is missing after npm install" >&2; exit 2; }
echo "$bin"
