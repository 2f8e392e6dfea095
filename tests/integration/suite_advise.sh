#!/usr/bin/env bash
# Integration suite for strata advise: the real binary on SQLite files,
# schema files and migrations directories (SQLite and a PostgreSQL
# shadow), the live PostgreSQL rules on statistics made by real queries
# (pg_stat_reset first, then real scans, inserts and a failed concurrent
# build), --sample's bounded reads, [advise] settings, bad input, and the
# corpus schemas (no crash, the same findings twice). The rules one by one
# are the catalogue in tests/unit/advise/.
ENGINE=postgres
. "$(dirname "$0")/lib.sh"

SQLITE_SCHEMA=$(cat <<'SQL'
CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author, title TEXT,
  price REAL, phone1 TEXT, phone2 TEXT, format TEXT CHECK (format IN ('paper', 'ebook')));
CREATE TABLE audit_log (at TEXT, what TEXT);
SQL
)

sqlite_db() { # sqlite_db FILE: the schema above in a new SQLite file
  sqlite3 -batch -bail "$1" <<<"$SQLITE_SCHEMA"
}

test_sqlite_database_text_and_exit_codes() {
  sqlite_db app.db
  sum=$(sha256sum app.db)
  expect_exit 1 st advise sqlite:app.db
  contains "$OUT" "book.author_id: warning SA201 foreign key book_author_id_fkey of book has no index leading with its column (author_id) [foreign-key-without-index]"
  contains "$OUT" "    fix: CREATE INDEX book_author_id_idx ON book (author_id);"
  contains "$OUT" "book.price: warning SA306"
  contains "$OUT" "book: warning SA401 book has a repeating group of 2 columns: phone1, phone2"
  lacks "$OUT" "book.format: info SA308"
  contains "$OUT" "audit_log: warning SA101"
  lacks "$OUT" "info SA"
  lacks "$OUT" "SA102" # SQLite's INTEGER PRIMARY KEY is 64-bit
  contains "$ERR" "advised 3 tables:"
  # the database is only read
  equals "$(sha256sum app.db)" "$sum"
  # the fix works, and then the finding is gone
  sqlite3 app.db "CREATE INDEX book_author_id_idx ON book (author_id);"
  expect_exit 1 st advise sqlite:app.db
  lacks "$OUT" "SA201"
  expect_exit 0 st advise sqlite:app.db --severity error
  equals "$OUT" ""
  expect_exit 1 st advise sqlite:app.db --severity info -q
  contains "$OUT" "book.format: info SA308 book.format is TEXT limited to 2 values by CHECK"
  equals "$ERR" ""
}

test_sqlite_formats() {
  sqlite_db app.db
  expect_exit 1 st advise sqlite:app.db --format json
  python3 -c 'import json,sys; d=json.load(sys.stdin); f=[x for x in d["findings"] if x["rule"]=="SA201"][0]; assert f["object"]=="book.author_id" and f["fix"].startswith("CREATE INDEX"), f; assert d["summary"]["tables"]==3 and d["summary"]["live"] is False, d["summary"]' <<<"$OUT"
  expect_exit 1 st --json advise sqlite:app.db
  python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$OUT"
  expect_exit 1 st advise sqlite:app.db --format sarif
  python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["runs"][0]; assert d["version"]=="2.1.0"; ids=[x["id"] for x in r["tool"]["driver"]["rules"]]; assert "SA201" in ids and "SA404" in ids; res=[x for x in r["results"] if x["ruleId"]=="SA201"][0]; assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]=="book.author_id"; assert ids[res["ruleIndex"]]=="SA201"' <<<"$OUT"
  expect_exit 1 st advise sqlite:app.db --format github
  contains "$OUT" "::warning title=SA201 foreign-key-without-index::book.author_id: foreign key"
}

