#!/usr/bin/env bash
# strata import alembic and strata adopt, against the real tools.
#
# Alembic: the 31-revision project of tests/fixtures/alembic/make_project.py
# (two branches and a merge, branch labels, a depends_on, an enum, a batch
# operation, a step that reads the database) imported on each engine and
# upgraded by strata from empty: the same schema as the real `alembic
# upgrade heads` gives (strata dump of both); downgrade base leaves an
# empty database; strata history has the edges of alembic history. Adopt:
# a database Alembic took to the middle (two heads), adopted and upgraded
# by strata, ends as Alembic's head. The other formats' bookkeeping comes
# from the real tool where it installs here (Debian's sqitch) or is written
# in the tool's own schema (flyway, golang-migrate, goose, dbmate, pop).
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
MAKE_PROJECT=$REPO/tests/fixtures/alembic/make_project.py
# The python that has Alembic: the one the alembic program runs with.
PY=$(head -1 "$(command -v alembic)" | sed 's/^#! *//; s/ .*//')
[ -x "$PY" ] || PY=python3

# The URL SQLAlchemy takes for $DB.
sa_url() {
  if [ "$ENGINE" = postgres ]; then echo "postgresql${1#postgres}"; else echo "sqlite:///${1#sqlite:}"; fi
}
dialect() { if [ "$ENGINE" = postgres ]; then echo postgresql; else echo sqlite; fi; }

# alembic_project DIR URL: the fixture project in DIR, migrating URL.
alembic_project() { "$PY" "$MAKE_PROJECT" "$1" "$(dialect)" "$(sa_url "$2")"; }

# alembic_run DIR ARGS...: the real alembic on the project in DIR.
alembic_run() {
  (cd "$1" && shift && alembic "$@") >"$T/alembic.log" 2>&1 ||
    { cat "$T/alembic.log"; fail "alembic $* failed"; }
}

# head_dump: into $want, strata dump of a database the real alembic took
# to heads (without alembic_version), made once per engine for the suite.
head_dump() {
  local f=$SUITE_TMP/alembic_head.$ENGINE
  if [ ! -f "$f.sql" ]; then
    local DB
    new_db
    alembic_project "$T/al_head" "$DB"
    alembic_run "$T/al_head" upgrade heads
    q "DROP TABLE alembic_version"
    q "SELECT count(*) FROM audit" >"$f.audit"
    st dump "$DB" >"$f.sql"
  fi
  want=$(cat "$f.sql")
}

# The strata project: the fixture imported into migrations/.
import_fixture() {
  new_project
  alembic_project "$T/al_src" "${DB:-sqlite:$T/unused.db}"
  expect_exit 0 st import alembic "$T/al_src"
}

