#!/usr/bin/env python3
"""Versioned-migration benchmark: strata side by side with the physical limit
and the peers, in one run, on one machine.

  bench/versioned.py --engine sqlite   --strata build/strata [--n 1000]
  bench/versioned.py --engine postgres --strata build/strata --pg-url URL \
                     [--pg-socket-dir DIR] [--n 1000]

Measures, on the N-revision project from gen_migrations.py:
  apply-all     empty database -> head
  no-op         upgrade when already at head (median of many runs)
  downgrade-all head -> base
for strata, the engine's own shell running the same SQL with the same
per-migration transactions and bookkeeping writes (the physical limit), and
each peer that is installed (alembic, sqitch, dbmate). Prints a table with
times and ratios to the limit; ratios, not absolute times, are the result
(the machines are shared and noisy).

On PostgreSQL the URL is TCP with a password (SCRAM-SHA-256, as in
production); with --pg-socket-dir the no-op is measured a second time over
the Unix socket, where the throwaway server trusts local users, to show what
the password exchange costs each client.

Rounds are interleaved (round 1 of every tool, then round 2, ...) so that a
slow spell on a shared machine lands on every tool alike. Every run is
checked: after apply-all and after the no-op runs the database must hold
exactly N benchmark tables, after downgrade-all none. A tool that is missing
or fails is listed with the reason, never faked.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE_RE = r"^t[0-9]+$"


class Failed(Exception):
    """A tool failed or left the database in the wrong state."""


def run(cmd, env=None, cwd=None, stdin=None):
    """Run cmd, return its wall time in seconds; raise Failed on a non-zero exit."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        msg = (p.stderr or p.stdout).decode(errors="replace").strip().splitlines()
        raise Failed(f"{os.path.basename(cmd[0])} exited {p.returncode}: "
                     f"{msg[-1] if msg else '(no output)'}")
    return dt


def find_psql():
    """psql itself. On Debian /usr/bin/psql is pg_wrapper, a Perl script that
    picks a cluster's psql and costs ~25 ms per start: that is not psql's time,
    so the limit (and sqitch, which starts psql per change) use the binary."""
    cands = []
    if os.environ.get("PG_BIN"):
        cands.append(os.path.join(os.environ["PG_BIN"], "psql"))
    vers = [v for v in os.listdir("/usr/lib/postgresql") if v.isdigit()] \
        if os.path.isdir("/usr/lib/postgresql") else []
    cands += [f"/usr/lib/postgresql/{v}/bin/psql" for v in sorted(vers, key=int, reverse=True)]
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    return shutil.which("psql") or "psql"


PSQL = find_psql()


def version_of(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        return p.stdout.decode(errors="replace").strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


class Engine:
    """Fresh, empty databases and the engine's own shell, for one engine."""

    def __init__(self, kind, work, pg_url=None, pg_socket_dir=None):
        self.kind, self.work, self.pg_url, self.seq = kind, work, pg_url, 0
        self.socket_dir = pg_socket_dir
        if pg_url:
            u = urllib.parse.urlsplit(pg_url)
            self.pg_user, self.pg_port = u.username, u.port or 5432

    def socket_url(self, db, scheme="postgresql", host_key="host"):
        """db (a TCP URL with a password) as a URL over the Unix socket, where
        the throwaway server trusts local users: no SCRAM exchange."""
        return (f"{scheme}://{self.pg_user}@/{db.rsplit('/', 1)[1]}"
                f"?{host_key}={self.socket_dir}&port={self.pg_port}")

    def fresh(self):
        """A new empty database. SQLite: bench.db alone in a new directory
        (sqitch keeps its registry in sqitch.db next to the target)."""
        self.seq += 1
        if self.kind == "sqlite":
            d = os.path.join(self.work, f"db{self.seq}")
            os.makedirs(d)
            return os.path.join(d, "bench.db")
        name = f"bench_{self.seq}"
        self.admin("-c", f'CREATE DATABASE "{name}"')
        return self.pg_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, db):
        if self.kind == "sqlite":
            shutil.rmtree(os.path.dirname(db), ignore_errors=True)
        else:
            self.admin("-c", f'DROP DATABASE IF EXISTS "{db.rsplit("/", 1)[1]}" WITH (FORCE)')

    def admin(self, *args, url=None):
        p = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                            url or self.pg_url, *args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise Failed("psql: " + p.stderr.decode(errors="replace").strip())
        return p.stdout.decode().strip()

    def count_tables(self, db):
        """How many benchmark tables (t1..tN) db holds."""
        if self.kind == "sqlite":
            if not os.path.exists(db):
                return 0
            c = sqlite3.connect(db)
            try:
                rows = c.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            finally:
                c.close()
            return sum(1 for (name,) in rows if re.match(TABLE_RE, name))
        return int(self.admin("-c", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                    f"AND tablename ~ '{TABLE_RE}'", url=db))

    def shell(self, db, script):
        with open(script) as f:
            if self.kind == "sqlite":
                return run(["sqlite3", "-batch", "-bail", db], stdin=f)
            return run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", db], stdin=f)


