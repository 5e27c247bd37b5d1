"""Tightening to NOT NULL is kept only when the data allows it, on every dialect."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("full", sa.String(50), nullable=False),
    sa.Column("gappy", sa.String(50), nullable=False),
    sa.Column("age", sa.BigInteger, nullable=True),
)
"""


def test_set_not_null_only_without_nulls(db: Database, tmp_path: Path) -> None:
    md = sa.MetaData()
    people = sa.Table(
        "people",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("full", sa.String(50), nullable=True),
        sa.Column("gappy", sa.String(50), nullable=True),
        sa.Column("age", sa.Integer, nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(
            people.insert(),
            [
                {"full": "a", "gappy": "x", "age": 1},
                {"full": "b", "gappy": None, "age": 2},
                {"full": "c", "gappy": None, "age": None},
            ],
        )
    make_project(tmp_path, db.ini_url, MODELS)
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert (
        "# alter_column people.gappy nullable=False: 2 NULL value(s) would violate NOT NULL"
        in upgrade
    )
    # the kept tightening is recorded in the ledger so that the downgrade loosens only what
    # the upgrade tightened (issue 9); on SQLite it rebuilds the table safely (issue 11)
    alter = "alter_column_recorded"
    assert f"{alter}('full'" in upgrade or f"{alter}('people', 'full'" in upgrade
    assert "'gappy'," not in upgrade.split("### end alembic-additive ###")[1]
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    cols = {c["name"]: c for c in sa.inspect(db.engine).get_columns("people")}
    assert cols["full"]["nullable"] is False
    assert cols["gappy"]["nullable"] is True
    if db.dialect != "sqlite":  # SQLite reflects INTEGER and BIGINT alike: no change to see
        assert isinstance(cols["age"]["type"], sa.BigInteger)
