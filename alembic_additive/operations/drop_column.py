"""``op.drop_column_if_empty``: the downgrade of an added column, guarded against data loss.

It drops the column only while it holds no value. If rows were written since the upgrade it
refuses with a message naming the column and how many values it holds, unless the user
forces it with ``-x additive_force=1``. In offline (``--sql``) mode nothing can be counted,
so it refuses unless forced. Rendered with ``only_if_created=True`` (the downgrade of
``add_column_if_not_exists``), it drops only a column the ledger (:mod:`.ledger`) says the
upgrade added: a column that was there before the upgrade is kept.

What the upgrade itself produced is not data: values equal to the server default it filled
in (a literal, or an expression such as ``sa.false()``, compared exactly, see
:mod:`._exact`), and every value of a computed (generated) column, which the database can
always compute again from the columns that stay.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from . import _exact, _support, ledger

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("drop_column_if_empty")
class DropColumnIfEmptyOp(ops.MigrateOperation):
    """Drop ``column_name`` from ``table_name`` only if it holds no non-null value."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        default: _exact.Default | None = None,
        column: sa.Column[Any] | None = None,
        only_if_created: bool = False,
    ) -> None:
        #: drop only a column the upgrade added (the downgrade of add_column_if_not_exists)
        self.only_if_created = only_if_created
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        #: the server default the upgrade filled existing rows with (not data): a literal,
        #: or its SQL expression
        self.default = default
        self.column = column

    @classmethod
    def drop_column_if_empty(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        default: _exact.Default | None = None,
        only_if_created: bool = False,
    ) -> None:
        """Drop a column unless it holds data (or is already gone).

        Values equal to ``default`` (the server default the upgrade filled in: a literal
        string, or ``sa.text(...)`` for an expression) do not count as data, nor do the
        values of a computed column. With ``only_if_created``, a column the upgrade did not add (it
        was there before) is kept.
        """
        operations.invoke(
            cls(
                table_name,
                column_name,
                schema=schema,
                default=default,
                only_if_created=only_if_created,
            )
        )

    def reverse(self) -> ops.MigrateOperation:
        from .add_column import AddColumnIfNotExistsOp

        if self.column is None:
            raise ValueError("cannot reverse drop_column_if_empty without the column definition")
        return AddColumnIfNotExistsOp(self.table_name, self.column, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_column", self.schema, self.table_name, self.column)


@Operations.implementation_for(DropColumnIfEmptyOp)
def drop_column_if_empty(operations: Operations, operation: DropColumnIfEmptyOp) -> None:
    name = _support.qualified(operation.table_name, operation.schema, operation.column_name)
    forced = _support.is_forced(operations)
    if _support.offline(operations):
        if not forced:
            raise _support.RefusedDrop(
                f"alembic-additive: cannot check that {name} is empty in --sql mode; "
                f"pass -x {_support.FORCE_FLAG}=1 to emit the DROP anyway"
            )
    else:
        if (
            operation.only_if_created
            and ledger.recorded(
                operations,
                ledger.COLUMN,
                operation.table_name,
                operation.schema,
                operation.column_name,
            )
            is None
        ):
            log.info("Column %s was not added by the upgrade; kept", name)
            return
        if not _support.column_exists(
            operations, operation.table_name, operation.column_name, operation.schema
        ):
            log.info("Column %s does not exist; nothing to drop", name)
            return
        live = _live_column(operations, operation)
        if live is not None and live.get("computed"):
            log.info("Column %s is computed: it holds no data of its own", name)
            held = 0
        else:
            filled = None
            if operation.default is not None and not isinstance(operation.default, str):
                filled = _exact.filled_at_upgrade(
                    operations.get_bind(),
                    _support.stored_name(operations, operation.table_name),
                    operation.schema,
                    _support.stored_name(operations, operation.column_name),
                )
                if filled is None:  # MariaDB/MySQL: what the upgrade read, in the ledger
                    filled = ledger.recorded_detail(
                        operations,
                        ledger.COLUMN,
                        operation.table_name,
                        operation.schema,
                        operation.column_name,
                    )
            held = _support.count(
                operations,
                operation.table_name,
                operation.schema,
                operation.column_name,
                operation.default,
                live["type"] if live is not None else None,
                filled,
            )
        if held and not forced:
            other = " other than its default" if operation.default is not None else ""
            raise _support.RefusedDrop(
                f"alembic-additive: refusing to drop column {name}: it holds {held} non-null "
                f"value(s){other}. Move them first, or pass -x {_support.FORCE_FLAG}=1 to drop "
                "it anyway"
            )
        if held:
            log.warning("Forced: dropping column %s with %d non-null value(s)", name, held)
    operations.drop_column(
        _support.stored_name(operations, operation.table_name),
        _support.stored_name(operations, operation.column_name),
        schema=operation.schema,
    )
    if not _support.offline(operations):
        ledger.forget(
            operations, ledger.COLUMN, operation.table_name, operation.schema, operation.column_name
        )


@renderers.dispatch_for(DropColumnIfEmptyOp)
def render_drop_column_if_empty(autogen_context: AutogenContext, op: DropColumnIfEmptyOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    extra = f", schema={op.schema!r}" if op.schema else ""
    if op.default is not None:
        extra += f", default={_exact.render_default(op.default, autogen_context.dialect)}"
    if op.only_if_created:
        extra += ", only_if_created=True"
    return f"{prefix}drop_column_if_empty({op.table_name!r}, {op.column_name!r}{extra})"


def _live_column(operations: Operations, operation: DropColumnIfEmptyOp) -> dict[str, Any] | None:
    """The reflected live column: its type for the exact comparison, and whether it is
    computed. None when reflection does not list it (then the type is unknown)."""
    insp = _support.inspector(operations)
    table = _support.stored_name(operations, operation.table_name)
    column = _support.stored_name(operations, operation.column_name)
    for c in insp.get_columns(table, schema=operation.schema):
        if c["name"] == column:
            return dict(c)
    return None
