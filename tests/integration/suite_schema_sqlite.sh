#!/usr/bin/env bash
# Integration suite: strata diff and dump on SQLite files, driven through
# the real binary. Round trips (dump, load into an empty file, no
# difference), convergence (apply a diff, nothing left to diff), the table
# rebuild keeping every row, and the same on the chinook and kratos corpus
# (read in place from ../shared/corpus; skipped in one line when absent).
ENGINE=sqlite
. "$(dirname "$0")/lib.sh"


# load FILE SQL-FILE: a new SQLite file with that script run by sqlite3.
load() { rm -f "$1"; sqlite3 -batch -bail "$1" <"$2" >/dev/null; }
count() { sqlite3 -batch "$1" "$2"; }

test_dump_loads_and_matches() {
  cat >schema.sql <<'EOF'
CREATE TABLE "order" ("group" INTEGER PRIMARY KEY AUTOINCREMENT, [naïve] TEXT COLLATE NOCASE,
  "a""b" TEXT DEFAULT 'it''s', g INT AS (length("a""b")) STORED) ;
CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INT NOT NULL REFERENCES "order"("group")
  ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, qty INT CHECK (qty > 0), UNIQUE (order_id, qty));
CREATE TABLE kv (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;
CREATE INDEX line_qty ON line (qty) WHERE qty > 1;
CREATE INDEX order_lower ON "order" (lower([naïve]));
CREATE VIEW big AS SELECT * FROM line WHERE qty > 10;
CREATE VIEW bigger AS SELECT * FROM big WHERE qty > 100;
CREATE TRIGGER line_ins AFTER INSERT ON line BEGIN UPDATE "order" SET [naïve] = 'x' WHERE "group" = new.order_id; END;
EOF
  load a.db schema.sql
  ok st dump sqlite:a.db
  printf '%s\n' "$OUT" >dump.sql
  contains "$OUT" 'CREATE TABLE "order"'
  contains "$OUT" ') WITHOUT ROWID, STRICT;'
  load b.db dump.sql
  ok st diff --exit-code sqlite:a.db sqlite:b.db
  equals "$OUT" ""
  contains "$ERR" "no differences"
  ok st dump sqlite:b.db
  equals "$OUT" "$(cat dump.sql)"
  # the schema file itself reads the same as the database
  ok st diff --exit-code sqlite:a.db schema.sql
  # the bookkeeping tables are not part of the schema
  count a.db "CREATE TABLE strata_version (revision TEXT PRIMARY KEY);"
  ok st dump sqlite:a.db
  lacks "$OUT" strata_version
}

test_diff_applies_and_converges() {
  cat >a.sql <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);
CREATE TABLE gone (x);
CREATE INDEX t_a ON t (a);
CREATE VIEW tv AS SELECT id, a FROM t;
EOF
  cat >b.sql <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', c REAL DEFAULT 1.5);
CREATE TABLE fresh (y INT REFERENCES t (id));
CREATE INDEX t_a ON t (a COLLATE NOCASE);
CREATE VIEW tv AS SELECT id, a, c FROM t;
EOF
  load a.db a.sql
  # exit-code without differences is 0, with differences 1
  expect_exit 1 st diff --exit-code sqlite:a.db b.sql
  ok st diff sqlite:a.db b.sql
  printf '%s\n' "$OUT" >m.sql
  contains "$OUT" "-- destructive: table gone"
  contains "$OUT" "DROP TABLE gone;"
  sqlite3 -batch -bail a.db <m.sql >/dev/null
  ok st diff --exit-code sqlite:a.db b.sql
  ok st diff --exit-code b.sql sqlite:a.db
}

# A rename is a drop and an add, flagged destructive.
test_rename_is_destructive() {
  printf 'CREATE TABLE t (id INTEGER PRIMARY KEY, old_name TEXT);\n' >a.sql
  printf 'CREATE TABLE t (id INTEGER PRIMARY KEY, new_name TEXT);\n' >b.sql
  load a.db a.sql
  ok st diff sqlite:a.db b.sql
  contains "$OUT" "-- destructive: table t.old_name: drop column"
  contains "$OUT" "ALTER TABLE t DROP COLUMN old_name;"
  contains "$OUT" "ALTER TABLE t ADD COLUMN new_name TEXT;"
  ok st --json diff sqlite:a.db b.sql
  contains "$OUT" '"destructive": true'
}

