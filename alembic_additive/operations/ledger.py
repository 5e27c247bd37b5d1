"""The ledger: which objects an upgrade actually created (or replaced), so that a downgrade
undoes only that.

An ``*_if_not_exists`` operation is a no-op when its object exists already, so "the upgrade
adds ``ix_users_email``" does not mean "the upgrade created it": the index may have been made
by hand before. The revision file cannot know which happened; only the database it ran on
can. So the upgrade operations write one row to ``alembic_additive_ledger`` when, and only
when, they are about to create (or replace) something, and the reversing operations of the
downgrade act only on objects the ledger lists, deleting the row afterwards.

The row is written *before* the DDL: on dialects without transactional DDL a crash between
the two then leaves a row for an object that the rerun creates, never an object without its
row (which the downgrade would wrongly keep forever, or worse, a row-less object that
somebody else relies on). The table lives beside Alembic's version table (same schema); it
is created on first use with ``CREATE TABLE IF NOT EXISTS`` through SQLAlchemy, so every
identifier is quoted by SQLAlchemy, and autogenerate, ``audit`` and ``verify`` never report
it (:data:`LEDGER_TABLE` is filtered out like the version table).

Offline (``--sql``) nothing can be looked up or recorded: see the operations for what they
emit then.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic.operations import AbstractOperations

log = logging.getLogger(f"alembic.{__name__}")

LEDGER_TABLE = "alembic_additive_ledger"

CREATED = "created"
REPLACED = "replaced"

# kinds of object
TABLE = "table"
COLUMN = "column"
INDEX = "index"
CONSTRAINT = "constraint"
#: a kept NOT NULL the upgrade really tightened (the column was nullable before)
NOT_NULL = "not_null"


def _table(schema: str | None) -> sa.Table:
    return sa.Table(
        LEDGER_TABLE,
        sa.MetaData(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("schema_name", sa.String(255), nullable=False),
        sa.Column("table_name", sa.String(255), nullable=False),
        sa.Column("object_name", sa.String(255), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        #: what the upgrade left behind that only it knows, e.g. the value an ADD COLUMN with
        #: an expression default (``now()``) filled into the rows present then (as text).
        #: Nullable, and absent from a ledger created before it existed: then "no record".
        sa.Column("detail", sa.Text(), nullable=True),
        schema=schema,
    )


def _schema(operations: AbstractOperations) -> str | None:
    return operations.migration_context.version_table_schema


def _where(
    t: sa.Table, kind: str, schema: str | None, table: str, name: str
) -> sa.ColumnElement[bool]:
    return sa.and_(
        t.c.kind == kind,
        t.c.schema_name == (schema or ""),
        t.c.table_name == table,
        t.c.object_name == name,
    )


def record(
    operations: AbstractOperations,
    kind: str,
    table: str,
    schema: str | None,
    name: str = "",
    action: str = CREATED,
) -> None:
    """Note that the running upgrade creates (or replaces) this object. Online only."""
    if operations.migration_context.as_sql:
        return
    bind = operations.get_bind()
    t = _table(_schema(operations))
    t.create(bind, checkfirst=True)
    bind.execute(sa.delete(t).where(_where(t, kind, schema, table, name)))
    bind.execute(
        sa.insert(t).values(
            kind=kind,
            schema_name=schema or "",
            table_name=table,
            object_name=name,
            action=action,
        )
    )
    log.debug("Ledger: %s %s %s.%s %s", action, kind, table, name, schema or "")


def recorded(
    operations: AbstractOperations, kind: str, table: str, schema: str | None, name: str = ""
) -> str | None:
    """What an upgrade did to this object (``created``/``replaced``), or None: left alone."""
    bind = operations.get_bind()
    t = _table(_schema(operations))
    if not sa.inspect(bind).has_table(LEDGER_TABLE, schema=t.schema):
        return None
    row = bind.execute(sa.select(t.c.action).where(_where(t, kind, schema, table, name))).first()
    return None if row is None else str(row[0])


def _has_detail(bind: sa.Connection, t: sa.Table) -> bool:
    """Whether the ledger table has the ``detail`` column (an older ledger may not)."""
    insp = sa.inspect(bind)
    if not insp.has_table(LEDGER_TABLE, schema=t.schema):
        return False
    return any(c["name"] == "detail" for c in insp.get_columns(LEDGER_TABLE, schema=t.schema))


def note_detail(
    operations: AbstractOperations,
    kind: str,
    table: str,
    schema: str | None,
    name: str,
    detail: str,
) -> None:
    """Add ``detail`` to the row :func:`record` wrote for this object. Online only; a ledger
    without the column (made before it existed) keeps no detail: the downgrade then acts as
    if nothing was recorded, which only ever keeps more."""
    if operations.migration_context.as_sql:
        return
    bind = operations.get_bind()
    t = _table(_schema(operations))
    if not _has_detail(bind, t):
        log.debug("Ledger without a detail column: %s.%s not noted", table, name)
        return
    bind.execute(sa.update(t).where(_where(t, kind, schema, table, name)).values(detail=detail))


def recorded_detail(
    operations: AbstractOperations, kind: str, table: str, schema: str | None, name: str = ""
) -> str | None:
    """The detail :func:`note_detail` kept for this object, or None (none, or no such column)."""
    bind = operations.get_bind()
    t = _table(_schema(operations))
    if not _has_detail(bind, t):
        return None
    row = bind.execute(sa.select(t.c.detail).where(_where(t, kind, schema, table, name))).first()
    return None if row is None or row[0] is None else str(row[0])


def forget(
    operations: AbstractOperations, kind: str, table: str, schema: str | None, name: str = ""
) -> None:
    """The downgrade undid it: the row goes (and every row below a dropped table)."""
    bind = operations.get_bind()
    t = _table(_schema(operations))
    if not sa.inspect(bind).has_table(LEDGER_TABLE, schema=t.schema):
        return
    bind.execute(sa.delete(t).where(_where(t, kind, schema, table, name)))
    if kind == TABLE:
        bind.execute(
            sa.delete(t).where(sa.and_(t.c.schema_name == (schema or ""), t.c.table_name == table))
        )
