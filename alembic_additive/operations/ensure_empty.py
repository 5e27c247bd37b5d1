"""``op.ensure_empty``: refuse, before anything is dropped, if any target holds data.

The cleanup revision (``alembic-additive cleanup``) starts with it: every column and table
it is about to drop is counted first, inside the upgrade's transaction, so a value written
since the audit stops the whole revision with nothing dropped, even on dialects whose DDL
is not transactional. ``-x additive_force=1`` skips the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _support
from .report import AdditiveReportOp

ColumnTarget = tuple[str | None, str, str]
TableTarget = tuple[str | None, str]


@Operations.register_operation("ensure_empty")
class EnsureEmptyOp(ops.MigrateOperation):
    """Check that columns and tables hold nothing; refuse otherwise."""

    def __init__(
        self, columns: Sequence[ColumnTarget] = (), tables: Sequence[TableTarget] = ()
    ) -> None:
        self.columns: list[ColumnTarget] = [(c[0], c[1], c[2]) for c in columns]
        self.tables: list[TableTarget] = [(t[0], t[1]) for t in tables]

    @classmethod
    def ensure_empty(
        cls,
        operations: Operations,
        *,
        columns: Sequence[ColumnTarget] = (),
        tables: Sequence[TableTarget] = (),
    ) -> None:
        """Raise unless every ``(schema, table, column)`` and ``(schema, table)`` is empty."""
        operations.invoke(cls(columns, tables))

    def reverse(self) -> ops.MigrateOperation:
        return AdditiveReportOp([])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("ensure_empty", tuple(self.columns), tuple(self.tables))


@Operations.implementation_for(EnsureEmptyOp)
def ensure_empty(operations: Operations, operation: EnsureEmptyOp) -> None:
    if _support.is_forced(operations):
        return
    if _support.offline(operations):
        raise _support.RefusedDrop(
            "alembic-additive: cannot check that the cleanup targets are empty in --sql mode; "
            f"pass -x {_support.FORCE_FLAG}=1 to emit the DROPs anyway"
        )
    held: list[str] = []
    insp = _support.inspector(operations)  # one reflection pass, one count per table
    by_table: dict[tuple[str | None, str], list[str]] = {}
    for schema, table, column in operation.columns:
        by_table.setdefault((schema, table), []).append(column)
    for (schema, table), wanted in by_table.items():
        if not insp.has_table(table, schema=schema):
            continue
        present = {c["name"] for c in insp.get_columns(table, schema=schema)}
        columns = [c for c in wanted if c in present]
        for column, n in _support.count_columns(operations, table, schema, columns).items():
            if n:
                held.append(f"{_support.qualified(table, schema, column)} ({n} value(s))")
    for schema, table in operation.tables:
        if insp.has_table(table, schema=schema):
            n = _support.count(operations, table, schema, None)
            if n:
                held.append(f"{_support.qualified(table, schema)} ({n} row(s))")
    if held:
        raise _support.RefusedDrop(
            "alembic-additive: refusing to clean up, data appeared since the audit in: "
            + ", ".join(held)
            + "; nothing was dropped"
        )


@renderers.dispatch_for(EnsureEmptyOp)
def render_ensure_empty(autogen_context: AutogenContext, op: EnsureEmptyOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    cols = "".join(f"\n        {c!r}," for c in op.columns)
    tabs = "".join(f"\n        {t!r}," for t in op.tables)
    return f"{prefix}ensure_empty(\n    columns=[{cols}\n    ],\n    tables=[{tabs}\n    ],\n)"
