"""set-not-null: ``alter_column(..., nullable=False)``."""

from __future__ import annotations

from pathlib import Path

from lint_support import found, project, rules


def test_err_set_not_null(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("users", "email", existing_type=sa.String(), nullable=False)')
    result = lint()
    assert rules(result) == ["set-not-null"]
    assert "`users.email` NOT NULL" in result.findings[0].message
    assert "backfill" in result.findings[0].message


def test_err_batch_and_computed_flag(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        strict = True
        with op.batch_alter_table("users") as batch_op:
            batch_op.alter_column("email", nullable=False)
        op.alter_column("users", "name", nullable=not strict)
        """
    )
    assert rules(lint()) == ["set-not-null", "set-not-null"]


def test_ok_relaxing_or_leaving_nullability(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.alter_column("users", "email", nullable=True)
        op.alter_column("users", "email", existing_nullable=False, comment="x")
        op.add_column("users", sa.Column("n", sa.Integer(), nullable=False, server_default="0"))
        """
    )
    assert rules(lint()) == []


def test_ok_in_downgrade_only(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.alter_column("users", "email", nullable=True)


        def downgrade():
            op.alter_column("users", "email", nullable=False)
        """
    )
    assert rules(lint()) == []
    assert rules(lint(include_downgrade=True)) == ["set-not-null"]


def test_ok_already_not_null(tmp_path: Path) -> None:
    """``existing_nullable=False`` in the call: the column is NOT NULL already, nothing
    changes (autogenerate writes this for a type or comment change)."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.alter_column(
            "users", "email", existing_type=sa.String(50), type_=sa.String(80),
            nullable=False, existing_nullable=False,
        )
        with op.batch_alter_table("visits") as batch_op:
            batch_op.alter_column("date", nullable=False, existing_nullable=False)
            batch_op.alter_column("note", nullable=False, existing_nullable=True)
        """
    )
    assert found(lint()) == [(15, 9, "set-not-null", "visits", "note", "warning")]
