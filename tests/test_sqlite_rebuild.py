"""SQLite table rebuilds (issue 11), through the real ``alembic`` command.

Every case runs with and without ``render_as_batch`` and with ``PRAGMA foreign_keys=ON`` set
in a connect event (as Flask apps do) and OFF: every row of every table, children included,
unchanged; triggers, views and indexes (expression and partial) present with the SQL they
had; the rowid alias kept; rerun converges; ``alembic check`` clean; integrity and foreign
key checks clean. A failed rebuild leaves the original table and no temporary table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import alembic, assert_preserved, dump, make_project, only_revision, op_calls

from alembic_additive import clinic

FK_EVENT = """
    from sqlalchemy import event

    @event.listens_for(connectable, "connect")
    def _foreign_keys_on(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

"""

SCHEMA = [
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), email VARCHAR(50))",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER, title TEXT, "
    "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)",
    "CREATE INDEX ix_users_lower_name ON users (lower(name))",
    "CREATE INDEX ix_users_named_email ON users (email) WHERE name IS NOT NULL",
    "CREATE TRIGGER trg_users_update AFTER UPDATE ON users "
    "BEGIN INSERT INTO audit (what) VALUES ('users ' || NEW.id); END",
    "CREATE TRIGGER trg_posts_insert AFTER INSERT ON posts "
    "BEGIN INSERT INTO audit (what) SELECT 'user ' || name FROM users WHERE id = NEW.user_id; END",
    "CREATE VIEW v_users AS SELECT id, name FROM users",
    "CREATE VIEW v_posts AS SELECT p.title, u.name FROM posts p JOIN users u ON u.id = p.user_id",
    "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x'), (2, 'bob', NULL), "
    "(7, 'cy', 'c@x')",
    "INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 7, 'c')",
    "INSERT INTO audit (what) VALUES ('seed')",
]

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("email", sa.String(50)),
)
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("title", sa.Text),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("what", sa.Text),
)
"""

ADD_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("qty", sa.Integer),
    sa.Column("created", sa.DateTime, server_default=sa.func.now()),
    sa.Column("double_qty", sa.Integer, sa.Computed("qty * 2", persisted=True)),
)
lines = sa.Table(
    "lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE")),
)
"""

ADD_SCHEMA = [
    "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, qty INTEGER)",
    "CREATE TABLE lines (id INTEGER NOT NULL PRIMARY KEY, item_id INTEGER, "
    "FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_items_expr ON items (qty + 1)",
    "CREATE VIEW v_items AS SELECT id, qty FROM items",
    "INSERT INTO items (id, qty) VALUES (1, 3), (2, NULL), (5, 8)",
    "INSERT INTO lines (id, item_id) VALUES (1, 1), (2, 5), (3, 5)",
]

MODES = [
    pytest.param(batch, fk, id=f"{'batch' if batch else 'plain'}-fk_{'on' if fk else 'off'}")
    for batch in (True, False)
    for fk in (True, False)
]


def project(folder: Path, engine: sa.Engine, models: str, *, batch: bool, fk: bool) -> Path:
    """A project whose env.py sets render_as_batch (or not) and foreign_keys=ON (or not)."""
    url = engine.url.render_as_string(hide_password=False)
    make_project(folder, url, models)
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


def build(engine: sa.Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def objects(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """Every index, trigger and view with the SQL sqlite_master holds for it."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger', 'view') ORDER BY type, name"
        ).all()
    return [tuple(r) for r in rows]


def assert_same_objects(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    """Every index, trigger and view of ``before`` is there, with the same SQL."""
    now = {row[1]: row for row in after}
    assert [now.get(row[1]) for row in before] == before


def table_sql(engine: sa.Engine, name: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).scalar()
        )


def table_names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).all()
    return [str(r[0]) for r in rows]


