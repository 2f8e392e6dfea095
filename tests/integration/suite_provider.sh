#!/usr/bin/env bash
# Integration suite: schema providers (schema = exec: ...) and the shadow
# snapshot cache (.strata/cache), through the real binary, on SQLite files
# and the throwaway PostgreSQL.
#
# - tools/strata-sqlalchemy on SQLAlchemy models like real apps have (UUID
#   keys, server_default=func.now(), enums, foreign keys, indexes, unique
#   constraints, a table in its own schema on PostgreSQL) feeding
#   revision --autogenerate, drift --schema, check and strata test, on both
#   engines;
# - providers that fail (exit 1, garbage on stdout, a hang past
#   provider_timeout, a missing command, models that do not import): exit
#   2, a message that says what, no revision written, the database and
#   strata.sum untouched, no shadow or process left behind;
# - the cache: a hit gives what a cold run gives and rewrites nothing, a
#   changed schema misses, a damaged file is ignored and rebuilt, another
#   server version (a second throwaway server) misses.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)

# A python3 with SQLAlchemy (make deps installs Debian's python3-sqlalchemy),
# and a bin folder that puts it and strata-sqlalchemy on PATH, as a user's
# install would.
PY=
for _py in python3 /usr/bin/python3; do
  if command -v "$_py" >/dev/null 2>&1 && "$_py" -c 'import sqlalchemy' 2>/dev/null; then
    PY=$(command -v "$_py"); break
  fi
done
mkdir -p "$SUITE_TMP/bin"
[ -n "$PY" ] && ln -sf "$PY" "$SUITE_TMP/bin/python3"
ln -sf "$REPO/tools/strata-sqlalchemy" "$SUITE_TMP/bin/strata-sqlalchemy"
export PATH="$SUITE_TMP/bin:$PATH"
need_sqlalchemy() {
  [ -n "$PY" ] || fail "no python3 with SQLAlchemy (make deps installs python3-sqlalchemy)"
}
[ -z "$PY" ] || echo "NOTE SQLAlchemy $("$PY" -c 'import sqlalchemy; print(sqlalchemy.__version__)') ($PY)"

# models.py: an app's models. MODEL_EXTRA adds lines to the User class.
write_models() {
  cat >models.py <<EOF
import enum
import uuid

from sqlalchemy import (Boolean, Column, DateTime, Enum, ForeignKey, Index, Integer, MetaData,
                        Numeric, String, Text, UniqueConstraint, func)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import CHAR, TypeDecorator


class GUID(TypeDecorator):
    """uuid on PostgreSQL, CHAR(32) elsewhere (SQLAlchemy's recipe)."""
    impl = CHAR
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID())
        return dialect.type_descriptor(CHAR(32))


class Status(enum.Enum):
    active = "active"
    suspended = "suspended"


Base = declarative_base(metadata=MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s"}))


class Org(Base):
    __tablename__ = "orgs"
    id = Column(GUID, primary_key=True, default=uuid.uuid4)
    name = Column(String(200), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("org_id", "email"),
                      Index("ix_users_org_created", "org_id", "created_at"))
    id = Column(GUID, primary_key=True, default=uuid.uuid4)
    org_id = Column(GUID, ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    email = Column(String(320), nullable=False)
    status = Column(Enum(Status, name="user_status"), nullable=False, server_default="active")
    is_admin = Column(Boolean, nullable=False, server_default="0")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    org = relationship(Org)
${MODEL_EXTRA:-}


class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True)
    user_id = Column(GUID, ForeignKey("users.id"), nullable=False, index=True)
    amount = Column(Numeric(12, 2), nullable=False, server_default="0")
    note = Column(Text)
    status = Column(Enum(Status, name="user_status"), nullable=False)
EOF
  # PostgreSQL only: a table in a schema of its own.
  cat >models_pg.py <<'EOF'
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, func

from models import GUID, Base


class Event(Base):
    __tablename__ = "events"
    __table_args__ = {"schema": "audit"}
    id = Column(BigInteger, primary_key=True)
    user_id = Column(GUID, ForeignKey("users.id"), index=True)
    at = Column(DateTime(timezone=True), server_default=func.now(), nullable=False)
EOF
}

