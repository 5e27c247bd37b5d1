"""``op.restore_index_if_replaced``: the downgrade of ``replace_index_if_changed``.

It acts only on what the ledger (:mod:`.ledger`) says the upgrade did: an index it replaced
gets its old definition back; an index it created is dropped; an index it found already
right (or never touched) is left alone. Offline nothing can be looked up: it refuses unless
forced, and forced it drops (if exists) and creates the old definition.
"""

from __future__ import annotations

import logging

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _indexes, _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("restore_index_if_replaced")
class RestoreIndexOp(ops.CreateIndexOp):
    """Give the index called ``index_name`` back this (old) definition, if it was replaced."""

    #: the upgrade's definition (the reverse of this operation)
    replacement: ops.CreateIndexOp | None = None

    @classmethod
    def restore_index_if_replaced(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: list[str],
        *,
        schema: str | None = None,
        unique: bool = False,
    ) -> None:
        """Restore the old definition of an index the upgrade replaced (or drop one it made)."""
        operations.invoke(cls(index_name, table_name, columns, schema=schema, unique=unique))

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]
        from .replace_index import ReplaceIndexOp

        if self.replacement is None:
            raise ValueError("cannot reverse restore_index_if_replaced without the new index")
        replace: ReplaceIndexOp = _indexes.copy_as(ReplaceIndexOp, self.replacement)
        replace.previous = self
        return replace


@Operations.implementation_for(RestoreIndexOp)
def restore_index_if_replaced(operations: Operations, operation: RestoreIndexOp) -> None:
    name = str(operation.index_name)
    table, schema = operation.table_name, operation.schema
    where = _support.qualified(table, schema, name)
    family = _support.dialect_family(operations)
    if _support.offline(operations):
        if not _support.is_forced(operations):
            raise _support.RefusedDrop(
                f"alembic-additive: cannot tell in --sql mode whether the upgrade replaced index "
                f"{where}; pass -x {_support.FORCE_FLAG}=1 to emit the old definition anyway"
            )
        _indexes.drop(operations, name, table, schema)
        operations.invoke(_indexes.plain(operation, family))
        return
    action = ledger.recorded(operations, ledger.INDEX, table, schema, name)
    if action is None:
        log.info("Index %s was not changed by the upgrade; kept", where)
        return
    live = _support.live_index(operations, name, table, schema)
    if action == ledger.CREATED:
        if live is not None:
            _indexes.drop(operations, name, table, schema)
    elif live is None or not _indexes.matches(live, operation):
        if live is not None:
            _indexes.drop(operations, name, table, schema)
        operations.invoke(_indexes.plain(operation, family))
    ledger.forget(operations, ledger.INDEX, table, schema, name)


@renderers.dispatch_for(RestoreIndexOp)
def render_restore_index_if_replaced(autogen_context: AutogenContext, op: RestoreIndexOp) -> str:
    return _indexes.render(autogen_context, op, "restore_index_if_replaced")
