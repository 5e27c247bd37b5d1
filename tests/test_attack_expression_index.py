"""Attack: a model index on an expression (and a partial one) beside a mixed-case,
reserved-word table, written on a development database and run on production.

PostgreSQL and SQLite (where Alembic skips the expression index: it cannot reflect one): ``upgrade``, ``stamp base`` + ``upgrade``, ``alembic check`` clean, every row
unchanged, and the downgrade drops the indexes the upgrade created but keeps one of the same
name that production already had.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

order = sa.Table(
    "Order",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("Select", sa.String(50)),
    sa.Column("group", sa.Integer),
)
sa.Index("ix_Order_lower_select", sa.func.lower(order.c.Select))
sa.Index("ix_Order_group_partial", order.c.group, postgresql_where=order.c.group > 0,
         sqlite_where=order.c.group > 0)
sa.Index("ix_Order_group", order.c.group)
"""


def build(engine: sa.Engine, production: bool) -> None:
    md = sa.MetaData()
    order = sa.Table(
        "Order",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("Select", sa.String(50)),
        sa.Column("group", sa.Integer),
    )
    if production:  # production has one of the indexes already (made by hand)
        sa.Index("ix_Order_group", order.c.group)
    md.create_all(engine)
    rows = [{"id": 1, "Select": "A", "group": 1}]
    if production:
        rows += [
            {"id": 2, "Select": "a", "group": None},
            {"id": 3, "Select": None, "group": -1},
        ]
    with engine.begin() as conn:
        conn.execute(order.insert(), rows)


def indexes(engine: sa.Engine) -> list[tuple[str, bool]]:
    if engine.dialect.name == "sqlite":  # SQLAlchemy does not reflect expression indexes
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, sql LIKE 'CREATE UNIQUE%' FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'Order' AND sql IS NOT NULL"
            ).all()
        return sorted((str(n), bool(u)) for n, u in rows)
    return sorted(
        (str(i["name"]), bool(i["unique"])) for i in sa.inspect(engine).get_indexes("Order")
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_expression_and_partial_index_on_a_hostile_table(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    build(dev.engine, production=False)
    build(prod.engine, production=True)
    make_project(tmp_path / "dev", dev.ini_url, MODELS)
    alembic(tmp_path / "dev", "revision", "--autogenerate", "-m", "expr")
    revision = only_revision(tmp_path / "dev")
    alembic(tmp_path / "dev", "upgrade", "head")
    alembic(tmp_path / "dev", "check")

    prod_project = make_project(tmp_path / "prod", prod.ini_url, MODELS).parent
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)
    before = dump(prod.engine)
    indexes_before = indexes(prod.engine)
    alembic(prod_project, "upgrade", "head")
    assert_preserved(before, dump(prod.engine))
    upgraded = indexes(prod.engine)
    # Alembic skips expression indexes on SQLite (it cannot reflect them): none is written
    expected = {"ix_Order_group_partial", "ix_Order_group"}
    if dialect == "postgresql":
        expected.add("ix_Order_lower_select")
    assert {n for n, _ in upgraded} == expected, upgraded
    alembic(prod_project, "stamp", "base")
    alembic(prod_project, "upgrade", "head")
    assert indexes(prod.engine) == upgraded
    alembic(prod_project, "check")

    alembic(prod_project, "downgrade", "-1")
    assert_preserved(before, dump(prod.engine))
    assert indexes(prod.engine) == indexes_before