# sqla_project sqlite|postgres: a project whose schema is the models.
sqla_project() {
  need_sqlalchemy
  new_project
  ENGINE=$1
  new_db
  write_models
  if [ "$1" = postgres ]; then
    PROVIDER="exec: strata-sqlalchemy models_pg:Base --dialect postgresql"
  else
    PROVIDER="exec: strata-sqlalchemy models:Base --dialect sqlite"
  fi
  printf '[strata]\nmigrations = migrations\nschema = %s\n' "$PROVIDER" >strata.ini
}

revision_files() { ls migrations | grep -c '\.sql$' || true; }

# The models feed autogenerate, drift, check and strata test.
sqlalchemy_end_to_end() {
  sqla_project "$1"
  ok st revision --autogenerate -m "from the models"
  local first=$OUT
  contains "$(cat "$first")" "CREATE TABLE"
  contains "$(cat "$first")" "ix_users_org_created"
  contains "$(cat "$first")" "uq_users_org_id"
  if [ "$1" = postgres ]; then
    contains "$(cat "$first")" "CREATE TYPE public.user_status AS ENUM ('active', 'suspended')"
    contains "$(cat "$first")" "CREATE SCHEMA IF NOT EXISTS audit"
    contains "$(cat "$first")" "uuid"
    contains "$(cat "$first")" "DEFAULT now()"
  else
    contains "$(cat "$first")" "CURRENT_TIMESTAMP"
  fi
  ok st upgrade
  ok st drift --schema "$PROVIDER"
  contains "$OUT" "no drift: the database matches the desired schema"
  if [ "$1" = sqlite ]; then  # (the same code on PostgreSQL, and slower)
    ok st check
    contains "$OUT" "no differences"
  fi
  ok st test --only schema-matches
  contains "$OUT" "PASS schema-matches"
  # nothing to write when the models did not change
  ok st revision --autogenerate -m again
  contains "$ERR" "no revision written"
  equals "$(revision_files)" 1

  # A change to the models: the database drifts from them, check and
  # test fail, and autogenerate writes exactly the change.
  MODEL_EXTRA='    phone = Column(String(40))
    __table_args__ = __table_args__ + (Index("ix_users_phone", "phone"),)' write_models
  expect_exit 1 st drift --schema "$PROVIDER"
  contains "$OUT" "users.phone"
  contains "$OUT" "ix_users_phone"
  expect_exit 1 st test --only schema-matches
  contains "$OUT" "FAIL schema-matches"
  contains "$OUT" "differs from exec: strata-sqlalchemy"
  ok st revision --autogenerate -m phone
  # (on PostgreSQL two files: the index is built CONCURRENTLY in its own)
  local written
  written=$(cat $OUT)
  contains "$written" "ADD COLUMN phone"
  contains "$written" "ix_users_phone"
  lacks "$written" "CREATE TABLE"
  ok st upgrade
  ok st drift --schema "$PROVIDER"
  # every check: the autogenerated downs leave no trace (SERIAL keys
  # included) and the revisions lint clean
  ok st test
  contains "$OUT" "PASS schema-matches"
  contains "$OUT" "PASS down-leaves-no-trace"
  contains "$OUT" "PASS lint"
  no_shadows_left
}
test_sqlalchemy_sqlite() { sqlalchemy_end_to_end sqlite; }
test_sqlalchemy_postgres() { sqlalchemy_end_to_end postgres; }

# What must not change when a provider fails.
snapshot_state() {
  { ls -la migrations | awk '{print $5, $9}'; cat migrations/strata.sum; schema_dump; } >"$T/state.$1"
}