def assert_healthy(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert not [t for t in table_names(engine) if t.startswith(("_aa_new_", "_alembic_tmp_"))]


def upgrade_twice(folder: Path) -> None:
    alembic(folder, "upgrade", "head")
    alembic(folder, "stamp", "base")
    alembic(folder, "upgrade", "head")


@pytest.mark.parametrize(("batch", "fk"), MODES)
def test_kept_alterations_rebuild_without_losing_rows_or_objects(
    tmp_path: Path, batch: bool, fk: bool
) -> None:
    """users.name VARCHAR(50) -> String(100) and id/posts.id NOT NULL (the hand-made
    ``INTEGER PRIMARY KEY``): posts keep all 3 rows, triggers/views/indexes keep their SQL."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, SCHEMA)
    folder = project(tmp_path / "p", engine, MODELS, batch=batch, fk=fk)
    before, objects_before = dump(engine), objects(engine)

    alembic(folder, "revision", "--autogenerate", "-m", "widen")
    revision = only_revision(folder)
    calls = op_calls(revision, "upgrade")
    assert "alter_column_safe" in calls and "alter_column" not in calls, calls
    assert "batch_alter_table" not in revision.read_text()
    upgrade_twice(folder)

    after = dump(engine)
    assert {t: after[t] for t in before} == before  # every row of every table, children too
    assert_same_objects(objects_before, objects(engine))
    users = table_sql(engine, "users")
    assert "name VARCHAR(100)" in users
    assert "id INTEGER PRIMARY KEY" in users  # still the rowid alias
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM users WHERE rowid != id").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM v_posts").scalar() == 3
    cols = {c["name"]: c for c in sa.inspect(engine).get_columns("users")}
    assert cols["id"]["nullable"] is False
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0


@pytest.mark.parametrize(("batch", "fk"), MODES)
def test_columns_only_a_rebuild_can_add(tmp_path: Path, batch: bool, fk: bool) -> None:
    """``server_default=func.now()`` and a STORED computed column: added through the rebuild
    (plain ALTER TABLE refuses both), idempotently, with children and objects intact."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, ADD_SCHEMA)
    folder = project(tmp_path / "p", engine, ADD_MODELS, batch=batch, fk=fk)
    before, objects_before = dump(engine), objects(engine)

    alembic(folder, "revision", "--autogenerate", "-m", "add")
    calls = op_calls(only_revision(folder), "upgrade")
    assert calls.count("add_column_if_not_exists") == 2, calls
    upgrade_twice(folder)

    after = dump(engine)
    assert_preserved(before, after)
    assert after["lines"] == before["lines"]
    assert after["items"]["columns"] == ["id", "qty", "created", "double_qty"]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, qty, created, double_qty FROM items").all()
    assert [(r[0], r[1], r[3]) for r in rows] == [(1, 3, 6), (2, None, None), (5, 8, 16)]
    assert all(r[2] is not None for r in rows)  # the default filled every existing row
    assert_same_objects(objects_before, objects(engine))
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0


def test_foreign_key_violation_refuses_and_leaves_everything(tmp_path: Path) -> None:
    """foreign_key_check reports an orphan child row (written while foreign keys were off):
    the rebuild refuses, the table is untouched, no temporary table; fixed, the rerun works."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, [*SCHEMA, "INSERT INTO posts (id, user_id, title) VALUES (9, 99, 'orphan')"])
    folder = project(tmp_path / "p", engine, MODELS, batch=True, fk=True)
    write_revision(
        folder,
        'op.alter_column_safe("users", "name", existing_type=sa.VARCHAR(50), type_=sa.String(100))',
    )
    before, objects_before, users_before = dump(engine), objects(engine), table_sql(engine, "users")

    failed = alembic(folder, "upgrade", "head", check=False)
    assert failed.returncode != 0
    assert "foreign_key_check reports 1 violation(s)" in failed.stderr
    assert {t: state for t, state in dump(engine).items() if t in before} == before
    assert_same_objects(objects_before, objects(engine))
    assert table_sql(engine, "users") == users_before
    assert not [t for t in table_names(engine) if t.startswith("_aa_new_")]

    build(engine, ["DELETE FROM posts WHERE id = 9"])
    alembic(folder, "upgrade", "head")
    assert "VARCHAR(100)" in table_sql(engine, "users")
    assert_healthy(engine)


@pytest.mark.parametrize("fk", [True, False], ids=["fk_on", "fk_off"])
def test_failure_mid_rebuild_rolls_back(tmp_path: Path, fk: bool) -> None:
    """A hand-written ``alter_column_safe(..., nullable=False)`` on a column holding a NULL
    fails during the copy: the original table, its rows and objects stay, no temporary
    table; once the NULL is filled in, the rerun works."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, SCHEMA)
    folder = project(tmp_path / "p", engine, MODELS, batch=False, fk=fk)
    write_revision(
        folder,
        'op.alter_column_safe("users", "email", existing_type=sa.VARCHAR(50), nullable=False)',
    )
    before, objects_before, users_before = dump(engine), objects(engine), table_sql(engine, "users")

    failed = alembic(folder, "upgrade", "head", check=False)
    assert failed.returncode != 0
    assert "NOT NULL constraint failed" in failed.stderr
    assert {t: state for t, state in dump(engine).items() if t in before} == before
    assert_same_objects(objects_before, objects(engine))
    assert table_sql(engine, "users") == users_before
    assert_healthy(engine)

    build(engine, ["UPDATE users SET email = 'b@x' WHERE id = 2"])
    alembic(folder, "upgrade", "head")
    assert "email VARCHAR(50) NOT NULL" in table_sql(engine, "users")
    assert dump(engine)["posts"] == before["posts"]
    assert_healthy(engine)


def write_revision(folder: Path, *statements: str) -> None:
    body = "\n".join(f"    {s}" for s in statements)
    (folder / "migrations" / "versions" / "a1_hand_written.py").write_text(
        f'''"""hand-written"""
from alembic import op
import sqlalchemy as sa
import alembic_additive.operations  # noqa: F401

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
'''
    )


def test_rebuild_after_earlier_statements_in_the_same_migration(tmp_path: Path) -> None:
    """A data statement before the rebuild opens a transaction in which ``PRAGMA
    foreign_keys=OFF`` would be ignored: the rebuild still turns them off (children kept)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, SCHEMA)
    folder = project(tmp_path / "p", engine, MODELS, batch=True, fk=True)
    write_revision(
        folder,
        "op.execute(\"INSERT INTO audit (what) VALUES ('before')\")",
        'op.alter_column_safe("users", "name", existing_type=sa.VARCHAR(50), type_=sa.String(100))',
    )
    before = dump(engine)
    alembic(folder, "upgrade", "head")
    after = dump(engine)
    assert after["posts"] == before["posts"]
    assert after["users"] == before["users"]
    assert len(after["audit"]["rows"]) == len(before["audit"]["rows"]) + 1
    assert "VARCHAR(100)" in table_sql(engine, "users")
    assert_healthy(engine)


@pytest.mark.parametrize("fk", [True, False], ids=["fk_on", "fk_off"])
def test_clinic_drift_without_render_as_batch(tmp_path: Path, fk: bool) -> None:
    """The seed story on SQLite with Alembic's default env.py (no render_as_batch)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.begin() as conn:
        clinic.build_database(conn)
    folder = project(tmp_path / "p", engine, clinic.MODELS_SOURCE, batch=False, fk=fk)
    before = dump(engine)
    alembic(folder, "revision", "--autogenerate", "-m", "sync")
    upgrade_twice(folder)
    assert_preserved(before, dump(engine))
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0


CLEANUP_SCHEMA = [
    "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50), "
    "legacy_empty TEXT, legacy_indexed TEXT)",
    "CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER, "
    "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_users_legacy_indexed ON users (legacy_indexed)",
    "CREATE INDEX ix_users_lower_name ON users (lower(name))",
    "CREATE TRIGGER trg_users AFTER DELETE ON users BEGIN SELECT 1; END",
    "CREATE VIEW v_users AS SELECT id, name FROM users",
    "INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob')",
    "INSERT INTO posts (id, user_id) VALUES (1, 1), (2, 1), (3, 2)",
]

CLEANUP_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
)
"""


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "plain"])
def test_cleanup_drops_in_place_without_cascade(tmp_path: Path, batch: bool) -> None:
    """cleanup's drops on SQLite are in-place DROP COLUMN (no rebuild): with foreign keys on,
    children stay; a column SQLite cannot drop in place (indexed) fails atomically."""
    import subprocess
    import sys

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, CLEANUP_SCHEMA)
    folder = project(tmp_path / "p", engine, CLEANUP_MODELS, batch=batch, fk=True)
    objects_before, before = objects(engine), dump(engine)
    cli = str(Path(sys.executable).with_name("alembic-additive"))
    done = subprocess.run(
        [cli, "cleanup", "-c", str(folder / "alembic.ini"), "-m", "drop empty orphans"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    failed = alembic(folder, "upgrade", "head", check=False)
    assert failed.returncode != 0  # legacy_indexed: SQLite refuses to drop an indexed column
    assert "ix_users_legacy_indexed" in failed.stderr
    after = dump(engine)
    assert after["posts"] == before["posts"]
    assert "legacy_indexed" in after["users"]["columns"]
    assert "legacy_empty" not in after["users"]["columns"]  # dropped in place, children kept
    assert_preserved(
        {
            "users": {
                "columns": ["id", "name"],
                "rows": [(r[0], r[1]) for r in before["users"]["rows"]],
            }
        },
        after,
    )
    assert_same_objects(objects_before, objects(engine))
    assert_healthy(engine)


@pytest.mark.parametrize(("batch", "fk"), MODES)
def test_parent_rebuild_keeps_cascade_children(tmp_path: Path, batch: bool, fk: bool) -> None:
    """The issue's first case alone (no trigger or view to make batch mode fail first):
    Alembic's batch copy drops ``users`` with foreign keys on and ``posts`` goes 3 -> 0."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, [SCHEMA[0], SCHEMA[1], SCHEMA[2], SCHEMA[-3], SCHEMA[-2], SCHEMA[-1]])
    folder = project(tmp_path / "p", engine, MODELS, batch=batch, fk=fk)
    before = dump(engine)
    assert len(before["posts"]["rows"]) == 3
    alembic(folder, "revision", "--autogenerate", "-m", "widen")
    upgrade_twice(folder)
    after = dump(engine)
    assert {t: after[t] for t in before} == before
    assert "name VARCHAR(100)" in table_sql(engine, "users")
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0
    # the downgrade rebuilds too (NOT NULL relaxed, the wider type kept), children kept
    alembic(folder, "downgrade", "base")
    after = dump(engine)
    assert {t: after[t] for t in before} == before
    assert "name VARCHAR(100)" in table_sql(engine, "users")
    assert "id INTEGER PRIMARY KEY" in table_sql(engine, "users")
    assert_healthy(engine)
    alembic(folder, "upgrade", "head")
    assert alembic(folder, "check").returncode == 0


