"""Columns only in the database (orphans) and columns only in the models (missing)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import MissingColumn, OrphanColumn
from . import findings_of, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def compare_columns(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    found = findings_of(upgrade_ops)
    for ref, op in walk(upgrade_ops):
        if ref is None:
            continue
        if isinstance(op, ops.DropColumnOp):
            found.add(OrphanColumn(ref, op.to_column()))
        elif isinstance(op, ops.AddColumnOp):
            found.add(MissingColumn(ref, op.column))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_columns, "schema", "additive_columns", priority=DispatchPriority.LAST
    )