# each failing provider: exit 2 from every reader of the desired schema,
# a clear message, nothing changed
failing_providers() {
  need_sqlalchemy
  new_project
  ENGINE=$1
  new_db
  write_models
  printf 'CREATE TABLE keep (id integer primary key);\n' >schema.sql
  ok st revision --autogenerate -m keep --schema schema.sql
  ok st upgrade
  snapshot_state before
  local spec want
  local limit
  while IFS='|' read -r limit spec want <&4; do
    printf '[strata]\nmigrations = migrations\nprovider_timeout = %s\nschema = %s\n' "$limit" "$spec" >strata.ini
    expect_exit 2 st revision --autogenerate -m never
    contains "$ERR" "$want"
    lacks "$ERR" "s3cret"
    expect_exit 2 st diff "$DB" "$spec"
    contains "$ERR" "$want"
    # every other reader, for the failures of a running provider (on
    # SQLite: the same code paths on both engines)
    # (failed, no SQL, not SQL; the others end before any reader differs)
    if [ "$ENGINE" = sqlite ] && [ "$limit" = 60s ] && [[ "$spec" == *"sh -c"* || "$spec" == *echo* ]]; then
      expect_exit 2 st check
      contains "$ERR" "$want"
      expect_exit 2 st drift --schema "$spec"
      contains "$ERR" "$want"
      expect_exit 2 st test --only schema-matches
      contains "$ERR" "$want"
    fi
    snapshot_state after
    cmp -s "$T/state.before" "$T/state.after" || fail "'$spec' changed something"
  done 4<<'EOF'
60s|exec: sh -c 'echo "CREATE TABLE half (id int);"; echo "models broke" >&2; exit 1'|failed (exit status 1); the end of its stderr:
60s|exec: echo this is not SQL at all|at line 1 of the output of "exec: echo this is not SQL at all"
500ms|exec: sh -c 'sleep 37.25'|did not finish within 500 ms and was stopped
60s|exec: no-such-provider-here --url postgres://u:s3cret@h/db|cannot run the schema provider "exec: no-such-provider-here --url postgres://u:
60s|exec: strata-sqlalchemy nomodule:Base --dialect sqlite|cannot import nomodule: ModuleNotFoundError
60s|exec: sh -c 'true'|printed no SQL
60s|exec: 'unclosed|unclosed ' in the provider command
EOF
  # the hung provider's process group is gone
  ! pgrep -f 'sleep 37.25' >/dev/null || fail "the timed-out provider is still running"
  equals "$(revision_files)" 1
  no_shadows_left
}
test_failing_providers_sqlite() { failing_providers sqlite; }
test_failing_providers_postgres() { failing_providers postgres; }

# The cache files of the project, "inode name" per line.
cache_files() { (cd .strata/cache 2>/dev/null && stat -c '%i %n' -- *.snapshot 2>/dev/null) || true; }

# A PostgreSQL project with one revision and a desired schema with more.
cache_project() {
  new_project
  new_db
  printf '[strata]\nmigrations = migrations\ndatabase = %s\n' "$DB" >strata.ini
  unset STRATA_DATABASE_URL
  mig "$(id 1)" base "CREATE TABLE a (id bigint PRIMARY KEY, name text NOT NULL);
CREATE INDEX a_name ON a (name);" "DROP TABLE a;"
  ok st hash
  cat >schema.sql <<'EOF'
CREATE TABLE a (id bigint PRIMARY KEY, name text NOT NULL, added timestamptz DEFAULT now());
CREATE INDEX a_name ON a (name);
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id), m mood);
CREATE VIEW bv AS SELECT b.id, a.name FROM b JOIN a ON a.id = b.a_id;
EOF
}

test_cache_hit_equals_cold() {
  cache_project
  ok st diff --no-cache migrations schema.sql
  local cold=$OUT
  [ ! -d .strata ] || fail "--no-cache wrote the cache"
  contains "$cold" "CREATE TABLE public.b"
  ok st diff migrations schema.sql
  equals "$OUT" "$cold"
  equals "$(cache_files | wc -l)" 2
  local files
  files=$(cache_files)
  ok st diff migrations schema.sql
  equals "$OUT" "$cold"
  # a hit reads the files and writes none
  equals "$(cache_files)" "$files"
  expect_exit 1 st check --no-cache
  local check_cold=$OUT
  expect_exit 1 st check
  equals "$OUT" "$check_cold"
  equals "$(cache_files)" "$files"
  # autogenerate from the cache writes what a cold run writes
  ok st revision --autogenerate --no-cache -m cold
  local cold_file=$OUT
  sed -n '/^-- +up/,$p' "$cold_file" >"$T/cold.sql"
  rm "$cold_file"
  ok st hash
  ok st revision --autogenerate -m warm
  sed -n '/^-- +up/,$p' "$OUT" >"$T/warm.sql"
  cmp "$T/cold.sql" "$T/warm.sql" || fail "autogenerate from the cache differs"
  no_shadows_left
}

test_cache_changed_schema_misses() {
  cache_project
  ok st diff migrations schema.sql
  local before
  before=$(cache_files)
  echo "CREATE TABLE c (id int);" >>schema.sql
  ok st diff migrations schema.sql
  contains "$OUT" "CREATE TABLE public.c"
  equals "$(cache_files | wc -l)" 3
  # the migrations' snapshot was a hit: still the same file
  while read -r line; do contains "$(cache_files)" "$line"; done <<<"$before"
  # a changed migration misses too
  mig "$(id 2)" "$(id 1)" "CREATE TABLE c (id int);" "DROP TABLE c;"
  ok st hash
  ok st diff migrations schema.sql
  lacks "$OUT" "CREATE TABLE public.c"
  equals "$(cache_files | wc -l)" 4
}

