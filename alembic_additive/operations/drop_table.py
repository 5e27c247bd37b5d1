"""``op.drop_table_if_empty``: the downgrade of a created table, guarded against data loss.

It drops the table only while it has no row; otherwise it refuses with the table's name and
row count unless forced with ``-x additive_force=1``. Offline (``--sql``) it refuses unless
forced, because nothing can be counted. Rendered with ``only_if_created=True`` (the
downgrade of ``create_table(..., if_not_exists=True)``), it drops only a table the ledger
(:mod:`.ledger`) says the upgrade created.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("drop_table_if_empty")
class DropTableIfEmptyOp(ops.MigrateOperation):
    """Drop ``table_name`` only if it has no row (or is already gone)."""

    def __init__(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        create_op: ops.CreateTableOp | None = None,
        only_if_created: bool = False,
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.create_op = create_op
        #: drop only a table the upgrade created (the downgrade of create_table if_not_exists)
        self.only_if_created = only_if_created

    @classmethod
    def drop_table_if_empty(
        cls,
        operations: Operations,
        table_name: str,
        *,
        schema: str | None = None,
        only_if_created: bool = False,
    ) -> None:
        """Drop a table unless it has rows (with ``only_if_created``: or the upgrade did not
        create it)."""
        operations.invoke(cls(table_name, schema=schema, only_if_created=only_if_created))

    def reverse(self) -> ops.MigrateOperation:
        from .create_table import CreateTableIfNotExistsOp

        if self.create_op is None:
            raise ValueError("cannot reverse drop_table_if_empty without the table definition")
        return CreateTableIfNotExistsOp.from_op(self.create_op)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_table", self.create_op.to_table() if self.create_op else self.table_name)


@Operations.implementation_for(DropTableIfEmptyOp)
def drop_table_if_empty(operations: Operations, operation: DropTableIfEmptyOp) -> None:
    name = _support.qualified(operation.table_name, operation.schema)
    forced = _support.is_forced(operations)
    if _support.offline(operations):
        if not forced:
            raise _support.RefusedDrop(
                f"alembic-additive: cannot check that table {name} is empty in --sql mode; "
                f"pass -x {_support.FORCE_FLAG}=1 to emit the DROP anyway"
            )
    else:
        if (
            operation.only_if_created
            and ledger.recorded(operations, ledger.TABLE, operation.table_name, operation.schema)
            is None
        ):
            log.info("Table %s was not created by the upgrade; kept", name)
            return
        if not _support.table_exists(operations, operation.table_name, operation.schema):
            log.info("Table %s does not exist; nothing to drop", name)
            return
        rows = _support.count(operations, operation.table_name, operation.schema, None)
        if rows and not forced:
            raise _support.RefusedDrop(
                f"alembic-additive: refusing to drop table {name}: it holds {rows} row(s). "
                f"Move them first, or pass -x {_support.FORCE_FLAG}=1 to drop it anyway"
            )
        if rows:
            log.warning("Forced: dropping table %s with %d row(s)", name, rows)
    operations.drop_table(
        _support.stored_name(operations, operation.table_name), schema=operation.schema
    )
    if not _support.offline(operations):
        ledger.forget(operations, ledger.TABLE, operation.table_name, operation.schema)


@renderers.dispatch_for(DropTableIfEmptyOp)
def render_drop_table_if_empty(autogen_context: AutogenContext, op: DropTableIfEmptyOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    extra = f", schema={op.schema!r}" if op.schema else ""
    if op.only_if_created:
        extra += ", only_if_created=True"
    return f"{prefix}drop_table_if_empty({op.table_name!r}{extra})"
