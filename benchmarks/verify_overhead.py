"""How much slower is ``alembic-additive verify`` than a plain ``alembic upgrade head``?

Why this exists: verify runs the same revisions as ``alembic upgrade``, plus snapshots —
one ``SELECT count(*), count(a), ...`` per table, a full scan. It scans every table before
the first revision; after each revision, on PostgreSQL, it rescans only the tables the
revision could have changed (the transaction's statistics and the catalog say which). So the
overhead is about one scan of the whole database plus one scan of each table the chain
writes. It also fingerprints the values a revision's statements could change (see
``alembic_additive/verify/prints.py``): here the two integer -> bigint rewrites, whose
``code`` columns (50,000 rows each, one fingerprint row per row written to a temporary table
in the database, the two sides compared with a join) are hashed before the ALTER and after
the revision; the UPDATE backfills fill columns that held no value, so
nothing is hashed for them. The target is: verify takes at most 2x the time of a plain
upgrade of the same chain on the same data.

What it does, against PostgreSQL:

1. creates a template database next to the one ``--url`` names (dropped at the end unless
   ``--keep``): ``--tables`` tables (serial key, text, numeric, timestamp, boolean, integer,
   a half-empty note column) of ``--rows`` rows each, VACUUM ANALYZEd, stamped at a baseline
   revision;
2. writes an Alembic project with a chain of 10 revisions that looks like a real release:
   add nullable columns, create indexes, backfill two columns with UPDATE, add NOT NULL
   columns with a server default, create a table filled by INSERT ... SELECT, widen two
   integer columns to bigint (a table rewrite), unique indexes, a foreign key, SET NOT
   NULL on columns without NULLs and CHECK constraints — none of which loses data;
3. for each of ``--repeat`` rounds, makes two identical copies of the template
   (``CREATE DATABASE ... TEMPLATE``) and times, as subprocesses started the same way,
   ``alembic upgrade head`` on one and ``alembic-additive verify`` on the other (plain and
   verify alternate which goes first, so drift hits both alike);
4. prints the best time of each, their ratio (and the ratio of the medians), the cost of
   one full snapshot (verify's floor: it takes one before the first revision;
   ``--recount-all`` would take one after every revision too), and ``TARGET MET`` or
   ``TARGET MISSED`` (judged on the best times).

It always exits 0: it is a benchmark, not a test.

Run: ``python benchmarks/verify_overhead.py`` (options: ``--url``, ``--tables 50``,
``--rows 50000``, ``--repeat 3``, ``--keep``).

``--memory 100000,1000000,3000000`` measures instead whether fingerprints keep memory flat:
for each row count, one table ``events (id integer PRIMARY KEY, code integer, note text)``
in a scratch database, and one revision that changes ``code`` to bigint and updates one
``note`` (both columns fingerprinted into temporary tables in the database);
verify runs in a child process, which prints its time and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from alembic_additive import scaffold
from alembic_additive.findings import TableRef
from alembic_additive.verify import snapshot

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 2.0
ALEMBIC = str(Path(sys.executable).with_name("alembic"))
VERIFY = [
    sys.executable,
    "-c",
    "from alembic_additive.verify.command import verify; "
    "verify(prog_name='alembic-additive verify')",
]

REVISION = '''"""{rev}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''


def chain(tables: int) -> list[str]:
    """The bodies of the 10 revisions, on tables t000..; each touches a few tables."""

    def t(i: int) -> str:
        return f"t{i % tables:03d}"

    loops = {
        "add": [t(i) for i in range(0, 5)],
        "index": [t(i) for i in range(5, 10)],
        "default": [t(i) for i in range(10, 15)],
        "unique": [t(i) for i in range(15, 18)],
        "not_null": [t(i) for i in range(18, 21)],
        "check": [t(i) for i in range(21, 24)],
    }
    return [
        "\n".join(f'op.add_column("{n}", sa.Column("extra", sa.Integer))' for n in loops["add"]),
        "\n".join(f'op.create_index("ix_{n}_code", "{n}", ["code"])' for n in loops["index"]),
        "\n".join(f'op.execute("UPDATE {n} SET extra = code * 2")' for n in loops["add"][:2]),
        "\n".join(
            f'op.add_column("{n}", sa.Column("status", sa.String(10), nullable=False, '
            f'server_default="new"))'
            for n in loops["default"]
        ),
        textwrap.dedent(
            f"""\
            op.create_table(
                "audit_log",
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("source_id", sa.Integer, nullable=False),
                sa.Column("amount", sa.Numeric(12, 2)),
            )
            op.execute("INSERT INTO audit_log (source_id, amount) SELECT id, amount FROM {t(0)}")
            """
        ),
        "\n".join(
            f'op.alter_column("{n}", "code", type_=sa.BigInteger, existing_type=sa.Integer)'
            for n in (t(24), t(25))
        ),
        "\n".join(
            f'op.create_index("ux_{n}_id_code", "{n}", ["id", "code"], unique=True)'
            for n in loops["unique"]
        ),
        textwrap.dedent(
            f"""\
            op.add_column("{t(26)}", sa.Column("parent_id", sa.Integer))
            op.execute("UPDATE {t(26)} SET parent_id = id")
            op.create_foreign_key("fk_parent", "{t(26)}", "{t(27)}", ["parent_id"], ["id"])
            """
        ),
        "\n".join(
            f'op.alter_column("{n}", "created_at", nullable=False, existing_type=sa.DateTime)'
            for n in loops["not_null"]
        ),
        "\n".join(
            f'op.create_check_constraint("ck_{n}_amount", "{n}", "amount >= 0")'
            for n in loops["check"]
        ),
    ]


