#!/usr/bin/env python3
"""strata lint side by side with squawk on real migration files.

    bench/lint.py --strata build/strata --squawk bench/node_modules/.bin/squawk \
                  --corpus ../shared/corpus [--runs 5] [--table bench/lint_comparison.md]

Files: the PostgreSQL up migrations of kratos (in popx's resolved order)
and every supabase-storage migration. Both tools lint every file with
their defaults (plain SQL, no transaction assumed), in one process each.

Prints markdown: throughput (statements per second, median of --runs
interleaved rounds; the statement count is strata's, the same files for
both) and the findings compared rule by rule. With --table, writes the
per-file comparison (both / only strata / only squawk, with the reason for
every difference) to that file. Not a test: nothing here fails on a figure.
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

# squawk rule -> the strata rule(s) that cover the same hazard.
EQUIV = {
    "adding-field-with-default": ["SL113", "SL114"],
    "adding-foreign-key-constraint": ["SL107"],
    "adding-not-nullable-field": ["SL108"],
    "adding-required-field": ["SL201"],
    "adding-serial-primary-key-field": ["SL110"],
    "ban-alter-domain-with-add-constraint": ["SL118"],
    "ban-char-field": ["SL306"],
    "ban-concurrent-index-creation-in-transaction": ["SL103"],
    "ban-create-domain-with-constraint": ["SL119"],
    "ban-drop-column": ["SL202"],
    "ban-drop-database": ["SL204"],
    "ban-drop-not-null": ["SL210"],
    "ban-drop-table": ["SL203"],
    "ban-duplicate-column-assignments": ["SL309"],
    "ban-truncate-cascade": ["SL211"],
    "ban-uncommitted-transaction": ["SL402"],
    "changing-column-type": ["SL112"],
    "constraint-missing-not-valid": ["SL106", "SL107"],
    "disallowed-unique-constraint": ["SL109"],
    "identifier-too-long": ["SL308"],
    "prefer-bigint-over-int": ["SL301"],
    "prefer-bigint-over-smallint": ["SL302"],
    "prefer-identity": ["SL303"],
    "prefer-repack": ["SL117"],
    "prefer-robust-stmts": ["SL403"],
    "prefer-text-field": ["SL304"],
    "prefer-timestamptz": ["SL305"],
    "prefer-timestamp-tz": ["SL305"],
    "renaming-column": ["SL206"],
    "renaming-table": ["SL207"],
    "require-concurrent-index-creation": ["SL101"],
    "require-concurrent-index-deletion": ["SL102"],
    "require-concurrent-partition-detach": ["SL105"],
    "require-concurrent-reindex": ["SL104"],
    "require-enum-value-ordering": ["SL212"],
    "require-lock-timeout": ["SL115"],
    "require-statement-timeout": ["SL116"],
    "require-table-schema": ["SL310"],
    "transaction-nesting": ["SL401"],
}
# strata's messages for statements inside DO blocks and function bodies.
BODY_PREFIXES = ("in DO block: ", "in function ", "in procedure ")
BODY_REASON = "inside a DO block or function body, which squawk does not read"

# strata rule -> the squawk name it is compared under.
BACK = {}
for sq, ids in EQUIV.items():
    for i in ids:
        BACK.setdefault(i, sq)
BACK["SL107"] = "adding-foreign-key-constraint"

# Why the tools differ, per compared rule and direction. Every difference
# the run finds must have a reason here, or it is reported as unexplained.
REASONS = {
    ("require-statement-timeout", "squawk"):
        "strata: opt-in (SL116). A statement_timeout in a migration kills long but harmless work "
        "(a concurrent index build) half-way; lock_timeout (SL115) is what protects traffic",
    ("constraint-missing-not-valid", "squawk"):
        "squawk reports an FK without NOT VALID under both adding-foreign-key-constraint and "
        "constraint-missing-not-valid; strata reports it once (SL107)",
    ("adding-field-with-default", "strata"):
        "strata also flags serial/identity/stored generated columns added to existing tables (SL114): "
        "they fill every row",
    ("adding-field-with-default", "squawk"):
        "squawk treats these defaults as volatile; strata knows they are stable or constant "
        "(now(), CURRENT_TIMESTAMP, casts of literals) and do not rewrite since PostgreSQL 11",
    ("prefer-robust-stmts", "squawk"):
        "squawk asks for a transaction around every ALTER TABLE outside one, also forms that can "
        "simply run again (ALTER COLUMN ... TYPE, SET/DROP NOT NULL, SET DEFAULT); strata flags "
        "only statements that fail when re-run after a partial failure",
    ("prefer-robust-stmts", "strata"):
        "strata asks IF NOT EXISTS on every CREATE TABLE/INDEX and ADD COLUMN outside a transaction, "
        "including statements squawk skips after its own guards",
    ("require-lock-timeout", "squawk"):
        "strata reports a missing lock_timeout once per file, at the first statement that locks an "
        "existing table; squawk reports every locking statement, including ones on tables the "
        "file itself created",
    ("require-lock-timeout", "strata"):
        "strata also counts locks squawk does not: CREATE TRIGGER, RENAME, DROP TABLE/INDEX, "
        "TRUNCATE, REINDEX",
    ("prefer-bigint-over-int", "strata"):
        "strata also flags int in ALTER COLUMN ... TYPE",
    ("prefer-bigint-over-int", "squawk"):
        "squawk also flags int columns of tables created in the file that strata counts once",
    ("prefer-text-field", "squawk"):
        "varchar(n) in places strata does not check (function signatures, casts)",
    ("prefer-text-field", "strata"):
        "strata also checks ALTER COLUMN ... TYPE varchar(n)",
    ("prefer-timestamptz", "squawk"):
        "timestamp in places strata does not check (function signatures, casts)",
    ("prefer-timestamptz", "strata"):
        "strata also checks ALTER COLUMN ... TYPE timestamp",
    ("prefer-identity", "squawk"):
        "serial in places strata does not check",
    ("require-concurrent-index-creation", "squawk"):
        "indexes on tables created earlier in the same file (CREATE TABLE, or CREATE TABLE IF NOT "
        "EXISTS in these idempotent files): the table is empty, so the build is instant; squawk "
        "exempts them only inside an explicit transaction",
    ("require-concurrent-index-creation", "strata"):
        "squawk exempts a table created in the same file even in a different transaction; strata "
        "too, so these are tables created by an earlier migration file",
    ("require-concurrent-index-deletion", "strata"):
        "strata exempts only indexes created earlier in the same file",
    ("renaming-column", "strata"): "",
    ("ban-drop-column", "squawk"):
        "columns of tables created earlier in the same file (nothing reads them yet)",
    ("ban-drop-table", "squawk"):
        "tables created earlier in the same file (nothing reads them yet)",
    ("changing-column-type", "squawk"):
        "columns of tables created earlier in the same file (the table is empty)",
    ("adding-required-field", "squawk"):
        "columns added to tables created earlier in the same file (no rows yet)",
    ("adding-not-nullable-field", "squawk"):
        "SET NOT NULL on tables created earlier in the same file (no rows yet)",
    ("adding-not-nullable-field", "strata"):
        "squawk accepts these when it finds any CHECK for the column; strata wants it validated",
    ("constraint-missing-not-valid", "strata"):
        "strata also flags inline REFERENCES/CHECK on ADD COLUMN and VALIDATE in the same transaction",
    ("adding-foreign-key-constraint", "squawk"):
        "foreign keys on tables created earlier in the same file (empty, nothing to validate)",
    ("adding-foreign-key-constraint", "strata"):
        "strata also flags ADD COLUMN ... REFERENCES on an existing table (it validates under lock)",
    ("disallowed-unique-constraint", "squawk"):
        "UNIQUE on tables created earlier in the same file",
    ("adding-serial-primary-key-field", "squawk"):
        "PRIMARY KEY on tables created earlier in the same file",
    ("transaction-nesting", "strata"):
        "COMMIT/ROLLBACK without BEGIN",
    ("ban-char-field", "squawk"): "char in places strata does not check (casts, function signatures)",
}


def files_of(corpus):
    k = os.path.join(corpus, "kratos")
    order = json.load(open(os.path.join(k, "resolved-order.json")))["postgres"]["up"]
    files = [os.path.join(k, "sql", e["file"]) for e in order]
    s = os.path.join(corpus, "supabase-storage", "migrations")
    for sub in sorted(os.listdir(s)):
        d = os.path.join(s, sub)
        files += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".sql")]
    return files


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--squawk", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--table")
    args = ap.parse_args()

    files = files_of(args.corpus)
    rel = {f: os.path.relpath(f, args.corpus) for f in files}
    scmd = [args.strata, "lint", "--engine", "postgres", "--format", "json"] + files
    qcmd = [args.squawk, "--reporter", "json"] + files
    have_squawk = os.access(args.squawk, os.X_OK)
    st_times, sq_times = [], []
    st_out = sq_out = None
    for _ in range(args.runs):
        t, p = run(scmd)
        if p.returncode > 1:
            sys.exit("strata lint failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
        st_times.append(t)
        st_out = p.stdout
        if have_squawk:
            t, p = run(qcmd)
            sq_times.append(t)
            sq_out = p.stdout
    st = json.loads(st_out)
    statements = st["summary"]["statements"]

    print("## strata lint vs squawk (%d files, %d statements)\n" % (len(files), statements))
    print("| tool | median time | statements/s | ratio |")
    print("|---|---:|---:|---:|")
    st_med = statistics.median(st_times)
    print("| strata lint | %.1f ms | %.0f | 1.00 |" % (st_med * 1000, statements / st_med))
    if not have_squawk:
        print("| squawk | not installed | | |")
        return
    sq_med = statistics.median(sq_times)
    print("| squawk %s | %.1f ms | %.0f | %.2f |" % (
        subprocess.run([args.squawk, "--version"], capture_output=True, text=True).stdout.split()[-1],
        sq_med * 1000, statements / sq_med, sq_med / st_med))
    print("\n(ratio: time relative to strata; above 1 means slower than strata. %d interleaved runs; "
          "spread strata %.1f-%.1f ms, squawk %.1f-%.1f ms)\n" % (
              args.runs, min(st_times) * 1000, max(st_times) * 1000, min(sq_times) * 1000,
              max(sq_times) * 1000))

    # Findings per file and compared rule.
    mine = collections.Counter()
    theirs = collections.Counter()
    in_body = collections.Counter()  # strata findings inside DO blocks and function bodies
    for f in st["findings"]:
        key = BACK.get(f["rule"], f["rule"] + " " + f["name"])
        mine[(f["file"], key)] += 1
        if f["message"].startswith(BODY_PREFIXES):
            in_body[(f["file"], key)] += 1
    sq = json.loads(sq_out) if sq_out.strip() else []
    for f in sq:
        name = f["rule_name"]
        if name == "prefer-timestamp-tz":
            name = "prefer-timestamptz"
        theirs[(f["file"], name)] += 1
    keys = sorted(set(mine) | set(theirs))
    per_rule = collections.defaultdict(lambda: [0, 0, 0])
    rows = []
    unexplained = collections.Counter()
    for k in keys:
        a, b = mine.get(k, 0), theirs.get(k, 0)
        both = min(a, b)
        only_me, only_them = a - both, b - both
        rule = k[1]
        r = per_rule[rule]
        r[0] += both
        r[1] += only_me
        r[2] += only_them
        reason = ""
        # strata reads the SQL inside DO blocks and function bodies; squawk
        # does not, so those findings are strata's alone.
        body = min(only_me, in_body.get(k, 0))
        only_me -= body
        if only_me or only_them:
            if rule not in EQUIV and rule.startswith("SL"):
                reason = "no squawk rule for this (strata-only rule)"
            elif rule not in EQUIV:
                reason = "squawk rule with no strata counterpart"
            else:
                side = "squawk" if only_them else "strata"
                reason = REASONS.get((rule, side), "")
                if (rule, side) == ("constraint-missing-not-valid", "squawk") and \
                        theirs.get((k[0], "adding-foreign-key-constraint"), 0) < only_them:
                    reason = ("a CHECK or foreign key on a table created earlier in the same file "
                              "(empty: nothing to scan), or an FK squawk also reports under "
                              "adding-foreign-key-constraint")
                if not reason:
                    unexplained[(rule, side)] += only_them or only_me
                    reason = "UNEXPLAINED"
        if body:
            reason = BODY_REASON + ("; " + reason if reason else "")
        only_me += body
        rows.append((rel.get(k[0], k[0]), rule, both, only_me, only_them, reason))

    print("### Findings by rule (counts over all files)\n")
    print("| rule (squawk name, or strata id) | both | only strata | only squawk |")
    print("|---|---:|---:|---:|")
    for rule in sorted(per_rule):
        b, m, t = per_rule[rule]
        print("| %s | %d | %d | %d |" % (rule, b, m, t))
    print("\n%d of strata's findings are inside DO blocks and function bodies (squawk reads "
          "neither)." % sum(in_body.values()))
    if unexplained:
        print("\nUnexplained differences: " + ", ".join("%s (%s-only: %d)" % (r, s, n)
                                                         for (r, s), n in sorted(unexplained.items())))
    if args.table:
        with open(args.table, "w") as out:
            out.write("# strata lint vs squawk, file by file\n\n")
            out.write("Written by `bench/lint.py`. One row per file and rule where either tool "
                      "reports something; counts of findings. Every difference has its reason.\n\n")
            out.write("| file | rule | both | only strata | only squawk | why they differ |\n")
            out.write("|---|---|---:|---:|---:|---|\n")
            for r in rows:
                out.write("| %s | %s | %d | %d | %d | %s |\n" % r)


if __name__ == "__main__":
    main()
