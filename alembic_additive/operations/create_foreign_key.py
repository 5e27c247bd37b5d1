"""``op.create_foreign_key_if_not_exists``: a foreign key,
created only when the live table has no equivalent one (same name; unnamed: same
definition), so the revision runs twice.

An unnamed rerun would add ``posts_user_id_fkey1``; a named one fails (MariaDB errno 121). A
MariaDB revision that failed on an orphan row after its other statements ran converges once
the row is fixed: the statements that ran are found and skipped.
The downgrade is ``drop_constraint_if_created``: it drops the constraint only if this
upgrade created it (see :mod:`.ledger`).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import BatchOperations, Operations, ops

from . import _constraints


@Operations.register_operation("create_foreign_key_if_not_exists")
@BatchOperations.register_operation(
    "create_foreign_key_if_not_exists", "batch_create_foreign_key_if_not_exists"
)
class CreateForeignKeyIfNotExistsOp(ops.CreateForeignKeyOp):
    """Alembic's ``create_foreign_key``, skipped when an equivalent constraint exists."""

    @classmethod
    def create_foreign_key_if_not_exists(
        cls,
        operations: Operations,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        **kw: Any,
    ) -> None:
        """Create a foreign key unless an equivalent one exists; safe to run twice."""
        operations.invoke(
            cls(constraint_name, source_table, referent_table, local_cols, remote_cols, **kw)
        )

    @classmethod
    def batch_create_foreign_key_if_not_exists(
        cls,
        operations: BatchOperations,
        constraint_name: str | None,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        **kw: Any,
    ) -> None:
        """The batch form (SQLite): table and schema come from the batch."""
        operations.invoke(
            cls(
                constraint_name,
                operations.impl.table_name,
                referent_table,
                local_cols,
                remote_cols,
                source_schema=operations.impl.schema,
                **kw,
            )
        )

    @classmethod
    def from_op(cls, op: ops.CreateForeignKeyOp) -> CreateForeignKeyIfNotExistsOp:
        new: CreateForeignKeyIfNotExistsOp = _constraints.from_op(cls, op)
        return new

    def reverse(self) -> Any:
        return _constraints.reverse_of(self)


@Operations.implementation_for(CreateForeignKeyIfNotExistsOp)
def create_foreign_key_if_not_exists(
    operations: Operations, operation: CreateForeignKeyIfNotExistsOp
) -> None:
    _constraints.create_unless_present(operations, operation)


@renderers.dispatch_for(CreateForeignKeyIfNotExistsOp)
def render_create_foreign_key_if_not_exists(
    autogen_context: AutogenContext, op: CreateForeignKeyIfNotExistsOp
) -> str:
    return _constraints.render(autogen_context, op, "create_foreign_key")
