"""rename-table: ``op.rename_table``."""

from __future__ import annotations

from pathlib import Path

from lint_support import project, rules


def test_err_rename_table(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.rename_table("users", "accounts")')
    result = lint()
    assert rules(result) == ["rename-table"]
    assert "renames `users` to `accounts`" in result.findings[0].message
    assert "expand/contract" in result.findings[0].message


def test_err_rename_with_keywords_in_helper(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _move(old, new):
            op.rename_table(old_table_name=old, new_table_name=new)


        def upgrade():
            _move("a", "b")
        """
    )
    assert rules(lint()) == ["rename-table"]


def test_ok_create_table_with_new_name(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.create_table("accounts", sa.Column("id", sa.Integer()))')
    assert rules(lint()) == []
