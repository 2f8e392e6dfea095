#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the test suite, listening only on loopback.
#
#   tests/pgserver.sh start DIR   initdb into DIR (made by the caller with
#                                 mktemp -d), start it, and print on stdout:
#                                   STRATA_TEST_PG_URL=postgres://strata_test:PW@127.0.0.1:PORT/postgres
#                                   STRATA_TEST_PG_PORT=PORT
#                                   STRATA_TEST_PG_PASSWORD=PW
#                                   STRATA_TEST_PG_DIR=DIR
#                                 (eval "$(tests/pgserver.sh start "$dir")")
#   tests/pgserver.sh stop DIR    stop it (immediate) and remove DIR
#   tests/pgserver.sh halt DIR    stop it (fast: sessions are ended) and keep DIR
#   tests/pgserver.sh resume DIR  start a halted server again, on the same port
#
# Runs as root: initdb refuses root, so the server runs as the postgres
# user (runuser). As any other user it runs as that user. The superuser
# strata_test logs in with a password (scram-sha-256) over TCP; the Unix
# socket in DIR trusts local users. The server listens on 127.0.0.1 only,
# with fsync off and autovacuum off: data in DIR is worth nothing.
#
# PG_BIN overrides /usr/lib/postgresql/15/bin.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PASSWORD='s3cret-Test-pw'
SUPERUSER=strata_test
MARKER=.strata-pgserver

die() { echo "pgserver.sh: $*" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free TCP port found on 127.0.0.1"
}

start() {
  local dir=$1 data pwfile port try
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server at $PG_BIN (install postgresql-15)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  : >"$dir/$MARKER"
  data=$dir/data
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir" "$dir/$MARKER"; fi
  chmod 700 "$dir"

  pwfile=$dir/pwfile
  (umask 077; printf '%s\n' "$PASSWORD" >"$pwfile")
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pwfile"; fi
  as_owner "$PG_BIN/initdb" -D "$data" -U "$SUPERUSER" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"

  for try in 1 2 3 4 5; do
    port=$(free_port)
    cat >>"$data/postgresql.conf" <<CONF
# strata test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
# The suites make a database per test; autovacuum would visit each one in
# turn, all the time, for tables of a few rows. Tests that need statistics
# run ANALYZE themselves.
autovacuum = off
CONF
    if as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
      echo "STRATA_TEST_PG_URL=postgres://$SUPERUSER:$PASSWORD@127.0.0.1:$port/postgres"
      echo "STRATA_TEST_PG_PORT=$port"
      echo "STRATA_TEST_PG_PASSWORD=$PASSWORD"
      echo "STRATA_TEST_PG_DIR=$dir"
      return 0
    fi
    echo "pgserver.sh: start on port $port failed (try $try):" >&2
    tail -n 5 "$dir/server.log" >&2 || true
  done
  die "could not start PostgreSQL in $dir"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  [ -f "$dir/$MARKER" ] || die "$dir was not made by pgserver.sh; not removing it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

# For tests of a server going away mid-run: only servers this script made.
halt() {
  [ -f "$1/$MARKER" ] || die "$1 was not made by pgserver.sh"
  as_owner "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null
}

resume() {
  [ -f "$1/$MARKER" ] || die "$1 was not made by pgserver.sh"
  as_owner "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: pgserver.sh start DIR"; start "$2" ;;
  stop)  [ $# -eq 2 ] || die "usage: pgserver.sh stop DIR"; stop "$2" ;;
  halt)  [ $# -eq 2 ] || die "usage: pgserver.sh halt DIR"; halt "$2" ;;
  resume) [ $# -eq 2 ] || die "usage: pgserver.sh resume DIR"; resume "$2" ;;
  *) die "usage: pgserver.sh start|stop|halt|resume DIR" ;;
esac
