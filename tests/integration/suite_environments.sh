#!/usr/bin/env bash
# Environments, promotion and reviewed plans: a project whose strata.ini
# names a SQLite "local" and three environments on the throwaway PostgreSQL
# (three databases: ci, staging, production), promoted in that order.
# Promotion refusals (not applied upstream, another version of the file,
# reverted upstream, upstream unreachable) and the override with its
# recorded reason; strata status with one environment unreachable (a closed
# loopback port); -e / STRATA_ENV / -d precedence; plans applied unchanged
# and refused after an edit of the body, after someone else applied a
# revision, against another database, after a file or the schema changed,
# on both engines.
ENGINE=environments
. "$(dirname "$0")/lib.sh"

# qurl URL SQL: one query on a sqlite: or postgres URL, rows as "a|b" lines.
qurl() {
  case "$1" in
    sqlite:*) sqlite3 -batch -noheader "$T/proj/${1#sqlite:}" "$2" ;;
    *) psql -X -A -t -q -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
  esac
}
# vers URL: the version rows of URL, space-separated ("" when none or no table).
vers() { qurl "$1" "SELECT revision FROM strata_version ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }

# A PostgreSQL database of its own; its URL in $DB.
pg_new() { ENGINE=postgres; new_db; unset STRATA_DATABASE_URL; }

# A port on 127.0.0.1 where nothing listens.
closed_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The project: local (SQLite) -> ci -> staging -> production (PostgreSQL,
# protected), and two revisions R1, R2 that work on both engines.
env_project() {
  pg_new; CI=$DB
  pg_new; STAGING=$DB
  pg_new; PROD=$DB
  new_project
  cat >strata.ini <<EOF
[strata]
migrations = migrations

[env.local]
database = sqlite:local.db

[env.ci]
database = $CI
promote_from = local

[env.staging]
database = $STAGING
promote_from = ci
lock_timeout = 3s

[env.production]
database = $PROD
promote_from = staging
protected = yes
EOF
  R1=$(id 1) R2=$(id 2)
  mig "$R1" base "CREATE TABLE t1 (id integer primary key, v text);" "DROP TABLE t1;"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key);" "DROP TABLE t2;"
}

# ---- environments and promotion -----------------------------------------------

test_promotion_refuses_what_upstream_has_not_applied() {
  env_project
  expect_exit 1 st -e ci upgrade
  contains "$ERR" "2 revision(s) not promoted"
  contains "$ERR" "$R1"
  contains "$ERR" "$R2"
  contains "$ERR" "not applied on local"
  contains "$ERR" "--skip-promotion-check"
  equals "$(vers "$CI")" ""
  equals "$(qurl "$CI" "SELECT count(*) FROM pg_tables WHERE tablename = 't1'")" 0
  # local has only R1: ci may take R1 and not R2
  ok st -e local upgrade "$R1"
  expect_exit 1 st -e ci upgrade
  contains "$ERR" "1 revision(s) not promoted"
  contains "$ERR" "$R2"
  lacks "$ERR" "$R1 ("
  ok st -e ci upgrade "$R1"
  equals "$(vers "$CI")" "$R1"
  ok st -e local upgrade
  ok st -e ci upgrade
  equals "$(vers "$CI")" "$R2"
  # staging follows ci; STRATA_ENV selects as -e does
  STRATA_ENV=staging ok st upgrade
  equals "$(vers "$STAGING")" "$R2"
  # production is protected: only through a plan
  expect_exit 2 st -e production upgrade
  contains "$ERR" "protected"
  contains "$ERR" "plan -o FILE"
  equals "$(vers "$PROD")" ""
}

test_promotion_compares_the_file_not_the_id() {
  env_project
  ok st -e local upgrade
  # R2's SQL changes after local ran it: ci would get another file than local tested
  cp "migrations/${R2}_m${R2}.sql" r2.keep
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key, extra text);" "DROP TABLE t2;"
  expect_exit 1 st -e ci upgrade
  contains "$ERR" "$R2"
  contains "$ERR" "applied on local from another version of the file"
  lacks "$ERR" "$R1 ("
  equals "$(vers "$CI")" ""
  # reverted upstream since: refused too, and nothing of the run is applied
  cp r2.keep "migrations/${R2}_m${R2}.sql"
  ok st -e local downgrade "$R1"
  expect_exit 1 st -e ci upgrade
  contains "$ERR" "$R2"
  contains "$ERR" "reverted on local since it was applied"
  equals "$(vers "$CI")" ""
}

