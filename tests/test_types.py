"""``alembic_additive.types``: the per-dialect tables, the classification read from them, and
the one SQL predicate (run here on the real servers) that flags values a change would alter."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import TypeEngine

from alembic_additive.checks import check_from_spec
from alembic_additive.findings import (
    Action,
    KeptTypeChange,
    Measurements,
    MisfitCheck,
    TableCounts,
    TableRef,
    TypeChange,
)
from alembic_additive.options import Options
from alembic_additive.policy import decide, guards, needs_counts
from alembic_additive.types import Outcome, classify, describe, misfit_predicate, tables
from alembic_additive.types.guard_check import TypeFits
from alembic_additive.types.storage import sqlite_affinity


def _id(value: Any) -> str | None:
    return repr(value) if isinstance(value, TypeEngine) else None


# --- the tables ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "affinity"),
    [
        ("INTEGER", "INTEGER"),
        ("BIGINT", "INTEGER"),
        ("TINYINT", "INTEGER"),
        ("CHARINT", "INTEGER"),  # the first rule wins (SQLite §3.1)
        ("VARCHAR(20)", "TEXT"),
        ("CLOB", "TEXT"),
        ("TEXT", "TEXT"),
        ("BLOB", "BLOB"),
        ("", "BLOB"),
        ("REAL", "REAL"),
        ("DOUBLE PRECISION", "REAL"),
        ("FLOAT", "REAL"),
        ("NUMERIC(20, 0)", "NUMERIC"),
        ("DECIMAL(10, 2)", "NUMERIC"),
        ("DATETIME", "NUMERIC"),
        ("BOOLEAN", "NUMERIC"),
    ],
)
def test_sqlite_affinity_rules(declared: str, affinity: str) -> None:
    assert sqlite_affinity(declared) == affinity


def test_mariadb_text_limits_are_bytes() -> None:
    assert tables.MYSQL_TEXT_BYTES["TINYTEXT"] == 2**8 - 1
    assert tables.MYSQL_TEXT_BYTES["TEXT"] == 2**16 - 1
    assert tables.MYSQL_TEXT_BYTES["MEDIUMTEXT"] == 2**24 - 1
    assert tables.MYSQL_TEXT_BYTES["LONGTEXT"] == tables.MYSQL_TEXT_BYTES["JSON"] == 2**32 - 1
    assert tables.MYSQL_CHARSET_MAX_BYTES["utf8mb4"] == 4
    assert tables.MYSQL_CHARSET_MAX_BYTES["utf8mb3"] == 3
    assert tables.MYSQL_CHARSET_MAX_BYTES["latin1"] == 1


@pytest.mark.parametrize(
    ("t", "dialect", "field", "value"),
    [
        (mysql.MEDIUMTEXT(), "mysql", "bytes", 16_777_215),
        (sa.Text(), "mysql", "bytes", 65_535),
        (sa.Text(300), "mysql", "bytes", 65_535),  # TEXT(n): the smallest type holding n
        (sa.Text(), "postgresql", "bytes", None),
        (mysql.VARCHAR(50, charset="utf8mb4"), "mysql", "charset", "utf8mb4"),
        (sa.CHAR(5), "postgresql", "padded", True),
        (sa.CHAR(5), "mysql", "padded", False),
        (sa.CHAR(5), "sqlite", "padded", False),
        (sa.Float(53), "mysql", "bits", 53),
        (sa.Float(), "mysql", "bits", 24),
        (sa.Float(), "postgresql", "bits", 53),
        (sa.REAL(), "mysql", "bits", 53),
        (sa.REAL(), "postgresql", "bits", 24),
        (sa.Numeric(), "mysql", "precision", 10),
        (sa.Numeric(), "postgresql", "precision", None),
        (mysql.INTEGER(unsigned=True), "mysql", "high", 2**32 - 1),
        (sa.Numeric(20, 0), "sqlite", "affinity", "NUMERIC"),
        (sa.Numeric(20, 0), "sqlite", "sa_affinity", "Numeric"),
    ],
    ids=_id,
)
def test_storage(t: TypeEngine[Any], dialect: str, field: str, value: Any) -> None:
    assert getattr(describe(t, dialect), field) == value


# --- classification on each dialect --------------------------------------------------------

CASES: list[tuple[TypeEngine[Any], TypeEngine[Any], str | None, Outcome, MisfitCheck | None]] = [
    # identical: no operation at all
    (mysql.DOUBLE(asdecimal=True), sa.Float(53), "mysql", Outcome.IDENTICAL, None),
    (mysql.DOUBLE(), mysql.FLOAT(53), "mariadb", Outcome.IDENTICAL, None),
    (mysql.REAL(), mysql.DOUBLE(), "mysql", Outcome.IDENTICAL, None),
    (mysql.TINYINT(display_width=1), sa.Boolean(), "mysql", Outcome.IDENTICAL, None),
    (mysql.INTEGER(display_width=11), sa.Integer(), "mysql", Outcome.IDENTICAL, None),
    (sa.Integer(), sa.BigInteger(), "sqlite", Outcome.IDENTICAL, None),
    (sa.BigInteger(), sa.SmallInteger(), "sqlite", Outcome.IDENTICAL, None),
    (sa.REAL(), sa.Double(), "sqlite", Outcome.IDENTICAL, None),
    (sa.Float(53), postgresql.DOUBLE_PRECISION(), "postgresql", Outcome.IDENTICAL, None),
    (postgresql.TIMESTAMP(), sa.DateTime(), "postgresql", Outcome.IDENTICAL, None),
    # MariaDB text family: limits are bytes
    (mysql.MEDIUMTEXT(), sa.Text(), "mysql", Outcome.LOSSY, MisfitCheck("max_bytes", 65_535)),
    (mysql.LONGTEXT(), sa.Text(), "mysql", Outcome.LOSSY, MisfitCheck("max_bytes", 65_535)),
    (
        mysql.LONGTEXT(charset="utf8mb4", collation="utf8mb4_bin"),  # a MariaDB JSON column
        sa.Text(),
        "mysql",
        Outcome.LOSSY,
        MisfitCheck("max_bytes", 65_535),
    ),
    (
        mysql.VARCHAR(100, charset="utf8mb4"),
        mysql.TINYTEXT(charset="utf8mb4"),
        "mysql",
        Outcome.LOSSY,
        MisfitCheck("max_bytes", 255),
    ),
    (
        mysql.VARCHAR(60, charset="latin1"),
        mysql.TINYTEXT(charset="latin1"),
        "mysql",
        Outcome.WIDENING,
        None,
    ),
    (sa.String(20), sa.Text(), "mysql", Outcome.WIDENING, None),
    (sa.Text(), mysql.MEDIUMTEXT(), "mysql", Outcome.WIDENING, None),
    (mysql.MEDIUMTEXT(), sa.Text(), None, Outcome.LOSSY, MisfitCheck("max_bytes", 65_535)),
    # MariaDB charsets
    (
        mysql.VARCHAR(50, charset="utf8mb4"),
        mysql.VARCHAR(100, charset="utf8mb4"),
        "mysql",
        Outcome.WIDENING,
        None,
    ),
    (
        mysql.VARCHAR(50, charset="utf8mb4"),
        mysql.VARCHAR(100, charset="latin1"),
        "mysql",
        Outcome.MEASURE,
        MisfitCheck("charset", 0, detail="latin1"),
    ),
    # PostgreSQL CHAR padding
    (sa.CHAR(5), sa.String(10), "postgresql", Outcome.MEASURE, MisfitCheck("padded", 5)),
    (sa.CHAR(5), sa.Text(), "postgresql", Outcome.MEASURE, MisfitCheck("padded", 5)),
    (sa.CHAR(5), sa.CHAR(8), "postgresql", Outcome.MEASURE, MisfitCheck("padded", 8)),
    (sa.CHAR(5), sa.String(10), "mysql", Outcome.WIDENING, None),
    (sa.CHAR(5), sa.String(10), None, Outcome.MEASURE, MisfitCheck("padded", 5)),
    # SQLite batch copy: CAST and affinity
    (
        sa.Integer(),
        sa.Numeric(20, 0),
        "sqlite",
        Outcome.MEASURE,
        MisfitCheck("sqlite_copy", 0, detail="cast:NUMERIC"),
    ),
    (
        sa.Integer(),
        sa.String(20),
        "sqlite",
        Outcome.LOSSY,  # a different family is never provable, measured or not
        None,
    ),
    (sa.String(5), sa.Text(), "sqlite", Outcome.WIDENING, None),
    (sa.Numeric(10, 2), sa.Numeric(12, 2), "sqlite", Outcome.WIDENING, None),
    (sa.String(50), sa.String(20), "sqlite", Outcome.LOSSY, MisfitCheck("max_length", 20)),
    # MariaDB UNSIGNED decimals and floats are not the same column as signed ones
    (mysql.DECIMAL(10, 2), mysql.DECIMAL(10, 2, unsigned=True), "mysql", Outcome.LOSSY, None),
    (mysql.DECIMAL(10, 2, unsigned=True), mysql.DECIMAL(12, 2), "mysql", Outcome.WIDENING, None),
    (mysql.DOUBLE(), mysql.DOUBLE(unsigned=True), "mysql", Outcome.LOSSY, None),
]


@pytest.mark.parametrize(("existing", "new", "dialect", "outcome", "check"), CASES, ids=_id)
def test_classify(
    existing: TypeEngine[Any],
    new: TypeEngine[Any],
    dialect: str | None,
    outcome: Outcome,
    check: MisfitCheck | None,
) -> None:
    proof = classify(existing, new, dialect)
    assert (proof.outcome, proof.check) == (outcome, check), proof.reason


def test_identical_names_the_dialect() -> None:
    proof = classify(mysql.DOUBLE(), sa.Float(53), "mysql")
    assert proof.reason == "DOUBLE → FLOAT(53) is the same type on mysql"


def test_unknown_dialect_never_calls_identical() -> None:
    """The lint rule passes None: it cannot know the dialect, so no type is 'the same'."""
    assert classify(mysql.DOUBLE(), sa.Float(53), None).outcome is Outcome.WIDENING
    assert classify(sa.Integer(), sa.BigInteger(), None).outcome is Outcome.WIDENING
    assert classify(sa.BigInteger(), sa.Integer(), None).outcome is Outcome.LOSSY


# --- policy --------------------------------------------------------------------------------

T = TableRef(None, "t")


def measured(existing: Any, new: Any, dialect: str) -> TypeChange:
    proof = classify(existing, new, dialect)
    assert proof.outcome is Outcome.MEASURE
    return TypeChange(
        T, "c", existing, new, proof.safe_by_rule, proof.reason, proof.check, measured=True
    )


@pytest.mark.parametrize(
    ("counts", "action", "phrase"),
    [
        (TableCounts(rows=3, non_null={"c": 3}, misfits={"c": 0}), Action.KEEP, "no value would"),
        (TableCounts(rows=3, misfits={"c": 2}), Action.SUPPRESS, "2 value(s) would change"),
        (
            TableCounts(rows=3, misfits={"c": 0}, estimated=True),
            Action.SUPPRESS,
            "~0 value(s) would change",
        ),
        (
            TableCounts(rows=None, misfits={"c": None}, timed_out=True),
            Action.SUPPRESS,
            "unknown (timed out) value(s)",
        ),
        (None, Action.SUPPRESS, "unknown value(s) would change"),
    ],
)
def test_measured_change_is_kept_only_on_an_exact_zero(
    counts: TableCounts | None, action: Action, phrase: str
) -> None:
    f = measured(sa.CHAR(5), sa.String(10), "postgresql")
    assert needs_counts(f)  # measured while comparing: alembic check decides the same
    m = Measurements({T: counts} if counts is not None else {})
    (d,) = decide(_findings(f), m, Options()).decisions
    assert d.action is action
    assert phrase in d.reason


def _findings(*items: Any) -> Any:
    from alembic_additive.findings import Findings

    return Findings(list(items))


def test_guard_for_every_kept_change_not_proved_by_rule() -> None:
    kept = [
        KeptTypeChange(T, "a", sa.CHAR(5), sa.String(10), "postgresql"),
        KeptTypeChange(T, "b", sa.String(5), sa.String(10), "postgresql"),  # by rule
        KeptTypeChange(T, "c", sa.Integer(), sa.Numeric(20, 0), "sqlite"),
    ]
    checks = guards(kept)
    assert [c.to_spec() for c in checks] == [
        {
            "kind": "type-fits",
            "table": "t",
            "column": "a",
            "test": "padded",
            "limit": 5,
            "dialect": "postgresql",
            "to_type": "VARCHAR(10)",
        },
        {
            "kind": "type-fits",
            "table": "t",
            "column": "c",
            "test": "sqlite_copy",
            "detail": "cast:NUMERIC",
            "dialect": "sqlite",
            "to_type": "NUMERIC(20, 0)",
        },
    ]
    assert check_from_spec(checks[0].to_spec()) == checks[0]
    assert "t.a: 3 value(s) that would lose or gain CHAR padding" in checks[0].refusal(3)


# --- the predicate, on the real servers ----------------------------------------------------


def _count(db: Database, table: str, column: str, check: MisfitCheck) -> int:
    t = sa.table(table, sa.column(column))
    stmt = sa.select(sa.func.count()).select_from(t)
    stmt = stmt.where(misfit_predicate(db.engine.dialect.name, t.c[column], check))
    with db.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def test_sqlite_copy_predicate(make_database: Any) -> None:
    db: Database = make_database("sqlite")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (c INTEGER, s VARCHAR(10) COLLATE NOCASE)"))
        conn.execute(
            sa.text(
                "INSERT INTO t VALUES (5, 'a'), (-7, 'B'), (1.5, '1'), ('', 'x'), ('n/a', 'y'), "
                "(NULL, NULL), (x'00ff', 'z')"
            )
        )
    # CAST to NUMERIC: '', 'n/a' and the blob would become 0; 5, -7 and 1.5 stay
    assert _count(db, "t", "c", MisfitCheck("sqlite_copy", 0, detail="cast:NUMERIC")) == 3
    # no CAST, INTEGER affinity: text is flagged (numeric-looking text would convert)
    assert _count(db, "t", "c", MisfitCheck("sqlite_copy", 0, detail="keep:INTEGER")) == 2
    # into TEXT affinity: every number would become text
    assert _count(db, "t", "c", MisfitCheck("sqlite_copy", 0, detail="keep:TEXT")) == 3
    # the column's NOCASE collation plays no part: 'B' CAST to TEXT is 'B'
    assert _count(db, "t", "s", MisfitCheck("sqlite_copy", 0, detail="cast:TEXT")) == 0


def test_postgresql_padded_predicate(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (c CHAR(5))"))
        conn.execute(sa.text("INSERT INTO t VALUES ('ab'), ('ab   '), ('abcde'), (NULL), ('')"))
    assert _count(db, "t", "c", MisfitCheck("padded", 5)) == 3
    assert _count(db, "t", "c", MisfitCheck("padded", 8)) == 4


def test_mariadb_bytes_and_charset_predicates(make_database: Any) -> None:
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE t (c MEDIUMTEXT CHARACTER SET utf8mb4) CHARACTER SET latin1")
        )
        conn.execute(
            sa.text("INSERT INTO t VALUES (:big), (:multi), ('Ann '), ('é'), ('山田太郎'), (NULL)"),
            # 30,000 characters of 3 bytes: under TEXT's characters, over its bytes
            {"big": "x" * 70_000, "multi": "山" * 30_000},
        )
    assert _count(db, "t", "c", MisfitCheck("max_bytes", 65_535)) == 2
    # latin1 holds 'é' but not the kanji; trailing spaces are compared exactly (BINARY)
    assert _count(db, "t", "c", MisfitCheck("charset", 0, detail="latin1")) == 2
    assert _count(db, "t", "c", MisfitCheck("charset", 0, detail="utf8mb4")) == 0


def test_unknown_charset_is_never_written_into_sql() -> None:
    with pytest.raises(ValueError, match="unknown character set"):
        misfit_predicate("mysql", sa.column("c"), MisfitCheck("charset", 0, detail="x; DROP"))


def test_type_fits_statement_offline_uses_the_recorded_dialect() -> None:
    from alembic_additive.checks import LiveSchema

    check = TypeFits(table="t", column="c", test="max_bytes", limit=10, dialect="sqlite")
    stmt = check.statement(LiveSchema(None))
    assert stmt is not None
    sql = str(stmt.compile(compile_kwargs={"literal_binds": True}))
    assert "length(CAST(t.c AS BLOB)) > 10" in sql


@pytest.mark.parametrize(
    ("dialect", "test", "detail", "expected"),
    [
        (
            "sqlite",
            "sqlite_copy",
            "cast:NUMERIC",
            "typeof(CAST(t.c AS NUMERIC)) IN ('integer', 'blob')",
        ),
        ("sqlite", "max_length", None, "length(t.c) > 5"),
        ("postgresql", "padded", None, "char_length(rtrim(CAST(t.c AS TEXT))) < 5"),
        ("postgresql", "max_bytes", None, "octet_length(t.c) > 5"),
        ("mysql", "charset", "latin1", "CONVERT(CONVERT(t.c USING latin1) USING utf8mb4)"),
        ("mysql", "max_bytes", None, "octet_length(t.c) > 5"),
    ],
)
def test_type_fits_compiles_for_offline_sql(
    dialect: str, test: str, detail: str | None, expected: str
) -> None:
    """``--sql`` writes the guard's SELECT with literal values: it must compile that way."""
    from alembic_additive.checks import LiveSchema

    check = TypeFits(table="t", column="c", test=test, limit=5, detail=detail, dialect=dialect)
    stmt = check.statement(LiveSchema(None))
    assert stmt is not None
    compiler = sa.dialects.registry.load(dialect)()
    sql = str(stmt.compile(dialect=compiler, compile_kwargs={"literal_binds": True}))
    assert expected in " ".join(sql.split())


def test_type_fits_on_another_dialect_is_skipped(make_database: Any) -> None:
    """A SQLite copy test means nothing on PostgreSQL (there is no typeof()): not counted."""
    from alembic_additive.checks import LiveSchema

    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (c integer)"))
    check = TypeFits(
        table="t", column="c", test="sqlite_copy", detail="cast:NUMERIC", dialect="sqlite"
    )
    portable = TypeFits(table="t", column="c", test="int_range", limit=9, low=0, dialect="sqlite")
    with db.engine.connect() as conn:
        assert check.statement(LiveSchema(conn)) is None
        assert portable.violations(conn) == 0
