"""What a statement runs besides itself: triggers, foreign-key actions, routines, views and
the functions a write runs unnamed, followed to the end.

:mod:`.statements` reads which columns a statement changes, and what it writes, rewrites,
calls and reads. Those can change values of tables it never names:

* a write (``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, ``DROP TABLE``) of ``t`` fires
  ``t``'s triggers for that event (an ``UPDATE`` that fires one may change every column of
  ``t``: a ``BEFORE`` trigger assigns ``NEW``; its body may change other tables), the
  ``ON UPDATE CASCADE``/``SET NULL``/``SET DEFAULT`` and ``ON DELETE SET NULL``/``SET
  DEFAULT`` actions of foreign keys that reference ``t`` (they rewrite the child's
  referencing columns; ``ON DELETE CASCADE`` deletes child rows, which the counts see, and
  fires what the child's deletes fire), and, on PostgreSQL, the user functions ``t``'s
  defaults, generated columns, checks, index expressions and triggers' ``WHEN`` call
  (:attr:`.catalog.Catalog.implicit`); a rule on ``t``: anything;
* a write to a **view** writes the view's base relations with the same event (an
  ``UPDATE`` through it: every column of them), followed in turn (a view on a view), and
  runs the functions its query calls (its ``WHERE`` is evaluated); an ``INSTEAD OF``
  trigger on it is a trigger like any other. A view whose definition could not be read:
  anything;
* a *rewrite* (``ALTER TABLE`` changing a column's type, ``VALIDATE``) runs ``t``'s
  checks, index expressions and generated columns again: their functions;
* a *call* of a user-defined function or procedure changes what its body can change (a
  called name the catalog does not have is a built-in, or an extension's, and changes
  nothing; a ``CALL`` of a procedure it does not have: anything);
* a *read* of a view runs its query: the functions it calls, and the views it reads.

Each table event, view read and routine is followed once, so recursion ends. The answer,
for one statement, is which columns of which tables may change, so that :mod:`.values`
fingerprints them *before* the statement runs. What is read from the catalog, and when, is
:mod:`.catalog`'s.

SQLite runs foreign-key actions only when ``PRAGMA foreign_keys`` is on, which a connection
is not unless something turns it on (verify does with ``--sqlite-foreign-keys``, as an
``env.py`` connect event does): with it off, actions fire nothing and are not followed.
MariaDB/InnoDB does not fire triggers for cascaded changes; following them anyway only costs
a fingerprint.

Conservative throughout: a trigger fires for every row of its event (``UPDATE OF``, ``WHEN``
and disabled triggers included), an ``ON UPDATE`` action for any update of the parent, a
table's unnamed functions for any write, a view's functions and base tables for any use.
Taking a fingerprint too many costs time, never a false report: a value is reported only if
it differs.
"""

from __future__ import annotations

from collections.abc import Collection

from .catalog import Action, Catalog, Name, Routine, Trigger, View, read, sqlite_trigger
from .statements import ALL, Touched

__all__ = [
    "Action",
    "Catalog",
    "Name",
    "Routine",
    "Trigger",
    "View",
    "consequences",
    "read",
    "sqlite_trigger",
]

_CHANGING = frozenset({"SET NULL", "SET DEFAULT"})
_UNNAMED_RUN_BY = frozenset({"INSERT", "UPDATE", "DELETE", "ALTER"})
"""The events that run a table's unnamed functions (``ALTER``: a rewrite)."""
_NO_RULE = frozenset({"DROP", "READ", "ALTER"})
"""Events a rule does not fire on (``READ``: a view's query runs)."""


def consequences(
    catalog: Catalog, found: Touched, calls: Collection[Name] | None = None
) -> dict[Name, set[str] | None] | None:
    """The columns (None: every column) that what ``found`` writes, rewrites, calls and
    reads may change, followed to the end; None when anything may change. ``calls``
    replaces ``found.calls`` (SQLite: none are followed)."""
    return _Closure(catalog).run(found, found.calls if calls is None else calls)


