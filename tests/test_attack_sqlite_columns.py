"""Attack: the downgrade of columns and alterations an upgrade made on a SQLite parent table
whose children reference it ``ON DELETE CASCADE`` (``PRAGMA foreign_keys=ON`` in a connect
event, with and without ``render_as_batch``): a column added in place, a STORED computed column
only a rebuild can add, a NOT NULL, a widening and an index; the upgrade reruns, ``alembic
check`` is clean, and after ``downgrade -1`` every child row is still there."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import alembic, assert_preserved, dump, make_project
from test_sqlite_rebuild import FK_EVENT

SCHEMA = [
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email VARCHAR(50), score INTEGER, "
    "org_id INTEGER)",
    "CREATE TABLE orgs (id INTEGER PRIMARY KEY)",
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id INTEGER, "
    "FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE)",
    "INSERT INTO orgs (id) VALUES (1)",
    "INSERT INTO accounts (id, email, score, org_id) VALUES (1, 'a@x', 1, 1), (2, 'b@x', NULL, NULL)",
    "INSERT INTO sessions (id, account_id) VALUES (1, 1), (2, 1), (3, 2)",
]

COLUMN_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

orgs = sa.Table("orgs", metadata, sa.Column("id", sa.Integer, primary_key=True))
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(80), nullable=False),
    sa.Column("score", sa.BigInteger),
    sa.Column("org_id", sa.Integer),
    sa.Column("nickname", sa.String(20)),
    sa.Column("double_score", sa.BigInteger, sa.Computed("score * 2", persisted=True)),
    sa.Index("ix_accounts_score", "score"),
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE")),
)
"""


def project(folder: Path, engine: sa.Engine, *, batch: bool, fk: bool) -> Path:
    make_project(folder, engine.url.render_as_string(hide_password=False), COLUMN_MODELS)
    env = folder / "migrations" / "env.py"
    text = env.read_text()
    marker = 'render_as_batch=connection.dialect.name == "sqlite",'
    assert marker in text
    text = text.replace(marker, f"render_as_batch={batch!r},")
    if fk:
        anchor = "        poolclass=pool.NullPool,\n    )\n"
        assert anchor in text
        text = text.replace(anchor, anchor + FK_EVENT)
    env.write_text(text)
    return folder


@pytest.mark.parametrize(
    ("batch", "fk"),
    [
        pytest.param(True, True, id="batch-fk_on"),
        pytest.param(False, True, id="plain-fk_on"),
    ],
)
def test_downgrade_of_columns_and_alterations_keeps_cascade_children(
    tmp_path: Path, batch: bool, fk: bool
) -> None:
    """Columns added (one only a rebuild can add), a NOT NULL, a widening and an index on
    the parent, then downgraded: the children stay."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.exec_driver_sql(statement)
    folder = project(tmp_path / "p", engine, batch=batch, fk=fk)
    before = dump(engine)
    alembic(folder, "revision", "--autogenerate", "-m", "columns")
    alembic(folder, "upgrade", "head")
    assert_preserved(before, dump(engine))
    alembic(folder, "stamp", "base")
    alembic(folder, "upgrade", "head")
    alembic(folder, "check")
    alembic(folder, "downgrade", "-1")
    assert_preserved(before, dump(engine))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
