"""What a SQLAlchemy type really stores on one dialect, read from :mod:`.tables`.

:func:`describe` turns a type (reflected or from the models) into a :class:`Storage`: the
integer range, float mantissa bits, decimal digits, character and byte limits, charset and
padding that the dialect actually gives a column of that type. Two types with the same
:meth:`Storage.signature` are the same column on that dialect (MariaDB's DOUBLE and FLOAT(53),
SQLite's INTEGER and BIGINT), which is why classification never reasons about type names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from . import tables


@dataclass(frozen=True)
class Storage:
    """One type on one dialect. ``None`` limits mean unbounded (or, for charset, unknown)."""

    family: str
    """``int``, ``float``, ``decimal``, ``string``, ``enum`` or ``other``."""
    name: str
    """The type as the dialect writes it (for ``other`` the identity of the type)."""
    low: int | None = None
    high: int | None = None
    bits: int | None = None
    precision: int | None = None
    scale: int | None = None
    chars: int | None = None
    bytes: int | None = None
    fixed: bool = False
    padded: bool = False
    charset: str | None = None
    collation: str | None = None
    members: frozenset[str] | None = None
    multi: bool = False
    """A MariaDB SET: a value joins several members."""
    unsigned: bool = False
    """MariaDB UNSIGNED DECIMAL/FLOAT/DOUBLE (integers carry it in ``low``..``high``)."""
    affinity: str | None = None
    """SQLite's affinity of the declared type name."""
    sa_affinity: str | None = None
    """SQLAlchemy's type affinity: Alembic's SQLite batch copy CASTs when it differs."""

    def signature(self) -> tuple[Any, ...]:
        """Equal signatures: the dialect stores both types the same way (no operation)."""
        if self.family == "int" and self.affinity is not None:
            # every SQLite integer type is the same 64-bit storage class (tables.SQLITE_INT_BITS)
            return ("int", "sqlite")
        if self.family == "int":
            return ("int", self.low, self.high)
        if self.family == "float":
            return ("float", self.bits, self.unsigned, self.affinity)
        if self.family == "decimal":
            return ("decimal", self.precision, self.scale, self.unsigned, self.affinity)
        if self.family in ("string", "enum"):
            return (
                self.family,
                self.name if self.affinity is not None else None,
                self.chars,
                self.bytes,
                self.fixed,
                self.charset,
                self.collation,
                self.members,
                self.multi,
            )
        return ("other", self.name)

    def max_bytes(self) -> int | None:
        """Most bytes one value can take (MariaDB), or None where bytes are not limited."""
        if self.bytes is not None:
            return self.bytes
        if self.chars is None:
            return None
        per_char = tables.MYSQL_CHARSET_MAX_BYTES.get(
            (self.charset or "").lower(), tables.MYSQL_UNKNOWN_CHARSET_BYTES
        )
        return min(self.chars * per_char, tables.MYSQL_VARCHAR_MAX_BYTES)


def normalize_dialect(name: str | None) -> str | None:
    """The table key for a SQLAlchemy dialect name (``mariadb`` → ``mysql``)."""
    if name is None:
        return None
    return tables.DIALECT_ALIASES.get(name, name)


@functools.cache
def _dialect(name: str) -> Dialect:
    dialect: Dialect = sa.dialects.registry.load(name)()
    return dialect


def compiled(t: TypeEngine[Any], dialect: str | None) -> str:
    """The type as ``dialect`` writes it (its class name when it does not compile there)."""
    try:
        return str(t.compile(dialect=_dialect(dialect)) if dialect else t.compile())
    except Exception:
        return type(t).__name__.upper()


def _names(t: TypeEngine[Any]) -> set[str]:
    """The upper-case class names of ``t`` and its bases up to SQLAlchemy's generic types."""
    return {cls.__name__.upper() for cls in type(t).__mro__}


def sqlite_affinity(declared: str) -> str:
    """SQLite §3.1: the affinity of a declared type name."""
    upper = declared.upper()
    if not upper.strip():
        return "BLOB"
    for needle, affinity in tables.SQLITE_AFFINITY_RULES:
        if needle in upper:
            return affinity
    return tables.SQLITE_DEFAULT_AFFINITY


