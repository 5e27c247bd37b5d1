"""Attack: the downgrade of constraints an upgrade added on SQLite.

The upgrade adds a unique constraint, a CHECK and a foreign key to a parent table whose
children reference it ``ON DELETE CASCADE``; SQLite's own rebuild procedure adds them
(guarantee 21). The downgrade must remove them just as safely: with ``PRAGMA
foreign_keys=ON`` (connect event) every child row survives, with and without
``render_as_batch``, and the constraint lists are those before the upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import alembic, assert_preserved, dump, make_project
from test_attack_combo import PLUGINS
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

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

orgs = sa.Table("orgs", metadata, sa.Column("id", sa.Integer, primary_key=True))
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(50)),
    sa.Column("score", sa.Integer),
    sa.Column("org_id", sa.Integer, sa.ForeignKey("orgs.id", name="fk_accounts_org")),
    sa.UniqueConstraint("email", name="uq_accounts_email"),
    sa.CheckConstraint("score >= 0", name="ck_accounts_score"),
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE")),
)
"""


def project(folder: Path, engine: sa.Engine, *, batch: bool, fk: bool) -> Path:
    make_project(folder, engine.url.render_as_string(hide_password=False), MODELS)
    env = folder / "migrations" / "env.py"
    text = env.read_text().replace(PLUGINS[0], PLUGINS[1])
    marker = 'render_as_batch=connection.dialect.name == "sqlite",'
    assert marker in text
    text = text.replace(marker, f"render_as_batch={batch!r},")
    if fk:
        anchor = "        poolclass=pool.NullPool,\n    )\n"
        assert anchor in text
        text = text.replace(anchor, anchor + FK_EVENT)
    env.write_text(text)
    return folder


def constraints(engine: sa.Engine) -> dict[str, Any]:
    insp = sa.inspect(engine)
    return {
        t: (
            sorted(str(u["name"]) for u in insp.get_unique_constraints(t)),
            sorted(str(c["name"]) for c in insp.get_check_constraints(t)),
            sorted(
                (f["constrained_columns"][0], f["referred_table"]) for f in insp.get_foreign_keys(t)
            ),
        )
        for t in ("accounts", "orgs", "sessions")
    }


@pytest.mark.parametrize(
    ("batch", "fk"),
    [
        pytest.param(True, True, id="batch-fk_on"),
        pytest.param(False, True, id="plain-fk_on"),
        pytest.param(True, False, id="batch-fk_off"),
        pytest.param(False, False, id="plain-fk_off"),
    ],
)
def test_downgrade_of_added_constraints_keeps_cascade_children(
    tmp_path: Path, batch: bool, fk: bool
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.exec_driver_sql(statement)
    folder = project(tmp_path / "p", engine, batch=batch, fk=fk)
    before = dump(engine)
    constraints_before = constraints(engine)
    alembic(folder, "revision", "--autogenerate", "-m", "constraints")
    alembic(folder, "upgrade", "head")
    assert_preserved(before, dump(engine))
    added = constraints(engine)
    assert added["accounts"] == (
        ["uq_accounts_email"],
        ["ck_accounts_score"],
        [("org_id", "orgs")],
    ), added
    alembic(folder, "check")

    alembic(folder, "downgrade", "-1")
    assert_preserved(before, dump(engine))
    assert constraints(engine) == constraints_before
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
