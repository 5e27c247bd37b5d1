"""``allow_drop``: an unqualified name means the default schema only (PostgreSQL,
``include_schemas=True``), and an entry that could name two things is an error."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

from alembic_additive.cli import main

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

for schema in (None, "archive"):
    sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        schema=schema,
    )
"""

SCHEMAS = (
    "            include_schemas=True,\n"
    "            include_name=lambda name, type_, parent: type_ != 'schema' "
    "or name in (None, 'archive'),\n"
)


def two_schemas(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA archive"))
        for schema in ("public", "archive"):
            t = sa.table("users", sa.column("name"), sa.column("old_flag"), schema=schema)
            conn.execute(
                sa.text(
                    f"CREATE TABLE {schema}.users "
                    "(id serial PRIMARY KEY, name varchar(50), old_flag varchar(5))"
                )
            )
            flag = None if schema == "public" else "y"
            conn.execute(
                t.insert(), [{"name": "a", "old_flag": flag}, {"name": "b", "old_flag": flag}]
            )


def upgrade_lines(revision: Path) -> list[str]:
    """The operation lines of ``upgrade()`` (the comment block left out)."""
    body = function_source(revision, "upgrade").splitlines()
    return [line.strip() for line in body if line.strip().startswith("op.")]


@pytest.fixture(autouse=True)
def fresh_models_module() -> Iterator[None]:
    """env.py imports the project's ``models``; ``audit`` runs in this process, and each
    test has its own."""
    sys.modules.pop("models", None)
    yield
    sys.modules.pop("models", None)


@pytest.fixture
def pg(make_database: object) -> Database:
    return make_database("postgresql")  # type: ignore[operator,no-any-return]


@pytest.mark.parametrize("entry", ["users.old_flag", "public.users.old_flag"])
def test_unqualified_entry_means_the_default_schema_only(
    pg: Database, tmp_path: Path, entry: str
) -> None:
    two_schemas(pg)
    make_project(
        tmp_path, pg.ini_url, MODELS, SCHEMAS + f"            additive_allow_drop=[{entry!r}],\n"
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    revision = only_revision(tmp_path)
    drops = [c for c in upgrade_lines(revision) if "drop_column" in c]
    assert len(drops) == 1, drops
    assert "('users', 'old_flag')" in drops[0]
    archive_before = dump(pg.engine, schema="archive")
    alembic(tmp_path, "upgrade", "head")
    assert dump(pg.engine, schema="archive") == archive_before
    assert_preserved(archive_before, dump(pg.engine, schema="archive"))
    assert [c["name"] for c in sa.inspect(pg.engine).get_columns("users")] == ["id", "name"]


def test_other_schemas_need_the_schema_in_the_entry(pg: Database, tmp_path: Path) -> None:
    two_schemas(pg)
    make_project(
        tmp_path,
        pg.ini_url,
        MODELS,
        SCHEMAS + '            additive_allow_drop=["archive.users.old_flag"],\n',
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    drops = [c for c in upgrade_lines(only_revision(tmp_path)) if "drop_column" in c]
    assert len(drops) == 1, drops
    assert "('users', 'old_flag', schema='archive')" in drops[0]


def test_ambiguous_entry_is_an_error_naming_it(pg: Database, tmp_path: Path) -> None:
    """'users.old_flag' is both column old_flag of public.users and table old_flag of
    schema users: refused with one line, exit 2 (audit), and no revision written."""
    two_schemas(pg)
    with pg.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA users"))
        conn.execute(sa.text("CREATE TABLE users.old_flag (id int)"))
        conn.execute(sa.text("INSERT INTO users.old_flag VALUES (1)"))
    make_project(
        tmp_path,
        pg.ini_url,
        MODELS,
        "            include_schemas=True,\n"
        "            include_name=lambda name, type_, parent: type_ != 'schema' "
        "or name in (None, 'archive', 'users'),\n"
        '            additive_allow_drop=["users.old_flag"],\n',
    )
    before = {s: dump(pg.engine, schema=s) for s in ("public", "archive", "users")}
    proc = alembic(tmp_path, "revision", "--autogenerate", "-m", "x", check=False)
    assert proc.returncode != 0
    assert "allow_drop entry 'users.old_flag' is ambiguous" in proc.stderr
    assert not list((tmp_path / "migrations" / "versions").glob("*.py"))
    result = CliRunner().invoke(main, ["audit", "-c", str(tmp_path / "alembic.ini")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "'users.old_flag' is ambiguous" in lines[0], result.output
    assert {s: dump(pg.engine, schema=s) for s in ("public", "archive", "users")} == before
