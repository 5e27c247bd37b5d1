"""An opt-in lock for ``env.py``: one ``alembic upgrade`` at a time per database.

The plugin's operations already tolerate a second run (``IF NOT EXISTS`` everywhere). What
two *concurrent* runs still fight over is Alembic's version table: both insert or update
the same row, and the slower one fails (on PostgreSQL its transaction rolls back, so the
schema is still right, but a deploy step reports an error). Holding a database-wide lock
around the migration makes the second run wait, then find the database at head::

    from alembic_additive.locking import migration_lock

    with connectable.connect() as connection:
        with migration_lock(connection):
            context.configure(connection=connection, ...)
            with context.begin_transaction():
                context.run_migrations()

PostgreSQL uses a session-level advisory lock, MySQL/MariaDB ``GET_LOCK``; SQLite needs
none (it serialises writers itself), nor do other dialects get one.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import sqlalchemy as sa

DEFAULT_KEY = "alembic-additive migrations"


def lock_id(key: str) -> int:
    """A stable signed 64-bit id for ``pg_advisory_lock`` (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def migration_lock(
    connection: sa.Connection, key: str = DEFAULT_KEY, timeout: float = 600.0
) -> Iterator[None]:
    """Hold a database-wide lock named ``key`` while the block runs.

    The lock is taken and released in transactions of their own (committed at once), so the
    migration's ``context.begin_transaction()`` starts a fresh one as usual.
    """
    name = connection.dialect.name
    if name == "postgresql":
        ident = lock_id(key)
        connection.execute(sa.select(sa.func.pg_advisory_lock(ident)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(ident)))
            connection.commit()
    elif name in ("mysql", "mariadb"):
        got = connection.execute(sa.select(sa.func.get_lock(key, int(timeout)))).scalar()
        connection.commit()
        if got != 1:
            raise TimeoutError(f"could not take the migration lock {key!r} in {timeout:.0f} s")
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.release_lock(key)))
            connection.commit()
    else:
        yield
