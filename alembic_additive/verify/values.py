"""During one revision: fingerprint the values its statements could change, then compare.

:class:`RevisionValues` listens to every statement the revision sends on verify's connection
(``before_cursor_execute``). Before the first statement that could change a column
(:func:`.statements.touched`), it takes that column's fingerprints (:func:`.prints.take`);
the statement then runs as usual. After the revision, :meth:`RevisionValues.compare` takes
the same fingerprints again and reports:

* ``values-changed``: non-null values of rows present before and after that differ;
* ``values-lost`` (with ``changed``: how many): values of rows present before and after set
  to NULL, when the non-null counts do not show it (rows inserted by the same revision
  brought the count back up);
* ``column-renamed``: a column that held values is gone, and exactly its values, row by row,
  are in another column of the same table (``op.alter_column(new_column_name=...)``, or add,
  copy, drop). That is not a loss, so it is reported apart from the violations, and the
  ``column-removed`` it would otherwise be is withdrawn.

A statement that writes rows also fires triggers and foreign-key actions (and writes a
view's base tables), runs the functions of a table's defaults, checks and index expressions,
and a statement that calls a user-defined function or procedure, or reads a view, runs its
body or query; all can change values of tables it does not name (an ``ON UPDATE CASCADE``
child, the table a trigger, ``SELECT archive()`` or a ``DEFAULT f()`` updates, the columns a
``BEFORE UPDATE`` trigger sets, the base table of ``UPDATE v``): those are fingerprinted
too, before the statement, from the catalog (:mod:`.effects`, :mod:`.catalog`; read on the
revision's first statement that writes, rewrites, calls or reads a relation, and again only
after a statement that may have redefined triggers, routines, foreign keys or views, or
attached a known function to a table).

So only the tables and columns a revision writes, or fires writes to, are hashed, each at
most twice per revision; the statements of verify itself (snapshots, fingerprints,
reflection, the catalog) are not looked at.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

from ..findings import TableRef
from . import LossKind, Violation
from . import effects as fx
from . import prints as fp
from .prints_sql import pinned
from .prints_store import TempTables
from .snapshot import Snapshot
from .statements import Touched, touched

log = logging.getLogger(f"alembic.{__name__}")
T = TypeVar("T")
_ROLLBACK = re.compile(r"\s*rollback\b", re.I)


class RevisionValues:
    """The fingerprints taken while one revision runs."""

    def __init__(
        self, connection: sa.Connection, before: Snapshot, note: Callable[[str], None]
    ) -> None:
        self.connection = connection
        self.before = before
        self.note = note
        self.default = connection.dialect.default_schema_name
        self.taken: dict[TableRef, dict[str, fp.ColumnPrints]] = {}
        self.store = TempTables(connection)  # where the fingerprints are, until compared
        self.named: set[TableRef] = set()  # tables a statement named (or every one)
        self.busy = False
        self.rolled_back = False  # a ROLLBACK [TO SAVEPOINT] ran: fingerprints may be gone
        self.catalog: fx.Catalog | None = None  # read on the first write
        self.catalog_current = False  # False again after a statement that may redefine it
        self.by_name: dict[str, list[TableRef]] = {}
        for ref in before.tables:
            self.by_name.setdefault(ref.name.lower(), []).append(ref)

    @contextmanager
    def listening(self) -> Iterator[None]:
        """Watch the statements sent while the revision runs."""

        def before_execute(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
        ) -> None:
            if self.busy:
                return
            self.on_statement(statement)

        event.listen(self.connection, "before_cursor_execute", before_execute)
        try:
            yield
        finally:
            event.remove(self.connection, "before_cursor_execute", before_execute)

    def on_statement(self, statement: str) -> None:
        if self.rolled_back:
            self._forget_dropped()
        if _ROLLBACK.match(statement):
            self.rolled_back = True  # checked before the next statement: it has run by then
            return
        found = touched(statement, self.connection.dialect.name)
        fired: dict[fx.Name, set[str] | None] | None = {}
        if found is not None and found.writes_after_redefining:
            fired = None  # what it writes fires what it has just defined: not read yet
        elif found is not None and self._runs(found):
            fired = self._fired(found)
        if found is None or fired is None:
            wanted = {ref: set(state.non_null) for ref, state in self.before.tables.items()}
            self.named.update(wanted)
        else:
            wanted = {}
            for (schema, name), columns in [*found.tables.items(), *fired.items()]:
                for ref in self._refs(schema, name):
                    self.named.add(ref)
                    wanted.setdefault(ref, set()).update(self._columns(ref, columns))
        if found is not None and found.attaches and self.catalog_current:
            catalog = self.catalog
            if catalog is not None and any(catalog.routines_named(n) for n in found.attaches):
                self.catalog_current = False  # a user function became a default, a check...
        if found is None or found.redefines:
            self.catalog_current = False  # read it again before the next write
        for ref, columns in wanted.items():
            # A column without values cannot have one changed (a backfill of a new column
            # is the common case): nothing to hash.
            held = self.before.tables[ref].non_null
            missing = [c for c in held if c in columns and held[c] > 0]
            missing = [c for c in missing if c not in self.taken.get(ref, {})]
            if missing:
                self._take_before(ref, missing)

    def _columns(self, ref: TableRef, columns: set[str] | None) -> set[str]:
        """The columns of ``ref`` that ``columns`` name (None: all). Names are matched
        case-insensitively, except on PostgreSQL, where a quoted name keeps its case and
        ``"Name"`` and ``name`` are two columns (:func:`.sqlnames.column`): there the exact
        name when it exists, else every column it could mean (a name from the catalog
        folded to lower case)."""
        present = list(self.before.tables[ref].non_null)
        if columns is None:
            return set(present)
        exact = self.connection.dialect.name == "postgresql"
        out: set[str] = set()
        for column in columns:
            if exact and column in present:
                out.add(column)
            else:
                out.update(c for c in present if c.lower() == column.lower())
        return out

    def _runs(self, found: Touched) -> bool:
        """Whether ``found`` runs anything the catalog says more about. On SQLite, calls
        and reads do not (its functions are the application's, defined in Python, not in
        the database), nor do rewrites (no function runs in its defaults or checks)."""
        if self.connection.dialect.name == "sqlite":
            return bool(found.writes or found.unknown_writes or found.procedures)
        return found.runs()

    def _calls(self, found: Touched) -> set[fx.Name]:
        """The functions ``found`` may call: with what it writes, those it attaches (a
        default added in the same string as the INSERT that runs it); none on SQLite."""
        if self.connection.dialect.name == "sqlite":
            return set()
        if found.writes or found.unknown_writes or found.rewrites:
            return found.calls | found.attaches
        return found.calls

    def _fired(self, found: Touched) -> dict[fx.Name, set[str] | None] | None:
        """What the triggers, foreign-key actions, views, user-defined routines and unnamed
        functions ``found``'s writes, rewrites, calls and reads run may change."""
        if self.catalog is None or not self.catalog_current:
            self.catalog = self._read_catalog()
            self.catalog_current = True
        if self.catalog is None:
            return None if found.procedures else {}  # CALL of an unknown procedure: anything
        fired = fx.consequences(self.catalog, found, self._calls(found))
        if self.catalog.actions_skipped:
            self.note(
                "foreign keys are off on this SQLite connection (verify does not run env.py), "
                "so their ON UPDATE/ON DELETE actions did not run; if your env.py turns them "
                "on, run verify with --sqlite-foreign-keys"
            )
        return fired

    def _read_catalog(self) -> fx.Catalog | None:
        self.busy = True
        savepoint = self._savepoint()
        try:
            catalog = fx.read(self.connection, {None, *(ref.schema for ref in self.before.tables)})
            if savepoint is not None:
                savepoint.commit()
            return catalog
        except Exception as error:
            if savepoint is not None and savepoint.is_active:
                savepoint.rollback()
            log.debug("reading triggers and foreign keys failed: %s", error, exc_info=True)
            self.note(
                "triggers, foreign-key actions and functions could not be read "
                f"({type(error).__name__}): values they change are not compared"
            )
            return None
        finally:
            self.busy = False

    def _savepoint(self) -> sa.engine.NestedTransaction | None:
        """PostgreSQL aborts the whole transaction on an error: a savepoint keeps a failed
        query of verify's own from failing the revision. Not inside ``autocommit_block()``
        (SQLAlchemy's transaction is then a fake one, and no statement can abort another)."""
        conn = self.connection
        if conn.dialect.name != "postgresql" or not conn.in_transaction():
            return None
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return None
        return conn.begin_nested()

    def _refs(self, schema: str | None, name: str) -> list[TableRef]:
        """The counted tables a name may mean. An unqualified name means every counted
        table of that name, in any schema: which one it is depends on the search path (or
        MySQL's current database) when the statement runs, and a revision may have changed
        it (``SET search_path TO tenant_a, public``); fingerprinting a table it did not
        mean costs a scan, missing the one it did loses a change."""
        refs = self.by_name.get(name, [])
        if schema is None:
            return refs
        return [
            r
            for r in refs
            if (r.schema or "").lower() == schema or (r.schema is None and schema == self.default)
        ]

    def _take_before(self, ref: TableRef, columns: list[str]) -> None:
        taken = self._take(ref, columns, "before")
        if taken is not None:
            self.taken.setdefault(ref, {}).update(taken)

    def _after(self, ref: TableRef, columns: list[str]) -> dict[str, fp.ColumnPrints] | None:
        return self._guarded(
            lambda: fp.after(self.connection, ref, columns, self.store),
            f"values of {ref} not compared: fingerprints after the revision failed",
        )

    def _take(
        self, ref: TableRef, columns: list[str], when: str
    ) -> dict[str, fp.ColumnPrints] | None:
        return self._guarded(
            lambda: fp.take(self.connection, ref, columns, self.store),
            f"values of {ref} not compared: fingerprints {when} the statement failed",
        )

    def _guarded(self, work: Callable[[], T], failed: str) -> T | None:
        """Run verify's own queries (fingerprints, their comparison) so that a failure is a
        note (``failed``), never a failed revision: in a savepoint on PostgreSQL, and unseen
        by :meth:`on_statement`."""
        self.busy = True
        savepoint = self._savepoint()
        try:
            with pinned(self.connection):
                out = work()
            if savepoint is not None:
                savepoint.commit()
            return out
        except Exception as error:
            if savepoint is not None and savepoint.is_active:
                savepoint.rollback()  # never make a revision fail: say what was not checked
            log.debug("%s: %s", failed, error, exc_info=True)
            self.note(f"{failed} ({type(error).__name__})")
            return None
        finally:
            self.busy = False

    def _forget_dropped(self) -> None:
        """After a rollback of the revision's (to a savepoint, most often: ``begin_nested()``
        around a statement that may fail): the fingerprints taken since are gone with their
        temporary tables (PostgreSQL, SQLite). The values are as they were when those were
        taken, so they are forgotten and taken again before the next statement that may
        change them."""
        self.rolled_back = False
        gone = self._guarded(self.store.missing, "fingerprints may be lost to a rollback")
        if not gone:
            return
        for ref in list(self.taken):
            kept = {c: p for c, p in self.taken[ref].items() if _table_name(p) not in gone}
            if kept:
                self.taken[ref] = kept
            else:
                del self.taken[ref]

    def _compare(
        self, ref: TableRef, before: fp.ColumnPrints, after: fp.ColumnPrints
    ) -> fp.Comparison | None:
        return self._guarded(
            lambda: fp.compare(self.connection, self.store, before, after),
            f"values of {ref} not compared: comparing the fingerprints failed",
        )

    def unattributed(self, revision: str, written: set[TableRef]) -> None:
        """Note the tables with values that were updated or rewritten (PostgreSQL's
        statistics say so) although no statement of the revision named them, nor anything
        followed from one: a function called without being named (a column default, a
        check, a view). Their values were not fingerprinted, so not compared."""
        for ref in sorted(written - self.named, key=str):
            state = self.before.tables.get(ref)
            if state is not None and any(state.non_null.values()):
                self.note(
                    f"values of {ref} not compared in {revision}: it was written by "
                    "something no statement of the revision names (a trigger, a cascade, "
                    "a function)"
                )

    def compare(self, revision: str, after: Snapshot) -> tuple[list[Violation], list[Violation]]:
        """(values-changed violations, column-renamed and table-renamed findings) of this
        revision. The temporary tables the fingerprints were kept in are dropped after."""
        try:
            return self._compare_all(revision, after)
        finally:
            self._guarded(self.store.drop_all, "verify's temporary tables were not dropped")

    def _compare_all(
        self, revision: str, after: Snapshot
    ) -> tuple[list[Violation], list[Violation]]:
        if self.rolled_back:
            self._forget_dropped()
        changes: list[Violation] = []
        renames: list[Violation] = []
        appeared = [r for r in after.tables if r not in self.before.tables]
        for ref, before_prints in self.taken.items():
            state = after.tables.get(ref)
            if state is None:  # the table is gone: table-removed, unless it was renamed
                found = self._renamed(revision, ref, before_prints, after, appeared)
                changes.extend(v for v in found if v.kind is LossKind.VALUES_CHANGED)
                renames.extend(v for v in found if v.kind is not LossKind.VALUES_CHANGED)
                continue
            old_state = self.before.tables[ref]
            present = [c for c in before_prints if c in state.non_null]
            removed = [
                c
                for c in before_prints
                if c not in state.non_null and old_state.non_null.get(c, 0) > 0
            ]
            candidates: list[str] = []
            if removed:
                added = [c for c in state.non_null if c not in old_state.non_null]
                others = [c for c in state.non_null if c in old_state.non_null]
                candidates = [c for c in added + others if state.non_null[c] > 0]
            wanted = list(dict.fromkeys(present + candidates))
            if not wanted:
                continue
            now = self._after(ref, wanted) if state.rows else {}
            if now is None:
                continue
            rows_lost = max(0, old_state.rows - state.rows)
            for column in present:
                if column not in now:
                    continue
                found_change = self._compare(ref, before_prints[column], now[column])
                if found_change is None:
                    continue
                old_nn, new_nn = old_state.non_null.get(column, 0), state.non_null[column]
                nulled = found_change.cleared
                if nulled and old_nn - new_nn <= rows_lost:  # the counts did not say it
                    changes.append(
                        Violation(
                            revision,
                            LossKind.VALUES_LOST,
                            str(ref),
                            column,
                            old_nn,
                            new_nn,
                            changed=nulled,
                        )
                    )
                if found_change.changed:
                    changes.append(
                        Violation(
                            revision,
                            LossKind.VALUES_CHANGED,
                            str(ref),
                            column,
                            old_nn,
                            new_nn,
                            changed=found_change.changed,
                        )
                    )
            used: set[str] = set()
            for column in removed:
                for other in candidates:
                    if other in used or other not in now:
                        continue
                    if self._guarded(
                        partial(
                            fp.same_values,
                            self.connection,
                            self.store,
                            before_prints[column],
                            now[other],
                        ),
                        f"whether {ref}.{column} was renamed was not compared",
                    ):
                        used.add(other)
                        renames.append(
                            Violation(
                                revision,
                                LossKind.COLUMN_RENAMED,
                                str(ref),
                                column,
                                old_state.non_null[column],
                                state.non_null[other],
                                renamed_to=other,
                            )
                        )
                        break
        return changes, renames

    def _renamed(
        self,
        revision: str,
        ref: TableRef,
        before_prints: dict[str, fp.ColumnPrints],
        after: Snapshot,
        appeared: list[TableRef],
    ) -> list[Violation]:
        """A table that is gone, while a table that appeared in the revision holds every
        one of its rows (``op.rename_table``, or copy and drop): a ``table-renamed``
        (withdrawing the ``table-removed``), and the values that differ in it
        ``values-changed``. Its columns keep their names, or one renamed in the same
        revision holds exactly the values of the old one (a ``column-renamed`` too).
        Nothing when no such table is found (``appeared`` loses the one found: one new
        table stands for one old table)."""
        old_state = self.before.tables[ref]
        for other in appeared:
            state = after.tables[other]
            added = [c for c in state.non_null if c not in old_state.non_null]
            if state.rows < old_state.rows:
                continue
            now = self._after(other, list(state.non_null))
            if now is None:
                continue
            names = self._columns_in(other, before_prints, now, added)
            if names is None:
                continue
            paired = {c: now[names[c]] for c in before_prints}
            holds = self._guarded(
                partial(fp.holds_every_row, self.connection, self.store, before_prints, paired),
                f"whether {ref} was renamed to {other} was not compared",
            )
            if not holds:
                continue
            appeared.remove(other)
            found = [
                Violation(
                    revision,
                    LossKind.TABLE_RENAMED,
                    str(ref),
                    None,
                    old_state.rows,
                    state.rows,
                    renamed_to=str(other),
                )
            ]
            for column, new_name in names.items():
                if new_name != column:
                    found.append(
                        Violation(
                            revision,
                            LossKind.COLUMN_RENAMED,
                            str(other),
                            column,
                            old_state.non_null.get(column, 0),
                            state.non_null.get(new_name, 0),
                            renamed_to=new_name,
                        )
                    )
            for column, prints in before_prints.items():
                change = self._compare(other, prints, paired[column])
                if change is not None and change.changed:
                    found.append(
                        Violation(
                            revision,
                            LossKind.VALUES_CHANGED,
                            str(other),
                            names[column],
                            old_state.non_null.get(column, 0),
                            state.non_null.get(names[column]),
                            changed=change.changed,
                        )
                    )
            return found
        return []

    def _columns_in(
        self,
        other: TableRef,
        before_prints: dict[str, fp.ColumnPrints],
        now: dict[str, fp.ColumnPrints],
        added: list[str],
    ) -> dict[str, str] | None:
        """Where each fingerprinted column of a renamed table is in ``other``: under its own
        name, or under a name ``other`` added whose values are exactly its values (None:
        some column is in neither)."""
        names = {c: c for c in before_prints if c in now}
        free = [c for c in added if c in now]
        for column in [c for c in before_prints if c not in names]:
            for new_name in free:
                same = self._guarded(
                    partial(
                        fp.same_values,
                        self.connection,
                        self.store,
                        before_prints[column],
                        now[new_name],
                    ),
                    f"whether {column} is {other}.{new_name} was not compared",
                )
                if same:
                    names[column] = new_name
                    free.remove(new_name)
                    break
            else:
                return None
        return names


def _table_name(prints: fp.ColumnPrints) -> str:
    table = prints.table
    return table.name if isinstance(table, sa.TableClause) else ""
