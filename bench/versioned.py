#!/usr/bin/env python3
"""Versioned-migration benchmark: strata side by side with the physical limit
and the peers, in one run, on one machine.

  bench/versioned.py --engine sqlite   --strata build/strata [--n 1000]
  bench/versioned.py --engine postgres --strata build/strata --pg-url URL [--n 1000]

Measures, on the N-revision project from gen_migrations.py:
  apply-all     empty database -> head
  no-op         upgrade when already at head (median of many runs)
  downgrade-all head -> base
for strata, the engine's own shell running the same SQL with the same
per-migration transactions and bookkeeping writes (the physical limit), and
each peer that is installed (alembic, sqitch, dbmate). Prints a table with
times and ratios to the limit; ratios, not absolute times, are the result
(the machines are shared and noisy). Missing peers are listed, not faked.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, env=None, cwd=None, stdin=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode()[-800:]}")
    return dt


class Engine:
    """Fresh databases and the engine's shell for one engine."""

    def __init__(self, kind, work, pg_url=None):
        self.kind, self.work, self.pg_url, self.seq = kind, work, pg_url, 0

    def fresh(self):
        self.seq += 1
        if self.kind == "sqlite":
            path = os.path.join(self.work, f"bench{self.seq}.db")
            for suffix in ("", "-journal", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            return path
        name = f"bench_{os.getpid()}_{self.seq}"
        admin = self.pg_url
        subprocess.run(["psql", "-X", "-q", admin, "-c", f'DROP DATABASE IF EXISTS "{name}"',
                        "-c", f'CREATE DATABASE "{name}"'], check=True, stdout=subprocess.DEVNULL)
        return admin.rsplit("/", 1)[0] + "/" + name

    def strata_url(self, db):
        return ("sqlite:" + db) if self.kind == "sqlite" else db

    def shell(self, db, script):
        with open(script) as f:
            if self.kind == "sqlite":
                return run(["sqlite3", "-batch", "-bail", db], stdin=f)
            return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db], stdin=f)


def median_of(fn, runs):
    return statistics.median(fn() for _ in range(runs))


def bench_strata(eng, proj, strata, runs, noop_runs):
    env = dict(os.environ)
    cwd = os.path.join(proj, "strata")

    def st(db, *args):
        return run([strata, "-q", "-d", eng.strata_url(db), *args], env=env, cwd=cwd)

    def apply_all():
        return st(eng.fresh(), "upgrade")
    res = {"apply-all": median_of(apply_all, runs)}
    db = eng.fresh()
    st(db, "upgrade")
    res["no-op"] = median_of(lambda: st(db, "upgrade"), noop_runs)

    def down_all():
        d = eng.fresh()
        st(d, "upgrade")
        return st(d, "downgrade", "base")
    res["downgrade-all"] = median_of(down_all, runs)
    return res


def bench_limit(eng, proj, runs):
    up, down = os.path.join(proj, "limit.sql"), os.path.join(proj, "limit_down.sql")
    res = {"apply-all": median_of(lambda: eng.shell(eng.fresh(), up), runs)}
    db = eng.fresh()
    eng.shell(db, up)
    noop = os.path.join(proj, "noop.sql")
    with open(noop, "w") as f:
        f.write("SELECT revision FROM bench_version;\n")
    res["no-op"] = median_of(lambda: eng.shell(db, noop), 20)

    def down_all():
        d = eng.fresh()
        eng.shell(d, up)
        return eng.shell(d, down)
    res["downgrade-all"] = median_of(down_all, runs)
    return res


