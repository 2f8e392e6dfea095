# tests/integration/faults.sh - fault-injection helpers shared by
# suite_faults_sqlite.sh and suite_faults_postgres.sh: SIGKILL of the
# runner at random moments of a long upgrade, and the check that the
# schema, strata_version and strata_history still agree.

# chain_with_data N: N linear revisions; revision i creates table ti, puts
# three rows in it and indexes it, in one transaction.
chain_with_data() {
  local n=$1 i parent=base
  for i in $(seq 1 "$n"); do
    mig "$(id "$i")" "$parent" "CREATE TABLE t$i (id integer primary key, v text);
INSERT INTO t$i (id, v) VALUES (1, 'a'), (2, 'b;c'), (3, 'd''e');
CREATE INDEX t${i}_v ON t$i (v);" "DROP TABLE t$i;"
    parent=$(id "$i")
  done
}

bookkeeping_exists() {
  if [ "$ENGINE" = postgres ]; then
    [ "$(q "SELECT to_regclass('strata_version') IS NOT NULL")" = t ]
  else
    [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'strata_version'")" = 1 ]
  fi
}

index_count() {
  if [ "$ENGINE" = postgres ]; then
    q "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname ~ '^t[0-9]+_v$'"
  else
    q "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name GLOB 't[0-9]*_v'"
  fi
}

# agree: the database is in a state some prefix of the chain leaves it in,
# and the bookkeeping says which; sets APPLIED to the number of revisions.
agree() {
  local v k want got
  APPLIED=0
  if ! bookkeeping_exists; then
    equals "$(tables | wc -l)" 0
    return 0
  fi
  v=$(versions)
  case "$v" in
    "") k=0 ;;
    a*) k=$((16#${v#a})) ;;
    *) fail "unexpected strata_version rows: '$v'" ;;
  esac
  want=$(seq 1 "$k" | sed 's/^/t/' | sort)
  got=$(tables | sort)
  [ "$got" = "$want" ] || fail "strata_version says $k applied, tables are: $(echo "$got" | tr '\n' ' ')"
  equals "$(index_count)" "$k"
  equals "$(q "SELECT count(*) || ' ' || count(DISTINCT revision) FROM strata_history WHERE outcome = 'applied'")" "$k $k"
  equals "$(q "SELECT count(*) FROM strata_history WHERE outcome <> 'applied'")" 0
  if [ "$k" -gt 0 ]; then
    equals "$(q "SELECT max(revision) FROM strata_history")" "$v"
    equals "$(q "SELECT count(*) || ':' || max(v) FROM t$k")" "3:d'e"
  fi
  APPLIED=$k
}

# kill_trials N TRIALS: N revisions; TRIALS times, on a fresh database, an
# upgrade is killed (SIGKILL) after a random delay within the time a whole
# run takes; then the state must agree and the next upgrade must finish it.
# Prints a NOTE with where the kills landed.
kill_trials() {
  local n=$1 trials=$2 t start full_ms=0 delay pid rc before=0 partway=0 after=0 finished=0
  new_project
  chain_with_data "$n"
  # the shorter of two whole runs, so that most kills land inside a run
  for t in 1 2; do
    new_db
    start=$(date +%s%N)
    ok st -q upgrade
    delay=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$t" -eq 1 ] || [ "$delay" -lt "$full_ms" ] && full_ms=$delay
    agree
    equals "$APPLIED" "$n"
  done
  for t in $(seq 1 "$trials"); do
    new_db
    delay=$(( (RANDOM * 32768 + RANDOM) % (full_ms + 1) ))
    "$STRATA" -q upgrade >"$T/kill.out" 2>"$T/kill.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    set +e; wait "$pid"; rc=$?; set -e
    [ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] || { cat "$T/kill.err" >&2; fail "trial $t: upgrade exited $rc"; }
    agree || fail "trial $t (killed after ${delay}ms)"
    if [ "$rc" -eq 0 ]; then finished=$((finished + 1))
    elif [ "$APPLIED" -eq 0 ]; then before=$((before + 1))
    elif [ "$APPLIED" -eq "$n" ]; then after=$((after + 1))
    else partway=$((partway + 1)); fi
    ok st -q upgrade
    agree
    equals "$APPLIED" "$n"
  done
  note "$ENGINE kill trials: $trials upgrades of $n revisions (a whole run ${full_ms}ms) killed at random;" \
       "$before before the first revision, $partway part-way, $after after the last, $finished had finished;" \
       "every state agreed and every next upgrade completed"
}