alembic_roundtrip() {
  head_dump
  new_db; ours=$DB
  import_fixture
  contains "$OUT" "imported 31 alembic steps as revisions r01 .. r36"
  contains "$OUT" "merge r30 of r17 r27"
  contains "$OUT" "stub r33: it reads the database through op.get_bind() (SELECT id FROM users)"
  # the graph as Alembic has it: ids, merge, labels, depends_on, dates
  grep -q '^-- revises: r17 r27$' migrations/r30_*.sql || fail "r30 is not a merge of r17 r27"
  grep -q '^-- branch: core$' migrations/r01_*.sql || fail "r01 lost its branch label"
  grep -q '^-- branch: billing$' migrations/r11_*.sql || fail "r11 lost its branch label"
  grep -q '^-- depends-on: r13$' migrations/r23_*.sql || fail "r23 lost its depends_on"
  grep -q '^-- created: 2024-01-01T10:00:00Z$' migrations/r01_*.sql || fail "r01 lost its create date"
  grep -q '^-- STUB (strata import alembic)' migrations/r33_*.sql || fail "r33 is not marked as a stub"
  grep -q 'conn.execute' migrations/r33_*.sql || fail "r33's stub does not show its Python"
  if grep -qi 'alembic_version\|^BEGIN\|^COMMIT' migrations/*.sql; then
    fail "Alembic's own bookkeeping or transaction lines were kept"
  fi
  if [ "$ENGINE" = postgres ]; then
    grep -q "CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh')" migrations/r06_*.sql || fail "no enum type"
    grep -q "DROP TYPE mood" migrations/r06_*.sql || fail "the enum's down does not drop it"
  else
    grep -q "_alembic_tmp_notes" migrations/r27_*.sql || fail "the batch rebuild was not rendered"
  fi
  ok st upgrade -q
  equals "$(versions)" "r36"
  equals "$(st dump "$ours")" "$want"
  # Alembic ran r33's SELECT; strata ran the stub, which wrote nothing
  equals "$(cat "$SUITE_TMP/alembic_head.$ENGINE.audit")" 2
  equals "$(q "SELECT count(*) FROM audit")" 0
  ok st downgrade base -q
  new_db; empty=$DB
  equals "$(st dump "$ours")" "$(st dump "$empty")"
  equals "$(DB=$ours q "SELECT count(*) FROM strata_version")" 0
  [ "$ENGINE" = sqlite ] && history_graph
  return 0
}

test_pg_alembic_roundtrip() { alembic_roundtrip; }
test_sqlite_alembic_roundtrip() { alembic_roundtrip; }

# strata history has the parent edges alembic history prints (in the
# project alembic_roundtrip imported).
history_graph() {
  (cd "$T/al_src" && alembic history) >"$T/alembic_history" 2>&1 || fail "alembic history failed"
  # "r17, r27 -> r30 (mergepoint), msg", "<base> -> r01 (core), msg", and
  # "r22 (r13) -> r23, msg": r23 revises r22 and depends on r13
  sed -E 's/^<base>/base/; s/^([^>]*) -> ([^ ,]+).*/\1|\2/' "$T/alembic_history" >"$T/alembic_lines"
  while IFS='|' read -r parents child; do
    for p in $(printf '%s' "$parents" | sed 's/([^)]*)//g; s/,/ /g'); do echo "$p $child"; done
  done <"$T/alembic_lines" | sort >"$T/alembic_edges"
  while IFS='|' read -r parents child; do
    for d in $(printf '%s' "$parents" | sed -n 's/.*(\([^)]*\)).*/\1/p' | tr ',' ' '); do echo "$d $child"; done
  done <"$T/alembic_lines" | sort >"$T/alembic_depends"
  ok st history --json
  printf '%s' "$OUT" | jq -r '.[] | if (.revises | length) == 0 then "base \(.revision)"
    else .revises[] as $p | "\($p) \(.revision)" end' | sort >"$T/strata_edges"
  [ "$(wc -l <"$T/alembic_edges")" -eq 32 ] || fail "alembic history gave $(wc -l <"$T/alembic_edges") edges"
  diff "$T/alembic_edges" "$T/strata_edges" || fail "the graphs differ"
  printf '%s' "$OUT" | jq -r '.[] | .depends_on[] as $d | "\($d) \(.revision)"' | sort >"$T/strata_depends"
  equals "$(cat "$T/alembic_depends")" "r13 r23"
  diff "$T/alembic_depends" "$T/strata_depends" || fail "the depends_on edges differ"
  equals "$(printf '%s' "$OUT" | jq -r '[.[] | select(.branch != null) | "\(.revision)=\(.branch)"] | sort | join(" ")')" \
    "r01=core r11=billing"
}

# A database Alembic took to two heads, adopted, upgraded by strata.
alembic_adopt() {
  head_dump
  new_db; mid=$DB
  import_fixture
  alembic_project "$T/al_mid" "$mid"
  alembic_run "$T/al_mid" upgrade r16
  alembic_run "$T/al_mid" upgrade r22
  before=$(q "SELECT version_num FROM alembic_version ORDER BY 1" | tr '\n' ' ')
  equals "$before" "r16 r22 "
  ok st adopt alembic
  contains "$ERR" "adopted 18 revision(s) from alembic_version; strata_version now at r16, r22"
  equals "$(versions)" "r16 r22"
  equals "$(q "SELECT count(*) FROM strata_history WHERE direction = 'adopt' AND outcome = 'adopted'")" 18
  equals "$(q "SELECT version_num FROM alembic_version ORDER BY 1" | tr '\n' ' ')" "$before"
  ok st log --outcome adopted -n 1
  contains "$OUT" "adopted      adopt  r"
  contains "$OUT" "strata adopt alembic: recorded as applied from alembic_version"
  ok st history -i
  contains "$OUT" "r22 (current)"
  # the adopted rows carry the files' checksums: verify checks them
  ok st verify
  contains "$ERR" "31 revision(s) verified"
  # again: nothing to do
  ok st adopt alembic
  contains "$ERR" "nothing to adopt"
  ok st upgrade -q
  equals "$(versions)" "r36"
  q "DROP TABLE alembic_version"
  equals "$(st dump "$mid")" "$want"
  ok st downgrade base -q
  equals "$(tables)" ""
}

