"""A kept (provably widening) ``alter_column`` whose downgrade does not narrow back.

The upgrade renders and runs as Alembic's own ``op.alter_column``. Its reverse would narrow
the type again and could truncate values written after the upgrade, so the downgrade leaves
the wider type in place and says so in a comment; any other part of the change (nullability,
default, comment) is still reverted.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from .report import AdditiveReportOp


class WideningAlterColumnOp(ops.AlterColumnOp):
    """An alter_column that widens a type (and maybe relaxes nullability)."""

    @classmethod
    def from_op(cls, op: ops.AlterColumnOp) -> WideningAlterColumnOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # may be a note
        back: Any = super().reverse()
        assert isinstance(back, ops.AlterColumnOp)
        narrowed = back.modify_type
        back.modify_type = None
        if back.has_changes():
            return back
        table = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        return AdditiveReportOp(
            [
                f"alembic-additive: {table}.{self.column_name} keeps its wider type; narrowing it "
                f"back to {narrowed!r} could truncate values written since the upgrade"
            ],
            standalone=True,
        )
