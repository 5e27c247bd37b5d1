"""drop-constraint: ``op.drop_constraint`` / ``batch_op.drop_constraint``.

Also ``allow_revisions``: a reviewed revision is not checked at all.
"""

from __future__ import annotations

from pathlib import Path

from lint_support import found, project, rules

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


def test_err_drops_inside_a_helper_context_manager(tmp_path: Path) -> None:
    """``with _with_batch(t) as batch_op:`` where the ``@contextmanager`` helper yields the
    batch of ``op.batch_alter_table(t)``: the drops in that branch count like the other's."""
    write, lint = project(tmp_path)
    write(
        """
        from contextlib import contextmanager


        @contextmanager
        def _with_batch(table_name):
            with op.batch_alter_table(table_name, recreate="always") as batch_op:
                yield batch_op


        def upgrade():
            table = "task_instance"
            if op.get_bind().dialect.name == "sqlite":
                with _with_batch(table) as batch_op:
                    batch_op.drop_constraint("ti_pkey", type_="primary")
                    batch_op.drop_constraint("ti_dag_fkey", type_="foreignkey")
                with _with_batch("dag_run") as batch_op:
                    batch_op.drop_constraint("dag_run_uq")
            else:
                op.drop_constraint("ti_pkey", table, type_="primary")
        """
    )
    assert found(lint()) == [
        (21, 13, "drop-constraint", "task_instance", "ti_pkey", "warning"),
        (22, 13, "drop-constraint", "task_instance", "ti_dag_fkey", "warning"),
        (24, 13, "drop-constraint", "dag_run", "dag_run_uq", "warning"),
        (26, 9, "drop-constraint", "task_instance", "ti_pkey", "warning"),
    ]


def test_ok_dropped_and_recreated_in_the_same_upgrade(tmp_path: Path) -> None:
    """Dropped to change its columns and created again under the same name: it is back
    when the upgrade ends. A constraint only dropped is still reported."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
        op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_constraint("uq_users_email", type_="unique")
            batch_op.create_unique_constraint("uq_users_email", ["email", "tenant"])
        op.execute("ALTER TABLE visits DROP CONSTRAINT ck_visits_date")
        op.execute("ALTER TABLE visits ADD CONSTRAINT ck_visits_date CHECK (d > '2000-01-01')")
        op.drop_constraint("ck_gone", "visits")
        """
    )
    assert found(lint()) == [(16, 5, "drop-constraint", "visits", "ck_gone", "warning")]


def test_ok_constraint_created_earlier_in_the_same_upgrade(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        name = "uq_scratch"
        op.create_unique_constraint(name, "users", ["email"])
        op.drop_constraint(name, "users", type_="unique")
        """
    )
    assert found(lint()) == []


def test_guarded_constraint_operations(tmp_path: Path) -> None:
    """``drop_constraint_if_exists`` (a drop kept by configuration) is reported;
    ``drop_constraint_if_created`` (the downgrade of an added constraint) is not, and the
    plugin's idempotent creates count as re-creating a dropped constraint."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_constraint_if_exists("fk_a", "orders", type_="foreignkey")
        op.drop_constraint_if_created("uq_b", "orders")
        op.drop_constraint("uq_c", "orders", type_="unique")
        op.create_unique_constraint_if_not_exists("uq_c", "orders", ["c", "d"])
        """
    )
    assert found(lint()) == [(9, 5, "drop-constraint", "orders", "fk_a", "warning")]
