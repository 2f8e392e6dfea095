#!/usr/bin/env bash
# Integration suite for release history: tags (strata tag, strata.tags and
# strata.sum, tags as targets of upgrade, downgrade, stamp and --sql),
# relative targets (REV+N, REV-N, head-N) on a linear and a branched graph,
# and strata changelog over a history with one schema change of every kind,
# on SQLite files and on the throwaway PostgreSQL (markdown and JSON).
#
# Each test picks its engine (test_sqlite_* and test_pg_*); the PostgreSQL
# ones need STRATA_TEST_PG_URL, as tests/run-all.sh sets it.
ENGINE=release
. "$(dirname "$0")/lib.sh"

sqlite_db() { ENGINE=sqlite; new_db; new_project; }
pg_db() { ENGINE=postgres; new_db; new_project; }

# ---- tags ----------------------------------------------------------------------

tags_as_targets() {
  chain 4
  ok st tag v1 "$(id 1)"
  ok st tag v2 "$(id 2)"
  ok st tag v3 "$(id 2)+1"
  ok st upgrade v2
  equals "$(versions)" "$(id 2)"
  equals "$(tables | tr '\n' ' ')" "t1 t2 "
  ok st upgrade v3+1
  equals "$(versions)" "$(id 4)"
  ok st downgrade v2
  equals "$(versions)" "$(id 2)"
  ok st downgrade v1
  equals "$(versions)" "$(id 1)"
  ok st stamp v3
  equals "$(versions)" "$(id 3)"
  ok st stamp v2
  # --sql between two tags: only what lies between them
  ok st upgrade --sql v1:v3
  contains "$OUT" "CREATE TABLE t2"
  contains "$OUT" "CREATE TABLE t3"
  lacks "$OUT" "CREATE TABLE t1 "
  lacks "$OUT" "CREATE TABLE t4"
  ok st downgrade --sql v3:v1
  contains "$OUT" "DROP TABLE t3"
  contains "$OUT" "DROP TABLE t2"
  lacks "$OUT" "DROP TABLE t1"
  ok st upgrade --sql v3-1:head
  contains "$OUT" "CREATE TABLE t3"
  lacks "$OUT" "CREATE TABLE t2"
  equals "$(versions)" "$(id 2)"
  # shown beside the revision
  ok st history
  contains "$OUT" "$(id 2) (tag v2) migration $(id 2)"
  contains "$OUT" "$(id 4) (head) migration"
  ok st history --json
  equals "$(jq -r --arg r "$(id 3)" '.[] | select(.revision == $r) | .tags | join(",")' <<<"$OUT")" v3
  ok st graph
  contains "$OUT" '\ntag v1'
  ok st graph --format mermaid
  contains "$OUT" "<br/>tag v3"
  ok st show v3
  contains "$OUT" "$(id 3) (tag v3)"
  ok st tag
  equals "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" "v1 v2 v3 "
  ok st tag --json
  equals "$(jq -r '.[1].revision' <<<"$OUT")" "$(id 2)"
  # a target past base changes nothing and says why
  expect_exit 2 st downgrade v1-1
  contains "$ERR" "'v1-1' goes past base: $(id 1) has no parent revision"
  equals "$(versions)" "$(id 2)"
}
test_sqlite_tags_as_targets() { sqlite_db; tags_as_targets; }
test_pg_tags_as_targets() { pg_db; tags_as_targets; }

