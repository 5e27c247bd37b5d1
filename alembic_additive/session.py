"""What env.py's connection sees, so that counts taken later see the same.

The counts that only inform a revision's comments are taken after env.py has closed its
connection (see :mod:`alembic_additive.compare.additive`), on a new connection from the same
engine. A new connection has the engine's settings, not the ones env.py gave its own
connection: with ``SET search_path TO tenant_a`` in env.py, ``users`` is
``tenant_a.users`` to the comparison but ``public.users`` to a new connection, and an
orphan column holding 3 values was reported "0 values in 0 rows ... clean up".

So the state that decides what an unqualified name means is captured on env.py's connection
while comparing, and replayed on the new one:

* PostgreSQL: ``role`` and ``search_path`` (``set_config``, values as bound parameters);
* MySQL/MariaDB: the current database (the driver's ``select_db``, no SQL text);
* SQLite: nothing can be replayed; a connection with attached databases is not
  reconstructible.

After the replay the new connection's state is captured again and must be equal; when a
state cannot be replayed, the caller counts everything while comparing instead.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

log = logging.getLogger(f"alembic.{__name__}")


class NotReconstructible(Exception):
    """A new connection cannot be made to see what env.py's connection saw."""


@dataclass(frozen=True)
class SessionState:
    """The settings of one connection that change what an unqualified name means."""

    settings: tuple[tuple[str, str | None], ...]
    replayable: bool


def capture(connection: sa.Connection) -> SessionState:
    """Read the state of ``connection`` (a few catalog reads, no table scanned)."""
    name = connection.dialect.name
    if name == "postgresql":
        row = connection.execute(
            sa.select(
                sa.func.current_setting("role"),
                sa.func.current_setting("search_path"),
            )
        ).one()
        return SessionState((("role", str(row[0])), ("search_path", str(row[1]))), True)
    if name in ("mysql", "mariadb"):
        database = connection.execute(sa.select(sa.func.database())).scalar()
        raw = connection.connection.driver_connection
        can = hasattr(raw, "select_db")
        return SessionState((("database", None if database is None else str(database)),), can)
    if name == "sqlite":
        rows = connection.exec_driver_sql("PRAGMA database_list").all()
        attached = sorted(str(r[1]) for r in rows if str(r[1]) not in ("main", "temp"))
        return SessionState((("attached", ",".join(attached)),), not attached)
    return SessionState((), True)


@contextlib.contextmanager
def replayed(connection: sa.Connection, state: SessionState) -> Iterator[None]:
    """Give ``connection`` the captured state for the block, prove it took, and put the
    connection's own state back afterwards (it may go back to a pool).

    Raises :class:`NotReconstructible` when the state cannot be given or did not take.
    """
    if not state.replayable:
        raise NotReconstructible("the connection's state cannot be replayed")
    own = capture(connection)
    if own == state:
        yield
        return
    _apply(connection, own, state)
    try:
        got = capture(connection)
        if got != state:
            raise NotReconstructible(
                f"a new connection sees {dict(got.settings)}, not {dict(state.settings)}"
            )
        yield
    finally:
        if connection.invalidated or connection.closed:
            pass
        else:
            try:
                _apply(connection, state, own)
            except sa.exc.SQLAlchemyError as exc:  # the connection is discarded anyway
                log.debug("Could not restore the connection's state: %s", exc)


def _apply(connection: sa.Connection, current: SessionState, wanted: SessionState) -> None:
    now, want = dict(current.settings), dict(wanted.settings)
    name = connection.dialect.name
    if name == "postgresql":
        for key in ("role", "search_path"):
            value = want.get(key)
            if value is not None and value != now.get(key):
                connection.execute(sa.select(sa.func.set_config(key, value, False)))
    elif name in ("mysql", "mariadb"):
        database = want.get("database")
        raw = connection.connection.driver_connection
        if database is not None and database != now.get("database"):
            raw.select_db(database)  # type: ignore[union-attr]
