"""Scenario: autogenerate against a development database, upgrade a production database.

Both databases have the same schema; production's data violates every data-dependent
verdict the revision was written with: NULLs in a column made NOT NULL, rows in a table that
was empty in development, duplicates under a new unique constraint and a new unique index,
a unique column with a constant server default on a table with several rows, orphan child
rows under a new foreign key, a row violating a new CHECK. Every guard refuses before any
change (the dump is identical), one line per failing check; the data is fixed; the rerun
completes and a second run is a no-op.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DIALECTS, Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision
from test_guards import without_version_table

# The CHECK is named, and Alembic's opt-in comparator for named CHECK constraints is enabled
# (plain autogenerate does not compare CHECK constraints at all).
PLUGINS = (
    '            autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],\n',
    '            autogenerate_plugins=["alembic.autogenerate.*", '
    '"alembic.ext.checkconstraint_byname", "alembic_additive"],\n',
)

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100), nullable=True),
    sa.Column("nickname", sa.String(100), nullable=True),
    sa.Column("token", sa.String(20), nullable=True, server_default="t0"),
    sa.UniqueConstraint("email", name="uq_users_email"),
    sa.UniqueConstraint("token", name="uq_users_token"),
    sa.Index("ix_users_nickname", "nickname", unique=True),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_posts_user_id"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("qty", sa.Integer, nullable=True),
    sa.CheckConstraint("qty > 0", name="ck_orders_qty"),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(50), nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), nullable=False),
)
"""

EXPECTED_LINES = [
    "users(email): 1 row(s) repeat a non-NULL key another row holds, but this upgrade creates "
    "UNIQUE uq_users_email on it",
    "users(nickname): 1 row(s) repeat a non-NULL key another row holds, but this upgrade "
    "creates "
    "UNIQUE ix_users_nickname on it",
    "users: 3 row(s), but this upgrade adds users.token UNIQUE with a constant server default",
    "posts(user_id): 1 row(s) reference no row of users(id), but this upgrade creates "
    "FOREIGN KEY fk_posts_user_id on it",
    "orders: 1 row(s) violate CHECK ck_orders_qty (qty > 0), which this upgrade creates",
    "tags.label: 1 NULL value(s), but this upgrade makes the column NOT NULL",
    "events: 2 row(s), but this upgrade adds events.kind NOT NULL without a server default",
]


def build(engine: sa.Engine, production: bool) -> None:
    """The schema both databases share; production's data violates every verdict."""
    md = sa.MetaData()
    users = sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(100), nullable=True),
        sa.Column("nickname", sa.String(100), nullable=True),
    )
    posts = sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Integer, nullable=True),
    )
    orders = sa.Table(
        "orders",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("qty", sa.Integer, nullable=True),
    )
    tags = sa.Table(
        "tags",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(50), nullable=True),
    )
    events = sa.Table(
        "events", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)
    )
    md.create_all(engine)
    with engine.begin() as conn:
        if not production:  # development: every verdict holds
            conn.execute(users.insert(), [{"id": 1, "email": "a@x", "nickname": "a"}])
            conn.execute(posts.insert(), [{"id": 1, "user_id": 1}, {"id": 2, "user_id": None}])
            conn.execute(orders.insert(), [{"id": 1, "qty": 1}, {"id": 2, "qty": None}])
            conn.execute(tags.insert(), [{"id": 1, "label": "x"}])
            return
        conn.execute(
            users.insert(),
            [
                {"id": 1, "email": "dup@x", "nickname": "same"},
                {"id": 2, "email": "dup@x", "nickname": "same"},
                {"id": 3, "email": None, "nickname": None},
            ],
        )
        conn.execute(
            posts.insert(),
            [{"id": 1, "user_id": 1}, {"id": 2, "user_id": 4242}, {"id": 3, "user_id": None}],
        )
        conn.execute(
            orders.insert(), [{"id": 1, "qty": 5}, {"id": 2, "qty": 0}, {"id": 3, "qty": None}]
        )
        conn.execute(tags.insert(), [{"id": 1, "label": "x"}, {"id": 2, "label": None}])
        conn.execute(events.insert(), [{"id": 1}, {"id": 2}])


def fix(engine: sa.Engine) -> None:
    """What an operator does after reading the refusal."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET email = 'dup2@x', nickname = 'other' WHERE id = 2"))
        conn.execute(sa.text("DELETE FROM users WHERE id = 3"))
        conn.execute(sa.text("DELETE FROM users WHERE id = 2"))
        conn.execute(sa.text("UPDATE posts SET user_id = NULL WHERE user_id = 4242"))
        conn.execute(sa.text("UPDATE orders SET qty = 1 WHERE qty = 0"))
        conn.execute(sa.text("UPDATE tags SET label = 'y' WHERE label IS NULL"))
        conn.execute(sa.text("DELETE FROM events"))


def project_for(folder: Path, db: Database) -> Path:
    make_project(folder, db.ini_url, MODELS)
    env = folder / "migrations" / "env.py"
    text = env.read_text()
    assert PLUGINS[0] in text
    env.write_text(text.replace(PLUGINS[0], PLUGINS[1]))
    return folder


@pytest.mark.parametrize("dialect", DIALECTS)
def test_development_revision_is_guarded_on_production(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    dev: Database = make_database(dialect)
    prod: Database = make_database(dialect)
    build(dev.engine, production=False)
    build(prod.engine, production=True)

    dev_project = project_for(tmp_path / "dev", dev)
    alembic(dev_project, "revision", "--autogenerate", "-m", "constraints")
    revision = only_revision(dev_project)
    upgrade = function_source(revision, "upgrade")
    for kind in ("no-null", "empty", "unique", "foreign-key", "check"):
        assert f"'kind': '{kind}'" in upgrade, (kind, upgrade)

    # the same revision, on production
    prod_project = project_for(tmp_path / "prod", prod)
    shutil.copy(revision, prod_project / "migrations" / "versions" / revision.name)
    before = dump(prod.engine)
    refused = alembic(prod_project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert f"refusing to upgrade, {len(EXPECTED_LINES)} check(s) failed" in output, output
    for line in EXPECTED_LINES:
        assert line in output, (line, output)
    assert "Traceback" not in output
    assert "dup@x" not in output and "4242" not in output  # counts, never values
    assert without_version_table(dump(prod.engine)) == without_version_table(before)
    insp = sa.inspect(prod.engine)
    assert insp.get_unique_constraints("users") == []
    assert insp.get_foreign_keys("posts") == []
    assert [ix["name"] for ix in insp.get_indexes("users")] == []
    assert "token" not in {c["name"] for c in insp.get_columns("users")}

    fix(prod.engine)
    fixed = dump(prod.engine)
    alembic(prod_project, "upgrade", "head")
    assert_preserved(without_version_table(fixed), dump(prod.engine))
    insp = sa.inspect(prod.engine)
    assert {fk["name"] for fk in insp.get_foreign_keys("posts")} == {"fk_posts_user_id"}
    assert "ix_users_nickname" in {ix["name"] for ix in insp.get_indexes("users")}

    after = dump(prod.engine)
    alembic(prod_project, "stamp", "base")
    alembic(prod_project, "upgrade", "head")
    assert dump(prod.engine) == after
    alembic(prod_project, "check")
