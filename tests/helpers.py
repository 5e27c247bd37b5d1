"""Shared test helpers: run the real ``alembic`` command on a temporary project, and read a
whole database so tests can compare contents before and after."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alembic_additive import scaffold

ALEMBIC = str(Path(sys.executable).with_name("alembic"))


def make_project(folder: Path, ini_url: str, models_source: str, env_extra: str = "") -> Path:
    """An Alembic project like ``alembic init`` makes, with the one-line enabling.

    ``env_extra`` is inserted into the ``context.configure(...)`` call of online mode.
    """
    ini = scaffold.write_project(folder, ini_url, models_source)
    if env_extra:
        env = folder / "migrations" / "env.py"
        text = env.read_text()
        marker = (
            '            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],\n'
        )
        assert marker in text
        env.write_text(text.replace(marker, marker + env_extra))
    return ini


def alembic(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the installed ``alembic`` console script in ``folder``."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [ALEMBIC, "-c", str(folder / "alembic.ini"), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"alembic {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def only_revision(folder: Path) -> Path:
    files = sorted((folder / "migrations" / "versions").glob("*.py"))
    assert len(files) == 1, files
    return files[0]


def function_source(path: Path, name: str) -> str:
    """The body of ``upgrade``/``downgrade`` in a revision file, as written."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = text.splitlines()[node.lineno : node.end_lineno]
            return "\n".join(lines)
    raise AssertionError(f"{name}() not found in {path}")


def op_calls(path: Path, function: str) -> list[str]:
    """Names of the ``op.<name>(...)`` calls in ``upgrade()`` or ``downgrade()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and isinstance(sub.func.value, ast.Name)
                    and sub.func.value.id == "op"
                ):
                    calls.append(sub.func.attr)
    return calls


def dump(engine: sa.Engine, schema: str | None = None) -> dict[str, dict[str, Any]]:
    """Every table's columns and rows (sorted), so two states can be compared exactly.

    The plugin's ledger (what each upgrade created, see docs/how-it-works.md) is bookkeeping
    that upgrades and downgrades change by design: left out.
    """
    insp = sa.inspect(engine)
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for name in sorted(insp.get_table_names(schema=schema)):
            if name == "alembic_additive_ledger":
                continue
            cols = [c["name"] for c in insp.get_columns(name, schema=schema)]
            t = sa.table(name, *(sa.column(c) for c in cols), schema=schema)
            rows = conn.execute(sa.select(*(t.c[c] for c in cols))).all()
            out[name] = {
                "columns": cols,
                "rows": sorted(tuple(repr(v) for v in r) for r in rows),
            }
    return out


def assert_preserved(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    """Every table, column, row and value of ``before`` is still in ``after``, unchanged."""
    for table, state in before.items():
        assert table in after, f"table {table} was lost"
        now = after[table]
        missing = [c for c in state["columns"] if c not in now["columns"]]
        assert not missing, f"columns lost from {table}: {missing}"
        idx = [now["columns"].index(c) for c in state["columns"]]
        projected = sorted(tuple(r[i] for i in idx) for r in now["rows"])
        assert projected == state["rows"], f"rows or values of {table} changed"
