"""The ledger table is bookkeeping, like Alembic's version table: never compared.

``alembic_additive_ledger`` (written by the plugin's operations at upgrade time, in the
version table's schema) is in no model, so Alembic would reflect it on every autogenerate,
log "Detected removed table 'alembic_additive_ledger'" - which reads as if the tool were
about to drop it - and propose a ``drop_table``. Alembic skips its own version table by
name before reflecting anything; this does the same for the ledger, through the name filters
``include_name`` feeds, before Alembic's table comparison runs (priority FIRST on the
``autogenerate`` target).

The filter list is not public API (``AutogenContext._name_filters``); should it go away,
:mod:`.stored_names` still takes the ledger's ``drop_table`` out of the tree (only the log
line would come back).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def skip_ledger(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    from ..operations.ledger import LEDGER_TABLE  # see stored_names: import order

    schema = autogen_context.migration_context.version_table_schema

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return not (
            type_ == "table" and name == LEDGER_TABLE and parent_names.get("schema_name") == schema
        )

    filters = getattr(autogen_context, "_name_filters", None)
    if isinstance(filters, list):
        filters.append(include_name)
    else:
        log.debug("Alembic keeps no name filter list; the ledger is filtered afterwards")
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        skip_ledger, "autogenerate", "additive_skip_ledger", priority=DispatchPriority.FIRST
    )
