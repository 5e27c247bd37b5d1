"""Turning a type expression of a revision (``sa.String(length=50)``) into a SQLAlchemy type.

A whitelist evaluator, never ``eval``: the callee must resolve to a ``TypeEngine`` subclass
in SQLAlchemy's type or dialect modules and every argument must be a literal (or, for
``ARRAY(sa.Integer())``, another such type). Anything else gives None, which the
``alter-column-type`` rule treats as "cannot prove this is a widening". SQLAlchemy is
imported on first use only: most lint runs never evaluate a type.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Mapping

from .names import Binding, resolve

#: Modules whose TypeEngine classes the type evaluator may instantiate.
_TYPE_MODULES = frozenset(
    {
        "sqlalchemy",
        "sqlalchemy.types",
        "sqlalchemy.sql.sqltypes",
        "sqlalchemy.dialects.postgresql",
        "sqlalchemy.dialects.mysql",
        "sqlalchemy.dialects.sqlite",
        "sqlalchemy.dialects.mssql",
        "sqlalchemy.dialects.oracle",
    }
)


def evaluate_type(expr: ast.expr, names: Mapping[str, Binding]) -> object | None:
    """Build the SQLAlchemy type an ``existing_type=`` / ``type_=`` expression denotes.

    A whitelist evaluator, never ``eval``: the callee must resolve to a ``TypeEngine``
    subclass in SQLAlchemy's type or dialect modules and every argument must be a literal
    (or, for ``ARRAY(sa.Integer())``, another such type). Anything else gives None, which the
    rule treats as "cannot prove this is a widening".
    """
    from sqlalchemy.types import TypeEngine

    call = expr if isinstance(expr, ast.Call) else None
    target = resolve(call.func if call else expr, names)
    if not isinstance(target, str) or "." not in target:
        return None
    module_name, _, attr = target.rpartition(".")
    if module_name not in _TYPE_MODULES:
        return None
    try:
        cls = getattr(importlib.import_module(module_name), attr, None)
    except ImportError:
        return None
    if not (isinstance(cls, type) and issubclass(cls, TypeEngine)):
        return None
    if call is None:
        args: list[object] = []
        kwargs: dict[str, object] = {}
    else:
        try:
            args = [_literal(a, names) for a in call.args]
            kwargs = {k.arg: _literal(k.value, names) for k in call.keywords if k.arg}
        except _NotLiteral:
            return None
        if any(k.arg is None for k in call.keywords):
            return None
    try:
        return cls(*args, **kwargs)
    except Exception:  # wrong arguments for the type: "cannot prove"
        return None


class _NotLiteral(Exception):
    """An argument of a type expression is not a literal."""


def _literal(expr: ast.expr, names: Mapping[str, Binding]) -> object:
    if isinstance(expr, ast.Constant):
        return expr.value
    if (
        isinstance(expr, ast.UnaryOp)
        and isinstance(expr.op, ast.USub)
        and isinstance(expr.operand, ast.Constant)
        and isinstance(expr.operand.value, (int, float))
        and not isinstance(expr.operand.value, bool)
    ):
        return -expr.operand.value
    if isinstance(expr, (ast.Tuple, ast.List)):
        return [_literal(e, names) for e in expr.elts]
    nested = evaluate_type(expr, names)
    if nested is None:
        raise _NotLiteral
    return nested
