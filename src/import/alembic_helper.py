# import/alembic_helper.py - what `strata import alembic` runs with python3
# to read an Alembic project through Alembic itself.
#
#   python3 -c HELPER PROJECT_DIR DIALECT
#
# PROJECT_DIR holds alembic.ini; DIALECT is postgresql or sqlite. Prints one
# JSON object on stdout: {"revisions": [...], "notes": [...]}, each revision
# with its graph (ids, down_revision as a list, branch labels, resolved
# depends_on), message, create date, file, and the SQL Alembic renders in
# offline mode for its upgrade and its downgrade, or why it could not.
#
# The SQL comes from one offline `upgrade heads` and one offline
# `downgrade heads:base` run through the project's own env.py (so its
# context.configure options apply), with sqlalchemy.url set to the bare
# dialect in memory: alembic.ini is read, never written. Each revision's
# migration function is wrapped so that only what it writes is kept: the
# alembic_version statements and the BEGIN/COMMIT Alembic writes around
# steps fall outside. A function that raises, or that reads the database
# through op.get_bind(), is kept as a stub with the reason, and the run
# goes on with the next revision.
#
# This file is compiled into the strata binary (see the Makefile's rule for
# alembic_helper.h), so an installed strata needs no file beside it.
import datetime
import inspect
import io
import json
import os
import re
import sys


def fail(msg):
    sys.stderr.write("alembic helper: %s\n" % msg)
    sys.exit(2)


try:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.operations import Operations
    import sqlalchemy
except ImportError as e:
    fail("cannot import alembic and SQLAlchemy (%s); install Debian's python3-alembic "
         "or set STRATA_PYTHON to a python3 that has them" % e)


class ReadsDatabase(Exception):
    pass


def is_read(stmt):
    if isinstance(stmt, str):
        text = stmt
    elif isinstance(stmt, sqlalchemy.sql.expression.Select):
        return True
    elif isinstance(stmt, sqlalchemy.sql.elements.TextClause):
        text = stmt.text
    else:
        return False
    return re.match(r"\s*(select|with|show|pragma|values)\b", text, re.I) is not None


class BindProxy(object):
    """op.get_bind() in offline mode: writes pass to Alembic's own mock
    connection (which renders them); a read cannot be answered."""

    def __init__(self, bind):
        self._bind = bind

    def _check(self, stmt):
        if is_read(stmt):
            raise ReadsDatabase("it reads the database through op.get_bind() "
                                "(%s), which offline mode cannot answer" %
                                str(stmt).strip().split("\n")[0][:120])

    def execute(self, stmt, *a, **kw):
        self._check(stmt)
        return self._bind.execute(stmt, *a, **kw)

    def exec_driver_sql(self, stmt, *a, **kw):
        self._check(stmt)
        return self._bind.exec_driver_sql(stmt, *a, **kw)

    def scalar(self, stmt, *a, **kw):
        raise ReadsDatabase("it reads the database through op.get_bind().scalar(), "
                            "which offline mode cannot answer")

    def scalars(self, stmt, *a, **kw):
        raise ReadsDatabase("it reads the database through op.get_bind().scalars(), "
                            "which offline mode cannot answer")

    def __getattr__(self, name):
        return getattr(self._bind, name)


state = {"autocommit": False}
real_get_bind = Operations.get_bind
real_autocommit_block = MigrationContext.autocommit_block


def get_bind(self):
    bind = real_get_bind(self)
    return BindProxy(bind) if bind is not None else None


def autocommit_block(self):
    state["autocommit"] = True
    return real_autocommit_block(self)


Operations.get_bind = get_bind
MigrationContext.autocommit_block = autocommit_block


def clean(sql):
    """What Alembic wrote inside one migration function, without its own
    transaction lines (an autocommit block writes COMMIT ... BEGIN)."""
    out = []
    for line in sql.split("\n"):
        if re.match(r"^\s*(BEGIN|COMMIT)\s*;\s*$", line, re.I):
            continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n" if text else ""


