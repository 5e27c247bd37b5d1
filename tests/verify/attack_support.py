"""Helpers for the attack tests on verify: the same two revisions on two new databases of one
dialect, one judged by ``verify``, the other upgraded by the real ``alembic`` command, so each
test can show that what verify reports (or does not) is what a plain upgrade really does to
the rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import alembic, dump
from verify_support import Project, new_project
from verify_support import violation_lines as lines

__all__ = ["contents", "lines", "plain_upgrade", "twins"]


def twins(
    tmp_path: Path,
    make_database: Any,
    dialect: str,
    setup: str,
    change: str,
    imports: str = "",
) -> tuple[Project, Project]:
    """Two projects with revisions r1 (``setup``: tables and rows) and r2 (``change``), each
    on its own new database and upgraded to r1 by the real ``alembic`` command."""
    out = []
    for name in ("verified", "plain"):
        project = new_project(tmp_path / name, make_database(dialect))
        project.revision("r1", None, setup, imports)
        project.revision("r2", "r1", change, imports)
        alembic(project.folder, "upgrade", "r1")
        out.append(project)
    return out[0], out[1]


def plain_upgrade(
    project: Project, schema: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every table's rows before and after ``alembic upgrade head`` (the version table left
    out: it changes by design)."""
    before = dump(project.db.engine, schema)
    alembic(project.folder, "upgrade", "head")
    after = dump(project.db.engine, schema)
    for state in (before, after):
        state.pop("alembic_version", None)
    return before, after


def contents(project: Project, schema: str | None = None) -> dict[str, Any]:
    """Every table's rows now (the version table left out)."""
    state = dump(project.db.engine, schema)
    state.pop("alembic_version", None)
    return state
