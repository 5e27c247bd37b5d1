"""``op.alter_column_safe``: a kept ``alter_column`` that also runs on SQLite.

SQLite's ALTER TABLE cannot change a column's type, nullability or default. Alembic's answer
is batch mode, whose "move and copy" drops the table with foreign keys still on (children
cascade away), loses triggers and expression indexes, and fails on views; without batch
mode the revision's ``ALTER COLUMN`` fails outright. This operation decides at run time, by
the live dialect: on SQLite it rebuilds the table with SQLite's own procedure
(:mod:`alembic_additive.sqlite.rebuild`), elsewhere it is exactly ``op.alter_column``. So a
revision written against SQLite also runs on PostgreSQL or MariaDB, and the same revision
works whether or not env.py sets ``render_as_batch``.

The plugin writes it for every kept alteration when autogenerate runs against SQLite; like
:class:`WideningAlterColumnOp`, its downgrade never narrows a widened type back.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops
from alembic.util import CommandError

from ..sqlite.rebuild import UNCHANGED, ColumnChange, TableChange, rebuild_table
from . import _support
from .alter_column import WideningAlterColumnOp

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("alter_column_safe")
class AlterColumnSafeOp(WideningAlterColumnOp):
    """``alter_column`` that rebuilds the table safely on SQLite."""

    @classmethod
    def alter_column_safe(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        comment: Any = False,
        server_default: Any = False,
        new_column_name: str | None = None,
        type_: Any = None,
        existing_type: Any = None,
        existing_server_default: Any = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Same arguments as ``op.alter_column``; on SQLite the table is rebuilt."""
        operations.invoke(
            cls(
                table_name,
                column_name,
                schema=schema,
                existing_type=existing_type,
                existing_server_default=existing_server_default,
                existing_nullable=existing_nullable,
                existing_comment=existing_comment,
                modify_name=new_column_name,
                modify_type=type_,
                modify_server_default=server_default,
                modify_nullable=nullable,
                modify_comment=comment,
                **kw,
            )
        )

    @classmethod
    def from_op(cls, op: ops.AlterColumnOp) -> AlterColumnSafeOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # may be a note
        back = super().reverse()
        if isinstance(back, ops.AlterColumnOp) and not isinstance(back, AlterColumnSafeOp):
            return AlterColumnSafeOp.from_op(back)
        return back

    def plain(self) -> ops.AlterColumnOp:
        op = ops.AlterColumnOp.__new__(ops.AlterColumnOp)
        op.__dict__.update(self.__dict__)
        return op


@Operations.implementation_for(AlterColumnSafeOp)
def alter_column_safe(operations: Operations, operation: AlterColumnSafeOp) -> None:
    if operations.migration_context.dialect.name != "sqlite":
        operations.invoke(operation.plain())
        return
    name = _support.qualified(operation.table_name, operation.schema, operation.column_name)
    if _support.offline(operations):
        raise CommandError(
            f"alembic-additive: altering {name} on SQLite rebuilds the table from its stored "
            "definition, which --sql mode cannot read; run the upgrade online"
        )
    default = operation.modify_server_default
    change = ColumnChange(
        operation.column_name,
        type_=operation.modify_type,
        nullable=operation.modify_nullable,
        server_default=UNCHANGED if default is False else default,
    )
    if change.type_ is not None or change.nullable is not None or default is not False:
        rebuild_table(
            operations.get_bind(), operation.table_name, operation.schema, TableChange([change])
        )
    if operation.modify_name is not None:
        # SQLite renames a column in place (3.25+), keeping every reference
        operations.alter_column(
            operation.table_name,
            operation.column_name,
            new_column_name=operation.modify_name,
            schema=operation.schema,
        )


@renderers.dispatch_for(AlterColumnSafeOp)
def render_alter_column_safe(autogen_context: AutogenContext, op: AlterColumnSafeOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    text = render_op_text(autogen_context, op.plain())
    return text.replace("alter_column(", "alter_column_safe(", 1)
