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
counted by the non-null counts). Dates, times and BIT values also get a normalized text
(:mod:`.prints_sql`), compared when both sides have one: DATETIME → DATETIME(6) is no change.

A table of at most :data:`EXACT_ROWS` rows is read per row (key → fingerprint), giving an
exact count of changed values. Each value also gets a *plain* fingerprint (its text alone),
so that rows whose key changed, or was deleted while another was inserted, are matched by
value, and so are two sides keyed differently (a primary key added or dropped, a table
rebuilt without one); a table without a primary key is compared as a multiset of values. A
larger table is summed per bucket of keys in the database (:data:`BUCKETS` buckets, memory
flat in the row count): the number of buckets whose sum changed while their counts did not
is a lower bound, and the sum of the plain fingerprints over the table catches a change no
bucket could show (at least one).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from ..findings import TableRef
from .prints_sql import BUCKETS, SEPARATOR, MySql, Postgres, Sql

log = logging.getLogger(f"alembic.{__name__}")

EXACT_ROWS = 10_000
_MASK = (1 << 64) - 1


@dataclass
class ColumnPrints:
    """One column's fingerprints.

    Exact: ``keyed`` maps a row key to (bucket, fingerprint, plain fingerprint) (None: NULL),
    or ``bag`` holds the multiset of fingerprints (no primary key: the key is a constant, so
    they are plain ones). Otherwise ``buckets`` maps a bucket to (rows, non-null values, sum
    of fingerprints mod 2^64), and ``total`` is (rows, non-null values, sum of plain
    fingerprints mod 2^64) over the whole table.

    A *plain* fingerprint hashes the value alone, as a table without primary key does: it is
    what lets two sides be compared when their keys do not match (a key value changed, a
    primary key added or dropped, a table rebuilt without one).
    """

    exact: bool
    keyed: dict[Any, tuple[int, int | None, int | None]] | None = None
    bag: Counter[int] | None = None
    buckets: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    rows: int = 0  # with ``bag``: the table's rows (a table without key is one bucket)
    has_key: bool = True
    total: tuple[int, int, int] = (0, 0, 0)
    normalized: ColumnPrints | None = None
    """The same column's values as normalized text (dates and times, BIT), if its type has
    one: two sides that both have it are compared on it."""

    def non_null(self) -> int:
        if self.keyed is not None:
            return sum(1 for _, fp, _ in self.keyed.values() if fp is not None)
        if self.bag is not None:
            return sum(self.bag.values())
        return sum(nn for _, nn, _ in self.buckets.values())

    def plain(self) -> Counter[int]:
        """The multiset of plain fingerprints (exact sides only)."""
        if self.bag is not None:
            return self.bag
        return Counter(p for _, _, p in (self.keyed or {}).values() if p is not None)

    def as_buckets(self) -> dict[int, tuple[int, int, int]]:
        if not self.exact:
            return self.buckets
        out: dict[int, list[int]] = {}
        if self.bag is not None:
            total = sum(fp * n for fp, n in self.bag.items()) & _MASK
            return {0: (self.rows, sum(self.bag.values()), total)} if self.rows else {}
        if self.keyed is not None:
            for bucket, fp, _ in self.keyed.values():
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
    """Values present before and after, non-null on both sides, that differ.

    Rows are matched by primary key. Rows whose key is gone and rows whose key is new (a key
    value changed, or a row replaced by another) are matched by value instead: as many of
    the gone values as did not reappear in a new row, at most as many as there are new rows
    (a row that was only deleted or only inserted is the counts' business). A side without
    primary key, or sides keyed differently (a primary key added or dropped), are compared
    as multisets of values.
    """
    if before.normalized is not None and after.normalized is not None:
        return changed(before.normalized, after.normalized)
    if before.exact and after.exact:
        if before.keyed is not None and after.keyed is not None:
            count = 0
            gone: Counter[int] = Counter()
            for key, (_, old, plain) in before.keyed.items():
                new = after.keyed.get(key)
                if new is None:
                    if plain is not None:
                        gone[plain] += 1
                elif old is not None and new[1] is not None and new[1] != old:
                    count += 1
            appeared: Counter[int] = Counter(
                plain
                for key, (_, _, plain) in after.keyed.items()
                if plain is not None and key not in before.keyed
            )
            return Change(count + _unmatched(gone, appeared), True)
        return Change(_unmatched(before.plain(), after.plain()), True)
    count = 0
    if before.has_key == after.has_key:
        old_b, new_b = before.as_buckets(), after.as_buckets()
        for bucket, (rows, nn, total) in old_b.items():
            now = new_b.get(bucket)
            if now is not None and now[0] == rows and now[1] == nn and now[2] != total:
                count += 1
    old_t, new_t = before.total, after.total
    if not count and old_t[:2] == new_t[:2] and old_t[2] != new_t[2]:
        count = 1  # the same rows and values counted, not the same values: one at least
    return Change(count, False)


