"""Is a column type change safe on this dialect? Proved by rule, measured, or lossy.

The rules compare what each type really stores (:func:`.storage.describe`), never type names,
so MariaDB's DOUBLE and FLOAT(53) come out identical and its MEDIUMTEXT → TEXT comes out a
narrowing by bytes. Four outcomes, from safest:

* ``IDENTICAL``: the dialect stores both types the same way; there is nothing to do.
* ``WIDENING``: every value of the old type is, by rule, stored unchanged by the new one.
* ``MEASURE``: no rule proves it, but whether one value survives can be tested in SQL
  (:mod:`.measure`); the change is safe only where no present value fails the test.
* ``LOSSY``: a narrowing, or a conversion nobody can prove; the misfit check, when there is
  one, only counts how many values would not fit.

With ``dialect=None`` (the lint rule, which does not know where a revision will run) a change
gets the worst outcome it has on any known dialect, and identical counts only as a widening.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from ..findings import MisfitCheck
from . import tables
from .storage import Storage, compiled, describe, normalize_dialect


class Outcome(int, enum.Enum):
    """Ordered from safest to least safe, so ``max()`` picks the worst."""

    IDENTICAL = 0
    WIDENING = 1
    MEASURE = 2
    LOSSY = 3


@dataclass(frozen=True)
class Proof:
    """The classification of one change: outcome, a human reason, and what to measure."""

    outcome: Outcome
    reason: str
    check: MisfitCheck | None = None

    @property
    def safe_by_rule(self) -> bool:
        return self.outcome in (Outcome.IDENTICAL, Outcome.WIDENING)


def classify(existing: TypeEngine[Any], new: TypeEngine[Any], dialect: str | None) -> Proof:
    """Classify a change from ``existing`` to ``new`` on ``dialect`` (a SQLAlchemy name)."""
    name = normalize_dialect(dialect)
    if name not in tables.KNOWN_DIALECTS:
        change = f"{describe_type(existing)} → {describe_type(new)}"
        proofs = [_classify(existing, new, d, change) for d in tables.KNOWN_DIALECTS]
        worst = max(proofs, key=lambda p: p.outcome)
        if worst.outcome <= Outcome.WIDENING:
            return Proof(Outcome.WIDENING, f"{change} widens")
        return worst
    change = f"{describe_type(existing, name)} → {describe_type(new, name)}"
    return _classify(existing, new, name, change)


def _classify(existing: TypeEngine[Any], new: TypeEngine[Any], dialect: str, change: str) -> Proof:
    old_s, new_s = describe(existing, dialect), describe(new, dialect)
    if old_s.signature() == new_s.signature():
        return Proof(Outcome.IDENTICAL, f"{change} is the same type on {dialect}")
    proof = _by_rule(old_s, new_s, dialect, change)
    if dialect == tables.SQLITE and proof.outcome is Outcome.WIDENING:
        return _sqlite_copy(old_s, new_s, change) or proof
    return proof


def _by_rule(old: Storage, new: Storage, dialect: str, change: str) -> Proof:
    if new.family == "enum":
        if (
            old.family == "enum"
            and not new.multi
            and not old.multi
            and old.members is not None
            and new.members is not None
            and old.members <= new.members
        ):
            return Proof(Outcome.WIDENING, f"{change} widens")
        return Proof(Outcome.LOSSY, f"{change} rejects values outside the enumeration")
    if old.family in ("string", "enum") and new.family == "string":
        return _strings(old, new, dialect, change)
    if old.family == "int" and new.family == "int":
        assert old.low is not None and old.high is not None
        assert new.low is not None and new.high is not None
        if new.low <= old.low and new.high >= old.high:
            return Proof(Outcome.WIDENING, f"{change} widens")
        return Proof(
            Outcome.LOSSY, f"{change} narrows", MisfitCheck("int_range", new.high, new.low)
        )
    if old.family == "int" and new.family == "decimal":
        if new.precision is None:
            return Proof(Outcome.WIDENING, f"{change} widens")
        assert old.high is not None and old.low is not None
        digits = max(len(str(old.high)), len(str(abs(old.low))) if old.low < 0 else 1)
        int_digits = new.precision - (new.scale or 0)
        if int_digits >= digits:
            return Proof(Outcome.WIDENING, f"{change} widens")
        return Proof(
            Outcome.LOSSY, f"{change} may overflow", MisfitCheck("abs_below", 10**int_digits)
        )
    if old.family in ("decimal", "float") and new.unsigned and not old.unsigned:
        return Proof(Outcome.LOSSY, f"{change} rejects negative values")
    if old.family == "decimal" and new.family == "decimal":
        return _decimals(old, new, change)
    if old.family == "float" and new.family == "float":
        if old.bits is not None and new.bits is not None and new.bits > old.bits:
            # the binary value is kept, but it reads back differently: single precision
            # prints 0.1 as "0.1", double precision prints the same number as
            # "0.10000000149011612", and that is what the application then gets
            return Proof(
                Outcome.MEASURE,
                f"{change} keeps each number but reads most fractions back with more digits",
                MisfitCheck("float_text", 0),
            )
        if old.bits is not None and new.bits is not None and new.bits == old.bits:
            return Proof(Outcome.WIDENING, f"{change} widens")
        return Proof(Outcome.LOSSY, f"{change} loses precision")
    return Proof(Outcome.LOSSY, f"{change} is not a provable widening")


def _strings(old: Storage, new: Storage, dialect: str, change: str) -> Proof:
    """Characters, then bytes (MariaDB), then padding (PostgreSQL CHAR), then charset."""
    if new.chars is not None and (old.chars is None or old.chars > new.chars or old.multi):
        return Proof(Outcome.LOSSY, f"{change} may truncate", MisfitCheck("max_length", new.chars))
    if new.bytes is not None:
        most = old.max_bytes()
        if most is None or most > new.bytes:
            return Proof(
                Outcome.LOSSY,
                f"{change} may truncate: {new.name.split()[0]} holds at most {new.bytes:,} bytes",
                MisfitCheck("max_bytes", new.bytes),
            )
    if new.fixed and not old.fixed:
        return Proof(Outcome.LOSSY, f"{change} pads or strips trailing spaces")
    if old.padded:
        # CHAR(n) reads back padded to n: VARCHAR/TEXT drop the padding, a wider CHAR adds
        width = new.chars if new.fixed and new.chars is not None else old.chars or 1
        return Proof(
            Outcome.MEASURE,
            f"{change} drops or adds CHAR padding (values are read back padded to {width})",
            MisfitCheck("padded", width),
        )
    if old.charset and new.charset and old.charset != new.charset:
        return Proof(
            Outcome.MEASURE,
            f"{change} converts {old.charset} to {new.charset}",
            MisfitCheck("charset", 0, detail=new.charset),
        )
    return Proof(Outcome.WIDENING, f"{change} widens")


def _decimals(old: Storage, new: Storage, change: str) -> Proof:
    if new.precision is None:
        if old.precision is None or (new.scale is None or new.scale >= (old.scale or 0)):
            return Proof(Outcome.WIDENING, f"{change} widens")
        return Proof(Outcome.LOSSY, f"{change} rounds away decimal places")
    new_scale = new.scale or 0
    new_int = new.precision - new_scale
    if old.precision is None:
        return Proof(Outcome.LOSSY, f"{change} may overflow", MisfitCheck("abs_below", 10**new_int))
    old_scale = old.scale or 0
    old_int = old.precision - old_scale
    if new_scale >= old_scale and new_int >= old_int:
        return Proof(Outcome.WIDENING, f"{change} widens")
    if new_int < old_int:
        return Proof(Outcome.LOSSY, f"{change} may overflow", MisfitCheck("abs_below", 10**new_int))
    return Proof(Outcome.LOSSY, f"{change} rounds away decimal places")


def _sqlite_copy(old: Storage, new: Storage, change: str) -> Proof | None:
    """Alembic's SQLite batch mode copies every row into a new table: with a CAST when the
    SQLAlchemy affinities differ (so '' and 'n/a' in an INTEGER column become 0 under
    NUMERIC), and under the new column's affinity in any case. Proved only when neither
    applies; otherwise each value's storage class is measured."""
    cast = old.sa_affinity != new.sa_affinity
    if not cast and old.affinity == new.affinity:
        return None
    how = "cast" if cast else "keep"
    return Proof(
        Outcome.MEASURE,
        f"{change} is copied by SQLite {'with a CAST ' if cast else ''}into "
        f"{new.affinity} affinity",
        MisfitCheck("sqlite_copy", 0, detail=f"{how}:{new.affinity}"),
    )


def describe_type(t: TypeEngine[Any], dialect: str | None = None) -> str:
    """The type as the user would recognise it (as ``dialect`` writes it), for reasons."""
    if isinstance(t, sa.Enum):  # compiles generically as VARCHAR(n)
        return f"ENUM({', '.join(repr(e) for e in t.enums)})"
    text = compiled(t, dialect)
    unsigned = getattr(t, "unsigned", False) and "UNSIGNED" not in text
    return f"{text} UNSIGNED" if unsigned else text