test_sqlite_schema_file_and_migrations_directory() {
  printf '%s\n' "$SQLITE_SCHEMA" >schema.sql
  expect_exit 1 st advise schema.sql --engine sqlite
  contains "$OUT" "book.author_id: warning SA201"
  # SARIF and GitHub name the file the schema came from
  expect_exit 1 st advise schema.sql --engine sqlite --format github
  contains "$OUT" "::warning file=schema.sql,title=SA201"
  new_project
  printf '[strata]\nmigrations = migrations\ndatabase = sqlite:app.db\n' >strata.ini
  mig "$(id 1)" base "CREATE TABLE author (id INTEGER PRIMARY KEY);" "DROP TABLE author;"
  mig "$(id 2)" "$(id 1)" "CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author);" "DROP TABLE book;"
  expect_exit 1 st advise migrations
  contains "$OUT" "book.author_id: warning SA201"
  # nothing was applied to the project's database
  [ ! -s app.db ] || equals "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name = 'book'")" 0
}

test_advise_settings() {
  sqlite_db app.db
  printf '[strata]\ndatabase = sqlite:app.db\n\n[advise]\nignore = SA101 audit_*, repeating-group\nfloat-for-money = error\n' >strata.ini
  expect_exit 1 st advise
  lacks "$OUT" "SA101"
  lacks "$OUT" "SA401"
  contains "$OUT" "book.price: error SA306"
  contains "$ERR" "(2 ignored)"
  printf '[strata]\ndatabase = sqlite:app.db\n\n[advise]\nmax_columns = 2\n' >strata.ini
  expect_exit 1 st advise
  contains "$OUT" "book: warning SA404 book has 7 columns (max_columns 2)"
}

test_bad_input() {
  sqlite_db app.db
  sum=$(sha256sum app.db)
  expect_exit 2 st advise sqlite:app.db --format xml
  contains "$ERR" "unknown format 'xml'"
  expect_exit 2 st advise sqlite:app.db --severity loud
  contains "$ERR" "unknown severity 'loud' (info, warning or error)"
  expect_exit 2 st advise no-such-file.sql --engine sqlite
  contains "$ERR" "no-such-file.sql"
  printf '[strata]\ndatabase = sqlite:app.db\n\n[advise]\nmax_columns = 50\nSA999 = off\n' >strata.ini
  expect_exit 2 st advise
  contains "$ERR" "strata.ini:6: [advise] SA999 = 'off': unknown rule or setting"
  contains "$ERR" "hint: "
  printf 'CREATE TABLE broken (id INTEGER PRIMARY KEY,\n' >bad.sql
  rm strata.ini
  expect_exit 2 st advise bad.sql --engine sqlite
  contains "$ERR" "bad.sql"
  equals "$(sha256sum app.db)" "$sum"
  # a PostgreSQL failure: exit 3, and the password is never shown
  expect_exit 3 st advise "${STRATA_TEST_PG_URL%/*}/no_such_database_here"
  lacks "$ERR$OUT" "$STRATA_TEST_PG_PASSWORD"
  contains "$ERR" "no_such_database_here"
}

test_pg_schema_file_in_a_shadow() {
  new_db
  cat >schema.sql <<'SQL'
CREATE TABLE customer (id serial PRIMARY KEY, email varchar(255), created timestamp, data json);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id integer REFERENCES customer, total double precision, status text
  CHECK (status IN ('new', 'paid', 'shipped')), deleted_at timestamptz);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_status_2 ON orders (status);
SQL
  expect_exit 1 st -d "$DB" advise schema.sql --severity info
  contains "$OUT" "public.orders.customer_id: warning SA201"
  contains "$OUT" "fix: CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);"
  contains "$OUT" "public.customer.id: warning SA102"
  contains "$OUT" "ALTER SEQUENCE public.customer_id_seq AS bigint;"
  contains "$OUT" "public.customer.created: warning SA301"
  contains "$OUT" "public.customer.email: info SA302"
  contains "$OUT" "public.customer.data: warning SA304"
  contains "$OUT" "public.orders.total: warning SA306"
  contains "$OUT" "public.orders.status: info SA308"
  contains "$OUT" "public.orders.orders_status_2: warning SA202 index orders_status_2 duplicates orders_status"
  contains "$OUT" "public.orders.deleted_at: info SA207"
  # a shadow has no statistics worth reading: no live rule speaks
  lacks "$OUT" "SA204"
  no_shadows_left
  # the suggested fixes are valid SQL on the server
  psql -X -q -v ON_ERROR_STOP=1 "$DB" -f schema.sql >/dev/null
  grep '    fix: ' <<<"$OUT" | sed 's/^    fix: //' | grep -v CONCURRENTLY >fixes.sql
  psql -X -q -v ON_ERROR_STOP=1 "$DB" -f fixes.sql >/dev/null 2>fix.err || { cat fix.err >&2; fail "a fix does not run"; }
}