def describe(t: TypeEngine[Any], dialect: str | None) -> Storage:
    """What ``t`` stores on ``dialect`` (``None``: generic, without dialect knowledge)."""
    dialect = normalize_dialect(dialect)
    name = compiled(t, dialect)
    affinity = sa_affinity = None
    if dialect == tables.SQLITE:
        affinity = sqlite_affinity(name)
        sa_affinity = getattr(t._type_affinity, "__name__", None)
    base = Storage(
        "other",
        name,
        affinity=affinity,
        sa_affinity=sa_affinity,
        unsigned=bool(getattr(t, "unsigned", False)),
    )
    upper = type(t).__name__.upper()
    charset, collation = _charset(t)
    if isinstance(t, sa.Enum) or upper == "SET":
        members = frozenset(str(e) for e in getattr(t, "enums", getattr(t, "values", ())))
        multi = upper == "SET"
        return replace(
            base,
            family="enum",
            chars=None if multi or not members else max(len(m) for m in members),
            members=members,
            multi=multi,
            charset=charset,
            collation=collation,
        )
    if isinstance(t, sa.String):
        fixed = isinstance(t, sa.CHAR)
        # Text(length) is a DDL hint, not a character limit (MariaDB reads it as a byte size)
        chars = None if isinstance(t, sa.Text) else t.length
        return replace(
            base,
            family="string",
            chars=1 if fixed and chars is None else chars,  # CHAR without a length is CHAR(1)
            bytes=_mysql_text_bytes(t, upper) if dialect == tables.MYSQL else None,
            fixed=fixed,
            padded=fixed and dialect in tables.PADDED_CHAR_DIALECTS,
            charset=charset,
            collation=collation,
        )
    if isinstance(t, sa.Integer) or (isinstance(t, sa.Boolean) and dialect in tables.BOOLEAN_BITS):
        low, high = _int_range(t, dialect)
        return replace(base, family="int", low=low, high=high)
    if isinstance(t, sa.Float):
        return replace(base, family="float", bits=_float_bits(t, dialect))
    if isinstance(t, sa.Numeric):
        precision, scale = t.precision, t.scale
        default = tables.DECIMAL_DEFAULT.get(dialect or "")
        if precision is None and default is not None:
            precision, scale = default
        if precision is not None:
            scale = scale or 0
        return replace(base, family="decimal", precision=precision, scale=scale)
    return base


def _charset(t: TypeEngine[Any]) -> tuple[str | None, str | None]:
    charset = getattr(t, "charset", None)
    collation = getattr(t, "collation", None)
    return (
        str(charset).lower() if charset else None,
        str(collation).lower() if collation else None,
    )


def _mysql_text_bytes(t: sa.String, upper: str) -> int | None:
    """The byte limit of a MariaDB text type; TEXT(n) is the smallest type holding n."""
    if upper in tables.MYSQL_TEXT_BYTES and upper != "TEXT":
        return tables.MYSQL_TEXT_BYTES[upper]
    if isinstance(t, sa.Text) or upper == "TEXT":
        if t.length:
            for limit in sorted(set(tables.MYSQL_TEXT_BYTES.values())):
                if t.length <= limit:
                    return limit
        return tables.MYSQL_TEXT_BYTES["TEXT"]
    return None


def _int_range(t: TypeEngine[Any], dialect: str | None) -> tuple[int, int]:
    # SQLite stores any integer in 64 bits (see Storage.signature), but a declared width
    # is still what the model means: narrowing it stays a narrowing everywhere
    if isinstance(t, sa.Boolean):
        bits = tables.BOOLEAN_BITS[dialect or ""]
    else:
        names = _names(t)
        bits = next(
            (tables.INT_BITS[n] for n in ("TINYINT", "MEDIUMINT") if n in names),
            64
            if "BIGINTEGER" in names or "BIGINT" in names
            else 16
            if "SMALLINTEGER" in names or "SMALLINT" in names
            else 32,
        )
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if getattr(t, "unsigned", False):  # MariaDB UNSIGNED: 0 .. 2·high+1
        return 0, high - low
    return low, high


def _float_bits(t: sa.Float[Any], dialect: str | None) -> int | None:
    """Mantissa bits; ``None`` when it depends on the dialect and the dialect is unknown."""
    if dialect == tables.SQLITE:
        return tables.SQLITE_FLOAT_BITS
    names = _names(t)
    name = next((n for n in ("DOUBLE_PRECISION", "DOUBLE", "REAL") if n in names), "FLOAT")
    precision = getattr(t, "precision", None)
    if name == "FLOAT" and isinstance(precision, int) and getattr(t, "scale", None) is None:
        # FLOAT(p) is a number of bits; MariaDB's FLOAT(M,D) is display size, still single
        return 24 if precision <= tables.FLOAT_SINGLE_MAX_PRECISION else 53
    if dialect is None:
        bits = {d[name] for d in tables.FLOAT_BITS_BY_NAME.values()}
        return bits.pop() if len(bits) == 1 else None
    return tables.FLOAT_BITS_BY_NAME[dialect][name]