test_skip_promotion_check_is_recorded() {
  env_project
  expect_exit 2 st -e ci upgrade --skip-promotion-check ""
  contains "$ERR" "needs a reason"
  ok st -e ci upgrade --skip-promotion-check "hotfix 42, tested by hand"
  equals "$(vers "$CI")" "$R2"
  equals "$(qurl "$CI" "SELECT DISTINCT note FROM strata_history WHERE outcome = 'applied'")" \
    "promotion check skipped: hotfix 42, tested by hand"
  ok st -e ci log --json
  contains "$OUT" "promotion check skipped: hotfix 42, tested by hand"
  # --sql on a promoted environment is checked too
  ok st -e staging upgrade --sql
  contains "$OUT" "CREATE TABLE t1"
  lacks "$OUT" "promotion check skipped"
  # (staging follows ci, which has them.) production's upstream has nothing
  expect_exit 1 st -e production upgrade --sql
  contains "$ERR" "not applied on staging"
  ok st -e production upgrade --sql --skip-promotion-check "review only"
  contains "$OUT" "applied from a --sql script; promotion check skipped: review only"
}

test_promotion_upstream_unreachable() {
  env_project
  local port; port=$(closed_port)
  sed -i "s|^database = $CI\$|database = postgres://strata_test:${STRATA_TEST_PG_PASSWORD:-x}@127.0.0.1:$port/ci|" strata.ini
  ok st -e staging upgrade --sql --skip-promotion-check "ci is down" >/dev/null
  expect_exit 3 st -e staging upgrade
  contains "$ERR" "reading the history of environment 'ci'"
  contains "$ERR" "--skip-promotion-check"
  lacks "$ERR" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  equals "$(vers "$STAGING")" ""
  ok st -e staging upgrade --skip-promotion-check "ci is down"
  equals "$(vers "$STAGING")" "$R2"
}

test_env_selection_and_precedence() {
  env_project
  expect_exit 2 st -e nope current
  contains "$ERR" "no environment 'nope'"
  contains "$ERR" "local, ci, staging, production"
  # the environment's database beats DATABASE_URL and STRATA_DATABASE_URL; -d beats it
  ok st -e local upgrade
  DATABASE_URL=$PROD STRATA_DATABASE_URL=$PROD ok st -e local current
  contains "$OUT" "$R2"
  ok st -e ci -v current
  contains "$ERR" "[env] in strata.ini"
  lacks "$ERR" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  # bad sections are errors naming the file and what is wrong
  printf '[env.x]\ndatabase = sqlite:x.db\npromote_from = y\n' >>strata.ini
  expect_exit 2 st -e local current
  contains "$ERR" "promote_from = y, but there is no [env.y]"
  sed -i 's/^promote_from = y$/colour = red/' strata.ini
  expect_exit 2 st -e local current
  contains "$ERR" "unknown key 'colour' in [env.x]"
  sed -i 's/^colour = red$/protected = maybe/' strata.ini
  expect_exit 2 st -e local current
  contains "$ERR" "protected must be yes or no"
  sed -i 's/^protected = maybe$/promote_from = x/' strata.ini
  expect_exit 2 st -e local current
  contains "$ERR" "loop"
}

test_status_every_environment_one_unreachable() {
  env_project
  ok st -e local upgrade
  ok st -e ci upgrade "$R1"
  local port; port=$(closed_port)
  sed -i "s|^database = $STAGING\$|database = postgres://strata_test:${STRATA_TEST_PG_PASSWORD:-x}@127.0.0.1:$port/staging|" strata.ini
  # someone changes production by hand: drift
  qurl "$PROD" "CREATE TABLE by_hand (id integer)"
  expect_exit 3 st status --json
  local j=$OUT
  lacks "$j$ERR" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  equals "$(jq -r '[.environments[].name] | join(" ")' <<<"$j")" "local ci staging production"
  equals "$(jq -r '.environments[0] | "\(.reachable) \(.heads | join(",")) \(.pending) \(.drift)"' <<<"$j")" \
    "true $R2 0 false"
  equals "$(jq -r '.environments[1] | "\(.reachable) \(.heads | join(",")) \(.pending) \(.drift) \(.promote_from)"' <<<"$j")" \
    "true $R1 1 false local"
  equals "$(jq -r '.environments[1].last_applied | "\(.revision) \(.by)"' <<<"$j")" "$R1 strata_test"
  [[ "$(jq -r '.environments[1].last_applied.at' <<<"$j")" =~ ^20[0-9][0-9]-[0-9]{2}-[0-9]{2}T ]] ||
    fail "no time of the last applied step"
  equals "$(jq -r '.environments[2] | "\(.reachable) \(.error | test("cannot connect"))"' <<<"$j")" "false true"
  equals "$(jq -r '.environments[3] | "\(.reachable) \(.heads | length) \(.pending) \(.drift) \(.protected) \(.last_applied)"' <<<"$j")" \
    "true 0 2 true true null"
  contains "$ERR" "1 environment(s) could not be read"
  # the text form, and -e for one environment
  expect_exit 3 st status --no-drift
  contains "$OUT" "unreachable"
  contains "$OUT" "never applied"
  ok st -e ci status
  contains "$OUT" "ci"
  lacks "$OUT" "staging "
  no_shadows_left
}

