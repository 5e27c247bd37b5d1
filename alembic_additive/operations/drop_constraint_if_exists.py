"""``op.drop_constraint_if_exists``: a constraint drop kept by configuration
(``policy = {"drop-constraint": "allow"}``), written so the upgrade runs twice.

Online the live table is checked first (by the name as the database stores it), on every
dialect, so it works the same inside SQLite's batch mode; offline, PostgreSQL gets its
native ``DROP CONSTRAINT IF EXISTS`` and the other dialects the plain drop.
"""

from __future__ import annotations

import logging

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import AbstractOperations, BatchOperations, Operations, ops

from ..sqlite import rebuild
from . import _constraints, _support

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("drop_constraint_if_exists")
@BatchOperations.register_operation("drop_constraint_if_exists", "batch_drop_constraint_if_exists")
class DropConstraintIfExistsOp(ops.DropConstraintOp):
    """Alembic's drop_constraint, a no-op when the constraint is gone already."""

    @classmethod
    def drop_constraint_if_exists(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        type_: str | None = None,
        *,
        schema: str | None = None,
    ) -> None:
        """Drop a constraint unless it is gone already."""
        operations.invoke(cls(constraint_name, table_name, type_=type_, schema=schema))

    @classmethod
    def batch_drop_constraint_if_exists(
        cls, operations: BatchOperations, constraint_name: str, type_: str | None = None
    ) -> None:
        """The batch form (SQLite)."""
        operations.invoke(
            cls(
                constraint_name,
                operations.impl.table_name,
                type_=type_,
                schema=operations.impl.schema,
            )
        )

    @classmethod
    def from_op(cls, op: ops.DropConstraintOp) -> DropConstraintIfExistsOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.if_exists = None
        return new


@Operations.implementation_for(DropConstraintIfExistsOp)
def drop_constraint_if_exists(
    operations: AbstractOperations, operation: DropConstraintIfExistsOp
) -> None:
    name = operation.constraint_name if isinstance(operation.constraint_name, str) else None
    if name is None:
        raise ValueError("drop_constraint_if_exists needs a constraint name")
    where = _support.qualified(operation.table_name, operation.schema)
    plain = ops.DropConstraintOp(
        name, operation.table_name, type_=operation.constraint_type, schema=operation.schema
    )
    if _support.offline(operations):
        if operations.migration_context.dialect.name == "postgresql":
            plain.if_exists = True
        operations.invoke(plain)
        return
    types = (
        [operation.constraint_type]
        if operation.constraint_type
        else list(_constraints.TYPES.values())
    )
    for type_ in types:
        found = _constraints.find(
            operations, type_, operation.table_name, operation.schema, name, ""
        )
        if found is not None and found["name"] is not None:
            plain.constraint_name = str(found["name"])
            if _support.dialect_family(operations) == "sqlite":
                # batch's copy would cascade with foreign keys on (issue 11)
                rebuild.drop_constraint(
                    operations, plain.constraint_name, operation.table_name, operation.schema
                )
                return
            operations.invoke(plain)
            return
    log.info("Constraint %s on %s does not exist; nothing to drop", name, where)


@renderers.dispatch_for(DropConstraintIfExistsOp)
def render_drop_constraint_if_exists(
    autogen_context: AutogenContext, op: DropConstraintIfExistsOp
) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    batch = autogen_context._has_batch
    prefix = "batch_op." if batch else autogen_context.opts.get("alembic_module_prefix") or ""
    args = [repr(op.constraint_name)]
    if not batch:
        args.append(repr(op.table_name))
    if op.constraint_type:
        args.append(f"type_={op.constraint_type!r}")
    if op.schema and not batch:
        args.append(f"schema={op.schema!r}")
    return f"{prefix}drop_constraint_if_exists({', '.join(args)})"
