"""Indexes and constraints: the ones autogenerate would drop, and the ones it would create."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import MissingIndex, OrphanConstraint, OrphanIndex
from . import findings_of, table_ref, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def compare_indexes(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    found = findings_of(upgrade_ops)
    leaves = walk(upgrade_ops)
    # a drop and a create of one name on one table: the index changed (or the model declares
    # it by name only, sa.Index("name")): not an orphan
    created = {
        (ref or table_ref(op), op.index_name)
        for ref, op in leaves
        if isinstance(op, ops.CreateIndexOp)
    }
    for ref, op in leaves:
        if isinstance(op, ops.DropIndexOp) and (ref or table_ref(op), op.index_name) in created:
            continue
        if isinstance(op, ops.DropIndexOp):
            columns = tuple(str(c) for c in op.to_index().expressions) if op._reverse else ()
            found.add(OrphanIndex(ref or table_ref(op), op.index_name, columns))
        elif isinstance(op, ops.CreateIndexOp):
            found.add(MissingIndex(ref or table_ref(op), op.index_name))
        elif isinstance(op, ops.DropConstraintOp):
            kind = op.constraint_type or "unknown"
            name = op.constraint_name if isinstance(op.constraint_name, str) else None
            found.add(OrphanConstraint(ref or table_ref(op), name, kind))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_indexes, "schema", "additive_indexes", priority=DispatchPriority.LAST
    )
