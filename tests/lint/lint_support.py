"""Shared helpers of the lint tests (imported as ``lint_support``; fixtures are in conftest)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic_additive.lint import LintResult, lint_paths

WriteFn = Callable[..., Path]
LintFn = Callable[..., LintResult]

HEADER = '''"""test revision"""
from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down!r}

'''


def revision_source(code: str, revision: str = "r0001", down: str | None = None) -> str:
    """A revision file: imports, ids, then ``code`` (dedented) as written."""
    return HEADER.format(revision=revision, down=down) + textwrap.dedent(code).strip() + "\n"


def upgrade_source(body: str, revision: str = "r0001", down: str | None = None) -> str:
    """A revision whose ``upgrade()`` runs ``body`` and whose ``downgrade()`` does nothing."""
    indented = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    code = f"def upgrade():\n{indented}\n\n\ndef downgrade():\n    pass\n"
    return revision_source(code, revision, down)


class Project:
    """A ``versions`` folder under ``tmp_path`` to write revisions into and lint.

    Plain helpers rather than fixtures: a ``conftest.py`` here would shadow the module
    ``conftest`` that other test files import from ``tests/``.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.versions = tmp_path / "versions"
        self.versions.mkdir(exist_ok=True)

    def write(
        self,
        code: str = "",
        *,
        upgrade: str | None = None,
        name: str | None = None,
        revision: str = "r0001",
        down: str | None = None,
    ) -> Path:
        """Write a revision: ``code`` is the module body after the header; ``upgrade=`` gives
        just the body of ``upgrade()`` instead."""
        if upgrade is not None:
            text = upgrade_source(upgrade, revision, down)
        else:
            text = revision_source(code, revision, down)
        path = self.versions / (name or f"{revision}_rev.py")
        path.write_text(text, encoding="utf-8")
        return path

    def lint(self, *paths: Path, **kwargs: Any) -> LintResult:
        """Lint the versions folder (or the given paths)."""
        return lint_paths(list(paths) or [self.versions], **kwargs)


def project(tmp_path: Path) -> tuple[WriteFn, LintFn]:
    """``write, lint = project(tmp_path)``."""
    made = Project(tmp_path)
    return made.write, made.lint


def rules(result: LintResult) -> list[str]:
    """The rule ids found, in report order (and no file errors)."""
    assert not result.errors, result.errors
    return [f.rule for f in result.findings]


Found = tuple[int, int, str, "str | None", "str | None", str]


def found(result: LintResult) -> list[Found]:
    """Each finding as ``(line, column, rule, table, name, severity)``, in report order."""
    assert not result.errors, result.errors
    return [(f.line, f.column, f.rule, f.table, f.name, f.severity) for f in result.findings]


def write_raw(tmp_path: Path, text: str, name: str = "r0001_rev.py") -> Path:
    """A revision file written exactly as given (dedented): no header added."""
    versions = tmp_path / "versions"
    versions.mkdir(exist_ok=True)
    path = versions / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