test_pg_alembic_adopt() { alembic_adopt; }
test_sqlite_alembic_adopt() { alembic_adopt; }

# Refusals: each exits 2 and writes nothing.
adopt_refusals() {
  new_db
  import_fixture
  expect_exit 2 st adopt alembic
  contains "$ERR" "has no alembic_version table"
  q "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)"
  q "INSERT INTO alembic_version VALUES ('r05'), ('feedbeef')"
  expect_exit 2 st adopt alembic
  contains "$ERR" "alembic_version names revision 'feedbeef', which"
  equals "$(tables)" "alembic_version"
  expect_exit 2 st adopt nosuchtool
  contains "$ERR" "the formats are alembic, flyway"
  # strata already has a state here
  q "DELETE FROM alembic_version WHERE version_num = 'feedbeef'"
  ok st stamp r03 -q
  expect_exit 2 st adopt alembic
  contains "$ERR" "strata_version already records 1 applied head(s) (r03)"
  equals "$(versions)" "r03"
  ok st adopt alembic --force
  equals "$(versions)" "r05"
  # a password never shows
  if [ "$ENGINE" = postgres ]; then
    expect_exit 2 st adopt flyway
    lacks "$ERR" "$STRATA_TEST_PG_PASSWORD"
    contains "$ERR" "****"
  fi
}

test_pg_adopt_refusals() { adopt_refusals; }
test_sqlite_adopt_refusals() { adopt_refusals; }

# What cannot render offline is said, never dropped.
test_sqlite_alembic_offline_limits() {
  new_db
  new_project
  mkdir -p "$T/al/versions"
  cat >"$T/al/alembic.ini" <<'INI'
[alembic]
script_location = %(here)s
sqlalchemy.url = sqlite:///unused.db
INI
  cat >"$T/al/env.py" <<'PY'
from alembic import context
context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
PY
  cat >"$T/al/versions/a1.py" <<'PY'
"""table t

Create Date: 2024-05-06 07:08:09.000000+02:00
"""
from alembic import op
import sqlalchemy as sa
revision = 'a1'
down_revision = None
branch_labels = ('one', 'two')
depends_on = None
def upgrade():
    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), sa.Column('v', sa.Integer))
def downgrade():
    raise RuntimeError('no way back')
PY
  cat >"$T/al/versions/a2.py" <<'PY'
"""batch without copy_from"""
from alembic import op
import sqlalchemy as sa
revision = 'a2'
down_revision = 'a1'
branch_labels = None
depends_on = None
def upgrade():
    with op.batch_alter_table('t') as b:
        b.alter_column('v', type_=sa.Text)
def downgrade():
    pass
PY
  cat >"$T/al/versions/a3.py" <<'PY'
"""autocommit"""
from alembic import op
revision = 'a3'
down_revision = 'a2'
branch_labels = None
depends_on = None
def upgrade():
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX t_v ON t (v)")
def downgrade():
    op.execute("DROP INDEX t_v")
PY
  expect_exit 0 st import alembic "$T/al" --json
  contains "$(printf '%s' "$OUT" | jq -r '.steps[] | select(.id == "a2") | .stub')" \
    "This operation cannot proceed in --sql mode"
  equals "$(printf '%s' "$OUT" | jq -r '.steps[] | select(.id == "a1") | .irreversible')" \
    "Alembic could not render its downgrade offline: RuntimeError: no way back"
  equals "$(printf '%s' "$OUT" | jq -r '.steps[] | select(.id == "a3") | .transaction')" off
  contains "$(printf '%s' "$OUT" | jq -r '.notes[]')" "a1: branch label 'two' not kept"
  grep -q '^-- created: 2024-05-06T05:08:09Z$' migrations/a1_*.sql || fail "the create date is not in UTC"
  grep -q '^-- branch: one$' migrations/a1_*.sql || fail "a1 lost its first branch label"
  # a project Alembic itself refuses: exit 2, its words, nothing written
  printf 'revision = "a4"\ndown_revision = "nosuch"\n' >"$T/al/versions/a4.py"
  rm -rf migrations && mkdir migrations
  expect_exit 2 st import alembic "$T/al"
  contains "$ERR" "Alembic could not read the project"
  contains "$ERR" "nosuch"
  equals "$(ls migrations)" ""
  mkdir "$T/nowhere"
  expect_exit 2 st import alembic "$T/nowhere"
  contains "$ERR" "alembic.ini: no such file"
}

