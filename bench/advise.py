#!/usr/bin/env python3
"""strata advise on the corpus schemas: findings per rule, and what it costs.

  bench/advise.py --strata BIN --pg-url URL [--runs N] [--out FILE]

On a throwaway PostgreSQL (bench/run.sh starts one, or tests/pgserver.sh):

* loads pagila (pagila-schema-pg12.sql), danbooru's structure.sql, chinook's
  PostgreSQL schema and PostgREST's big_schema into one database each, and
  chinook's SQLite script into a SQLite file;
* runs `strata advise --severity info --format json` on each (live: the
  statistics of a database nothing has queried yet, so every non-unique
  index is "unused" at info level) and counts the findings per rule;
* times, interleaved over --runs rounds (medians, wall clock), on danbooru:
  `pg_dump --schema-only` (the physical reference: it reads the same
  catalogs), `strata dump`, psql running the four statistics queries advise
  runs (src/advise/live.c, copied below), `strata advise` (live) and
  `strata advise --no-stats`; on chinook's SQLite file `sqlite3 .schema`,
  `strata dump` and `strata advise`.

The requirement checked: advising a live database costs no more than one
`strata dump` plus one statistics query per kind. No peer runs here:
SchemaCrawler (Java) and PgHero (a Rails engine) install from neither
Debian's nor npm's registry. Prints Markdown; nothing fails on a figure.
"""
import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get("STRATA_CORPUS", os.path.join(HERE, "..", "..", "shared", "corpus"))

SCHEMAS = [
    ("pagila", "pagila/pagila-schema-pg12.sql"),
    ("danbooru", "danbooru/structure.sql"),
    ("chinook", "chinook/schema-only/Chinook_PostgreSql.schema.sql"),
    ("postgrest big_schema", "postgrest/test/io/fixtures/big_schema.sql"),
]

# The statistics queries of src/advise/live.c, as one psql session runs them.
STATS_SQL = """
SELECT extract(epoch FROM now() - coalesce(d.stats_reset, pg_catalog.pg_postmaster_start_time()))::float8, d.stats_reset IS NOT NULL FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database();
SELECT s.schemaname, s.sequencename, s.data_type::text, s.last_value, s.max_value, s.increment_by, tn.nspname, t.relname, a.attname FROM pg_catalog.pg_sequences s JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid ORDER BY 1, 2;
SELECT schemaname, relname, indexrelname, idx_scan FROM pg_catalog.pg_stat_user_indexes;
SELECT s.schemaname, s.relname, s.seq_scan, s.seq_tup_read, greatest(s.n_live_tup, c.reltuples::int8), s.n_tup_ins FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid;
"""


def psql_bin():
    for v in sorted(os.listdir("/usr/lib/postgresql"), key=int, reverse=True):
        p = "/usr/lib/postgresql/%s/bin" % v
        if os.path.exists(p + "/psql"):
            return p
    return os.path.dirname(shutil.which("psql") or "/usr/bin/psql")


def db_url(base, name):
    return base.rsplit("/", 1)[0] + "/" + name


def load(pg_bin, base_url, name, path):
    admin = [pg_bin + "/psql", "-X", "-q", base_url]
    subprocess.run(admin + ["-c", "DROP DATABASE IF EXISTS %s" % name, "-c",
                            "CREATE DATABASE %s" % name], check=True, capture_output=True)
    url = db_url(base_url, name)
    # corpus files carry statements for roles and extensions that may not
    # exist here; those fail alone, the schema loads
    subprocess.run([pg_bin + "/psql", "-X", "-q", url, "-f", path], capture_output=True)
    return url


