"""Views and materialized views that ``alembic_utils`` would drop (``op.drop_entity``).

``alembic_utils`` registers an old-style comparator (``comparators.dispatch_for("schema")``)
that appends a ``DropOp`` for every view in the database that no registered entity declares.
Alembic copies those old-style comparators first and appends the plugins' after them, and
this collector runs on the ``autogenerate`` target, after every ``schema`` comparator of any
priority: it sees the extension's operations whatever order things were imported in.

A materialized view holds rows (counted like an orphan table's); a plain view holds its
definition, which is reported as the entity to register. Other entities (functions,
triggers, policies, grants) are left to the extension.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import TAGGED_KEY, OrphanView, TableRef
from . import findings_of, walk

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")

_MODULE = "alembic_utils.reversible_op"
_VIEWS = {"PGView": False, "PGMaterializedView": True}


def compare_views(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    # only when the project imported alembic_utils: importing it here would register its
    # comparator for projects that do not use it
    module = sys.modules.get(_MODULE)
    if module is None:
        return PriorityDispatchResult.CONTINUE
    default = autogen_context.dialect.default_schema_name if autogen_context.dialect else None
    found = findings_of(upgrade_ops)
    for _, op in walk(upgrade_ops):
        if not isinstance(op, module.DropOp):
            continue
        target = op.target
        kind = type(target).__name__
        if kind not in _VIEWS:
            continue
        schema = None if target.schema in (None, default) else str(target.schema)
        finding = OrphanView(
            TableRef(schema, str(target.signature)), _VIEWS[kind], entity_code(target)
        )
        op.info[TAGGED_KEY] = finding.key
        found.add(finding)
    return PriorityDispatchResult.CONTINUE


def entity_code(target: Any) -> str:
    """``PGView(schema=..., signature=..., definition=...)``: the entity to register."""
    kind = type(target).__name__
    args = [
        f"schema={target.schema!r}",
        f"signature={target.signature!r}",
        f"definition={target.definition!r}",
    ]
    if kind == "PGMaterializedView":
        args.append(f"with_data={bool(getattr(target, 'with_data', True))!r}")
    return f"{kind}({', '.join(args)})"


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_views, "autogenerate", "additive_views", priority=DispatchPriority.LAST
    )
