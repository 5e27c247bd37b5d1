"""The README's promises: exactly two commands to paste, and CI runs the test one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 2
    demo, tests = (b.strip() for b in blocks)
    assert demo.endswith("alembic-additive demo") and "\n" not in demo
    assert tests.endswith("python -m pytest -q") and "\n" not in tests
    assert "<!-- demo-command -->\n```sh\n" + demo in readme
    assert "<!-- test-command -->\n```sh\n" + tests in readme


def test_ci_runs_the_readme_test_command_with_every_database_required() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export ALEMBIC_ADDITIVE_REQUIRE_DBS=1" in ci
    assert "<!-- test-command -->" in ci and 'bash -c "$test_command"' in ci