test_sqlite_tag_names_are_checked() {
  sqlite_db; chain 2
  mig "$(id 3)" "$(id 2)" "SELECT 1;" "SELECT 1;" "-- branch: billing"
  ok st tag v1.0 "$(id 1)"
  expect_exit 2 st tag v1.0 "$(id 2)"
  contains "$ERR" "tag v1.0 already exists (on revision $(id 1))"
  contains "$ERR" "strata tag -d v1.0"
  expect_exit 2 st tag "bad name"
  contains "$ERR" "may hold only letters, digits"
  expect_exit 2 st tag cafe
  contains "$ERR" "only of hex digits"
  expect_exit 2 st tag "$(id 2)"
  contains "$ERR" "only of hex digits"
  expect_exit 2 st tag head
  contains "$ERR" "is a target word"
  expect_exit 2 st tag billing
  contains "$ERR" "is a branch label"
  expect_exit 2 st tag v1.0-1
  contains "$ERR" "would read as steps back from 'v1.0'"
  expect_exit 2 st tag v2 nosuchrev
  contains "$ERR" "unknown revision 'nosuchrev'"
  expect_exit 2 st tag -d v9
  contains "$ERR" "there is no tag named 'v9'"
  expect_exit 2 st tag -d v1.0 extra
  # nothing of that was written
  equals "$(grep -vc '^#' migrations/strata.tags)" 1
  ok st tag release-2 "$(id 2)"
  ok st tag a.first "$(id 1)"
  equals "$(grep -v '^#' migrations/strata.tags)" "a.first $(id 1)
release-2 $(id 2)
v1.0 $(id 1)"
  ok st tag -d v1.0
  lacks "$(cat migrations/strata.tags)" "v1.0"
  ok st tag v1.0 "$(id 2)"
  equals "$(grep '^v1.0 ' migrations/strata.tags)" "v1.0 $(id 2)"
}

test_sqlite_strata_sum_covers_the_tags_file() {
  sqlite_db; chain 3
  ok st hash
  ok st tag v1 "$(id 1)"
  grep -q '^strata.tags sha256-v1:' migrations/strata.sum || fail "strata.sum has no line for strata.tags"
  ok st verify --offline
  # an edit by hand is found before any database is touched
  sed -i "s/$(id 1)/$(id 3)/" migrations/strata.tags
  expect_exit 1 st verify --offline
  contains "$ERR" "changed: strata.tags"
  contains "$ERR" "strata hash"
  expect_exit 1 st upgrade
  [ ! -e "${DB#sqlite:}" ] || fail "upgrade touched the database"
  ok st hash
  ok st verify --offline
  # tagging records strata.tags only: an edited migration stays unrecorded
  echo "-- edited" >>"migrations/$(id 2)_m$(id 2).sql"
  ok st tag v2 "$(id 2)"
  expect_exit 1 st verify --offline
  contains "$ERR" "changed: $(id 2)_m$(id 2).sql"
  lacks "$ERR" "strata.tags"
  ok st hash
  # a tag naming a revision that is not there is an error at load, with the line
  printf 'v1 %s\nv9 %s\n' "$(id 1)" "$(id 9)" >migrations/strata.tags
  expect_exit 2 st history
  contains "$ERR" "strata.tags:2: tag v9 names revision $(id 9), which is not in the migrations directory"
  printf '<<<<<<< HEAD\nv1 %s\n=======\nv1 %s\n>>>>>>> other\n' "$(id 1)" "$(id 2)" >migrations/strata.tags
  expect_exit 2 st upgrade
  contains "$ERR" "merge conflict markers"
}

# ---- relative targets ----------------------------------------------------------------

test_sqlite_relative_targets_linear() {
  sqlite_db; chain 5
  ok st upgrade head-2
  equals "$(versions)" "$(id 3)"
  ok st upgrade "$(id 3)+1"
  equals "$(versions)" "$(id 4)"
  ok st downgrade head-4
  equals "$(versions)" "$(id 1)"
  ok st upgrade base+3
  equals "$(versions)" "$(id 3)"
  ok st upgrade --sql "$(id 1):head-3"
  contains "$OUT" "CREATE TABLE t2"
  lacks "$OUT" "CREATE TABLE t3"
  ok st history -r head-2:head-1
  equals "$(printf '%s\n' "$OUT" | awk '{print $1}' | tr '\n' ' ')" "$(id 4) $(id 3) "
  ok st show "$(id 5)-1"
  contains "$OUT" "$(id 4)"
  expect_exit 2 st upgrade head+1
  contains "$ERR" "'head+1' goes past a head: $(id 5) has no child revision"
  expect_exit 2 st downgrade head-5
  contains "$ERR" "goes past base"
  contains "$ERR" "hint:"
  equals "$(versions)" "$(id 3)"
}

