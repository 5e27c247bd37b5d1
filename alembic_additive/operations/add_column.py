"""``op.add_column_if_not_exists``: an ADD COLUMN that is a no-op when the column exists.

PostgreSQL and MariaDB have ``ADD COLUMN IF NOT EXISTS``; SQLite and MySQL do not, so the
implementation looks at the live table first on every dialect (which also skips the foreign
keys Alembic would add after the column) and uses the native clause where there is one, so
two concurrent runs on PostgreSQL cannot both add it. A column it adds is recorded in the
ledger (:mod:`.ledger`), so the downgrade drops only a column this upgrade added.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops
from alembic.util import CommandError

from ..sqlite.rebuild import TableChange, needs_rebuild_to_add, rebuild_table
from . import _exact, _support, ledger

log = logging.getLogger(f"alembic.{__name__}")

_NATIVE = ("postgresql", "mariadb")


@Operations.register_operation("add_column_if_not_exists")
class AddColumnIfNotExistsOp(ops.AddColumnOp):
    """Add ``column`` to ``table_name`` unless the table already has a column of that name."""

    def __init__(
        self,
        table_name: str,
        column: sa.Column[Any],
        *,
        schema: str | None = None,
        backfill_rows: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(table_name, column, schema=schema, **kw)
        #: set when a NOT NULL model column is added as nullable: the table's row count
        self.backfill_rows = backfill_rows

    @classmethod
    def add_column_if_not_exists(
        cls,
        operations: Operations,
        table_name: str,
        column: sa.Column[Any],
        *,
        schema: str | None = None,
    ) -> None:
        """Add a column unless it exists; safe to run twice."""
        operations.invoke(cls(table_name, column, schema=schema))

    @classmethod
    def from_op(cls, op: ops.AddColumnOp, nullable: bool | None = None) -> AddColumnIfNotExistsOp:
        column = op.column
        if nullable is not None and column.nullable != nullable:
            column = column._copy()
            column.nullable = nullable
        return cls(op.table_name, column, schema=op.schema, **op.kw)

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # a guarded drop
        from .drop_column import DropColumnIfEmptyOp

        return DropColumnIfEmptyOp(
            self.table_name,
            self.column.name,
            schema=self.schema,
            default=_exact.filled_default(self.column),
            column=self.column,
            only_if_created=True,
        )


@Operations.implementation_for(AddColumnIfNotExistsOp)
def add_column_if_not_exists(operations: Operations, operation: AddColumnIfNotExistsOp) -> None:
    name = _support.qualified(operation.table_name, operation.schema, operation.column.name)
    family = _support.dialect_family(operations)
    if not _support.offline(operations) and _support.column_exists(
        operations, operation.table_name, operation.column.name, operation.schema
    ):
        log.info("Column %s exists; skipping add", name)
        return
    if not _support.offline(operations):
        ledger.record(
            operations, ledger.COLUMN, operation.table_name, operation.schema, operation.column.name
        )
    if family == "sqlite" and needs_rebuild_to_add(operation.column):
        # SQLite's ADD COLUMN refuses expression defaults and STORED generated columns:
        # add it through SQLite's own rebuild procedure (what batch mode would have done)
        if _support.offline(operations):
            raise CommandError(
                f"alembic-additive: adding {name} on SQLite rebuilds the table from its "
                "stored definition, which --sql mode cannot read; run the upgrade online"
            )
        rebuild_table(
            operations.get_bind(),
            operation.table_name,
            operation.schema,
            TableChange(add=[operation.column]),
        )
        _note_filled(operations, operation)
        return
    if _support.offline(operations) and family not in _NATIVE:
        log.warning(
            "Offline SQL for %s: %s has no ADD COLUMN IF NOT EXISTS; run it once", name, family
        )
    plain = ops.AddColumnOp(
        operation.table_name,
        operation.column,
        schema=operation.schema,
        if_not_exists=True if family in _NATIVE else None,
        **operation.kw,
    )
    operations.invoke(plain)
    if not _support.offline(operations) and family in ("mariadb", "mysql"):
        _note_filled(operations, operation)


def _note_filled(operations: Operations, operation: AddColumnIfNotExistsOp) -> None:
    """MariaDB/MySQL (and SQLite, whose rebuild fills the rows) keep no record of what an
    expression default (``now()``) just filled into the rows present: read it now and keep
    it in the ledger, so the downgrade can tell it from values written since (PostgreSQL
    keeps its own record, ``attmissingval``)."""
    default = _exact.filled_default(operation.column)
    if default is None or isinstance(default, str):
        return  # no default, or a literal the downgrade compares against itself
    filled = _exact.read_filled(
        operations.get_bind(),
        _support.stored_name(operations, operation.table_name),
        operation.schema,
        _support.stored_name(operations, operation.column.name),
    )
    if filled is not None:
        ledger.note_detail(
            operations,
            ledger.COLUMN,
            operation.table_name,
            operation.schema,
            operation.column.name,
            filled,
        )


@renderers.dispatch_for(AddColumnIfNotExistsOp)
def render_add_column_if_not_exists(
    autogen_context: AutogenContext, op: AddColumnIfNotExistsOp
) -> list[str]:
    autogen_context.imports.add(_support.IMPORT_LINE)
    plain = ops.AddColumnOp(op.table_name, op.column, schema=op.schema)
    text = render_op_text(autogen_context, plain).replace(
        "add_column(", "add_column_if_not_exists(", 1
    )
    if op.backfill_rows is None:
        return [text]
    table = _support.qualified(op.table_name, op.schema)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    schema = f", schema={op.schema!r}" if op.schema else ""
    table = _support.printable(table)
    return [
        f"# alembic-additive: {table}.{_support.printable(op.column.name)} is NOT NULL in the "
        f"model, but {table} has "
        f"{op.backfill_rows} row(s)",
        "# and no server default fills them, so it is added as nullable. Backfill, then tighten:",
        f"#     {prefix}alter_column({op.table_name!r}, {op.column.name!r}, "
        f"nullable=False{schema})",
        text,
    ]
