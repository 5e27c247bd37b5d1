"""Shared by the benchmark scripts: a throw-away PostgreSQL database per run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def scratch_database(admin_url: sa.URL, keep: bool, prefix: str) -> Iterator[sa.URL]:
    """CREATE DATABASE (autocommit on the admin URL); DROP it afterwards unless ``keep``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    try:
        yield admin_url.set(database=name)
    finally:
        if keep:
            print(f"kept scratch database {name!r}")
        else:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()
