"""``widening.classify``: which type changes provably keep every value, and how to count the
values a lossy one would not fit.

Without a dialect the classification is the worst over PostgreSQL, MariaDB and SQLite; the
cases whose answer depends on the dialect are in DIALECT_DEPENDENT (and tests/test_types.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import TypeEngine

from alembic_additive.findings import MisfitCheck
from alembic_additive.widening import classify

I16 = (-(2**15), 2**15 - 1)
I32 = (-(2**31), 2**31 - 1)
I64 = (-(2**63), 2**63 - 1)


def _id(value: Any) -> str | None:
    return repr(value) if isinstance(value, TypeEngine) else None


WIDENING: list[tuple[TypeEngine[Any], TypeEngine[Any]]] = [
    # strings
    (sa.String(50), sa.String(50)),
    (sa.String(50), sa.String(51)),
    (sa.String(20), sa.String(255)),
    (sa.String(50), sa.Text()),
    (sa.String(50), sa.String()),
    (sa.Unicode(10), sa.UnicodeText()),
    (sa.Text(), sa.Text()),
    (mysql.VARCHAR(30), mysql.LONGTEXT()),
    (postgresql.VARCHAR(30), postgresql.TEXT()),
    (sa.Enum("a", "bb", name="e"), sa.Text()),
    # integers
    (sa.SmallInteger(), sa.Integer()),
    (sa.Integer(), sa.BigInteger()),
    (sa.SmallInteger(), sa.BigInteger()),
    (sa.Integer(), sa.Integer()),
    (postgresql.SMALLINT(), postgresql.INTEGER()),
    (postgresql.INTEGER(), postgresql.BIGINT()),
    (mysql.TINYINT(), mysql.SMALLINT()),
    (mysql.TINYINT(), mysql.INTEGER()),
    (mysql.TINYINT(1), sa.Integer()),
    (mysql.MEDIUMINT(), mysql.INTEGER()),
    (mysql.SMALLINT(), mysql.MEDIUMINT()),
    (mysql.INTEGER(), mysql.BIGINT()),
    (mysql.TINYINT(unsigned=True), sa.SmallInteger()),
    (mysql.SMALLINT(unsigned=True), sa.Integer()),
    (mysql.INTEGER(unsigned=True), sa.BigInteger()),
    # numeric → numeric keeping integer digits and scale
    (sa.Numeric(10, 2), sa.Numeric(12, 2)),
    (sa.Numeric(10, 2), sa.Numeric(12, 4)),
    (sa.Numeric(10, 2), sa.Numeric(10, 2)),
    (sa.Numeric(10), sa.Numeric(10, 0)),
    (postgresql.NUMERIC(8, 3), postgresql.NUMERIC(9, 3)),
    (mysql.DECIMAL(8, 3), mysql.DECIMAL(10, 4)),
    # floats (single -> double precision depends on the dialect: see DIALECT_DEPENDENT)
    (sa.Double(), sa.Double()),
]


@pytest.mark.parametrize(("existing", "new"), WIDENING, ids=_id)
def test_widening(existing: TypeEngine[Any], new: TypeEngine[Any]) -> None:
    widening, reason, misfit = classify(existing, new)
    assert widening is True, reason
    assert reason.endswith(" widens")
    assert misfit is None


LOSSY: list[tuple[TypeEngine[Any], TypeEngine[Any], MisfitCheck | None, str]] = [
    # strings: the misfit counts values longer than the new length
    (sa.String(50), sa.String(20), MisfitCheck("max_length", 20), "may truncate"),
    (sa.String(50), sa.String(49), MisfitCheck("max_length", 49), "may truncate"),
    (sa.Text(), sa.String(10), MisfitCheck("max_length", 10), "may truncate"),
    (sa.String(), sa.String(10), MisfitCheck("max_length", 10), "may truncate"),
    (sa.UnicodeText(), sa.Unicode(255), MisfitCheck("max_length", 255), "may truncate"),
    (mysql.LONGTEXT(), mysql.VARCHAR(100), MisfitCheck("max_length", 100), "may truncate"),
    (postgresql.TEXT(), postgresql.VARCHAR(64), MisfitCheck("max_length", 64), "may truncate"),
    (sa.String(10), sa.CHAR(5), MisfitCheck("max_length", 5), "may truncate"),
    (sa.CHAR(10), sa.CHAR(5), MisfitCheck("max_length", 5), "may truncate"),
    # CHAR without a length is CHAR(1), not an unbounded text type
    (sa.String(10), sa.CHAR(), MisfitCheck("max_length", 1), "may truncate"),
    (sa.Text(), sa.CHAR(), MisfitCheck("max_length", 1), "may truncate"),
    # VARCHAR → CHAR pads (PostgreSQL) or strips (MySQL) trailing spaces: values change
    (sa.String(10), sa.CHAR(10), None, "trailing spaces"),
    (sa.String(10), sa.CHAR(20), None, "trailing spaces"),
    # an enumeration accepts only its members, whatever their length
    (sa.String(2), sa.Enum("a", "bb", name="e"), None, "outside the enumeration"),
    (sa.Text(), sa.Enum("a", "bb", name="e"), None, "outside the enumeration"),
    (mysql.ENUM("a", "bb", "c"), sa.Enum("a", "bb", name="e"), None, "outside the enumeration"),
    (sa.String(5), mysql.SET("a", "b"), None, "outside the enumeration"),
    # a SET value joins several members: longer than its longest member
    (mysql.SET("a", "bb"), sa.String(2), MisfitCheck("max_length", 2), "may truncate"),
    # integers: the misfit counts values outside the new range
    (sa.Integer(), sa.SmallInteger(), MisfitCheck("int_range", *I16[::-1]), "narrows"),
    (sa.BigInteger(), sa.Integer(), MisfitCheck("int_range", *I32[::-1]), "narrows"),
    (sa.BigInteger(), sa.SmallInteger(), MisfitCheck("int_range", *I16[::-1]), "narrows"),
    (postgresql.BIGINT(), postgresql.INTEGER(), MisfitCheck("int_range", *I32[::-1]), "narrows"),
    (mysql.BIGINT(), mysql.INTEGER(), MisfitCheck("int_range", *I32[::-1]), "narrows"),
    (mysql.INTEGER(), mysql.TINYINT(), MisfitCheck("int_range", 127, -128), "narrows"),
    (sa.SmallInteger(), mysql.TINYINT(), MisfitCheck("int_range", 127, -128), "narrows"),
    (
        mysql.INTEGER(),
        mysql.MEDIUMINT(),
        MisfitCheck("int_range", 2**23 - 1, -(2**23)),
        "narrows",
    ),
    # signed ↔ unsigned: the ranges only overlap
    (mysql.INTEGER(unsigned=True), sa.Integer(), MisfitCheck("int_range", *I32[::-1]), "narrows"),
    (sa.Integer(), mysql.INTEGER(unsigned=True), MisfitCheck("int_range", 2**32 - 1, 0), "narrows"),
    (
        mysql.BIGINT(unsigned=True),
        sa.BigInteger(),
        MisfitCheck("int_range", *I64[::-1]),
        "narrows",
    ),
    # integer → numeric without enough integer digits
    (sa.Integer(), sa.Numeric(5, 2), MisfitCheck("abs_below", 1000), "may overflow"),
    (sa.Integer(), sa.Numeric(9, 0), MisfitCheck("abs_below", 10**9), "may overflow"),
    (sa.BigInteger(), sa.Numeric(18, 0), MisfitCheck("abs_below", 10**18), "may overflow"),
    (sa.SmallInteger(), sa.Numeric(6, 2), MisfitCheck("abs_below", 10**4), "may overflow"),
    (mysql.BIGINT(unsigned=True), sa.Numeric(19, 0), MisfitCheck("abs_below", 10**19), "overflow"),
    # numeric narrowing: fewer integer digits
    (sa.Numeric(10, 2), sa.Numeric(8, 2), MisfitCheck("abs_below", 10**6), "may overflow"),
    (sa.Numeric(10, 2), sa.Numeric(10, 4), MisfitCheck("abs_below", 10**6), "may overflow"),
    (sa.Numeric(), sa.Numeric(10, 2), MisfitCheck("abs_below", 10**8), "may overflow"),
    (
        postgresql.NUMERIC(12, 2),
        postgresql.NUMERIC(6, 0),
        MisfitCheck("abs_below", 10**6),
        "may overflow",
    ),
    # numeric scale loss: rounding, not countable as a misfit
    (sa.Numeric(10, 2), sa.Numeric(10, 1), None, "rounds away decimal places"),
    (sa.Numeric(10, 2), sa.Numeric(9, 1), None, "rounds away decimal places"),
    (sa.Numeric(10, 2), sa.Numeric(12, 0), None, "rounds away decimal places"),
    # floats
    (sa.Double(), sa.REAL(), None, "loses precision"),
    (sa.DOUBLE_PRECISION(), sa.REAL(), None, "loses precision"),
    (postgresql.DOUBLE_PRECISION(), postgresql.REAL(), None, "loses precision"),
    (mysql.DOUBLE(), mysql.FLOAT(), None, "loses precision"),
    (mysql.DOUBLE(), mysql.REAL(), None, "loses precision"),
    (sa.Float(53), sa.Float(24), None, "loses precision"),
    (sa.Float(), sa.REAL(), None, "loses precision"),
    # FLOAT without precision is single precision on MySQL/MariaDB
    (mysql.DOUBLE(), sa.Float(), None, "loses precision"),
    (sa.Double(), sa.Float(), None, "loses precision"),
    (postgresql.DOUBLE_PRECISION(), sa.Float(24), None, "loses precision"),
    # different families: never provable
    (sa.Integer(), sa.String(50), None, "is not a provable widening"),
    (sa.Integer(), sa.Text(), None, "is not a provable widening"),
    (sa.String(50), sa.Integer(), None, "is not a provable widening"),
    (sa.Boolean(), sa.Integer(), None, "is not a provable widening"),
    (sa.Integer(), sa.Boolean(), None, "is not a provable widening"),
    (sa.Integer(), sa.Float(), None, "is not a provable widening"),
    (sa.Float(), sa.Numeric(12, 2), None, "is not a provable widening"),
    (sa.Numeric(10, 0), sa.Integer(), None, "is not a provable widening"),
    (sa.Date(), sa.DateTime(), None, "is not a provable widening"),
    (sa.DateTime(), sa.Date(), None, "is not a provable widening"),
    (postgresql.JSONB(), sa.Text(), None, "is not a provable widening"),
]


@pytest.mark.parametrize(("existing", "new", "misfit", "phrase"), LOSSY, ids=_id)
def test_lossy(
    existing: TypeEngine[Any], new: TypeEngine[Any], misfit: MisfitCheck | None, phrase: str
) -> None:
    widening, reason, got = classify(existing, new)
    assert widening is False, reason
    assert phrase in reason
    assert got == misfit


@pytest.mark.parametrize(
    ("existing", "new", "reason"),
    [
        (sa.String(50), sa.String(100), "VARCHAR(50) → VARCHAR(100) widens"),
        (sa.String(50), sa.String(20), "VARCHAR(50) → VARCHAR(20) may truncate"),
        (sa.SmallInteger(), sa.BigInteger(), "SMALLINT → BIGINT widens"),
        (sa.Integer(), sa.Numeric(5, 2), "INTEGER → NUMERIC(5, 2) may overflow"),
        (
            postgresql.REAL(),
            postgresql.DOUBLE_PRECISION(),
            "REAL → DOUBLE PRECISION keeps each number but reads most fractions back",
        ),
        (sa.Integer(), sa.String(8), "INTEGER → VARCHAR(8) is not a provable widening"),
        (sa.Boolean(), sa.Integer(), "BOOLEAN → INTEGER is not a provable widening"),
        (mysql.INTEGER(unsigned=True), sa.Integer(), "INTEGER UNSIGNED → INTEGER narrows"),
        (sa.String(2), sa.Enum("a", "bb", name="e"), "VARCHAR(2) → ENUM('a', 'bb') rejects"),
    ],
    ids=_id,
)
def test_reason_names_both_types(
    existing: TypeEngine[Any], new: TypeEngine[Any], reason: str
) -> None:
    assert classify(existing, new)[1].startswith(reason)


def test_a_type_that_cannot_compile_generically_is_still_named() -> None:
    class Odd(sa.types.UserDefinedType[Any]):
        cache_ok = True

        def get_col_spec(self, **kw: Any) -> str:
            raise NotImplementedError

    widening, reason, misfit = classify(Odd(), sa.Text())
    assert (widening, misfit) == (False, None)
    assert reason == "ODD → TEXT is not a provable widening"


@pytest.mark.parametrize(
    ("existing", "new", "values"),
    [
        (sa.SmallInteger(), sa.Integer(), [-(2**15), 2**15 - 1]),
        (sa.Integer(), sa.BigInteger(), [-(2**31), 2**31 - 1]),
        (sa.Integer(), sa.Numeric(10, 0), [-(2**31), 2**31 - 1]),
        (sa.BigInteger(), sa.Numeric(19, 0), [-(2**63), 2**63 - 1]),
        (mysql.BIGINT(unsigned=True), sa.Numeric(20, 0), [0, 2**64 - 1]),
        (mysql.TINYINT(unsigned=True), sa.SmallInteger(), [0, 255]),
    ],
    ids=_id,
)
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_integer_widening_is_tight(
    existing: TypeEngine[Any], new: TypeEngine[Any], values: list[int], dialect: str
) -> None:
    """The extreme values of the old type really fit: the digit counts are not off by one.

    (On SQLite, and so for an unknown dialect, integer → NUMERIC is measured instead: the
    batch copy CASTs, see tests/test_types.py.)"""
    assert classify(existing, new, dialect)[0] is True
    if isinstance(new, sa.Numeric):
        int_digits = new.precision - (new.scale or 0)
        assert all(len(str(abs(v))) <= int_digits for v in values)
    # one digit fewer would not be a widening
    if isinstance(new, sa.Numeric) and new.precision:
        shorter = sa.Numeric(new.precision - 1, new.scale)
        widening, _, misfit = classify(existing, shorter, dialect)
        assert widening is False
        assert misfit == MisfitCheck("abs_below", 10 ** (new.precision - 1 - (new.scale or 0)))


DIALECT_DEPENDENT: list[tuple[TypeEngine[Any], TypeEngine[Any], dict[str, bool], str]] = [
    # PostgreSQL reads CHAR(n) back padded: VARCHAR/TEXT (or a wider CHAR) changes the value
    (sa.CHAR(10), sa.String(10), {"postgresql": False, "mysql": True, "sqlite": True}, "padding"),
    (sa.CHAR(10), sa.String(40), {"postgresql": False, "mysql": True, "sqlite": True}, "padding"),
    (sa.CHAR(5), sa.CHAR(10), {"postgresql": False, "mysql": True, "sqlite": True}, "padding"),
    # SQLite's batch copy CASTs when SQLAlchemy's type affinity changes
    (
        mysql.ENUM("a", "bb"),
        sa.Enum("a", "bb", "c", name="e"),
        {"postgresql": True, "mysql": True, "sqlite": False},
        "CAST",
    ),
    (mysql.ENUM("a", "bb"), sa.String(2), {"postgresql": True, "mysql": True}, "CAST"),
    (sa.Integer(), sa.Numeric(12, 2), {"postgresql": True, "mysql": True, "sqlite": False}, "CAST"),
    (sa.Integer(), sa.Numeric(10, 0), {"postgresql": True, "mysql": True, "sqlite": False}, "CAST"),
    (sa.Integer(), sa.Numeric(), {"postgresql": True, "mysql": True, "sqlite": False}, "CAST"),
    (sa.SmallInteger(), sa.Numeric(5, 0), {"postgresql": True, "mysql": True}, "CAST"),
    (sa.BigInteger(), sa.Numeric(19, 0), {"postgresql": True, "mysql": True}, "CAST"),
    (mysql.TINYINT(), mysql.DECIMAL(3, 0), {"mysql": True, "sqlite": False}, "CAST"),
    (mysql.BIGINT(unsigned=True), sa.Numeric(20, 0), {"mysql": True, "sqlite": False}, "CAST"),
    # MariaDB: NUMERIC without precision is DECIMAL(10,0); REAL is DOUBLE, FLOAT is single
    (sa.Numeric(10, 2), sa.Numeric(), {"postgresql": True, "mysql": False}, "rounds away"),
    # (PostgreSQL's FLOAT is double precision: REAL -> FLOAT there reads back with more digits)
    (sa.REAL(), sa.Float(), {"postgresql": False, "mysql": False}, "loses precision"),
    # single -> double precision keeps the binary number, but it reads back with more digits
    # (0.1 as 0.10000000149011612): measured wherever the two differ (SQLite stores both
    # as 8-byte REAL; MariaDB's REAL is DOUBLE, its FLOAT single; PostgreSQL's FLOAT is double)
    (sa.REAL(), sa.Double(), {"postgresql": False, "mysql": True, "sqlite": True}, "reads most"),
    (
        sa.REAL(),
        sa.DOUBLE_PRECISION(),
        {"postgresql": False, "mysql": True, "sqlite": True},
        "reads most",
    ),
    (postgresql.REAL(), postgresql.DOUBLE_PRECISION(), {"postgresql": False}, "reads most"),
    (mysql.FLOAT(), mysql.DOUBLE(), {"mysql": False, "sqlite": True}, "reads most"),
    (mysql.REAL(), mysql.DOUBLE(), {"mysql": True, "sqlite": True}, "reads most"),
    (sa.Float(24), sa.Float(53), {"postgresql": False, "mysql": False, "sqlite": True}, "reads"),
    (sa.Float(10), sa.Double(), {"postgresql": False, "mysql": False, "sqlite": True}, "reads"),
    (sa.Float(), sa.Double(), {"postgresql": True, "mysql": False, "sqlite": True}, "reads most"),
]


@pytest.mark.parametrize(("existing", "new", "per_dialect", "phrase"), DIALECT_DEPENDENT, ids=_id)
def test_dialect_dependent(
    existing: TypeEngine[Any], new: TypeEngine[Any], per_dialect: dict[str, bool], phrase: str
) -> None:
    """Safe by rule on some dialects only: unknown dialect (lint) is never safe."""
    for dialect, safe in per_dialect.items():
        assert classify(existing, new, dialect)[0] is safe, dialect
    widening, reason, _ = classify(existing, new)
    assert widening is False
    assert phrase in reason
