"""alter-column-type: type changes, silent only for a provable widening via ``existing_type``.

The types are built by a whitelist evaluator over the AST (``sa.X(literals)``, dialect
types), so these tests also pin what it refuses to evaluate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import Found, found, project, rules

from alembic_additive.lint import LintResult


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
        # the dialect is unknown: a change unsafe on any dialect is reported
        ("sa.CHAR(5)", "sa.String(10)", "CHAR padding"),  # PostgreSQL reads CHAR padded
        ("sa.Integer()", "sa.Numeric(20, 0)", "CAST"),  # SQLite's batch copy casts
    ],
)
def test_err_narrowing(tmp_path: Path, existing: str, new: str, why: str) -> None:
    write, lint = project(tmp_path)
    write(upgrade=f'op.alter_column("t", "c", existing_type={existing}, type_={new})')
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert why in result.findings[0].message and "`t.c`" in result.findings[0].message


def test_err_mariadb_text_family_is_bytes(tmp_path: Path) -> None:
    """MEDIUMTEXT → Text narrows on MariaDB (TEXT holds 65,535 bytes): reported, though
    Text is the widest text type elsewhere."""
    write, lint = project(tmp_path)
    write(
        """
        from sqlalchemy.dialects import mysql


        def upgrade():
            op.alter_column("t", "c", existing_type=mysql.MEDIUMTEXT(), type_=sa.Text())
        """
    )
    result = lint()
    assert rules(result) == ["alter-column-type"]
    assert "65,535 bytes" in result.findings[0].message


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


def test_err_each_batch_block_its_own_table(tmp_path: Path) -> None:
    """Several ``with op.batch_alter_table(...) as batch_op`` blocks in one function: each
    call belongs to the block it is in, not to the first block's table."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        with op.batch_alter_table("study_user_attributes") as batch_op:
            batch_op.alter_column("value_json", existing_type=sa.Text(), type_=sa.String(255))
        with op.batch_alter_table("study_system_attributes") as batch_op:
            batch_op.alter_column("value_json", existing_type=sa.Text(), type_=sa.String(255))
            with op.batch_alter_table("trials") as batch_op:
                batch_op.alter_column("note", existing_type=sa.Text(), type_=sa.String(10))
            batch_op.alter_column("key", existing_type=sa.Text(), type_=sa.String(10))
        """
    )
    result = lint()
    assert found(result) == [
        (10, 9, "alter-column-type", "study_user_attributes", "value_json", "error"),
        (12, 9, "alter-column-type", "study_system_attributes", "value_json", "error"),
        (14, 13, "alter-column-type", "trials", "note", "error"),
        (15, 9, "alter-column-type", "study_system_attributes", "key", "error"),
    ]
    assert "`study_system_attributes.value_json`" in result.findings[1].message


def _history(tmp_path: Path, last: str) -> tuple[list[Found], list[str]]:
    """Three revisions: create the table, change types, then ``last`` (the upgrade body of
    the newest revision, which gives no ``existing_type=``); the newest one's findings and
    their messages."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.create_table(
            "trials",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("url", sa.String(length=2048), nullable=True),
            sa.Column("value", sa.Float(), nullable=True),
            sa.Column("code", sa.String(length=20), nullable=True),
        )
        """,
        revision="a1",
    )
    write(
        upgrade="""
        with op.batch_alter_table("trials") as batch_op:
            batch_op.add_column(sa.Column("label", sa.String(length=40)))
            batch_op.alter_column(
                "code", existing_type=sa.String(length=20), type_=sa.String(length=10)
            )
        """,
        revision="b2",
        down="a1",
    )
    write(upgrade=last, revision="c3", down="b2")
    result = lint()
    assert [f.revision for f in result.findings if f.revision != "c3"] == ["b2"]
    newest = LintResult(findings=[f for f in result.findings if f.revision == "c3"])
    return found(newest), [f.message for f in newest.findings]


def test_ok_previous_type_from_the_history(tmp_path: Path) -> None:
    """No ``existing_type=``: the nearest earlier revision of the folder that defines the
    column gives its type, so VARCHAR(2048) -> TEXT and Float -> Float(53) are widenings
    (and ``code``, narrowed to 10 by b2, widens to 15)."""
    last = """
        op.alter_column("trials", "url", type_=sa.Text())
        op.alter_column("trials", "value", type_=sa.Float(precision=53))
        with op.batch_alter_table("trials") as batch_op:
            batch_op.alter_column("label", type_=sa.String(length=80))
            batch_op.alter_column("code", type_=sa.String(length=15))
        """
    assert _history(tmp_path, last) == ([], [])


def test_err_narrowing_found_through_the_history(tmp_path: Path) -> None:
    last = """
        op.alter_column("trials", "label", type_=sa.String(length=20))
        op.alter_column("trials", "code", type_=sa.String(length=5))
        """
    findings, messages = _history(tmp_path, last)
    assert findings == [
        (9, 5, "alter-column-type", "trials", "label", "error"),
        (10, 5, "alter-column-type", "trials", "code", "error"),
    ]
    assert "may truncate" in messages[0] and "from an earlier revision" in messages[0]
    assert "existing_type=" not in messages[0]
    assert "VARCHAR(10)" in messages[1]  # b2's type, not the one create_table gave


def test_history_matches_whole_names_only_and_any_literal_form(tmp_path: Path) -> None:
    """The history search skips revisions where the table or column only occurs inside a
    longer name (``trials_x``, ``code2``); a literal in capitals or opened by a backslash
    continuation still counts, exactly as the parsed revision says."""
    write, lint = project(tmp_path)
    write(
        "def upgrade():\n"
        '    op.create_table("TRIALS", sa.Column("Code", sa.String(length=20)))\n'
        '    op.create_table("trials", sa.Column("\\\nlabel", sa.String(length=40)))\n',
        revision="a1",
    )
    write(
        upgrade="""
        op.create_table("trials_x", sa.Column("code", sa.String(length=5)))
        op.create_table("xtrials", sa.Column("code2", sa.String(length=5)))
        """,
        revision="b2",
        down="a1",
    )
    write(
        upgrade="""
        op.alter_column("trials", "code", type_=sa.String(length=15))
        op.alter_column("trials", "label", type_=sa.String(length=80))
        op.alter_column("trials", "code2", type_=sa.String(length=8))
        """,
        revision="c3",
        down="b2",
    )
    result = lint()
    newest = LintResult(findings=[f for f in result.findings if f.revision == "c3"])
    assert found(newest) == [
        (9, 5, "alter-column-type", "trials", "code", "error"),
        (11, 5, "alter-column-type", "trials", "code2", "error"),
    ]
    code, code2 = (f.message for f in newest.findings)
    assert "VARCHAR(20)" in code and "from an earlier revision" in code  # a1, not b2's 5
    assert "pass `existing_type=`" in code2  # only xtrials.code2 exists


def test_err_no_history_asks_for_existing_type(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.alter_column("elsewhere", "c", type_=sa.Text())')
    result = lint()
    assert found(result) == [(9, 5, "alter-column-type", "elsewhere", "c", "error")]
    assert "pass `existing_type=`" in result.findings[0].message


def test_message_never_asks_for_existing_type_when_passed(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.alter_column("t", "c", existing_type=sa.String(100), type_=sa.String(50))
        op.alter_column("t", "d", existing_type=make_type(), type_=sa.String(50))
        """
    )
    result = lint()
    assert rules(result) == ["alter-column-type", "alter-column-type"]
    for finding in result.findings:
        assert "pass `existing_type" not in finding.message
        assert "without `existing_type" not in finding.message
