"""``op.create_check_constraint_if_not_exists``: a check constraint,
created only when the live table has no equivalent one (same name; unnamed: same
definition), so the revision runs twice.

An unnamed one is matched by its text (whitespace, quotes, parentheses and case ignored).
The downgrade is ``drop_constraint_if_created``: it drops the constraint only if this
upgrade created it (see :mod:`.ledger`).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import BatchOperations, Operations, ops

from . import _constraints


@Operations.register_operation("create_check_constraint_if_not_exists")
@BatchOperations.register_operation(
    "create_check_constraint_if_not_exists", "batch_create_check_constraint_if_not_exists"
)
class CreateCheckConstraintIfNotExistsOp(ops.CreateCheckConstraintOp):
    """Alembic's ``create_check_constraint``, skipped when an equivalent constraint exists."""

    @classmethod
    def create_check_constraint_if_not_exists(
        cls,
        operations: Operations,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Create a check constraint unless an equivalent one exists; safe to run twice."""
        operations.invoke(cls(constraint_name, table_name, condition, schema=schema, **kw))

    @classmethod
    def batch_create_check_constraint_if_not_exists(
        cls, operations: BatchOperations, constraint_name: str | None, condition: Any, **kw: Any
    ) -> None:
        """The batch form (SQLite): table and schema come from the batch."""
        operations.invoke(
            cls(
                constraint_name,
                operations.impl.table_name,
                condition,
                schema=operations.impl.schema,
                **kw,
            )
        )

    @classmethod
    def from_op(cls, op: ops.CreateCheckConstraintOp) -> CreateCheckConstraintIfNotExistsOp:
        new: CreateCheckConstraintIfNotExistsOp = _constraints.from_op(cls, op)
        return new

    def reverse(self) -> Any:
        return _constraints.reverse_of(self)


@Operations.implementation_for(CreateCheckConstraintIfNotExistsOp)
def create_check_constraint_if_not_exists(
    operations: Operations, operation: CreateCheckConstraintIfNotExistsOp
) -> None:
    _constraints.create_unless_present(operations, operation)


@renderers.dispatch_for(CreateCheckConstraintIfNotExistsOp)
def render_create_check_constraint_if_not_exists(
    autogen_context: AutogenContext, op: CreateCheckConstraintIfNotExistsOp
) -> str:
    return _constraints.render(autogen_context, op, "create_check_constraint")
