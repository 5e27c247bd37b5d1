"""Counts see what env.py's connection sees: its search_path, and AUTOCOMMIT engines."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import Database
from helpers import alembic, dump, function_source, make_project, only_revision

from alembic_additive.cli import main

USERS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)
"""

CONNECT = "    with connectable.connect() as connection:\n"


def edit_env(folder: Path, old: str, new: str) -> None:
    env = folder / "migrations" / "env.py"
    text = env.read_text()
    assert old in text
    env.write_text(text.replace(old, new, 1))


def tables(db: Database, schema: str | None = None) -> dict[str, object]:
    """Every table's rows, Alembic's version table left out."""
    out = dump(db.engine, schema=schema)
    out.pop("alembic_version", None)
    return out


@pytest.fixture(autouse=True)
def fresh_models_module() -> Iterator[None]:
    """env.py imports the project's ``models``; ``audit`` runs in this process, and each
    test has its own."""
    sys.modules.pop("models", None)
    yield
    sys.modules.pop("models", None)


@pytest.fixture
def tenant(make_database: object, tmp_path: Path) -> Database:
    """``tenant_a.users.ssn`` holds 3 values; env.py sets ``search_path TO tenant_a``;
    ``public.users`` (what a fresh connection sees) is empty."""
    db: Database = make_database("postgresql")  # type: ignore[operator]
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA tenant_a"))
        # the same table, empty, where a fresh connection looks first
        conn.execute(sa.text("CREATE TABLE public.users (id int PRIMARY KEY, name text, ssn text)"))
        conn.execute(
            sa.text("CREATE TABLE tenant_a.users (id int PRIMARY KEY, name text, ssn text)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO tenant_a.users VALUES (1, 'a', '1'), (2, 'b', '2'), (3, 'c', '3'),"
                " (4, 'd', NULL)"
            )
        )
    make_project(tmp_path, db.ini_url, USERS)
    edit_env(
        tmp_path,
        CONNECT,
        CONNECT + '        connection.execute(sa.text("SET search_path TO tenant_a"))\n'
        "        connection.commit()\n",
    )
    edit_env(tmp_path, "from sqlalchemy import", "import sqlalchemy as sa\nfrom sqlalchemy import")
    return db


def test_revision_counts_on_the_search_path_env_py_set(tenant: Database, tmp_path: Path) -> None:
    before = tables(tenant, "tenant_a")
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# users.ssn: 3 non-null value(s) in 4 rows" in upgrade, upgrade
    assert tables(tenant, "tenant_a") == before


def test_audit_and_cleanup_count_on_the_search_path(tenant: Database, tmp_path: Path) -> None:
    before = tables(tenant, "tenant_a")
    ini = str(tmp_path / "alembic.ini")
    result = CliRunner().invoke(main, ["audit", "-c", ini, "--format", "json"])
    assert "3 non-null" in result.output or '"non_null": 3' in result.output, result.output
    result = CliRunner().invoke(main, ["cleanup", "-c", ini, "-m", "cleanup"])
    assert not list((tmp_path / "migrations" / "versions").glob("*.py")), result.output
    assert tables(tenant, "tenant_a") == before


DRIFTED = """import sqlalchemy as sa

metadata = sa.MetaData()

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
)
"""


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_autocommit_engine(make_database: object, tmp_path: Path, dialect: str) -> None:
    """``isolation_level="AUTOCOMMIT"``: check and autogenerate count (no SAVEPOINT outside a
    transaction), read-only, and the counts are right."""
    db: Database = make_database(dialect)  # type: ignore[operator]
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE patients (id int PRIMARY KEY, status varchar(20), legacy varchar(5))"
            )
        )
        conn.execute(sa.text("INSERT INTO patients VALUES (1, 'a', 'x'), (2, 'b', NULL)"))
    make_project(tmp_path, db.ini_url, DRIFTED)
    edit_env(
        tmp_path,
        "        poolclass=pool.NullPool,\n",
        '        poolclass=pool.NullPool,\n        isolation_level="AUTOCOMMIT",\n',
    )
    before = tables(db)
    proc = alembic(tmp_path, "check", check=False)
    assert "New upgrade operations detected" in proc.stdout + proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# patients.legacy: 1 non-null value(s) in 2 rows" in upgrade, upgrade
    assert "nullable=False" in upgrade  # no NULL in status: measured, the tightening is kept
    assert tables(db) == before


def test_mysql_counts_in_the_database_env_py_switched_to(
    make_database: object, tmp_path: Path
) -> None:
    """env.py's ``USE tenant``: the later counts run in that database, not the URL's."""
    url_db: Database = make_database("mysql")  # type: ignore[operator]
    tenant_db: Database = make_database("mysql")  # type: ignore[operator]
    for db, rows in ((url_db, ""), (tenant_db, "(1, 'a', '1'), (2, 'b', '2'), (3, 'c', '3')")):
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE users (id int PRIMARY KEY, name text, ssn text)"))
            if rows:
                conn.execute(sa.text(f"INSERT INTO users VALUES {rows}"))
    make_project(tmp_path, url_db.ini_url, USERS)
    tenant = tenant_db.url.database
    edit_env(tmp_path, CONNECT, CONNECT + f'        connection.exec_driver_sql("USE `{tenant}`")\n')
    before = tables(tenant_db)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# users.ssn: 3 non-null value(s) in 3 rows" in upgrade, upgrade
    assert tables(tenant_db) == before


def test_sqlite_with_an_attached_database_counts_while_comparing(
    make_database: object, tmp_path: Path
) -> None:
    """A connection with attached databases cannot be rebuilt: every count is taken on
    env.py's own connection, so an orphan in the attached schema is counted right."""
    db: Database = make_database("sqlite")  # type: ignore[operator]
    other = tmp_path / "other.sqlite"
    with sa.create_engine(f"sqlite:///{other}").begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name text, ssn text)")
        )
        conn.execute(sa.text("INSERT INTO users VALUES (1, 'a', '1'), (2, 'b', '2')"))
    models = USERS.replace('sa.Column("name", sa.String(50)),', 'sa.Column("name", sa.Text),')
    models = models.replace(
        '    sa.Column("name", sa.Text),\n)',
        '    sa.Column("name", sa.Text),\n    schema="other",\n)',
    )
    make_project(tmp_path, db.ini_url, models, "            include_schemas=True,\n")
    edit_env(
        tmp_path,
        CONNECT,
        CONNECT + f"        connection.exec_driver_sql(\"ATTACH DATABASE '{other}' AS other\")\n",
    )
    result = CliRunner().invoke(main, ["audit", "-c", str(tmp_path / "alembic.ini")])
    assert re.search(r"other\.users\.ssn +TEXT +2 non-null +2 rows", result.output), result.output
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# other.users.ssn: 2 non-null value(s) in 2 rows" in upgrade, upgrade