def write_project(folder: Path, url: str, tables: int) -> Path:
    ini = scaffold.write_project(
        folder,
        url.replace("%", "%%"),
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n",
        alembic_log_level="WARNING",
    )
    versions = folder / "migrations" / "versions"
    bodies = ["pass", *chain(tables)]
    for n, body in enumerate(bodies):
        rev = f"r{n:02d}"
        down = f"r{n - 1:02d}" if n else None
        text = REVISION.format(rev=rev, down=down, body=textwrap.indent(body.strip(), "    "))
        (versions / f"{rev}.py").write_text(text, encoding="utf-8")
    return ini


def build_template(admin: sa.Engine, base: sa.URL, name: str, tables: int, rows: int) -> None:
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    engine = sa.create_engine(base.set(database=name), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for i in range(tables):
                n = f"t{i:03d}"
                conn.execute(
                    sa.text(
                        f"CREATE TABLE {n} (id serial PRIMARY KEY, name varchar(100) NOT NULL, "
                        "amount numeric(12, 2), created_at timestamp, active boolean, "
                        "code integer, note text)"
                    )
                )
                conn.execute(
                    sa.text(
                        f"INSERT INTO {n} (name, amount, created_at, active, code, note) "
                        "SELECT 'name ' || g, g * 1.5, now() - g * interval '1 minute', "
                        "g % 2 = 0, g % 1000, CASE WHEN g % 2 = 0 THEN 'note' END "
                        "FROM generate_series(1, :rows) AS g"
                    ),
                    {"rows": rows},
                )
            conn.execute(
                sa.text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
            )
            conn.execute(sa.text("INSERT INTO alembic_version VALUES ('r00')"))
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def copy_database(admin: sa.Engine, template: str, name: str) -> None:
    prep = admin.dialect.identifier_preparer
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {prep.quote(name)} TEMPLATE {prep.quote(template)}"))


def drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                f"DROP DATABASE IF EXISTS {admin.dialect.identifier_preparer.quote(name)} "
                "WITH (FORCE)"
            )
        )