def test_hostile_identifiers(tmp_path: Path) -> None:
    """Quotes, spaces, reserved words and unicode in table, column, index, trigger and view
    names: the rebuild quotes them through SQLAlchemy and keeps every object."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(
        engine,
        [
            'CREATE TABLE "we""ird table" ("select" INTEGER PRIMARY KEY, "naïve col" '
            "VARCHAR(5) NOT NULL DEFAULT 'x', [order] TEXT COLLATE NOCASE)",
            'CREATE TABLE "child;" (id INTEGER PRIMARY KEY, p INTEGER, FOREIGN KEY (p) '
            'REFERENCES "we""ird table" ("select") ON DELETE CASCADE)',
            'CREATE INDEX "ix ""q""" ON "we""ird table" (lower("naïve col")) WHERE [order] > \'a\'',
            'CREATE TRIGGER "t;drop" AFTER INSERT ON "we""ird table" BEGIN SELECT 1; END',
            'CREATE VIEW "v w" AS SELECT "naïve col" FROM "we""ird table"',
            "INSERT INTO \"we\"\"ird table\" VALUES (1, 'ab', 'b'), (2, 'cd', NULL)",
            'INSERT INTO "child;" VALUES (1, 1), (2, 2)',
        ],
    )
    folder = project(tmp_path / "p", engine, MODELS, batch=True, fk=True)
    write_revision(
        folder,
        "op.alter_column_safe('we\"ird table', 'naïve col', existing_type=sa.VARCHAR(5), "
        "type_=sa.String(50), nullable=True)",
    )
    before, objects_before = dump(engine), objects(engine)
    alembic(folder, "upgrade", "head")
    alembic(folder, "stamp", "base")
    alembic(folder, "upgrade", "head")
    assert {t: s for t, s in dump(engine).items() if t in before} == before
    assert_same_objects(objects_before, objects(engine))
    assert "\"naïve col\" VARCHAR(50) DEFAULT 'x'" in table_sql(engine, 'we"ird table')
    assert_healthy(engine)


