"""Attack (FAILS on all three dialects, not committed until fixed): production already had,
before the upgrade, what the revision adds elsewhere.

Development drifted (``email`` nullable, ``code`` VARCHAR(20)); production already has
``email`` NOT NULL and ``code`` VARCHAR(40). The revision's upgrade changes nothing there;
its downgrade must not remove what production had before the upgrade (the NOT NULL, the
wider type): the schema after ``downgrade -1`` is the schema before ``upgrade``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DIALECTS, Database
from helpers import alembic, assert_preserved, dump, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(50), nullable=False),
    sa.Column("code", sa.String(40)),
)
"""


def build(engine: sa.Engine, production: bool) -> None:
    md = sa.MetaData()
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(50), nullable=not production),
        sa.Column("code", sa.String(40 if production else 20)),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(accounts.insert(), [{"id": 1, "email": "a@x", "code": "c"}])


def shape(engine: sa.Engine) -> list[tuple[Any, ...]]:
    return [
        (c["name"], str(c["type"]), c["nullable"])
        for c in sa.inspect(engine).get_columns("accounts")
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_downgrade_keeps_what_production_had_before(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    build(dev.engine, production=False)
    build(prod.engine, production=True)
    make_project(tmp_path / "dev", dev.ini_url, MODELS)
    alembic(tmp_path / "dev", "revision", "--autogenerate", "-m", "tighten")
    revision = only_revision(tmp_path / "dev")
    prod_project = make_project(tmp_path / "prod", prod.ini_url, MODELS).parent
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)

    before = dump(prod.engine)
    shape_before = shape(prod.engine)
    alembic(prod_project, "upgrade", "head")
    assert shape(prod.engine) == shape_before
    alembic(prod_project, "check")
    alembic(prod_project, "downgrade", "-1")
    assert_preserved(before, dump(prod.engine))
    assert shape(prod.engine) == shape_before


WIDER_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(50), nullable=False),
)
"""


def build_narrow(engine: sa.Engine, nullable: bool) -> None:
    md = sa.MetaData()
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(20), nullable=nullable),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(accounts.insert(), [{"id": 1, "email": "a@x"}, {"id": 2, "email": "b@x"}])


def nullable(engine: sa.Engine) -> bool:
    return {c["name"]: c for c in sa.inspect(engine).get_columns("accounts")}["email"]["nullable"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_widening_and_tightening_where_the_column_is_not_null_already(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    """One kept alter_column widens the type and sets NOT NULL; production has the column
    NOT NULL already. The upgrade widens without loosening it (MariaDB's MODIFY restates
    nullability), the rerun is a no-op, and the downgrade keeps both the wider type and the
    NOT NULL; on development (nullable before) the downgrade loosens it again."""
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    build_narrow(dev.engine, nullable=True)
    build_narrow(prod.engine, nullable=False)
    dev_project = make_project(tmp_path / "dev", dev.ini_url, WIDER_MODELS).parent
    alembic(dev_project, "revision", "--autogenerate", "-m", "widen and tighten")
    revision = only_revision(dev_project)
    assert "alter_column_recorded(" in revision.read_text()
    prod_project = make_project(tmp_path / "prod", prod.ini_url, WIDER_MODELS).parent
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)

    for project, engine, was_nullable in (
        (prod_project, prod.engine, False),
        (dev_project, dev.engine, True),
    ):
        before = dump(engine)
        alembic(project, "upgrade", "head")
        assert nullable(engine) is False
        alembic(project, "stamp", "base")
        alembic(project, "upgrade", "head")  # the rerun: nothing left to tighten
        assert nullable(engine) is False
        alembic(project, "check")
        alembic(project, "downgrade", "-1")
        assert_preserved(before, dump(engine))
        assert nullable(engine) is was_nullable
        if dialect != "sqlite":  # SQLite reflects the declared length, kept too
            column = {c["name"]: c for c in sa.inspect(engine).get_columns("accounts")}["email"]
            assert column["type"].length == 50  # the widened type stays
        # the ledger row is gone once used; production never wrote one
        assert sa.inspect(engine).has_table("alembic_additive_ledger") is was_nullable
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.text("SELECT COUNT(*) FROM alembic_additive_ledger WHERE kind = 'not_null'")
                ).scalar()
                if was_nullable
                else 0
            )
        assert rows == 0


def test_offline_downgrade_keeps_not_null_unless_forced(make_database: Any, tmp_path: Path) -> None:
    """--sql cannot read the ledger: the upgrade emits the SET NOT NULL and records nothing;
    the downgrade emits no DROP NOT NULL unless ``-x additive_force=1``."""
    dev: Database = make_database("postgresql")
    build(dev.engine, production=False)
    project = make_project(tmp_path / "dev", dev.ini_url, MODELS).parent
    alembic(project, "revision", "--autogenerate", "-m", "tighten")
    revision = only_revision(project).stem.split("_")[0]
    upgrade = alembic(project, "upgrade", "head", "--sql").stdout
    assert "SET NOT NULL" in upgrade
    assert "alembic_additive_ledger" not in upgrade
    kept = alembic(project, "downgrade", f"{revision}:base", "--sql").stdout
    assert "DROP NOT NULL" not in kept
    forced = alembic(
        project, "-x", "additive_force=1", "downgrade", f"{revision}:base", "--sql"
    ).stdout
    assert "ALTER COLUMN email DROP NOT NULL" in forced
