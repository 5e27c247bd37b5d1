"""Before the collectors: objects the database stores under another name than the model's.

Two cases, both taken out of Alembic's operation tree before anything is reported:

- the ledger table (``alembic_additive_ledger``, written by the plugin's operations at
  upgrade time) is bookkeeping like Alembic's version table: never an orphan (:mod:`.ledger`
  keeps Alembic from reflecting it at all; this is the backstop);
- PostgreSQL truncates identifiers to 63 bytes (``max_identifier_length``), so a model table,
  column or index with a longer name is stored truncated, and Alembic sees a model-only
  object plus a database-only one. When the database-only name is exactly the model name
  truncated as PostgreSQL does it, the pair is one object: both operations go, so
  ``alembic check`` is clean and the truncated object is not reported as an "empty orphan".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")


def compare_stored_names(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    # imported here: the operations package needs alembic.autogenerate, which is still
    # importing while Alembic loads plugins
    from ..operations._support import truncated
    from ..operations.ledger import LEDGER_TABLE

    dialect = autogen_context.dialect
    if dialect is None:
        return PriorityDispatchResult.CONTINUE

    def stored(name: object) -> str:
        return truncated(str(name), dialect.name, dialect.max_identifier_length)

    upgrade_ops.ops = [
        op
        for op in upgrade_ops.ops
        if not (isinstance(op, ops.DropTableOp) and op.table_name == LEDGER_TABLE)
    ]
    if dialect.name != "postgresql":
        return PriorityDispatchResult.CONTINUE
    created = {
        (op.schema, stored(op.table_name))
        for op in upgrade_ops.ops
        if isinstance(op, ops.CreateTableOp) and stored(op.table_name) != op.table_name
    }
    dropped = {
        (op.schema, op.table_name) for op in upgrade_ops.ops if isinstance(op, ops.DropTableOp)
    }
    same_tables = created & dropped
    kept: list[ops.MigrateOperation] = []
    for op in upgrade_ops.ops:
        # the table's own operations (its indexes) go with it
        kinds = (ops.CreateTableOp, ops.DropTableOp, ops.ModifyTableOps)
        if isinstance(op, kinds) and (op.schema, stored(op.table_name)) in same_tables:
            if not isinstance(op, ops.ModifyTableOps):
                log.info("Table %s is stored as %s", op.table_name, stored(op.table_name))
            continue
        if isinstance(op, ops.ModifyTableOps):
            _pair_off(op, stored)
            if not op.ops:
                continue
        kept.append(op)
    upgrade_ops.ops = kept
    return PriorityDispatchResult.CONTINUE


def _pair_off(container: ops.ModifyTableOps, stored: Callable[[object], str]) -> None:
    """Drop add/drop pairs of one column or index stored under its truncated name."""
    add_cols = {
        stored(op.column.name)
        for op in container.ops
        if isinstance(op, ops.AddColumnOp) and stored(op.column.name) != op.column.name
    }
    drop_cols = {op.column_name for op in container.ops if isinstance(op, ops.DropColumnOp)}
    add_ix = {
        stored(op.index_name)
        for op in container.ops
        if isinstance(op, ops.CreateIndexOp) and stored(op.index_name) != op.index_name
    }
    drop_ix = {op.index_name for op in container.ops if isinstance(op, ops.DropIndexOp)}
    cols, ixs = add_cols & drop_cols, add_ix & drop_ix
    container.ops = [
        op
        for op in container.ops
        if not (
            (isinstance(op, ops.AddColumnOp) and stored(op.column.name) in cols)
            or (isinstance(op, ops.DropColumnOp) and op.column_name in cols)
            or (isinstance(op, ops.CreateIndexOp) and stored(op.index_name) in ixs)
            or (isinstance(op, ops.DropIndexOp) and op.index_name in ixs)
        )
    ]


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_stored_names, "schema", "additive_stored_names", priority=DispatchPriority.LAST
    )
