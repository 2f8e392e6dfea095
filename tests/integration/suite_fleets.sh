#!/usr/bin/env bash
# Fleets: 200 SQLite databases with one broken target (it fails, the report
# names it, the others finish); a canary that fails stops the roll-out with
# nothing else touched; --max-failures; 30 PostgreSQL databases and 100
# tenant schemas on the throwaway server in parallel; kill -9 mid-roll-out,
# then --resume finishes with every target right; targets from a command
# and from a query on a control database; bad fleet sections.
ENGINE=fleets
. "$(dirname "$0")/lib.sh"

R1=$(id 1) R2=$(id 2)

# fleet_project: two revisions that work on both engines.
fleet_project() {
  new_project
  mig "$R1" base "CREATE TABLE t1 (id integer primary key, v text);" "DROP TABLE t1;"
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key);" "DROP TABLE t2;"
}

# sqlite_targets N: N SQLite files under db/, listed in targets.txt.
sqlite_targets() {
  mkdir -p db
  for i in $(seq 1 "$1"); do echo "sqlite:db/t$i.db"; done >targets.txt
}

sq() { sqlite3 -batch -noheader "$1" "$2"; }

test_sqlite_fleet_one_broken_target() {
  fleet_project
  sqlite_targets 200
  printf '\n[fleet.all]\ntargets = targets.txt\nparallel = 8\n' >>strata.ini
  # target 137 already has a table t2 of its own: its R2 fails
  sq db/t137.db "CREATE TABLE t2 (x text)"
  expect_exit 1 st fleet all upgrade --json
  equals "$(jq -r '"\(.applied) \(.failed) \(.not_started) \(.targets | length)"' <<<"$OUT")" "199 1 0 200"
  equals "$(jq -r '[.targets[] | select(.outcome == "failed") | .target] | join(" ")' <<<"$OUT")" "sqlite:db/t137.db"
  jq -r '.targets[] | select(.outcome == "failed") | .error' <<<"$OUT" | grep -q "t2" ||
    fail "the error does not name what failed"
  contains "$ERR" "1 failed"
  # every other target is at the head; the broken one kept R1 only (R2 rolled back)
  for i in $(seq 1 200); do
    if [ "$i" = 137 ]; then want=$R1; else want=$R2; fi
    equals "$(sq "db/t$i.db" "SELECT revision FROM strata_version")" "$want"
  done
  equals "$(sq db/t137.db "SELECT count(*) FROM strata_history WHERE outcome = 'rolled-back'")" 1
  # the text report names it too, with its error
  expect_exit 1 st fleet all upgrade
  contains "$OUT" "failed"
  contains "$OUT" "sqlite:db/t137.db"
  contains "$OUT" "1 failed"
  ok st fleet all status --json
  equals "$(jq -r '[.targets[] | select(.state.pending == 0)] | length' <<<"$OUT")" 199
  # the broken one is read, and shown as behind, not as up to date
  equals "$(jq -r '[.targets[] | select(.outcome == "pending")] | .[0].target' <<<"$OUT")" "sqlite:db/t137.db"
  equals "$(jq -r '.up_to_date, .pending' <<<"$OUT" | tr '\n' ' ')" "199 1 "
  ok st fleet all status
  contains "$OUT" "199 up to date, 1 with pending revisions"
}

test_sqlite_fleet_failed_canary_touches_nothing_else() {
  fleet_project
  sqlite_targets 20
  printf '\n[fleet.all]\ntargets = targets.txt\ncanary = 2\n' >>strata.ini
  sq db/t2.db "CREATE TABLE t1 (x text)"
  expect_exit 1 st fleet all upgrade --json
  equals "$(jq -r '"\(.applied) \(.failed) \(.not_started)"' <<<"$OUT")" "1 1 18"
  equals "$(jq -r '[.targets[] | select(.canary) | .target] | join(" ")' <<<"$OUT")" "sqlite:db/t1.db sqlite:db/t2.db"
  for i in $(seq 3 20); do [ ! -e "db/t$i.db" ] || fail "target $i was touched"; done
  # --canary 0 on the command line overrides the file; --max-failures 0 stops early
  expect_exit 1 st fleet all upgrade --canary 0 --max-failures 0 --parallel 1 --json
  equals "$(jq -r '.failed' <<<"$OUT")" 1
  [ "$(jq -r '.not_started' <<<"$OUT")" -gt 0 ] || fail "--max-failures 0 started every target"
  expect_exit 2 st fleet all upgrade --parallel 0
  expect_exit 2 st fleet all launch
  expect_exit 2 st fleet nope upgrade
  contains "$ERR" "no fleet 'nope'"
}

