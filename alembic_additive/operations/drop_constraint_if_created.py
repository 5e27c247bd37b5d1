"""``op.drop_constraint_if_created``: the downgrade of an idempotent constraint creation.

It drops the constraint only when the ledger (:mod:`.ledger`) says the upgrade created it,
so a constraint that existed before the upgrade (the upgrade found it and did nothing) is
kept. An unnamed constraint is found by its definition, since its name was chosen by the
database. Offline (``--sql``) nothing can be looked up, so it refuses unless forced.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import AbstractOperations, BatchOperations, Operations, ops
from alembic.util import CommandError

from ..sqlite import rebuild
from . import _constraints, _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("drop_constraint_if_created")
@BatchOperations.register_operation(
    "drop_constraint_if_created", "batch_drop_constraint_if_created"
)
class DropConstraintIfCreatedOp(ops.MigrateOperation):
    """Drop a constraint that the upgrade created; keep one that was there before."""

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        type_: str,
        *,
        schema: str | None = None,
        definition: str | None = None,
        create_op: ops.AddConstraintOp | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.constraint_type = type_
        self.schema = schema
        #: how an unnamed constraint is recognised (and its ledger key)
        self.definition = definition
        self.create_op = create_op

    @classmethod
    def drop_constraint_if_created(
        cls,
        operations: Operations,
        constraint_name: str | None,
        table_name: str,
        type_: str,
        *,
        schema: str | None = None,
        definition: str | None = None,
    ) -> None:
        """Drop the constraint if the upgrade created it (named, or found by definition)."""
        operations.invoke(
            cls(constraint_name, table_name, type_, schema=schema, definition=definition)
        )

    @classmethod
    def batch_drop_constraint_if_created(
        cls,
        operations: BatchOperations,
        constraint_name: str | None,
        type_: str,
        *,
        definition: str | None = None,
    ) -> None:
        """The batch form (SQLite): table and schema come from the batch."""
        operations.invoke(
            cls(
                constraint_name,
                operations.impl.table_name,
                type_,
                schema=operations.impl.schema,
                definition=definition,
            )
        )

    def reverse(self) -> ops.MigrateOperation:
        if self.create_op is None:
            raise ValueError("cannot reverse drop_constraint_if_created without the definition")
        return self.create_op

    def to_diff_tuple(self) -> tuple[Any, ...]:
        if self.create_op is not None:
            return ops.DropConstraintOp.from_constraint(
                self.create_op.to_constraint()
            ).to_diff_tuple()
        return ("remove_constraint", self.constraint_name)


@Operations.implementation_for(DropConstraintIfCreatedOp)
def drop_constraint_if_created(
    operations: AbstractOperations, operation: DropConstraintIfCreatedOp
) -> None:
    where = _support.qualified(operation.table_name, operation.schema)
    key = operation.constraint_name or operation.definition or ""
    if _support.offline(operations):
        if not _support.is_forced(operations) or operation.constraint_name is None:
            raise CommandError(
                f"alembic-additive: cannot tell in --sql mode whether the upgrade created "
                f"constraint {key} on {where}; pass -x {_support.FORCE_FLAG}=1 to emit the DROP"
                " anyway (named constraints only)"
            )
        operations.invoke(_plain_drop(operation, operation.constraint_name))
        return
    if (
        ledger.recorded(operations, ledger.CONSTRAINT, operation.table_name, operation.schema, key)
        is None
    ):
        log.info("Constraint %s on %s was not created by the upgrade; kept", key, where)
        return
    existing = _constraints.find(
        operations,
        operation.constraint_type,
        operation.table_name,
        operation.schema,
        operation.constraint_name,
        operation.definition or "",
    )
    if existing is None or existing["name"] is None:
        log.info("Constraint %s on %s is gone already", key, where)
    elif _support.dialect_family(operations) == "sqlite":
        # batch's copy would cascade with foreign keys on (issue 11)
        rebuild.drop_constraint(
            operations, str(existing["name"]), operation.table_name, operation.schema
        )
    else:
        operations.invoke(_plain_drop(operation, str(existing["name"])))
        if (
            operation.constraint_type == "foreignkey"
            and _support.dialect_family(operations) in _constraints.MYSQL
        ):
            columns = str(existing["definition"]).split("(", 1)[1].split(")", 1)[0]
            _constraints.drop_implicit_indexes(
                operations, operation.table_name, operation.schema, columns.split(",")
            )
    ledger.forget(operations, ledger.CONSTRAINT, operation.table_name, operation.schema, key)


def _plain_drop(operation: DropConstraintIfCreatedOp, name: str) -> ops.DropConstraintOp:
    return ops.DropConstraintOp(
        name, operation.table_name, type_=operation.constraint_type, schema=operation.schema
    )


@renderers.dispatch_for(DropConstraintIfCreatedOp)
def render_drop_constraint_if_created(
    autogen_context: AutogenContext, op: DropConstraintIfCreatedOp
) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    batch = autogen_context._has_batch
    prefix = "batch_op." if batch else autogen_context.opts.get("alembic_module_prefix") or ""
    args = [_support.rendered_name(autogen_context, op.constraint_name)]
    if not batch:
        args.append(repr(op.table_name))
    args.append(f"type_={op.constraint_type!r}")
    if op.schema and not batch:
        args.append(f"schema={op.schema!r}")
    if op.definition is not None:
        args.append(f"definition={op.definition!r}")
    return f"{prefix}drop_constraint_if_created({', '.join(args)})"
