"""Read simple CHECK constraints, so ``--seed-rows`` writes values they accept.

A table with ``CHECK (status IN ('new', 'paid'))`` or ``CHECK (amount < 0)`` refused the
seeder's row-number values and was skipped. The reflected constraint text is parsed with
sqlglot (already used by lint) and, per column, these shapes are understood, joined by AND:

* ``c IN (a, b, ...)``, ``c = a``, PostgreSQL's ``c = ANY (ARRAY[a, b])`` (how it stores an
  IN list), casts around ``c`` or the literals: the values to choose from;
* ``c > n``, ``c >= n``, ``c < n``, ``c <= n`` (either side), ``c BETWEEN a AND b``: a range
  of numbers;
* ``json_valid(c)``, ``c IS JSON``: the value must be JSON text.

Anything else is left alone: if the insert then fails, the table is skipped with a note as
before. Only literals from the constraint are used; nothing is read from the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


@dataclass
class Rule:
    """What a column's values must be, from its CHECK constraints."""

    choices: list[Any] | None = None
    low: float | None = None
    low_strict: bool = False
    high: float | None = None
    high_strict: bool = False
    json: bool = False
    unknown: list[str] = field(default_factory=list)


def rules(checks: list[str], dialect: str) -> dict[str, Rule]:
    """Per column (lower-cased name), what the CHECK texts ``checks`` ask of it."""
    out: dict[str, Rule] = {}
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:  # pragma: no cover - sqlglot is a dependency
        return out
    for text in checks:
        try:
            tree = sqlglot.parse_one(text, read=_DIALECTS.get(dialect, dialect))
        except Exception:
            continue
        for part in _conjuncts(tree, exp):
            _read(part, exp, out)
    return out


def _conjuncts(node: Any, exp: Any) -> list[Any]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return _conjuncts(node.this, exp) + _conjuncts(node.expression, exp)
    return [node]


def _column(node: Any, exp: Any) -> str | None:
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    if isinstance(node, exp.Column):
        return str(node.name).lower()
    return None


def _literal(node: Any, exp: Any) -> tuple[bool, Any]:
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    if isinstance(node, exp.Neg):
        ok, value = _literal(node.this, exp)
        return (ok, -value) if ok and isinstance(value, (int, float)) else (False, None)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, str(node.this)
        text = str(node.this)
        try:
            return True, int(text)
        except ValueError:
            try:
                return True, float(text)
            except ValueError:
                return False, None
    return False, None


def _literals(nodes: list[Any], exp: Any) -> list[Any] | None:
    values = []
    for node in nodes:
        ok, value = _literal(node, exp)
        if not ok:
            return None
        values.append(value)
    return values


_FLIP = {"GT": "LT", "GTE": "LTE", "LT": "GT", "LTE": "GTE"}


def _read(node: Any, exp: Any, out: dict[str, Rule]) -> None:
    if isinstance(node, exp.In):
        column = _column(node.this, exp)
        values = _literals(list(node.expressions), exp)
        if column and values:
            out.setdefault(column, Rule()).choices = values
        return
    if isinstance(node, exp.EQ):
        column = _column(node.this, exp)
        target = node.expression
        if column and isinstance(target, exp.Any):
            inner = target.this
            while isinstance(inner, (exp.Paren, exp.Cast)):
                inner = inner.this
            if isinstance(inner, exp.Array):
                values = _literals(list(inner.expressions), exp)
                if values:
                    out.setdefault(column, Rule()).choices = values
            return
        ok, value = _literal(target, exp)
        if column and ok:
            out.setdefault(column, Rule()).choices = [value]
        return
    if isinstance(node, exp.Between):
        column = _column(node.this, exp)
        ok_low, low = _literal(node.args.get("low"), exp)
        ok_high, high = _literal(node.args.get("high"), exp)
        if column and ok_low and ok_high:
            rule = out.setdefault(column, Rule())
            rule.low, rule.high = low, high
        return
    kind = type(node).__name__
    if kind in _FLIP:
        column, (ok, value) = _column(node.this, exp), _literal(node.expression, exp)
        if column is None:  # n < c
            column, (ok, value) = _column(node.expression, exp), _literal(node.this, exp)
            kind = _FLIP[kind]
        if column and ok and isinstance(value, (int, float)):
            rule = out.setdefault(column, Rule())
            if kind in ("GT", "GTE"):
                rule.low, rule.low_strict = value, kind == "GT"
            else:
                rule.high, rule.high_strict = value, kind == "LT"
        return
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_valid":
        column = _column(node.expressions[0], exp) if node.expressions else None
        if column:
            out.setdefault(column, Rule()).json = True
        return
    if kind in ("JSONValid", "IsJSON", "JSONIsValid"):
        column = _column(node.this, exp)
        if column:
            out.setdefault(column, Rule()).json = True


def number_generator(rule: Rule, integer: bool) -> Any:
    """Values in the rule's range, distinct per row where the range allows."""
    step = 1 if integer else 1.0
    low = rule.low
    high = rule.high
    if integer:
        if low is not None:
            low = int(low) + 1 if rule.low_strict and float(low).is_integer() else _ceil(low)
        if high is not None:
            high = (
                int(high) - 1 if rule.high_strict and float(high).is_integer() else int(high // 1)
            )
    elif rule.low_strict and low is not None:
        low = low + 0.5 if high is None or high - low > 1 else (low + high) / 2
    elif rule.high_strict and high is not None and low is None:
        high = high - 0.5
    if low is not None and high is not None:
        span = int(high - low) + 1 if integer else 1
        if span <= 0:
            return None
        return lambda i: low + ((i - 1) % span) * step if integer else (low + high) / 2
    if low is not None:
        return lambda i: low + (i - 1) * step
    if high is not None:
        return lambda i: high - (i - 1) * step
    return None


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole >= value else whole + 1
