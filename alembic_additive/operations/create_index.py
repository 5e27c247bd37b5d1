"""``op.create_index_if_not_exists``: CREATE INDEX that is a no-op when the index exists.

Online, the live table is checked first on every dialect (by the name as the database stores
it: PostgreSQL truncates to 63 bytes), because the downgrade must know whether this upgrade
created the index: only then is it recorded in the ledger (:mod:`.ledger`), and only then
does the downgrade's ``drop_index_if_exists(..., only_if_created=True)`` drop it. PostgreSQL,
SQLite and MariaDB also get the native ``CREATE INDEX IF NOT EXISTS`` (two concurrent runs,
and offline SQL). An index declared in the models by name only (``sa.Index("name")``, its
columns defined elsewhere) has no column list to create: it is never rendered as
``CREATE INDEX ... ()``, only checked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops

from . import _support, ledger

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
            self.index_name,
            self.table_name,
            schema=self.schema,
            create_op=self,
            only_if_created=True,
        )


@Operations.implementation_for(CreateIndexIfNotExistsOp)
def create_index_if_not_exists(operations: Operations, operation: CreateIndexIfNotExistsOp) -> None:
    family = _support.dialect_family(operations)
    name = operation.index_name
    if not operation.columns:
        # sa.Index("name") in a model: the columns come from elsewhere; never "ON t ()"
        if (
            _support.offline(operations)
            or not name
            or not _support.index_exists(operations, name, operation.table_name, operation.schema)
        ):
            log.warning(
                "Index %s on %s is declared without columns; create it where its columns "
                "are defined",
                name,
                _support.qualified(operation.table_name, operation.schema),
            )
        return
    plain = ops.CreateIndexOp(
        name,
        operation.table_name,
        operation.columns,
        schema=operation.schema,
        unique=operation.unique,
        if_not_exists=True if family in _NATIVE else None,
        **operation.kw,
    )
    if not _support.offline(operations) and name:
        if _support.index_exists(operations, name, operation.table_name, operation.schema):
            log.info("Index %s exists; skipping", name)
            return
        ledger.record(operations, ledger.INDEX, operation.table_name, operation.schema, name)
    operations.invoke(plain)


@renderers.dispatch_for(CreateIndexIfNotExistsOp)
def render_create_index_if_not_exists(
    autogen_context: AutogenContext, op: CreateIndexIfNotExistsOp
) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    plain = ops.CreateIndexOp.__new__(ops.CreateIndexOp)
    plain.__dict__.update(op.__dict__)
    plain.if_not_exists = None
    text = render_op_text(autogen_context, plain).replace(
        "create_index(", "create_index_if_not_exists(", 1
    )
    if not op.columns:
        return (
            "# alembic-additive: the model declares this index by name only (no columns): it "
            f"is not created here\n# {text}"
        )
    return text
