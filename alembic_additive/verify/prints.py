"""Fingerprints of a column's values, keyed by primary key, to prove values survived.

Counting non-null values cannot see a value that is still there but different: LONGTEXT cut
to 65,535 bytes, '' cast to 0 by a SQLite batch copy, 'ab   ' trimmed to 'ab' by CHAR →
VARCHAR, '山田太郎' re-encoded to '????' by a character-set change. So, for the columns a
revision's statements could change (:mod:`.statements`) — or the triggers and foreign-key
actions those statements fire (:mod:`.effects`: an ``ON UPDATE CASCADE`` child's key, the
table a trigger updates) — verify takes a fingerprint of every value just before the first
such statement, and again after the revision, and compares them.

A value's fingerprint is a 64-bit hash of its *canonical text*, beside a hash of its row's
primary key, computed in the database (:mod:`.prints_sql`):

* PostgreSQL: ``hashtextextended`` of the value's output text (``concat``: a CHAR's padding
  kept), NUMERIC with ``trim_scale`` so a wider scale is not a change;
* MySQL/MariaDB: ``MD5`` of the value converted to utf8mb4 (so a lossless character-set
  change is not a change, '????' is), binary types as bytes, DECIMAL without trailing zeros;
* SQLite: by a function verify registers on its connection, from the value as stored, with
  its storage class: text '' or 'n/a' becoming integer 0 is a change, and so is '5' → 5.

Comparisons are binary (no collation): 'a' vs 'A' vs 'a ' differ; NULL is never hashed (it is
counted by the non-null counts). Dates, times and BIT values also get a normalized text
(:mod:`.prints_sql`), compared when both sides have one: DATETIME → DATETIME(6) is no change.
Rows are paired by key; rows whose key changed, or was deleted while another was inserted,
are matched by value, and so are two sides keyed differently (a primary key added or
dropped, a table rebuilt without one); a table without a primary key is compared as a
multiset of values.

The side before the revision is one row per row of the table, kept in a temporary table
(:mod:`.prints_store`); the side after too, or on PostgreSQL a query of the table joined
with it (a hash join, nothing written): whatever the
table's size, and whatever else the revision did to it (rows inserted by the thousand beside
one overwritten value), every value is compared with its own row's, in the database, and the
counts are exact; verify's memory does not grow with the table. verify's queries run with
the session's output settings pinned (:func:`.prints_sql.pinned`): a revision's ``SET TIME
ZONE`` does not make every timestamp differ.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement, Select

from ..findings import TableRef
from .prints_sql import MySql, Postgres, Sql, Sqlite
from .prints_store import TempTables

log = logging.getLogger(f"alembic.{__name__}")


@dataclass(frozen=True)
class ColumnPrints:
    """One column's fingerprints: rows of ``table`` holding each row's key hash (``k``; a
    constant when the table has no primary key) and the value's fingerprint (column
    ``value``; NULL for NULL). ``table`` is a temporary table (the side before the
    revision, :func:`take`) or, on PostgreSQL, a query of the live table (the side after it,
    :func:`after`)."""

    table: sa.FromClause
    value: str
    keyed: bool
    normalized: ColumnPrints | None = None
    """The same column's values as normalized text (dates and times, BIT), if its type has
    one: two sides that both have it are compared on it."""


def take(
    connection: sa.Connection, ref: TableRef, columns: Sequence[str], store: TempTables
) -> dict[str, ColumnPrints]:
    """Fingerprints of ``columns`` of ``ref`` as they are now: one scan of the table, written
    to a temporary table of ``store`` (the values will change; their fingerprints must not)."""
    query = _query(connection, ref, columns)
    if query is None:
        return {}
    select, labels, keyed = query
    stored = store.create_as(select, "k" if keyed else None)
    return _prints(stored, labels, keyed)


def after(
    connection: sa.Connection, ref: TableRef, columns: Sequence[str], store: TempTables
) -> dict[str, ColumnPrints]:
    """Fingerprints of ``columns`` of ``ref`` for the side after the revision. On PostgreSQL
    a query, computed where it is compared (a hash join with the side before; nothing
    written). Elsewhere written to a temporary table like :func:`take`: MariaDB and SQLite
    would join a query of the live table by nested loops, hashing every row of it once per
    row of the other side."""
    if connection.dialect.name != "postgresql":
        return take(connection, ref, columns, store)
    query = _query(connection, ref, columns)
    if query is None:
        return {}
    select, labels, keyed = query
    return _prints(select.subquery(), labels, keyed)


def _query(
    connection: sa.Connection, ref: TableRef, columns: Sequence[str]
) -> tuple[Select[Any], list[str], bool] | None:
    """The query of the fingerprints (``k``, ``v0``, ``v1``...), the label of each ``v``
    (a column, or a column's normalized text), and whether rows are keyed."""
    inspector = sa.inspect(connection)
    # The default schema by name: a revision may have changed what an unqualified name means
    # (``SET search_path``), and these must be the tables the snapshot counted.
    schema = ref.schema if ref.schema is not None else connection.dialect.default_schema_name
    reflected = {str(c["name"]): c["type"] for c in inspector.get_columns(ref.name, schema=schema)}
    pk = list(inspector.get_pk_constraint(ref.name, schema=schema).get("constrained_columns") or [])
    names = [c for c in columns if c in reflected]
    if not names:
        return None
    if any(c not in reflected for c in pk):
        pk = []
    table = sa.table(ref.name, *(sa.column(c) for c in dict.fromkeys([*pk, *names])), schema=schema)
    sql = _dialect(connection, reflected)
    sql.prepare(connection)
    texts: list[tuple[str, ColumnElement[Any]]] = [(c, sql.canonical(table.c[c], c)) for c in names]
    normal = {c: sql.normalized(table.c[c], c) for c in names}
    texts += [(f"{_NORMALIZED}{c}", text) for c, text in normal.items() if text is not None]
    # A value's fingerprint is its text's alone: rows are paired by key in the join, and a
    # value of a row whose key changed can be found among the new rows' values.
    select = sa.select(
        sql.stored_key(sql.key(table, pk)).label("k"),
        *(sql.fingerprint(text).label(f"v{i}") for i, (_, text) in enumerate(texts)),
    ).select_from(table)
    return select, [label for label, _ in texts], bool(pk)


def _prints(table: sa.FromClause, labels: list[str], keyed: bool) -> dict[str, ColumnPrints]:
    prints = {label: ColumnPrints(table, f"v{i}", keyed) for i, label in enumerate(labels)}
    out: dict[str, ColumnPrints] = {}
    for label, column in prints.items():
        if not label.startswith(_NORMALIZED):
            norm = prints.get(f"{_NORMALIZED}{label}")
            out[label] = ColumnPrints(table, column.value, keyed, norm)
    return out


_NORMALIZED = "\x00"  # the label of a column's normalized text (never a column name)


def _dialect(connection: sa.Connection, reflected: dict[str, Any]) -> Sql:
    name = connection.dialect.name
    if name == "postgresql":
        return Postgres(reflected)
    if name in ("mysql", "mariadb"):
        return MySql(reflected)
    if name == "sqlite" and connection.dialect.driver == "pysqlite":
        return Sqlite()
    raise NotImplementedError(f"no fingerprints on {name}+{connection.dialect.driver}")


# -- comparing them -------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Of the values present before: how many are different now (``changed``), and how many
    rows present before and after lost theirs to NULL (``cleared``)."""

    changed: int
    cleared: int


def compare(
    connection: sa.Connection, store: TempTables, before: ColumnPrints, after: ColumnPrints
) -> Comparison:
    """Values present before and after, non-null on both sides, that differ; and values
    set to NULL.

    Rows are matched by primary key. Rows whose key is gone and rows whose key is new (a key
    value changed, or a row replaced by another) are matched by value instead: as many of
    the gone values as did not reappear in a new row, at most as many as there are new rows
    (a row that was only deleted or only inserted is the counts' business). A side without
    primary key, or sides keyed differently (a primary key added or dropped), are compared
    as multisets of values (and no value is said to be cleared).
    """
    if before.normalized is not None and after.normalized is not None:
        return compare(connection, store, before.normalized, after.normalized)
    b, a = before.table.alias("b"), after.table.alias("a")
    old, new = b.c[before.value], a.c[after.value]
    if not (before.keyed and after.keyed):
        return Comparison(_unmatched(connection, store, _values(b, old), _values(a, new)), 0)
    by_key, cleared, gone = connection.execute(
        sa.select(
            _count(sa.and_(old.is_not(None), new.is_not(None), new != old)),
            _count(sa.and_(old.is_not(None), a.c.k.is_not(None), new.is_(None))),
            _count(sa.and_(a.c.k.is_(None), old.is_not(None))),
        ).select_from(b.outerjoin(a, a.c.k == b.c.k))
    ).one()
    unmatched = 0
    if gone:
        b2, a2 = before.table.alias("b2"), after.table.alias("a2")
        gone_values = _values(b, old, b.outerjoin(a, a.c.k == b.c.k), a.c.k.is_(None))
        appeared = _values(
            a2, a2.c[after.value], a2.outerjoin(b2, b2.c.k == a2.c.k), b2.c.k.is_(None)
        )
        unmatched = _unmatched(connection, store, gone_values, appeared)
    return Comparison(int(by_key) + unmatched, int(cleared))


def same_values(
    connection: sa.Connection, store: TempTables, before: ColumnPrints, after: ColumnPrints
) -> bool:
    """Every non-null value of ``before`` is in ``after`` at the same key (at least one).

    Rows deleted since (the counts report them) and rows or values added since (inserted
    in the same revision, or a backfill) do not make a renamed column a removed one. Sides
    not both keyed must hold exactly the same values."""
    if before.normalized is not None and after.normalized is not None:
        return same_values(connection, store, before.normalized, after.normalized)
    b, a = before.table.alias("b"), after.table.alias("a")
    if before.keyed and after.keyed:
        old, new = b.c[before.value], a.c[after.value]
        kept, differ = connection.execute(
            sa.select(sa.func.count(), _count(sa.or_(new.is_(None), new != old)))
            .select_from(b.join(a, a.c.k == b.c.k))
            .where(old.is_not(None))
        ).one()
        return int(kept) > 0 and not differ
    left, right, both = _overlap(
        connection, store, _values(b, b.c[before.value]), _values(a, a.c[after.value])
    )
    return left == right == both


def holds_every_row(
    connection: sa.Connection,
    store: TempTables,
    before: Mapping[str, ColumnPrints],
    after: Mapping[str, ColumnPrints],
) -> bool:
    """Every row of ``before`` is in ``after`` (a table renamed, or copied and dropped): by
    key where both sides are keyed (their values are then compared with :func:`compare`);
    otherwise the same number of rows and exactly the same values, column by column."""
    return all(_holds_rows(connection, store, before[c], after[c]) for c in before)


def _holds_rows(
    connection: sa.Connection, store: TempTables, before: ColumnPrints, after: ColumnPrints
) -> bool:
    b, a = before.table.alias("b"), after.table.alias("a")
    if before.keyed and after.keyed:
        rows, missing = connection.execute(
            sa.select(sa.func.count(), _count(a.c.k.is_(None))).select_from(
                b.outerjoin(a, a.c.k == b.c.k)
            )
        ).one()
        return int(rows) > 0 and not missing
    old_rows = connection.execute(sa.select(sa.func.count()).select_from(b)).scalar_one()
    new_rows = connection.execute(sa.select(sa.func.count()).select_from(a)).scalar_one()
    return old_rows == new_rows and same_values(connection, store, before, after)


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return sa.func.count(sa.case((condition, 1)))


def _values(
    alias: Any,
    plain: ColumnElement[Any],
    source: Any = None,
    where: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """The non-null plain fingerprints of ``alias`` (from ``source``, where ``where``)."""
    stmt = sa.select(plain.label("p")).select_from(alias if source is None else source)
    stmt = stmt.where(plain.is_not(None))
    return stmt if where is None else stmt.where(where)


def _unmatched(
    connection: sa.Connection, store: TempTables, before: Select[Any], after: Select[Any]
) -> int:
    """How many values of ``before`` are not in ``after`` (as multisets), at most as many
    as ``after`` holds (the rest were removed, not changed)."""
    left, right, both = _overlap(connection, store, before, after)
    return max(0, min(left, right) - both)


def _overlap(
    connection: sa.Connection, store: TempTables, left: Select[Any], right: Select[Any]
) -> tuple[int, int, int]:
    """(size of ``left``, size of ``right``, size of their intersection), as multisets.

    ``left`` is counted per value into a temporary table first, so that no statement names
    a temporary table twice (MySQL cannot reopen one within a statement)."""
    lsub = left.subquery()
    grouped = store.create_as(
        sa.select(lsub.c.p, sa.func.count().label("n")).group_by(lsub.c.p), "p"
    )
    size = sa.func.coalesce(sa.func.sum(grouped.c.n), 0)
    left_size = connection.execute(sa.select(size)).scalar_one()
    rsub = right.subquery()
    right_size = connection.execute(sa.select(sa.func.count()).select_from(rsub)).scalar_one()
    counted = sa.select(rsub.c.p, sa.func.count().label("n")).group_by(rsub.c.p).subquery()
    smaller = sa.case((grouped.c.n < counted.c.n, grouped.c.n), else_=counted.c.n)
    both = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(smaller), 0)).select_from(
            grouped.join(counted, counted.c.p == grouped.c.p)
        )
    ).scalar_one()
    return int(left_size), int(right_size), int(both)
