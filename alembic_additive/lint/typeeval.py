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


# --------------------------------------------------------------------------- without SQLAlchemy


StaticType = tuple[str, tuple[tuple[str, object], ...]]
"""A type read from the source alone: the class name and its literal arguments."""

#: The positional parameters of the types the static check knows.
_POSITIONAL = {"String": ("length",), "VARCHAR": ("length",), "Unicode": ("length",)}
_POSITIONAL |= {"NVARCHAR": ("length",)}
_STRINGS = frozenset(_POSITIONAL)
_INTEGERS = {"SmallInteger": 0, "SMALLINT": 0, "Integer": 1, "INTEGER": 1}
_INTEGERS |= {"BigInteger": 2, "BIGINT": 2}
_TEXTS = frozenset({"Text", "TEXT", "UnicodeText"})


def static_type(expr: ast.expr, names: Mapping[str, Binding]) -> StaticType | None:
    """``sa.String(length=50)`` -> ``("String", (("length", 50),))`` without importing
    SQLAlchemy; None for anything but a whitelisted class with literal arguments."""
    call = expr if isinstance(expr, ast.Call) else None
    target = resolve(call.func if call else expr, names)
    if not isinstance(target, str) or "." not in target:
        return None
    module_name, _, leaf = target.rpartition(".")
    if module_name not in _TYPE_MODULES:
        return None
    if call is None:
        return leaf, ()
    positional = _POSITIONAL.get(leaf, ())
    if len(call.args) > len(positional):
        return None
    args: dict[str, object] = {}
    for name, value in zip(positional, call.args, strict=False):
        if not isinstance(value, ast.Constant):
            return None
        args[name] = value.value
    for keyword in call.keywords:
        if keyword.arg is None or not isinstance(keyword.value, ast.Constant):
            return None
        args[keyword.arg] = keyword.value.value
    return leaf, tuple(sorted(args.items()))


def obvious_widening(old: StaticType, new: StaticType) -> bool:
    """A change every dialect stores without loss, decided from the source alone, so that
    the common cases never import SQLAlchemy: the same type, a longer string of the same
    kind (no other arguments), a string to ``Text``, a larger integer, ``Float`` to a
    double-precision ``Float(precision=25..53)``. Anything else is for
    :func:`alembic_additive.widening.classify` (a test checks it agrees on these)."""
    if old == new:
        return True
    old_leaf, old_args = old
    new_leaf, new_args = new
    if old_leaf in _STRINGS and new_leaf == old_leaf:
        old_len, new_len = dict(old_args), dict(new_args)
        if set(old_len) != {"length"} or set(new_len) != {"length"}:
            return False
        a, b = old_len["length"], new_len["length"]
        return isinstance(a, int) and isinstance(b, int) and 0 < a <= b
    if old_leaf in _INTEGERS and new_leaf in _INTEGERS and not old_args and not new_args:
        return _INTEGERS[old_leaf] <= _INTEGERS[new_leaf]
    if old_leaf in _STRINGS and new_leaf in _TEXTS and not new_args:
        length = dict(old_args).get("length")
        return set(dict(old_args)) == {"length"} and isinstance(length, int) and length > 0
    if old_leaf == new_leaf == "Float" and not old_args and set(dict(new_args)) == {"precision"}:
        precision = dict(new_args)["precision"]
        return isinstance(precision, int) and 25 <= precision <= 53  # double precision
    return False
