"""Enum labels that ``alembic-postgresql-enum`` would remove (``op.sync_enum_values``).

The extension registers an old-style comparator (``comparators.dispatch_for("schema",
priority=LAST)``) that appends a ``SyncEnumValuesOp`` when the models' enum lacks labels the
database type has. Rows still holding a removed label make the operation fail half-way (or
lose them), so the policy keeps it only when every affected column measurably holds none
(the probe counts rows per column and label; never values). This collector runs on the
``autogenerate`` target, after every ``schema`` comparator whatever its priority.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import TAGGED_KEY, EnumValueRemoval, TableRef
from . import findings_of, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")

_MODULE = "alembic_postgresql_enum.operations.sync_enum_values"


def compare_enums(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    # only when the project imported the extension (importing it registers its comparator)
    module = sys.modules.get(_MODULE)
    if module is None:
        return PriorityDispatchResult.CONTINUE
    default = autogen_context.dialect.default_schema_name if autogen_context.dialect else None
    found = findings_of(upgrade_ops)
    for _, op in walk(upgrade_ops):
        if not isinstance(op, module.SyncEnumValuesOp):
            continue
        removed = tuple(str(v) for v in op.old_values if v not in set(op.new_values))
        if not removed:
            continue  # only adds labels: nothing to lose
        columns = tuple(_column(c, default) for c in op.affected_columns)
        finding = EnumValueRemoval(_ref(op.schema, str(op.name), default), removed, columns)
        op.info[TAGGED_KEY] = finding.key
        found.add(finding)
    return PriorityDispatchResult.CONTINUE


def _ref(schema: Any, name: str, default: str | None) -> TableRef:
    plain = not isinstance(schema, str) or schema in ("", default)
    return TableRef(None if plain else schema, name)


def _column(reference: Any, default: str | None) -> tuple[TableRef, str, bool]:
    array = getattr(getattr(reference, "column_type", None), "name", "") == "ARRAY"
    table = _ref(reference.table_schema, str(reference.table_name), default)
    return table, str(reference.column_name), array


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_enums, "autogenerate", "additive_enums", priority=DispatchPriority.LAST
    )