# status reads the environments side by side: three that never answer (a
# socket that accepts connections and says nothing, so each waits out the
# whole connect timeout) cost one timeout, not three, and the reachable
# ones are still reported, in the file's order.
test_status_reads_environments_side_by_side() {
  env_project
  ok st -e local upgrade
  ok st -e ci upgrade "$R1"
  python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); time.sleep(120)' >silent.port &
  local silent=$! port=
  for _ in $(seq 1 50); do port=$(cat silent.port); [ -n "$port" ] && break; sleep 0.1; done
  [ -n "$port" ] || fail "the silent server did not start"
  local url="postgres://strata_test:${STRATA_TEST_PG_PASSWORD:-x}@127.0.0.1:$port"
  sed -i "s|^database = $STAGING\$|database = $url/staging|; s|^database = $PROD\$|database = $url/production|" strata.ini
  printf '\n[env.dr]\ndatabase = %s/dr\n' "$url" >>strata.ini
  local t0=${EPOCHREALTIME/./} ms
  expect_exit 3 st status --no-drift --connect-timeout 2s --json
  ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null || true
  note "status with 3 silent environments (2s timeout each): ${ms} ms"
  [ "$ms" -ge 1900 ] || fail "status did not wait for the silent environments (${ms} ms)"
  [ "$ms" -lt 5000 ] || fail "status took ${ms} ms: the timeouts were waited one after the other"
  equals "$(jq -r '[.environments[] | "\(.name)=\(.reachable)"] | join(" ")' <<<"$OUT")" \
    "local=true ci=true staging=false production=false dr=false"
  equals "$(jq -r '.environments[1].heads | join(",")' <<<"$OUT")" "$R1"
  equals "$(jq -r '[.environments[] | select(.reachable | not) | .error | test("timeout")] | all' <<<"$OUT")" true
  lacks "$OUT$ERR" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  contains "$ERR" "3 environment(s) could not be read"
}

# ---- reviewed plans, on both engines --------------------------------------------

# plan_project sqlite|postgres: one protected environment "prod" on the
# engine, its URL in $P, and R1, R2.
plan_project() {
  if [ "$1" = postgres ]; then pg_new; P=$DB; else P=sqlite:prod.db; fi
  new_project
  printf '[strata]\nmigrations = migrations\n\n[env.prod]\ndatabase = %s\nprotected = yes\nlock_timeout = 2s\n' \
    "$P" >strata.ini
  R1=$(id 1) R2=$(id 2) R3=$(id 3)
  mig "$R1" base "CREATE TABLE t1 (id integer primary key, v text);" "DROP TABLE t1;"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key);
CREATE INDEX t2_id ON t2 (id);" "DROP TABLE t2;"
}

plan_applied_unchanged() {
  plan_project "$1"
  expect_exit 2 st -e prod upgrade
  contains "$ERR" "protected"
  ok st -e prod plan -o review.sql
  contains "$ERR" "wrote review.sql: 2 step(s) for prod"
  grep -q "^-- steps: $R1 $R2\$" review.sql || fail "steps line: $(grep steps review.sql)"
  grep -q '^-- applied: none$' review.sql || fail "applied line"
  grep -q '^-- lock-timeout: 2000ms$' review.sql || fail "lock-timeout line"
  grep -q '^-- lint: ' review.sql || fail "no lint summary"
  grep -q '^-- promotion: none$' review.sql || fail "promotion line"
  grep -q '^CREATE TABLE t2' review.sql || fail "the body lacks the SQL"
  grep -q '^-- body-sha256: [0-9a-f]\{64\}$' review.sql || fail "no body hash"
  # the header's hash is the body's
  local want; want=$(sed -n 's/^-- body-sha256: //p' review.sql)
  equals "$(sed '1,/^-- end of plan header$/d' review.sql | sha256sum | cut -c1-64)" "$want"
  # planning wrote nothing
  equals "$(vers "$P")" ""
  ok st -e prod apply review.sql
  equals "$(vers "$P")" "$R2"
  equals "$(qurl "$P" "SELECT count(*) FROM strata_history WHERE outcome = 'applied' AND note LIKE 'applied from plan review.sql (body sha256 ${want:0:16}%'")" 2
  # a plan already applied is refused: the database moved
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "moved since review.sql was planned"
  contains "$ERR" "'strata -e prod plan -o FILE'"
  # the next revision planned on top
  mig "$R3" "$R2" "CREATE TABLE t3 (id integer);" "DROP TABLE t3;"
  ok st -e prod plan -o next.sql
  grep -q "^-- applied: $R2\$" next.sql || fail "applied line of the second plan"
  ok st -e prod apply next.sql
  equals "$(vers "$P")" "$R3"
}

