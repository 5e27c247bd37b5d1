"""Fingerprints of a column's values, keyed by primary key, to prove values survived.

Counting non-null values cannot see a value that is still there but different: LONGTEXT cut
to 65,535 bytes, '' cast to 0 by a SQLite batch copy, 'ab   ' trimmed to 'ab' by CHAR →
VARCHAR, '山田太郎' re-encoded to '????' by a character-set change. So, for the columns a
revision's statements could change (:mod:`.statements`) — or the triggers and foreign-key
actions those statements fire (:mod:`.effects`: an ``ON UPDATE CASCADE`` child's key, the
table a trigger updates) — verify takes a fingerprint of every value just before the first
such statement, and again after the revision, and compares them.

A value's fingerprint is a 64-bit hash of its *canonical text* combined with the hash of its
row's primary key, computed in the database where it can be (only hashes cross the wire):

* PostgreSQL: ``hashtextextended(text, key)`` of the value's output text (``concat``: a
  CHAR's padding kept), NUMERIC with ``trim_scale`` so a wider scale is not a change;
* MySQL/MariaDB: ``MD5`` of the value converted to utf8mb4 (so a lossless character-set
  change is not a change, '????' is), binary types as bytes, DECIMAL without trailing zeros;
* SQLite: in Python (it runs in-process anyway) from the value as stored, with its storage
  class: text '' or 'n/a' becoming integer 0 is a change, and so is text '5' becoming 5.

Comparisons are binary (no collation): 'a' vs 'A' vs 'a ' differ; NULL is never hashed (it is
counted by the non-null counts). A table of at most :data:`EXACT_ROWS` rows is read per row
(key → fingerprint), giving an exact count of changed values; a larger one is summed per
bucket of keys in the database (:data:`BUCKETS` buckets, memory flat in the row count), and
the number of buckets whose sum changed while their counts did not is a lower bound. A table
without a primary key is compared as a multiset of values.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from ..findings import TableRef

log = logging.getLogger(f"alembic.{__name__}")

EXACT_ROWS = 10_000
BUCKETS = 1024
_MASK = (1 << 64) - 1


@dataclass
class ColumnPrints:
    """One column's fingerprints.

    Exact: ``keyed`` maps a row key to its value's fingerprint (None: NULL), or ``bag`` holds
    the multiset of fingerprints (no primary key). Otherwise ``buckets`` maps a bucket to
    (rows, non-null values, sum of fingerprints mod 2^64).
    """

    exact: bool
    keyed: dict[Any, tuple[int, int | None]] | None = None
    bag: Counter[int] | None = None
    buckets: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    rows: int = 0  # with ``bag``: the table's rows (a table without key is one bucket)

    def non_null(self) -> int:
        if self.keyed is not None:
            return sum(1 for _, fp in self.keyed.values() if fp is not None)
        if self.bag is not None:
            return sum(self.bag.values())
        return sum(nn for _, nn, _ in self.buckets.values())

    def as_buckets(self) -> dict[int, tuple[int, int, int]]:
        if not self.exact:
            return self.buckets
        out: dict[int, list[int]] = {}
        if self.bag is not None:
            total = sum(fp * n for fp, n in self.bag.items()) & _MASK
            return {0: (self.rows, sum(self.bag.values()), total)} if self.rows else {}
        if self.keyed is not None:
            for bucket, fp in self.keyed.values():
                acc = out.setdefault(bucket, [0, 0, 0])
                acc[0] += 1
                if fp is not None:
                    acc[1] += 1
                    acc[2] = (acc[2] + fp) & _MASK
        return {b: (r, n, s) for b, (r, n, s) in out.items()}


@dataclass(frozen=True)
class Change:
    """How many values present before and after differ (``exact`` False: a lower bound)."""

    changed: int
    exact: bool


def changed(before: ColumnPrints, after: ColumnPrints) -> Change:
    """Values of rows present on both sides, non-null on both sides, that differ."""
    if before.exact and after.exact and before.keyed is not None and after.keyed is not None:
        count = 0
        for key, (_, old) in before.keyed.items():
            new = after.keyed.get(key)
            if old is not None and new is not None and new[1] is not None and new[1] != old:
                count += 1
        return Change(count, True)
    if before.exact and after.exact and before.bag is not None and after.bag is not None:
        kept = sum((before.bag & after.bag).values())
        both = min(sum(before.bag.values()), sum(after.bag.values()))
        return Change(max(0, both - kept), True)
    old_b, new_b = before.as_buckets(), after.as_buckets()
    count = 0
    for bucket, (rows, nn, total) in old_b.items():
        now = new_b.get(bucket)
        if now is not None and now[0] == rows and now[1] == nn and now[2] != total:
            count += 1
    return Change(count, False)


def same_values(before: ColumnPrints, after: ColumnPrints) -> bool:
    """Every non-null value of ``before`` is in ``after`` at the same key, nothing more."""
    if before.exact and after.exact and before.keyed is not None and after.keyed is not None:
        old = {k: fp for k, (_, fp) in before.keyed.items() if fp is not None}
        new = {k: fp for k, (_, fp) in after.keyed.items() if fp is not None}
        return old == new
    if before.bag is not None and after.bag is not None:
        return before.bag == after.bag
    old_b = {b: (nn, s) for b, (_, nn, s) in before.as_buckets().items() if nn}
    new_b = {b: (nn, s) for b, (_, nn, s) in after.as_buckets().items() if nn}
    return old_b == new_b


# -- taking them --------------------------------------------------------------------------


def take(
    connection: sa.Connection, ref: TableRef, columns: Sequence[str], rows_hint: int = 0
) -> dict[str, ColumnPrints]:
    """Fingerprints of ``columns`` of ``ref`` as they are now (one or two queries).

    ``rows_hint``: the table's last known row count; above :data:`EXACT_ROWS` the per-row
    attempt is skipped and the buckets are summed straight away.
    """
    inspector = sa.inspect(connection)
    reflected = {
        str(c["name"]): c["type"] for c in inspector.get_columns(ref.name, schema=ref.schema)
    }
    pk = list(
        inspector.get_pk_constraint(ref.name, schema=ref.schema).get("constrained_columns") or []
    )
    names = [c for c in columns if c in reflected]
    if not names:
        return {}
    if any(c not in reflected for c in pk):
        pk = []
    table = sa.table(
        ref.name, *(sa.column(c) for c in dict.fromkeys([*pk, *names])), schema=ref.schema
    )
    name = connection.dialect.name
    if name == "sqlite":
        return _take_in_python(connection, table, pk, names)
    if name == "postgresql":
        dialect: _Sql = _Postgres(reflected)
    elif name in ("mysql", "mariadb"):
        dialect = _MySql(reflected)
    else:
        return _take_in_python(connection, table, pk, names)
    return _take_in_database(connection, table, pk, names, dialect, rows_hint > EXACT_ROWS)


class _Sql:
    """The SQL building blocks of one dialect."""

    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        raise NotImplementedError

    def bucket(self, key: ColumnElement[Any], keyed: bool) -> ColumnElement[Any]:
        raise NotImplementedError

    def fingerprint(self, value: ColumnElement[Any], key: ColumnElement[Any]) -> ColumnElement[Any]:
        raise NotImplementedError

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        raise NotImplementedError


_SEPARATOR = "\x1f"


class _Postgres(_Sql):
    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        if not pk:
            return sa.cast(sa.literal(0), sa.BigInteger)
        parts = [self.canonical(table.c[c], c) for c in pk]
        return sa.func.hashtextextended(sa.func.concat_ws(_SEPARATOR, *parts), 0)

    def bucket(self, key: ColumnElement[Any], keyed: bool) -> ColumnElement[Any]:
        return key.op("&")(BUCKETS - 1)

    def fingerprint(self, value: ColumnElement[Any], key: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.hashtextextended(value, key)

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


class _MySql(_Sql):
    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types

    def key(self, table: sa.TableClause, pk: Sequence[str]) -> ColumnElement[Any]:
        if not pk:
            return sa.literal("")
        parts = [self.canonical(table.c[c], c) for c in pk]
        return sa.func.md5(sa.func.concat_ws(_SEPARATOR, *parts))

    def bucket(self, key: ColumnElement[Any], keyed: bool) -> ColumnElement[Any]:
        if not keyed:
            return sa.literal(0)
        return sa.func.conv(sa.func.right(key, 3), 16, 10).op("&")(BUCKETS - 1)

    def fingerprint(self, value: ColumnElement[Any], key: ColumnElement[Any]) -> ColumnElement[Any]:
        digest = sa.func.md5(sa.func.concat(key, value))
        return _CastUnsigned(sa.func.conv(sa.func.left(digest, 16), 16, 10))

    def canonical(self, column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
        type_ = self.types.get(name)
        if isinstance(type_, (sa.LargeBinary, sa.types._Binary)):
            return column
        if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
            return sa.func.regexp_replace(
                sa.cast(column, sa.CHAR), r"(\.[0-9]*[1-9])0+$|\.0+$", r"\1"
            )
        return _ConvertUtf8(column)


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


def _take_in_database(
    connection: sa.Connection,
    table: sa.TableClause,
    pk: Sequence[str],
    names: Sequence[str],
    sql: _Sql,
    large: bool,
) -> dict[str, ColumnPrints]:
    keyed = bool(pk)
    inner = (
        sa.select(
            sql.key(table, pk).label("k"),
            *(sql.canonical(table.c[c], c).label(f"v{i}") for i, c in enumerate(names)),
        )
        .select_from(table)
        .subquery()
    )
    key = inner.c.k
    bucket = sql.bucket(key, keyed)
    fps = [sql.fingerprint(inner.c[f"v{i}"], key) for i in range(len(names))]
    if not large:
        rows = connection.execute(
            sa.select(key, bucket, *fps).select_from(inner).limit(EXACT_ROWS + 1)
        ).all()
        if len(rows) <= EXACT_ROWS:
            return _exact(rows, names, keyed)
    stmt = (
        sa.select(
            bucket.label("b"),
            sa.func.count(),
            *(sa.func.count(fp) for fp in fps),
            *(sa.func.sum(fp) for fp in fps),
        )
        .select_from(inner)
        .group_by(sa.literal_column("b") if connection.dialect.name != "postgresql" else bucket)
    )
    out = {c: ColumnPrints(exact=False) for c in names}
    n = len(names)
    for row in connection.execute(stmt):
        b, total = int(row[0] or 0), int(row[1])
        for i, c in enumerate(names):
            out[c].buckets[b] = (total, int(row[2 + i]), int(row[2 + n + i] or 0) & _MASK)
    return out


def _exact(rows: Sequence[Any], names: Sequence[str], keyed: bool) -> dict[str, ColumnPrints]:
    out: dict[str, ColumnPrints] = {}
    for i, c in enumerate(names):
        if keyed:
            out[c] = ColumnPrints(
                exact=True,
                keyed={
                    r[0]: (int(r[1]), None if r[2 + i] is None else int(r[2 + i]) & _MASK)
                    for r in rows
                },
            )
        else:
            out[c] = ColumnPrints(
                exact=True,
                bag=Counter(int(r[2 + i]) & _MASK for r in rows if r[2 + i] is not None),
                rows=len(rows),
            )
    return out


def _take_in_python(
    connection: sa.Connection, table: sa.TableClause, pk: Sequence[str], names: Sequence[str]
) -> dict[str, ColumnPrints]:
    """SQLite: the values as stored (no type conversion), hashed here, streamed."""
    stmt = sa.select(*(table.c[c] for c in pk), *(table.c[c] for c in names))
    keyed = bool(pk)
    exact: list[tuple[Any, int, list[int | None]]] = []
    buckets: dict[str, dict[int, list[int]]] | None = None
    result = connection.execution_options(stream_results=True, yield_per=1000).execute(stmt)
    for row in result:
        key_bytes = _SEPARATOR.encode().join(_canonical(v) or b"" for v in row[: len(pk)])
        key = (
            int.from_bytes(hashlib.blake2b(key_bytes, digest_size=8).digest(), "big")
            if keyed
            else 0
        )
        prefix = key.to_bytes(8, "big")
        fps: list[int | None] = []
        for v in row[len(pk) :]:
            canon = _canonical(v)
            fps.append(
                None
                if canon is None
                else int.from_bytes(hashlib.blake2b(prefix + canon, digest_size=8).digest(), "big")
            )
        if buckets is None:
            exact.append((key, key & (BUCKETS - 1), fps))
            if len(exact) > EXACT_ROWS:
                buckets = {c: {} for c in names}
                for _key, b, f in exact:
                    _fold(buckets, names, b, f)
                exact = []
        else:
            _fold(buckets, names, key & (BUCKETS - 1), fps)
    if buckets is None:
        return _exact([(k, b, *f) for k, b, f in exact], names, keyed)
    return {
        c: ColumnPrints(exact=False, buckets={b: (r, n, s) for b, (r, n, s) in per.items()})
        for c, per in buckets.items()
    }


def _fold(
    buckets: dict[str, dict[int, list[int]]],
    names: Sequence[str],
    bucket: int,
    fps: list[int | None],
) -> None:
    for c, fp in zip(names, fps, strict=True):
        acc = buckets[c].setdefault(bucket, [0, 0, 0])
        acc[0] += 1
        if fp is not None:
            acc[1] += 1
            acc[2] = (acc[2] + fp) & _MASK


def _canonical(value: Any) -> bytes | None:
    """A SQLite value with its storage class: integer and integral real are one number."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"n" + str(value).encode()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return b"n" + str(int(value)).encode()
        return b"n" + repr(value).encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return b"b" + bytes(value)
    return b"t" + str(value).encode("utf-8", "surrogatepass")
