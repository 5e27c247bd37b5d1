"""What do the upgrade-time guards cost? ``alembic upgrade`` of the plugin's revision (with
``op.preflight``) against the same upgrade written by plain Alembic (no guards).

Why this exists: every kept operation whose safety depends on data is re-proved where the
upgrade runs (see docs/how-it-works.md, "Upgrade-time guards"). That costs scans: one
``SELECT`` per guarded table for the row conditions (NULLs, a CHECK) and one per unique key
and foreign key. The operations themselves scan too (SET NOT NULL, building the unique
index, validating the foreign key and the CHECK), so the target is: the guarded upgrade
takes at most 1.5x the time of the plain one, on a table with many rows.

What it does, against PostgreSQL:

1. creates a scratch database next to the one ``--url`` names (dropped at the end unless
   ``--keep``);
2. builds ``parents`` (``--rows // 10`` rows) and ``items`` (``--rows`` rows: ``code``
   nullable but never NULL, ``email`` distinct, ``parent_id`` always a parent, ``qty`` > 0),
   then VACUUM ANALYZE;
3. writes two projects with the same ``models.py`` (``items.code`` NOT NULL, a unique
   constraint on ``email``, a foreign key to ``parents``, a CHECK on ``qty``) and Alembic's
   ``checkconstraint_byname`` comparator: one with the plugin, one without it (plain
   Alembic); autogenerates one revision in each (the plugin's has ``op.preflight`` with
   four checks, the plain one none);
4. times ``alembic upgrade head`` in-process for both, interleaved, ``--repeat`` times after
   one warm-up each, running ``alembic downgrade base`` (untimed) after every upgrade; and
   times the guard's counting alone (``checks.count_all`` on an open connection);
5. prints the figures and "TARGET MET" or "TARGET MISSED". It always exits 0: it is a
   benchmark, not a test.

Run: ``python benchmarks/guard_overhead.py`` (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import ast
import gc
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from _scratch import PLUGIN_LINE, plugin_and_plain_projects, scratch_database
from alembic import command
from alembic.config import Config

from alembic_additive.checks import Check, check_from_spec, count_all

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 1.5

MODELS = '''"""Models for the guard benchmark: four data-dependent changes to one large table."""

import sqlalchemy as sa

metadata = sa.MetaData()

parents = sa.Table("parents", metadata, sa.Column("id", sa.Integer, primary_key=True))

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("email", sa.String(100), nullable=True),
    sa.Column("parent_id", sa.Integer, nullable=True),
    sa.Column("qty", sa.Integer, nullable=True),
    sa.UniqueConstraint("email", name="uq_items_email"),
    sa.ForeignKeyConstraint(["parent_id"], ["parents.id"], name="fk_items_parent_id"),
    sa.CheckConstraint("qty > 0", name="ck_items_qty"),
)
'''

WITH_CHECKS = (
    '            autogenerate_plugins=["alembic.autogenerate.*", '
    '"alembic.ext.checkconstraint_byname", "alembic_additive"],\n'
)
PLAIN_WITH_CHECKS = (
    '            autogenerate_plugins=["alembic.autogenerate.*", '
    '"alembic.ext.checkconstraint_byname"],\n'
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time `alembic upgrade` with the plugin's guards and without (PostgreSQL)."
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("ALEMBIC_ADDITIVE_PG_URL", DEFAULT_URL),
        help="admin URL; a scratch database is created next to it "
        "(default: $ALEMBIC_ADDITIVE_PG_URL or %(default)s)",
    )
    parser.add_argument("--rows", type=int, default=500_000, help="rows in the large table")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs each; best is kept")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rows < 10:
        parser.error("--repeat must be at least 1 and --rows at least 10")
    return args


def build_schema(url: sa.URL, rows: int) -> None:
    """The database as it is before the revision: no constraint yet, every value fits."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    parents = max(1, rows // 10)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE parents (id integer PRIMARY KEY)"))
        conn.execute(
            sa.text(
                "CREATE TABLE items (id integer PRIMARY KEY, code varchar(20), "
                "email varchar(100), parent_id integer, qty integer)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO parents SELECT g FROM generate_series(1, :n) AS g"), {"n": parents}
        )
        conn.execute(
            sa.text(
                "INSERT INTO items SELECT g, 'c' || (g % 1000), 'user' || g || '@example.com', "
                "1 + g % :parents, 1 + g % 50 FROM generate_series(1, :n) AS g"
            ),
            {"n": rows, "parents": parents},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def write_projects(root: Path, url: sa.URL) -> tuple[Path, Path]:
    """(plugin ini, plain ini), both with Alembic's named-CHECK comparator enabled."""
    plugin_ini, plain_ini = plugin_and_plain_projects(root, url, MODELS)
    plugin_env = plugin_ini.parent / "migrations" / "env.py"
    plugin_env.write_text(plugin_env.read_text().replace(PLUGIN_LINE, WITH_CHECKS))
    plain_env = plain_ini.parent / "migrations" / "env.py"
    text = plain_env.read_text()
    marker = "            compare_type=True,\n"
    if marker not in text:
        raise SystemExit("scaffold's env.py changed: the compare_type line is missing")
    plain_env.write_text(text.replace(marker, marker + PLAIN_WITH_CHECKS))
    return plugin_ini, plain_ini


def alembic_command(ini: Path, name: str, *args: str, **kw: object) -> float:
    """``alembic <name> <args>`` in-process; a fresh ``models`` import each time; seconds."""
    sys.modules.pop("models", None)
    saved_path = list(sys.path)
    config = Config(str(ini), stdout=io.StringIO())
    gc.collect()
    start = time.perf_counter()
    try:
        getattr(command, name)(config, *args, **kw)
    finally:
        seconds = time.perf_counter() - start
        sys.path[:] = saved_path
        sys.modules.pop("models", None)
    return seconds


def revision_file(ini: Path) -> Path:
    files = sorted((ini.parent / "migrations" / "versions").glob("*.py"))
    if len(files) != 1:
        raise SystemExit(f"expected one revision in {ini.parent}, found {len(files)}")
    return files[0]


def preflight_checks(revision: Path) -> list[Check]:
    """The checks of the revision's ``op.preflight(...)`` call (empty when it has none)."""
    for node in ast.walk(ast.parse(revision.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "preflight"
        ):
            return [check_from_spec(ast.literal_eval(arg)) for arg in node.args]
    return []


def time_upgrade(ini: Path) -> float:
    seconds = alembic_command(ini, "upgrade", "head")
    alembic_command(ini, "downgrade", "base")
    return seconds


def guard_floor(engine: sa.Engine, checks: list[Check]) -> float:
    """The guard's counting alone, on an open connection (what op.preflight adds)."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        start = time.perf_counter()
        counts = count_all(conn, checks)
        seconds = time.perf_counter() - start
        conn.rollback()
    if any(counts):
        raise SystemExit(f"the guards should pass on the benchmark data: {counts}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    admin_url = sa.make_url(args.url)
    print(f"items: {args.rows:,} rows, parents: {max(1, args.rows // 10):,}; repeat={args.repeat}")
    with (
        scratch_database(admin_url, args.keep, "alembic_additive_guard_bench") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        start = time.perf_counter()
        build_schema(url, args.rows)
        print(f"built scratch database {url.database!r} in {time.perf_counter() - start:.1f}s")
        plugin_ini, plain_ini = write_projects(Path(tmp), url)
        alembic_command(plugin_ini, "revision", message="guarded", autogenerate=True)
        alembic_command(plain_ini, "revision", message="plain", autogenerate=True)
        checks = preflight_checks(revision_file(plugin_ini))
        if len(checks) != 4 or preflight_checks(revision_file(plain_ini)):
            raise SystemExit(f"unexpected revisions: plugin guards {[c.kind for c in checks]}")
        print(f"plugin revision guards: {', '.join(c.kind for c in checks)}")

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        time_upgrade(plain_ini)  # warm-up: caches, the first connection
        time_upgrade(plugin_ini)
        guard_floor(engine, checks)
        plain: list[float] = []
        plugin: list[float] = []
        floor: list[float] = []
        for _ in range(args.repeat):  # interleaved, so drift hits all three alike
            plain.append(time_upgrade(plain_ini))
            plugin.append(time_upgrade(plugin_ini))
            floor.append(guard_floor(engine, checks))
        engine.dispose()

    best_plain, best_plugin, best_floor = min(plain), min(plugin), min(floor)
    ratio = best_plugin / best_plain
    rows = [
        ("plain alembic upgrade (no guards)", f"{best_plain:.3f} s"),
        ("alembic-additive upgrade (op.preflight)", f"{best_plugin:.3f} s"),
        (f"ratio (target <= {TARGET_RATIO:.2f})", f"{ratio:.2f}x"),
        (f"guard counting alone ({len(checks)} checks)", f"{best_floor:.3f} s"),
        ("difference (plugin - plain)", f"{best_plugin - best_plain:.3f} s"),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, runs in (("plain", plain), ("plugin", plugin), ("guards", floor)):
        print(f"all runs, {label + ':':<8} {', '.join(f'{s:.3f}' for s in runs)}")
    for label, value in rows:
        print(f"{label:<{width}}  {value:>10}")
    print("TARGET MET" if ratio <= TARGET_RATIO else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
