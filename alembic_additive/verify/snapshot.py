"""Count what is in the database before and after a revision, and compare the two counts.

A snapshot holds, for every table, its columns, its row count and the non-null count of every
column. Each table costs one query: the same ``SELECT count(*), count(a), count(b), ... FROM t``
the probe uses (:func:`alembic_additive.probe.count_statement`), built by SQLAlchemy so every
identifier is quoted by the dialect, and read in one scan. Columns come from one reflection
call per schema (``Inspector.get_multi_columns``), on a fresh inspector so nothing is cached
across revisions.

Counting every table after every revision makes verify's cost grow with the data, not
with what the revisions do. On PostgreSQL, :class:`ChangeTracker` avoids that: a table is
recounted only if something could have changed its counts since the last snapshot, and
otherwise its previous counts are carried over. "Could have changed" is read from the
catalog and the transaction's own statistics, in one query per revision:

* ``pg_stat_get_xact_tuples_inserted/updated/deleted``: rows written by this transaction
  (including triggers, cascades and subtransactions);
* ``relfilenode``: a new one means the table was rewritten or truncated;
* the live columns with their ``attnum``: a dropped, added or re-added column;
* the transaction id: if it changed, a commit happened in between (``autocommit_block()``)
  and the statistics no longer cover the revision, so every table is recounted.

Partitioned and inheritance parents are always recounted (their children's writes are not in
their statistics), and so is everything when ``track_counts`` is off. Writes made through
another connection (a revision that opens its own engine) are not in this transaction's
statistics: ``recount_all`` (``--recount-all``) counts every table every time instead.

Only counts are read; no value ever leaves the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..findings import TableRef
from ..probe import Request, count_statement
from . import LossKind, Violation


@dataclass(frozen=True)
class TableState:
    """One table's counts: rows, and non-null values per column (in column order)."""

    rows: int
    non_null: Mapping[str, int]


@dataclass(frozen=True)
class Snapshot:
    """Every counted table of the database at one moment."""

    tables: Mapping[TableRef, TableState]

    def replace(self, changed: Mapping[TableRef, TableState]) -> Snapshot:
        """A copy with some tables recounted (after seeding them)."""
        return Snapshot({**self.tables, **changed})


def list_columns(
    connection: sa.Connection,
    schemas: Sequence[str | None],
    exclude: Callable[[TableRef], bool],
) -> dict[TableRef, list[str]]:
    """Every table's column names, one reflection call per schema (views are not tables)."""
    inspector = sa.inspect(connection)
    out: dict[TableRef, list[str]] = {}
    for schema in schemas:
        reflected = inspector.get_multi_columns(schema=_named(connection, schema))
        for (_, name), columns in reflected.items():
            ref = TableRef(schema, name)
            if not exclude(ref):
                out[ref] = [str(c["name"]) for c in columns]
    return dict(sorted(out.items(), key=lambda item: (item[0].schema or "", item[0].name)))


def _named(connection: sa.Connection, schema: str | None) -> str | None:
    """The default schema by its name (the one the connection had when it opened). An
    unqualified name means what the search path says *now*, and a revision may change it
    (``SET search_path TO tenant, public`` left in place): then a query of ``items`` reads
    ``tenant.items``, and reflection lists the tables the path shows, not the ones counted
    before."""
    return schema if schema is not None else connection.dialect.default_schema_name


def count_table(connection: sa.Connection, ref: TableRef, columns: Iterable[str]) -> TableState:
    """Rows and non-null counts of one table, in one query and one scan."""
    names = list(columns)
    named = TableRef(_named(connection, ref.schema), ref.name)
    stmt, order, _ = count_statement(connection.dialect, Request(named, non_null=set(names)))
    row = connection.execute(stmt).one()
    counts = dict(zip(order, (int(v or 0) for v in row[1:]), strict=True))
    return TableState(rows=int(row[0] or 0), non_null={n: counts[n] for n in names})


def take(
    connection: sa.Connection,
    schemas: Sequence[str | None],
    exclude: Callable[[TableRef], bool],
    previous: Snapshot | None = None,
    unchanged: Collection[TableRef] = (),
) -> Snapshot:
    """Count every table in ``schemas`` except those ``exclude`` rejects (the version table).

    A table in ``unchanged`` keeps its counts from ``previous`` (if it has the same columns
    there) instead of being scanned again.
    """
    columns = list_columns(connection, schemas, exclude)
    tables: dict[TableRef, TableState] = {}
    for ref, cols in columns.items():
        old = previous.tables.get(ref) if previous is not None else None
        if old is not None and ref in unchanged and list(old.non_null) == cols:
            tables[ref] = old
        else:
            tables[ref] = count_table(connection, ref, cols)
    return Snapshot(tables)


