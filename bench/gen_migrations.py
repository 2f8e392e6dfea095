#!/usr/bin/env python3
"""Generate the N-revision benchmark project, for strata and for its peers.

Each revision creates one table with a few columns and an index; its down
drops the table. The same SQL is written in every tool's format so they
all do the same work:

  strata/    strata.ini + migrations/<id>_create_tN.sql
  limit.sql  the physical limit: the same statements with the same
             per-migration transactions and bookkeeping writes, for the
             engine's own shell (sqlite3 or psql)
  limit_down.sql  the same for reverting everything
  alembic/   alembic.ini + env.py + versions/*.py  (op.execute of the same SQL)
  sqitch/    sqitch.plan + deploy/ revert/ scripts
  dbmate/    db/migrations/<version>_create_tN.sql

usage: gen_migrations.py OUTDIR N ENGINE   (ENGINE: sqlite or postgres)
"""
import os
import sys


def rev_id(i):
    return "b%011x" % i


def up_sql(i):
    return (f"CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL, "
            f"created_at text, amount integer DEFAULT 0);\n"
            f"CREATE INDEX t{i}_name ON t{i} (name);")


def down_sql(i):
    return f"DROP TABLE t{i};"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def limit_scripts(out, n, engine):
    """What strata does, as plain SQL: per-step transaction + bookkeeping."""
    pg = engine == "postgres"
    now = "now()" if pg else "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
    ident = ("bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY" if pg
             else "INTEGER PRIMARY KEY AUTOINCREMENT")
    ts = "timestamptz" if pg else "TEXT"
    head = (f"CREATE TABLE IF NOT EXISTS bench_version (revision text PRIMARY KEY);\n"
            f"CREATE TABLE IF NOT EXISTS bench_history (id {ident}, revision text NOT NULL, "
            f"direction text NOT NULL, checksum text, started_at {ts} NOT NULL, "
            f"finished_at {ts}, duration_ms bigint, db_user text, client_host text, "
            f"tool_version text, outcome text NOT NULL, error text, failed_statement text, "
            f"statements_run integer, note text);\n")
    ups, downs = [head], []
    for i in range(1, n + 1):
        prev = rev_id(i - 1) if i > 1 else None
        bk = ("DELETE FROM bench_version;\n"
              f"INSERT INTO bench_version (revision) VALUES ('{rev_id(i)}');\n"
              "INSERT INTO bench_history (revision, direction, checksum, started_at, finished_at, "
              "duration_ms, db_user, client_host, tool_version, outcome, statements_run) VALUES "
              f"('{rev_id(i)}', 'up', 'sha256-v1:{i:064x}', {now}, {now}, 0, 'bench', 'bench', "
              f"'bench', 'applied', 2);\n")
        ups.append(f"BEGIN;\n{up_sql(i)}\n{bk}COMMIT;\n")
        bkd = ("DELETE FROM bench_version;\n" +
               (f"INSERT INTO bench_version (revision) VALUES ('{prev}');\n" if prev else "") +
               "INSERT INTO bench_history (revision, direction, checksum, started_at, finished_at, "
               "duration_ms, db_user, client_host, tool_version, outcome, statements_run) VALUES "
               f"('{rev_id(i)}', 'down', 'sha256-v1:{i:064x}', {now}, {now}, 0, 'bench', 'bench', "
               f"'bench', 'reverted', 1);\n")
        downs.append(f"BEGIN;\n{down_sql(i)}\n{bkd}COMMIT;\n")
    write(os.path.join(out, "limit.sql"), "".join(ups))
    write(os.path.join(out, "limit_down.sql"), "".join(reversed(downs)))


def strata_project(out, n):
    d = os.path.join(out, "strata")
    write(os.path.join(d, "strata.ini"), "[strata]\nmigrations = migrations\n")
    for i in range(1, n + 1):
        parent = rev_id(i - 1) if i > 1 else "base"
        write(os.path.join(d, "migrations", f"{rev_id(i)}_create_t{i}.sql"),
              f"-- revision: {rev_id(i)}\n-- revises: {parent}\n-- message: create t{i}\n\n"
              f"-- +up\n{up_sql(i)}\n\n-- +down\n{down_sql(i)}\n")


def alembic_project(out, n, engine):
    d = os.path.join(out, "alembic")
    write(os.path.join(d, "alembic.ini"),
          "[alembic]\nscript_location = %(here)s\nsqlalchemy.url = driver://\n"
          "[loggers]\nkeys = root\n[handlers]\nkeys = console\n[formatters]\nkeys = generic\n"
          "[logger_root]\nlevel = WARN\nhandlers = console\n[handler_console]\n"
          "class = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n"
          "[formatter_generic]\nformat = %(levelname)s %(message)s\n")
    write(os.path.join(d, "env.py"),
          "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n"
          "url = os.environ['BENCH_SQLALCHEMY_URL']\n"
          "engine = create_engine(url)\n"
          "with engine.connect() as connection:\n"
          "    context.configure(connection=connection, transaction_per_migration=True)\n"
          "    with context.begin_transaction():\n"
          "        context.run_migrations()\n")
    write(os.path.join(d, "script.py.mako"), "")
    for i in range(1, n + 1):
        parent = repr(rev_id(i - 1)) if i > 1 else "None"
        stmts = up_sql(i).split("\n")
        body_up = "\n".join(f"    op.execute({s!r})" for s in stmts)
        write(os.path.join(d, "versions", f"{rev_id(i)}_create_t{i}.py"),
              f"from alembic import op\nrevision = {rev_id(i)!r}\ndown_revision = {parent}\n"
              f"branch_labels = None\ndepends_on = None\n\n"
              f"def upgrade():\n{body_up}\n\n"
              f"def downgrade():\n    op.execute({down_sql(i)!r})\n")


def sqitch_project(out, n, engine):
    d = os.path.join(out, "sqitch")
    write(os.path.join(d, "sqitch.conf"),
          f"[core]\n\tengine = {'pg' if engine == 'postgres' else 'sqlite'}\n")
    plan = ["%syntax-version=1.0.0", "%project=bench", ""]
    for i in range(1, n + 1):
        name = f"create_t{i}"
        plan.append(f"{name} 2024-01-01T00:00:00Z bench <bench@example.com> # create t{i}")
        write(os.path.join(d, "deploy", name + ".sql"), f"BEGIN;\n{up_sql(i)}\nCOMMIT;\n")
        write(os.path.join(d, "revert", name + ".sql"), f"BEGIN;\n{down_sql(i)}\nCOMMIT;\n")
    write(os.path.join(d, "sqitch.plan"), "\n".join(plan) + "\n")


def dbmate_project(out, n):
    d = os.path.join(out, "dbmate", "db", "migrations")
    for i in range(1, n + 1):
        write(os.path.join(d, f"{20000000000000 + i}_create_t{i}.sql"),
              f"-- migrate:up\n{up_sql(i)}\n\n-- migrate:down\n{down_sql(i)}\n")


def main():
    out, n, engine = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    strata_project(out, n)
    limit_scripts(out, n, engine)
    alembic_project(out, n, engine)
    sqitch_project(out, n, engine)
    dbmate_project(out, n)


if __name__ == "__main__":
    main()
