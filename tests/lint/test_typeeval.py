"""The static type check that spares most lint runs importing SQLAlchemy.

:func:`obvious_widening` answers from the source alone; whatever it calls a widening must be
one for the rule's :func:`widens` too (built on :func:`alembic_additive.widening.classify`, the
authority, dialect-aware), so a change there cannot leave lint silent about a narrowing.
"""

from __future__ import annotations

import ast
import itertools

import pytest
import sqlalchemy as sa

from alembic_additive.lint.names import Binding
from alembic_additive.lint.rules.alter_column_type import widens
from alembic_additive.lint.typeeval import evaluate_type, obvious_widening, static_type

NAMES: dict[str, Binding] = {"sa": "sqlalchemy"}

SAMPLES = [
    "sa.String(length=1)",
    "sa.String(50)",
    "sa.String(length=255)",
    "sa.String(16383)",
    "sa.String()",
    "sa.String(50, collation='C')",
    "sa.VARCHAR(20)",
    "sa.VARCHAR(2048)",
    "sa.Unicode(30)",
    "sa.NVARCHAR(40)",
    "sa.Text()",
    "sa.TEXT()",
    "sa.UnicodeText()",
    "sa.Text(100)",
    "sa.SmallInteger()",
    "sa.Integer()",
    "sa.INTEGER()",
    "sa.BigInteger()",
    "sa.BIGINT()",
    "sa.SMALLINT",
    "sa.Float()",
    "sa.Float(precision=24)",
    "sa.Float(precision=25)",
    "sa.Float(precision=53)",
    "sa.Numeric(10, 2)",
    "sa.Boolean()",
]


def _static(text: str) -> object:
    return static_type(ast.parse(text, mode="eval").body, NAMES)


@pytest.mark.parametrize(("old", "new"), list(itertools.product(SAMPLES, SAMPLES)))
def test_obvious_widening_agrees_with_classify(old: str, new: str) -> None:
    old_s, new_s = _static(old), _static(new)
    if old_s is None or new_s is None or not obvious_widening(old_s, new_s):  # type: ignore[arg-type]
        return
    old_t = evaluate_type(ast.parse(old, mode="eval").body, NAMES)
    new_t = evaluate_type(ast.parse(new, mode="eval").body, NAMES)
    assert isinstance(old_t, sa.types.TypeEngine) and isinstance(new_t, sa.types.TypeEngine)
    assert widens(old_t, new_t)[0], (old, new)


def test_obvious_cases_are_recognised() -> None:
    def obvious(old: str, new: str) -> bool:
        return obvious_widening(_static(old), _static(new))  # type: ignore[arg-type]

    assert obvious("sa.String(50)", "sa.String(length=100)")
    assert obvious("sa.VARCHAR(2048)", "sa.Text()")
    assert obvious("sa.Integer()", "sa.BigInteger()")
    assert obvious("sa.Float()", "sa.Float(precision=53)")
    assert not obvious("sa.String(100)", "sa.String(50)")
    assert not obvious("sa.BigInteger()", "sa.Integer()")
    assert not obvious("sa.Float()", "sa.Float(precision=24)")
    assert not obvious("sa.String(50, collation='C')", "sa.String(60)")
    assert _static("make_type()") is None
    assert _static("sa.String(N)") is None


def test_lint_without_type_changes_never_imports_sqlalchemy(tmp_path: object) -> None:
    """The point of the static check, in a fresh interpreter: widenings that are obvious
    from the source leave SQLAlchemy unimported."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import sys, textwrap
        from alembic_additive.lint import lint_source
        source = textwrap.dedent('''
            from alembic import op
            import sqlalchemy as sa
            def upgrade():
                op.alter_column("t", "c", existing_type=sa.String(50), type_=sa.Text())
                op.alter_column("t", "d", existing_type=sa.Integer(), type_=sa.BigInteger())
                op.drop_table("x")
        ''')
        result = lint_source(source)
        assert [f.rule for f in result.findings] == ["drop-table"], result.findings
        assert "sqlalchemy" not in sys.modules, "sqlalchemy was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
