"""CREATE TABLE IF NOT EXISTS, whose downgrade is a guarded drop of what it created.

Every supported dialect has ``CREATE TABLE IF NOT EXISTS``, so the upgrade renders as plain
``op.create_table(..., if_not_exists=True)`` (Alembic's own renderer). Importing this package
(every revision the plugin writes does) gives that call an implementation that, online,
looks at the live database first, because ``IF NOT EXISTS`` alone is not enough:

- a same-named table made by hand with other columns would be skipped silently, and the
  indexes on its missing columns would then fail: it is reported, and its missing columns
  are added if-not-exists (nullable when NOT NULL without a default would fail on its rows);
- a PostgreSQL native enum is created by ``CREATE TYPE`` before the table, unconditionally
  in Alembic; a rerun (the table dropped, the type kept) would fail "type already exists":
  here the type is created only if missing;
- only a table it actually creates is recorded in the ledger (:mod:`.ledger`), so the
  downgrade's ``drop_table_if_empty(..., only_if_created=True)`` never drops a table that
  existed before the upgrade.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations, ops, toimpl

from . import _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


class CreateTableIfNotExistsOp(ops.CreateTableOp):
    """A create_table that is harmless when the table exists."""

    @classmethod
    def from_op(cls, op: ops.CreateTableOp) -> CreateTableIfNotExistsOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.if_not_exists = True
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # a guarded drop
        from .drop_table import DropTableIfEmptyOp

        return DropTableIfEmptyOp(
            self.table_name, schema=self.schema, create_op=self, only_if_created=True
        )


@Operations.implementation_for(ops.CreateTableOp, replace=True)
def create_table(operations: Operations, operation: ops.CreateTableOp) -> sa.Table:
    """Every ``op.create_table(..., if_not_exists=True)`` in a revision that imports this
    package (the plugin's revisions do) goes through :func:`create_table_if_not_exists`;
    any other ``create_table`` is Alembic's own."""
    if not operation.if_not_exists:
        return toimpl.create_table(operations, operation)
    return create_table_if_not_exists(operations, operation)


def create_table_if_not_exists(operations: Operations, operation: ops.CreateTableOp) -> sa.Table:
    if _support.offline(operations):
        return toimpl.create_table(operations, operation)
    table = operation.to_table(operations.migration_context)
    if _support.table_exists(operations, operation.table_name, operation.schema):
        _complete(operations, table)
        return table
    ledger.record(operations, ledger.TABLE, operation.table_name, operation.schema)
    if operations.migration_context.dialect.name == "postgresql":
        _create_missing_types(operations, table)
    return toimpl.create_table(operations, operation)


def _create_missing_types(operations: Operations, table: sa.Table) -> None:
    """Create the table's named types (PostgreSQL enums) only if missing.

    Alembic fires the table's ``before_create`` with ``checkfirst=False``; firing the types'
    own hook first, with ``checkfirst=True`` and Alembic's DDL runner, creates what is
    missing and notes every type in the runner's memo, so Alembic's pass skips them.
    """
    bind = operations.get_bind()
    for column in table.columns:
        type_ = column.type
        if isinstance(type_, sa.types.SchemaType):
            type_._on_table_create(table, bind, checkfirst=True, _ddl_runner=operations.impl)


def _complete(operations: Operations, table: sa.Table) -> None:
    """The table exists: report a different shape and add its missing columns."""
    from .add_column import AddColumnIfNotExistsOp

    insp = _support.inspector(operations)
    stored = _support.stored_name(operations, table.name)
    live = {c["name"] for c in insp.get_columns(stored, schema=table.schema)}
    missing = [c for c in table.columns if _support.stored_name(operations, c.name) not in live]
    where = _support.qualified(table.name, table.schema)
    if not missing:
        log.info("Table %s exists; skipping", where)
        return
    names = ", ".join(_support.printable(c.name) for c in missing)
    log.warning(
        "alembic-additive: table %s exists with other columns than the model; adding the "
        "missing column(s) %s if not exists",
        _support.printable(where),
        names,
    )
    rows: int | None = None
    for column in missing:
        if column.primary_key:
            log.warning(
                "alembic-additive: %s.%s is part of the model's primary key; not added",
                _support.printable(where),
                _support.printable(column.name),
            )
            continue
        copy: sa.Column[Any] = column._copy()
        copy.primary_key = False
        if not copy.nullable and copy.server_default is None:
            if rows is None:
                rows = _support.count(operations, table.name, table.schema, None)
            if rows:
                log.warning(
                    "alembic-additive: %s.%s is NOT NULL without a default and %s has %d row(s):"
                    " added as nullable; backfill, then tighten",
                    _support.printable(where),
                    _support.printable(column.name),
                    _support.printable(where),
                    rows,
                )
                copy.nullable = True
        operations.invoke(AddColumnIfNotExistsOp(table.name, copy, schema=table.schema))
