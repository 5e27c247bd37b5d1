"""``op.drop_column_safe``: a drop kept by configuration (``additive_allow_drop``) that
cannot cascade on SQLite.

Alembic's batch mode drops a column on SQLite by copying the table and running ``DROP
TABLE`` on the original, with ``PRAGMA foreign_keys`` still on if the app turned it on: every
``ON DELETE CASCADE`` child row goes too. This operation rebuilds the table with SQLite's own
procedure instead (:mod:`alembic_additive.sqlite.rebuild`; indexes on the column go with it,
as with batch mode; a trigger that uses it refuses the drop), and is a no-op when the column
is already gone. On other dialects it is exactly ``op.drop_column``.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops
from alembic.util import CommandError

from ..sqlite.rebuild import TableChange, rebuild_table
from . import _support

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("drop_column_safe")
class DropColumnSafeOp(ops.DropColumnOp):
    """``drop_column`` that rebuilds the table safely on SQLite."""

    @classmethod
    def drop_column_safe(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Same arguments as ``op.drop_column``; on SQLite the table is rebuilt."""
        operations.invoke(cls(table_name, column_name, schema=schema, **kw))

    @classmethod
    def from_op(cls, op: ops.DropColumnOp) -> DropColumnSafeOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        return new

    def plain(self) -> ops.DropColumnOp:
        op = ops.DropColumnOp.__new__(ops.DropColumnOp)
        op.__dict__.update(self.__dict__)
        return op


@Operations.implementation_for(DropColumnSafeOp)
def drop_column_safe(operations: Operations, operation: DropColumnSafeOp) -> None:
    if operations.migration_context.dialect.name != "sqlite":
        operations.invoke(operation.plain())
        return
    name = _support.qualified(operation.table_name, operation.schema, operation.column_name)
    if _support.offline(operations):
        raise CommandError(
            f"alembic-additive: dropping {name} on SQLite rebuilds the table from its stored "
            "definition, which --sql mode cannot read; run the upgrade online"
        )
    if not _support.column_exists(
        operations, operation.table_name, operation.column_name, operation.schema
    ):
        log.info("Column %s does not exist; nothing to drop", name)
        return
    rebuild_table(
        operations.get_bind(),
        operation.table_name,
        operation.schema,
        TableChange(drop=[operation.column_name]),
    )


@renderers.dispatch_for(DropColumnSafeOp)
def render_drop_column_safe(autogen_context: AutogenContext, op: DropColumnSafeOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    text = render_op_text(autogen_context, op.plain())
    return text.replace("drop_column(", "drop_column_safe(", 1)