# The 12-step rebuild keeps every row, the views and triggers on the
# table, and its indexes.
test_rebuild_keeps_every_row() {
  cat >a.sql <<'EOF'
CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, n INT);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id) ON DELETE CASCADE);
CREATE TABLE log (msg TEXT);
CREATE INDEX p_name ON p (name);
CREATE VIEW pn AS SELECT name FROM p;
CREATE TRIGGER p_ins AFTER INSERT ON p BEGIN INSERT INTO log VALUES (new.name); END;
EOF
  sed -e 's/name TEXT, n INT/name TEXT NOT NULL COLLATE NOCASE, n INT CHECK (n >= 0)/' a.sql >b.sql
  load a.db a.sql
  count a.db "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500)
    INSERT INTO p (name, n) SELECT 'row ' || i, i FROM s;
    INSERT INTO c (p_id) SELECT id FROM p WHERE id % 3 = 0;
    DELETE FROM p WHERE id = 500;"
  local before
  before=$(count a.db "SELECT count(*), sum(n), group_concat(name, ',') FROM p; SELECT count(*) FROM c; SELECT count(*) FROM log")
  ok st diff sqlite:a.db b.sql
  printf '%s\n' "$OUT" >m.sql
  contains "$OUT" "CREATE TABLE _strata_new_p"
  contains "$OUT" "CREATE VIEW pn"
  contains "$OUT" "CREATE TRIGGER p_ins"
  sqlite3 -batch -bail a.db <m.sql >/dev/null
  equals "$(count a.db "SELECT count(*), sum(n), group_concat(name, ',') FROM p; SELECT count(*) FROM c; SELECT count(*) FROM log")" "$before"
  equals "$(count a.db "SELECT count(*) FROM pn")" 499
  count a.db "INSERT INTO p (name, n) VALUES ('new', 1)"
  equals "$(count a.db "SELECT id FROM p WHERE name = 'new'")" 501
  equals "$(count a.db "SELECT msg FROM log ORDER BY rowid DESC LIMIT 1")" new
  ok st diff --exit-code sqlite:a.db b.sql
}

# The commands built on the SQLite diff, end to end: baseline adopts a
# database, autogenerate writes a revision that rebuilds a table, upgrade
# applies it keeping every row, drift sees nothing, downgrade goes back;
# erd draws the foreign keys.
# A rebuild that adds a NOT NULL column with no default cannot copy rows:
# the plan says so (destructive, with what to do); with a default it works.
test_rebuild_adding_not_null_without_default_is_flagged() {
  cat >a.sql <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);
EOF
  cat >b.sql <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INT NOT NULL);
EOF
  cat >c.sql <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INT NOT NULL DEFAULT 7);
EOF
  load a.db a.sql
  sqlite3 -batch a.db "INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2)"
  ok st diff sqlite:a.db b.sql
  contains "$OUT" "-- destructive: table t:"
  contains "$OUT" "column n is NOT NULL with no default: the copy fails if the table has rows"
  ok st --json diff sqlite:a.db b.sql
  contains "$OUT" '"destructive": true'
  ok st diff sqlite:a.db c.sql
  lacks "$OUT" "NOT NULL with no default"
  printf '%s\n' "$OUT" >m.sql
  sqlite3 -batch -bail a.db <m.sql >/dev/null || fail "the rebuild with a default did not apply"
  equals "$(sqlite3 -batch a.db "SELECT group_concat(a || n, ',') FROM t")" "x7,y7"
  ok st diff sqlite:a.db c.sql
  equals "$OUT" ""
}

