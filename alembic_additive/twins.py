"""The idempotent twin of each Alembic operation that the rewrite keeps.

:mod:`alembic_additive.rewrite` decides *whether* an operation stays; this module says *what*
stays in its place, so that every kept operation runs twice:

- added constraints (unique, foreign key, check, primary key) become
  ``create_*_if_not_exists``, equivalent by name, or by definition when unnamed;
- drops kept by configuration (``allow_drop``, ``policy = {"drop-...": "allow"}``) become
  if-exists drops;
- an index Alembic drops and creates again under the same name (its definition changed)
  becomes one ``replace_index_if_changed``.

The twins subclass Alembic's operations, so whatever recognises Alembic's operations by
``isinstance`` (the upgrade-time guards, for one) recognises them too.
"""

from __future__ import annotations

from alembic.operations import ops

from .operations import (
    CreateCheckConstraintIfNotExistsOp,
    CreateForeignKeyIfNotExistsOp,
    CreatePrimaryKeyIfNotExistsOp,
    CreateUniqueConstraintIfNotExistsOp,
    DropColumnIfExistsOp,
    DropConstraintIfExistsOp,
    DropIndexIfExistsOp,
    ReplaceIndexOp,
)

_CONSTRAINTS: tuple[tuple[type[ops.AddConstraintOp], type[ops.AddConstraintOp]], ...] = (
    (ops.CreateUniqueConstraintOp, CreateUniqueConstraintIfNotExistsOp),
    (ops.CreateForeignKeyOp, CreateForeignKeyIfNotExistsOp),
    (ops.CreateCheckConstraintOp, CreateCheckConstraintIfNotExistsOp),
    (ops.CreatePrimaryKeyOp, CreatePrimaryKeyIfNotExistsOp),
)

TOP_LEVEL = (DropColumnIfExistsOp, DropIndexIfExistsOp, ReplaceIndexOp)
"""Twins that need no batch mode, even on SQLite: they leave the table's container."""


def constraint(op: ops.AddConstraintOp) -> ops.MigrateOperation:
    """``create_*_if_not_exists`` for an added constraint (itself when already a twin)."""
    for plain, twin in _CONSTRAINTS:
        if isinstance(op, twin):
            return op
        if isinstance(op, plain):
            new = twin.__new__(twin)
            new.__dict__.update(op.__dict__)
            return new
    return op


def kept_drop(op: ops.MigrateOperation) -> ops.MigrateOperation:
    """The if-exists form of a drop the configuration keeps."""
    if isinstance(op, ops.DropTableOp):
        op.if_exists = True  # DROP TABLE IF EXISTS: every supported dialect has it
        return op
    if isinstance(op, ops.DropColumnOp) and not isinstance(op, DropColumnIfExistsOp):
        return DropColumnIfExistsOp.from_op(op)
    if isinstance(op, ops.DropIndexOp):
        return DropIndexIfExistsOp(
            op.index_name, str(op.table_name), schema=op.schema, create_op=op._reverse
        )
    if (
        isinstance(op, ops.DropConstraintOp)
        and not isinstance(op, DropConstraintIfExistsOp)
        and isinstance(op.constraint_name, str)
    ):
        return DropConstraintIfExistsOp.from_op(op)
    return op


def changed_indexes(operations: list[ops.MigrateOperation]) -> dict[str, ops.DropIndexOp]:
    """Indexes one table's operations drop and create again under the same name."""
    created = {
        op.index_name for op in operations if isinstance(op, ops.CreateIndexOp) and op.index_name
    }
    return {
        str(op.index_name): op
        for op in operations
        if isinstance(op, ops.DropIndexOp) and op.index_name in created
    }


def declared_by_name(operations: list[ops.MigrateOperation]) -> set[str]:
    """Indexes the model declares by name only (``sa.Index("name")``, columns defined
    elsewhere) that the database has: Alembic drops and "creates" them with no column; both
    go, since the live index is the one meant."""
    changed = changed_indexes(operations)
    return {
        str(op.index_name)
        for op in operations
        if isinstance(op, ops.CreateIndexOp) and op.index_name in changed and not op.columns
    }


def replacement(create: ops.CreateIndexOp, drop: ops.DropIndexOp) -> ReplaceIndexOp:
    return ReplaceIndexOp.from_ops(create, drop)