class Tool:
    """One tool: how to apply all, run a no-op upgrade and revert all on a database.

    runs: rounds this tool takes part in (apply-all each round);
    noop_runs: no-op upgrades, on the first round's database;
    down_runs: rounds (the first ones) in which downgrade-all is timed."""

    def __init__(self, name, apply, noop, down, runs, noop_runs, down_runs, note="",
                 noop_socket=None):
        self.name, self.apply, self.noop, self.down = name, apply, noop, down
        self.runs, self.noop_runs, self.down_runs, self.note = runs, noop_runs, down_runs, note
        self.noop_socket = noop_socket
        self.times = {"apply-all": [], "no-op": [], "no-op socket": [], "downgrade-all": []}
        self.error = None

    def round(self, eng, n, r):
        db = eng.fresh()
        try:
            t = self.apply(db)
            expect(eng, db, n, self.name, "apply-all")
            self.times["apply-all"].append(t)
            if r == 0:
                for _ in range(self.noop_runs):
                    self.times["no-op"].append(self.noop(db))
                if self.noop_socket and eng.socket_dir:
                    for _ in range(self.noop_runs):
                        self.times["no-op socket"].append(self.noop_socket(db))
                expect(eng, db, n, self.name, "no-op")
            if r < self.down_runs:
                t = self.down(db)
                expect(eng, db, 0, self.name, "downgrade-all")
                self.times["downgrade-all"].append(t)
        finally:
            eng.drop(db)

    def median(self, phase):
        t = self.times[phase]
        return statistics.median(t) if t else None


def expect(eng, db, want, tool, phase):
    got = eng.count_tables(db)
    if got != want:
        raise Failed(f"after {phase} the database holds {got} of the benchmark tables, "
                     f"not {want}")


# ---------------------------------------------------------------------------
# The tools


def tool_strata(eng, proj, strata, a):
    cwd = os.path.join(proj, "strata")
    # A real project carries strata.sum (written by `strata revision`); with it,
    # every upgrade also checks the directory against it. Measure that.
    run([strata, "-q", "hash"], cwd=cwd)

    def st(*args):
        return run([strata, "-q", *args], cwd=cwd)

    def url(db):
        return ("sqlite:" + db) if eng.kind == "sqlite" else db

    return Tool("strata",
                lambda db: st("-d", url(db), "upgrade"),
                lambda db: st("-d", url(db), "upgrade"),
                lambda db: st("-d", url(db), "downgrade", "base"),
                a.runs, a.noop_runs, a.runs,
                version_of([strata, "--version"]),
                lambda db: st("-d", eng.socket_url(db), "upgrade"))


