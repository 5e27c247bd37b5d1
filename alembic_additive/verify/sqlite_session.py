"""How verify's SQLite connection runs revisions, and where that must match ``alembic upgrade``.

verify runs each revision's DDL inside its transaction (:func:`transactional`), so a failed
revision leaves nothing behind. Python's sqlite3 module, which ``alembic upgrade`` uses as
it comes, does not: it opens a transaction only before the first ``INSERT``, ``UPDATE``,
``DELETE`` or ``REPLACE``, and runs everything before that outside one. One statement
behaves differently inside a transaction: ``PRAGMA foreign_keys = ON/OFF`` is silently
ignored there. A revision that starts with ``op.execute("PRAGMA foreign_keys=OFF")`` (as
advised before rebuilding a parent table) or ``=ON`` changes the setting under ``alembic
upgrade``, and so whether a batch copy's ``DROP TABLE`` of a parent deletes its children's
rows (``ON DELETE CASCADE``); under verify it changed nothing, so verify ran, and judged, a
different migration. :func:`pragmas_as_under_alembic` makes such a pragma take effect
exactly when it would under ``alembic upgrade``: before the revision's first data change.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

# What Python's sqlite3 module (3.6 to 3.11 and, with its legacy transaction control, later)
# opens a transaction before: the statement's first word, comments skipped.
_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*([A-Za-z]+)", re.S)
_OPENS_TRANSACTION = frozenset({"insert", "update", "delete", "replace"})
_SETS_FOREIGN_KEYS = re.compile(
    r"\s*pragma\s+(?:[\w\"`\[\]]+\s*\.\s*)?foreign_keys\s*[=(]", re.I | re.S
)


def transactional(engine: sa.Engine) -> None:
    """SQLite can run DDL in a transaction, but Python's sqlite3 module only opens one before
    DML: a batch copy that failed half-way left its ``_alembic_tmp_`` table behind. With
    SQLAlchemy's documented recipe (the driver's own transaction handling off, ``BEGIN``
    emitted by SQLAlchemy) each revision's transaction covers its DDL too, so a failed
    revision leaves nothing — which is what lets ``--seed-rows`` run it again unseeded."""
    if engine.dialect.name != "sqlite" or engine.dialect.driver != "pysqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def foreign_keys_on(engine: sa.Engine) -> None:
    """``PRAGMA foreign_keys=ON`` on connect, as an ``env.py`` (or the app it imports) that
    turns them on does: verify does not run env.py, and SQLite leaves them off, so without
    this an ``ON DELETE``/``ON UPDATE`` action (and a batch copy's ``DROP TABLE`` of a
    parent, which deletes its rows) would not run here as it does under ``alembic upgrade``."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _foreign_keys_on(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@contextlib.contextmanager
def pragmas_as_under_alembic(connection: sa.Connection) -> Iterator[None]:
    """While one revision runs: a ``PRAGMA foreign_keys`` sent before the revision's first
    data change runs outside verify's transaction (what ran before it is committed first, as
    sqlite3 would have run it outside one; a new transaction is begun right after), so it
    takes effect as under ``alembic upgrade``. After a data change it stays inside, ignored,
    as there. Other dialects and drivers: nothing changes."""
    if connection.dialect.name != "sqlite" or connection.dialect.driver != "pysqlite":
        yield
        return
    written = False
    reopen: list[Any] = []  # the driver connection to begin a transaction on again

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        nonlocal written
        match = _FIRST_WORD.match(statement)
        word = match.group(1).lower() if match else ""
        if word in _OPENS_TRANSACTION:
            written = True
        elif (
            word == "pragma"
            and not written
            and _SETS_FOREIGN_KEYS.match(statement)
            and cursor.connection.in_transaction
        ):
            cursor.execute("COMMIT")
            reopen.append(cursor.connection)

    def after(*args: Any) -> None:
        while reopen:
            reopen.pop().execute("BEGIN")

    event.listen(connection, "before_cursor_execute", before)
    event.listen(connection, "after_cursor_execute", after)
    event.listen(connection.engine, "handle_error", after)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", before)
        event.remove(connection, "after_cursor_execute", after)
        event.remove(connection.engine, "handle_error", after)
