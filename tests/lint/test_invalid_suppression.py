"""invalid-suppression: a ``# additive: allow`` comment must name known rules and a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import project, rules

from alembic_additive.lint import LintConfig
from alembic_additive.lint.config import parse_suppressions


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# additive: allow drop-table", "has no reason"),
        ("# additive: allow drop-table --", "has no reason"),
        ("# additive: allow drop-table --   ", "has no reason"),
        ("# additive: allow drop-tabel -- typo", "unknown rule 'drop-tabel'"),
        ("# additive: allow -- no rule", "names no rule"),
        ("# additive: permit drop-table -- wrong verb", "is not a suppression"),
    ],
)
def test_err_invalid(tmp_path: Path, comment: str, problem: str) -> None:
    write, lint = project(tmp_path)
    write(upgrade=f'op.drop_table("a")  {comment}')
    result = lint()
    assert sorted(rules(result)) == ["drop-table", "invalid-suppression"]
    bad = next(f for f in result.findings if f.rule == "invalid-suppression")
    assert problem in bad.message
    assert (bad.line, bad.column) == (9, 25)


def test_err_invalid_even_where_nothing_is_suppressed(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            pass


        def downgrade():
            op.drop_table("a")  # additive: allow drop-table
        """
    )
    assert rules(lint()) == ["invalid-suppression"]


def test_ok_valid_forms() -> None:
    source = (
        "x = 1  # additive: allow drop-table -- reason\n"
        "#additive:allow drop-table,drop-column -- two rules, no spaces\n"
        "# additive: allow drop-table drop-index -- space separated\n"
    )
    found = parse_suppressions(source)
    assert [c.problem for c in found] == [None, None, None]
    assert found[1].rules == ("drop-table", "drop-column")
    assert [c.own_line for c in found] == [False, True, True]
    assert found[0].reason == "reason"


def test_ok_marker_inside_a_string_is_not_a_comment() -> None:
    assert parse_suppressions('x = "# additive: allow drop-table"\n') == []
    assert parse_suppressions("# additive is a word here, no colon\n") == []


def test_ignored_via_pyproject(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.create_table("a")  # additive: allow drop-table')
    config = LintConfig(ignore=frozenset({"invalid-suppression"}))
    assert rules(lint(config=config)) == []
