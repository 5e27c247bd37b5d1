"""``op.alter_column_recorded``: a kept NOT NULL tightening whose downgrade loosens only what
the upgrade tightened.

Autogenerate writes ``alter_column(..., nullable=False)`` because the database it compared
(development) has the column nullable. Where the revision runs (production) the column may
be NOT NULL already: Alembic's ``ALTER`` then changes nothing, but its reverse,
``alter_column(..., nullable=True)``, removes a NOT NULL that existed before the upgrade. The
revision file cannot know which case it met; only the live column can. So, like the
``*_if_not_exists`` operations (:mod:`.ledger`):

- the upgrade looks at the live column: nullable, it writes a ``not_null`` row to the ledger
  and tightens; NOT NULL already, it skips the nullability change (a rerun is a no-op);
- the downgrade (``only_if_tightened=True``, what :meth:`reverse` renders) loosens only when
  the ledger lists the column, then deletes the row; otherwise the NOT NULL is kept.

Any other part of the change runs as before through :class:`AlterColumnSafeOp` (a table
rebuild on SQLite, Alembic's ``alter_column`` elsewhere, with ``existing_type`` for
MariaDB's ``MODIFY``), and a widened type stays wide on downgrade
(:class:`~.alter_column.WideningAlterColumnOp`). Offline (``--sql``) nothing can be looked
up: the upgrade emits the ``ALTER`` and records nothing; the downgrade keeps the NOT NULL
(with a warning) unless forced with ``-x additive_force=1``.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops

from . import _support, ledger
from .alter_column_safe import AlterColumnSafeOp

log = logging.getLogger(f"alembic.{__name__}")


@Operations.register_operation("alter_column_recorded")
class AlterColumnRecordedOp(AlterColumnSafeOp):
    """``alter_column`` setting NOT NULL, recorded in the ledger when it really tightens."""

    def __init__(
        self, table_name: str, column_name: str, *, only_if_tightened: bool = False, **kw: Any
    ) -> None:
        super().__init__(table_name, column_name, **kw)
        #: the downgrade: loosen only if the ledger says the upgrade tightened the column
        self.only_if_tightened = only_if_tightened

    @classmethod
    def alter_column_recorded(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        only_if_tightened: bool = False,
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
        """Same arguments as ``op.alter_column``; ``nullable=False`` tightens only a nullable
        column (and records it); ``nullable=True, only_if_tightened=True`` loosens only a
        column the upgrade tightened."""
        operations.invoke(
            cls(
                table_name,
                column_name,
                only_if_tightened=only_if_tightened,
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
    def from_op(cls, op: ops.AlterColumnOp) -> AlterColumnRecordedOp:
        new = cls.__new__(cls)
        new.__dict__.update(op.__dict__)
        new.only_if_tightened = False
        return new

    def reverse(self) -> ops.MigrateOperation:  # type: ignore[override]  # may be a note
        back = super().reverse()
        if isinstance(back, AlterColumnRecordedOp):
            back.only_if_tightened = back.modify_nullable is True
        return back

    def safe(self) -> AlterColumnSafeOp:
        """The same change as a plain ``alter_column_safe`` (what finally runs)."""
        op = AlterColumnSafeOp.__new__(AlterColumnSafeOp)
        op.__dict__.update(self.__dict__)
        del op.__dict__["only_if_tightened"]
        return op


def _live_nullable(operations: Operations, operation: AlterColumnRecordedOp) -> bool | None:
    """The live column's nullability, or None when there is no such column."""
    insp = _support.inspector(operations)
    table = _support.stored_name(operations, operation.table_name)
    if not insp.has_table(table, schema=operation.schema):
        return None
    for column in insp.get_columns(table, schema=operation.schema):
        if _support.same_name(operations, column["name"], operation.column_name):
            return bool(column["nullable"])
    return None


@Operations.implementation_for(AlterColumnRecordedOp)
def alter_column_recorded(operations: Operations, operation: AlterColumnRecordedOp) -> None:
    name = _support.qualified(operation.table_name, operation.schema, operation.column_name)
    change = operation.safe()
    forget = False
    offline = _support.offline(operations)
    if operation.modify_nullable is False and not offline:
        if _live_nullable(operations, operation) is False:
            log.info("Column %s is NOT NULL already; nothing to tighten", name)
            change.modify_nullable = None
            change.existing_nullable = False  # MariaDB's MODIFY must keep the NOT NULL
        else:
            ledger.record(
                operations,
                ledger.NOT_NULL,
                operation.table_name,
                operation.schema,
                operation.column_name,
            )
    elif operation.modify_nullable is True and operation.only_if_tightened:
        if offline:
            if not _support.is_forced(operations):
                log.warning(
                    "Offline SQL: cannot tell whether the upgrade made %s NOT NULL; kept "
                    "(pass -x %s=1 to loosen it anyway)",
                    name,
                    _support.FORCE_FLAG,
                )
                change.modify_nullable = None
                change.existing_nullable = False
        elif (
            ledger.recorded(
                operations,
                ledger.NOT_NULL,
                operation.table_name,
                operation.schema,
                operation.column_name,
            )
            is None
        ):
            log.info("Column %s was NOT NULL before the upgrade; kept", name)
            change.modify_nullable = None
            change.existing_nullable = False
        else:
            forget = True
    if change.has_changes():
        operations.invoke(change)
    if forget:
        ledger.forget(
            operations,
            ledger.NOT_NULL,
            operation.table_name,
            operation.schema,
            operation.column_name,
        )


@renderers.dispatch_for(AlterColumnRecordedOp)
def render_alter_column_recorded(autogen_context: AutogenContext, op: AlterColumnRecordedOp) -> str:
    autogen_context.imports.add(_support.IMPORT_LINE)
    text = render_op_text(autogen_context, op.plain())
    text = text.replace("alter_column(", "alter_column_recorded(", 1)
    if op.only_if_tightened:
        text = text[:-1] + ", only_if_tightened=True)"
    return text