def timed(cmd: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,)) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def snapshot_cost(url: sa.URL) -> tuple[float, int]:
    """One snapshot of a copy, on an open connection: the unit of verify's overhead."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:

            def exclude(ref: TableRef) -> bool:
                return ref.name == "alembic_version"

            snapshot.take(conn, (None,), exclude)  # warm the cache like the runs are
            start = time.perf_counter()
            snap = snapshot.take(conn, (None,), exclude)
            return time.perf_counter() - start, len(snap.tables)
    finally:
        engine.dispose()


MEMORY_CHILD = """
import resource, sys, time
from alembic_additive.verify import verify
start = time.perf_counter()
result = verify(sys.argv[1], url=sys.argv[2])
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.perf_counter() - start:.2f} {rss:.1f} {len(result.violations)}")
"""

MEMORY_REVISION = '''"""r1"""
from alembic import op
import sqlalchemy as sa

revision = "r1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("events", "code", type_=sa.BigInteger, existing_type=sa.Integer)
    op.execute("UPDATE events SET note = note || '' WHERE id = 1")


def downgrade() -> None:
    pass
'''


def fingerprint_memory(admin: sa.Engine, base: sa.URL, counts: list[int]) -> None:
    """Peak RSS of verify fingerprinting two columns of one table, per row count."""
    print("rows         verify s   peak RSS MB   violations")
    for rows in counts:
        name = f"aa_verify_memory_{uuid.uuid4().hex[:8]}"
        quoted = admin.dialect.identifier_preparer.quote(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        url = base.set(database=name)
        folder = Path(tempfile.mkdtemp(prefix="aa-verify-memory-"))
        try:
            engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(
                    sa.text("CREATE TABLE events (id integer PRIMARY KEY, code integer, note text)")
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO events SELECT g, g % 1000, 'n' || g "
                        "FROM generate_series(1, :n) AS g"
                    ),
                    {"n": rows},
                )
                conn.execute(sa.text("VACUUM ANALYZE events"))
            engine.dispose()
            text_url = url.render_as_string(hide_password=False)
            ini = scaffold.write_project(
                folder,
                text_url.replace("%", "%%"),
                "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n",
                alembic_log_level="WARNING",
            )
            (folder / "migrations" / "versions" / "r1.py").write_text(MEMORY_REVISION)
            proc = subprocess.run(
                [sys.executable, "-c", MEMORY_CHILD, str(ini), text_url],
                capture_output=True,
                text=True,
                cwd=folder,
            )
            if proc.returncode != 0:
                raise SystemExit(f"verify failed:\n{proc.stdout}\n{proc.stderr}")
            seconds, rss, found = proc.stdout.split()
            print(f"{rows:>10,}   {float(seconds):8.2f}   {float(rss):11.1f}   {found:>10}")
        finally:
            drop_database(admin, name)
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ALEMBIC_ADDITIVE_PG_URL") or DEFAULT_URL)
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the databases and project")
    parser.add_argument(
        "--memory",
        default=None,
        metavar="ROWS,ROWS,...",
        help="measure verify's peak memory fingerprinting one table of each row count instead",
    )
    args = parser.parse_args()
    if args.memory:
        base = sa.make_url(args.url)
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            fingerprint_memory(admin, base, [int(n) for n in args.memory.split(",")])
        finally:
            admin.dispose()
        return
    if args.tables < 28:
        parser.error("--tables must be at least 28 (the chain touches t000..t027)")

    base = sa.make_url(args.url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    tag = uuid.uuid4().hex[:8]
    template = f"aa_verify_bench_{tag}"
    created = [template]
    folder = Path(tempfile.mkdtemp(prefix="aa-verify-bench-"))
    try:
        print(f"building {args.tables} tables x {args.rows} rows in {template} ...", flush=True)
        t0 = time.perf_counter()
        build_template(admin, base, template, args.tables, args.rows)
        print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
        template_url = base.set(database=template).render_as_string(hide_password=False)
        ini = write_project(folder, template_url, args.tables)

        plain_times: list[float] = []
        verify_times: list[float] = []
        for round_ in range(args.repeat + 1):  # round 0 warms caches and is not counted
            copies = {}
            for kind in ("plain", "verify"):
                name = f"aa_verify_bench_{tag}_{kind}_{round_}"
                copy_database(admin, template, name)
                created.append(name)
                copies[kind] = base.set(database=name).render_as_string(hide_password=False)
            order = ("plain", "verify") if round_ % 2 == 0 else ("verify", "plain")
            for kind in order:
                url = copies[kind]
                if kind == "plain":
                    # The same project; only sqlalchemy.url differs (plain alembic has no --url).
                    project_ini = folder / f"plain_{round_}.ini"
                    line = f"sqlalchemy.url = {url.replace('%', '%%')}".replace("\\", "\\\\")
                    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", line, ini.read_text())
                    project_ini.write_text(text)
                    elapsed = timed([ALEMBIC, "-c", str(project_ini), "upgrade", "head"], folder)
                    if round_:
                        plain_times.append(elapsed)
                else:
                    elapsed = timed([*VERIFY, "-c", str(ini), "--url", url], folder)
                    if round_:
                        verify_times.append(elapsed)
                label = "warm-up" if round_ == 0 else f"round {round_}"
                print(f"  {label}: {kind:6s} {elapsed:6.2f} s", flush=True)
            for kind in ("plain", "verify"):
                name = f"aa_verify_bench_{tag}_{kind}_{round_}"
                drop_database(admin, name)
                created.remove(name)

        floor, counted = snapshot_cost(base.set(database=template))
        plain, verified = min(plain_times), min(verify_times)
        ratio = verified / plain
        print()
        print(f"tables x rows               {args.tables} x {args.rows}, 10 revisions")
        print(f"plain alembic upgrade head  {plain:6.2f} s (best of {args.repeat})")
        print(f"alembic-additive verify     {verified:6.2f} s (best of {args.repeat})")
        print(f"ratio                       {ratio:6.2f} (target <= {TARGET_RATIO:.2f})")
        median = statistics.median(verify_times) / statistics.median(plain_times)
        print(f"ratio of medians            {median:6.2f}")
        print(f"one full snapshot ({counted} tables) {floor:5.2f} s (--recount-all: 11 of them)")
        print(f"verify overhead             {verified - plain:6.2f} s")
        print("TARGET MET" if ratio <= TARGET_RATIO else "TARGET MISSED")
    finally:
        if args.keep:
            print(f"kept: databases {', '.join(created)}; project {folder}")
        else:
            for name in created:
                drop_database(admin, name)
            shutil.rmtree(folder, ignore_errors=True)
        admin.dispose()


if __name__ == "__main__":
    main()