class StepProxy(object):
    """A migration step whose function records what it writes."""

    def __init__(self, step, buf, results):
        self._step = step
        self._buf = buf
        self._results = results

    @property
    def migration_fn(self):
        real = self._step.migration_fn
        rev = self._step.revision.revision

        def run(**kw):
            start = self._buf.tell()
            state["autocommit"] = False
            entry = {"sql": None, "error": None, "autocommit": False}
            try:
                real(**kw)
                entry["sql"] = clean(self._buf.getvalue()[start:])
            except ReadsDatabase as e:
                entry["error"] = str(e)
            except Exception as e:  # the step cannot render offline: why
                msg = str(e).strip().split("\n")[0]
                entry["error"] = "%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__
            entry["autocommit"] = state["autocommit"]
            # Drop whatever a failed step wrote, keep the buffer for the next.
            self._buf.seek(start)
            self._buf.truncate()
            self._results[rev] = entry

        return run

    def __getattr__(self, name):
        return getattr(self._step, name)


def render(cfg, script, upgrade):
    buf = io.StringIO()
    results = {}
    cfg.output_buffer = buf

    def fn(rev, context):
        if upgrade:
            steps = script._upgrade_revs("heads", rev)
        else:
            steps = script._downgrade_revs("base", rev)
        return [StepProxy(s, buf, results) for s in steps]

    kw = dict(fn=fn, as_sql=True, destination_rev="heads" if upgrade else "base", tag=None)
    if not upgrade:
        kw["starting_rev"] = "heads"
    with EnvironmentContext(cfg, script, **kw):
        script.run_env()
    return results


def as_list(v):
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return list(v)


def create_date(longdoc):
    """The header's "Create Date:" as ISO 8601 UTC; a date without an
    offset (Alembic's default, local time) is taken as UTC."""
    m = re.search(r"^Create Date:\s*(.+?)\s*$", longdoc or "", re.M)
    if not m:
        return None
    try:
        d = datetime.datetime.fromisoformat(m.group(1))
    except ValueError:
        return None
    if d.tzinfo is not None:
        d = d.astimezone(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def source_of(mod, name):
    try:
        return inspect.getsource(getattr(mod, name))
    except Exception:
        return None


def main():
    if len(sys.argv) != 3:
        fail("usage: helper PROJECT_DIR DIALECT")
    project, dialect = sys.argv[1], sys.argv[2]
    ini = os.path.join(project, "alembic.ini")
    if not os.path.isfile(ini):
        fail("%s: no alembic.ini here" % ini)
    os.chdir(project)
    sys.path.insert(0, os.getcwd())
    cfg = Config(ini)
    url = {"postgresql": "postgresql://", "sqlite": "sqlite://"}.get(dialect)
    if not url:
        fail("unknown dialect %r" % dialect)
    cfg.set_main_option("sqlalchemy.url", url)
    script = ScriptDirectory.from_config(cfg)
    revs = []
    notes = []
    for sc in script.walk_revisions("base", "heads"):
        mod = sc.module
        labels = as_list(getattr(mod, "branch_labels", None))
        deps = list(getattr(sc, "_resolved_dependencies", None) or ())
        revs.append({
            "id": sc.revision,
            "down": as_list(sc.down_revision),
            "branch_labels": labels,
            "depends_on": deps,
            "message": (sc.doc or "").strip().split("\n")[0],
            "create_date": create_date(sc.longdoc),
            "path": os.path.relpath(sc.path, project),
            "upgrade_source": source_of(mod, "upgrade"),
            "downgrade_source": source_of(mod, "downgrade"),
        })
    revs.reverse()
    ups = render(cfg, script, True)
    downs = render(cfg, script, False)
    for r in revs:
        u = ups.get(r["id"])
        d = downs.get(r["id"])
        if u is None:
            notes.append("%s: Alembic's offline upgrade did not run it" % r["id"])
            u = {"sql": None, "error": "Alembic's offline upgrade did not reach it",
                 "autocommit": False}
        r["upgrade"] = u
        r["downgrade"] = d or {"sql": None, "error": "Alembic's offline downgrade did not reach it",
                               "autocommit": False}
    json.dump({"revisions": revs, "notes": notes, "alembic": __import__("alembic").__version__},
              sys.stdout)


try:
    main()
except SystemExit:
    raise
except Exception as e:  # Alembic refused the project: say what it said
    msg = str(e).strip().split("\n")[0]
    fail("%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__)
