"""Tables only in the database (orphans) and tables only in the models (missing)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
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
            found.add(OrphanTable(table_ref(op), _with_indexes(autogen_context, op)))
        elif isinstance(op, ops.CreateTableOp):
            found.add(MissingTable(table_ref(op)))
    return PriorityDispatchResult.CONTINUE


def _with_indexes(autogen_context: AutogenContext, op: ops.DropTableOp) -> sa.Table:
    """The orphan table as reflected, with its plain-column indexes.

    Alembic's drop operation keeps columns and constraints but not indexes; recovery code
    for the table needs them, and the inspector has them cached already.
    """
    table = op.to_table()
    try:
        indexes = autogen_context.inspector.get_indexes(op.table_name, schema=op.schema)
    except (NotImplementedError, sa.exc.SQLAlchemyError):
        return table
    for ix in indexes:
        columns = ix.get("column_names") or []
        plain = bool(columns) and all(c is not None and c in table.c for c in columns)
        if ix.get("name") and plain:
            sa.Index(ix["name"], *(table.c[c] for c in columns if c), unique=bool(ix["unique"]))
    return table


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_tables, "schema", "additive_tables", priority=DispatchPriority.LAST
    )
