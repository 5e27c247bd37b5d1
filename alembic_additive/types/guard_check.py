"""The ``type-fits`` upgrade-time check: a measured type change is measured again where it runs.

A type change that no rule proves safe (PostgreSQL CHAR padding, a SQLite copy into another
affinity, a MariaDB charset conversion) is kept only because every value passed the test of
:func:`.measure.misfit_predicate` on the database autogenerate compared. The upgrade runs on
another database, later; ``op.preflight`` (:mod:`alembic_additive.operations.guard`) runs this
check before any DDL and refuses the whole upgrade if any value would not survive, so the
type is never changed over values it would alter. The revision stores it as::

    {'kind': 'type-fits', 'table': 't', 'column': 'c', 'test': 'padded', 'limit': 5,
     'dialect': 'postgresql', 'to_type': 'VARCHAR(10)'}

It is counted with a statement of its own (one scan of the table; :meth:`Check.aggregate`
is not used because the test depends on the live dialect and, for CHAR padding, on the live
column). A test that only has a meaning on the dialect the revision was written for
(``padded``, ``charset``, ``sqlite_copy``) is skipped, with a warning, on another dialect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from ..checks import Check, LiveSchema, register_check
from ..findings import KeptTypeChange, MisfitCheck
from .classify import Outcome, classify, describe_type
from .measure import misfit_predicate
from .storage import normalize_dialect

log = logging.getLogger(f"alembic.{__name__}")

_DIALECT_SPECIFIC = frozenset({"padded", "charset", "sqlite_copy"})

_WHAT = {
    "max_length": "longer than the new length",
    "max_bytes": "longer than the new type's byte limit",
    "int_range": "outside the new range",
    "abs_below": "with more integer digits than the new type has",
    "padded": "that would lose or gain CHAR padding",
    "charset": "with characters the new character set cannot hold",
    "sqlite_copy": "that SQLite would convert to another storage class",
}


@register_check
@dataclass(frozen=True, kw_only=True)
class TypeFits(Check):
    """Every present value of ``column`` survives the change to ``to_type`` unchanged."""

    kind: ClassVar[str] = "type-fits"
    column: str
    test: str
    """The :class:`~alembic_additive.findings.MisfitCheck` ``what``."""
    limit: int = 0
    low: int = 0
    detail: str | None = None
    dialect: str = ""
    """Where the revision was written; the live dialect wins when there is one."""
    to_type: str = ""

    @property
    def misfit(self) -> MisfitCheck:
        return MisfitCheck(self.test, self.limit, self.low, self.detail)

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        dialect = normalize_dialect(live.dialect.name if live.dialect is not None else None)
        dialect = dialect or self.dialect
        check = self.misfit
        if self.test in _DIALECT_SPECIFIC and self.dialect and dialect != self.dialect:
            # the test is about the semantics of the dialect the revision was written for
            # (SQLite's copy, PostgreSQL's padding, MariaDB's charsets); elsewhere it means
            # nothing and its SQL may not even exist there
            log.warning(
                "Guard %s.%s: a %s test of %s cannot run on %s; not counted",
                self.where,
                self.column,
                self.test,
                self.dialect,
                dialect,
            )
            return None
        if not live.offline:
            if not live.has_columns(self.schema, self.table, [self.column]):
                return None
            if self.test == "padded":
                width = _live_char_width(live, self.schema, self.table, self.column)
                if width is None:  # no longer a CHAR (a rerun): nothing is padded
                    return None
                check = MisfitCheck(self.test, max(self.limit, width), self.low, self.detail)
        t = self.sa_table(self.column)
        predicate = misfit_predicate(dialect, t.c[self.column], check)
        return sa.select(sa.func.count()).select_from(t).where(predicate)

    def describe(self) -> str:
        return f"every value of {self.where}.{self.column} survives the change to {self.to_type}"

    def refusal(self, count: int) -> str:
        what = _WHAT.get(self.test, "that would change")
        return (
            f"{self.where}.{self.column}: {count} value(s) {what}, but this upgrade changes the "
            f"column to {self.to_type}; fix those values (or keep the old type), then rerun"
        )


def _live_char_width(live: LiveSchema, schema: str | None, table: str, column: str) -> int | None:
    """The length of ``column`` if it is a CHAR(n) on the live database, else None."""
    assert live.connection is not None
    for col in sa.inspect(live.connection).get_columns(table, schema=schema):
        if col["name"] == column:
            t = col["type"]
            return (t.length or 1) if isinstance(t, sa.CHAR) else None
    return None


def _stored(t: TypeEngine[Any]) -> TypeEngine[Any]:
    seen = 0
    while isinstance(t, sa.types.TypeDecorator) and seen < 10:
        t, seen = t.impl_instance, seen + 1
    return t


def type_fits(change: KeptTypeChange) -> TypeFits | None:
    """The check a kept type change needs: None when a rule proves it (nothing to count)."""
    proof = classify(_stored(change.existing_type), _stored(change.new_type), change.dialect)
    if proof.outcome <= Outcome.WIDENING or proof.check is None:
        return None
    check = proof.check
    return TypeFits(
        table=change.table.name,
        schema=change.table.schema,
        column=change.column,
        test=check.what,
        limit=check.limit,
        low=check.low,
        detail=check.detail,
        dialect=normalize_dialect(change.dialect) or "",
        to_type=describe_type(change.new_type, normalize_dialect(change.dialect)),
    )
