"""Upgrade-time checks: what a kept operation needs to be true of the data, re-proved at upgrade.

A revision is written where autogenerate ran (a developer's database) and runs where the
upgrade runs (production). A verdict that depended on data there ("``t.code`` has no NULL",
"``e`` is empty") must be proved again here, before anything changes. Each check below is a
small frozen dataclass that can

- count the rows violating it on a connection (:meth:`Check.violations`; 0 means it holds),
- say in one line why the upgrade refuses, naming table, column, the count and the fix
  (:meth:`Check.refusal`; counts, never values),
- give the counting ``SELECT`` for offline ``--sql`` (:meth:`Check.statement`), and
- render itself for the revision (:meth:`Check.to_spec`: a plain dict with its ``kind``).

The op that runs them, once, at the top of ``upgrade()`` before any DDL, is
:mod:`alembic_additive.operations.guard` (``op.preflight``); the policy
(:func:`alembic_additive.policy.guards`) decides which kept operation needs which check.

Columns the same revision adds
------------------------------
A check may name a column that does not exist yet when it runs, because the revision adds it
(``add_column`` before ``create_unique_constraint``, say). Such a column's content is known
from its definition: with no server default it is all NULL, so it can break no unique key,
foreign key or CHECK that NULL passes; with a constant server default every row gets the same
value, which the policy covers with an :class:`Empty` check (``max_rows=1`` for a unique key).
So a check whose key column is absent at upgrade time has nothing to count and passes. The
fields ``added`` list such columns, so that offline ``--sql`` (which cannot look) knows which
columns do not exist yet. A column added with an expression default (``now()``) cannot be
predicted; its constraint is checked by the database itself when it is created.

The registry: adding a kind from another module
-----------------------------------------------
A kind is a frozen, keyword-only dataclass deriving from :class:`Check`, with a unique
``kind`` id (kebab-case, like the policy's kinds), registered with :func:`register_check`::

    from alembic_additive.checks import Check, LiveSchema, register_check

    @register_check
    @dataclass(frozen=True, kw_only=True)
    class TypeFits(Check):
        kind: ClassVar[str] = "type-fits"
        column: str
        ...

        def statement(self, live: LiveSchema) -> sa.Select[Any] | None: ...
        def refusal(self, count: int) -> str: ...

It must implement :meth:`Check.statement` (a SELECT of one integer, the number of violating
rows, or None when there is nothing to count) and :meth:`Check.refusal`, and may override
:meth:`Check.describe` (the one-line description used in offline SQL). Its fields must be
literals (str, int, bool, None, tuples of those): the revision stores each check as
``{'kind': 'type-fits', 'table': ..., ...}`` (fields equal to their default are left out,
tuples are written as lists) and :func:`check_from_spec` rebuilds it through the registry.
The module defining the kind must be imported by the revision before ``op.preflight`` runs:
every kind in this package is registered when :mod:`alembic_additive.operations` is imported,
which every revision written by the plugin does.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, cast

import sqlalchemy as sa

log = logging.getLogger(f"alembic.{__name__}")

CHECKS: dict[str, type[Check]] = {}
"""Every registered check kind by its ``kind`` id."""

C = TypeVar("C", bound="type[Check]")


def register_check(cls: C) -> C:
    """Register a :class:`Check` subclass under its ``kind`` id (usable as a decorator)."""
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a non-empty 'kind' id")
    existing = CHECKS.get(kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"check kind {kind!r} is already registered by {existing.__name__}")
    CHECKS[kind] = cls
    return cls


def check_from_spec(spec: Mapping[str, Any]) -> Check:
    """The check a revision stores as ``{'kind': ..., field: value, ...}``."""
    kind = spec.get("kind")
    cls = CHECKS.get(str(kind))
    if cls is None:
        known = ", ".join(sorted(CHECKS))
        raise ValueError(
            f"unknown alembic-additive check kind {kind!r} (known: {known}); "
            "is the module defining it imported by the revision?"
        )
    return cls.from_spec(spec)


class LiveSchema:
    """What exists where the checks run, reflected once per table.

    Offline (``connection`` None) nothing can be looked at: every table and column is taken
    to exist except what the checks themselves say the revision creates.
    """

    def __init__(self, connection: sa.Connection | None) -> None:
        self.connection = connection
        self._columns: dict[tuple[str | None, str], frozenset[str] | None] = {}

    @property
    def offline(self) -> bool:
        return self.connection is None

    @property
    def dialect(self) -> sa.Dialect | None:
        return None if self.connection is None else self.connection.dialect

    def columns(self, schema: str | None, table: str) -> frozenset[str] | None:
        """Column names of ``table``; None when it does not exist (online only)."""
        if self.connection is None:
            raise RuntimeError("offline: the live schema cannot be reflected")
        key = (schema, table)
        if key not in self._columns:
            insp = sa.inspect(self.connection)
            if insp.has_table(table, schema=schema):
                names = frozenset(c["name"] for c in insp.get_columns(table, schema=schema))
                self._columns[key] = names
            else:
                self._columns[key] = None
        return self._columns[key]

    def has_table(self, schema: str | None, table: str, *, created: bool = False) -> bool:
        """Whether ``table`` exists; offline, whether it existed before the revision."""
        if self.connection is None:
            return not created
        return self.columns(schema, table) is not None

    def has_columns(
        self, schema: str | None, table: str, columns: Sequence[str], added: Sequence[str] = ()
    ) -> bool:
        """Whether ``table`` has all of ``columns``; offline, ``added`` ones do not exist yet."""
        if self.connection is None:
            return not set(columns) & set(added)
        present = self.columns(schema, table)
        return present is not None and set(columns) <= present


@dataclass(frozen=True, kw_only=True)
class Check:
    """One data-dependent condition of a kept operation. Subclass, then :func:`register_check`."""

    kind: ClassVar[str] = ""
    table: str
    schema: str | None = None

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        """A SELECT of one integer, the number of violating rows; None: nothing to count."""
        raise NotImplementedError

    def refusal(self, count: int) -> str:
        """One line: table, column, ``count`` and the fix. Never a value from the data."""
        raise NotImplementedError

    def describe(self) -> str:
        """What must hold, in a few words (offline SQL comments)."""
        return f"{self.kind} on {self.where}"

    def aggregate(self) -> sa.ColumnElement[Any] | None:
        """An aggregate over every row of the table whose value is the violation count, so
        that the checks of one table share one scan (:func:`count_all`); None: this check
        needs its own statement. Only asked once :meth:`statement` found something to count.
        """
        return None

    def violations(self, connection: sa.Connection, live: LiveSchema | None = None) -> int:
        """How many rows violate the check now, on ``connection`` (0: it holds)."""
        stmt = self.statement(live if live is not None else LiveSchema(connection))
        if stmt is None:
            log.info(
                "Guard %s: nothing to count (already done, or created by this revision)", self.where
            )
            return 0
        return int(connection.execute(stmt).scalar() or 0)

    @property
    def where(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def sa_table(self, *columns: str) -> sa.TableClause:
        return _table(self.table, self.schema, columns)

    def to_spec(self) -> dict[str, Any]:
        """``{'kind': ..., field: value}`` without fields equal to their default; lists for
        tuples. This is what the revision stores."""
        spec: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.default is not dataclasses.MISSING and value == f.default:
                continue
            spec[f.name] = list(value) if isinstance(value, tuple) else value
        return spec

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Check:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(spec) - names - {"kind"}
        if unknown:
            raise ValueError(f"{cls.kind} check: unknown field(s) {sorted(unknown)}")
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items() if k != "kind"}
        built: Check = cast(Any, cls)(**kw)
        return built


def _table(name: str, schema: str | None, columns: Sequence[str]) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in dict.fromkeys(columns)), schema=schema)


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(columns)


@register_check
@dataclass(frozen=True, kw_only=True)
class NoNull(Check):
    """SET NOT NULL kept: the column holds no NULL now."""

    kind: ClassVar[str] = "no-null"
    column: str
    added: tuple[str, ...] = ()

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        if not live.has_columns(self.schema, self.table, [self.column], self.added):
            return None
        t = self.sa_table(self.column)
        return sa.select(sa.func.count()).select_from(t).where(t.c[self.column].is_(None))

    def aggregate(self) -> sa.ColumnElement[Any] | None:
        return sa.func.count() - sa.func.count(sa.column(self.column))

    def describe(self) -> str:
        return f"{self.where}.{self.column} holds no NULL (it becomes NOT NULL)"

    def refusal(self, count: int) -> str:
        return (
            f"{self.where}.{self.column}: {count} NULL value(s), but this upgrade makes the "
            "column NOT NULL; fill them in (or delete those rows), then rerun"
        )


@register_check
@dataclass(frozen=True, kw_only=True)
class Empty(Check):
    """A column is added whose definition only fits a table of at most ``max_rows`` rows.

    ``max_rows=0``: NOT NULL without a server default (the table was measured empty when the
    revision was written); ``max_rows=1``: unique with a constant server default (every row
    gets the same value). It only applies while ``column`` does not exist: when it does,
    ``add_column_if_not_exists`` adds nothing.
    """

    kind: ClassVar[str] = "empty"
    column: str
    max_rows: int = 0

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        if not live.offline:
            present = live.columns(self.schema, self.table)
            if present is None or self.column in present:
                return None
        rows = sa.func.count()
        if self.max_rows == 0:
            return sa.select(rows).select_from(self.sa_table())
        return sa.select(sa.case((rows > self.max_rows, rows), else_=0)).select_from(
            self.sa_table()
        )

    def aggregate(self) -> sa.ColumnElement[Any] | None:
        rows = sa.func.count()
        return rows if self.max_rows == 0 else sa.case((rows > self.max_rows, rows), else_=0)

    def describe(self) -> str:
        if self.max_rows == 0:
            return f"{self.where} is empty ({self.column} is added NOT NULL without a default)"
        return (
            f"{self.where} has at most {self.max_rows} row(s) ({self.column} is added UNIQUE "
            "with a constant default)"
        )

    def refusal(self, count: int) -> str:
        if self.max_rows == 0:
            return (
                f"{self.where}: {count} row(s), but this upgrade adds {self.where}.{self.column} "
                "NOT NULL without a server default (the table was empty when the revision was "
                "written); delete the rows, or give the column a server default and regenerate "
                "the revision, then rerun"
            )
        return (
            f"{self.where}: {count} row(s), but this upgrade adds {self.where}.{self.column} "
            f"UNIQUE with a constant server default, which fits at most {self.max_rows} row(s); "
            "drop the default or the uniqueness in the model and regenerate the revision, "
            "then rerun"
        )


@register_check
@dataclass(frozen=True, kw_only=True)
class Unique(Check):
    """A unique constraint or unique index is created: no duplicated non-NULL key now.

    The count is of the rows beyond the first holding each key (what must change). One key
    column: ``count(c) - count(DISTINCT c)``, which shares the table's scan with the other
    row checks; several: a ``GROUP BY ... HAVING count(*) > 1`` of its own.
    """

    kind: ClassVar[str] = "unique"
    columns: tuple[str, ...]
    name: str | None = None
    added: tuple[str, ...] = ()

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        if not live.has_columns(self.schema, self.table, self.columns, self.added):
            return None
        t = self.sa_table(*self.columns)
        if len(self.columns) == 1:
            return sa.select(self._repeats(t.c[self.columns[0]])).select_from(t)
        keys = [t.c[c] for c in self.columns]
        groups = (
            sa.select(sa.func.count().label("n"))
            .select_from(t)
            .where(*(k.is_not(None) for k in keys))
            .group_by(*keys)
            .having(sa.func.count() > 1)
            .subquery("duplicated")
        )
        return sa.select(sa.func.coalesce(sa.func.sum(groups.c.n - 1), 0))

    def aggregate(self) -> sa.ColumnElement[Any] | None:
        if len(self.columns) != 1:
            return None  # GROUP BY over several columns: a statement of its own
        return self._repeats(sa.column(self.columns[0]))

    @staticmethod
    def _repeats(key: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """Non-NULL values minus distinct ones: the rows repeating a key another row holds."""
        return sa.func.count(key) - sa.func.count(sa.distinct(key))

    def _what(self) -> str:
        return f"UNIQUE {self.name}" if self.name else "a UNIQUE key"

    def describe(self) -> str:
        return f"{self.where}({_cols(self.columns)}) has no duplicated key ({self._what()})"

    def refusal(self, count: int) -> str:
        return (
            f"{self.where}({_cols(self.columns)}): {count} row(s) repeat a non-NULL key "
            f"another row holds, but this upgrade creates {self._what()} on it; make the "
            "values unique (or delete the duplicates), then rerun"
        )


@register_check
@dataclass(frozen=True, kw_only=True)
class ForeignKey(Check):
    """A foreign key is created: no row whose non-NULL key has no parent now.

    ``referent_created``: the parent table is created by this same revision, so it is empty
    when the key is created (offline SQL cannot look; online, the live table decides).
    """

    kind: ClassVar[str] = "foreign-key"
    columns: tuple[str, ...]
    referent: str
    referent_columns: tuple[str, ...]
    referent_schema: str | None = None
    name: str | None = None
    added: tuple[str, ...] = ()
    referent_created: bool = False

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        if not live.has_columns(self.schema, self.table, self.columns, self.added):
            return None
        child = self.sa_table(*self.columns).alias("child")
        keys = [child.c[c] for c in self.columns]
        stmt = sa.select(sa.func.count()).select_from(child).where(*(k.is_not(None) for k in keys))
        if not live.has_table(self.referent_schema, self.referent, created=self.referent_created):
            return stmt  # the parent is created empty by this revision: every key is an orphan
        parent = _table(self.referent, self.referent_schema, self.referent_columns).alias("parent")
        match = sa.and_(
            *(
                parent.c[r] == child.c[c]
                for c, r in zip(self.columns, self.referent_columns, strict=True)
            )
        )
        return stmt.where(~sa.exists().where(match))

    def _referent(self) -> str:
        ref = f"{self.referent_schema}.{self.referent}" if self.referent_schema else self.referent
        return f"{ref}({_cols(self.referent_columns)})"

    def describe(self) -> str:
        return f"every non-NULL {self.where}({_cols(self.columns)}) has a row in {self._referent()}"

    def refusal(self, count: int) -> str:
        what = f"FOREIGN KEY {self.name}" if self.name else "a FOREIGN KEY"
        return (
            f"{self.where}({_cols(self.columns)}): {count} row(s) reference no row of "
            f"{self._referent()}, but this upgrade creates {what} on it; add the missing "
            "parent rows, set those keys to NULL or delete the rows, then rerun"
        )


@register_check
@dataclass(frozen=True, kw_only=True)
class CheckHolds(Check):
    """A CHECK constraint is created: no row for which its condition is FALSE now (NULL
    passes, as in SQL). ``condition`` is the constraint's SQL as the revision creates it.

    ``added``: columns this revision adds to the table. A condition that names one of them
    while it does not exist cannot be evaluated before it is added; the database checks it
    itself when the constraint is created.
    """

    kind: ClassVar[str] = "check"
    condition: str
    name: str | None = None
    added: tuple[str, ...] = ()

    def statement(self, live: LiveSchema) -> sa.Select[Any] | None:
        named = [c for c in self.added if _mentions(self.condition, c)]
        if not live.has_columns(self.schema, self.table, named, self.added):
            return None  # the table, or a column the condition names, does not exist yet
        # the constraint's own SQL, verbatim (as the revision creates it); NOT (NULL) is NULL,
        # so a row for which the condition is unknown passes, as it does in the constraint
        violated: sa.ColumnClause[Any] = sa.literal_column(f"NOT ({self.condition})")
        return sa.select(sa.func.count()).select_from(self.sa_table()).where(violated)

    def aggregate(self) -> sa.ColumnElement[Any] | None:
        violated: sa.ColumnClause[Any] = sa.literal_column(f"NOT ({self.condition})")
        return sa.func.coalesce(sa.func.sum(sa.case((violated, 1), else_=0)), 0)

    def _what(self) -> str:
        return f"CHECK {self.name}" if self.name else "a CHECK constraint"

    def describe(self) -> str:
        return f"every row of {self.where} satisfies {self._what()} ({self.condition})"

    def refusal(self, count: int) -> str:
        return (
            f"{self.where}: {count} row(s) violate {self._what()} ({self.condition}), which "
            "this upgrade creates; correct those rows (or delete them), then rerun"
        )


def _mentions(condition: str, column: str) -> bool:
    pattern = rf"(?<![\w$]){re.escape(column)}(?![\w$])"
    return re.search(pattern, condition, re.IGNORECASE) is not None


def count_all(connection: sa.Connection, checks: Sequence[Check]) -> list[int]:
    """The violation count of every check, in order, with one scan per guarded table.

    Checks that are a condition on each row (NULLs, a CHECK, the row count) share one
    ``SELECT agg1, agg2, ... FROM t`` per table; a unique key (``GROUP BY``) and a foreign
    key (``NOT EXISTS`` on the parent) need a statement of their own.
    """
    live = LiveSchema(connection)
    counts = [0] * len(checks)
    shared: dict[tuple[str | None, str], list[tuple[int, sa.ColumnElement[Any]]]] = {}
    for i, check in enumerate(checks):
        stmt = check.statement(live)
        if stmt is None:
            log.info(
                "Guard %s: nothing to count (already done, or created by this revision)",
                check.where,
            )
            continue
        aggregate = check.aggregate()
        if aggregate is None:
            counts[i] = int(connection.execute(stmt).scalar() or 0)
        else:
            shared.setdefault((check.schema, check.table), []).append((i, aggregate))
    for (schema, table), items in shared.items():
        stmt = sa.select(*(a for _, a in items)).select_from(sa.table(table, schema=schema))
        row = connection.execute(stmt).one()
        for (i, _), value in zip(items, row, strict=True):
            counts[i] = int(value or 0)
    return counts