test_sqlite_relative_targets_branched() {
  sqlite_db
  mig "$(id 1)" base "CREATE TABLE root (id integer);" "DROP TABLE root;"
  mig "$(id 2)" "$(id 1)" "CREATE TABLE left_t (id integer);" "DROP TABLE left_t;"
  mig "$(id 3)" "$(id 1)" "CREATE TABLE right_t (id integer);" "DROP TABLE right_t;"
  ok st upgrade "$(id 2)"
  # several heads: head-1 names no single revision
  expect_exit 2 st upgrade head-1
  contains "$ERR" "'head-1' is ambiguous: there are 2 heads ($(id 2), $(id 3)); name one"
  # a branch point has two children
  expect_exit 2 st upgrade "$(id 1)+1"
  contains "$ERR" "'$(id 1)+1' is ambiguous: $(id 1) has 2 children ($(id 2), $(id 3)); name one"
  equals "$(versions)" "$(id 2)"
  ok st upgrade "$(id 3)-0"
  mig "$(id 4)" "$(id 2) $(id 3)" "CREATE TABLE merged (id integer);" "DROP TABLE merged;"
  ok st upgrade head
  # a merge has two parents
  expect_exit 2 st downgrade head-1
  contains "$ERR" "'head-1' is ambiguous: $(id 4) has 2 parents ($(id 2), $(id 3)); name one"
  equals "$(versions)" "$(id 4)"
  ok st downgrade "$(id 2)"
  equals "$(versions)" "$(id 2) $(id 3)"
  expect_exit 2 st downgrade "$(id 4)-2"
  ok st downgrade "$(id 2)-1"
  equals "$(versions)" "$(id 1)"
}

# ---- changelog -----------------------------------------------------------------------

# rev ID PARENT UP: a revision whose down section does nothing.
rev() { mig "$1" "$2" "$3" "SELECT 1;"; }

# Six revisions: v1.0 creates tables, v1.1 only adds, v2.0 breaks, v2.0.1
# changes what no client sees, v2.0.2 changes data only, and one more
# revision adds a table after the last tag. The schemas are the same on
# both engines; SQLite gets there by rebuilding tables.
changelog_history() {
  rev c00000000001 base "CREATE TABLE users (id integer PRIMARY KEY, name text, email text, age integer, code text, score bigint, bio text);
CREATE INDEX ix_users_email ON users (email);
CREATE TABLE orders (id integer PRIMARY KEY, user_id integer, total integer);
CREATE TABLE legacy (a integer);
CREATE TABLE old_log (id integer, msg text);"
  if [ "$ENGINE" = postgres ]; then
    rev c00000000002 c00000000001 "CREATE TABLE products (id integer PRIMARY KEY, title text);
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'pending';
ALTER TABLE users ALTER COLUMN age TYPE bigint;
CREATE INDEX ix_orders_user ON orders (user_id);"
    rev c00000000003 c00000000002 "ALTER TABLE users DROP COLUMN bio;
DROP TABLE legacy;
ALTER TABLE old_log RENAME TO event_log;
ALTER TABLE users ALTER COLUMN code TYPE varchar(10);
ALTER TABLE users ALTER COLUMN score TYPE integer;
ALTER TABLE users ADD COLUMN region text NOT NULL;
DROP INDEX ix_users_email;
CREATE UNIQUE INDEX ix_users_email ON users (email);
ALTER TABLE products ADD CONSTRAINT products_title_key UNIQUE (title);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);"
    rev c00000000004 c00000000003 "COMMENT ON COLUMN users.name IS 'full name';
DROP INDEX ix_orders_user;"
  else
    rev c00000000002 c00000000001 "CREATE TABLE products (id integer PRIMARY KEY, title text);
