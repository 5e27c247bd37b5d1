"""Counts see what env.py's connection sees: its search_path, and AUTOCOMMIT engines."""

from __future__ import annotations

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
