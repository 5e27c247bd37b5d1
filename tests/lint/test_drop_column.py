"""drop-column: ``op.drop_column`` and ``batch_op.drop_column``; the guarded op is fine."""

from __future__ import annotations

from pathlib import Path

from lint_support import found, project, rules, write_raw

from alembic_additive.lint import lint_paths


def test_err_drop_column(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_column("users", "email")')
    result = lint()
    assert rules(result) == ["drop-column"]
    assert "`users.email`" in result.findings[0].message


def test_err_batch_op(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.add_column(sa.Column("x", sa.Integer()))
            batch_op.drop_column("email")
        """
    )
    result = lint()
    assert rules(result) == ["drop-column"]
    finding = result.findings[0]
    assert (finding.line, finding.column) == (11, 9)
    assert "`batch_op.drop_column`" in finding.message and "`users.email`" in finding.message


def test_err_batch_op_passed_to_a_helper(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _strip(batch, column):
            batch.drop_column(column)


        def upgrade():
            with op.batch_alter_table("users") as b, op.batch_alter_table("orders") as c:
                _strip(b, "email")
                c.drop_column("note")
        """
    )
    result = lint()
    assert rules(result) == ["drop-column", "drop-column"]
    assert "`orders.note`" in result.findings[1].message


def test_err_aliased_batch_inside_loop(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        from alembic import op as o


        def upgrade():
            for table in ("a", "b"):
                with o.batch_alter_table(table) as batch:
                    if table == "a":
                        batch.drop_column("legacy")
        """
    )
    assert rules(lint()) == ["drop-column"]


def test_ok_guarded_and_additive(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.add_column("users", sa.Column("email", sa.String(), nullable=True))
            op.drop_column_if_empty("users", "fax")


        def downgrade():
            op.drop_column_if_empty("users", "email")
        """
    )
    assert rules(lint(include_downgrade=True)) == []


def test_ok_downgrade_of_an_added_column(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.add_column("users", sa.Column("email", sa.String(), nullable=True))


        def downgrade():
            op.drop_column("users", "email")
        """
    )
    assert rules(lint()) == []
    assert rules(lint(include_downgrade=True)) == ["drop-column"]


def test_suppression_on_the_line_or_own_line_above(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_column("users", "a")  # additive: allow drop-column -- never written
        # additive: allow drop-column, drop-table -- emptied by revision r0000
        op.drop_column(
            "users",
            "b",
        )
        op.drop_column("users", "c")
        """
    )
    result = lint()
    assert rules(result) == ["drop-column"]
    assert result.findings[0].line == 15


def test_trailing_suppression_does_not_leak_to_the_next_line(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_column("users", "a")  # additive: allow drop-column -- never written
        op.drop_column("users", "b")
        """
    )
    assert [f.line for f in lint().findings] == [10]


def test_suppression_for_another_rule_does_not_apply(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_column("users", "a")  # additive: allow drop-table -- wrong rule')
    assert rules(lint()) == ["drop-column"]


def test_suppression_without_reason_is_reported_and_ignored(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_column("users", "a")  # additive: allow drop-column')
    assert sorted(rules(lint())) == ["drop-column", "invalid-suppression"]


def test_err_op_passed_in_as_a_parameter(tmp_path: Path) -> None:
    """``def upgrade(op, tables, tester):`` with ``alembic.op`` passed in by env.py: the
    first parameter is the operations object, though ``op`` is never imported."""
    write_raw(
        tmp_path,
        """
        import sqlalchemy as sa

        revision = "r0001"
        down_revision = None


        def _strip(op, table):
            op.drop_column(table, "fax")


        def upgrade(op, tables, tester):
            op.drop_column("users", "email")
            _strip(op, "clinics")
            tester.drop_column("not", "alembic")


        def downgrade(op, tables, tester):
            op.add_column("users", sa.Column("email", sa.String()))
        """,
    )
    assert found(lint_paths([tmp_path / "versions"])) == [
        (8, 5, "drop-column", "clinics", "fax", "error"),
        (12, 5, "drop-column", "users", "email", "error"),
    ]


def test_err_operations_annotated_parameter(tmp_path: Path) -> None:
    write_raw(
        tmp_path,
        """
        from alembic.operations import Operations

        revision = "r0001"
        down_revision = None


        def upgrade(ops: Operations) -> None:
            ops.drop_column("users", "email")
        """,
    )
    assert found(lint_paths([tmp_path / "versions"])) == [
        (8, 5, "drop-column", "users", "email", "error"),
    ]


def test_ok_first_parameter_not_named_op(tmp_path: Path) -> None:
    write_raw(
        tmp_path,
        """
        revision = "r0001"
        down_revision = None


        def upgrade(engine, op=None):
            engine.drop_column("users", "email")
        """,
    )
    assert found(lint_paths([tmp_path / "versions"])) == []


def test_ok_column_added_earlier_in_the_same_upgrade(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.add_column("users", sa.Column("scratch", sa.Integer()))
        op.execute("UPDATE users SET scratch = 1")
        op.drop_column("users", "scratch")
        op.drop_column("users", "email")
        """
    )
    assert found(lint()) == [(12, 5, "drop-column", "users", "email", "error")]


def test_err_drops_kept_by_configuration(tmp_path: Path) -> None:
    """The plugin's own drops written when configuration allows them delete the values as
    surely as ``drop_column``; ``drop_column_if_empty`` refuses while there are any."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_column_if_exists("users", "fax")
        op.drop_column_safe("users", "pager", schema="main")
        op.drop_column_if_empty("users", "telex")
        """
    )
    assert found(lint()) == [
        (9, 5, "drop-column", "users", "fax", "error"),
        (10, 5, "drop-column", "users", "pager", "error"),
    ]