@pytest.mark.parametrize(("batch", "fk"), MODES)
def test_allowed_drop_rebuilds_without_cascade(tmp_path: Path, batch: bool, fk: bool) -> None:
    """A drop kept by ``additive_allow_drop`` is a rebuild on SQLite (batch's copy would
    delete the children): the column and its index go, every other row, trigger and view
    stays; rerun converges."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(
        engine,
        [
            *SCHEMA[:-3],
            "ALTER TABLE users ADD COLUMN legacy TEXT",
            "CREATE INDEX ix_users_legacy ON users (legacy)",
            *SCHEMA[-3:],
        ],
    )
    models = MODELS.replace('sa.Column("name", sa.String(100))', 'sa.Column("name", sa.String(50))')
    folder = project(tmp_path / "p", engine, models, batch=batch, fk=fk)
    env = folder / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "            compare_type=True,\n",
            '            compare_type=True,\n            additive_allow_drop=["users.legacy"],\n',
        )
    )
    objects_before, before = objects(engine), dump(engine)
    alembic(folder, "revision", "--autogenerate", "-m", "drop legacy")
    calls = op_calls(only_revision(folder), "upgrade")
    assert "drop_column_safe" in calls and "drop_column" not in calls, calls
    upgrade_twice(folder)
    after = dump(engine)
    for table in ("posts", "audit"):
        assert after[table] == before[table]
    assert "legacy" not in after["users"]["columns"]
    assert_preserved(
        {
            "users": {
                "columns": ["id", "name", "email"],
                "rows": [r[:3] for r in before["users"]["rows"]],
            }
        },
        after,
    )
    assert_same_objects([o for o in objects_before if o[1] != "ix_users_legacy"], objects(engine))
    assert "ix_users_legacy" not in [o[1] for o in objects(engine)]
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0


KILL_HOOK = """
    import os as _os
    import signal as _signal
    from pathlib import Path as _Path

    from sqlalchemy import event as _event

    _kill_file = _Path(__file__).parent.parent / "kill_at.txt"

    @_event.listens_for(connectable, "after_cursor_execute")
    def _kill(conn, cursor, statement, parameters, context, executemany):
        if _kill_file.exists() and statement.startswith(_kill_file.read_text()):
            _os.kill(_os.getpid(), _signal.SIGKILL)

