"""rename-column: ``alter_column(..., new_column_name=...)``."""

from __future__ import annotations

from pathlib import Path

from lint_support import project, rules


def test_err_rename_column(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("users", "email", new_column_name="email_address")')
    result = lint()
    assert rules(result) == ["rename-column"]
    assert "renames `users.email` to `email_address`" in result.findings[0].message


def test_err_batch_rename_with_not_null_reports_both(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        with op.batch_alter_table("users") as batch_op:
            batch_op.alter_column("email", new_column_name="mail", nullable=False)
        """
    )
    assert sorted(rules(lint())) == ["rename-column", "set-not-null"]


def test_ok_alter_without_rename(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("users", "email", comment="primary contact")')
    assert rules(lint()) == []
