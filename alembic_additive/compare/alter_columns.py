"""Column changes on both sides: type changes (widening or lossy) and tightening to NOT NULL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..findings import NotNullChange, TableRef, TypeChange
from ..types import Outcome, classify, tables
from ..types.charset import keep_charset
from ..types.storage import normalize_dialect
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
            change = _type_change(autogen_context.dialect, ref, op)
            if change is not None:
                found.add(change)
        if op.modify_nullable is False:
            found.add(NotNullChange(ref, op.column_name))
    return PriorityDispatchResult.CONTINUE


def _type_change(
    dialect: sa.Dialect | None, ref: TableRef, op: ops.AlterColumnOp
) -> TypeChange | None:
    """Classify ``op``'s type change on the dialect autogenerate compares against.

    On MariaDB the column's own charset and collation are carried onto the new type first
    (:mod:`alembic_additive.types.charset`). A change between two types the dialect stores
    identically (DOUBLE vs FLOAT(53), SQLite INTEGER vs BIGINT) is no change at all: it is
    taken out of the operation, so the revision has nothing to do and ``alembic check``
    nothing to report, and it is no finding either.
    """
    assert op.existing_type is not None and op.modify_type is not None
    name = normalize_dialect(dialect.name if dialect is not None else None)
    existing = stored_type(op.existing_type, dialect)
    new = stored_type(op.modify_type, dialect)
    if name == tables.MYSQL:
        carried = keep_charset(existing, new)
        if carried is not new:  # rendered as the MariaDB type (a decorator's DDL type)
            op.modify_type = new = carried
    proof = classify(existing, new, name)
    if proof.outcome is Outcome.IDENTICAL:
        log.info("%s.%s: %s; no operation", ref, op.column_name, proof.reason)
        op.modify_type = None
        return None
    return TypeChange(
        ref,
        op.column_name,
        existing,
        new,
        proof.safe_by_rule,
        proof.reason,
        proof.check,
        measured=proof.outcome is Outcome.MEASURE,
    )


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