test_baseline_autogenerate_drift_erd() {
  cat >app.sql <<'EOF2'
CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INT REFERENCES author (id), title TEXT);
CREATE INDEX book_author ON book (author_id);
CREATE VIEW titles AS SELECT a.name, b.title FROM book b JOIN author a ON a.id = b.author_id;
INSERT INTO author (name) VALUES ('A'), ('B'), (NULL);
INSERT INTO book (author_id, title) VALUES (1, 'x'), (2, 'y'), (2, 'z');
EOF2
  mkdir proj && cd proj
  load app.db ../app.sql
  ok st init . -d sqlite:app.db
  ok st baseline -m initial
  ok st drift
  ok st erd -f mermaid
  contains "$OUT" "book }o--||"
  ok st dump sqlite:app.db
  printf '%s\n' "$OUT" | sed -e 's/    name TEXT$/    name TEXT NOT NULL DEFAULT '"''"' COLLATE NOCASE,\n    born INT/' >schema.sql
  contains "$(cat schema.sql)" "born INT"
  ok st revision --autogenerate -m "author born"
  contains "$(cat migrations/*_author_born.sql)" "_strata_new_author"
  # the NULL name cannot become NOT NULL: the revision fails whole
  expect_exit 3 st upgrade
  equals "$(count app.db "SELECT count(*) FROM author")" 3
  count app.db "UPDATE author SET name = 'C' WHERE name IS NULL"
  ok st upgrade
  equals "$(count app.db "SELECT group_concat(id || name, ',') FROM author")" "1A,2B,3C"
  equals "$(count app.db "SELECT count(*) FROM titles")" 3
  ok st drift
  ok st diff --exit-code sqlite:app.db schema.sql
  ok st downgrade -1
  ok st drift
  equals "$(count app.db "SELECT count(*) FROM book")" 3
  count app.db "ALTER TABLE book ADD COLUMN isbn TEXT"
  expect_exit 1 st drift
  contains "$OUT" "book"
}

# A change that needs rebuilds, autogenerated on a database with rows:
# lint passes it (the rebuild's DROP TABLE is no SL203), upgrade keeps
# every row, and a row the new foreign key rejects fails the upgrade with
# the database as it was. A rebuild that leaves a column behind is the
# SL202 of that column.
test_autogenerate_rebuild_passes_lint_keeps_rows_and_checks_foreign_keys() {
  mkdir proj && cd proj
  DB=sqlite:app.db
  ok st init . -d "$DB"
  mig "$(id 1)" base "CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INT, title TEXT, isbn TEXT);" \
    "DROP TABLE book; DROP TABLE author;"
  ok st hash
  ok st upgrade
  count app.db "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
    INSERT INTO author (name) SELECT 'author ' || i FROM s;
    INSERT INTO book (author_id, title, isbn) SELECT id, 'book ' || id, 'isbn-' || id FROM author;
    INSERT INTO book (author_id, title) VALUES (999, 'orphan');"
  cat >schema.sql <<'EOF'
CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT '');
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INT REFERENCES author (id), title TEXT NOT NULL DEFAULT '', isbn TEXT);
EOF
  ok st revision --autogenerate -m "authors and books"
  local f=$OUT rows="SELECT count(*), sum(id), group_concat(title || isbn, ',') FROM book; SELECT count(*), group_concat(name, ',') FROM author"
  equals "$(printf '%s\n' "$f" | wc -l)" 1
  contains "$(cat "$f")" "-- transaction: on"
  contains "$(cat "$f")" "CREATE TABLE _strata_new_book"
  contains "$(cat "$f")" "PRAGMA foreign_key_check(book);"
  lacks "$(cat "$f")" "PRAGMA foreign_keys ="
  ok st lint
  contains "$ERR" "0 error(s)"
  lacks "$OUT" "SL203"
  # the orphan breaks the new foreign key: the revision is rolled back whole
  local before; before=$(count app.db "$rows; SELECT group_concat(sql, ';') FROM sqlite_master")
  expect_exit 3 st upgrade
  contains "$ERR" "PRAGMA foreign_key_check found 1 row(s) that break a foreign key"
  contains "$ERR" "book rowid 301: author_id references author"
  equals "$(count app.db "$rows; SELECT group_concat(sql, ';') FROM sqlite_master")" "$before"
  equals "$(versions)" "$(id 1)"
  count app.db "DELETE FROM book WHERE author_id = 999"
  before=$(count app.db "$rows")
  ok st upgrade
  equals "$(count app.db "$rows")" "$before"
  equals "$(count app.db "SELECT count(*) FROM book")" 300
  ok st diff --exit-code sqlite:app.db schema.sql
  ok st drift
  # a rebuild that leaves isbn behind: its data is what lint reports
  sed -i 's/, isbn TEXT);/, CHECK (length(title) < 100));/' schema.sql
  ok st revision --autogenerate -m "no isbn"
  expect_exit 1 st lint
  contains "$OUT" "error SL202 the rebuild of book copies its rows but not column(s) isbn"
  lacks "$OUT" "SL203"
}

