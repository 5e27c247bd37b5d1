"""Attack: guards, constraint operations and the ledger on a table in a non-default schema
(``include_schemas=True``) beside a same-named table in the default schema.

``other.items`` gets a NOT NULL column, a unique constraint and an index; the default
schema's ``items`` already has a constraint and an index of the same names and clean data.
The guard must count ``other.items`` (its NULLs and duplicates refuse the upgrade, every
value unchanged, MariaDB with ``sql_mode=''`` included, where a NOT NULL would turn NULL into
''), the upgrade must create the objects in ``other`` although same-named ones exist in the
default schema, and the downgrade must drop them there only.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database, _admin_engine
from helpers import alembic, assert_preserved, dump, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(20)),
    sa.Column("label", sa.String(20)),
    sa.UniqueConstraint("code", name="uq_items_code"),
    sa.Index("ix_items_label", "label"),
)
sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(20)),
    sa.Column("label", sa.String(20), nullable=False),
    sa.UniqueConstraint("code", name="uq_items_code"),
    sa.Index("ix_items_label", "label"),
    schema=%r,
)
"""

SCHEMAS = (
    "            include_schemas=True,\n"
    "            include_name=lambda name, type_, parent: type_ != 'schema' "
    "or name in (None, %r),\n"
)

SQL_MODE_EVENT = """
    from sqlalchemy import event

    @event.listens_for(connectable, "connect")
    def _sql_mode(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION sql_mode = ''")
        cursor.close()

"""


@pytest.fixture
def other_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A schema name; on MariaDB a database of the server, dropped afterwards."""
    name = f"aa_other_{uuid.uuid4().hex[:8]}"
    yield name
    dialect = request.node.callspec.params["dialect"]
    if dialect == "mysql":
        admin = _admin_engine("mysql")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def make_schema(db: Database, schema: str) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        else:
            conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{schema}`"))


def tables(schema: str | None) -> tuple[sa.MetaData, sa.Table]:
    md = sa.MetaData()
    cols = lambda: [  # noqa: E731
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(20)),
        sa.Column("label", sa.String(20)),
    ]
    default = sa.Table(
        "items",
        md,
        *cols(),
        sa.UniqueConstraint("code", name="uq_items_code"),
        sa.Index("ix_items_label", "label"),
    )
    sa.Table("items", md, *cols(), schema=schema)
    return md, default


def project(folder: Path, db: Database, schema: str, sql_mode: bool) -> Path:
    make_project(folder, db.ini_url, MODELS % schema, env_extra=SCHEMAS % schema)
    if sql_mode:
        env = folder / "migrations" / "env.py"
        anchor = "        poolclass=pool.NullPool,\n    )\n"
        text = env.read_text()
        assert anchor in text
        env.write_text(text.replace(anchor, anchor + SQL_MODE_EVENT))
    return folder


def without_version(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "alembic_version"}


def objects(engine: sa.Engine, schema: str | None) -> Any:
    insp = sa.inspect(engine)
    return (
        sorted(str(i["name"]) for i in insp.get_indexes("items", schema=schema)),
        sorted(str(u["name"]) for u in insp.get_unique_constraints("items", schema=schema)),
        [c["nullable"] for c in insp.get_columns("items", schema=schema)],
    )


@pytest.mark.parametrize(
    ("dialect", "sql_mode"),
    [("postgresql", False), ("mysql", False), ("mysql", True)],
    ids=["postgresql", "mariadb-strict", "mariadb-sql_mode_empty"],
)
def test_guards_and_ledger_follow_the_schema(
    make_database: Any, tmp_path: Path, other_schema: str, dialect: str, sql_mode: bool
) -> None:
    schema = other_schema
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    make_schema(dev, schema)
    md, _ = tables(schema)
    md.create_all(dev.engine)
    other = sa.table("items", sa.column("id"), sa.column("code"), sa.column("label"), schema=schema)
    with dev.engine.begin() as conn:
        conn.execute(other.insert(), [{"id": 1, "code": "a", "label": "x"}])
    dev_project = project(tmp_path / "dev", dev, schema, sql_mode)
    alembic(dev_project, "revision", "--autogenerate", "-m", "schema")
    revision = only_revision(dev_project)
    text = revision.read_text()
    assert f"schema={schema!r}" in text, text

    # production: its own database (PostgreSQL: its own schema too; MariaDB: the same one)
    if dialect == "postgresql":
        make_schema(prod, schema)
        md.create_all(prod.engine)
    else:
        _, default = tables(schema)
        default.create(prod.engine)
        with prod.engine.begin() as conn:
            conn.execute(sa.text(f"DELETE FROM `{schema}`.items"))
    items = sa.table("items", sa.column("id"), sa.column("code"), sa.column("label"))
    with prod.engine.begin() as conn:
        conn.execute(items.insert(), [{"id": 1, "code": "a", "label": "x"}])
        conn.execute(
            other.insert(),
            [
                {"id": 1, "code": "d", "label": None},
                {"id": 2, "code": "d", "label": "y"},
                {"id": 3, "code": None, "label": "z"},
            ],
        )
    prod_project = project(tmp_path / "prod", prod, schema, sql_mode)
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)
    before = {None: dump(prod.engine), schema: dump(prod.engine, schema)}
    objects_before = {s: objects(prod.engine, s) for s in (None, schema)}

    refused = alembic(prod_project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "2 check(s) failed" in output, output
    assert dump(prod.engine, schema) == before[schema]
    assert {s: objects(prod.engine, s) for s in (None, schema)} == objects_before

    with prod.engine.begin() as conn:
        conn.execute(other.update().where(other.c.id == 1).values(label="w", code="e"))
    fixed = {s: without_version(dump(prod.engine, s)) for s in (None, schema)}
    alembic(prod_project, "upgrade", "head")
    for s in (None, schema):
        assert_preserved(fixed[s], dump(prod.engine, s))
    upgraded = {s: objects(prod.engine, s) for s in (None, schema)}
    assert upgraded[None] == objects_before[None]
    assert "uq_items_code" in upgraded[schema][1], upgraded
    assert "ix_items_label" in upgraded[schema][0], upgraded
    assert upgraded[schema][2] == [False, True, False], upgraded
    alembic(prod_project, "stamp", "base")
    alembic(prod_project, "upgrade", "head")
    assert {s: objects(prod.engine, s) for s in (None, schema)} == upgraded
    alembic(prod_project, "check")

    alembic(prod_project, "downgrade", "-1")
    for s in (None, schema):
        assert_preserved(fixed[s], dump(prod.engine, s))
    assert {s: objects(prod.engine, s) for s in (None, schema)} == objects_before
