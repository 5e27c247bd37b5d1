"""Alembic's async template (``async_engine_from_config`` + ``run_sync``) with the plugin:
the counts still reach the revision, although no new connection can be opened after the
event loop has finished."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

ASYNC_ENV = '''"""Alembic's async env.py template, with alembic-additive enabled."""

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config

from models import metadata as target_metadata

config = context.config


def do_run_migrations(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    connectable = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


asyncio.run(run_async_migrations())
'''

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("patients", metadata, sa.Column("id", sa.Integer, primary_key=True),
         sa.Column("email", sa.String(100), nullable=True))
"""


def test_async_env_gets_exact_counts(tmp_path: Path) -> None:
    db_path = tmp_path / "app.db"
    engine = sa.create_engine(f"sqlite:///{db_path}")
    md = sa.MetaData()
    patients = sa.Table(
        "patients", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("legacy", sa.Text)
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(patients.insert(), [{"legacy": "a"}, {"legacy": None}, {"legacy": "c"}])
    before = dump(engine)
    make_project(tmp_path, f"sqlite+aiosqlite:///{db_path}", MODELS)
    (tmp_path / "migrations" / "env.py").write_text(ASYNC_ENV)

    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# patients.legacy: 2 non-null value(s) in 3 rows — add to your model:" in upgrade
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(engine))
