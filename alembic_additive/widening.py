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
        return _unsigned(t, *named)
    for cls, low, high in _INT_RANGES:
        if isinstance(t, cls):
            return _unsigned(t, low, high)
    return None


def _unsigned(t: TypeEngine[Any], low: int, high: int) -> tuple[int, int]:
    """MySQL ``UNSIGNED`` integers hold 0 .. 2·high+1 instead of low .. high."""
    return (0, high - low) if getattr(t, "unsigned", False) else (low, high)


def _is_text(t: TypeEngine[Any]) -> bool:
    if isinstance(t, sa.CHAR):
        return False  # CHAR without a length is CHAR(1)
    if type(t).__name__.upper() == "SET":
        return True  # its length is the longest member, but a value joins several
    return isinstance(t, sa.Text) or (isinstance(t, sa.String) and t.length is None)


def _enumerated(t: TypeEngine[Any]) -> bool:
    """ENUM / MySQL SET: only the listed values fit, whatever their length."""
    return isinstance(t, sa.Enum) or type(t).__name__.upper() == "SET"


def _float_bits(t: TypeEngine[Any]) -> tuple[int, int]:
    """Mantissa bits of a float type, as (at least, at most): REAL/Float(≤24) hold 24,
    DOUBLE 53, and a FLOAT without precision 24 on MySQL/MariaDB but 53 elsewhere."""
    name = type(t).__name__.upper()
    if "DOUBLE" in name:
        return 53, 53
    precision = getattr(t, "precision", None)
    if name == "REAL" or (isinstance(precision, int) and precision <= 24):
        return 24, 24
    if precision is None:
        return 24, 53
    return 53, 53


def classify(
    existing: TypeEngine[Any], new: TypeEngine[Any]
) -> tuple[bool, str, MisfitCheck | None]:
    """Return ``(widening, reason, misfit)`` for a change from ``existing`` to ``new``."""
    old_s, new_s = _describe(existing), _describe(new)
    change = f"{old_s} → {new_s}"

    # Strings: VARCHAR(n) → VARCHAR(m ≥ n) or TEXT; CHAR(n) → VARCHAR(m ≥ n).
    if isinstance(existing, sa.String) and isinstance(new, sa.String):
        if _enumerated(new):
            if (
                isinstance(existing, sa.Enum)
                and isinstance(new, sa.Enum)
                and set(existing.enums) <= set(new.enums)
            ):
                return True, f"{change} widens", None
            return False, f"{change} rejects values outside the enumeration", None
        if _is_text(new):
            return True, f"{change} widens", None
        new_length = new.length or 1  # only CHAR gets here without a length
        if _is_text(existing) or new_length < (existing.length or 1):
            return False, f"{change} may truncate", MisfitCheck("max_length", new_length)
        if isinstance(new, sa.CHAR) and not isinstance(existing, sa.CHAR):
            return False, f"{change} pads or strips trailing spaces", None
        return True, f"{change} widens", None

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
        if _float_bits(new)[0] >= _float_bits(existing)[1]:
            return True, f"{change} widens", None
        return False, f"{change} loses precision", None

    return False, f"{change} is not a provable widening", None


def _describe(t: TypeEngine[Any]) -> str:
    if isinstance(t, sa.Enum):  # compiles generically as VARCHAR(n)
        return f"ENUM({', '.join(repr(e) for e in t.enums)})"
    try:
        text = str(t.compile())
    except Exception:
        text = type(t).__name__.upper()
    return f"{text} UNSIGNED" if getattr(t, "unsigned", False) else text
