"""Alembic environment of the declarative example.

Alembic's generic env.py, with two changes: the `autogenerate_plugins=` line, which enables
alembic-additive, and `DATABASE_URL`, used instead of alembic.ini's URL when set.
"""

import os
from logging.config import fileConfig

from alembic import context
from models import Base
from sqlalchemy import engine_from_config, pool

config = context.config
if os.environ.get("DATABASE_URL"):
    # configparser interpolation: a literal % in the URL must be doubled
    config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
