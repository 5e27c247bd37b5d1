"""drop-constraint: ``op.drop_constraint`` / ``batch_op.drop_constraint``.

Also ``allow_revisions``: a reviewed revision is not checked at all.
"""

from __future__ import annotations

from pathlib import Path

from lint_support import project, rules

from alembic_additive.lint import LintConfig, load_config


def test_err_drop_constraint(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_constraint("uq_users_email", type_="unique")
        """
    )
    result = lint()
    assert rules(result) == ["drop-constraint", "drop-constraint"]
    assert "`fk_orders_user` on `orders`" in result.findings[0].message
    assert "`uq_users_email` on `users`" in result.findings[1].message


def test_ok_creating_constraints(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])
        op.create_unique_constraint("uq", "users", ["email"])
        """
    )
    assert rules(lint()) == []


def test_allow_revisions(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_constraint("fk", "orders")', revision="reviewed1")
    write(upgrade='op.drop_constraint("fk2", "orders")', revision="fresh2", down="reviewed1")
    result = lint(config=LintConfig(allow_revisions=frozenset({"reviewed1"})))
    assert [f.revision for f in result.findings] == ["fresh2"]
    assert [Path(p).name for p in result.skipped] == ["reviewed1_rev.py"]

    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nallow_revisions = ["reviewed1", "fresh2"]\n',
        encoding="utf-8",
    )
    assert rules(lint(config=load_config(tmp_path))) == []