test_pg_migrations_directory_in_a_shadow() {
  new_db
  new_project
  printf '[strata]\nmigrations = migrations\ndatabase = %s\n' "$DB" >strata.ini
  mig "$(id 1)" base "CREATE TABLE author (id bigint PRIMARY KEY);" "DROP TABLE author;"
  mig "$(id 2)" "$(id 1)" "CREATE TABLE book (id bigint PRIMARY KEY, author_id bigint REFERENCES author, at timestamp);" "DROP TABLE book;"
  expect_exit 1 st advise migrations
  contains "$OUT" "public.book.author_id: warning SA201"
  contains "$OUT" "public.book.at: warning SA301"
  # replayed in a shadow: the project's database has nothing applied, no shadow is left
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('book', 'author')")" 0
  no_shadows_left
}

# Statistics from real work: pg_stat_reset, then queries; poll until the
# server has counted them (before 15 the collector is asynchronous).
wait_stat() { # wait_stat SQL WANT: until the query's value is >= WANT
  local i v
  for i in $(seq 1 100); do
    v=$(q "$1")
    [ "${v:-0}" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "statistics never reached $2 for: $1 (last: $v)"
}

test_pg_live_statistics() {
  new_db
  q "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text, payload text);
     INSERT INTO events (kind, payload) SELECT 'k' || (g % 10), 'p' FROM generate_series(1, 20000) g;
     CREATE TABLE items (id serial PRIMARY KEY, a integer, b integer, code text, tags text);
     CREATE INDEX items_a ON items (a);
     CREATE INDEX items_b ON items (b);
     CREATE UNIQUE INDEX items_code ON items (code);
     INSERT INTO items (a, b, code, tags) SELECT g, g, 'c' || g, 'red,green,blue' FROM generate_series(1, 50) g;
     ALTER SEQUENCE items_id_seq RESTART 2000000000;
     CREATE TABLE dup (id integer PRIMARY KEY, v integer);
     INSERT INTO dup SELECT g, 1 FROM generate_series(1, 10) g;
     ANALYZE" >/dev/null
  # a failed concurrent build leaves an INVALID index
  psql -X -q "$DB" -c "CREATE UNIQUE INDEX CONCURRENTLY dup_v ON dup (v)" >/dev/null 2>&1 && fail "the build should fail"
  q "SELECT pg_stat_reset()" >/dev/null
  # real work after the reset: inserts through the sequence, index scans on
  # items_a only, sequential scans of the large table
  q "INSERT INTO items (a, b, code) SELECT g, g, 'n' || g FROM generate_series(1, 100) g" >/dev/null
  for i in $(seq 1 30); do echo "SELECT count(*) FROM events WHERE kind = 'k$((i % 10))';"; done |
    psql -X -q "$DB" >/dev/null
  printf 'SET enable_seqscan = off; SET enable_bitmapscan = off;\n%s\n' \
    "$(for i in $(seq 1 5); do echo "SELECT * FROM items WHERE a = $i;"; done)" | psql -X -q "$DB" >/dev/null
  wait_stat "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'events'" 30
  wait_stat "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'items_a'" 5
  wait_stat "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'items'" 100
  printf '[strata]\n\n[advise]\nseq_scan_min_scans = 20\nseq_scan_min_rows = 10000\n' >strata.ini
  expect_exit 1 st advise "$DB" --severity info
  # unused: items_b, never items_a (scanned) nor the unique items_code
  contains "$OUT" "public.items.items_b: info SA204 index items_b has not been scanned in the "
  contains "$OUT" "since the statistics were reset (too short a time to be sure)"
  lacks "$OUT" "items.items_a: info SA204"
  lacks "$OUT" "items_code: info SA204"
  lacks "$OUT" "items_code: warning SA204"
  # INVALID
  contains "$OUT" "public.dup.dup_v: error SA205 index dup_v is INVALID"
  contains "$OUT" "fix: REINDEX INDEX CONCURRENTLY public.dup_v;"
  # sequential scans of a large table with only its key
  contains "$OUT" "public.events: warning SA206 public.events was read by "
  contains "$OUT" "sequential scans"
  lacks "$OUT" "public.items: warning SA206"
  # the serial key near its end: how far, and how fast since the reset
  contains "$OUT" "public.items.id: error SA102 public.items.id is integer fed by a sequence: it stops at 2147483647; its sequence is at 2000000099, 93.13% of the range; 100 rows inserted in the"
  contains "$OUT" "full in about"
  contains "$OUT" "public.items_id_seq: error SA103 sequence public.items_id_seq is at 2000000099 of 2147483647 (93.13% used)"
  # no statistics asked for: no live finding
  expect_exit 1 st advise "$DB" --severity info --no-stats
  lacks "$OUT" "SA204"
  lacks "$OUT" "SA206"
  lacks "$OUT" "SA103"
  # lists in text columns only with --sample, and a bounded read
  lacks "$OUT" "SA402"
  before=$(q "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'events'")
  printf '[strata]\n\n[advise]\nsample_rows = 100\n' >strata.ini
  expect_exit 1 st advise "$DB" --severity info --sample
  contains "$OUT" "public.items.tags: warning SA402 50 of 50 sampled values of public.items.tags are lists separated by ','"
  lacks "$OUT" "items.code: warning SA402"
  contains "$ERR" "tables sampled"
  sleep 1
  after=$(q "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'events'")
  [ $((after - before)) -le 1000 ] || fail "sampling read $((after - before)) rows of events (20000)"
}

test_corpus_schemas() {
  corpus pagila/pagila-schema-pg12.sql chinook/Chinook_Sqlite.sql chinook/schema-only/Chinook_PostgreSql.schema.sql
  new_db
  psql -X -q "$DB" -f "$CORPUS/pagila/pagila-schema-pg12.sql" >/dev/null 2>&1 || true
  expect_exit 1 st advise "$DB" --severity info --no-stats
  printf '%s\n' "$OUT" >pagila.1
  contains "$OUT" "public.rental.customer_id: warning SA201"
  expect_exit 1 st advise "$DB" --severity info --no-stats
  [ "$OUT" = "$(cat pagila.1)" ] || fail "pagila: different findings on a second run"
  note "pagila: $(grep -c '^[^ ]' pagila.1) findings"
  sqlite3 -batch chinook.db <"$CORPUS/chinook/Chinook_Sqlite.sql" >/dev/null 2>&1 || true
  expect_exit 1 st advise sqlite:chinook.db --severity info
  contains "$OUT" "PlaylistTrack.IFK_PlaylistTrackPlaylistId: warning SA203 index IFK_PlaylistTrackPlaylistId is redundant: PK_PlaylistTrack leads with the same column"
  lacks "$OUT" "SA311" # chinook is PascalCase throughout
  lacks "$OUT" "Customer.Address: info SA403" # a customer and an employee are alike, not copies
  new_db
  psql -X -q "$DB" -f "$CORPUS/chinook/schema-only/Chinook_PostgreSql.schema.sql" >/dev/null 2>&1 || true
  expect_exit 1 st advise "$DB" --severity info --no-stats
  contains "$OUT" "public.employee.birth_date: warning SA301"
  contains "$OUT" "public.invoice_line.unit_price: info SA403 public.invoice_line.unit_price copies track.unit_price"
}

run_tests
