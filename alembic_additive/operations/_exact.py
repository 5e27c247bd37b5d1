"""Exact, type-correct "differs from the upgrade's default" for the guarded downgrade.

``drop_column_if_empty`` discards values equal to the server default the upgrade filled in.
"Equal" must be exact, or data written after the upgrade is dropped as if it were the
default: MariaDB's default collations and SQLite's ``NOCASE`` / ``RTRIM`` call ``'Pending'``,
``'PENDING'``, ``'pendíng '`` and ``'pending '`` equal to ``'pending'``. And it must be
defined for every type: PostgreSQL has no ``=`` for ``json`` (the downgrade crashed on
``json <> unknown``), and ``box = box`` compares areas.

So each dialect compares in a form where equality is byte equality of one canonical text,
with the default converted through the column's own type first, so ``'1.5'`` into a
``NUMERIC(5,2)`` and the stored ``1.50`` agree:

* PostgreSQL: ``CAST(col AS TEXT) COLLATE "C"`` against ``CAST(CAST(default AS <type>) AS
  TEXT) COLLATE "C"`` (the text output of every type, JSON included; "C" is deterministic);
* MariaDB/MySQL: strings as ``CAST(CAST(col AS CHAR CHARACTER SET utf8mb4) AS BINARY)`` on
  both sides (no collation, no PAD SPACE); other types compare natively, which involves no
  collation;
* SQLite: ``col COLLATE BINARY`` (type affinity still applies, so ``0`` equals ``'0'`` in an
  INTEGER column, as the upgrade stored it).

A default that evaluates to NULL never makes a value "equal": every value then counts.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

Default = str | sa.TextClause | sa.ColumnElement[Any]
"""A literal server default (bound as a parameter) or the default's SQL expression."""


def default_expression(default: Default) -> sa.ColumnElement[Any]:
    """The default as SQL: a literal as a bound parameter; an expression as the revision's
    own ``sa.text(...)``, the very text the upgrade ran as ``DEFAULT ...`` (nothing read
    from the database is formatted into it)."""
    if isinstance(default, str):
        return sa.bindparam("default", default, type_=sa.Text())
    if isinstance(default, sa.TextClause):
        return sa.literal_column(f"({default.text})")
    return default


def differs(
    dialect: sa.Dialect,
    col: sa.ColumnClause[Any],
    col_type: sa.types.TypeEngine[Any],
    default: Default,
    filled: str | None = None,
) -> sa.ColumnElement[bool]:
    """True where ``col`` holds a value other than ``default``, compared exactly.

    ``filled`` is the text of the value the upgrade's ``ADD COLUMN`` gave the rows present
    then (PostgreSQL: :func:`filled_at_upgrade`; MariaDB/MySQL and SQLite: :func:`read_filled`,
    kept in the ledger); values equal to it, compared exactly, are not data either.
    """
    right = default_expression(default)
    if dialect.name == "postgresql":
        left, right = _postgresql(col, col_type, right)
        if filled is not None:
            fill = sa.collate(sa.bindparam("filled", filled, type_=sa.Text()), "C")
            return sa.and_(sa.or_(left != right, right.is_(None)), left != fill)
    elif dialect.name in ("mysql", "mariadb"):
        left, right = _mysql(col, col_type, right)
        if filled is not None:
            fill = _mysql_bytes(sa.bindparam("filled", filled, type_=sa.Text()))
            return sa.and_(sa.or_(left != right, right.is_(None)), _mysql_bytes(col) != fill)
    elif dialect.name == "sqlite":
        left = sa.collate(col, "BINARY")
        if filled is not None:
            text = sa.bindparam("filled", filled, type_=sa.Text())
            return sa.and_(sa.or_(left != right, right.is_(None)), left != text)
    else:
        left = col
    return sa.or_(left != right, right.is_(None))


def filled_at_upgrade(
    connection: sa.Connection, table: str, schema: str | None, column: str
) -> str | None:
    """PostgreSQL's own record of what ``ADD COLUMN ... DEFAULT <expression>`` filled in.

    A time-dependent default (``now()``) gives the rows present at upgrade time one value,
    the upgrade's time, which the downgrade cannot compute again. PostgreSQL 11+ keeps that
    value in ``pg_attribute.attmissingval`` for as long as those rows are not rewritten;
    as text (same session, same output format as ``CAST(col AS TEXT)``) it tells the
    upgrade's values from the ones written since. None elsewhere, or once a rewrite (``VACUUM
    FULL``, a type change) has dropped the record: every value then counts as data. Names
    are bound parameters, quoted by the server's ``quote_ident``.
    """
    if connection.dialect.name != "postgresql":
        return None
    relation = (
        sa.func.quote_ident(table)
        if schema is None
        else sa.func.concat(sa.func.quote_ident(schema), ".", sa.func.quote_ident(table))
    )
    attribute = sa.table(
        "pg_attribute",
        sa.column("attmissingval"),
        sa.column("attrelid"),
        sa.column("attname"),
        sa.column("atthasmissing"),
        sa.column("attisdropped"),
        schema="pg_catalog",
    )
    stmt = sa.select(sa.func.array_to_string(attribute.c.attmissingval, "")).where(
        attribute.c.attrelid == sa.func.to_regclass(relation),
        attribute.c.attname == column,
        attribute.c.atthasmissing.is_(True),
        attribute.c.attisdropped.is_(False),
    )
    value = connection.execute(stmt).scalar()
    return None if value is None else str(value)