"""

KILL_POINTS = [
    "SAVEPOINT",
    "CREATE TABLE _aa_new_users",
    "INSERT INTO _aa_new_users",
    "DROP TABLE",
    "ALTER TABLE _aa_new_users RENAME",
    "CREATE INDEX ix_users_lower_name",
    "CREATE TRIGGER trg_users_update",
    "PRAGMA foreign_key_check",
    "RELEASE",
]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_mid_rebuild_leaves_the_original(tmp_path: Path, point: str) -> None:
    """The process killed (SIGKILL) right after each statement of the rebuild: before the
    commit the database is exactly as it was (table SQL, rows, objects, no temporary table),
    after it the rebuild is complete; either way the rerun finishes with every row kept."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, SCHEMA)
    folder = project(tmp_path / "p", engine, MODELS, batch=True, fk=True)
    env = folder / "migrations" / "env.py"
    anchor = "        poolclass=pool.NullPool,\n    )\n"
    env.write_text(env.read_text().replace(anchor, anchor + KILL_HOOK))
    write_revision(
        folder,
        'op.alter_column_safe("users", "name", existing_type=sa.VARCHAR(50), type_=sa.String(100))',
    )
    before, objects_before, users_before = dump(engine), objects(engine), table_sql(engine, "users")
    (folder / "kill_at.txt").write_text(point)

    crashed = alembic(folder, "upgrade", "head", check=False)
    assert crashed.returncode == -9, crashed.stderr
    assert {t: s for t, s in dump(engine).items() if t in before} == before
    assert_same_objects(objects_before, objects(engine))
    committed = point == "RELEASE"
    assert (table_sql(engine, "users") != users_before) is committed
    assert_healthy(engine)

    (folder / "kill_at.txt").unlink()
    alembic(folder, "upgrade", "head")
    assert {t: s for t, s in dump(engine).items() if t in before} == before
    assert_same_objects(objects_before, objects(engine))
    assert "name VARCHAR(100)" in table_sql(engine, "users")
    assert_healthy(engine)


