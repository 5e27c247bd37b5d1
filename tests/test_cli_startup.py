"""``alembic-additive`` starts fast: each command's dependencies load only when it runs.

Timing is measured in benchmarks/cli_startup.py; these tests pin the cause, deterministic
on any machine: which modules a fresh interpreter has imported after ``--version``, after
``--help`` of the lint command, and after linting a revision.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("alembic", "sqlalchemy", "sqlglot")


def _modules_after(args: list[str], cwd: Path) -> tuple[str, list[str]]:
    code = textwrap.dedent(
        f"""
        import io, json, sys, contextlib
        from alembic_additive.cli import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main({args!r})
            except SystemExit:
                pass
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print(json.dumps([out.getvalue(), heavy]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    output, heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    return output, heavy


def test_version_imports_no_command(tmp_path: Path) -> None:
    output, heavy = _modules_after(["--version"], tmp_path)
    assert output.startswith("alembic-additive, version ")
    assert heavy == []


def test_lint_imports_neither_alembic_nor_sqlalchemy(tmp_path: Path) -> None:
    (tmp_path / "r1.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\nrevision = 'r1'\n"
        "down_revision = None\n\n\ndef upgrade():\n"
        "    op.alter_column('t', 'c', existing_type=sa.String(50), type_=sa.String(80))\n"
        "    op.execute('DROP TABLE IF EXISTS t_old; DELETE FROM t WHERE id < 0')\n"
        "    op.drop_column('t', 'd')\n",
        encoding="utf-8",
    )
    output, heavy = _modules_after(["lint", "r1.py", "--format", "json"], tmp_path)
    assert [f["rule"] for f in json.loads(output)["findings"]] == [
        "destructive-sql",
        "destructive-sql",
        "drop-column",
    ]
    assert heavy == []


def test_every_command_is_still_listed_and_runs(tmp_path: Path) -> None:
    output, _ = _modules_after(["--help"], tmp_path)
    for command in ("audit", "cleanup", "demo", "lint", "recover", "verify"):
        assert f"  {command} " in output, command
    output, _ = _modules_after(["lint", "--list-rules"], tmp_path)
    assert output.startswith("drop-table ")