# --- the other formats' bookkeeping -------------------------------------

# history FORMAT DIR: three steps creating t1, t2, t3, in the format's files.
history() {
  local f=$1 d=$2 i
  mkdir -p "$d"
  for i in 1 2 3; do
    up="CREATE TABLE t$i (id integer PRIMARY KEY);" down="DROP TABLE t$i;"
    case $f in
      flyway) echo "$up" >"$d/V${i}__t$i.sql" ;;
      golang-migrate) echo "$up" >"$d/00000${i}_t$i.up.sql"; echo "$down" >"$d/00000${i}_t$i.down.sql" ;;
      goose) printf -- '-- +goose Up\n%s\n\n-- +goose Down\n%s\n' "$up" "$down" >"$d/0000${i}_t$i.sql" ;;
      dbmate) printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$up" "$down" >"$d/2024010100000${i}_t$i.sql" ;;
      pop) echo "$up" >"$d/2024010100000${i}_t$i.up.sql"; echo "$down" >"$d/2024010100000${i}_t$i.down.sql" ;;
    esac
  done
}

# The tools' own tables (from their sources), with the rows they write
# after applying steps 1 and 2 (and, for some, a few more telling rows).
bookkeeping() {
  local pg=0
  [ "$ENGINE" = postgres ] && pg=1
  q "CREATE TABLE t1 (id integer PRIMARY KEY)"
  q "CREATE TABLE t2 (id integer PRIMARY KEY)"
  case $1 in
    flyway)
      q "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL, version VARCHAR(50),
         description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL,
         checksum INT, installed_by VARCHAR(100) NOT NULL,
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL,
         success BOOLEAN NOT NULL, CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank))"
      # 3 failed once (success false): not applied
      q "INSERT INTO flyway_schema_history VALUES
         (1, '1', 't1', 'SQL', 'V1__t1.sql', 1, 'me', CURRENT_TIMESTAMP, 5, true),
         (2, '2', 't2', 'SQL', 'V2__t2.sql', 2, 'me', CURRENT_TIMESTAMP, 5, true),
         (3, '3', 't3', 'SQL', 'V3__t3.sql', 3, 'me', CURRENT_TIMESTAMP, 5, false)" ;;
    golang-migrate)
      if [ $pg = 1 ]; then q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"
      else q "CREATE TABLE schema_migrations (version uint64, dirty bool)"
        q "CREATE UNIQUE INDEX version_unique ON schema_migrations (version)"; fi
      q "INSERT INTO schema_migrations VALUES (2, false)" ;;
    goose)
      if [ $pg = 1 ]; then q "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL,
           is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id))"
      else q "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL,
           is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))"; fi
      # goose's first row, then 1, 2, 3 up and 3 down again
      q "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false)" ;;
    dbmate)
      q "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)"
      q "INSERT INTO schema_migrations VALUES ('20240101000001'), ('20240101000002')" ;;
    pop)
      q "CREATE TABLE schema_migration (version VARCHAR (14) NOT NULL)"
      q "CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version)"
      q "INSERT INTO schema_migration VALUES ('20240101000001'), ('20240101000002')" ;;
  esac
}

# Import the history, make the tool's state at step 2, adopt, upgrade.
adopt_format() {
  local f=$1 third=$2
  new_db; new_project
  history "$f" "$T/src"
  ok st import "$f" "$T/src"
  bookkeeping "$f"
  snapshot=$(st dump)
  ok st adopt "$f"
  contains "$ERR" "adopted 2 revision(s)"
  equals "$(st dump)" "$snapshot"
  equals "$(q "SELECT count(*) FROM strata_history WHERE direction = 'adopt'")" 2
  ok st upgrade -q
  equals "$(versions)" "$third"
  equals "$(tables | grep '^t' | tr '\n' ' ')" "t1 t2 t3 "
}

