"""Create the drifted clinic database of the seed story, and an Alembic project next to it.

Run it from this folder::

    python make_database.py

It writes, next to this script:

* ``clinic.db``: the drifted database (SQLite), unless ``DATABASE_URL`` names another,
  empty database (PostgreSQL, or MariaDB/MySQL with the ``mysql`` extra installed);
* ``models.py``: the application's models, which lag the database;
* ``alembic.ini`` and ``migrations/``: an ordinary Alembic project whose ``env.py`` enables
  alembic-additive with one line, and uses ``DATABASE_URL`` instead of ``alembic.ini``'s
  URL when that variable is set.

Everything it writes is generated (see ``.gitignore``); ``--force`` deletes it first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import sqlalchemy as sa

from alembic_additive import clinic, scaffold

HERE = Path(__file__).resolve().parent
SQLITE_FILE = HERE / "clinic.db"
GENERATED = ("alembic.ini", "models.py", "migrations", "recovered.py")

# The scaffold's env.py, taught to read DATABASE_URL, so that every `alembic` and
# `alembic-additive` command uses the database this script built.
_IMPORT_MARKER = "from logging.config import fileConfig\n"
_CONFIG_MARKER = "config = context.config\n"
_CONFIG_WITH_URL = """config = context.config
if os.environ.get("DATABASE_URL"):
    # configparser interpolation: a literal % in the URL must be doubled
    config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))
"""


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_FILE}"


def remove_generated(url: sa.URL) -> None:
    """``--force``: delete what an earlier run wrote (a server database must be emptied by hand)."""
    for name in GENERATED:
        path = HERE / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    if url.get_backend_name() == "sqlite":
        SQLITE_FILE.unlink(missing_ok=True)


def write_project() -> None:
    """alembic.ini, migrations/env.py, migrations/script.py.mako and models.py."""
    scaffold.write_project(
        HERE, "sqlite:///%(here)s/clinic.db", clinic.MODELS_SOURCE, alembic_log_level="WARN"
    )
    env = HERE / "migrations" / "env.py"
    text = env.read_text(encoding="utf-8")
    assert _IMPORT_MARKER in text and _CONFIG_MARKER in text, "scaffold.ENV_PY changed"
    text = text.replace(_IMPORT_MARKER, "import os\n" + _IMPORT_MARKER, 1)
    env.write_text(text.replace(_CONFIG_MARKER, _CONFIG_WITH_URL, 1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the drifted clinic database.")
    parser.add_argument(
        "--force", action="store_true", help="delete the files an earlier run generated first"
    )
    args = parser.parse_args(argv)

    url = sa.make_url(database_url())
    if args.force:
        remove_generated(url)
    engine = sa.create_engine(url)
    existing = sa.inspect(engine).get_table_names()
    if existing:
        print(
            f"{url.render_as_string()} already has {len(existing)} table(s): use an empty "
            "database (for the SQLite file: python make_database.py --force)",
            file=sys.stderr,
        )
        return 2
    with engine.begin() as connection:
        clinic.build_database(connection)
    engine.dispose()
    write_project()
    declared = len(clinic.models_metadata().tables)
    print(f"Built {url.render_as_string()}: {len(clinic.TABLE_ROWS)} tables, with data.")
    print(f"Wrote models.py ({declared} tables: it lags the database), alembic.ini, migrations/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
