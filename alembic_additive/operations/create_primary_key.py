"""``op.create_primary_key_if_not_exists``: a primary key,
created only when the live table has no equivalent one (same name; unnamed: same
definition), so the revision runs twice.

A table has one primary key: the same columns are a no-op, other columns a one-line error
(changing a primary key is a decision for a person).
The downgrade is ``drop_constraint_if_created``: it drops the constraint only if this
upgrade created it (see :mod:`.ledger`).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import BatchOperations, Operations, ops

from . import _constraints


@Operations.register_operation("create_primary_key_if_not_exists")
@BatchOperations.register_operation(
    "create_primary_key_if_not_exists", "batch_create_primary_key_if_not_exists"
)
class CreatePrimaryKeyIfNotExistsOp(ops.CreatePrimaryKeyOp):
    """Alembic's ``create_primary_key``, skipped when an equivalent constraint exists."""

    @classmethod
    def create_primary_key_if_not_exists(
        cls,
        operations: Operations,
        constraint_name: str | None,
        table_name: str,
        columns: list[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Create a primary key unless an equivalent one exists; safe to run twice."""
        operations.invoke(cls(constraint_name, table_name, columns, schema=schema, **kw))

    @classmethod
    def batch_create_primary_key_if_not_exists(
        cls, operations: BatchOperations, constraint_name: str | None, columns: list[str], **kw: Any
    ) -> None:
        """The batch form (SQLite): table and schema come from the batch."""
        operations.invoke(
            cls(
                constraint_name,
                operations.impl.table_name,
                columns,
                schema=operations.impl.schema,
                **kw,
            )
        )

    @classmethod
    def from_op(cls, op: ops.CreatePrimaryKeyOp) -> CreatePrimaryKeyIfNotExistsOp:
        new: CreatePrimaryKeyIfNotExistsOp = _constraints.from_op(cls, op)
        return new

    def reverse(self) -> Any:
        return _constraints.reverse_of(self)


@Operations.implementation_for(CreatePrimaryKeyIfNotExistsOp)
def create_primary_key_if_not_exists(
    operations: Operations, operation: CreatePrimaryKeyIfNotExistsOp
) -> None:
    _constraints.create_unless_present(operations, operation)


@renderers.dispatch_for(CreatePrimaryKeyIfNotExistsOp)
def render_create_primary_key_if_not_exists(
    autogen_context: AutogenContext, op: CreatePrimaryKeyIfNotExistsOp
) -> str:
    return _constraints.render(autogen_context, op, "create_primary_key")