plan_refused_after_body_edit() {
  plan_project "$1"
  ok st -e prod plan -o review.sql
  sed -i 's/^CREATE TABLE t2 (id integer primary key)/CREATE TABLE t2 (id integer primary key, sneaky text)/' review.sql
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "the body of review.sql was edited"
  contains "$ERR" "nothing was run"
  equals "$(vers "$P")" ""
  # editing the hash too does not help: the files make another body
  local h; h=$(sed '1,/^-- end of plan header$/d' review.sql | sha256sum | cut -c1-64)
  sed -i "s/^-- body-sha256: .*/-- body-sha256: $h/" review.sql
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "no longer make the script"
  equals "$(vers "$P")" ""
  # a header that is not a plan's is bad input
  sed -i 's/^-- target: /-- aim: /' review.sql
  expect_exit 2 st -e prod apply review.sql
  contains "$ERR" "review.sql:8: unknown plan header key 'aim'"
  expect_exit 2 st -e prod apply
  expect_exit 2 st -e prod apply missing.sql
}

plan_refused_after_someone_applied() {
  plan_project "$1"
  ok st -e prod plan -o review.sql
  # another runner (require_plan off for it) applies R1 meanwhile
  ok st -d "$P" upgrade "$R1"
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "moved since review.sql was planned"
  contains "$ERR" "were none, they are now $R1"
  equals "$(vers "$P")" "$R1"
  equals "$(qurl "$P" "SELECT count(*) FROM strata_history")" 1
}

plan_refused_against_another_database() {
  plan_project "$1"
  ok st -d "$P" upgrade "$R1"
  ok st -e prod plan -o review.sql
  local other
  if [ "$1" = postgres ]; then
    pg_new; other=$DB
    ok st -d "$other" upgrade "$R1"
  else
    # a copy of the file is another database, in the same state
    cp prod.db other.db; other=sqlite:other.db
  fi
  expect_exit 1 st -e prod -d "$other" apply review.sql
  contains "$ERR" "planned for another database"
  equals "$(vers "$other")" "$R1"
  # a database without strata's tables stays without them
  if [ "$1" = postgres ]; then pg_new; else other=sqlite:fresh.db; sqlite3 fresh.db "CREATE TABLE keep (id integer)"; DB=$other; fi
  expect_exit 1 st -e prod -d "$DB" apply review.sql
  contains "$ERR" "planned for another database"
  equals "$(qurl "$DB" "SELECT count(*) FROM $( [ "$1" = postgres ] && echo pg_tables WHERE tablename || echo sqlite_master WHERE name ) LIKE 'strata%'")" 0
  # the schema changed outside strata: refused
  qurl "$P" "CREATE TABLE by_hand (id integer)"
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "schema of the database changed"
  qurl "$P" "DROP TABLE by_hand"
  # a planned revision's file changed since: refused
  cp "migrations/${R2}_m${R2}.sql" r2.keep
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key, other text);" "DROP TABLE t2;"
  expect_exit 1 st -e prod apply review.sql
  contains "$ERR" "no longer make the script"
  cp r2.keep "migrations/${R2}_m${R2}.sql"
  # as it was planned: applies
  ok st -e prod apply review.sql
  equals "$(vers "$P")" "$R2"
}

test_plan_applied_unchanged_sqlite() { plan_applied_unchanged sqlite; }
test_plan_applied_unchanged_postgres() { plan_applied_unchanged postgres; }
test_plan_refused_after_body_edit_sqlite() { plan_refused_after_body_edit sqlite; }
test_plan_refused_after_body_edit_postgres() { plan_refused_after_body_edit postgres; }
test_plan_refused_after_someone_applied_sqlite() { plan_refused_after_someone_applied sqlite; }
test_plan_refused_after_someone_applied_postgres() { plan_refused_after_someone_applied postgres; }
test_plan_refused_against_another_database_sqlite() { plan_refused_against_another_database sqlite; }
test_plan_refused_against_another_database_postgres() { plan_refused_against_another_database postgres; }

