"""Read the final upgrade's operation tree for what depends on data where it runs.

After the rewrite, the tree holds exactly what the upgrade will do. The operations whose
success depends on the data (a NOT NULL, a unique key, a foreign key, a CHECK, a column
added NOT NULL) are described here as plain :mod:`~alembic_additive.findings` dataclasses,
from which the policy derives the upgrade-time checks (:func:`alembic_additive.policy.guards`).

Alembic's own operation classes are recognised with ``isinstance``, so the plugin's
idempotent twins (subclasses of them) and other extensions' subclasses are read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .findings import (
    KeptAddColumn,
    KeptChange,
    KeptCheck,
    KeptCreateTable,
    KeptForeignKey,
    KeptNotNull,
    KeptTypeChange,
    KeptUnique,
    TableRef,
)

_LITERAL = re.compile(r"^\s*('(?:[^']|'')*'|[-+]?\d+(?:\.\d+)?|true|false)\s*$", re.IGNORECASE)


def read(tree: Iterable[ops.MigrateOperation], dialect: sa.Dialect) -> list[KeptChange]:
    """Every data-dependent change in ``tree`` (an upgrade's top-level operations), in order."""
    out: list[KeptChange] = []
    for op in _leaves(tree):
        out.extend(_describe(op, dialect))
    return out


def _leaves(tree: Iterable[ops.MigrateOperation]) -> Iterator[ops.MigrateOperation]:
    for op in tree:
        inner = getattr(op, "ops", None)
        if isinstance(op, ops.OpContainer) or (isinstance(inner, list) and inner):
            yield from _leaves(inner or [])
        else:
            yield op


def _ref(schema: str | None, table: Any) -> TableRef:
    return TableRef(schema, str(table))


def _name(value: Any) -> str | None:
    return str(value) if isinstance(value, str) else None


def _describe(op: ops.MigrateOperation, dialect: sa.Dialect) -> list[KeptChange]:
    if isinstance(op, ops.CreateTableOp):
        return [KeptCreateTable(_ref(op.schema, op.table_name))]
    if isinstance(op, ops.AlterColumnOp):
        ref = _ref(op.schema, op.table_name)
        altered: list[KeptChange] = []
        if op.modify_type is not None and op.existing_type is not None:
            altered.append(
                KeptTypeChange(ref, op.column_name, op.existing_type, op.modify_type, dialect.name)
            )
        if op.modify_nullable is False:
            altered.append(KeptNotNull(ref, op.column_name))
        return altered
    if isinstance(op, ops.AddColumnOp):
        return [_add_column(op, dialect)]
    if isinstance(op, ops.CreatePrimaryKeyOp):
        ref = _ref(op.schema, op.table_name)
        columns = tuple(str(c) for c in op.columns)
        return [
            *(KeptNotNull(ref, c) for c in columns),
            KeptUnique(ref, columns, _name(op.constraint_name)),
        ]
    if isinstance(op, ops.CreateUniqueConstraintOp):
        columns = tuple(str(c) for c in op.columns)
        return [KeptUnique(_ref(op.schema, op.table_name), columns, _name(op.constraint_name))]
    if isinstance(op, ops.CreateIndexOp):
        if not op.unique:
            return []
        plain = [
            c if isinstance(c, str) else c.name
            for c in op.columns
            if isinstance(c, (str, sa.sql.expression.ColumnClause))
        ]
        if len(plain) != len(op.columns):
            return []  # an expression index: the database checks it when it is created
        return [KeptUnique(_ref(op.schema, op.table_name), tuple(plain), _name(op.index_name))]
    if isinstance(op, ops.CreateForeignKeyOp):
        return [
            KeptForeignKey(
                _ref(op.kw.get("source_schema"), op.source_table),
                tuple(str(c) for c in op.local_cols),
                _ref(op.kw.get("referent_schema"), op.referent_table),
                tuple(str(c) for c in op.remote_cols),
                _name(op.constraint_name),
            )
        ]
    if isinstance(op, ops.CreateCheckConstraintOp):
        condition = _sql(op.condition, dialect)
        return [KeptCheck(_ref(op.schema, op.table_name), condition, _name(op.constraint_name))]
    return []


def _add_column(op: ops.AddColumnOp, dialect: sa.Dialect) -> KeptChange:
    column = op.column
    default = column.server_default
    arg = getattr(default, "arg", None)
    sql: str | None
    if default is None:
        sql, constant = None, False
    elif isinstance(arg, str):
        sql, constant = "'" + arg.replace("'", "''") + "'", True
    elif arg is not None:
        sql = _sql(arg, dialect)
        constant = bool(_LITERAL.match(sql))
    else:
        sql, constant = "?", False  # a computed or otherwise generated default
    generated = bool(
        column.primary_key or column.computed is not None or column.identity is not None
    )
    return KeptAddColumn(
        _ref(op.schema, op.table_name), column.name, bool(column.nullable), sql, constant, generated
    )


def _sql(expression: Any, dialect: sa.Dialect) -> str:
    if isinstance(expression, str):
        return expression
    if isinstance(expression, sa.sql.ClauseElement):
        return str(expression.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return str(expression)
