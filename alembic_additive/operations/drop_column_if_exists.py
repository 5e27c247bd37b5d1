"""``op.drop_column_if_exists``: a column drop kept by configuration (``allow_drop``,
``policy = {"drop-column": "allow"}``), written so the upgrade runs twice.

PostgreSQL and MariaDB have ``DROP COLUMN IF EXISTS``; SQLite and MySQL do not, so online
the live table is checked first on every dialect. The drop was asked for by the user; it is
not guarded by counts (that is what ``drop_column_if_empty`` is for).
"""

from __future__ import annotations

import logging

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _support

log = logging.getLogger(f"alembic.{__name__}")

_NATIVE = ("postgresql", "mariadb")


@Operations.register_operation("drop_column_if_exists")
class DropColumnIfExistsOp(ops.DropColumnOp):
    """Alembic's drop_column, a no-op when the column is gone already."""

    @classmethod
    def drop_column_if_exists(
        cls, operations: Operations, table_name: str, column_name: str, *, schema: str | None = None
    ) -> None:
        """Drop a column unless it is gone already."""
        operations.invoke(cls(table_name, column_name, schema=schema))

    @classmethod
    def from_op(cls, op: ops.DropColumnOp) -> DropColumnIfExistsOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.if_exists = None
        return new


@Operations.implementation_for(DropColumnIfExistsOp)
def drop_column_if_exists(operations: Operations, operation: DropColumnIfExistsOp) -> None:
    family = _support.dialect_family(operations)
    name = _support.qualified(operation.table_name, operation.schema, operation.column_name)
    if not _support.offline(operations) and not _support.column_exists(
        operations, operation.table_name, operation.column_name, operation.schema
    ):
        log.info("Column %s does not exist; nothing to drop", name)
        return
    operations.drop_column(
        _support.stored_name(operations, operation.table_name),
        _support.stored_name(operations, operation.column_name),
        schema=operation.schema,
        if_exists=True if family in _NATIVE else None,
    )


@renderers.dispatch_for(DropColumnIfExistsOp)
def render_drop_column_if_exists(autogen_context: AutogenContext, op: DropColumnIfExistsOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"{prefix}drop_column_if_exists({op.table_name!r}, {op.column_name!r}{schema})"
