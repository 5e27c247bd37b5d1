"""The one SQL test of whether a value survives a type change.

:func:`misfit_predicate` is used both by the probe while autogenerate compares and by the
upgrade-time guard (:mod:`.guard_check`), so the revision is kept and refused on the same
test. Every comparison is exact: lengths, byte counts, ``typeof()`` and BINARY casts; never a
collation, which could call 'Pending' and 'pending ' equal. Identifiers are quoted by
SQLAlchemy; the only word ever written into SQL is a charset name from
:data:`.tables.MYSQL_CHARSET_MAX_BYTES`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from ..findings import MisfitCheck
from . import tables
from .storage import normalize_dialect

_SQLITE_CAST_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "INTEGER": sa.Integer,
    "NUMERIC": sa.Numeric,
    "TEXT": sa.Text,
    "REAL": sa.REAL,
    "BLOB": sa.LargeBinary,
}


class ConvertUsing(FunctionElement[str]):
    """MariaDB's ``CONVERT(expr USING charset)``; the charset must be a known name."""

    name = "convert_using"
    inherit_cache = True
    # the charset is part of the statement: without it in the cache key, a statement
    # compiled for latin1 would be reused for utf8mb4
    _traverse_internals = [  # noqa: RUF012  # SQLAlchemy's own convention
        *FunctionElement._traverse_internals,
        ("charset", InternalTraversal.dp_string),
    ]

    def __init__(self, expr: ColumnElement[Any], charset: str) -> None:
        if charset.lower() not in tables.MYSQL_CHARSET_MAX_BYTES:
            raise ValueError(f"unknown character set {charset!r}")
        self.charset = charset.lower()
        super().__init__(expr)


@compiles(ConvertUsing)
def _convert_using(element: ConvertUsing, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"CONVERT({compiler.process(arg, **kw)} USING {element.charset})"


def misfit_predicate(
    dialect: str, col: ColumnElement[Any], check: MisfitCheck
) -> ColumnElement[bool]:
    """True for each row whose value in ``col`` would not survive the change unchanged.

    ``dialect`` is the SQLAlchemy dialect name. NULL never counts: NULL survives every change.
    """
    name = normalize_dialect(dialect)
    if check.what == "max_length":
        length = sa.func.length if name == tables.SQLITE else sa.func.char_length
        return length(col) > check.limit
    if check.what == "int_range":
        return sa.or_(col < check.low, col > check.limit)
    if check.what == "abs_below":
        return sa.func.abs(col) >= check.limit
    if check.what == "max_bytes":
        return _byte_length(name, col) > check.limit
    if check.what == "padded":
        # the value read back is padded to the column width; VARCHAR/TEXT keep it stripped
        return sa.func.char_length(sa.func.rtrim(sa.cast(col, sa.Text))) < check.limit
    if check.what == "charset":
        return _charset_misfit(col, check.detail or "")
    if check.what == "sqlite_copy":
        return _sqlite_copy_misfit(col, check.detail or "")
    if check.what == "float_text":
        return _float_text_misfit(name, col)
    raise ValueError(f"unknown misfit check {check.what!r}")


def _float_text_misfit(dialect: str | None, col: ColumnElement[Any]) -> ColumnElement[bool]:
    """A single-precision value whose text changes once it is read as double precision
    (0.1 reads back as 0.10000000149011612; 0.5, 3 and NaN read back the same). MariaDB
    cannot CAST to DOUBLE, but adding a double zero makes the value one."""
    as_double: ColumnElement[Any] = (
        col + sa.literal_column("0E0") if dialect == tables.MYSQL else sa.cast(col, sa.Double())
    )
    return sa.cast(as_double, sa.String()) != sa.cast(col, sa.String())


def _byte_length(dialect: str | None, col: ColumnElement[Any]) -> ColumnElement[int]:
    if dialect == tables.SQLITE:
        return sa.func.length(sa.cast(col, sa.LargeBinary))
    return sa.func.octet_length(col)


def _charset_misfit(col: ColumnElement[Any], target: str) -> ColumnElement[bool]:
    """A character the target charset cannot hold comes back as '?': compare the round trip
    through ``target`` with the value, both as utf8mb4 bytes (BINARY: no collation, no pad
    space), whatever the column's own charset."""
    as_bytes: Any = mysql.BINARY()
    back = ConvertUsing(ConvertUsing(col, target), "utf8mb4")
    return sa.cast(back, as_bytes) != sa.cast(ConvertUsing(col, "utf8mb4"), as_bytes)


def _sqlite_copy_misfit(col: ColumnElement[Any], detail: str) -> ColumnElement[bool]:
    """A value survives SQLite's batch copy when the CAST (if any) keeps its storage class
    and value, and the new column's affinity stores the result unchanged."""
    how, _, affinity = detail.partition(":")
    if affinity not in _SQLITE_CAST_TYPES or how not in ("cast", "keep"):
        raise ValueError(f"unknown SQLite copy {detail!r}")
    copied: ColumnElement[Any] = (
        sa.cast(col, _SQLITE_CAST_TYPES[affinity]()) if how == "cast" else col
    )
    kind = sa.func.typeof(copied)
    kept = tables.SQLITE_KEPT_ON_INSERT[affinity]
    stored_as_is: ColumnElement[bool] = kind.in_(kept)
    if affinity in tables.SQLITE_KEEPS_FRACTIONAL_REAL:
        stored_as_is = sa.or_(
            stored_as_is, sa.and_(kind == "real", copied != sa.cast(copied, sa.Integer))
        )
    survives = sa.and_(
        sa.func.typeof(col) == kind,
        sa.func.coalesce(copied == col.collate("BINARY"), False),
        stored_as_is,
    )
    return sa.and_(col.is_not(None), sa.not_(survives))