def tool_limit(eng, proj, a):
    up, down = os.path.join(proj, "limit.sql"), os.path.join(proj, "limit_down.sql")
    noop = os.path.join(proj, "limit_noop.sql")
    with open(noop, "w") as f:
        f.write("SELECT revision FROM bench_version;\n")
    if eng.kind == "sqlite":
        name, ver = "sqlite3 (limit)", "sqlite3 " + version_of(["sqlite3", "-version"]).split()[0]
    else:
        name, ver = "psql (limit)", version_of([PSQL, "--version"]) + " at " + PSQL
    return Tool(name, lambda db: eng.shell(db, up), lambda db: eng.shell(db, noop),
                lambda db: eng.shell(db, down), a.runs, a.noop_runs, a.runs, ver,
                lambda db: eng.shell(eng.socket_url(db), noop))


def tool_alembic(eng, proj, a):
    exe = shutil.which("alembic")
    if not exe:
        raise Failed("not installed (Debian alembic, python3-sqlalchemy, python3-psycopg2)")
    d = os.path.join(proj, "alembic")

    def url(db):
        return ("sqlite:///" + db) if eng.kind == "sqlite" else \
            db.replace("postgres://", "postgresql+psycopg2://", 1)

    def al(sa_url, *args):
        env = dict(os.environ, BENCH_SQLALCHEMY_URL=sa_url)
        return run([exe, "-c", os.path.join(d, "alembic.ini"), *args], env=env, cwd=d)

    return Tool("alembic",
                lambda db: al(url(db), "upgrade", "head"),
                lambda db: al(url(db), "upgrade", "head"),
                lambda db: al(url(db), "downgrade", "base"),
                a.runs, a.slow_noop_runs, a.runs,
                version_of([exe, "--version"]),
                lambda db: al(eng.socket_url(db, "postgresql+psycopg2"), "upgrade", "head"))


def tool_sqitch(eng, proj, a):
    exe = shutil.which("sqitch")
    if not exe:
        raise Failed("not installed (Debian sqitch, libdbd-pg-perl, libdbd-sqlite3-perl)")
    client = shutil.which("sqlite3") if eng.kind == "sqlite" else PSQL
    if not client or not os.access(client, os.X_OK):
        raise Failed(f"its {eng.kind} engine needs {'sqlite3' if eng.kind == 'sqlite' else 'psql'}"
                     ", which is not installed")
    d = os.path.join(proj, "sqitch")
    # The client sqitch starts for every change: the same binary as the limit.
    with open(os.path.join(d, "sqitch.conf"), "a") as f:
        f.write(f'[engine "{"sqlite" if eng.kind == "sqlite" else "pg"}"]\n\tclient = {client}\n')
    env = dict(os.environ, SQITCH_USER_NAME="bench", SQITCH_USER_EMAIL="bench@example.com")

    def target(db):
        return ("db:sqlite:" + db) if eng.kind == "sqlite" else \
            "db:" + db.replace("postgres://", "pg://", 1)

    def sq(cmd, db, *extra):
        return run([exe, cmd, *extra, target(db)], cwd=d, env=env)

    # sqitch runs the engine's shell once per change: minutes for 1,000
    # changes on PostgreSQL, so it takes part in fewer rounds.
    return Tool("sqitch",
                lambda db: sq("deploy", db),
                lambda db: sq("deploy", db),
                lambda db: sq("revert", db, "-y"),
                a.slow_runs, a.slow_noop_runs, a.slow_runs,
                version_of([exe, "--version"]))


def find_dbmate():
    """The dbmate binary itself: node_modules/.bin/dbmate is a Node.js script
    that starts it, and timing Node's start-up would not be dbmate's."""
    base = os.path.join(HERE, "node_modules", "@dbmate")
    if os.path.isdir(base):
        for sub in sorted(os.listdir(base)):
            c = os.path.join(base, sub, "bin", "dbmate")
            if os.access(c, os.X_OK):
                return c
    return shutil.which("dbmate")


