"""Attack: several kept operations on the same table in one revision, written on a
development database and run on a production database with other (valid) data.

The revision adds a column NOT NULL with a server default, widens two types, makes a column
NOT NULL, adds a unique constraint (single and composite, NULLs in the composite key), a
foreign key (single and composite, NULL in part of the composite key), a named CHECK (NULLs
pass it) and an index. On production: ``upgrade head``, ``stamp base`` + ``upgrade head``,
``alembic check``, rows written by the application, ``downgrade -1``: every row and value
unchanged at each step, the indexes and constraints after the downgrade those before the
upgrade (SQLite with and without ``render_as_batch``, foreign keys on and off; PostgreSQL;
MariaDB strict and ``sql_mode=''``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project, only_revision

PLUGINS = (
    '            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],\n',
    '            autogenerate_plugins=["alembic.autogenerate.*", '
    '"alembic.ext.checkconstraint_byname", "alembic_additive"],\n',
)

FK_EVENT = """
    from sqlalchemy import event

    @event.listens_for(connectable, "connect")
    def _foreign_keys_on(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

"""

SQL_MODE_EVENT = """
    from sqlalchemy import event

    @event.listens_for(connectable, "connect")
    def _sql_mode(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION sql_mode = %r")
        cursor.close()

"""

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("region", sa.String(10), nullable=False),
    sa.Column("name", sa.String(50)),
    sa.UniqueConstraint("id", "region", name="uq_orgs_id_region"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(120), nullable=False),
    sa.Column("org_id", sa.Integer, nullable=True),
    sa.Column("region", sa.String(10), nullable=True),
    sa.Column("code", sa.String(40), nullable=True),
    sa.Column("score", sa.BigInteger, nullable=True),
    sa.Column("status", sa.String(10), nullable=False, server_default="new"),
    sa.UniqueConstraint("email", name="uq_accounts_email"),
    sa.UniqueConstraint("org_id", "code", name="uq_accounts_org_code"),
    sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name="fk_accounts_org"),
    sa.ForeignKeyConstraint(
        ["org_id", "region"], ["orgs.id", "orgs.region"], name="fk_accounts_org_region"
    ),
    sa.CheckConstraint("score >= 0", name="ck_accounts_score"),
    sa.Index("ix_accounts_code", "code"),
)
"""


def build(engine: sa.Engine, production: bool) -> None:
    """The schema both databases share, before the revision; valid data on both."""
    md = sa.MetaData()
    orgs = sa.Table(
        "orgs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("name", sa.String(50)),
        sa.UniqueConstraint("id", "region", name="uq_orgs_id_region"),
    )
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(50), nullable=True),
        sa.Column("org_id", sa.Integer, nullable=True),
        sa.Column("region", sa.String(10), nullable=True),
        sa.Column("code", sa.String(20), nullable=True),
        sa.Column("score", sa.Integer, nullable=True),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(orgs.insert(), [{"id": 1, "region": "eu"}, {"id": 2, "region": "us"}])
        if not production:
            conn.execute(
                accounts.insert(),
                [{"id": 1, "email": "d@x", "org_id": 1, "region": "eu", "code": "a", "score": 1}],
            )
            return
        conn.execute(
            accounts.insert(),
            [
                # NULLs in part of composite keys: never a conflict, never dangling
                {"id": 1, "email": "p1@x", "org_id": 1, "region": None, "code": None, "score": 0},
                {
                    "id": 2,
                    "email": "p2@x",
                    "org_id": 1,
                    "region": None,
                    "code": None,
                    "score": None,
                },
                {"id": 3, "email": "p3@x", "org_id": None, "region": "zz", "code": "c", "score": 2},
                {"id": 4, "email": "p4@x", "org_id": None, "region": "zz", "code": "c", "score": 9},
                {"id": 5, "email": "q1@x", "org_id": 2, "region": "us", "code": "f", "score": 5},
                {
                    "id": 6,
                    "email": "x" * 50,
                    "org_id": 2,
                    "region": "us",
                    "code": "e",
                    "score": 2**31 - 1,
                },
            ],
        )


def project(
    folder: Path, db: Database, *, batch: bool = True, fk: bool = False, sql_mode: str | None = None
) -> Path:
    make_project(folder, db.ini_url, MODELS)
    env = folder / "migrations" / "env.py"
    text = env.read_text()
    assert PLUGINS[0] in text
    text = text.replace(PLUGINS[0], PLUGINS[1])
    marker = 'render_as_batch=connection.dialect.name == "sqlite",'
    assert marker in text
    if not batch:
        text = text.replace(marker, "render_as_batch=False,")
    anchor = "        poolclass=pool.NullPool,\n    )\n"
    if fk:
        assert anchor in text
        text = text.replace(anchor, anchor + FK_EVENT)
    if sql_mode is not None:
        assert anchor in text
        text = text.replace(anchor, anchor + SQL_MODE_EVENT % sql_mode)
    env.write_text(text)
    return folder


def schema_objects(engine: sa.Engine) -> dict[str, Any]:
    """Indexes and constraints of every table (names and columns), to compare states."""
    insp = sa.inspect(engine)
    out: dict[str, Any] = {}
    for name in sorted(insp.get_table_names()):
        if name in ("alembic_version", "alembic_additive_ledger"):
            continue
        out[name] = {
            "indexes": sorted(
                (str(i["name"]), tuple(map(str, i["column_names"])), bool(i["unique"]))
                for i in insp.get_indexes(name)
            ),
            "unique": sorted(
                (str(u["name"]), tuple(u["column_names"]))
                for u in insp.get_unique_constraints(name)
            ),
            "fks": sorted(
                (str(f["name"]), tuple(f["constrained_columns"]), tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(name)
            ),
            "checks": sorted(str(c["name"]) for c in insp.get_check_constraints(name)),
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
        }
    return out


def without_version(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "alembic_version"}


MODES = [
    pytest.param("sqlite", {"batch": True, "fk": True}, id="sqlite-batch-fk_on"),
    pytest.param("sqlite", {"batch": False, "fk": True}, id="sqlite-plain-fk_on"),
    pytest.param("sqlite", {"batch": False, "fk": False}, id="sqlite-plain-fk_off"),
    pytest.param("postgresql", {}, id="postgresql"),
    pytest.param("mysql", {}, id="mariadb-strict"),
    pytest.param("mysql", {"sql_mode": ""}, id="mariadb-sql_mode_empty"),
]


@pytest.mark.parametrize(("dialect", "mode"), MODES)
def test_many_kept_operations_on_one_table_on_production(
    make_database: Any, tmp_path: Path, dialect: str, mode: dict[str, Any]
) -> None:
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    build(dev.engine, production=False)
    build(prod.engine, production=True)

    dev_project = project(tmp_path / "dev", dev, **mode)
    alembic(dev_project, "revision", "--autogenerate", "-m", "combo")
    revision = only_revision(dev_project)

    prod_project = project(tmp_path / "prod", prod, **mode)
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)
    before = without_version(dump(prod.engine))
    objects_before = schema_objects(prod.engine)

    alembic(prod_project, "upgrade", "head")
    assert_preserved(before, dump(prod.engine))
    after = dump(prod.engine)
    objects_after = schema_objects(prod.engine)
    alembic(prod_project, "stamp", "base")
    alembic(prod_project, "upgrade", "head")
    assert dump(prod.engine) == after
    assert schema_objects(prod.engine) == objects_after
    alembic(prod_project, "check")
    acc = objects_after["accounts"]
    assert ("fk_accounts_org", ("org_id",), ("id",)) in acc["fks"], acc
    assert ("fk_accounts_org_region", ("org_id", "region"), ("id", "region")) in acc["fks"], acc
    assert "ck_accounts_score" in acc["checks"], acc

    # the application writes a row with a value in the new column and an email only the
    # widened column holds: the downgrade must keep both (data written since)
    with prod.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO accounts (id, email, score, status) VALUES (100, :e, 1, 'active')"
            ),
            {"e": "y" * 100},
        )
    written = dump(prod.engine)
    down = alembic(prod_project, "downgrade", "-1", check=False)
    state = dump(prod.engine)
    # whatever the downgrade did (refuse or complete), no value the upgrade found or the
    # application wrote since is lost or changed
    assert_preserved(without_version(written), state)

    # a downgrade right after a fresh upgrade restores the schema exactly
    with prod.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM accounts WHERE id = 100"))
    if down.returncode == 0:
        alembic(prod_project, "upgrade", "head")
    alembic(prod_project, "downgrade", "-1")
    assert_preserved(before, dump(prod.engine))
    restored = schema_objects(prod.engine)
    for table in ("orgs", "accounts"):
        b, r = objects_before[table], restored[table]
        for key in ("indexes", "unique", "fks", "checks"):
            assert r[key] == b[key], (table, key, b[key], r[key])
