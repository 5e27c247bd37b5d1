"""``op.create_index_if_not_exists``: CREATE INDEX that is a no-op when the index exists.

PostgreSQL, SQLite and MariaDB have ``CREATE INDEX IF NOT EXISTS``; MySQL does not, so
there the live table is checked first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops

from . import _support

log = logging.getLogger(f"alembic.{__name__}")

_NATIVE = ("postgresql", "sqlite", "mariadb")


@Operations.register_operation("create_index_if_not_exists")
class CreateIndexIfNotExistsOp(ops.CreateIndexOp):
    """Create an index unless one of that name exists on the table."""

    @classmethod
    def create_index_if_not_exists(
        cls,
        operations: Operations,
        index_name: str | None,
        table_name: str,
        columns: Sequence[Any],
        *,
        schema: str | None = None,
        unique: bool = False,
        **kw: Any,
    ) -> None:
        """Create an index unless it exists; safe to run twice."""
        operations.invoke(cls(index_name, table_name, columns, schema=schema, unique=unique, **kw))

    @classmethod
    def from_op(cls, op: ops.CreateIndexOp) -> CreateIndexIfNotExistsOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.if_not_exists = None
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # tolerant drop
        from .drop_index import DropIndexIfExistsOp

        return DropIndexIfExistsOp(
            self.index_name, self.table_name, schema=self.schema, create_op=self
        )


@Operations.implementation_for(CreateIndexIfNotExistsOp)
def create_index_if_not_exists(operations: Operations, operation: CreateIndexIfNotExistsOp) -> None:
    family = _support.dialect_family(operations)
    plain = ops.CreateIndexOp(
        operation.index_name,
        operation.table_name,
        operation.columns,
        schema=operation.schema,
        unique=operation.unique,
        if_not_exists=True if family in _NATIVE else None,
        **operation.kw,
    )
    # without a native IF NOT EXISTS (MySQL), look at the live table first
    must_look = family not in _NATIVE and not _support.offline(operations)
    if (
        must_look
        and operation.index_name
        and _support.index_exists(
            operations, operation.index_name, operation.table_name, operation.schema
        )
    ):
        log.info("Index %s exists; skipping", operation.index_name)
        return
    operations.invoke(plain)


@renderers.dispatch_for(CreateIndexIfNotExistsOp)
def render_create_index_if_not_exists(
    autogen_context: AutogenContext, op: CreateIndexIfNotExistsOp
) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    plain = ops.CreateIndexOp.__new__(ops.CreateIndexOp)
    plain.__dict__.update(op.__dict__)
    plain.if_not_exists = None
    return render_op_text(autogen_context, plain).replace(
        "create_index(", "create_index_if_not_exists(", 1
    )
