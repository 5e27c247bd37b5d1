"""The SQL that fingerprints values in PostgreSQL and MySQL/MariaDB (see :mod:`.prints`).

One class per dialect gives the building blocks: a row's key, a value's fingerprint, and
the value's *canonical* text — the text two values are equal by, whatever
the column's type: PostgreSQL's output function (a CHAR's padding kept, NUMERIC without
trailing zeros), MySQL/MariaDB's text converted to utf8mb4 (binary types as bytes, DECIMAL
without trailing zeros). Some types also have a *normalized* text, compared only when both
sides of a revision have one: a date or a time printed to the column's precision (MariaDB
``DATETIME`` → ``DATETIME(6)`` adds ``.000000``), a date and its midnight timestamp, a BIT as
its number — the same value, printed differently. SQLite has no hash function of its own:
:class:`Sqlite` registers two, written in Python, on verify's connection, which see each
value as stored (with its storage class).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

SEPARATOR = "\x1f"
_TRAILING_ZEROS = r"(\.[0-9]*[1-9])0+$|\.0+$"  # 1.50 and 1.5000, 10:00:00.000000 and 10:00:00
_MIDNIGHT = " 00:00:00$"  # 2020-01-01 00:00:00 and the date 2020-01-01


class Sql:
    """The SQL building blocks of one dialect."""

    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        raise NotImplementedError

    def prepare(self, connection: sa.Connection) -> None:
        """Make the functions the fingerprints use available on ``connection``."""

    def stored_key(self, key: ColumnElement[Any]) -> ColumnElement[Any]:
        """The key as kept in a temporary table, to be joined on: equal for equal keys
        whatever the connection's settings when either side was taken."""
        return key

    def fingerprint(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        """A 64-bit hash of a value's canonical text (NULL for NULL)."""
        raise NotImplementedError

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        raise NotImplementedError

    def normalized(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any] | None:
        """The value's text where two types of one family print the same value differently
        (dates and times, BIT), or None. Compared only when both sides have it: a DATETIME
        becoming DATETIME(6) is no change, while one becoming VARCHAR is compared as text."""
        return None


class Postgres(Sql):
    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        if not pk:
            return sa.cast(sa.literal(0), sa.BigInteger)
        parts = _unambiguous([self.canonical(table.c[c], c) for c in pk], sa.func.length)
        return sa.func.hashtextextended(sa.func.concat_ws(SEPARATOR, *parts), 0)

    def fingerprint(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.hashtextextended(value, 0)

    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types  # reflected just before: the types the query runs against

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        type_ = self.types.get(name)
        if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
            return sa.cast(sa.func.trim_scale(column), sa.Text)  # 1.50 = 1.5000
        if isinstance(type_, sa.CHAR):
            # CHAR's cast to text drops the padding; its output function keeps it.
            return sa.case((column.is_(None), sa.null()), else_=sa.func.concat(column))
        return sa.cast(column, sa.Text)  # the output function of every other type

    def normalized(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any] | None:
        if isinstance(self.types.get(name), (sa.Date, sa.DateTime)):
            # A date is its timestamp at midnight: DATE -> TIMESTAMP changes no value.
            return sa.func.regexp_replace(sa.cast(column, sa.Text), _MIDNIGHT, "")
        return None


class MySql(Sql):
    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types

    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        if not pk:
            return sa.literal("")
        parts = _unambiguous([self.canonical(table.c[c], c) for c in pk], sa.func.char_length)
        return sa.func.md5(sa.func.concat_ws(SEPARATOR, *parts))

    def stored_key(self, key: ColumnElement[Any]) -> ColumnElement[Any]:
        # MD5's hex text takes the connection's character set: a revision's SET NAMES would
        # make the two sides' keys collide in a join ("Illegal mix of collations").
        return sa.cast(key, mysql.BINARY())

    def fingerprint(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        digest = sa.func.md5(value)
        return _CastUnsigned(sa.func.conv(sa.func.left(digest, 16), 16, 10))

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        type_ = self.types.get(name)
        if isinstance(type_, (sa.LargeBinary, sa.types._Binary)):
            return column
        if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
            return sa.func.regexp_replace(sa.cast(column, sa.CHAR), _TRAILING_ZEROS, r"\1")
        return _ConvertUtf8(column)

    def normalized(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any] | None:
        type_ = self.types.get(name)
        if isinstance(type_, (sa.Date, sa.DateTime, sa.Time)):
            # Fractional seconds are printed to the column's precision: DATETIME ->
            # DATETIME(6) or DATE -> DATETIME changes no value, and is not a change here.
            text = sa.func.regexp_replace(sa.cast(column, sa.CHAR), _TRAILING_ZEROS, r"\1")
            if isinstance(type_, sa.Time):
                return text
            return sa.func.regexp_replace(text, _MIDNIGHT, "")
        if isinstance(type_, mysql.BIT):
            return _CastUnsigned(column)  # BIT(8) -> BIT(16) pads the bytes, not the number
        return None


class Sqlite(Sql):
    """SQLite: the values as stored, hashed by functions registered on the connection (it
    runs in-process: no hash crosses a wire). Text '' or 'n/a' becoming integer 0 is a
    change, and so is text '5' becoming 5; an integral REAL and its INTEGER are one number."""

    KEY = "alembic_additive_key"
    FINGERPRINT = "alembic_additive_fingerprint"

    def prepare(self, connection: sa.Connection) -> None:
        driver = connection.connection.driver_connection
        driver.create_function(self.KEY, -1, _sqlite_key, deterministic=True)  # type: ignore[union-attr]
        driver.create_function(self.FINGERPRINT, 1, _sqlite_fingerprint, deterministic=True)  # type: ignore[union-attr]

    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        if not pk:
            return sa.literal(0, sa.Integer)
        return sa.func.alembic_additive_key(*(table.c[c] for c in pk))

    def fingerprint(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.alembic_additive_fingerprint(value)

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        return column  # the value as stored: the functions see its storage class


def _unambiguous(parts: list[ColumnElement[Any]], length: Any) -> list[ColumnElement[Any]]:
    """The parts of a composite key, each prefixed with its length: ('a<SEP>b', 'c') and
    ('a', 'b<SEP>c') must not be one key (rows paired wrongly in the join)."""
    if len(parts) == 1:
        return parts
    return [sa.func.concat(length(part), ":", part) for part in parts]


def _signed(digest: bytes) -> int:
    return int.from_bytes(digest, "big", signed=True)  # what a SQLite INTEGER holds


def _sqlite_key(*values: Any) -> int | None:
    """None when a part is NULL (SQLite lets a primary key other than INTEGER PRIMARY KEY
    hold NULLs): such rows are not paired by key, but matched by value."""
    canons = [_sqlite_canonical(v) for v in values]
    if any(c is None for c in canons):
        return None
    data = b"".join(b"%d:" % len(c) + c for c in canons if c is not None)
    return _signed(hashlib.blake2b(data, digest_size=8).digest())


def _sqlite_fingerprint(value: Any) -> int | None:
    canon = _sqlite_canonical(value)
    if canon is None:
        return None
    return _signed(hashlib.blake2b(canon, digest_size=8).digest())


def _sqlite_canonical(value: Any) -> bytes | None:
    """A SQLite value with its storage class: integer and integral real are one number."""
    if value is None:
        return None
    if isinstance(value, int):
        return b"n" + str(value).encode()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return b"n" + str(int(value)).encode()
        return b"n" + repr(value).encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return b"b" + bytes(value)
    return b"t" + str(value).encode("utf-8", "surrogatepass")


# What PostgreSQL prints values with, for verify's own queries: a revision's SET TIME ZONE
# (or DateStyle, IntervalStyle, bytea_output, extra_float_digits) between the two sides of a
# comparison would otherwise make every value of a type printed by it differ.
_PG_OUTPUT = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "bytea_output": "hex",
    "extra_float_digits": "1",
}


@contextmanager
def pinned(connection: sa.Connection) -> Iterator[None]:
    """Run verify's own queries with fixed output settings, then restore the revision's.

    PostgreSQL: ``set_config(..., is_local => true)`` inside a transaction (undone with it,
    and a session-wide value of the revision's is back at its end), session-wide in
    autocommit. MySQL/MariaDB: ``time_zone`` (TIMESTAMP values are printed in it)."""
    name = connection.dialect.name
    restore: sa.Executable
    if name == "postgresql":
        local = connection.in_transaction() and (
            connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
        )
        names = list(_PG_OUTPUT)
        old = connection.execute(sa.select(*(sa.func.current_setting(n) for n in names))).one()
        connection.execute(
            sa.select(*(sa.func.set_config(n, v, local) for n, v in _PG_OUTPUT.items()))
        )
        restore = sa.select(
            *(sa.func.set_config(n, o, local) for n, o in zip(names, old, strict=True))
        )
    elif name in ("mysql", "mariadb"):
        zone = connection.execute(sa.text("SELECT @@session.time_zone")).scalar_one()
        connection.execute(sa.text("SET time_zone = '+00:00'"))
        restore = sa.text("SET time_zone = :zone").bindparams(zone=zone)
    else:
        yield
        return
    try:
        yield
    except BaseException:
        with suppress(Exception):  # an aborted PostgreSQL savepoint: its rollback restores
            connection.execute(restore)
        raise
    connection.execute(restore)


class _CastUnsigned(ColumnElement[Any]):
    """``CAST(x AS UNSIGNED)`` (SQLAlchemy's MySQL dialect skips casts to integer types)."""

    inherit_cache = True

    def __init__(self, inner: ColumnElement[Any]) -> None:
        self.inner = inner
        self.type = sa.BigInteger()


@compiles(_CastUnsigned)
def _compile_unsigned(element: _CastUnsigned, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.inner, **kw)} AS UNSIGNED)"


class _ConvertUtf8(ColumnElement[Any]):
    """``CONVERT(x USING utf8mb4)``: the value as characters, whatever its character set."""

    inherit_cache = True

    def __init__(self, inner: ColumnElement[Any]) -> None:
        self.inner = inner
        self.type = sa.Text()


@compiles(_ConvertUtf8)
def _compile_convert(element: _ConvertUtf8, compiler: Any, **kw: Any) -> str:
    return f"CONVERT({compiler.process(element.inner, **kw)} USING utf8mb4)"