CREATE TABLE users_new (id integer PRIMARY KEY, name text, email text, age bigint, code text, score bigint, bio text, nickname text, status text NOT NULL DEFAULT 'pending');
INSERT INTO users_new (id, name, email, age, code, score, bio) SELECT id, name, email, age, code, score, bio FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX ix_users_email ON users (email);
CREATE INDEX ix_orders_user ON orders (user_id);"
    rev c00000000003 c00000000002 "DROP TABLE legacy;
ALTER TABLE old_log RENAME TO event_log;
CREATE TABLE users_new (id integer PRIMARY KEY, name text, email text, age bigint, code varchar(10), score integer, nickname text, status text NOT NULL DEFAULT 'pending', region text NOT NULL);
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE TABLE products_new (id integer PRIMARY KEY, title text, CONSTRAINT products_title_key UNIQUE (title));
DROP TABLE products;
ALTER TABLE products_new RENAME TO products;
CREATE TABLE orders_new (id integer PRIMARY KEY, user_id integer, total integer, CONSTRAINT orders_total_check CHECK (total >= 0), CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id));
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX ix_orders_user ON orders (user_id);"
    rev c00000000004 c00000000003 "CREATE TRIGGER orders_touch AFTER INSERT ON orders BEGIN SELECT 1; END;
DROP INDEX ix_orders_user;"
  fi
  rev c00000000005 c00000000004 "INSERT INTO products (id, title) VALUES (1, 'first');"
  rev c00000000006 c00000000005 "CREATE TABLE labels (id integer PRIMARY KEY, name text);"
  ok st tag v1.0 c00000000001
  ok st tag v1.1 c00000000002
  ok st tag v2.0 c00000000003
  ok st tag v2.0.1 c00000000004
  ok st tag v2.0.2 c00000000005
}

# class_of JSON RELEASE WORDS-PREFIX: the class of the change whose words start so.
class_of() {
  jq -r --arg r "$2" --arg w "$3" \
    '.releases[] | select((.release // "unreleased") == $r) | .changes[] | select(.words | startswith($w)) | .class' <<<"$1"
}

