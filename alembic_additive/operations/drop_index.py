"""``op.drop_index_if_exists``: the downgrade of an added index.

Dropping an index loses no data, so it is not guarded by counts; it only tolerates the index
being gone already (native ``DROP INDEX IF EXISTS`` where the dialect has it).
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _support

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
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.schema = schema
        self.create_op = create_op

    @classmethod
    def drop_index_if_exists(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Drop an index unless it is already gone."""
        operations.invoke(cls(index_name, table_name, schema=schema))

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
    family = _support.dialect_family(operations)
    must_look = family not in _NATIVE and not _support.offline(operations)
    if must_look and not _support.index_exists(
        operations, operation.index_name, operation.table_name, operation.schema
    ):
        log.info("Index %s does not exist; nothing to drop", operation.index_name)
        return
    operations.drop_index(
        operation.index_name,
        table_name=operation.table_name,
        schema=operation.schema,
        if_exists=True if family in _NATIVE else None,
    )


@renderers.dispatch_for(DropIndexIfExistsOp)
def render_drop_index_if_exists(autogen_context: AutogenContext, op: DropIndexIfExistsOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"{prefix}drop_index_if_exists({op.index_name!r}, {op.table_name!r}{schema})"