test_pg_adopt_flyway() { adopt_format flyway 3; }
test_sqlite_adopt_flyway() { adopt_format flyway 3; }
test_pg_adopt_golang_migrate() { adopt_format golang-migrate 000003; }
test_sqlite_adopt_golang_migrate() { adopt_format golang-migrate 000003; }
test_pg_adopt_goose() { adopt_format goose 00003; }
test_sqlite_adopt_goose() { adopt_format goose 00003; }
test_pg_adopt_dbmate() { adopt_format dbmate 20240101000003; }
test_sqlite_adopt_dbmate() { adopt_format dbmate 20240101000003; }
test_pg_adopt_pop() { adopt_format pop 20240101000003; }
test_sqlite_adopt_pop() { adopt_format pop 20240101000003; }

# golang-migrate stopped part-way: refused with the reason, nothing written.
test_pg_adopt_golang_migrate_dirty() {
  new_db; new_project
  history golang-migrate "$T/src"
  ok st import golang-migrate "$T/src"
  q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"
  q "INSERT INTO schema_migrations VALUES (2, true)"
  expect_exit 2 st adopt golang-migrate
  contains "$ERR" "says version 2 is dirty"
  contains "$ERR" "migrate force VERSION"
  equals "$(tables)" "schema_migrations"
  # and dbmate's command refuses golang-migrate's table
  expect_exit 2 st adopt dbmate
  contains "$ERR" "it is golang-migrate's bookkeeping"
}

# goose applied 3 without 2 (out of order): strata cannot record that.
test_sqlite_adopt_goose_gap() {
  new_db; new_project
  history goose "$T/src"
  ok st import goose "$T/src"
  q "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL,
     is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))"
  q "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (3, 1)"
  expect_exit 2 st adopt goose
  contains "$ERR" "records 00003 as applied but not 00002, which it revises"
  equals "$(tables)" "goose_db_version"
}

# sqitch: the real sqitch deploys the first two changes; adopt reads its registry.
sqitch_plan() {
  mkdir -p sq/deploy sq/revert sq/verify
  printf '%%syntax-version=1.0.0\n%%project=adopt\n\n' >sq/sqitch.plan
  for i in 1 2 3; do
    echo "t$i$([ $i -gt 1 ] && echo " [t$((i - 1))]") 2024-01-0${i}T00:00:00Z Tester <t@example.com> # t$i" >>sq/sqitch.plan
    printf 'CREATE TABLE t%s (id integer PRIMARY KEY);\n' $i >sq/deploy/t$i.sql
    printf 'DROP TABLE t%s;\n' $i >sq/revert/t$i.sql
  done
}

sqitch_adopt() {
  command -v sqitch >/dev/null || fail "sqitch is missing (make deps installs it)"
  export SQITCH_FULLNAME=Tester SQITCH_EMAIL=t@example.com
  new_db; new_project; sqitch_plan
  # PostgreSQL: a registry schema of its own name, which --registry names
  if [ "$ENGINE" = postgres ]; then
    target="db:pg://strata_test:$STRATA_TEST_PG_PASSWORD@127.0.0.1:$STRATA_TEST_PG_PORT/$PGDB_NAME"
    reg=(--registry adoptreg)
  else target="db:sqlite:${DB#sqlite:}"; reg=(); fi
  (cd sq && sqitch deploy "${reg[@]}" --to t2 "$target") >"$T/sqitch.log" 2>&1 ||
    { cat "$T/sqitch.log"; fail "sqitch deploy failed"; }
  ok st import sqitch sq
  if [ "$ENGINE" = postgres ]; then
    expect_exit 2 st adopt sqitch
    contains "$ERR" "has no sqitch.changes table"
  fi
  ok st adopt sqitch "${reg[@]}"
  contains "$ERR" "adopted 2 revision(s)"
  equals "$(versions)" "t2"
  ok st upgrade -q
  equals "$(versions)" "t3"
  equals "$(tables | grep '^t' | tr '\n' ' ')" "t1 t2 t3 "
  if [ "$ENGINE" = sqlite ]; then
    # the registry is a file of its own beside the database: name another
    expect_exit 2 st adopt sqitch --force --registry "$T/none.db"
    contains "$ERR" "none.db"
  fi
}

test_pg_adopt_sqitch() { sqitch_adopt; }
test_sqlite_adopt_sqitch() { sqitch_adopt; }

ENGINE=sqlite TEST_FILTER='^test_sqlite_' run_tests
# shellcheck disable=SC2034
ENGINE=postgres TEST_FILTER='^test_pg_' run_tests