changelog_every_kind() {
  local json lower
  changelog_history
  ok st changelog --format json
  json=$OUT
  # releases oldest first, each with its bump
  equals "$(jq -r '[.releases[] | "\(.release // "unreleased"):\(.bump)"] | join(" ")' <<<"$json")" \
    "v1.0:minor v1.1:minor v2.0:major v2.0.1:patch v2.0.2:none unreleased:minor"
  equals "$(jq -r '.releases[-1] | "\(.from) \(.to) \(.to_revision) \(.next_version)"' <<<"$json")" \
    "v2.0.2 heads c00000000006 v2.1.0"
  equals "$(jq -r '.releases[2] | "\(.from) \(.to) \(.to_revision)"' <<<"$json")" "v1.1 v2.0 c00000000003"
  equals "$(jq '.releases[4].changes | length' <<<"$json")" 0
  equals "$(jq -r '.releases[0].changes | map(.class) | unique | join(",")' <<<"$json")" compatible
  # v1.1: additions and a widening, all compatible
  equals "$(class_of "$json" v1.1 'table `products` added')" compatible
  equals "$(class_of "$json" v1.1 'table `users`: added column `nickname')" compatible
  equals "$(class_of "$json" v1.1 'table `users`: added column `status')" compatible
  equals "$(class_of "$json" v1.1 'column `users.age`: type widened from')" compatible
  equals "$(class_of "$json" v1.1 'index `ix_orders_user` on `orders` added')" compatible
  # v2.0: every kind of break
  equals "$(class_of "$json" v2.0 'table `legacy` dropped')" breaking
  equals "$(class_of "$json" v2.0 'table `old_log` renamed to `event_log`')" breaking
  equals "$(class_of "$json" v2.0 'column `users.bio` dropped')" breaking
  equals "$(class_of "$json" v2.0 'column `users.code`: type narrowed from')" breaking
  equals "$(class_of "$json" v2.0 'column `users.score`: type narrowed from')" breaking
  equals "$(class_of "$json" v2.0 'table `users`: added column `region')" breaking
  equals "$(class_of "$json" v2.0 'index `ix_users_email` on `users` became unique')" breaking
  equals "$(class_of "$json" v2.0 'table `products`: added unique constraint `products_title_key`')" breaking
  equals "$(class_of "$json" v2.0 'table `orders`: added check constraint `orders_total_check`')" breaking
  equals "$(class_of "$json" v2.0 'table `orders`: added foreign key `orders_user_id_fkey`')" breaking
  equals "$(jq '.releases[2].changes | length' <<<"$json")" 10
  # v2.0.1: only what no client sees
  equals "$(class_of "$json" v2.0.1 'index `ix_orders_user` on `orders` dropped')" internal
  equals "$(jq -r '.releases[3].changes | map(.class) | unique | join(",")' <<<"$json")" internal
  equals "$(jq -r '.releases[5].changes[0] | "\(.class) \(.kind) \(.op) \(.words)"' <<<"$json")" \
    'compatible table added table `labels` added (columns `id`, `name`)'
  # the types as each engine spells them
  lower=$(jq -r '.releases[2].changes[] | select(.object | endswith("users.code")) | .words' <<<"$json" |
    tr 'A-Z' 'a-z')
  case "$lower" in
  *'from `text` to `varchar(10)`'* | *'from `text` to `character varying(10)`'*) ;;
  *) fail "unexpected words for users.code: $lower" ;;
  esac
  # Markdown: newest first, grouped by class
  ok st changelog
  contains "$OUT" "## Unreleased (minor)

From v2.0.2 to heads (next version: v2.1.0).

### Compatible

