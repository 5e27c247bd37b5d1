"""alter-column-type: type changes, silent only for a provable widening via ``existing_type``.

The types are built by a whitelist evaluator over the AST (``sa.X(literals)``, dialect
types), so these tests also pin what it refuses to evaluate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import project, rules


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("sa.String(length=50)", "sa.String(length=100)"),
        ("sa.VARCHAR(50)", "sa.Text()"),
        ("sa.Integer()", "sa.BigInteger()"),
        ("sa.SmallInteger()", "sa.Integer"),
        ("sa.Numeric(10, 2)", "sa.Numeric(12, 2)"),
        ("sa.REAL()", "postgresql.DOUBLE_PRECISION()"),
        ("mysql.VARCHAR(length=20)", "sqlalchemy.String(30)"),
        ("String(10)", "String(20)"),
    ],
)
def test_ok_provable_widening(tmp_path: Path, existing: str, new: str) -> None:
    write, lint = project(tmp_path)
    write(
        f"""
        import sqlalchemy
        from sqlalchemy import String
        from sqlalchemy.dialects import postgresql, mysql


        def upgrade():
            op.alter_column("t", "c", existing_type={existing}, type_={new})
        """
    )
    assert rules(lint()) == []


@pytest.mark.parametrize(
    ("existing", "new", "why"),
    [
        ("sa.String(length=100)", "sa.String(length=50)", "may truncate"),
        ("sa.BigInteger()", "sa.Integer()", "narrows"),
        ("sa.Numeric(12, 4)", "sa.Numeric(12, 2)", "rounds"),
        ("sa.String()", "sa.Integer()", "not a provable widening"),
    ],
)
def test_err_narrowing(tmp_path: Path, existing: str, new: str, why: str) -> None:
    write, lint = project(tmp_path)
    write(upgrade=f'op.alter_column("t", "c", existing_type={existing}, type_={new})')
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert why in result.findings[0].message and "`t.c`" in result.findings[0].message


def test_err_without_existing_type(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("t", "c", type_=sa.BigInteger())')
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert "existing_type=" in result.findings[0].message


@pytest.mark.parametrize(
    "existing",
    [
        "sa.String(length=N)",  # a name, not a literal
        "make_type()",  # arbitrary code is never run
        "__import__('os').system('echo pwned')",
        "sa.orm.relationship('X')",  # not a TypeEngine
        "sa.String(length=50, **opts)",
    ],
)
def test_err_types_that_are_not_evaluated(tmp_path: Path, existing: str) -> None:
    write, lint = project(tmp_path)
    write(
        f"""
        N = 50
        opts = {{}}


        def upgrade():
            op.alter_column("t", "c", existing_type={existing}, type_=sa.Text())
        """
    )
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert "cannot be evaluated statically" in result.findings[0].message


def test_err_batch_alter_column(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        with op.batch_alter_table("t") as batch_op:
            batch_op.alter_column("c", existing_type=sa.String(20), type_=sa.String(10))
            batch_op.alter_column("d", existing_type=sa.String(10), type_=sa.String(20))
        """
    )
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert "`t.c`" in result.findings[0].message


def test_ok_alter_without_type_change(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("t", "c", existing_type=sa.Integer(), comment="x")')
    assert rules(lint()) == []
