"""CREATE TABLE IF NOT EXISTS, whose downgrade is a guarded drop.

Every supported dialect has ``CREATE TABLE IF NOT EXISTS``, so the upgrade renders as plain
``op.create_table(..., if_not_exists=True)`` (Alembic's own renderer and implementation). The
custom class exists for its ``reverse()``: the downgrade becomes ``op.drop_table_if_empty``,
which refuses to drop a table that received rows after the upgrade.
"""

from __future__ import annotations

from alembic.operations import ops


class CreateTableIfNotExistsOp(ops.CreateTableOp):
    """A create_table that is harmless when the table exists."""

    @classmethod
    def from_op(cls, op: ops.CreateTableOp) -> CreateTableIfNotExistsOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.if_not_exists = True
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # a guarded drop
        from .drop_table import DropTableIfEmptyOp

        return DropTableIfEmptyOp(self.table_name, schema=self.schema, create_op=self)