- table \`labels\` added (columns \`id\`, \`name\`)"
  contains "$OUT" "## v2.0.2 (no schema change)

From v2.0.1 to v2.0.2.

No schema changes."
  contains "$OUT" "## v2.0 (major)

From v1.1 to v2.0.

### Breaking

- table \`legacy\` dropped
- table \`old_log\` renamed to \`event_log\`
- column \`users.bio\` dropped"
  contains "$OUT" "- table \`users\`: added column \`region"
  contains "$OUT" "(NOT NULL without a default: inserts that leave it out fail)"
  contains "$OUT" "## v1.1 (minor)"
  contains "$OUT" "- table \`users\`: added column \`status "
  contains "$OUT" " NOT NULL DEFAULT 'pending'\`"
  [ "$(printf '%s\n' "$OUT" | grep -n '^## ' | head -1)" = "1:## Unreleased (minor)" ] ||
    fail "the newest release does not come first"
  # nothing was applied to the configured database
  equals "$(tables | wc -l)" 0
}
test_sqlite_changelog_every_kind() { sqlite_db; changelog_every_kind; }
test_pg_changelog_every_kind() {
  pg_db; changelog_every_kind
  local json
  # comments are internal (SQLite has none)
  ok st changelog v2.0.1 --json
  json=$OUT
  equals "$(jq -r '.releases[0].changes[] | select(.words | startswith("column `users.name`: comment changed")) | .class' <<<"$json")" internal
  equals "$(jq -r '.releases[0].release' <<<"$json")" v2.0.1
  equals "$(st changelog v2.0 --json | jq -r '.releases[0].changes[] | select(.op == "dropped" and .kind == "column") | .object')" public.users.bio
  no_shadows_left
}

test_sqlite_changelog_ranges_and_the_database() {
  sqlite_db; changelog_history
  ok st changelog v1.0..v2.0 --format json
  equals "$(jq -r '.releases | length' <<<"$OUT")" 1
  equals "$(jq -r '.releases[0] | "\(.release) \(.from) \(.to) \(.bump)"' <<<"$OUT")" "v2.0 v1.0 v2.0 major"
  # the range sees v1.1's additions too
  equals "$(class_of "$OUT" v2.0 'table `products` added')" compatible
  ok st changelog v2.0.1..
  contains "$OUT" "## v2.0.1.. (minor)"
  contains "$OUT" "From v2.0.1 to heads."
  contains "$OUT" "table \`labels\` added"
  ok st changelog ..v1.0 --json
  equals "$(jq -r '.releases[0] | "\(.from) \(.to) \(.bump)"' <<<"$OUT")" "base v1.0 minor"
  ok st changelog v2.0 --json
  equals "$(jq -r '.releases[0] | "\(.from) \(.to) \(.bump)"' <<<"$OUT")" "v1.1 v2.0 major"
  ok st changelog head-1 --json
  equals "$(jq -r '.releases[0] | "\(.release) \(.from) \(.bump)"' <<<"$OUT")" "v2.0.2 v2.0.1 none"
  # the pending upgrade of the configured database: every table is new
  ok st changelog --since-db --json
  equals "$(jq -r '.releases[0] | "\(.from) \(.to) \(.bump) \(.changes | length)"' <<<"$OUT")" "current heads minor 5"
  [ ! -e "${DB#sqlite:}" ] || fail "changelog created the database"
  ok st upgrade v2.0
  ok st changelog --since-db
  contains "$OUT" "## Pending on the database (minor)"
  contains "$OUT" "- index \`ix_orders_user\` on \`orders\` dropped"
  contains "$OUT" "- table \`labels\` added"
  lacks "$OUT" "users.bio"
  equals "$(versions)" c00000000003
  ok st upgrade
  ok st changelog --since-db --json
  equals "$(jq -r '.releases[0] | "\(.bump) \(.changes | length)"' <<<"$OUT")" "none 0"
  # bad input: exit 2
  expect_exit 2 st changelog --since-db v1.0..v2.0
  expect_exit 2 st changelog v9..v2.0
  contains "$ERR" "unknown revision 'v9'"
  expect_exit 2 st changelog --format yaml
}

# Tags on two branches and on their merge: each release holds what its
# tagged ancestors had not done.
test_sqlite_changelog_branched() {
  sqlite_db
  rev d00000000001 base "CREATE TABLE a (id integer);"
  rev d00000000002 d00000000001 "CREATE TABLE b (id integer);"
  rev d00000000003 d00000000001 "CREATE TABLE c (id integer);"
  rev d00000000004 "d00000000002 d00000000003" "CREATE TABLE d (id integer);"
  rev d00000000005 d00000000004 "DROP TABLE a;"
  ok st tag v1 d00000000001
  ok st tag left.1 d00000000002
  ok st tag right.1 d00000000003
  ok st tag v2 d00000000004
  ok st changelog --json
  equals "$(jq -r '[.releases[] | "\(.release // "-")<\(.from):\(.bump):\([.changes[].object] | join("+"))"] | join(" ")' <<<"$OUT")" \
    "v1<base:minor:a left.1<v1:minor:b right.1<v1:minor:c v2<left.1, right.1:minor:d -<v2:major:a"
  equals "$(jq -r '.releases[-1].next_version' <<<"$OUT")" v3
  ok st changelog left.1..v2 --json
  equals "$(jq -r '[.releases[0].changes[].object] | join(" ")' <<<"$OUT")" "c d"
}

test_pg_changelog_since_db() {
  pg_db; changelog_history
  ok st upgrade v1.1
  ok st changelog --since-db --json
  equals "$(jq -r '.releases[0] | "\(.from) \(.bump)"' <<<"$OUT")" "current major"
  equals "$(class_of "$OUT" unreleased 'column `users.bio` dropped')" breaking
  equals "$(class_of "$OUT" unreleased 'table `labels` added')" compatible
  equals "$(versions)" c00000000002
  no_shadows_left
}

run_tests
ENGINE=postgres drop_suite_databases
