"""Attack (fixed: foreign keys are now created last): one revision adds a
unique constraint to a parent and a foreign key referencing it from a child whose table name
sorts first. Autogenerate writes the operations table by table in name order, so the foreign
key comes before the unique constraint it needs and the upgrade fails ("there is no unique
constraint matching given keys", MariaDB errno 150)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "b_parent",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(10)),
    sa.UniqueConstraint("code", name="uq_b_parent_code"),
)
sa.Table(
    "a_child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(10)),
    sa.ForeignKeyConstraint(["code"], ["b_parent.code"], name="fk_a_child_code"),
)
"""


def test_foreign_key_after_the_unique_constraint_it_references(
    db: Database, tmp_path: Path
) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE b_parent (id INTEGER PRIMARY KEY, code VARCHAR(10))"))
        conn.execute(sa.text("CREATE TABLE a_child (id INTEGER PRIMARY KEY, code VARCHAR(10))"))
        conn.execute(sa.text("INSERT INTO b_parent (id, code) VALUES (1, 'x')"))
        conn.execute(sa.text("INSERT INTO a_child (id, code) VALUES (1, 'x'), (2, NULL)"))
    make_project(tmp_path, db.ini_url, MODELS)
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "fk")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "check")
    alembic(tmp_path, "downgrade", "-1")
    assert_preserved(before, dump(db.engine))