test_sqlite_fleet_kill_then_resume() {
  fleet_project
  # R2 takes a while on each target, so that the run is killed mid-way
  mig "$R2" "$R1" "CREATE TABLE t2 (id integer primary key);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) SELECT count(*) FROM c;" "DROP TABLE t2;"
  sqlite_targets 100
  printf '\n[fleet.all]\ntargets = targets.txt\nparallel = 2\n' >>strata.ini
  "$STRATA" fleet all upgrade >/dev/null 2>&1 &
  local pid=$! n=0
  for _ in $(seq 1 100); do
    n=$(ls db/*.db 2>/dev/null | wc -l)
    [ "$n" -ge 20 ] && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  # (one sqlite3 per target: what it says of strata_version and the history)
  local done_before=0 state
  for i in $(seq 1 100); do
    [ -e "db/t$i.db" ] || continue
    state=$(sq "db/t$i.db" "SELECT group_concat(revision) FROM strata_version" 2>/dev/null || true)
    [ "$state" = "$R2" ] && done_before=$((done_before + 1))
  done
  [ "$done_before" -lt 100 ] || fail "the run was not killed mid-way"
  note "killed after $done_before of 100 targets"
  ok st fleet all upgrade --resume --json
  equals "$(jq -r '.failed' <<<"$OUT")" 0
  equals "$(jq -r '.up_to_date' <<<"$OUT")" "$done_before"
  for i in $(seq 1 100); do
    # at the head, each revision applied exactly once
    equals "$(sq "db/t$i.db" "SELECT (SELECT group_concat(revision) FROM strata_version) || ' ' ||
      (SELECT count(*) FROM strata_history WHERE outcome = 'applied')")" "$R2 2"
  done
}

test_pg_fleet_databases_and_tenant_schemas() {
  fleet_project
  ENGINE=postgres
  : >targets.txt
  for i in $(seq 1 30); do new_db; echo "$DB" >>targets.txt; done
  unset STRATA_DATABASE_URL
  new_db; TENANTS=$DB; unset STRATA_DATABASE_URL
  q "DO \$\$BEGIN FOR i IN 1..100 LOOP EXECUTE format('CREATE SCHEMA tenant_%s', i); END LOOP; END\$\$"
  equals "$(q "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\_%'")" 100
  cat >>strata.ini <<EOF

[fleet.dbs]
targets = targets.txt
parallel = 6

[fleet.tenants]
database = $TENANTS
schemas = SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1
parallel = 8
EOF
  ok st fleet dbs upgrade --json
  equals "$(jq -r '"\(.applied) \(.failed)"' <<<"$OUT")" "30 0"
  lacks "$OUT$ERR" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  while read -r url; do
    equals "$(psql -X -qAt "$url" -c "SELECT revision FROM strata_version")" "$R2"
  done <targets.txt
  # tenant_50 has a t2 of its own: it fails, the other 99 (on the same
  # workers' connections) do not
  q "CREATE TABLE tenant_50.t2 (x text)"
  expect_exit 1 st fleet tenants upgrade --json
  equals "$(jq -r '"\(.applied) \(.failed) \(.targets | length)"' <<<"$OUT")" "99 1 100"
  equals "$(jq -r '[.targets[] | select(.outcome == "failed") | .schema] | join(" ")' <<<"$OUT")" "tenant_50"
  equals "$(q "SELECT revision FROM tenant_50.strata_version")" "$R1"
  q "DROP TABLE tenant_50.t2"
  ok st fleet tenants upgrade --json
  equals "$(jq -r '"\(.applied) \(.up_to_date) \(.failed)"' <<<"$OUT")" "1 99 0"
  # each tenant has its own tables and its own version table, in its schema
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 't2' AND schemaname LIKE 'tenant\_%'")" 100
  equals "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'strata_version' AND schemaname LIKE 'tenant\_%'")" 100
  equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
  equals "$(q "SELECT revision FROM tenant_42.strata_version")" "$R2"
  ok st fleet tenants status --json
  equals "$(jq -r '[.targets[] | select(.state.pending == 0)] | length' <<<"$OUT")" 100
  ok st fleet tenants upgrade
  contains "$OUT" "100 up to date"
}

test_fleet_targets_from_command_and_query() {
  fleet_project
  mkdir -p db
  ENGINE=postgres; new_db; CONTROL=$DB; unset STRATA_DATABASE_URL
  q "CREATE TABLE tenants (url text, active boolean)"
  q "INSERT INTO tenants VALUES ('sqlite:db/q1.db', true), ('sqlite:db/q2.db', true), ('sqlite:db/q3.db', false)"
  cat >>strata.ini <<EOF

[fleet.cmd]
targets = exec: printf 'sqlite:db/c1.db\\n# a comment\\n\\nsqlite:db/c2.db\\n'

[fleet.query]
targets = query: SELECT url FROM tenants WHERE active ORDER BY url
control = $CONTROL

[fleet.list]
targets = sqlite:db/l1.db sqlite:db/l2.db

[fleet.broken]
targets = exec: exit 3
EOF
  ok st fleet cmd upgrade --json
  equals "$(jq -r '[.targets[].target] | join(" ")' <<<"$OUT")" "sqlite:db/c1.db sqlite:db/c2.db"
  ok st fleet query upgrade --json
  equals "$(jq -r '[.targets[].target] | join(" ")' <<<"$OUT")" "sqlite:db/q1.db sqlite:db/q2.db"
  [ ! -e db/q3.db ] || fail "an inactive tenant was migrated"
  ok st fleet list upgrade --json
  equals "$(jq -r '.applied' <<<"$OUT")" 2
  expect_exit 3 st fleet broken upgrade
  contains "$ERR" "the targets command of [fleet.broken] failed"
  printf '[fleet.bad]\ncolour = red\n' >>strata.ini
  expect_exit 2 st fleet list upgrade
  contains "$ERR" "unknown key 'colour' in [fleet.bad]"
}

# ---- reviewed plans and drift per target ---------------------------------------

# plan_of DIR WORD: the one plan file in DIR whose name has WORD.
plan_of() { ls "$1" | grep -F -- "$2" || fail "no plan for $2 in $1: $(ls "$1")"; }

test_sqlite_fleet_plan_apply_one_edited_refused() {
  fleet_project
  sqlite_targets 5
  printf '\n[fleet.all]\ntargets = targets.txt\n' >>strata.ini
  ok st fleet all plan -o plans --json
  equals "$(jq -r '"\(.planned) \(.failed)"' <<<"$OUT")" "5 0"
  equals "$(ls plans | wc -l)" 5
  # names: stable, filesystem-safe, one per target
  local f3; f3=$(plan_of plans _db_t3.db-)
  [[ "$f3" =~ ^sqlite_db_t3\.db-[0-9a-f]{12}\.plan\.sql$ ]] || fail "plan name: $f3"
  equals "$(jq -r '.targets[2].plan' <<<"$OUT")" "plans/$f3"
  ok st fleet all plan -o plans2
  equals "$(ls plans2 | tr '\n' ' ')" "$(ls plans | tr '\n' ' ')"
  # a plan is strata plan's format
  grep -q "^-- steps: $R1 $R2\$" "plans/$f3" || fail "steps line"
  for i in 1 2 3 4 5; do
    [ ! -e "db/t$i.db" ] || equals "$(sq "db/t$i.db" "SELECT count(*) FROM sqlite_master WHERE name = 't1'")" 0
  done
  # t4's plan edited after review: refused for t4 only, the others applied
  sed -i 's/^CREATE TABLE t2 (id integer primary key);$/CREATE TABLE t2 (id integer primary key, evil text);/' "plans/$(plan_of plans _db_t4.db-)"
  expect_exit 1 st fleet all apply plans --json
  equals "$(jq -r '"\(.applied) \(.failed)"' <<<"$OUT")" "4 1"
  equals "$(jq -r '[.targets[] | select(.outcome == "failed") | .target] | join(" ")' <<<"$OUT")" "sqlite:db/t4.db"
  jq -r '.targets[] | select(.outcome == "failed") | .error' <<<"$OUT" | grep -q "was edited after it was planned" ||
    fail "the refusal is not apply's: $OUT"
  for i in 1 2 3 5; do equals "$(sq "db/t$i.db" "SELECT revision FROM strata_version")" "$R2"; done
  [ ! -e db/t4.db ] || equals "$(sq db/t4.db "SELECT count(*) FROM sqlite_master WHERE name = 't1'")" 0
  equals "$(sq db/t1.db "SELECT count(*) FROM strata_history WHERE note LIKE 'applied from plan plans/sqlite_db_t1.db-%'")" 2
  # applied again: the others moved (refused as apply refuses); --resume skips them
  expect_exit 1 st fleet all apply plans --json
  equals "$(jq -r '[.targets[] | select(.error // "" | test("moved since"))] | length' <<<"$OUT")" 4
  expect_exit 1 st fleet all apply plans --resume --json
  equals "$(jq -r '"\(.up_to_date) \(.failed)"' <<<"$OUT")" "4 1"
  # a fresh plan for t4 runs with strata apply itself
  rm -rf plans && ok st fleet all plan -o plans
  ok st -d sqlite:db/t4.db apply "plans/$(plan_of plans _db_t4.db-)"
  equals "$(sq db/t4.db "SELECT revision FROM strata_version")" "$R2"
  expect_exit 2 st fleet all plan
  contains "$ERR" "plan needs -o DIR"
  expect_exit 2 st fleet all apply nowhere
  contains "$ERR" "no folder 'nowhere'"
}

test_sqlite_fleet_drift_one_changed_by_hand() {
  fleet_project
  sqlite_targets 4
  printf '\n[fleet.all]\ntargets = targets.txt\n' >>strata.ini
  ok st fleet all upgrade
  ok st fleet all drift --json
  equals "$(jq -r '"\(.no_drift) \(.drifted) \(.failed)"' <<<"$OUT")" "4 0 0"
  sq db/t2.db "CREATE TABLE by_hand (x text)"
  expect_exit 1 st fleet all drift --json
  equals "$(jq -r '"\(.no_drift) \(.drifted)"' <<<"$OUT")" "3 1"
  equals "$(jq -r '.targets[] | select(.outcome == "drifted") | "\(.target) \(.differences)"' <<<"$OUT")" "sqlite:db/t2.db 1"
  expect_exit 1 st fleet all drift
  contains "$OUT" "3 without drift, 1 drifted"
  contains "$ERR" "1 drifted"
  # one that cannot be read fails on its own line and the rest are read
  echo "sqlite:nowhere/x.db" >>targets.txt
  expect_exit 1 st fleet all drift --json
  equals "$(jq -r '"\(.no_drift) \(.drifted) \(.failed)"' <<<"$OUT")" "3 1 1"
}

test_pg_fleet_tenant_plans_and_drift() {
  fleet_project
  ENGINE=postgres; new_db; TENANTS=$DB; unset STRATA_DATABASE_URL
  q "CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; CREATE SCHEMA tenant_3"
  cat >>strata.ini <<EOF

[fleet.tenants]
database = $TENANTS
schemas = SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1
EOF
  ok st fleet tenants plan -o plans --json
  equals "$(jq -r '.planned' <<<"$OUT")" 3
  lacks "$OUT$ERR$(cat plans/*)$(ls plans)" "${STRATA_TEST_PG_PASSWORD:-s3cret}"
  local f2; f2=$(plan_of plans _schema_tenant_2-)
  grep -q '^-- tenant-schema: tenant_2$' "plans/$f2" || fail "the plan does not carry its schema"
  grep -q '^-- identity: postgresql:.*:schema=tenant_2$' "plans/$f2" || fail "identity line"
  # tenant_1 applied first on its own: the plans fingerprint their schema
  # only, so the other tenants' plans still hold
  ok st -d "$TENANTS" apply "plans/$(plan_of plans _schema_tenant_1-)"
  equals "$(q "SELECT revision FROM tenant_1.strata_version")" "$R2"
  equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
  # tenant_3's plan edited: refused for tenant_3 only
  sed -i 's/^CREATE TABLE t1 (id integer primary key, v text);$/CREATE TABLE t1 (id integer primary key);/' "plans/$(plan_of plans _schema_tenant_3-)"
  expect_exit 1 st fleet tenants apply plans --json
  equals "$(jq -r '.targets[] | "\(.schema) \(.outcome)"' <<<"$OUT" | tr '\n' ' ')" "tenant_1 failed tenant_2 applied tenant_3 failed "
  jq -r '.targets[2].error' <<<"$OUT" | grep -q "was edited" || fail "tenant_3: $(jq -r '.targets[2].error' <<<"$OUT")"
  jq -r '.targets[0].error' <<<"$OUT" | grep -q "moved since" || fail "tenant_1: $(jq -r '.targets[0].error' <<<"$OUT")"
  equals "$(q "SELECT revision FROM tenant_2.strata_version")" "$R2"
  equals "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_3'")" 0
  ok st fleet tenants upgrade
  # drift: tenant_2 changed by hand; each compared with its own schema only
  ok st fleet tenants drift --json
  equals "$(jq -r '.no_drift' <<<"$OUT")" 3
  q "ALTER TABLE tenant_2.t1 ADD COLUMN by_hand integer"
  expect_exit 1 st fleet tenants drift --json
  equals "$(jq -r '[.targets[] | "\(.schema)=\(.outcome)"] | join(" ")' <<<"$OUT")" "tenant_1=no-drift tenant_2=drifted tenant_3=no-drift"
  no_shadows_left
}

ENGINE=postgres run_tests
