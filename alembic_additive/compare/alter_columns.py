"""Column changes on both sides: type changes (widening or lossy) and tightening to NOT NULL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from .. import widening
from ..findings import NotNullChange, TypeChange
from . import findings_of, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def compare_alter_columns(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    found = findings_of(upgrade_ops)
    for ref, op in walk(upgrade_ops):
        if ref is None or not isinstance(op, ops.AlterColumnOp):
            continue
        if op.modify_type is not None and op.existing_type is not None:
            wide, reason, misfit = widening.classify(op.existing_type, op.modify_type)
            found.add(
                TypeChange(
                    ref, op.column_name, op.existing_type, op.modify_type, wide, reason, misfit
                )
            )
        if op.modify_nullable is False:
            found.add(NotNullChange(ref, op.column_name))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_alter_columns, "schema", "additive_alter_columns", priority=DispatchPriority.LAST
    )
