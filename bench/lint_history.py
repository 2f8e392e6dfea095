#!/usr/bin/env python3
"""strata lint with the history context, side by side with the same files
linted without it, and with squawk.

    bench/lint_history.py --strata build/strata --squawk bench/node_modules/.bin/squawk \
                          [--corpus ../shared/corpus] [--revisions 1000] [--runs 5]

Two projects of strata migrations (up and down sections), each linted
three ways in one process per run:

  history      `strata lint --all` in the project: every revision with the
               state every revision before it leaves (its up, then its down)
  no history   the same files from a folder outside any project: each file
               on its own, as lint read every file before it knew the history
  squawk       the same files (squawk reads both sections as one SQL file)

Projects: the N-revision benchmark project (bench/gen_migrations.py, one
table and index per revision) and the kratos PostgreSQL chain of the shared
corpus, up and down files of each step joined into strata migrations in
popx's resolved order (autocommit steps get 'transaction: off'). Prints
markdown: median seconds of --runs interleaved rounds, statements per
second (strata's count) and the ratios. Not a test: nothing here fails on
a figure.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def rev_id(i):
    return "c%011x" % i


def write_project(root, steps):
    """steps: [(slug, up_sql, down_sql, transactional)] in apply order."""
    mig = os.path.join(root, "migrations")
    os.makedirs(mig)
    with open(os.path.join(root, "strata.ini"), "w") as f:
        f.write("[strata]\nmigrations = migrations\n")
    parent = "base"
    for i, (slug, up, down, tx) in enumerate(steps, 1):
        rid = rev_id(i)
        with open(os.path.join(mig, f"{rid}_{slug}.sql"), "w") as f:
            f.write(f"-- revision: {rid}\n-- revises: {parent}\n-- message: {slug}\n")
            if not tx:
                f.write("-- transaction: off\n")
            f.write(f"\n-- +up\n{up.strip()}\n\n-- +down\n{down.strip()}\n")
        parent = rid
    return mig


def kratos_steps(corpus):
    k = os.path.join(corpus, "kratos")
    order = json.load(open(os.path.join(k, "resolved-order.json")))["postgres"]
    downs = {e["version"]: e["file"] for e in order["down"]}
    steps = []
    for e in order["up"]:
        up = open(os.path.join(k, "sql", e["file"])).read()
        down_file = downs.get(e["version"])
        down = open(os.path.join(k, "sql", down_file)).read() if down_file else ""
        slug = re.sub(r"[^a-z0-9_]", "_", e["file"].split("_", 1)[1].split(".")[0].lower())
        # Every kratos step needs a down section or an irreversible header.
        if not down.strip():
            down = "SELECT 1;"
        steps.append((slug, up, down, not e["autocommit"]))
    return steps


def generated_steps(n):
    sys.path.insert(0, HERE)
    import gen_migrations as g
    return [(f"create_t{i}", g.up_sql(i), g.down_sql(i), True) for i in range(1, n + 1)]


def timed(cmd, cwd):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t, p


def statements(p):
    m = re.search(r"(\d+) statement\(s\)", p.stderr)
    return int(m.group(1)) if m else 0


def bench(name, steps, args, work):
    proj = os.path.join(work, name, "project")
    mig = write_project(proj, steps)
    plain = os.path.join(work, name, "plain")
    shutil.copytree(mig, plain)
    files = sorted(os.path.join(plain, f) for f in os.listdir(plain))
    outside = os.path.join(work, name)  # no strata.ini here: no graph, no history
    modes = {
        "history": ([args.strata, "lint", "--all", "--engine", "postgres"], proj),
        "no history": ([args.strata, "lint", "--engine", "postgres", plain], outside),
    }
    if args.squawk:
        modes["squawk"] = ([args.squawk] + files, outside)
    times = {m: [] for m in modes}
    counts = {}
    for _ in range(args.runs):
        for m, (cmd, cwd) in modes.items():
            dt, p = timed(cmd, cwd)
            if p.returncode not in (0, 1):
                sys.exit(f"{m} failed ({p.returncode}): {p.stderr[-500:]}")
            times[m].append(dt)
            if m != "squawk":
                counts[m] = (statements(p), p.stdout.count(": error SL") + p.stdout.count(": warning SL"))
    med = {m: statistics.median(v) for m, v in times.items()}
    stmts = counts["history"][0]
    print(f"\n### {name}: {len(steps)} revisions, {stmts} statements (up and down)\n")
    print("| lint | median | statements/s | vs history | findings |")
    print("|---|---:|---:|---:|---:|")
    for m in modes:
        found = counts[m][1] if m in counts else "-"
        print(f"| {m} | {med[m] * 1000:.1f} ms | {stmts / med[m]:.0f} | "
              f"{med[m] / med['history']:.2f} | {found} |")
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--squawk")
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpus"))
    ap.add_argument("--revisions", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    args.strata = os.path.abspath(args.strata)
    if args.squawk:
        args.squawk = os.path.abspath(args.squawk)
        if not os.access(args.squawk, os.X_OK):
            print(f"squawk not found at {args.squawk}: compared without it")
            args.squawk = None
    work = tempfile.mkdtemp(prefix="strata-lint-history.")
    try:
        print("## strata lint: history context vs none vs squawk")
        print(f"\nmedian of {args.runs} interleaved rounds; 'vs history' is time / history's time")
        results = {}
        results["generated"] = bench(f"generated ({args.revisions})",
                                     generated_steps(args.revisions), args, work)
        if os.path.isdir(os.path.join(args.corpus, "kratos")):
            results["kratos"] = bench("kratos", kratos_steps(args.corpus), args, work)
        else:
            print(f"\ncorpus not found at {args.corpus}: kratos chain skipped")
        print("\n| project | history / no history | squawk / history |")
        print("|---|---:|---:|")
        for name, med in results.items():
            sq = f"{med['squawk'] / med['history']:.1f}x" if "squawk" in med else "-"
            print(f"| {name} | {med['history'] / med['no history']:.2f}x | {sq} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