class _Closure:
    """One statement's consequences: the work queues and the answer."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.tables = catalog.tables()
        self.queue: list[tuple[Name, str]] = []
        self.called: list[Routine] = []
        self.out: dict[Name, set[str] | None] = {}

    def run(self, found: Touched, calls: Collection[Name]) -> dict[Name, set[str] | None] | None:
        first = Touched(
            writes=found.writes, unknown_writes=found.unknown_writes, rewrites=found.rewrites,
            calls=set(calls), procedures=found.procedures, reads=found.reads,
        )  # fmt: skip
        if not self.follow(first):
            return None
        seen: set[tuple[Name, str]] = set()
        done: set[int] = set()
        while self.queue or self.called:
            if self.called:
                routine = self.called.pop()
                if id(routine) in done:
                    continue  # recursion, or called twice: once is enough
                done.add(id(routine))
                body = routine.body()
                if body is None or not self.follow(body):
                    return None
                continue
            event = self.queue.pop()
            if event in seen:
                continue
            seen.add(event)
            if not self.fire(*event):
                return None
        return self.out

    def follow(self, body: Touched) -> bool:
        """A statement's or body's changes into the answer, its writes, rewrites, reads and
        calls into the queues; False when it calls a procedure the catalog does not have."""
        catalog = self.catalog
        for (schema, table), columns in body.tables.items():
            for changed in catalog.known(catalog.name(schema, table)):
                _add(self.out, changed, columns)
        for (schema, table), events in body.writes.items():
            for written in catalog.known(catalog.name(schema, table)):
                self.queue.extend((written, e) for e in events)
        self.queue.extend((other, e) for other in self.tables for e in body.unknown_writes)
        for name in body.rewrites:
            self.queue.extend((t, "ALTER") for t in catalog.known(catalog.name(*name)))
        for name in body.reads:
            known = catalog.known(catalog.name(*name))
            self.queue.extend((view, "READ") for view in known if view in catalog.views)
        for name in body.calls:
            self.called.extend(catalog.routines_named(name))
        for name in body.procedures:
            found = catalog.routines_named(name)
            if not found:
                return False
            self.called.extend(found)
        return True

    def fire(self, name: Name, event: str) -> bool:
        """What ``event`` on ``name`` runs; False when anything may change."""
        catalog = self.catalog
        if name in catalog.opaque and event not in _NO_RULE:
            return False
        view = catalog.views.get(name)
        if view is not None:
            if not view.readable:
                return False
            for function in view.calls:
                self.called.extend(catalog.routines_named(function))
            for base in view.relations:
                for relation in catalog.known(base):
                    if event == "UPDATE":
                        _add(self.out, relation, ALL)
                    self.queue.append((relation, event))
        if event in _UNNAMED_RUN_BY:
            for function in catalog.implicit.get(name, ()):
                self.called.extend(catalog.routines_named(function))
        if event not in ("DROP", "READ"):  # SQLite's implicit DELETE of a dropped table: none
            for trigger in catalog.triggers.get(name, ()):
                if event not in trigger.events:
                    continue
                if trigger.body is None:
                    return False
                if event == "UPDATE":
                    _add(self.out, name, ALL)  # a BEFORE UPDATE trigger may set any NEW.column
                if not self.follow(trigger.body):
                    return False
        for action in catalog.actions.get(name, ()):
            self._act(action, event)
        return True

    def _act(self, action: Action, event: str) -> None:
        if event == "TRUNCATE":  # TRUNCATE ... CASCADE empties the children too
            self.queue.append((action.child, "TRUNCATE"))
            return
        rule = action.on_update if event == "UPDATE" else ""
        if event in ("DELETE", "DROP"):
            rule = action.on_delete
        if not rule:
            return
        if not self.catalog.actions_fire:
            self.catalog.actions_skipped = True
            return
        if rule in _CHANGING or event == "UPDATE":  # ON UPDATE CASCADE rewrites keys
            _add(self.out, action.child, {action.column})
            self.queue.append((action.child, "UPDATE"))
        else:  # ON DELETE CASCADE: the child rows go (counted), and fire in turn
            self.queue.append((action.child, "DELETE"))


def _add(out: dict[Name, set[str] | None], name: Name, columns: set[str] | None) -> None:
    if name in out:
        old = out[name]
        out[name] = None if old is None or columns is None else old | columns
    else:
        out[name] = None if columns is None else set(columns)
