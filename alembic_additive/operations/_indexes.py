"""What the index-replacing operations share: comparing a live index with a definition, and
dropping/creating by the name as the database stores it."""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import Operations, ops

from . import _constraints, _support

log = logging.getLogger(f"alembic.{__name__}")

NATIVE = ("postgresql", "sqlite", "mariadb")


def _expression(column: Any) -> str:
    return _constraints.normalized_sql(str(getattr(column, "name", None) or column))


def matches(live: dict[str, Any], op: ops.CreateIndexOp) -> bool:
    """Whether the live index already has ``op``'s definition (columns in order, uniqueness)."""
    expressions = live.get("expressions") or []
    names = [
        c if c is not None else (expressions[i] if i < len(expressions) else "")
        for i, c in enumerate(live.get("column_names") or [])
    ]
    wanted = [_expression(c) for c in op.columns]
    return [_constraints.normalized_sql(str(n)) for n in names] == wanted and bool(
        live.get("unique")
    ) == bool(op.unique)


def plain(op: ops.CreateIndexOp, family: str) -> ops.CreateIndexOp:
    return ops.CreateIndexOp(
        op.index_name,
        op.table_name,
        op.columns,
        schema=op.schema,
        unique=op.unique,
        if_not_exists=True if family in NATIVE else None,
        **op.kw,
    )


def drop(operations: Operations, name: str, table: str, schema: str | None) -> None:
    family = _support.dialect_family(operations)
    operations.drop_index(
        _support.stored_name(operations, name),
        table_name=_support.stored_name(operations, table),
        schema=schema,
        if_exists=True if family in NATIVE else None,
    )


def copy_as(cls: Any, op: ops.CreateIndexOp) -> Any:
    new = cls.__new__(cls)
    new.__dict__.update(op.__dict__)
    new.if_not_exists = None
    return new


def render(autogen_context: Any, op: ops.CreateIndexOp, name: str, extra: str = "") -> str:
    from alembic.autogenerate.render import render_op_text

    autogen_context.imports.add(_support.IMPORT_LINE)
    base = ops.CreateIndexOp.__new__(ops.CreateIndexOp)
    base.__dict__.update(op.__dict__)
    base.if_not_exists = None
    text = render_op_text(autogen_context, base).replace("create_index(", f"{name}(", 1)
    if extra:
        text = text[: text.rstrip().rindex(")")] + extra + ")"
    return text