Marks = tuple[Any, dict[TableRef, tuple[Any, ...]]]
"""The transaction id, and per table what would differ if its counts could have changed."""

_MARKS = sa.text(
    """
    SELECT n.nspname, c.relname, c.oid, c.relfilenode,
           c.relkind = 'p' OR c.relhassubclass AS parent,
           pg_catalog.pg_stat_get_xact_tuples_inserted(c.oid),
           pg_catalog.pg_stat_get_xact_tuples_updated(c.oid),
           pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid),
           (SELECT pg_catalog.array_agg(a.attnum::text || ':' || a.attname ORDER BY a.attnum)
              FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)
    """
)


class ChangeTracker:
    """Which tables a revision may have changed, from PostgreSQL's own bookkeeping.

    Both :meth:`marks` calls around a revision must run in the same transaction as the
    revision (the transaction statistics start at zero in each transaction).
    """

    def __init__(self, schemas: dict[str, str | None]) -> None:
        self.schemas = schemas  # catalog schema name -> the schema as TableRef names it

    @classmethod
    def for_connection(
        cls, connection: sa.Connection, schemas: Sequence[str | None]
    ) -> ChangeTracker | None:
        """A tracker, or None where there is none (not PostgreSQL, ``track_counts`` off)."""
        if connection.dialect.name != "postgresql":
            return None
        setting = connection.execute(sa.text("SELECT current_setting('track_counts')")).scalar()
        if setting != "on":
            return None
        default = connection.execute(sa.text("SELECT current_schema()")).scalar()
        names: dict[str, str | None] = {}
        for schema in schemas:
            if schema is None:
                if default is not None:
                    names[str(default)] = None
            else:
                names[schema] = schema
        return cls(names)

    def marks(self, connection: sa.Connection) -> Marks:
        xid = connection.execute(sa.text("SELECT pg_catalog.txid_current()")).scalar()
        rows = connection.execute(_MARKS, {"schemas": list(self.schemas)}).all()
        marks: dict[TableRef, tuple[Any, ...]] = {}
        for nspname, relname, *rest in rows:
            ref = TableRef(self.schemas[str(nspname)], str(relname))
            marks[ref] = tuple(tuple(v) if isinstance(v, list) else v for v in rest)
        return xid, marks

    @staticmethod
    def updated(before: Marks, after: Marks) -> set[TableRef]:
        """Tables with rows updated or the table rewritten between the two marks (what
        could have changed existing values); none when a commit happened in between."""
        if before[0] != after[0]:
            return set()  # the statistics do not cover the revision: nothing to say
        old = before[1]
        found = set()
        for ref, mark in after[1].items():
            prev = old.get(ref)
            # mark: oid, relfilenode, parent, inserted, updated, deleted, columns
            if prev is None or prev[1] != mark[1] or prev[4] != mark[4]:
                found.add(ref)
        return found

    @staticmethod
    def unchanged(before: Marks, after: Marks) -> set[TableRef]:
        """Tables whose counts cannot have changed between the two marks."""
        if before[0] != after[0]:
            return set()  # a commit in between: the statistics do not cover the revision
        old = before[1]
        return {
            ref
            for ref, mark in after[1].items()
            if old.get(ref) == mark and not mark[2]  # mark[2]: a parent table
        }


def compare(revision: str, before: Snapshot, after: Snapshot) -> list[Violation]:
    """The losses between two snapshots, attributed to ``revision``.

    A table that lost rows necessarily loses non-null values too; reporting each of its
    columns would bury the one line that matters. So on such a table a column is reported
    only when its non-null count fell by more than the rows did, which proves that values
    were also cleared in rows that survived.
    """
    found: list[Violation] = []
    for ref, old in before.tables.items():
        table = str(ref)
        new = after.tables.get(ref)
        if new is None:
            found.append(Violation(revision, LossKind.TABLE_REMOVED, table, None, old.rows, None))
            continue
        rows_lost = max(0, old.rows - new.rows)
        if rows_lost:
            found.append(Violation(revision, LossKind.ROWS_LOST, table, None, old.rows, new.rows))
        for column, count in old.non_null.items():
            now = new.non_null.get(column)
            if now is None:
                found.append(
                    Violation(revision, LossKind.COLUMN_REMOVED, table, column, count, None)
                )
            elif count - now > rows_lost:
                found.append(Violation(revision, LossKind.VALUES_LOST, table, column, count, now))
    return found