# Every revision starts with foreign keys off, whatever the one before set:
# a rebuild of a parent in a transactional revision deletes no child row.
test_each_revision_starts_with_foreign_keys_off() {
  mkdir proj && cd proj
  ok st init . -d sqlite:app.db
  mig "$(id 1)" base "CREATE TABLE p (id INTEGER PRIMARY KEY, v INT);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id) ON DELETE CASCADE);
INSERT INTO p VALUES (1, 1), (2, 2);
INSERT INTO c VALUES (10, 1), (11, 2);
PRAGMA foreign_keys = ON;" "DROP TABLE c; DROP TABLE p;" "-- transaction: off"
  ok st hash
  ok st upgrade
  printf 'CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT %s);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id) ON DELETE CASCADE);\n' "''" >schema.sql
  ok st revision --autogenerate -m "p.v text"
  # both revisions in one run, on one connection
  ok st downgrade base
  ok st upgrade
  equals "$(count app.db "SELECT count(*) FROM c")" 2
  equals "$(count app.db "SELECT group_concat(v, ',') FROM p")" "1,2"
}

test_chinook_round_trip_and_rebuild() {
  corpus chinook/Chinook_Sqlite.sql chinook/Chinook_Sqlite_AutoIncrementPKs.sql \
    chinook/schema-only/Chinook_Sqlite.schema.sql chinook/schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql
  local f
  for f in Chinook_Sqlite.sql Chinook_Sqlite_AutoIncrementPKs.sql \
           schema-only/Chinook_Sqlite.schema.sql schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql; do
    load a.db "$CORPUS/chinook/$f"
    ok st dump sqlite:a.db
    printf '%s\n' "$OUT" >dump.sql
    load b.db dump.sql
    ok st diff --exit-code sqlite:a.db sqlite:b.db
    ok st diff --exit-code "$CORPUS/chinook/$f" sqlite:b.db
  done
  # integer keys to AUTOINCREMENT keys, on the database with its rows
  load a.db "$CORPUS/chinook/Chinook_Sqlite.sql"
  local counts="SELECT (SELECT count(*) FROM Track), (SELECT count(*) FROM InvoiceLine), (SELECT sum(Total) FROM Invoice)"
  local before
  before=$(count a.db "$counts")
  ok st diff sqlite:a.db "$CORPUS/chinook/schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql"
  printf '%s\n' "$OUT" >m.sql
  sqlite3 -batch -bail a.db <m.sql >/dev/null
  equals "$(count a.db "$counts")" "$before"
  equals "$(count a.db "SELECT count(*) FROM pragma_foreign_key_check")" 0
  ok st diff --exit-code sqlite:a.db "$CORPUS/chinook/schema-only/Chinook_Sqlite_AutoIncrementPKs.schema.sql"
}

# The kratos chain applied by sqlite3; a second file follows it through
# strata's diffs every 50 steps and must converge each time.
test_kratos_chain_converges() {
  corpus kratos/resolved-order.json kratos/sql
  local files n=0 f
  files=$(python3 -c 'import json,sys; print("\n".join(s["file"] for s in json.load(open(sys.argv[1]))["sqlite3"]["up"]))' \
    "$CORPUS/kratos/resolved-order.json")
  : >chain.sql
  sqlite3 follower.db "VACUUM"
  for f in $files; do
    cat "$CORPUS/kratos/sql/$f" >>chain.sql
    printf '\n;\n' >>chain.sql
    n=$((n + 1))
    if [ $((n % 50)) -eq 0 ] || [ "$n" -eq "$(printf '%s\n' "$files" | wc -l)" ]; then
      load chain.db chain.sql
      ok st diff sqlite:follower.db sqlite:chain.db
      printf '%s\n' "$OUT" >step.sql
      sqlite3 -batch -bail follower.db <step.sql >/dev/null || fail "step $n: the diff did not apply"
      ok st diff --exit-code sqlite:follower.db sqlite:chain.db
    fi
  done
  [ "$n" -gt 100 ] || fail "only $n kratos steps"
  ok st dump sqlite:chain.db
  printf '%s\n' "$OUT" >dump.sql
  load fresh.db dump.sql
  ok st diff --exit-code sqlite:chain.db sqlite:fresh.db
}

run_tests