def tool_dbmate(eng, proj, a):
    exe = find_dbmate()
    if not exe:
        raise Failed("not installed (npm install --prefix bench)")
    d = os.path.join(proj, "dbmate")
    n = a.n

    def url(db):
        return ("sqlite:" + db) if eng.kind == "sqlite" else \
            (db + ("&" if "?" in db else "?") + "sslmode=disable")

    def dm(db, *args, u=None):
        return run([exe, "--no-dump-schema", "-u", u or url(db), *args], cwd=d)

    def down_all(db):
        # dbmate has no "down to base": it rolls back one migration per call.
        return sum(dm(db, "rollback") for _ in range(n))

    # `migrate`, not `up`: up also creates the database, which exists here.
    return Tool("dbmate",
                lambda db: dm(db, "migrate"),
                lambda db: dm(db, "migrate"),
                down_all,
                a.runs, a.noop_runs, 1,
                version_of([exe, "--version"]),
                lambda db: dm(db, "migrate", u=eng.socket_url(db, "postgres", "socket") +
                              "&sslmode=disable"))


PEERS = {"alembic": tool_alembic, "sqitch": tool_sqitch, "dbmate": tool_dbmate}


# ---------------------------------------------------------------------------
# Report


def fmt_ms(s):
    return "-" if s is None else (f"{s * 1000:.1f}" if s < 10 else f"{s * 1000:.0f}")


