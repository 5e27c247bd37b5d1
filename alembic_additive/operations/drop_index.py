"""``op.drop_index_if_exists``: drop an index, tolerating it being gone already.

Two uses. A drop kept by configuration (``policy = {"drop-index": "allow"}``) renders as
``drop_index_if_exists(name, table)``, so the upgrade runs twice. The downgrade of an added
index renders as ``drop_index_if_exists(name, table, only_if_created=True)``: it drops the
index only if the ledger (:mod:`.ledger`) says the upgrade created it, so an index that
existed before the upgrade (its ``create_index_if_not_exists`` was a no-op) survives the
downgrade. Offline, ``only_if_created`` cannot be checked and refuses unless forced.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _support, ledger

log = logging.getLogger(f"alembic.{__name__}")

_NATIVE = ("postgresql", "sqlite", "mariadb")


@Operations.register_operation("drop_index_if_exists")
class DropIndexIfExistsOp(ops.MigrateOperation):
    """Drop an index if it exists."""

    def __init__(
        self,
        index_name: str | None,
        table_name: str,
        *,
        schema: str | None = None,
        create_op: ops.CreateIndexOp | None = None,
        only_if_created: bool = False,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.schema = schema
        self.create_op = create_op
        #: drop only what the upgrade created (the downgrade of create_index_if_not_exists)
        self.only_if_created = only_if_created

    @classmethod
    def drop_index_if_exists(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        *,
        schema: str | None = None,
        only_if_created: bool = False,
    ) -> None:
        """Drop an index unless it is already gone (or, with ``only_if_created``, unless the
        upgrade did not create it)."""
        operations.invoke(
            cls(index_name, table_name, schema=schema, only_if_created=only_if_created)
        )

    def reverse(self) -> ops.MigrateOperation:
        from .create_index import CreateIndexIfNotExistsOp

        if self.create_op is None:
            raise ValueError("cannot reverse drop_index_if_exists without the index definition")
        return CreateIndexIfNotExistsOp.from_op(self.create_op)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_index", self.create_op.to_index() if self.create_op else self.index_name)


@Operations.implementation_for(DropIndexIfExistsOp)
def drop_index_if_exists(operations: Operations, operation: DropIndexIfExistsOp) -> None:
    if operation.index_name is None:
        raise ValueError("drop_index_if_exists needs an index name")
    name = _support.qualified(operation.table_name, operation.schema, operation.index_name)
    family = _support.dialect_family(operations)
    if _support.offline(operations):
        if operation.only_if_created and not _support.is_forced(operations):
            raise _support.RefusedDrop(
                f"alembic-additive: cannot tell in --sql mode whether the upgrade created index "
                f"{name}; pass -x {_support.FORCE_FLAG}=1 to emit the DROP anyway"
            )
    else:
        if (
            operation.only_if_created
            and ledger.recorded(
                operations,
                ledger.INDEX,
                operation.table_name,
                operation.schema,
                operation.index_name,
            )
            is None
        ):
            log.info("Index %s was not created by the upgrade; kept", name)
            return
        if not _support.index_exists(
            operations, operation.index_name, operation.table_name, operation.schema
        ):
            log.info("Index %s does not exist; nothing to drop", name)
            ledger.forget(
                operations,
                ledger.INDEX,
                operation.table_name,
                operation.schema,
                operation.index_name,
            )
            return
    operations.drop_index(
        _support.stored_name(operations, operation.index_name),
        table_name=_support.stored_name(operations, operation.table_name),
        schema=operation.schema,
        if_exists=True if family in _NATIVE else None,
    )
    if not _support.offline(operations):
        ledger.forget(
            operations, ledger.INDEX, operation.table_name, operation.schema, operation.index_name
        )


@renderers.dispatch_for(DropIndexIfExistsOp)
def render_drop_index_if_exists(autogen_context: AutogenContext, op: DropIndexIfExistsOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    extra = f", schema={op.schema!r}" if op.schema else ""
    if op.only_if_created:
        extra += ", only_if_created=True"
    name = _support.rendered_name(autogen_context, op.index_name)
    return f"{prefix}drop_index_if_exists({name}, {op.table_name!r}{extra})"