def advise_counts(strata, source, extra=()):
    p = subprocess.run([strata, "advise", source, "--severity", "info", "--format", "json", *extra],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("strata advise %s: exit %d: %s" % (source, p.returncode, p.stderr))
    d = json.loads(p.stdout)
    return collections.Counter(f["rule"] for f in d["findings"]), d["summary"]


def timed(cmd, stdin=None):
    """Wall time in ms; advise exits 1 when it finds something, which is no failure."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=stdin is not None)
    ms = (time.perf_counter() - t0) * 1000
    if p.returncode not in ((0, 1) if "advise" in cmd else (0,)):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd[:2]), p.returncode, p.stderr))
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out")
    a = ap.parse_args()
    if not os.path.isdir(CORPUS):
        print("bench/advise.py: the corpus is absent (%s); nothing to advise" % CORPUS)
        return 0
    pg = psql_bin()
    rules = json.loads(subprocess.run([a.strata, "advise", "--format", "sarif", "sqlite::memory:"],
                                      capture_output=True, text=True).stdout)
    rule_names = {r["id"]: r["name"] for r in rules["runs"][0]["tool"]["driver"]["rules"]}
    urls, counts, summaries = {}, {}, {}
    for i, (name, rel) in enumerate(SCHEMAS):
        urls[name] = load(pg, a.pg_url, "bench_advise_%d" % i, os.path.join(CORPUS, rel))
        counts[name], summaries[name] = advise_counts(a.strata, urls[name])
    tmp = tempfile.mkdtemp()
    chinook_db = os.path.join(tmp, "chinook.db")
    with open(os.path.join(CORPUS, "chinook/Chinook_Sqlite.sql"), "rb") as f:
        subprocess.run(["sqlite3", "-batch", chinook_db], stdin=f, capture_output=True)
    counts["chinook (SQLite)"], summaries["chinook (SQLite)"] = advise_counts(
        a.strata, "sqlite:" + chinook_db)
    names = [n for n, _ in SCHEMAS] + ["chinook (SQLite)"]

    out = []
    out.append("### Findings per rule (`--severity info`, live databases just loaded)\n")
    out.append("| rule | " + " | ".join(names) + " |")
    out.append("|---|" + "---:|" * len(names))
    for rid in sorted(rule_names):
        row = [str(counts[n].get(rid, 0)) for n in names]
        out.append("| %s %s | %s |" % (rid, rule_names[rid], " | ".join(row)))
    out.append("| **tables** | " + " | ".join(str(summaries[n]["tables"]) for n in names) + " |")
    out.append("| **findings** | " + " | ".join(str(sum(counts[n].values())) for n in names) + " |")

    # timing, interleaved rounds
    dan = urls["danbooru"]
    cases = [
        ("pg_dump --schema-only", [pg + "/pg_dump", "--schema-only", dan], None),
        ("strata dump", [a.strata, "dump", dan], None),
        ("psql: connect, SELECT 1", [pg + "/psql", "-X", "-q", dan], "SELECT 1;"),
        ("psql: the 4 statistics queries", [pg + "/psql", "-X", "-q", dan], STATS_SQL),
        ("strata advise (live)", [a.strata, "advise", dan, "--severity", "info", "-q"], None),
        ("strata advise --no-stats", [a.strata, "advise", dan, "--severity", "info", "-q", "--no-stats"], None),
    ]
    sq_cases = [
        ("sqlite3 .schema", ["sqlite3", chinook_db, ".schema"], None),
        ("strata dump", [a.strata, "dump", "sqlite:" + chinook_db], None),
        ("strata advise", [a.strata, "advise", "sqlite:" + chinook_db, "--severity", "info", "-q"], None),
    ]
    times = collections.defaultdict(list)
    for _ in range(a.runs):
        for label, cmd, stdin in cases + sq_cases:
            key = ("sq:" if (label, cmd, stdin) in sq_cases else "pg:") + label
            times[key].append(timed(cmd, stdin))
    med = {k: statistics.median(v) for k, v in times.items()}
    dump = med["pg:strata dump"]
    # the queries' own cost: psql's session less a session that runs nothing
    stats = max(0.0, med["pg:psql: the 4 statistics queries"] - med["pg:psql: connect, SELECT 1"])
    out.append("\n### What advising costs: danbooru on PostgreSQL (median of %d interleaved rounds)\n" % a.runs)
    out.append("| command | ms | vs strata dump |")
    out.append("|---|---:|---:|")
    for label, _, _ in cases:
        m = med["pg:" + label]
        out.append("| %s | %.0f | %.2fx |" % (label, m, m / dump))
    out.append("| strata dump + the 4 statistics queries, less psql's connection (the budget) | %.0f | %.2fx |" % (
        dump + stats, (dump + stats) / dump))
    live = med["pg:strata advise (live)"]
    out.append("\nstrata advise (live) / (strata dump + statistics queries) = **%.2f** (at most 1 meets the"
               " requirement)." % (live / (dump + stats)))
    sdump = med["sq:strata dump"]
    out.append("\n### chinook on SQLite\n")
    out.append("| command | ms | vs strata dump |")
    out.append("|---|---:|---:|")
    for label, _, _ in sq_cases:
        out.append("| %s | %.1f | %.2fx |" % (label, med["sq:" + label], med["sq:" + label] / sdump))
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    shutil.rmtree(tmp)
    for i in range(len(SCHEMAS)):
        subprocess.run([pg + "/psql", "-X", "-q", a.pg_url, "-c", "DROP DATABASE IF EXISTS bench_advise_%d" % i],
                       capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
