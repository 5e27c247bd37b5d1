"""Shared by the benchmark scripts: a throw-away PostgreSQL database per run, and the
pair of Alembic projects (with and without the plugin) they compare."""

from __future__ import annotations

import shutil
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alembic_additive import scaffold

PLUGIN_LINE = '            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],\n'


@contextmanager
def scratch_database(admin_url: sa.URL, keep: bool, prefix: str) -> Iterator[sa.URL]:
    """CREATE DATABASE (autocommit on the admin URL); DROP it afterwards unless ``keep``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    try:
        yield admin_url.set(database=name)
    finally:
        if keep:
            print(f"kept scratch database {name!r}")
        else:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


def plugin_and_plain_projects(root: Path, url: sa.URL, models: str) -> tuple[Path, Path]:
    """``root/plugin`` (the scaffold, plugin on) and ``root/plain`` (the same project without
    the ``autogenerate_plugins=...`` line); returns their alembic.ini paths (plugin, plain)."""
    ini_url = url.render_as_string(hide_password=False).replace("%", "%%")
    plugin_ini = scaffold.write_project(
        root / "plugin", ini_url, models, alembic_log_level="WARNING"
    )
    shutil.copytree(root / "plugin", root / "plain")
    env = root / "plain" / "migrations" / "env.py"
    text = env.read_text(encoding="utf-8")
    if PLUGIN_LINE not in text:
        raise SystemExit("scaffold's env.py changed: the autogenerate_plugins line is missing")
    env.write_text(text.replace(PLUGIN_LINE, ""), encoding="utf-8")
    return plugin_ini, root / "plain" / "alembic.ini"


def median_time(run: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
