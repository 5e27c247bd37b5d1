"""Column changes on both sides: type changes (widening or lossy) and tightening to NOT NULL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
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
            existing = stored_type(op.existing_type, autogen_context.dialect)
            new = stored_type(op.modify_type, autogen_context.dialect)
            wide, reason, misfit = widening.classify(existing, new)
            found.add(TypeChange(ref, op.column_name, existing, new, wide, reason, misfit))
        if op.modify_nullable is False:
            found.add(NotNullChange(ref, op.column_name))
    return PriorityDispatchResult.CONTINUE


def stored_type(
    type_: sa.types.TypeEngine[Any], dialect: sa.Dialect | None
) -> sa.types.TypeEngine[Any]:
    """The type the database stores for ``type_``: a TypeDecorator's implementation.

    ``sqlalchemy_utils.EmailType(255)`` is a ``VARCHAR(255)`` to the database; classifying
    the decorator itself could prove nothing ("VARCHAR → VARCHAR, not a provable widening").
    ``load_dialect_impl`` is what the decorator emits DDL with on this dialect.
    """
    seen = 0
    while isinstance(type_, sa.types.TypeDecorator) and seen < 10:
        impl = type_.load_dialect_impl(dialect) if dialect is not None else type_.impl_instance
        if isinstance(impl, sa.types.TypeDecorator) and impl is type_:
            break
        type_ = impl
        seen += 1
    return type_


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(
        compare_alter_columns, "schema", "additive_alter_columns", priority=DispatchPriority.LAST
    )
