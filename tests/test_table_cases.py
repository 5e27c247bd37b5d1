"""Edge cases of the idempotent operations, through the real ``alembic`` command: PostgreSQL
enum types, a same-named table of another shape, identifiers PostgreSQL truncates to 63
bytes, and offline SQL for MySQL/MariaDB."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import (
    ALEMBIC,
    alembic,
    assert_preserved,
    dump,
    function_source,
    make_project,
    only_revision,
)
from test_constraint_ops import point_at

ENUM_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("state", sa.Enum("open", "closed", name="ticket_state")),
)
"""


def type_names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT typname FROM pg_type WHERE typname = 'ticket_state'")
            ).scalars()
        )


def test_postgresql_enum_type_created_only_if_missing(make_database: Any, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")
    project = tmp_path / "p"
    make_project(project, db.ini_url, ENUM_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "enum")
    alembic(project, "upgrade", "head")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO tickets (state) VALUES ('open')"))
    rows = dump(db.engine)
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")  # was: type "ticket_state" already exists
    alembic(project, "check")
    assert_preserved(rows, dump(db.engine))
    # the table gone, its type kept (a person dropped it, or another table uses the type)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE tickets"))
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert type_names(db.engine) == ["ticket_state"]
    alembic(project, "check")


SHAPE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title", sa.String(100), nullable=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Index("ix_tickets_title", "title"),
)
"""


def test_same_named_table_of_another_shape_is_reported_and_completed(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    """Written where the table did not exist; run where someone created it by hand with
    fewer columns: the missing columns are added, so the index on them succeeds."""
    dev = make_database(db.dialect)
    project = tmp_path / "p"
    make_project(project, dev.ini_url, SHAPE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "tickets")
    assert "create_table('tickets'" in function_source(only_revision(project), "upgrade")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE tickets (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO tickets (id) VALUES (1), (2)"))
    point_at(project, db)
    rows = dump(db.engine)
    first = alembic(project, "upgrade", "head")
    assert "table tickets exists with other columns than the model" in first.stderr
    assert "title, priority" in first.stderr
    assert "priority is NOT NULL without a default and tickets has 2 row(s)" in first.stderr
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    db.engine.dispose()
    insp = sa.inspect(db.engine)
    assert [c["name"] for c in insp.get_columns("tickets")] == ["id", "title", "priority"]
    assert [ix["name"] for ix in insp.get_indexes("tickets")] == ["ix_tickets_title"]
    assert_preserved(rows, dump(db.engine))
    alembic(project, "downgrade", "base")
    # the table was not created by the upgrade: it stays, with its rows
    assert_preserved(rows, dump(db.engine))


LONG = "größe_" * 12  # 84 characters, 96 bytes: PostgreSQL keeps the first 63 bytes

LONG_MODELS = f"""import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column({LONG!r}, sa.Integer, nullable=True),
)

events = sa.Table(
    {("events_" + LONG)!r},
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Integer),
    sa.Index("ix_events_at", "at"),
)
"""


def test_postgresql_truncated_identifiers_are_matched(make_database: Any, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (id SERIAL PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO users DEFAULT VALUES"))
    project = tmp_path / "p"
    make_project(project, db.ini_url, LONG_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "long", "--rev-id", "r1")
    alembic(project, "upgrade", "head")
    rows = dump(db.engine)
    assert len(LONG.encode()) > 63
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert dump(db.engine) == rows
    alembic(project, "check")  # was: fails forever
    alembic(project, "revision", "--autogenerate", "-m", "next", "--rev-id", "r2")
    nothing = (project / "migrations" / "versions" / "r2_next.py").read_text()
    assert (
        "orphan" not in nothing
        and "drop" not in nothing.split("def upgrade")[1].split("def downgrade")[0]
    )
    (project / "migrations" / "versions" / "r2_next.py").unlink()
    alembic(project, "downgrade", "base")
    db.engine.dispose()
    insp = sa.inspect(db.engine)
    assert insp.get_table_names() == ["users"] or sorted(insp.get_table_names()) == sorted(
        ["users", "alembic_version", "alembic_additive_ledger"]
    )
    assert [c["name"] for c in insp.get_columns("users")] == ["id"]


OFFLINE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(100)),
    sa.Column("note", sa.Text),
    sa.Index("ix_users_email", "email"),
)
"""