def _unmatched(before: Counter[int], after: Counter[int]) -> int:
    """How many values of ``before`` are not in ``after``, at most as many as ``after``
    holds (the rest were removed, not changed)."""
    both = min(sum(before.values()), sum(after.values()))
    return max(0, both - sum((before & after).values()))


def same_values(before: ColumnPrints, after: ColumnPrints) -> bool:
    """Every non-null value of ``before`` is in ``after`` at the same key.

    Read per row: rows deleted since (the counts report them) and rows or values added
    since (inserted in the same revision, or a backfill) do not make a renamed column a
    removed one. Otherwise (a table without key, or summed buckets) the values must be
    exactly the same."""
    if before.normalized is not None and after.normalized is not None:
        return same_values(before.normalized, after.normalized)
    if before.exact and after.exact and before.keyed is not None and after.keyed is not None:
        kept = 0
        for key, (_, old, _) in before.keyed.items():
            new = after.keyed.get(key)
            if old is None or new is None:
                continue  # no value, or the row is gone (rows-lost)
            if new[1] != old:
                return False
            kept += 1
        return kept > 0
    if before.bag is not None and after.bag is not None:
        return before.bag == after.bag
    old_b = {b: (nn, s) for b, (_, nn, s) in before.as_buckets().items() if nn}
    new_b = {b: (nn, s) for b, (_, nn, s) in after.as_buckets().items() if nn}
    return old_b == new_b


def cleared(before: ColumnPrints, after: ColumnPrints) -> int:
    """Values set to NULL in rows present before and after (by key, or per bucket whose row
    count did not change: a lower bound). The non-null counts say it too, unless rows
    inserted in the same revision brought the count back up."""
    if before.exact and after.exact and before.keyed is not None and after.keyed is not None:
        return sum(
            1
            for key, (_, old, _) in before.keyed.items()
            if old is not None and key in after.keyed and after.keyed[key][1] is None
        )
    if before.has_key != after.has_key or not before.has_key:
        return 0
    new_b = after.as_buckets()
    count = 0
    for bucket, (rows, nn, _) in before.as_buckets().items():
        now = new_b.get(bucket)
        if now is not None and now[0] == rows and now[1] < nn:
            count += nn - now[1]
    return count


def holds_every_row(before: ColumnPrints, after: ColumnPrints) -> bool:
    """Every row of ``before`` is in ``after`` (a table renamed, or copied and dropped):
    by key where both sides are read per row and keyed (their values are then compared
    with :func:`changed`); otherwise the same rows and exactly the same values."""
    if before.exact and after.exact and before.keyed is not None and after.keyed is not None:
        return bool(before.keyed) and before.keyed.keys() <= after.keyed.keys()
    return before.total[:2] == after.total[:2] and same_values(before, after)


# -- taking them --------------------------------------------------------------------------


