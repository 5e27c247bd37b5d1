"""Colours: only on a terminal, never with NO_COLOR, never in files or machine formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alembic_additive.cli import main

REVISION = '''"""drop"""
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.drop_column("users", "fax")
'''


@pytest.fixture
def revisions(tmp_path: Path) -> Path:
    (tmp_path / "r1_drop.py").write_text(REVISION)
    return tmp_path


def test_lint_colours_only_on_a_terminal(revisions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = CliRunner().invoke(main, ["lint", str(revisions)], color=True)
    assert terminal.exit_code == 1
    assert "\x1b[31m\x1b[1mdrop-column\x1b[0m" in terminal.stdout
    piped = CliRunner().invoke(main, ["lint", str(revisions)])
    assert "\x1b" not in piped.stdout and " drop-column " in piped.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = CliRunner().invoke(main, ["lint", str(revisions)], color=True)
    assert "\x1b" not in no_color.stdout and " drop-column " in no_color.stdout
    json_out = CliRunner().invoke(main, ["lint", str(revisions), "--format", "json"], color=True)
    assert "\x1b" not in json_out.stdout