def _revision_statements(sql: str) -> list[str]:
    """The revision's own statements (the version table's bookkeeping left out)."""
    out = []
    for stmt in sql.split(";\n"):
        lines = [ln for ln in stmt.splitlines() if ln.strip() and not ln.startswith("--")]
        text = "\n".join(lines).strip()
        if text and "alembic_version" not in text and text.upper() not in ("BEGIN", "COMMIT"):
            out.append(text)
    return out


def test_offline_sql_for_mysql_urls_is_explicit_about_its_syntax(
    make_database: Any, tmp_path: Path
) -> None:
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100))"))
        conn.execute(sa.text("INSERT INTO users VALUES (1, 'a@t')"))
    project = tmp_path / "p"
    make_project(project, db.ini_url, OFFLINE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "offline")
    assert db.url.drivername == "mysql+pymysql"
    plain = alembic(project, "upgrade", "head", "--sql")
    assert "IF NOT EXISTS" not in plain.stdout  # MySQL's syntax, the documented default
    assert "additive_offline_dialect=mariadb" in plain.stderr  # and it says how to choose
    chosen = alembic(project, "-x", "additive_offline_dialect=mariadb", "upgrade", "head", "--sql")
    assert "ADD COLUMN IF NOT EXISTS note" in chosen.stdout
    assert "CREATE INDEX IF NOT EXISTS ix_users_email" in chosen.stdout
    rows = dump(db.engine)
    for _ in range(2):  # the MariaDB script runs twice
        with db.engine.begin() as conn:
            for stmt in _revision_statements(chosen.stdout):
                conn.exec_driver_sql(stmt)
    assert_preserved(rows, dump(db.engine))
    bad = alembic(
        project, "-x", "additive_offline_dialect=oracle", "upgrade", "head", "--sql", check=False
    )
    assert bad.returncode != 0
    assert "additive_offline_dialect must be 'mariadb' or 'mysql', not 'oracle'" in bad.stderr


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_ledger_is_never_reported(dialect: str, make_database: Any, tmp_path: Path) -> None:
    """The ledger the operations write is bookkeeping: no orphan, check stays clean."""
    db: Database = make_database(dialect)
    project = tmp_path / "p"
    make_project(project, db.ini_url, OFFLINE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "one", "--rev-id", "r1")
    alembic(project, "upgrade", "head")
    assert "alembic_additive_ledger" in sa.inspect(db.engine).get_table_names()
    alembic(project, "check")
    audit = subprocess.run(
        [str(Path(ALEMBIC).with_name("alembic-additive")), "audit", "-c", "alembic.ini", "--check"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "alembic_additive_ledger" not in audit.stdout + audit.stderr
    alembic(project, "revision", "--autogenerate", "-m", "two", "--rev-id", "r2")
    second = (project / "migrations" / "versions" / "r2_two.py").read_text()
    assert "alembic_additive_ledger" not in second


def test_downgrade_keeps_a_column_that_existed_before_the_upgrade(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    """Autogenerated where ``users.note`` is missing, run where it was added by hand (empty):
    the upgrade skips it, and the downgrade must not drop it (an empty column the upgrade did
    not add is still not the upgrade's to drop)."""
    dev = make_database(db.dialect)
    for engine in (dev.engine, db.engine):
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100))"))
            conn.execute(sa.text("INSERT INTO users (id, email) VALUES (1, 'a@t'), (2, NULL)"))
    with db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE users ADD COLUMN note TEXT"))
    project = tmp_path / "p"
    make_project(project, dev.ini_url, OFFLINE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "note")
    downgrade = function_source(only_revision(project), "downgrade")
    assert "drop_column_if_empty('users', 'note', only_if_created=True)" in downgrade
    point_at(project, db)
    rows = dump(db.engine)
    alembic(project, "upgrade", "head")
    alembic(project, "downgrade", "base")
    db.engine.dispose()
    assert [c["name"] for c in sa.inspect(db.engine).get_columns("users")] == [
        "id",
        "email",
        "note",
    ]
    assert_preserved(rows, dump(db.engine))
    # where the upgrade added it, the downgrade drops it
    point_at(project, dev)
    alembic(project, "upgrade", "head")
    alembic(project, "downgrade", "base")
    dev.engine.dispose()
    assert [c["name"] for c in sa.inspect(dev.engine).get_columns("users")] == ["id", "email"]