def take(
    connection: sa.Connection, ref: TableRef, columns: Sequence[str], rows_hint: int = 0
) -> dict[str, ColumnPrints]:
    """Fingerprints of ``columns`` of ``ref`` as they are now (one or two queries).

    ``rows_hint``: the table's last known row count; above :data:`EXACT_ROWS` the per-row
    attempt is skipped and the buckets are summed straight away.
    """
    inspector = sa.inspect(connection)
    # The default schema by name: a revision may have changed what an unqualified name means
    # (``SET search_path``), and these must be the tables the snapshot counted.
    schema = ref.schema if ref.schema is not None else connection.dialect.default_schema_name
    reflected = {str(c["name"]): c["type"] for c in inspector.get_columns(ref.name, schema=schema)}
    pk = list(inspector.get_pk_constraint(ref.name, schema=schema).get("constrained_columns") or [])
    names = [c for c in columns if c in reflected]
    if not names:
        return {}
    if any(c not in reflected for c in pk):
        pk = []
    table = sa.table(ref.name, *(sa.column(c) for c in dict.fromkeys([*pk, *names])), schema=schema)
    name = connection.dialect.name
    if name == "sqlite":
        return _take_in_python(connection, table, pk, names)
    if name == "postgresql":
        dialect: Sql = Postgres(reflected)
    elif name in ("mysql", "mariadb"):
        dialect = MySql(reflected)
    else:
        return _take_in_python(connection, table, pk, names)
    return _take_in_database(connection, table, pk, names, dialect, rows_hint > EXACT_ROWS)


def _take_in_database(
    connection: sa.Connection,
    table: sa.TableClause,
    pk: Sequence[str],
    names: Sequence[str],
    sql: Sql,
    large: bool,
) -> dict[str, ColumnPrints]:
    out = _hash_in_database(
        connection,
        table,
        pk,
        [*names, *(f"{_NORMALIZED}{c}" for c in names)],
        [sql.canonical(table.c[c], c) for c in names]
        + [sql.normalized(table.c[c], c) for c in names],
        sql,
        large,
    )
    for c in names:
        out[c].normalized = out.pop(f"{_NORMALIZED}{c}", None)
    return out


_NORMALIZED = "\x00"  # the label of a column's normalized text (never a column name)


def _hash_in_database(
    connection: sa.Connection,
    table: sa.TableClause,
    pk: Sequence[str],
    labels: Sequence[str],
    texts: Sequence[ColumnElement[Any] | None],
    sql: Sql,
    large: bool,
) -> dict[str, ColumnPrints]:
    """Fingerprints of each text expression (None ones left out), by label."""
    pairs = [(label, text) for label, text in zip(labels, texts, strict=True) if text is not None]
    names = [label for label, _ in pairs]
    keyed = bool(pk)
    inner = (
        sa.select(
            sql.key(table, pk).label("k"),
            *(text.label(f"v{i}") for i, (_, text) in enumerate(pairs)),
        )
        .select_from(table)
        .subquery()
    )
    key = inner.c.k
    bucket = sql.bucket(key, keyed)
    fps = [sql.fingerprint(inner.c[f"v{i}"], key) for i in range(len(names))]
    # The value alone (a table without key hashes that already): compared when keys differ.
    no_key = sql.key(table, [])
    plains = [sql.fingerprint(inner.c[f"v{i}"], no_key) for i in range(len(names))] if keyed else []
    if not large:
        rows = connection.execute(
            sa.select(key, bucket, *fps, *plains).select_from(inner).limit(EXACT_ROWS + 1)
        ).all()
        if len(rows) <= EXACT_ROWS:
            return _exact(rows, names, keyed)
    stmt = (
        sa.select(
            bucket.label("b"),
            sa.func.count(),
            *(sa.func.count(fp) for fp in fps),
            *(sa.func.sum(fp) for fp in fps + plains),
        )
        .select_from(inner)
        .group_by(sa.literal_column("b") if connection.dialect.name != "postgresql" else bucket)
    )
    out = {c: ColumnPrints(exact=False, has_key=keyed) for c in names}
    totals = {c: [0, 0, 0] for c in names}
    n = len(names)
    for row in connection.execute(stmt):
        b, total = int(row[0] or 0), int(row[1])
        for i, c in enumerate(names):
            nn, summed = int(row[2 + i]), int(row[2 + n + i] or 0) & _MASK
            out[c].buckets[b] = (total, nn, summed)
            plain = int(row[2 + 2 * n + i] or 0) & _MASK if keyed else summed
            acc = totals[c]
            acc[0], acc[1], acc[2] = acc[0] + total, acc[1] + nn, (acc[2] + plain) & _MASK
    for c in names:
        out[c].total = (totals[c][0], totals[c][1], totals[c][2])
    return out


