"""``op.create_unique_constraint_if_not_exists``: a unique constraint,
created only when the live table has no equivalent one (same name; unnamed: same
definition), so the revision runs twice.

PostgreSQL names an unnamed one ``users_email_key`` and, on a rerun, adds ``users_email_key1``;
MariaDB adds ``email_2``. Here the rerun finds the first one by its columns and adds nothing.
The downgrade is ``drop_constraint_if_created``: it drops the constraint only if this
upgrade created it (see :mod:`.ledger`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import BatchOperations, Operations, ops

from . import _constraints


@Operations.register_operation("create_unique_constraint_if_not_exists")
@BatchOperations.register_operation(
    "create_unique_constraint_if_not_exists", "batch_create_unique_constraint_if_not_exists"
)
class CreateUniqueConstraintIfNotExistsOp(ops.CreateUniqueConstraintOp):
    """Alembic's ``create_unique_constraint``, skipped when an equivalent constraint exists."""

    @classmethod
    def create_unique_constraint_if_not_exists(
        cls,
        operations: Operations,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Create a unique constraint unless an equivalent one exists; safe to run twice."""
        operations.invoke(cls(constraint_name, table_name, columns, schema=schema, **kw))

    @classmethod
    def batch_create_unique_constraint_if_not_exists(
        cls,
        operations: BatchOperations,
        constraint_name: str | None,
        columns: Sequence[str],
        **kw: Any,
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
    def from_op(cls, op: ops.CreateUniqueConstraintOp) -> CreateUniqueConstraintIfNotExistsOp:
        new: CreateUniqueConstraintIfNotExistsOp = _constraints.from_op(cls, op)
        return new

    def reverse(self) -> Any:
        return _constraints.reverse_of(self)


@Operations.implementation_for(CreateUniqueConstraintIfNotExistsOp)
def create_unique_constraint_if_not_exists(
    operations: Operations, operation: CreateUniqueConstraintIfNotExistsOp
) -> None:
    _constraints.create_unless_present(operations, operation)


@renderers.dispatch_for(CreateUniqueConstraintIfNotExistsOp)
def render_create_unique_constraint_if_not_exists(
    autogen_context: AutogenContext, op: CreateUniqueConstraintIfNotExistsOp
) -> str:
    return _constraints.render(autogen_context, op, "create_unique_constraint")
