#!/usr/bin/env python3
"""Schema introspection and diff benchmark, side by side in one run.

  bench/schema.py --strata BIN --pg-url URL [--runs N] [--sizes 500,2000]

On a throwaway PostgreSQL (bench/run.sh starts one):

* the largest real schema of the corpus (PostgREST's big_schema: 285 views)
  and danbooru's structure.sql, each loaded into one database and, with a few
  changes, into a second;
* synthetic schemas of N tables (each with a primary key, six columns, an index
  and, past the first ten, a foreign key to one of those ten).

Timed (median of --runs, wall clock): `pg_dump --schema-only` (the physical
reference: it reads the same catalogs), `strata dump` (one introspection),
`strata diff A A` and `strata diff A B` (two introspections and the diff);
and, on the synthetic schemas, `alembic revision --autogenerate` against
SQLAlchemy models of the changed schema next to `strata diff DB schema.sql`
(which loads the file into a shadow database first). Peak memory of `strata
dump` per size shows how memory grows.

Autogenerate side by side (--autogen-sizes, default 2000): a strata project
whose one revision creates the synthetic schema and whose schema.sql is the
changed one, so that `strata revision --autogenerate` writes what `alembic
revision --autogenerate` writes for the same models: cold (`--no-cache`:
both sides replayed in shadow databases, as before the snapshot cache;
and a first run that also writes the cache) and warm (both snapshots read
from .strata/cache), next to Alembic and to the physical limit of the cold
path, `psql -f` of the schema into an empty database. Interleaved rounds;
medians. Prints a Markdown report; nothing here fails on a slow figure.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get("STRATA_CORPUS", os.path.join(HERE, "..", "..", "shared", "corpus"))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def timed(cmd, runs):
    """Median wall time in ms, and the peak RSS (KiB) of the last run."""
    times, rss = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        times.append((time.perf_counter() - t0) * 1000)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise RuntimeError(f"{cmd[0]} failed: {err.strip()[:300]}")
        rss = usage.ru_maxrss
    return statistics.median(times), rss


class Pg:
    def __init__(self, url):
        self.url = url
        self.base = url.rsplit("/", 1)[0]

    def db(self, name):
        return f"{self.base}/{name}"

    def psql(self, db, *args):
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.db(db) if db else self.url, *args])

    def fresh(self, name):
        self.psql(None, "-c", f'DROP DATABASE IF EXISTS "{name}"', "-c", f'CREATE DATABASE "{name}"')

    def load(self, name, *files, strict=False):
        self.fresh(name)
        for f in files:
            args = ["psql", "-X", "-q", self.db(name), "-f", f]
            if strict:
                args[3:3] = ["-v", "ON_ERROR_STOP=1"]
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=strict)


def synthetic_sql(n, changed=False):
    out = []
    for i in range(n):
        fk = f",\n  parent_id bigint REFERENCES t{i % 10} (id)" if i >= 10 else ""
        extra = ",\n  added text" if changed and i % 100 == 7 else ""
        out.append(
            f"CREATE TABLE t{i} (\n  id bigint PRIMARY KEY,\n  name text NOT NULL,\n"
            f"  amount numeric(12,2) DEFAULT 0,\n  created_at timestamptz NOT NULL DEFAULT now(),\n"
            f"  flags integer{fk}{extra}\n);\n")
        if not (changed and i % 100 == 3):
            out.append(f"CREATE INDEX t{i}_name_idx ON t{i} (name);\n")
    return "".join(out)


def synthetic_models(n):
    """SQLAlchemy models of the changed synthetic schema (alembic's target)."""
    lines = ["from sqlalchemy import MetaData, Table, Column, BigInteger, Text, Numeric, Integer, "
             "DateTime, ForeignKey, Index, text",
             "metadata = MetaData()"]
    for i in range(n):
        cols = ["Column('id', BigInteger, primary_key=True)",
                "Column('name', Text, nullable=False)",
                "Column('amount', Numeric(12, 2), server_default=text('0'))",
                "Column('created_at', DateTime(timezone=True), nullable=False, server_default=text('now()'))",
                "Column('flags', Integer)"]
        if i >= 10:
            cols.append(f"Column('parent_id', BigInteger, ForeignKey('t{i % 10}.id'))")
        if i % 100 == 7:
            cols.append("Column('added', Text)")
        if i % 100 != 3:
            cols.append(f"Index('t{i}_name_idx', 'name')")
        lines.append(f"t{i} = Table('t{i}', metadata, {', '.join(cols)})")
    return "\n".join(lines) + "\n"


def alembic_setup(dirname, sa_url, n):
    os.makedirs(os.path.join(dirname, "versions"))
    with open(os.path.join(dirname, "models.py"), "w") as f:
        f.write(synthetic_models(n))
    with open(os.path.join(dirname, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = {dirname}\nsqlalchemy.url = {sa_url.replace('%', '%%')}\n")
    with open(os.path.join(dirname, "env.py"), "w") as f:
        f.write(
            "import sys\nfrom alembic import context\nfrom sqlalchemy import create_engine\n"
            f"sys.path.insert(0, {dirname!r})\nfrom models import metadata\n"
            "engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n"
            "with engine.connect() as conn:\n"
            "    context.configure(connection=conn, target_metadata=metadata)\n"
            "    with context.begin_transaction():\n"
            "        context.run_migrations()\n")
    with open(os.path.join(dirname, "script.py.mako"), "w") as f:
        f.write('"""${message}"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n'
                "def upgrade():\n    ${upgrades if upgrades else 'pass'}\n"
                "def downgrade():\n    ${downgrades if downgrades else 'pass'}\n")


def alembic_python():
    """A Python that has alembic, SQLAlchemy and psycopg2 (Debian's, when the
    one running this is another), or None."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and subprocess.run([py, "-c", "import alembic, sqlalchemy, psycopg2"],
                                 capture_output=True).returncode == 0:
            return py
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="500,1000,2000")
    ap.add_argument("--no-alembic", action="store_true")
    ap.add_argument("--autogen-sizes", default="2000")
    ap.add_argument("--no-real", action="store_true", help="leave out the corpus schemas")
    a = ap.parse_args()
    pg = Pg(a.pg_url)
    S = a.strata
    env_pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    rows = []

    def measure(label, dba, dbb):
        A, B = pg.db(dba), pg.db(dbb)
        pgd, _ = timed([env_pg_dump, "--schema-only", "-f", "/dev/null", A], a.runs)
        dump, rss = timed([S, "dump", A], a.runs)
        same, _ = timed([S, "diff", A, A], a.runs)
        other, _ = timed([S, "diff", A, B], a.runs)
        rows.append((label, pgd, dump, same, other, rss))

    tmp = tempfile.mkdtemp(prefix="strata-bench-schema-")
    try:
        real = [("PostgREST big_schema", os.path.join(CORPUS, "postgrest/test/io/fixtures/big_schema.sql")),
                ("danbooru structure.sql", os.path.join(CORPUS, "danbooru/structure.sql"))]
        changes = os.path.join(tmp, "changes.sql")
        for label, path in [] if a.no_real else real:
            if not os.path.exists(path):
                print(f"note: {path} is absent; skipped", file=sys.stderr)
                continue
            pg.load("real_a", path)
            pg.load("real_b", path)
            # A few changes: a column, an index, a table.
            tables = subprocess.run(
                ["psql", "-X", "-A", "-t", pg.db("real_b"), "-c",
                 "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
                 "n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 2"],
                check=True, capture_output=True, text=True).stdout.split()
            with open(changes, "w") as f:
                for t in tables:
                    f.write(f"ALTER TABLE {t} ADD COLUMN bench_added text;\n")
                f.write("CREATE TABLE public.bench_new (id int PRIMARY KEY);\n")
            pg.psql("real_b", "-f", changes)
            print(f"bench: {label}", file=sys.stderr)
            measure(label, "real_a", "real_b")

        sizes = [int(x) for x in a.sizes.split(",") if x]
        alembic_rows = []
        for n in sizes:
            base = os.path.join(tmp, f"syn{n}.sql")
            changed = os.path.join(tmp, f"syn{n}_changed.sql")
            with open(base, "w") as f:
                f.write(synthetic_sql(n))
            with open(changed, "w") as f:
                f.write(synthetic_sql(n, changed=True))
            pg.load(f"syn{n}", base, strict=True)
            pg.load(f"syn{n}_b", changed, strict=True)
            print(f"bench: synthetic {n} tables", file=sys.stderr)
            measure(f"synthetic {n} tables", f"syn{n}", f"syn{n}_b")
            if a.no_alembic or n < 500:
                continue
            py = alembic_python()
            if not py:
                alembic_rows.append((n, None, None, None))
                continue
            strata_file, _ = timed([S, "-d", pg.db(f"syn{n}"), "diff", pg.db(f"syn{n}"), changed], a.runs)
            adir = os.path.join(tmp, f"alembic{n}")
            u = urllib.parse.urlsplit(pg.db(f"syn{n}"))
            sa_url = urllib.parse.urlunsplit(("postgresql+psycopg2",) + tuple(u[1:]))
            alembic_setup(adir, sa_url, n)
            t0 = time.perf_counter()
            r = subprocess.run([py, "-m", "alembic", "-c", os.path.join(adir, "alembic.ini"),
                                "revision", "--autogenerate", "-m", "bench"],
                               cwd=adir, capture_output=True, text=True)
            alem = (time.perf_counter() - t0) * 1000
            if r.returncode != 0:
                print(r.stderr[-500:], file=sys.stderr)
                alem = None
            alembic_rows.append((n, strata_file, alem, rows[-1][4]))
        autogen_rows = []
        for n in [int(x) for x in a.autogen_sizes.split(",") if x]:
            print(f"bench: autogenerate at {n} tables", file=sys.stderr)
            autogen_rows.append(autogen_bench(pg, S, tmp, n, a.runs, a.no_alembic))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n## Schema introspection and diff (PostgreSQL)\n")
    print(f"Median of {a.runs} runs, wall clock. Ratios: strata / pg_dump --schema-only on the same database.\n")
    print("| schema | pg_dump -s | strata dump | ratio | diff A A | ratio | diff A B | ratio | strata dump peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, pgd, dump, same, other, rss in rows:
        print(f"| {label} | {pgd:.0f} ms | {dump:.0f} ms | {dump / pgd:.2f}x | {same:.0f} ms | "
              f"{same / pgd:.2f}x | {other:.0f} ms | {other / pgd:.2f}x | {rss / 1024:.1f} MiB |")
    print("\n`diff A A` and `diff A B` read two databases; pg_dump reads one.\n")
    if alembic_rows:
        print("Autogenerate: alembic reflects the database and compares it with SQLAlchemy models of the")
        print("changed schema. strata's same work is `diff A B` (read the database, compare with the target")
        print("schema, here already in a database); `diff DB schema.sql` also loads the SQL into a shadow")
        print("database first, which is PostgreSQL running the DDL.\n")
        print("| synthetic tables | alembic autogenerate | strata diff A B | alembic / strata | "
              "strata diff DB schema.sql | alembic / strata |")
        print("|---|---|---|---|---|---|")
        for n, s, al, ab in alembic_rows:
            if s is None:
                print(f"| {n} | not installed | - | - | - | - |")
            elif al is None:
                print(f"| {n} | failed | {ab:.0f} ms | - | {s:.0f} ms | - |")
            else:
                print(f"| {n} | {al:.0f} ms | {ab:.0f} ms | {al / ab:.1f}x | {s:.0f} ms | {al / s:.1f}x |")
    if autogen_rows:
        print_autogen(autogen_rows, a.runs)


def autogen_project(dirname, pg, n, changed_sql):
    """A strata project: revisions of 100 tables each creating the synthetic
    schema (one transaction of 2,000 tables runs out of the server's lock
    table), and the changed schema as schema.sql."""
    mig = os.path.join(dirname, "migrations")
    os.makedirs(mig)
    with open(os.path.join(dirname, "strata.ini"), "w") as f:
        f.write(f"[strata]\ndatabase = {pg.db(f'syn{n}')}\nmigrations = migrations\nschema = schema.sql\n")
    # each table with its index: the text from one CREATE TABLE to the next
    tables = ["CREATE TABLE " + t for t in synthetic_sql(n).split("CREATE TABLE ") if t]
    parent = "base"
    for k in range(0, n, 100):
        rev = f"a{k // 100 + 1:011x}"
        up = "".join(tables[k:k + 100])
        with open(os.path.join(mig, f"{rev}_tables_{k}.sql"), "w") as f:
            f.write(f"-- revision: {rev}\n-- revises: {parent}\n-- message: tables {k}\n\n-- +up\n{up}\n-- +down\n")
            f.write("".join(f"DROP TABLE t{i} CASCADE;\n" for i in range(k, min(n, k + 100))))
        parent = rev
    shutil.copy(changed_sql, os.path.join(dirname, "schema.sql"))


def autogen_once(S, dirname, extra):
    """One `strata revision --autogenerate` (ms); its files are removed and
    strata.sum put back, so every run starts from the same project."""
    mig = os.path.join(dirname, "migrations")
    with open(os.path.join(mig, "strata.sum"), "rb") as f:
        summ = f.read()
    t0 = time.perf_counter()
    r = subprocess.run([S, "revision", "--autogenerate", "-m", "bench", *extra], cwd=dirname,
                       capture_output=True, text=True)
    ms = (time.perf_counter() - t0) * 1000
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError(f"strata revision --autogenerate failed: {r.stderr.strip()[:300]}")
    for path in r.stdout.split():
        os.unlink(path)
    with open(os.path.join(mig, "strata.sum"), "wb") as f:
        f.write(summ)
    return ms


def autogen_bench(pg, S, tmp, n, runs, no_alembic):
    base = os.path.join(tmp, f"syn{n}.sql")
    changed = os.path.join(tmp, f"syn{n}_changed.sql")
    for path, changed_flag in ((base, False), (changed, True)):
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(synthetic_sql(n, changed=changed_flag))
    pg.load(f"syn{n}", base, strict=True)
    proj = os.path.join(tmp, f"autogen{n}")
    autogen_project(proj, pg, n, changed)
    subprocess.run([S, "hash"], cwd=proj, check=True, capture_output=True)
    cache = os.path.join(proj, ".strata", "cache")
    py = None if no_alembic else alembic_python()
    adir = os.path.join(tmp, f"alembic_ag{n}")
    if py:
        u = urllib.parse.urlsplit(pg.db(f"syn{n}"))
        alembic_setup(adir, urllib.parse.urlunsplit(("postgresql+psycopg2",) + tuple(u[1:])), n)
    t = {"nocache": [], "first": [], "warm": [], "alembic": [], "psql": []}
    for _ in range(runs):
        t["nocache"].append(autogen_once(S, proj, ["--no-cache"]))
        shutil.rmtree(cache, ignore_errors=True)
        t["first"].append(autogen_once(S, proj, []))
        t["warm"].append(autogen_once(S, proj, []))
        t0 = time.perf_counter()
        pg.load("limit_load", changed, strict=True)
        t["psql"].append((time.perf_counter() - t0) * 1000)
        if py:
            t0 = time.perf_counter()
            r = subprocess.run([py, "-m", "alembic", "-c", os.path.join(adir, "alembic.ini"),
                                "revision", "--autogenerate", "-m", "bench"],
                               cwd=adir, capture_output=True, text=True)
            if r.returncode == 0:
                t["alembic"].append((time.perf_counter() - t0) * 1000)
                for f in os.listdir(os.path.join(adir, "versions")):
                    os.unlink(os.path.join(adir, "versions", f))
            else:
                print(r.stderr[-500:], file=sys.stderr)
    return n, {k: (statistics.median(v) if v else None) for k, v in t.items()}, \
        {k: (min(v), max(v)) if v else None for k, v in t.items()}


def print_autogen(rows, runs):
    print("\n## revision --autogenerate with the snapshot cache (PostgreSQL)\n")
    print(f"Median of {runs} interleaved rounds, wall clock. A strata project whose revisions "
          "(100 tables each) create the synthetic schema, schema.sql the changed one; Alembic compares a database "
          "at the same schema with models of the changed one. `psql -f` is the server running "
          "the schema's DDL into an empty database: what one cold shadow costs at the least.\n")
    print("| tables | alembic | strata --no-cache (as before) | strata first run (writes the cache) "
          "| strata warm | alembic / warm | alembic / no-cache | first run / no-cache | psql -f schema |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, m, _ in rows:
        al = m["alembic"]
        def ratio(x, y):
            return f"{x / y:.1f}x" if x and y else "-"
        print(f"| {n} | {f'{al:.0f} ms' if al else 'not run'} | {m['nocache']:.0f} ms | "
              f"{m['first']:.0f} ms | {m['warm']:.0f} ms | {ratio(al, m['warm'])} | "
              f"{ratio(al, m['nocache'])} | {m['first'] / m['nocache']:.2f}x | {m['psql']:.0f} ms |")
    print("\nSpread (min-max):\n")
    for n, _, spread in rows:
        print(f"- {n} tables: " + ", ".join(f"{k} {v[0]:.0f}-{v[1]:.0f} ms" for k, v in spread.items() if v))


if __name__ == "__main__":
    main()