def _exact(rows: Sequence[Any], names: Sequence[str], keyed: bool) -> dict[str, ColumnPrints]:
    """Rows of (key, bucket, fingerprints..., plain fingerprints... when keyed)."""
    out: dict[str, ColumnPrints] = {}
    n = len(names)

    def fp(value: Any) -> int | None:
        return None if value is None else int(value) & _MASK

    for i, c in enumerate(names):
        if keyed:
            prints = ColumnPrints(
                exact=True,
                keyed={r[0]: (int(r[1]), fp(r[2 + i]), fp(r[2 + n + i])) for r in rows},
            )
        else:
            prints = ColumnPrints(
                exact=True,
                bag=Counter(int(r[2 + i]) & _MASK for r in rows if r[2 + i] is not None),
                rows=len(rows),
                has_key=False,
            )
        plain = prints.plain()
        prints.total = (
            len(rows),
            sum(plain.values()),
            sum(p * k for p, k in plain.items()) & _MASK,
        )
        out[c] = prints
    return out


def _hash(prefix: bytes, canon: bytes | None) -> int | None:
    if canon is None:
        return None
    return int.from_bytes(hashlib.blake2b(prefix + canon, digest_size=8).digest(), "big")


_NO_KEY = (0).to_bytes(8, "big")


def _take_in_python(
    connection: sa.Connection, table: sa.TableClause, pk: Sequence[str], names: Sequence[str]
) -> dict[str, ColumnPrints]:
    """SQLite: the values as stored (no type conversion), hashed here, streamed."""
    stmt = sa.select(*(table.c[c] for c in pk), *(table.c[c] for c in names))
    keyed = bool(pk)
    exact: list[tuple[Any, int, list[int | None]]] = []
    buckets: dict[str, dict[int, list[int]]] | None = None
    totals = {c: [0, 0, 0] for c in names}
    result = connection.execution_options(stream_results=True, yield_per=1000).execute(stmt)
    for row in result:
        key_bytes = SEPARATOR.encode().join(_canonical(v) or b"" for v in row[: len(pk)])
        key = (
            int.from_bytes(hashlib.blake2b(key_bytes, digest_size=8).digest(), "big")
            if keyed
            else 0
        )
        prefix = key.to_bytes(8, "big")
        canons = [_canonical(v) for v in row[len(pk) :]]
        fps = [_hash(prefix, canon) for canon in canons]
        plains = [_hash(_NO_KEY, canon) for canon in canons] if keyed else fps
        for c, plain in zip(names, plains, strict=True):
            acc = totals[c]
            acc[0] += 1
            if plain is not None:
                acc[1] += 1
                acc[2] = (acc[2] + plain) & _MASK
        if buckets is None:
            exact.append((key, key & (BUCKETS - 1), [*fps, *plains] if keyed else fps))
            if len(exact) > EXACT_ROWS:
                buckets = {c: {} for c in names}
                for _key, b, f in exact:
                    _fold(buckets, names, b, f[: len(names)])
                exact = []
        else:
            _fold(buckets, names, key & (BUCKETS - 1), fps)
    if buckets is None:
        return _exact([(k, b, *f) for k, b, f in exact], names, keyed)
    return {
        c: ColumnPrints(
            exact=False,
            buckets={b: (r, n, s) for b, (r, n, s) in per.items()},
            has_key=keyed,
            total=(totals[c][0], totals[c][1], totals[c][2]),
        )
        for c, per in buckets.items()
    }


def _fold(
    buckets: dict[str, dict[int, list[int]]],
    names: Sequence[str],
    bucket: int,
    fps: Sequence[int | None],
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