test_cache_damaged_file_is_rebuilt() {
  cache_project
  ok st diff --no-cache migrations schema.sql
  local cold=$OUT f n=0
  ok st diff migrations schema.sql
  for f in .strata/cache/*.snapshot; do
    n=$((n + 1))
    if [ "$n" = 1 ]; then
      printf 'XXXX' | dd of="$f" bs=1 seek=120 conv=notrunc status=none   # flipped bytes
    else
      truncate -s 200 "$f"                                                # cut short
    fi
  done
  local damaged
  damaged=$(cache_files)
  ok st diff migrations schema.sql
  equals "$OUT" "$cold"
  # both rebuilt (renamed over: new inodes), and good again
  local rebuilt
  rebuilt=$(cache_files)
  [ "$rebuilt" != "$damaged" ] || fail "the damaged files were not rewritten"
  ok st diff migrations schema.sql
  equals "$OUT" "$cold"
  equals "$(cache_files)" "$rebuilt"
  # a file of garbage in the cache folder's place of a snapshot: same
  for f in .strata/cache/*.snapshot; do head -c 5000 /dev/urandom >"$f"; done
  ok st diff migrations schema.sql
  equals "$OUT" "$cold"
}

# Another server version is another key: the snapshots made on 15 are not
# used for a shadow on the other server.
test_cache_other_server_version_misses() {
  local v bin dir
  v=$(tests_pg_other_version)
  [ -n "$v" ] || fail "no second PostgreSQL version to start (tests/pginstall.sh versions)"
  cache_project
  ok st diff migrations schema.sql
  local on15=$OUT
  equals "$(cache_files | wc -l)" 2
  bin=$("$REPO/tests/pginstall.sh" bindir "$v") || fail "cannot install PostgreSQL $v"
  dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg$v.XXXXXX")
  ( cd / && PG_BIN=$bin "$REPO/tests/pgserver.sh" start "$dir" ) >"$T/other.env" ||
    { rm -rf "$dir"; fail "cannot start PostgreSQL $v"; }
  trap '(cd / && "$REPO/tests/pgserver.sh" stop "'"$dir"'") >/dev/null 2>&1' EXIT
  local other
  other=$(sed -n 's/^STRATA_TEST_PG_URL=//p' "$T/other.env")
  printf 'shadow_database = %s\n' "$other" >>strata.ini
  ok st diff migrations schema.sql
  equals "$OUT" "$on15"
  equals "$(cache_files | wc -l)" 4
  lacks "$ERR" "s3cret"
  (cd / && "$REPO/tests/pgserver.sh" stop "$dir") >/dev/null 2>&1
  trap - EXIT
}
# The newest pinned version other than 15 whose binaries are at hand
# (installed by make test's matrix), else the first pinned one.
tests_pg_other_version() {
  local v first=
  for v in $("$REPO/tests/pginstall.sh" versions | grep -vx 15 | sort -rn); do
    [ -n "$first" ] || first=$v
    if "$REPO/tests/pginstall.sh" bindir "$v" >/dev/null 2>&1; then echo "$v"; return; fi
  done
  echo "$first"
}

# SQLite replays are cached too (a migrations folder of many revisions is
# many commits), and strata init leaves the cache out of git.
test_cache_sqlite_and_gitignore() {
  ENGINE=sqlite
  mkdir proj && cd proj
  ok st init .
  contains "$(cat .gitignore)" ".strata/"
  printf 'CREATE TABLE t (id integer primary key, v text);\n' >schema.sql
  ok st revision --autogenerate -m t
  equals "$(cache_files | wc -l)" 2
  # the new revision is a new migrations folder: one more snapshot, then hits
  ok st check
  local files
  files=$(cache_files)
  equals "$(echo "$files" | wc -l)" 3
  ok st check
  equals "$(cache_files)" "$files"
  # init in a folder with a .gitignore extends it once
  mkdir ../other && cd ../other
  printf 'node_modules' >.gitignore
  ok st init .
  equals "$(cat .gitignore)" "node_modules
# strata's cache of shadow snapshots (docs/schema.md)
.strata/"
}

run_tests
