"""Tables only in the database (orphans) and tables only in the models (missing)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import MissingTable, OrphanTable
from . import findings_of, table_ref, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def compare_tables(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    found = findings_of(upgrade_ops)
    for _, op in walk(upgrade_ops):
        if isinstance(op, ops.DropTableOp):
            found.add(OrphanTable(table_ref(op), op.to_table()))
        elif isinstance(op, ops.CreateTableOp):
            found.add(MissingTable(table_ref(op)))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_tables, "schema", "additive_tables", priority=DispatchPriority.LAST
    )