def read_filled(
    connection: sa.Connection, table: str, schema: str | None, column: str
) -> str | None:
    """MariaDB/MySQL: the one value ``ADD COLUMN ... DEFAULT <expression>`` just gave every
    existing row, as the text the downgrade compares (:func:`differs`), or None.

    Unlike PostgreSQL, MariaDB keeps no record of it, so the upgrade reads it right after the
    DDL and keeps it in the ledger. Only when the table has rows and every one of them got
    the same non-null value (``MIN = MAX``, ``COUNT(col) = COUNT(*)``, compared as bytes):
    anything else is no record, and every value then counts as data. The value and counts
    stay internal (never logged). SQLite: see :func:`_sqlite_filled`. None on other dialects.
    """
    t = sa.table(table, sa.column(column), schema=schema)
    if connection.dialect.name == "sqlite":
        return _sqlite_filled(connection, t, column)
    if connection.dialect.name not in ("mysql", "mariadb"):
        return None
    as_bytes = _mysql_bytes(t.c[column])
    row = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(t.c[column]),
            sa.func.min(as_bytes),
            sa.func.max(as_bytes),
        ).select_from(t)
    ).one()
    rows, values, low, high = row
    if not rows or values != rows or low is None or low != high:
        return None
    raw = bytes(low)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sqlite_filled(connection: sa.Connection, t: sa.TableClause, column: str) -> str | None:
    """SQLite: the rebuild's ``INSERT ... SELECT`` evaluates the default once per statement
    (``CURRENT_TIMESTAMP`` is the same for every row). Kept only when it is stored as text,
    which :func:`differs` compares with ``COLLATE BINARY``; numbers would meet type affinity
    at the comparison, so they are not kept (no record: every value counts as data)."""
    col = t.c[column]
    exact = sa.collate(col, "BINARY")
    rows, values, low, high, kinds = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(col),
            sa.func.min(exact),
            sa.func.max(exact),
            sa.func.count(sa.distinct(sa.func.typeof(col))),
        ).select_from(t)
    ).one()
    if not rows or values != rows or kinds != 1 or not isinstance(low, str) or low != high:
        return None
    return low


def _mysql_bytes(expr: Any) -> Any:
    """The bytes of ``expr``'s utf8mb4 text: equality without collation or PAD SPACE."""
    return sa.cast(sa.cast(expr, mysql.CHAR(charset="utf8mb4")), sa.LargeBinary())


def _known(col_type: sa.types.TypeEngine[Any]) -> bool:
    return not isinstance(col_type, sa.types.NullType)


def _postgresql(
    col: sa.ColumnClause[Any], col_type: sa.types.TypeEngine[Any], right: Any
) -> tuple[Any, Any]:
    typed = sa.cast(right, col_type) if _known(col_type) else right
    return (
        sa.collate(sa.cast(col, sa.Text()), "C"),
        sa.collate(sa.cast(typed, sa.Text()), "C"),
    )


def _mysql(
    col: sa.ColumnClause[Any], col_type: sa.types.TypeEngine[Any], right: Any
) -> tuple[Any, Any]:
    if isinstance(col_type, sa.String) or not _known(col_type):
        return _mysql_bytes(col), _mysql_bytes(right)
    return col, right


def filled_default(column: sa.Column[Any]) -> Default | None:
    """What the upgrade filled existing rows of an added ``column`` with, if anything.

    A literal server default (``'0'``, ``'pending'``) as a string; an expression default
    (``sa.false()``, ``sa.text('0')``, ``func.now()``) as its SQL expression, which the
    downgrade compares against. A computed column has no default: it is not data at all.
    """
    default = column.server_default
    if not isinstance(default, sa.DefaultClause):
        return None
    arg = default.arg
    if isinstance(arg, str):
        return arg
    if isinstance(arg, (sa.TextClause, sa.ColumnElement)):
        return arg
    return None


def render_default(default: Default, dialect: sa.Dialect) -> str:
    """``default`` as Python source for the revision: a repr, or ``sa.text('...')``."""
    if isinstance(default, str):
        return repr(default)
    if isinstance(default, sa.TextClause):
        text = default.text
    else:
        text = str(default.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return f"sa.text({text!r})"