def bench_alembic(eng, proj, runs, noop_runs):
    if not shutil.which("alembic"):
        return None, "alembic not installed (Debian python3-alembic)"
    d = os.path.join(proj, "alembic")

    def url(db):
        return ("sqlite:///" + db) if eng.kind == "sqlite" else \
            db.replace("postgres://", "postgresql+psycopg2://", 1)

    def al(db, *args):
        env = dict(os.environ, BENCH_SQLALCHEMY_URL=url(db))
        return run(["alembic", "-c", os.path.join(d, "alembic.ini"), *args], env=env, cwd=d)
    res = {"apply-all": median_of(lambda: al(eng.fresh(), "upgrade", "head"), runs)}
    db = eng.fresh()
    al(db, "upgrade", "head")
    res["no-op"] = median_of(lambda: al(db, "upgrade", "head"), max(3, noop_runs // 4))

    def down_all():
        x = eng.fresh()
        al(x, "upgrade", "head")
        return al(x, "downgrade", "base")
    res["downgrade-all"] = median_of(down_all, runs)
    return res, None


def bench_sqitch(eng, proj, runs, noop_runs):
    if not shutil.which("sqitch"):
        return None, "sqitch not installed (Debian sqitch)"
    d = os.path.join(proj, "sqitch")

    def target(db):
        return ("db:sqlite:" + db) if eng.kind == "sqlite" else "db:" + db.replace("postgres://", "pg://", 1)

    def sq(db, *args):
        return run(["sqitch", *args, target(db)], cwd=d)
    res = {"apply-all": median_of(lambda: sq(eng.fresh(), "deploy"), runs)}
    db = eng.fresh()
    sq(db, "deploy")
    res["no-op"] = median_of(lambda: sq(db, "deploy"), max(3, noop_runs // 4))

    def down_all():
        x = eng.fresh()
        sq(x, "deploy")
        return run(["sqitch", "revert", "-y", target(x)], cwd=d)
    res["downgrade-all"] = median_of(down_all, runs)
    return res, None


def find_dbmate():
    for c in (os.path.join(HERE, "node_modules", ".bin", "dbmate"), shutil.which("dbmate")):
        if c and os.path.exists(c):
            return c
    return None


def bench_dbmate(eng, proj, runs, noop_runs):
    exe = find_dbmate()
    if not exe:
        return None, "dbmate not installed (npm install --prefix bench dbmate)"
    d = os.path.join(proj, "dbmate")

    def url(db):
        return ("sqlite:" + db) if eng.kind == "sqlite" else \
            (db + ("&" if "?" in db else "?") + "sslmode=disable")

    def dm(db, *args):
        return run([exe, "--no-dump-schema", "-u", url(db), *args], cwd=d)
    res = {"apply-all": median_of(lambda: dm(eng.fresh(), "up"), runs)}
    db = eng.fresh()
    dm(db, "up")
    res["no-op"] = median_of(lambda: dm(db, "up"), max(3, noop_runs // 4))

    def down_all():
        # dbmate rolls back one migration per call: that is its downgrade-all
        x = eng.fresh()
        dm(x, "up")
        n = int(open(os.path.join(proj, "n")).read())
        return sum(dm(x, "rollback") for _ in range(n))
    res["downgrade-all"] = median_of(down_all, 1)
    return res, None


def fmt_ms(s):
    return f"{s * 1000:10.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pg-url")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--noop-runs", type=int, default=21)
    ap.add_argument("--peers", default="alembic,sqitch,dbmate")
    a = ap.parse_args()
    strata = os.path.abspath(a.strata)
    work = tempfile.mkdtemp(prefix="strata-bench-")
    try:
        proj = os.path.join(work, "proj")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_migrations.py"), proj, str(a.n),
                        a.engine], check=True)
        with open(os.path.join(proj, "n"), "w") as f:
            f.write(str(a.n))
        eng = Engine(a.engine, work, a.pg_url)
        rows = [("strata", bench_strata(eng, proj, strata, a.runs, a.noop_runs), None)]
        limit = bench_limit(eng, proj, a.runs)
        rows.append((("sqlite3" if a.engine == "sqlite" else "psql") + " (limit)", limit, None))
        peers = {"alembic": bench_alembic, "sqitch": bench_sqitch, "dbmate": bench_dbmate}
        for name in [p for p in a.peers.split(",") if p]:
            try:
                res, why = peers[name](eng, proj, a.runs, a.noop_runs)
            except Exception as e:  # a peer that fails is reported, not hidden
                res, why = None, f"failed: {str(e).splitlines()[0][:160]}"
            rows.append((name, res, why))
        print(f"\n{a.engine}: {a.n} revisions (median; apply/downgrade of {a.runs} runs, "
              f"no-op of {a.noop_runs})")
        print(f"{'tool':18} {'apply-all ms':>12} {'x limit':>8} {'no-op ms':>10} "
              f"{'x strata':>9} {'downgrade ms':>13} {'x limit':>8}")
        s = rows[0][1]
        for name, res, why in rows:
            if res is None:
                print(f"{name:18} {why}")
                continue
            print(f"{name:18} {fmt_ms(res['apply-all']):>12} "
                  f"{res['apply-all'] / limit['apply-all']:8.2f} {fmt_ms(res['no-op']):>10} "
                  f"{res['no-op'] / s['no-op']:9.1f} {fmt_ms(res['downgrade-all']):>13} "
                  f"{res['downgrade-all'] / limit['downgrade-all']:8.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
