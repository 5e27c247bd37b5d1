"""Run Alembic revisions on a real database and prove that none of them lost data.

``alembic-additive lint`` reads revision files; it cannot see a ``DELETE`` assembled at run
time, a ``drop_column`` hidden in a helper module, or what a revision does to the rows that
are actually there. ``verify`` closes that gap dynamically: it runs the revisions one at a
time on a scratch or CI database (or, with ``rollback=True``, on a copy of production inside
one transaction that is rolled back), and before and after each revision it counts the
tables, columns, rows and non-null values. A revision that removes a table or a column, or
lowers a row count or a non-null count, is a :class:`Violation`; so is a value that is
still there but different (``values-changed``, from fingerprints: :mod:`.values`).

Counts, never values, appear in any result or message.

This module holds the public vocabulary and :func:`verify`, a plain function; the work is
done by :mod:`.runner` (transactions and the revision loop), :mod:`.snapshot` (counting),
:mod:`.seed` (synthetic rows for empty tables) and :mod:`.output` (text and JSON).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

__all__ = [
    "LossKind",
    "RevisionFailed",
    "VerifyError",
    "VerifyResult",
    "Violation",
    "verify",
]


class LossKind(str, enum.Enum):
    """What a revision lost; the values are the ``kind`` strings of the JSON output."""

    TABLE_REMOVED = "table-removed"
    COLUMN_REMOVED = "column-removed"
    ROWS_LOST = "rows-lost"
    VALUES_LOST = "values-lost"
    VALUES_CHANGED = "values-changed"
    COLUMN_RENAMED = "column-renamed"
    TABLE_RENAMED = "table-renamed"


@dataclass(frozen=True)
class Violation:
    """One loss caused by one revision, with the counts before and after it.

    ``column`` is None for table-level kinds; ``after`` is None when the table or column no
    longer exists. ``before`` is a row count for table-level kinds and a non-null count for
    column-level ones.
    """

    revision: str
    kind: LossKind
    table: str
    column: str | None
    before: int
    after: int | None
    changed: int | None = None
    """``values-changed``: how many values differ;
    ``values-lost`` found by the fingerprints (the counts did not fall as far): how many
    values were set to NULL."""
    renamed_to: str | None = None
    """``column-renamed``: the column that now holds the values; ``table-renamed``: the
    table that now holds the rows."""

    def as_dict(self) -> dict[str, object]:
        """The JSON shape: ``revision, kind, table, column, before, after``, plus
        ``changed`` for ``values-changed`` and ``to`` for ``column-renamed`` and
        ``table-renamed``."""
        out: dict[str, object] = {
            "revision": self.revision,
            "kind": self.kind.value,
            "table": self.table,
            "column": self.column,
            "before": self.before,
            "after": self.after,
        }
        if self.kind is LossKind.VALUES_CHANGED:
            out["changed"] = self.changed
        if self.kind is LossKind.VALUES_LOST and self.changed is not None:
            out["changed"] = self.changed  # set to NULL, seen by the fingerprints
        if self.kind in (LossKind.COLUMN_RENAMED, LossKind.TABLE_RENAMED):
            out["to"] = self.renamed_to
        return out


@dataclass
class VerifyResult:
    """What one run found.

    ``revisions`` are the revision ids that ran, in order; ``start`` the heads the run began
    from (empty for base); ``url`` the database URL with its password masked, safe to print.
    """

    violations: list[Violation] = field(default_factory=list)
    renamed: list[Violation] = field(default_factory=list)
    """Columns renamed with every value kept, tables renamed with every row kept:
    reported, but not violations."""
    revisions: list[str] = field(default_factory=list)
    start: tuple[str, ...] = ()
    url: str = ""
    dialect: str = ""
    rolled_back: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no revision lost anything."""
        return not self.violations


class VerifyError(Exception):
    """Verification could not be done (bad input, unreachable database, refused option).

    The message is one line, with any URL password masked, meant to be shown as is.
    """


class RevisionFailed(VerifyError):
    """A revision (or the snapshot around it) raised; ``partial`` holds what ran before it.

    Without ``rollback`` the revisions before the failing one stay applied (each one was
    committed); the failing one's own transaction is rolled back where the dialect can.
    """

    def __init__(self, revision: str, message: str, partial: VerifyResult) -> None:
        super().__init__(f"revision {revision} failed: {message}")
        self.revision = revision
        self.partial = partial


def verify(
    config: str | Path | Config = "alembic.ini",
    *,
    url: str | sa.URL | None = None,
    from_rev: str | None = None,
    to_rev: str = "head",
    rollback: bool = False,
    seed_rows: int = 0,
    schemas: Sequence[str | None] = (None,),
    on_note: Callable[[str], None] | None = None,
    recount_all: bool = False,
    sqlite_foreign_keys: bool = False,
) -> VerifyResult:
    """Run the revisions from ``from_rev`` to ``to_rev`` one at a time and compare counts.

    ``config`` is the path of alembic.ini (or an alembic ``Config``); only its
    ``script_location`` (and ``prepend_sys_path``) and, unless ``url`` is given,
    ``sqlalchemy.url`` are used: ``env.py`` is not run, because it opens its own connection
    and decides its own transactions, which would make ``rollback`` impossible.

    ``from_rev`` defaults to the database's current revision; when given, the database must
    be at that revision or have no version row yet. ``rollback=True`` runs everything in one
    transaction that is rolled back at the end (dialects with transactional DDL only).
    ``seed_rows=N`` gives every empty table N synthetic rows before each revision, so that
    a ``DELETE`` on a table that happens to be empty is still seen. ``schemas`` are the
    schemas whose tables are counted (None: the connection's default schema). ``on_note``
    receives one-line notes (tables the seeder had to skip) as they happen.

    On PostgreSQL a table is recounted after a revision only if the transaction's statistics
    or the catalog show that the revision could have changed it (see
    :class:`.snapshot.ChangeTracker`); ``recount_all=True`` scans every table after every
    revision instead, which also sees writes a revision makes through another connection.
    SQLite and MySQL/MariaDB always recount every table.

    ``sqlite_foreign_keys=True`` turns SQLite's ``PRAGMA foreign_keys`` on for verify's
    connection, as an ``env.py`` that turns it on does (SQLite leaves it off, and env.py is
    not run): foreign-key actions then run as they do under ``alembic upgrade``.

    Raises :class:`VerifyError` (one-line message) when nothing can be verified, and
    :class:`RevisionFailed` when a revision raises.
    """
    from .runner import run

    return run(
        config,
        url=url,
        from_rev=from_rev,
        to_rev=to_rev,
        rollback=rollback,
        seed_rows=seed_rows,
        schemas=tuple(schemas),
        on_note=on_note,
        recount_all=recount_all,
        sqlite_foreign_keys=sqlite_foreign_keys,
    )