test_plan_checks_promotion_and_records_a_skip() {
  env_project
  ok st -e local upgrade
  ok st -e ci upgrade
  expect_exit 1 st -e production plan -o p.sql
  contains "$ERR" "not applied on staging"
  [ ! -e p.sql ] || fail "a refused plan was written"
  ok st -e production plan -o p.sql --skip-promotion-check "staging rebuilt today"
  grep -q '^-- promotion: skipped: staging rebuilt today$' p.sql || fail "promotion line"
  ok st -e production apply p.sql
  equals "$(vers "$PROD")" "$R2"
  equals "$(qurl "$PROD" "SELECT count(*) FROM strata_history WHERE note LIKE 'applied from plan p.sql%; promotion check skipped: staging rebuilt today'")" 2
  # a plan made against staging's state is refused on production
  ok st -e staging upgrade
  ok st -e staging plan -o s.sql
  expect_exit 1 st -e production apply s.sql
  contains "$ERR" "planned for environment 'staging', not 'production'"
}

# downgrade and stamp on a protected environment: refused (nothing run,
# exit 2, the hint says what to do) unless through a reviewed downgrade
# plan, --force-protected REASON (which the history records), or
# require_plan = no.
downgrade_and_stamp_refused_on_protected() {
  plan_project "$1"
  ok st -e prod plan -o p.sql
  ok st -e prod apply p.sql
  expect_exit 2 st -e prod downgrade "$R1"
  contains "$ERR" "environment 'prod' is protected: downgrade is refused there"
  contains "$ERR" "plan --down TARGET -o FILE"
  contains "$ERR" "--force-protected REASON"
  contains "$ERR" "require_plan = no"
  equals "$(vers "$P")" "$R2"
  # the reviewed way: a downgrade plan, applied unchanged, refused once moved
  expect_exit 2 st -e prod plan --down -o d.sql
  ok st -e prod plan --down "$R1" -o d.sql
  grep -q '^-- direction: down$' d.sql || fail "direction line"
  grep -q "^-- steps: $R2\$" d.sql || fail "steps line: $(grep steps d.sql)"
  grep -q '^DROP TABLE t2;' d.sql || fail "the body lacks the down SQL"
  equals "$(vers "$P")" "$R2"
  ok st -e prod apply d.sql
  contains "$ERR" "reverted 1 revision"
  equals "$(vers "$P")" "$R1"
  equals "$(qurl "$P" "SELECT count(*) FROM strata_history WHERE direction = 'down' AND note LIKE 'applied from plan d.sql%'")" 1
  expect_exit 1 st -e prod apply d.sql
  contains "$ERR" "moved since d.sql was planned"
  ok st -e prod plan -o p2.sql
  ok st -e prod apply p2.sql
  equals "$(vers "$P")" "$R2"
  expect_exit 2 st -e prod stamp "$R1"
  contains "$ERR" "stamp is refused there"
  equals "$(vers "$P")" "$R2"
  # --sql only prints: allowed
  ok st -e prod downgrade --sql "$R2:$R1"
  contains "$OUT" "DROP TABLE t2"
  expect_exit 2 st -e prod downgrade "$R1" --force-protected ""
  ok st -e prod downgrade "$R1" --force-protected "INC-42 roll back t2"
  equals "$(vers "$P")" "$R1"
  equals "$(qurl "$P" "SELECT count(*) FROM strata_history WHERE direction = 'down' AND note LIKE '%protected environment prod forced: INC-42 roll back t2%'")" 1
  ok st -e prod stamp "$R2" --force-protected "t2 restored by hand"
  equals "$(vers "$P")" "$R2"
  equals "$(qurl "$P" "SELECT count(*) FROM strata_history WHERE outcome = 'stamped' AND note = 'strata stamp; protected environment prod forced: t2 restored by hand'")" 1
  # require_plan = no lifts it
  printf 'require_plan = no\n' >>strata.ini
  ok st -e prod stamp "$R1"
  equals "$(vers "$P")" "$R1"
  ok st -e prod downgrade base
  equals "$(vers "$P")" ""
}
test_downgrade_and_stamp_refused_on_protected_sqlite() { downgrade_and_stamp_refused_on_protected sqlite; }
test_downgrade_and_stamp_refused_on_protected_postgres() { downgrade_and_stamp_refused_on_protected postgres; }

ENGINE=postgres run_tests