def test_rowids_sequence_and_table_options_survive(tmp_path: Path) -> None:
    """Rowids of a table without an alias stay (an FTS index or an app may store them), the
    AUTOINCREMENT high-water mark stays (ids of deleted rows never come back), WITHOUT ROWID
    and STRICT tables keep their options."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(
        engine,
        [
            "CREATE TABLE notes (body VARCHAR(10), tag TEXT)",
            "INSERT INTO notes (rowid, body, tag) VALUES (10, 'a', 'x'), (20, 'b', NULL)",
            "CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, v VARCHAR(10))",
            "INSERT INTO seq (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            "DELETE FROM seq WHERE id = 3",
            "CREATE TABLE kv (k TEXT PRIMARY KEY, v VARCHAR(10)) WITHOUT ROWID",
            "INSERT INTO kv VALUES ('a', '1'), ('b', NULL)",
            "CREATE TABLE st (id INTEGER PRIMARY KEY, v TEXT) STRICT",
            "INSERT INTO st VALUES (1, 'x'), (2, NULL)",
        ],
    )
    folder = project(tmp_path / "p", engine, MODELS, batch=False, fk=True)
    write_revision(
        folder,
        'op.alter_column_safe("notes", "body", type_=sa.String(50))',
        'op.alter_column_safe("seq", "v", type_=sa.String(50))',
        'op.alter_column_safe("kv", "v", type_=sa.String(50))',
        'op.alter_column_safe("st", "v", nullable=True, server_default="-")',
    )
    before = dump(engine)
    with engine.connect() as conn:
        rowids = conn.exec_driver_sql("SELECT rowid, body FROM notes ORDER BY rowid").all()
    alembic(folder, "upgrade", "head")
    assert {t: s for t, s in dump(engine).items() if t in before} == before
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT rowid, body FROM notes ORDER BY rowid").all() == rowids
        conn.exec_driver_sql("INSERT INTO seq (v) VALUES ('d')")
        assert conn.exec_driver_sql("SELECT max(id) FROM seq").scalar() == 4  # not 3
        conn.rollback()
    assert table_sql(engine, "kv").endswith("WITHOUT ROWID")
    assert table_sql(engine, "st").endswith("STRICT")
    assert "v TEXT DEFAULT '-'" in table_sql(engine, "st")
    assert "VARCHAR(50)" in table_sql(engine, "seq") and "AUTOINCREMENT" in table_sql(engine, "seq")
    assert_healthy(engine)


PORTABLE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("email", sa.String(50), nullable=False),
)
"""


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_revision_written_on_sqlite_runs_on_a_server(
    tmp_path: Path, make_database: Any, server: str
) -> None:
    """The dialect choice is made when the operation runs: a revision autogenerated against
    SQLite (alter_column_safe, and alter_column_recorded for the NOT NULL) is Alembic's
    alter_column on PostgreSQL and MariaDB."""
    sqlite = sa.create_engine(f"sqlite:///{tmp_path / 'dev.db'}")
    legacy = (
        "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50), email VARCHAR(50))"
    )
    rows = "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x'), (2, 'bob', 'b@x')"
    build(sqlite, [legacy, rows])
    folder = project(tmp_path / "p", sqlite, PORTABLE_MODELS, batch=True, fk=False)
    alembic(folder, "revision", "--autogenerate", "-m", "widen")
    calls = op_calls(only_revision(folder), "upgrade")
    assert calls.count("alter_column_safe") == 1 and calls.count("alter_column_recorded") == 1

    db = make_database(server)
    build(db.engine, [legacy.replace("INTEGER NOT NULL PRIMARY KEY", "INTEGER PRIMARY KEY"), rows])
    before = dump(db.engine)
    ini = folder / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(sqlite.url.render_as_string(hide_password=False), db.ini_url)
    )
    upgrade_twice(folder)
    assert_preserved(before, dump(db.engine))
    cols = {c["name"]: c for c in sa.inspect(db.engine).get_columns("users")}
    assert cols["name"]["type"].length == 100
    assert cols["email"]["nullable"] is False


