"""Do the plugin, ``audit`` and ``verify`` stay flat in memory on big schemas and big tables?

Why this exists: alembic-additive is data-aware (it counts the values behind every orphan
column, and ``verify`` counts every table before and after each revision), so it must never
pull rows into Python: its memory has to stay flat in the row count, and its time has to be
the database's own scan (the *floor*) plus a constant. On the schema side, 1,000 tables must
stay practical. This benchmark measures both, end to end, with each command in its own
process so that its peak resident memory is its own (``os.wait4`` returns the child's
``ru_maxrss``), and once more under ``tracemalloc`` for the peak of the Python heap.

What it does, against PostgreSQL:

(a) **1,000 tables**: a scratch database (created next to ``--url``, dropped at the end
    unless ``--keep``) with ``--tables`` tables of 100 rows (integer primary key and four
    typed columns); 20 of them, spread through the schema, also have an orphan column
    ``legacy_code`` holding data, which ``models.py`` lacks. It measures:

    * ``alembic check`` with the plugin (suppresses the drops, counts nothing);
    * ``alembic revision --autogenerate`` with the plugin (counts the 20 tables, one SELECT
      each, for the revision's comments; the file is checked, then deleted);
    * ``alembic-additive audit --format json`` (the report is checked: 20 orphan columns,
      all with data, exact counts);
    * ``alembic_additive.verify.verify`` (Python API) over a one-revision chain that adds a
      column to one table (it snapshots all 1,000 tables), unless ``--skip-verify``;
    * the floor: the 20 count queries alone, on an open connection.

(b) **one big table**, built twice in fresh scratch databases, at ``--rows // 10`` and at
    ``--rows`` rows (1,000,000 and 10,000,000 by default): an UNLOGGED table ``events``
    (``id`` integer primary key, ``code`` integer, ``created_at`` timestamp) with two orphan
    columns holding data (``legacy_score`` integer, ``legacy_note`` text, half NULL),
    filled by ``INSERT ... SELECT generate_series`` in chunks, VACUUM ANALYZEd. It measures
    the same four commands (verify's chain adds a column to ``events``), and the floors:

    * probe floor: ``SELECT count(*), count(legacy_score), count(legacy_note) FROM events``,
      the one statement the plugin and audit send, timed alone on an open connection;
    * snapshot floor: ``count(*)`` and ``count()`` of all five columns, the statement verify
      sends per table; verify pays it twice (before the revision, and after it, because
      the new column changes the table).

Every command runs ``--repeat`` times (best time and CPU, highest peak RSS kept), then once
more with ``tracemalloc`` on (Python heap peak; slower, so not timed). Two references run in
(a): a process that only imports the libraries (the interpreter's fixed cost), and plain
``alembic check`` without the plugin (Alembic's own cost of 1,000 tables). Each child counts
the ``SELECT count(*) ...`` statements it sends (a SQLAlchemy event listener): one per table
scan. The script prints one table (scale, command, seconds, CPU, peak RSS, Python heap peak,
scans, floor, seconds − floor), then compares the two row counts: peak RSS should be equal
(flat), the scans the same, and seconds − floor roughly constant. It always exits 0 once it
has measured: it is a benchmark, not a test (a command that fails or reports the wrong counts
stops it with a message).

Run: ``python benchmarks/scale.py`` (see docs/benchmarks.md); ``--rows 1000000`` for a quick
run. Internal: ``scale.py --child KIND STATS TRACE ARGS...`` starts each measured process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from _scratch import plugin_and_plain_projects, scratch_database

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
MB = 1024 * 1024

#: (a) columns of every table: (name, SQL type, SQLAlchemy type in models.py, value from g).
COLUMNS = (
    ("name", "varchar(100)", "sa.String(100)", "'name ' || g"),
    ("amount", "numeric(12, 2)", "sa.Numeric(12, 2)", "(g % 100000) / 100.0"),
    (
        "created_at",
        "timestamp without time zone",
        "sa.DateTime()",
        "timestamp '2024-01-01' + g * interval '1 minute'",
    ),
    ("active", "boolean", "sa.Boolean()", "g % 2 = 0"),
)
#: (a) the orphan column of the tables that have one, and its value from g.
ORPHAN = ("legacy_code", "varchar(40)", "'C' || g")
ORPHAN_TABLES = 20
SMALL_ROWS = 100

#: (b) the big table: declared columns (name, SQL type, value, SQLAlchemy column args).
BIG = "events"
BIG_COLUMNS = (
    ("id", "integer NOT NULL", "g", "sa.Integer(), primary_key=True"),
    ("code", "integer NOT NULL", "g % 1000", "sa.Integer(), nullable=False"),
    (
        "created_at",
        "timestamp",
        "timestamp '2024-01-01' + g * interval '1 second'",
        "sa.DateTime()",
    ),
)
#: (b) its orphan columns, holding data (legacy_note in every other row).
BIG_ORPHANS = (
    ("legacy_score", "integer", "g % 997"),
    ("legacy_note", "text", "CASE WHEN g % 2 = 0 THEN 'n' || (g % 100) END"),
)
CHUNK = 1_000_000

VERIFY_REVISION = '''"""Add a nullable column (verify's one-revision chain)."""
from alembic import op
import sqlalchemy as sa

revision = "r01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column({table!r}, sa.Column("extra", sa.Integer))


def downgrade() -> None:
    op.drop_column({table!r}, "extra")
'''


# ---------------------------------------------------------------------------------------
# the child process: one measured command, optionally under tracemalloc


def child(argv: list[str]) -> int:
    """``--child KIND STATS TRACE ARGS...``: run one command in this process.

    KIND is ``imports`` (the baseline), ``alembic`` (alembic's own ``main``), ``audit``
    (``alembic-additive`` CLI) or ``verify`` (the Python API; ARGS is the ini). STATS is a
    JSON file to write ``{"scans": n, "heap": bytes or null}`` to: ``scans`` counts the
    ``SELECT count(*) ...`` statements sent (each one scans a table), ``heap`` is the
    tracemalloc peak when TRACE is ``1`` (tracing starts after this module imported
    SQLAlchemy, so that import is not in it; peak RSS has everything).
    """
    kind, stats, trace, *args = argv
    if trace == "1":
        tracemalloc.start()
    scans = [0]

    def count_scans(
        conn: object, cursor: object, statement: str, *rest: object, **kw: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT COUNT(*)"):
            scans[0] += 1

    sa.event.listen(sa.Engine, "before_cursor_execute", count_scans)
    code: int | str | None = 0
    try:
        if kind == "imports":
            import alembic.autogenerate
            import alembic.config  # noqa: F401
            import psycopg2  # noqa: F401

            import alembic_additive.cli
            import alembic_additive.verify.runner  # noqa: F401
        elif kind == "alembic":
            from alembic.config import main as alembic_main

            alembic_main(argv=args, prog="alembic")
        elif kind == "audit":
            from alembic_additive.cli import main as cli_main

            cli_main(args=args, prog_name="alembic-additive")
        elif kind == "verify":
            from alembic_additive.verify import verify

            result = verify(args[0])
            violations = [v.as_dict() for v in result.violations]
            print(json.dumps({"revisions": result.revisions, "violations": violations}))
            code = 0 if result.ok else 1
        else:
            raise SystemExit(f"unknown child kind {kind!r}")
    except SystemExit as exc:
        code = exc.code
    finally:
        heap = tracemalloc.get_traced_memory()[1] if trace == "1" else None
        tracemalloc.stop()
        Path(stats).write_text(json.dumps({"scans": scans[0], "heap": heap}), encoding="utf-8")
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


# ---------------------------------------------------------------------------------------
# measuring


@dataclass(frozen=True)
class ChildRun:
    """One child process: wall and CPU seconds, peak RSS and heap (bytes), scans, output."""

    seconds: float
    cpu: float
    rss: int
    heap: int | None
    scans: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Figure:
    """One command at one scale: best time and CPU, highest peak RSS, traced heap peak."""

    scale: str
    command: str
    seconds: float
    cpu: float
    rss_mb: float
    heap_mb: float
    scans: int = 0
    floor: float | None = None


def run_child(
    kind: str, args: list[str], cwd: Path, trace: bool = False, ok_codes: tuple[int, ...] = (0,)
) -> ChildRun:
    """Start ``scale.py --child`` and wait for it with ``os.wait4`` (its own rusage)."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="aa-scale-child-") as tmp:
        out, err, stats = Path(tmp) / "out", Path(tmp) / "err", Path(tmp) / "stats"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(stats)]
        cmd += ["1" if trace else "0", *args]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        with out.open("wb") as stdout, err.open("wb") as stderr:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=stderr, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        text, errors = out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
        if proc.returncode not in ok_codes:
            raise SystemExit(
                f"{kind} {' '.join(args)} exited {proc.returncode}:\n{text[-2000:]}\n"
                f"{errors[-2000:]}"
            )
        found = json.loads(stats.read_text(encoding="utf-8"))
    rss = usage.ru_maxrss * 1024  # kilobytes on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, cpu, rss, found["heap"], found["scans"], text, errors)


@dataclass(frozen=True)
class Command:
    """A command to measure: how to start it, how to check its output, how to undo it."""

    label: str
    kind: str
    args: list[str]
    check: Callable[[ChildRun], None]
    reset: Callable[[], None] = lambda: None
    floor: float | None = None
    ok_codes: tuple[int, ...] = (0,)


def measure(scale: str, command: Command, cwd: Path, repeat: int) -> Figure:
    runs: list[ChildRun] = []
    for _ in range(repeat):
        run = run_child(command.kind, command.args, cwd, ok_codes=command.ok_codes)
        command.check(run)
        command.reset()
        runs.append(run)
    traced = run_child(command.kind, command.args, cwd, trace=True, ok_codes=command.ok_codes)
    command.check(traced)
    command.reset()
    figure = Figure(
        scale,
        command.label,
        min(r.seconds for r in runs),
        min(r.cpu for r in runs),
        max(r.rss for r in runs) / MB,
        (traced.heap or 0) / MB,
        max(r.scans for r in runs),
        command.floor,
    )
    print(
        f"  {command.label:<36} {figure.seconds:7.2f} s  {figure.rss_mb:7.1f} MB RSS  "
        f"{figure.heap_mb:6.1f} MB heap  {figure.scans:4d} scans  (runs: "
        f"{', '.join(f'{r.seconds:.2f}' for r in runs)})",
        flush=True,
    )
    return figure


def best_time(url: sa.URL, statements: list[sa.TextClause], repeat: int) -> float:
    """The statements alone on an open connection, best of ``repeat`` (after one warm-up)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    times: list[float] = []
    try:
        with engine.connect() as conn:
            for attempt in range(repeat + 1):
                start = time.perf_counter()
                for stmt in statements:
                    conn.execute(stmt).one()
                if attempt:
                    times.append(time.perf_counter() - start)
            conn.rollback()
    finally:
        engine.dispose()
    return min(times)


# ---------------------------------------------------------------------------------------
# databases and projects


def vacuum(url: sa.URL, table: str = "") -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


def orphan_tables(names: list[str]) -> list[str]:
    """The tables with an orphan column, spread evenly through the schema."""
    count = min(ORPHAN_TABLES, len(names))
    step = len(names) // count if count else 0
    return [names[i * step] for i in range(count)]


def build_many(url: sa.URL, names: list[str], orphans: list[str]) -> None:
    """(a): the tables, 100 rows each; the orphan column in ``orphans``; VACUUM ANALYZE."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for position, name in enumerate(names):
            cols = ["id integer PRIMARY KEY", *(f"{c} {t}" for c, t, _, _ in COLUMNS)]
            values = ["g", *(v for *_, v in COLUMNS)]
            if name in orphans:
                cols.append(f"{ORPHAN[0]} {ORPHAN[1]}")
                values.append(ORPHAN[2])
            conn.execute(sa.text(f"CREATE TABLE {name} ({', '.join(cols)})"))
            conn.execute(
                sa.text(
                    f"INSERT INTO {name} SELECT {', '.join(values)} "
                    f"FROM generate_series(1, {SMALL_ROWS}) AS g"
                )
            )
            if (position + 1) % 250 == 0:
                print(f"  {position + 1} tables", flush=True)
    engine.dispose()
    vacuum(url)


def build_big(url: sa.URL, rows: int) -> None:
    """(b): the UNLOGGED table, filled in chunks of a million rows, keyed, VACUUM ANALYZE."""
    columns = [*((c, t, v) for c, t, v, _ in BIG_COLUMNS), *BIG_ORPHANS]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            sa.text(f"CREATE UNLOGGED TABLE {BIG} ({', '.join(f'{c} {t}' for c, t, _ in columns)})")
        )
        start = time.perf_counter()
        for low in range(1, rows + 1, CHUNK):
            high = min(rows, low + CHUNK - 1)
            conn.execute(
                sa.text(
                    f"INSERT INTO {BIG} SELECT {', '.join(v for _, _, v in columns)} "
                    f"FROM generate_series({low}, {high}) AS g"
                )
            )
            print(f"  {high:>12,} rows  {time.perf_counter() - start:6.1f} s", flush=True)
        conn.execute(sa.text(f"ALTER TABLE {BIG} ADD PRIMARY KEY (id)"))
        conn.execute(sa.text(f"VACUUM ANALYZE {BIG}"))
        print(f"  keyed and vacuumed  {time.perf_counter() - start:6.1f} s", flush=True)
    engine.dispose()


def many_models(names: list[str]) -> str:
    """(a) ``models.py``: every table with its declared columns, no orphan."""
    lines = ['"""Models for the scale benchmark (a): no orphan columns."""', ""]
    lines += ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for name in names:
        lines.append(f"sa.Table({name!r}, metadata,")
        lines.append("    sa.Column('id', sa.Integer(), primary_key=True),")
        lines += [f"    sa.Column({c!r}, {expr})," for c, _, expr, _ in COLUMNS]
        lines.append(")")
    return "\n".join(lines) + "\n"


def big_models() -> str:
    """(b) ``models.py``: the big table without its orphan columns."""
    cols = "\n".join(f"    sa.Column({c!r}, {args})," for c, _, _, args in BIG_COLUMNS)
    return textwrap.dedent(
        '''\
        """Models for the scale benchmark (b): no orphan columns."""

        import sqlalchemy as sa

        metadata = sa.MetaData()

        sa.Table({table!r}, metadata,
        {cols}
        )
        '''
    ).format(table=BIG, cols=cols)


def write_projects(root: Path, url: sa.URL, models: str, verify_table: str) -> tuple[Path, Path]:
    """The plugin project, verify's project (empty models, one revision adding a column), and
    ``plain/``: the plugin project without the ``autogenerate_plugins=...`` line."""
    from alembic_additive import scaffold

    plugin, _plain = plugin_and_plain_projects(root, url, models)
    ini_url = url.render_as_string(hide_password=False).replace("%", "%%")
    empty = "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
    chain = scaffold.write_project(root / "chain", ini_url, empty, alembic_log_level="WARNING")
    revision = root / "chain" / "migrations" / "versions" / "r01.py"
    revision.write_text(VERIFY_REVISION.format(table=verify_table), encoding="utf-8")
    return plugin, chain


def verify_available() -> bool:
    try:
        from alembic_additive.verify import verify  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------
# the commands and their checks


def commands(
    ini: Path,
    chain: Path,
    url: sa.URL,
    expected: dict[str, int],
    verify_table: str,
    with_verify: bool,
    floors: dict[str, float],
) -> list[Command]:
    """check, revision, audit (and verify), each with a check of its output and a reset.

    ``expected`` maps each table with orphans to its row count; every orphan holds data.
    """
    versions = ini.parent / "migrations" / "versions"
    orphan_count = sum(len(BIG_ORPHANS) if t == BIG else 1 for t in expected)

    def check_ok(run: ChildRun) -> None:
        pass  # exit code 0 already checked: no difference reported

    def check_revision(run: ChildRun) -> None:
        files = list(versions.glob("*.py"))
        if len(files) != 1:
            raise SystemExit(f"revision --autogenerate wrote {len(files)} file(s)")
        text = files[0].read_text(encoding="utf-8")
        header = f"### alembic-additive: {orphan_count} orphan column(s) with data,"
        counted = {f"{t}.": f" in {n} rows" for t, n in expected.items()}
        missing = [t for t, n in counted.items() if not re.search(re.escape(t) + r".*" + n, text)]
        if header not in text or missing:
            raise SystemExit(f"the revision's comments lack the counts ({missing[:3]}):\n{text}")

    def reset_revision() -> None:
        for path in versions.glob("*.py"):
            path.unlink()

    def check_audit(run: ChildRun) -> None:
        report = json.loads(run.stdout)
        summary = report["summary"]
        if (summary["orphan_columns"], summary["orphan_columns_with_data"]) != (
            orphan_count,
            orphan_count,
        ) or summary["pending_operations"]:
            raise SystemExit(f"audit reported {summary}")
        wrong = [
            c
            for c in report["orphan_columns"]
            if c["rows"] != expected[c["table"]] or not c["non_null"] or c["timed_out"]
        ]
        if wrong:
            raise SystemExit(f"audit's counts are wrong: {wrong[:3]}")

    def check_verify(run: ChildRun) -> None:
        result = json.loads(run.stdout)
        if result["revisions"] != ["r01"] or result["violations"]:
            raise SystemExit(f"verify reported {result}")

    def reset_verify() -> None:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {verify_table} DROP COLUMN IF EXISTS extra"))
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()

    out = [
        Command("alembic check", "alembic", ["-c", str(ini), "check"], check_ok, floor=0.0),
        Command(
            "alembic revision --autogenerate",
            "alembic",
            ["-c", str(ini), "revision", "--autogenerate", "-m", "scale"],
            check_revision,
            reset_revision,
            floors["probe"],
        ),
        Command(
            "alembic-additive audit --format json",
            "audit",
            ["audit", "-c", str(ini), "--format", "json"],
            check_audit,
            floor=floors["probe"],
        ),
    ]
    if with_verify:
        out.append(
            Command(
                "verify (1 revision: add_column)",
                "verify",
                [str(chain)],
                check_verify,
                reset_verify,
                floors["verify"],
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# the two scenarios


def scenario_tables(
    admin_url: sa.URL, tables: int, repeat: int, keep: bool, with_verify: bool
) -> list[Figure]:
    names = [f"t{i:04d}" for i in range(tables)]
    orphans = orphan_tables(names)
    scale = f"{tables:,} tables"
    print(
        f"\n(a) {scale} x {SMALL_ROWS} rows, {len(orphans)} with an orphan column holding data",
        flush=True,
    )
    with (
        scratch_database(admin_url, keep, "alembic_additive_scale_tables") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        start = time.perf_counter()
        build_many(url, names, orphans)
        print(f"  built {url.database!r} in {time.perf_counter() - start:.1f} s", flush=True)
        ini, chain = write_projects(Path(tmp), url, many_models(names), names[0])
        probe = [sa.text(f"SELECT count(*), count({ORPHAN[0]}) FROM {name}") for name in orphans]
        every = [
            sa.text(
                f"SELECT count(*), count(id), {', '.join(f'count({c[0]})' for c in COLUMNS)}"
                f"{f', count({ORPHAN[0]})' if name in orphans else ''} FROM {name}"
            )
            for name in names
        ]
        floors = {"probe": best_time(url, probe, repeat)}
        # verify scans every table before the revision, and the changed one after it
        floors["verify"] = best_time(url, every, repeat) + best_time(url, every[:1], repeat)
        print(
            f"  floors: {len(probe)} probe counts {floors['probe']:.3f} s; verify's "
            f"{len(every) + 1} snapshot counts {floors['verify']:.3f} s",
            flush=True,
        )
        expected = dict.fromkeys(orphans, SMALL_ROWS)
        cmds = commands(ini, chain, url, expected, names[0], with_verify, floors)
        plain_ini = Path(tmp) / "plain" / "alembic.ini"
        references = [
            Command("python + imports (baseline)", "imports", [], lambda run: None),
            # plain Alembic reports the 20 orphans as remove_column and exits -1 (255)
            Command(
                "plain alembic check (no plugin)",
                "alembic",
                ["-c", str(plain_ini), "check"],
                lambda run: None,
                ok_codes=(1, 255),
            ),
        ]
        figures = [measure(scale, c, Path(tmp), repeat) for c in references]
        figures += [measure(scale, c, Path(tmp), repeat) for c in cmds]
    return figures


def scenario_rows(
    admin_url: sa.URL, rows: int, repeat: int, keep: bool, with_verify: bool
) -> list[Figure]:
    scale = f"{rows:,} rows"
    print(
        f"\n(b) one table ({BIG}) with {scale}, {len(BIG_ORPHANS)} orphan columns holding data",
        flush=True,
    )
    with (
        scratch_database(admin_url, keep, "alembic_additive_scale_rows") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        build_big(url, rows)
        ini, chain = write_projects(Path(tmp), url, big_models(), BIG)
        counts = ", ".join(f"count({c})" for c, _, _ in BIG_ORPHANS)
        probe = sa.text(f"SELECT count(*), {counts} FROM {BIG}")
        names = [c[0] for c in BIG_COLUMNS] + [c[0] for c in BIG_ORPHANS]
        every = ", ".join(f"count({c})" for c in names)
        snapshot = sa.text(f"SELECT count(*), {every} FROM {BIG}")
        floors = {"probe": best_time(url, [probe], repeat)}
        floors["snapshot"] = best_time(url, [snapshot], repeat)
        floors["verify"] = 2 * floors["snapshot"]
        print(
            f"  floors: probe count {floors['probe']:.3f} s; snapshot count "
            f"{floors['snapshot']:.3f} s (verify: 2 of them)",
            flush=True,
        )
        cmds = commands(ini, chain, url, {BIG: rows}, BIG, with_verify, floors)
        figures = [measure(scale, c, Path(tmp), repeat) for c in cmds]
        figures.append(Figure(scale, f"floor: probe count ({BIG})", floors["probe"], 0, 0, 0))
        figures.append(Figure(scale, f"floor: snapshot count ({BIG})", floors["snapshot"], 0, 0, 0))
    return figures


# ---------------------------------------------------------------------------------------
# report


def show(figures: list[Figure]) -> None:
    head = (
        f"{'scale':<16} {'command':<36} {'seconds':>8} {'cpu s':>6} {'peak RSS MB':>11} "
        f"{'py heap MB':>10} {'scans':>5} {'floor s':>8} {'s - floor':>9}"
    )
    print("\n" + head)
    print("-" * len(head))
    for f in figures:
        if f.command.startswith("floor:"):
            print(f"{f.scale:<16} {f.command:<36} {f.seconds:8.3f}")
            continue
        floor = "" if f.floor is None else f"{f.floor:8.3f}"
        rest = "" if f.floor is None else f"{f.seconds - f.floor:9.3f}"
        print(
            f"{f.scale:<16} {f.command:<36} {f.seconds:8.3f} {f.cpu:6.2f} {f.rss_mb:11.1f} "
            f"{f.heap_mb:10.1f} {f.scans:5d} {floor:>8} {rest:>9}"
        )


def compare_rows(small: list[Figure], large: list[Figure]) -> None:
    """Peak RSS and seconds - floor of each command, small table against large table."""
    if not small or not large:
        return
    print(f"\nflatness: {small[0].scale} -> {large[0].scale}")
    by_label = {f.command: f for f in large}
    for s in small:
        big = by_label.get(s.command)
        if big is None or s.floor is None or big.floor is None:
            continue
        drss = big.rss_mb - s.rss_mb
        dheap = big.heap_mb - s.heap_mb
        dcpu = big.cpu - s.cpu
        verdict = "flat" if abs(drss) <= max(5.0, 0.05 * s.rss_mb) else "NOT FLAT"
        print(
            f"  {s.command:<36} RSS {s.rss_mb:6.1f} -> {big.rss_mb:6.1f} MB ({drss:+5.1f}, "
            f"{verdict}); heap {dheap:+5.1f} MB; cpu {dcpu:+5.2f} s; scans {s.scans} -> "
            f"{big.scans}; "
            f"s - floor {s.seconds - s.floor:6.3f} -> "
            f"{big.seconds - big.floor:6.3f}; floor {s.floor:6.3f} -> {big.floor:6.3f}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Memory and time of the plugin, audit and verify on 1,000 tables and on "
        "a 10-million-row table (PostgreSQL)."
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("ALEMBIC_ADDITIVE_PG_URL", DEFAULT_URL),
        help="admin URL; scratch databases are created next to it "
        "(default: $ALEMBIC_ADDITIVE_PG_URL or %(default)s)",
    )
    parser.add_argument("--tables", type=int, default=1000, help="tables in scenario (a)")
    parser.add_argument(
        "--rows", type=int, default=10_000_000, help="rows of the big table (also run at 1/10)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs each; best is kept")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch databases")
    parser.add_argument("--skip-verify", action="store_true", help="do not measure verify")
    args = parser.parse_args(argv)
    if args.tables < 1 or args.rows < 10 or args.repeat < 1:
        parser.error("--tables and --repeat must be at least 1, --rows at least 10")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    args = parse_args(argv)
    admin_url = sa.make_url(args.url)
    with_verify = not args.skip_verify and verify_available()
    if not args.skip_verify and not with_verify:
        print("alembic_additive.verify is not importable: verify is not measured")
    started = time.perf_counter()
    figures = scenario_tables(admin_url, args.tables, args.repeat, args.keep, with_verify)
    small = scenario_rows(admin_url, args.rows // 10, args.repeat, args.keep, with_verify)
    large = scenario_rows(admin_url, args.rows, args.repeat, args.keep, with_verify)
    show([*figures, *small, *large])
    compare_rows(small, large)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
