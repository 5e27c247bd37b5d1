"""Real databases for the tests: SQLite always; PostgreSQL and MariaDB/MySQL when reachable.

Each test gets its own, new database (``aa_<random>``), dropped afterwards. The servers come
from ``ALEMBIC_ADDITIVE_PG_URL`` and ``ALEMBIC_ADDITIVE_MYSQL_URL``; when one is unreachable
its tests skip with a reason naming the variable, unless ``ALEMBIC_ADDITIVE_REQUIRE_DBS=1``
(set by ``.ci/run``), under which an unreachable server fails the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_VAR = "ALEMBIC_ADDITIVE_PG_URL"
MYSQL_VAR = "ALEMBIC_ADDITIVE_MYSQL_URL"
REQUIRE_VAR = "ALEMBIC_ADDITIVE_REQUIRE_DBS"

SERVER_URLS = {
    "postgresql": (PG_VAR, "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
    "mysql": (MYSQL_VAR, "mysql+pymysql://root@127.0.0.1:3306/test"),
}

DIALECTS = ["sqlite", "postgresql", "mysql"]


@dataclass
class Database:
    """A fresh, empty database for one test."""

    dialect: str
    url: sa.URL
    engine: sa.Engine

    @property
    def url_string(self) -> str:
        return self.url.render_as_string(hide_password=False)

    @property
    def ini_url(self) -> str:
        """The URL as it must appear in alembic.ini (``%`` escaped)."""
        return self.url_string.replace("%", "%%")


_unreachable: dict[str, str] = {}


def _server_url(dialect: str) -> sa.URL:
    var, default = SERVER_URLS[dialect]
    return sa.make_url(os.environ.get(var) or default)


def _admin_engine(dialect: str) -> sa.Engine:
    var, _ = SERVER_URLS[dialect]
    if dialect in _unreachable:
        _missing(var, _unreachable[dialect])
    engine = sa.create_engine(
        _server_url(dialect), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        _unreachable[dialect] = str(exc).splitlines()[0]
        engine.dispose()
        _missing(var, _unreachable[dialect])
    return engine


def _missing(var: str, why: str) -> None:
    message = f"{var}: database server not reachable ({why})"
    if os.environ.get(REQUIRE_VAR) == "1":
        pytest.fail(f"{message}; {REQUIRE_VAR}=1 requires it", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def make_database(tmp_path: Path) -> Iterator[object]:
    """Factory: ``make_database("postgresql")`` returns a new empty :class:`Database`."""
    created: list[tuple[str, str, sa.Engine, sa.Engine]] = []

    def factory(dialect: str) -> Database:
        if dialect == "sqlite":
            url = sa.make_url(f"sqlite:///{tmp_path / f'db_{uuid.uuid4().hex[:8]}.sqlite'}")
            engine = sa.create_engine(url)
            return Database(dialect, url, engine)
        admin = _admin_engine(dialect)
        name = f"aa_{uuid.uuid4().hex[:12]}"
        quoted = admin.dialect.identifier_preparer.quote(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        url = _server_url(dialect).set(database=name)
        engine = sa.create_engine(url)
        created.append((dialect, quoted, admin, engine))
        return Database(dialect, url, engine)

    yield factory
    for dialect, quoted, admin, engine in created:
        engine.dispose()
        with admin.connect() as conn:
            if dialect == "postgresql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted}"))
        admin.dispose()


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, make_database: object) -> Database:
    """A new empty database, once per dialect."""
    return make_database(request.param)  # type: ignore[operator,no-any-return]
