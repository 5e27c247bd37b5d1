"""Is a column type change provably widening?

Only changes for which every value of the old type is representable, unchanged, in the new
type count as widening. Anything else is lossy (or unknown, which we treat as lossy), and
where it is cheap to count the values that would not fit, a :class:`MisfitCheck` says how.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from .findings import MisfitCheck

# Integer families ordered by width, with the range of values each can hold.
_INT_RANGES: list[tuple[type[TypeEngine[Any]], int, int]] = [
    (sa.SmallInteger, -(2**15), 2**15 - 1),
    (sa.BigInteger, -(2**63), 2**63 - 1),
    (sa.Integer, -(2**31), 2**31 - 1),  # after its subclasses
]


_NAMED_INT_RANGES = {"TINYINT": (-(2**7), 2**7 - 1), "MEDIUMINT": (-(2**23), 2**23 - 1)}


def _int_range(t: TypeEngine[Any]) -> tuple[int, int] | None:
    named = _NAMED_INT_RANGES.get(type(t).__name__.upper())
    if named is not None and isinstance(t, sa.Integer):
        return named
    for cls, low, high in _INT_RANGES:
        if isinstance(t, cls):
            return low, high
    return None


def _is_text(t: TypeEngine[Any]) -> bool:
    return isinstance(t, sa.Text) or (isinstance(t, sa.String) and t.length is None)


def _float_bits(t: TypeEngine[Any]) -> int:
    """Mantissa bits of a float type: REAL/Float(≤24) hold 24, DOUBLE 53."""
    name = type(t).__name__.upper()
    if "DOUBLE" in name:
        return 53
    precision = getattr(t, "precision", None)
    if name == "REAL" or (isinstance(precision, int) and precision <= 24):
        return 24
    return 53


def classify(existing: TypeEngine[Any], new: TypeEngine[Any]) -> tuple[bool, str, MisfitCheck | None]:
    """Return ``(widening, reason, misfit)`` for a change from ``existing`` to ``new``."""
    old_s, new_s = _describe(existing), _describe(new)
    change = f"{old_s} → {new_s}"

    # Strings: VARCHAR(n) → VARCHAR(m ≥ n) or TEXT; CHAR(n) → VARCHAR(m ≥ n).
    if isinstance(existing, sa.String) and isinstance(new, sa.String):
        if _is_text(new):
            return True, f"{change} widens", None
        if _is_text(existing):
            assert new.length is not None
            return False, f"{change} may truncate", MisfitCheck("max_length", new.length)
        assert existing.length is not None and new.length is not None
        if new.length >= existing.length:
            return True, f"{change} widens", None
        return False, f"{change} may truncate", MisfitCheck("max_length", new.length)

    # Integers: SMALLINT → INTEGER → BIGINT.
    old_r, new_r = _int_range(existing), _int_range(new)
    if old_r and new_r:
        if new_r[0] <= old_r[0] and new_r[1] >= old_r[1]:
            return True, f"{change} widens", None
        return False, f"{change} narrows", MisfitCheck("int_range", new_r[1], new_r[0])

    # Integer → NUMERIC(p, s) with enough integer digits.
    if old_r and isinstance(new, sa.Numeric) and not isinstance(new, sa.Float):
        if new.precision is None:
            return True, f"{change} widens", None
        digits = len(str(old_r[1]))
        int_digits = new.precision - (new.scale or 0)
        if int_digits >= digits:
            return True, f"{change} widens", None
        return False, f"{change} may overflow", MisfitCheck("abs_below", 10**int_digits)

    # NUMERIC(p, s) → NUMERIC(p2 ≥ p, s2 ≥ s) keeping integer digits.
    if (
        isinstance(existing, sa.Numeric)
        and isinstance(new, sa.Numeric)
        and not isinstance(existing, sa.Float)
        and not isinstance(new, sa.Float)
    ):
        if new.precision is None:
            return True, f"{change} widens", None
        if existing.precision is None:
            int_digits = new.precision - (new.scale or 0)
            return False, f"{change} may overflow", MisfitCheck("abs_below", 10**int_digits)
        old_scale, new_scale = existing.scale or 0, new.scale or 0
        old_int, new_int = existing.precision - old_scale, new.precision - new_scale
        if new_scale >= old_scale and new_int >= old_int:
            return True, f"{change} widens", None
        if new_int < old_int:
            return False, f"{change} may overflow", MisfitCheck("abs_below", 10**new_int)
        return False, f"{change} rounds away decimal places", None

    # REAL → DOUBLE PRECISION.
    if isinstance(existing, sa.Float) and isinstance(new, sa.Float):
        if _float_bits(new) >= _float_bits(existing):
            return True, f"{change} widens", None
        return False, f"{change} loses precision", None

    return False, f"{change} is not a provable widening", None


def _describe(t: TypeEngine[Any]) -> str:
    try:
        return str(t.compile())
    except Exception:  # noqa: BLE001 - a type that cannot compile generically still has a name
        return type(t).__name__.upper()
