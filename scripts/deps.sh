#!/usr/bin/env bash
# Installs the Debian packages strata needs to build and test, and nothing
# when they are all present already. Run as root (or with sudo available).
set -eu

pkgs="build-essential pkg-config libsqlite3-dev sqlite3 libpq-dev postgresql
postgresql-contrib libpg-query-dev libprotobuf-c-dev libjansson-dev
libinih-dev libcmocka-dev graphviz valgrind
alembic python3-alembic python3-sqlalchemy python3-psycopg2
sqitch libdbd-pg-perl libdbd-sqlite3-perl"

# Extra packages for particular targets: "asan" and "tsan" add clang and its
# runtime.
for extra in "$@"; do
  case "$extra" in
    asan | tsan) pkgs="$pkgs clang libclang-rt-14-dev" ;;
    # bench: npm to fetch dbmate and squawk. A node from elsewhere
    # (NodeSource's nodejs ships npm and conflicts with Debian's npm) is
    # used as it is. The other peers (alembic, SQLAlchemy, sqitch with its
    # DBD drivers) are in the base list: the import tests run them.
    bench)
      pkgs="$pkgs bc python3" # bench/online.sh (pgbench comes with postgresql)
      command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm" ;;
    *) echo "deps.sh: unknown extra '$extra'" >&2; exit 2 ;;
  esac
done

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "deps.sh: missing packages:$missing" >&2
    echo "hint: run 'make deps' as root, or install them with apt-get" >&2
    exit 2
  fi
else
  SUDO=
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
