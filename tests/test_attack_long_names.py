"""Attack: constraints and an index whose naming-convention names exceed the dialect's
identifier limit (PostgreSQL 63 bytes, MariaDB 64), so SQLAlchemy shortens them with a hash:
``upgrade``, ``stamp base`` + ``upgrade`` make each once, ``alembic check`` is clean, every
row unchanged, and ``downgrade -1`` removes exactly what the upgrade made (all three
dialects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project

LONG = "a_rather_long_column_name_that_goes_on"

MODELS = f"""import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={{
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}})

parents = sa.Table(
    "parents_with_a_long_name",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("{LONG}_1", sa.Integer),
    sa.Column("{LONG}_2", sa.Integer),
    sa.UniqueConstraint("{LONG}_1", "{LONG}_2"),
)
children = sa.Table(
    "rows_of_children_long_name",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("{LONG}_1", sa.Integer),
    sa.Column("{LONG}_2", sa.Integer),
    sa.ForeignKeyConstraint(
        ["{LONG}_1", "{LONG}_2"],
        ["parents_with_a_long_name.{LONG}_1", "parents_with_a_long_name.{LONG}_2"],
    ),
    sa.Index(None, "{LONG}_2", "{LONG}_1"),
)
"""


def build(engine: sa.Engine) -> None:
    md = sa.MetaData()
    cols = lambda: [  # noqa: E731
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(f"{LONG}_1", sa.Integer),
        sa.Column(f"{LONG}_2", sa.Integer),
    ]
    parents = sa.Table("parents_with_a_long_name", md, *cols())
    children = sa.Table("rows_of_children_long_name", md, *cols())
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            parents.insert(),
            [
                {"id": 1, f"{LONG}_1": 1, f"{LONG}_2": 1},
                {"id": 2, f"{LONG}_1": 1, f"{LONG}_2": None},
            ],
        )
        conn.execute(
            children.insert(),
            [
                {"id": 1, f"{LONG}_1": 1, f"{LONG}_2": 1},
                {"id": 2, f"{LONG}_1": 9, f"{LONG}_2": None},
            ],
        )


def objects(engine: sa.Engine) -> dict[str, Any]:
    insp = sa.inspect(engine)
    out = {}
    for t in ("parents_with_a_long_name", "rows_of_children_long_name"):
        out[t] = (
            sorted((str(i["name"]), tuple(i["column_names"])) for i in insp.get_indexes(t)),
            sorted(str(u["name"]) for u in insp.get_unique_constraints(t)),
            sorted(str(f["name"]) for f in insp.get_foreign_keys(t)),
        )
    return out


def test_shortened_names_run_twice_and_downgrade_exactly(db: Database, tmp_path: Path) -> None:
    build(db.engine)
    make_project(tmp_path, db.ini_url, MODELS)
    before = dump(db.engine)
    objects_before = objects(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "long")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    upgraded = objects(db.engine)
    assert upgraded != objects_before
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert objects(db.engine) == upgraded
    alembic(tmp_path, "check")
    alembic(tmp_path, "downgrade", "-1")
    assert_preserved(before, dump(db.engine))
    assert objects(db.engine) == objects_before
