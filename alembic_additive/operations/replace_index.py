"""``op.replace_index_if_changed``: converge an index whose definition changed under the same
name (made unique, columns changed) to the model's definition.

Alembic writes such a change as ``drop_index`` + ``create_index`` of one name. Kept as two
idempotent operations it never converges: the drop is suppressed (the index is not in the
models under its *old* definition), ``create_index_if_not_exists`` finds the name and does
nothing, and ``alembic check`` fails forever. This operation looks at the live index: the
model's definition already → nothing; missing → created; otherwise dropped and created
again. What it did is recorded in the ledger (:mod:`.ledger`) so that the downgrade,
``restore_index_if_replaced``, puts back the old definition only where this upgrade replaced
it. A unique replacement over duplicate rows is refused by the upgrade-time guards (their
own module) before any DDL.
"""

from __future__ import annotations

import logging

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _indexes, _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("replace_index_if_changed")
class ReplaceIndexOp(ops.CreateIndexOp):
    """Make the index called ``index_name`` have this definition."""

    #: the definition before the upgrade (what the downgrade restores)
    previous: ops.CreateIndexOp | None = None

    @classmethod
    def replace_index_if_changed(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: list[str],
        *,
        schema: str | None = None,
        unique: bool = False,
    ) -> None:
        """Create the index, or replace a same-named index of another definition."""
        operations.invoke(cls(index_name, table_name, columns, schema=schema, unique=unique))

    @classmethod
    def from_ops(cls, create: ops.CreateIndexOp, drop: ops.DropIndexOp) -> ReplaceIndexOp:
        new: ReplaceIndexOp = _indexes.copy_as(cls, create)
        new.previous = drop.reverse() if drop._reverse is not None else None
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]
        from .restore_index import RestoreIndexOp

        if self.previous is None:
            raise ValueError("cannot reverse replace_index_if_changed without the old index")
        restore: RestoreIndexOp = _indexes.copy_as(RestoreIndexOp, self.previous)
        restore.replacement = self
        return restore


@Operations.implementation_for(ReplaceIndexOp)
def replace_index_if_changed(operations: Operations, operation: ReplaceIndexOp) -> None:
    name = str(operation.index_name)
    where = _support.qualified(operation.table_name, operation.schema, name)
    family = _support.dialect_family(operations)
    if _support.offline(operations):
        _indexes.drop(operations, name, operation.table_name, operation.schema)
        operations.invoke(_indexes.plain(operation, family))
        return
    live = _support.live_index(operations, name, operation.table_name, operation.schema)
    if live is not None and _indexes.matches(live, operation):
        log.info("Index %s has the model's definition; nothing to do", where)
        return
    if live is None:
        ledger.record(operations, ledger.INDEX, operation.table_name, operation.schema, name)
    else:
        if (
            ledger.recorded(operations, ledger.INDEX, operation.table_name, operation.schema, name)
            is None
        ):
            ledger.record(
                operations,
                ledger.INDEX,
                operation.table_name,
                operation.schema,
                name,
                ledger.REPLACED,
            )
        log.info("Index %s: replacing its definition with the model's", where)
        _indexes.drop(operations, name, operation.table_name, operation.schema)
    operations.invoke(_indexes.plain(operation, family))


@renderers.dispatch_for(ReplaceIndexOp)
def render_replace_index_if_changed(autogen_context: AutogenContext, op: ReplaceIndexOp) -> str:
    return _indexes.render(autogen_context, op, "replace_index_if_changed")
