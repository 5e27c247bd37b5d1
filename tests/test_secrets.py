"""No output of any command, in any format, holds a URL password or a cell value.

The database is the seed's clinic drift on each dialect, reached through a URL carrying a
password (a user created with it on MariaDB; PostgreSQL's trust authentication ignores it;
SQLite has none), with a distinctive token written into orphan
columns, a model column and an orphan table. Every command and format runs; their stdout,
stderr and written files are searched for the password and the token.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import Database
from helpers import alembic, make_project

from alembic_additive import clinic
from alembic_additive.cli import main

PASSWORD = "Pw-7f3a-Do-Not-Leak"
TOKEN = "ZQX-cell-value-4411"


@pytest.fixture(autouse=True)
def fresh_models_module() -> Iterator[None]:
    sys.modules.pop("models", None)
    yield
    sys.modules.pop("models", None)


def url_with_password(db: Database) -> str:
    """The test database's URL, carrying PASSWORD (SQLite has none to carry)."""
    if db.dialect == "sqlite":
        return db.url_string
    if db.dialect == "mysql":  # MariaDB checks passwords: a user that has this one
        user = f"aa_{db.url.database}"[:32]
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"))
            conn.execute(sa.text(f"GRANT ALL ON `{db.url.database}`.* TO '{user}'@'%'"))
        return db.url.set(username=user, password=PASSWORD).render_as_string(hide_password=False)
    # PostgreSQL here trusts local connections and ignores the password
    return db.url.set(password=PASSWORD).render_as_string(hide_password=False)


def drop_user(db: Database) -> None:
    if db.dialect == "mysql":
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"DROP USER IF EXISTS '{f'aa_{db.url.database}'[:32]}'@'%'"))


def test_no_password_and_no_value_in_any_output(db: Database, tmp_path: Path) -> None:
    try:
        check_outputs(db, tmp_path)
    finally:
        drop_user(db)


def check_outputs(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        clinic.build_database(conn)
        conn.execute(sa.text(f"UPDATE users SET username = '{TOKEN}' WHERE id = 1"))
        conn.execute(sa.text(f"UPDATE vitals SET blood_pressure = '{TOKEN}'"))
        conn.execute(sa.text(f"UPDATE patients SET first_name = '{TOKEN}'"))
        conn.execute(sa.text(f"UPDATE session SET sess = '{TOKEN}'"))
    url = url_with_password(db)
    project = tmp_path / "project"
    make_project(project, url.replace("%", "%%"), clinic.MODELS_SOURCE)
    ini = str(project / "alembic.ini")
    outputs: list[str] = []

    def cli(*args: str) -> int:
        sys.modules.pop("models", None)
        result = CliRunner().invoke(main, list(args))
        outputs.extend([result.stdout, result.stderr])
        return result.exit_code

    for fmt in ("text", "markdown", "json"):
        cli("audit", "-c", ini, "--format", fmt)
    cli("audit", "-c", ini, "--format", "json", "--backup", str(tmp_path / "backup.json"))
    cli("audit", "--url", url, "--metadata", "models:metadata")
    for style in ("core", "declarative"):
        cli("recover", "-c", ini, "--style", style)
    revision = alembic(project, "revision", "--autogenerate", "-m", "sync")
    outputs += [revision.stdout, revision.stderr]
    for step in (("upgrade", "head"), ("check",)):
        proc = alembic(project, *step)
        outputs += [proc.stdout, proc.stderr]
    cli("cleanup", "-c", ini, "-m", "drop empty")
    for fmt in ("text", "json", "github", "sarif"):
        cli("lint", "-c", ini, "--format", fmt, "--include-downgrade")
    for fmt in ("text", "json"):
        cli("verify", "-c", ini, "--url", url, "--format", fmt)
    if db.dialect != "sqlite":
        # URLs the server refuses: the error lines must not echo the password either
        port = str(db.url.port or {"postgresql": 5432, "mysql": 3306}[db.dialect])
        assert cli("verify", "-c", ini, "--url", url.replace(f":{port}/", ":1/")) == 2
        wrong_db = url.replace(f"/{db.url.database}", "/no_such_database_here")
        assert cli("audit", "--url", wrong_db, "--metadata", "models:metadata") == 2

    files = [p.read_text(encoding="utf-8") for p in project.rglob("*.py")]
    files.append((tmp_path / "backup.json").read_text(encoding="utf-8"))
    everything = "\n".join(outputs + files)
    assert len(everything) > 10_000  # the commands really produced output
    if db.dialect != "sqlite":
        assert PASSWORD in url
    assert PASSWORD not in everything
    assert TOKEN not in everything
