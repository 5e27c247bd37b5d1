"""drop-index: ``op.drop_index`` / ``batch_op.drop_index``; ``drop_index_if_exists`` is fine.

Also the pyproject ``ignore`` setting, which teams often use for this rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import project, rules

from alembic_additive.lint import LintConfigError, load_config


def test_err_drop_index(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index(op.f("ix_users_email"), table_name="users")
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_index("ix_users_name")
        """
    )
    result = lint()
    assert rules(result) == ["drop-index", "drop-index"]
    assert "unique index" in result.findings[0].message
    assert "`ix_users_name`" in result.findings[1].message


def test_ok_drop_index_if_exists_and_create(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.create_index("ix_a", "a", ["x"])
            op.drop_index_if_exists("ix_old", "a")


        def downgrade():
            op.drop_index_if_exists("ix_a", "a")
        """
    )
    assert rules(lint(include_downgrade=True)) == []


def test_pyproject_ignore(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index("ix_a", table_name="a")
        op.drop_table("a")
        """
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nignore = ["drop-index"]\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "versions")
    assert config.ignore == {"drop-index"}
    assert rules(lint(config=config)) == ["drop-table"]


def test_pyproject_nearest_file_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nignore = ["drop-table"]\n', encoding="utf-8"
    )
    inner = tmp_path / "sub"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(inner).ignore == frozenset()
    assert load_config(tmp_path).ignore == {"drop-table"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('ignore = ["drop-indx"]', "unknown rule 'drop-indx'"),
        ('ignore = "drop-index"', "expected a list of rule ids"),
        ("baseline = 3", "expected a revision id"),
        ("allow_revisions = [1]", "expected a list of revision ids"),
        ("colour = true", "unknown setting"),
    ],
)
def test_pyproject_typos_are_errors(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.alembic_additive.lint]\n{body}\n", encoding="utf-8"
    )
    with pytest.raises(LintConfigError, match=message):
        load_config(tmp_path)