def fmt_x(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def table(tools, missing, engine):
    """The result: medians, and ratios of medians (to the limit for apply and
    downgrade, to strata for no-op: how many times strata's no-op is faster)."""
    limit, strata = tools[1], tools[0]
    sock = any(t.times["no-op socket"] for t in tools)
    head = ["tool", "apply-all ms", "x limit", "no-op ms", "x strata"]
    if sock:
        head += ["no-op ms, socket", "x strata"]
    head += ["downgrade-all ms", "x limit"]
    lines = ["| " + " | ".join(head) + " |",
             "|---|" + "---:|" * (len(head) - 1)]
    for t in tools:
        if t.error:
            lines.append(f"| {t.name} | failed: {t.error} |" + " |" * (len(head) - 2))
            continue
        ap, no, dn = t.median("apply-all"), t.median("no-op"), t.median("downgrade-all")
        row = [t.name, fmt_ms(ap), fmt_x(ap, limit.median("apply-all")),
               fmt_ms(no), fmt_x(no, strata.median("no-op"))]
        if sock:
            ns = t.median("no-op socket")
            row += [fmt_ms(ns), fmt_x(ns, strata.median("no-op socket"))]
        row += [fmt_ms(dn), fmt_x(dn, limit.median("downgrade-all"))]
        lines.append("| " + " | ".join(row) + " |")
    for name, why in missing:
        lines.append(f"| {name} | not run: {why} |" + " |" * (len(head) - 2))
    return "\n".join(lines)


def spread(tools):
    """How noisy each figure was: runs, and fastest-slowest, in ms."""
    def rng(xs):
        return "-" if not xs else f"{len(xs)}: {fmt_ms(min(xs))}-{fmt_ms(max(xs))}"
    sock = any(t.times["no-op socket"] for t in tools)
    lines = ["| tool | apply-all | no-op |" + (" no-op, socket |" if sock else "") +
             " downgrade-all |", "|---|---|---|" + ("---|" if sock else "") + "---|"]
    for t in tools:
        if t.error:
            continue
        lines.append(f"| {t.name} | {rng(t.times['apply-all'])} | {rng(t.times['no-op'])} |" +
                     (f" {rng(t.times['no-op socket'])} |" if sock else "") +
                     f" {rng(t.times['downgrade-all'])} |")
    return "\n".join(lines)


def verdicts(tools, engine):
    by = {t.name: t for t in tools}
    strata, limit = tools[0], tools[1]
    out = []

    def ok(cond):
        return "met" if cond else "MISSED"

    if strata.error or limit.error:
        return ["targets: not checked (strata or the limit failed)"]
    s_ap, s_no = strata.median("apply-all"), strata.median("no-op")
    ratio = s_ap / limit.median("apply-all")
    if engine == "sqlite":
        out.append(f"target no-op upgrade < 10 ms median: {s_no * 1000:.1f} ms -> "
                   f"{ok(s_no < 0.010)}")
        out.append(f"target apply-all <= 1.5x sqlite3: {ratio:.2f}x -> {ok(ratio <= 1.5)}")
    else:
        out.append(f"target apply-all <= 1.3x psql: {ratio:.2f}x -> {ok(ratio <= 1.3)}")
        al, dm = by.get("alembic"), by.get("dbmate")
        if al and not al.error and al.median("no-op"):
            x = al.median("no-op") / s_no
            out.append(f"target no-op >= 20x faster than alembic: {x:.1f}x -> {ok(x >= 20)}")
        else:
            out.append("target no-op vs alembic: not checked (alembic did not run)")
        if dm and not dm.error and dm.median("no-op"):
            x = dm.median("no-op") / s_no
            out.append(f"target no-op faster than dbmate: {x:.2f}x -> {ok(x > 1)}")
        else:
            out.append("target no-op vs dbmate: not checked (dbmate did not run)")
        s_so = strata.median("no-op socket")
        if s_so:
            for peer in (al, dm):
                if peer and not peer.error and peer.median("no-op socket"):
                    out.append(f"  (over the Unix socket, no SCRAM: {peer.name} no-op / strata "
                               f"no-op = {peer.median('no-op socket') / s_so:.2f}x)")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--strata", required=True)
    ap.add_argument("--pg-url", help="superuser URL of a throwaway server (postgres), over "
                    "TCP with a password (SCRAM)")
    ap.add_argument("--pg-socket-dir", help="its Unix socket directory, where local users are "
                    "trusted: no-op is also measured there, without the SCRAM exchange")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3, help="apply/downgrade rounds")
    ap.add_argument("--noop-runs", type=int, default=21)
    ap.add_argument("--slow-runs", type=int, default=1,
                    help="rounds for sqitch (one shell per change)")
    ap.add_argument("--slow-noop-runs", type=int, default=7,
                    help="no-op runs for alembic and sqitch")
    ap.add_argument("--peers", default="alembic,sqitch,dbmate")
    ap.add_argument("--json", help="also write the raw times here")
    a = ap.parse_args()
    if a.engine == "postgres" and not a.pg_url:
        ap.error("--pg-url is needed for --engine postgres")
    strata = os.path.abspath(a.strata)
    work = tempfile.mkdtemp(prefix="strata-bench-")
    try:
        proj = os.path.join(work, "proj")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_migrations.py"), proj, str(a.n),
                        a.engine], check=True)
        eng = Engine(a.engine, work, a.pg_url,
                     a.pg_socket_dir if a.engine == "postgres" else None)
        tools = [tool_strata(eng, proj, strata, a), tool_limit(eng, proj, a)]
        missing = []
        for name in [p for p in a.peers.split(",") if p]:
            try:
                tools.append(PEERS[name](eng, proj, a))
            except Failed as e:
                missing.append((name, str(e)))
        t0 = time.perf_counter()
        for r in range(max(t.runs for t in tools)):
            for t in tools:
                if t.error or r >= t.runs:
                    continue
                t1 = time.perf_counter()
                try:
                    t.round(eng, a.n, r)
                except Failed as e:  # a tool that fails is reported, not hidden
                    t.error = str(e)[:200]
                print(f"  [{a.engine}] round {r + 1}: {t.name} "
                      f"{'FAILED: ' + t.error if t.error else 'ok'} "
                      f"({time.perf_counter() - t1:.1f}s)", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - t0
        print(f"\n{a.engine}: {a.n} revisions; medians, ratios of medians "
              f"({elapsed:.0f}s of measuring)\n")
        print(table(tools, missing, a.engine))
        print("\nruns and spread (count: fastest-slowest ms):\n")
        print(spread(tools))
        print()
        print("versions: " + "; ".join(f"{t.name}: {t.note}" for t in tools))
        for line in verdicts(tools, a.engine):
            print(line)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"engine": a.engine, "n": a.n,
                           "tools": {t.name: {"times": t.times, "error": t.error,
                                              "version": t.note} for t in tools},
                           "missing": dict(missing)}, f, indent=1)
        return 0 if not tools[0].error and not tools[1].error else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