def test_offline_sql_on_sqlite_refuses_in_one_line(tmp_path: Path) -> None:
    """``--sql`` cannot read the stored definition a rebuild edits: one line, nothing run."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(engine, SCHEMA)
    folder = project(tmp_path / "p", engine, MODELS, batch=False, fk=False)
    write_revision(
        folder,
        'op.alter_column_safe("users", "name", existing_type=sa.VARCHAR(50), type_=sa.String(100))',
    )
    before = dump(engine)
    offline = alembic(folder, "upgrade", "head", "--sql", check=False)
    assert offline.returncode != 0
    assert "run the upgrade online" in offline.stderr
    assert dump(engine) == before


@pytest.mark.parametrize(("batch", "fk"), MODES)
def test_added_foreign_key_rebuilds_without_cascade(tmp_path: Path, batch: bool, fk: bool) -> None:
    foreign_key_case(tmp_path, batch=batch, fk=fk, downgrade=False)


def test_downgrade_drops_the_added_foreign_key_without_cascade(tmp_path: Path) -> None:
    """The downgrade right after the upgrade drops the (named, batch mode) foreign key the
    upgrade created, by the same rebuild: the comments cascading from posts stay."""
    foreign_key_case(tmp_path, batch=True, fk=True, downgrade=True)


def foreign_key_case(tmp_path: Path, *, batch: bool, fk: bool, downgrade: bool) -> None:
    """A foreign key the model adds to ``posts`` (create_foreign_key_if_not_exists): on
    SQLite it needs a rebuild of ``posts``, and batch's copy would delete the ``comments``
    that cascade from it (2 -> 0 with foreign keys on)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    build(
        engine,
        [
            "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100), "
            "email VARCHAR(50))",
            "CREATE TABLE posts (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER, title TEXT)",
            "CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY, what TEXT)",
            "CREATE TABLE comments (id INTEGER NOT NULL PRIMARY KEY, post_id INTEGER, "
            "FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE)",
            "CREATE VIEW v_posts AS SELECT id, title FROM posts",
            "INSERT INTO users VALUES (1, 'a', 'x')",
            "INSERT INTO posts VALUES (1, 1, 't'), (2, 1, 'u')",
            "INSERT INTO comments VALUES (1, 1), (2, 2)",
        ],
    )
    models = MODELS + (
        'comments = sa.Table("comments", metadata, sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE")))\n'
    )
    folder = project(tmp_path / "p", engine, models, batch=batch, fk=fk)
    objects_before, before = objects(engine), dump(engine)
    alembic(folder, "revision", "--autogenerate", "-m", "fk")
    assert "create_foreign_key_if_not_exists(" in only_revision(folder).read_text()
    if downgrade:
        alembic(folder, "upgrade", "head")
        assert "REFERENCES users" in table_sql(engine, "posts")
        alembic(folder, "downgrade", "base")
        after = dump(engine)
        assert {t: after[t] for t in before} == before
        assert "REFERENCES users" not in table_sql(engine, "posts")
        assert_same_objects(objects_before, objects(engine))
        assert_healthy(engine)
        return
    upgrade_twice(folder)
    after = dump(engine)
    assert {t: after[t] for t in before} == before
    assert_same_objects(objects_before, objects(engine))
    assert "FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE" in table_sql(
        engine, "posts"
    )
    assert_healthy(engine)
    assert alembic(folder, "check").returncode == 0
