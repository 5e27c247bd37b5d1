"""Write a minimal Alembic project whose ``env.py`` enables the plugin.

Used by ``alembic-additive demo``, by the end-to-end tests and by the examples, so that all of
them run the same, ordinary Alembic project: the one-line enabling is the only thing in it
that differs from ``alembic init``.
"""

from __future__ import annotations

from pathlib import Path

ENV_PY = '''"""Alembic environment with alembic-additive enabled."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from models import metadata as target_metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


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
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = %(here)s
path_separator = os
sqlalchemy.url = {url}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = {alembic_log_level}
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


def write_project(
    folder: Path, url: str, models_source: str, *, alembic_log_level: str = "INFO"
) -> Path:
    """Create ``alembic.ini``, ``migrations/`` and ``models.py`` in ``folder``; return the ini.

    ``url`` is written into alembic.ini as is, so ``%`` must already be escaped as ``%%``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    migrations = folder / "migrations"
    (migrations / "versions").mkdir(parents=True, exist_ok=True)
    (migrations / "env.py").write_text(ENV_PY, encoding="utf-8")
    (migrations / "script.py.mako").write_text(SCRIPT_MAKO, encoding="utf-8")
    (folder / "models.py").write_text(models_source, encoding="utf-8")
    ini = folder / "alembic.ini"
    ini.write_text(
        ALEMBIC_INI.format(url=url, alembic_log_level=alembic_log_level), encoding="utf-8"
    )
    return ini
