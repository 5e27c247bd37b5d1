"""Other autogenerate extensions: their destructive operations are suppressed and reported too.

Each test installs the real extension (the ``test`` extra), imports it from ``models.py`` as
its documentation says, and runs the real ``alembic`` command line: the extension's
comparator adds its operation, ours (priority LAST) must see it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import (
    alembic,
    assert_preserved,
    dump,
    function_source,
    make_project,
    only_revision,
    op_calls,
)

# --- alembic_utils: drop_entity for a database-only view or materialized view --------------

VIEWS_MODELS = """import sqlalchemy as sa
from alembic_utils.pg_materialized_view import PGMaterializedView
from alembic_utils.pg_view import PGView
from alembic_utils.replaceable_entity import register_entities

metadata = sa.MetaData()

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=True),
)

kept = PGView(schema="public", signature="kept_names", definition="SELECT name FROM items")

register_entities([kept], entity_types=[PGView, PGMaterializedView])
"""


def _views_database(db: Database) -> None:
    md = sa.MetaData()
    items = sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(items.insert(), [{"name": n} for n in ("a", "b", "c", "d")])
        conn.execute(sa.text("CREATE VIEW kept_names AS SELECT name FROM items"))
        conn.execute(sa.text("CREATE VIEW legacy_names AS SELECT id, name FROM items"))
        conn.execute(
            sa.text("CREATE MATERIALIZED VIEW legacy_totals AS SELECT id, name FROM items")
        )


def _views(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        views = conn.execute(
            sa.text("SELECT viewname FROM pg_views WHERE schemaname = 'public'")
        ).scalars()
        matviews = conn.execute(
            sa.text("SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'")
        ).scalars()
        return set(views) | set(matviews)


def test_alembic_utils_drop_entity_is_suppressed_and_reported(
    make_database: object, tmp_path: Path
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    _views_database(db)
    make_project(tmp_path, db.ini_url, VIEWS_MODELS)
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "views")
    revision = only_revision(tmp_path)
    upgrade = function_source(revision, "upgrade")
    assert "drop_entity" not in op_calls(revision, "upgrade")
    assert "create_entity" not in op_calls(revision, "downgrade")
    assert "# Orphan views (in the database, not in your models):" in upgrade
    assert "# legacy_names: view" in upgrade
    assert "# legacy_totals: materialized view, 4 row(s)" in upgrade
    assert "# drop_entity legacy_names (view): orphan view; dropping it is left to you" in upgrade
    assert (
        "# drop_entity legacy_totals (materialized view): orphan materialized view holds "
        "4 row(s)" in upgrade
    )
    assert "1 orphan view(s)" not in upgrade  # the header counts both kinds together
    assert "2 orphan view(s)" in upgrade
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert {"kept_names", "legacy_names", "legacy_totals"} <= _views(db)
    assert_preserved(before, dump(db.engine))
    alembic(tmp_path, "downgrade", "base")
    assert {"kept_names", "legacy_names", "legacy_totals"} <= _views(db)


def test_alembic_utils_drop_entity_allowed_by_allow_drop(
    make_database: object, tmp_path: Path
) -> None:
    """allow_drop names views like tables: the deliberate drop is kept."""
    db: Database = make_database("postgresql")  # type: ignore[operator]
    _views_database(db)
    make_project(
        tmp_path, db.ini_url, VIEWS_MODELS, '            additive_allow_drop=["legacy_names"],\n'
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "views")
    revision = only_revision(tmp_path)
    assert op_calls(revision, "upgrade").count("drop_entity") == 1
    assert "public_legacy_names" in function_source(revision, "upgrade")
    alembic(tmp_path, "upgrade", "head")
    assert "legacy_names" not in _views(db)
    assert "legacy_totals" in _views(db)


# --- alembic-postgresql-enum: sync_enum_values removing values ------------------------------

ENUM_MODELS = """import alembic_postgresql_enum  # noqa: F401  (registers its comparator)
import sqlalchemy as sa

metadata = sa.MetaData()

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum({values}, name="order_status"), nullable=True),
    sa.Column("flags", sa.ARRAY(sa.Enum({values}, name="order_status")), nullable=True),
)
"""


def _enum_database(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TYPE order_status AS ENUM ('draft', 'active', 'archived', 'lost')")
        )
        conn.execute(
            sa.text(
                "CREATE TABLE orders (id SERIAL PRIMARY KEY, status order_status, "
                "flags order_status[])"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO orders (status, flags) VALUES "
                "('active', NULL), ('archived', NULL), ('archived', NULL), ('draft', NULL), "
                "('active', ARRAY['archived']::order_status[]), (NULL, ARRAY['draft', 'active']::order_status[])"
            )
        )


def test_sync_enum_values_removing_used_values_is_suppressed_with_counts(
    make_database: object, tmp_path: Path
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    _enum_database(db)
    make_project(tmp_path, db.ini_url, ENUM_MODELS.format(values="'draft', 'active'"))
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "enum")
    revision = only_revision(tmp_path)
    upgrade = function_source(revision, "upgrade")
    assert "sync_enum_values" not in op_calls(revision, "upgrade")
    assert "sync_enum_values" not in op_calls(revision, "downgrade")
    assert (
        "# sync_enum_values order_status: removes 'archived' (used by 3 row(s): "
        "orders.flags 1, orders.status 2), 'lost' (used by 0 row(s))" in upgrade
    )
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    # values are never printed: only the enum's labels (schema) and counts
    assert "'draft'" not in upgrade.split("Suppressed operations:")[1].split("removes")[0]


def test_sync_enum_values_removing_unused_values_is_kept(
    make_database: object, tmp_path: Path
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    _enum_database(db)
    make_project(tmp_path, db.ini_url, ENUM_MODELS.format(values="'draft', 'active', 'archived'"))
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "enum")
    revision = only_revision(tmp_path)
    assert "sync_enum_values" in op_calls(revision, "upgrade")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    with db.engine.connect() as conn:
        labels = conn.execute(
            sa.text("SELECT unnest(enum_range(NULL::order_status))::text")
        ).scalars()
        assert list(labels) == ["draft", "active", "archived"]


# --- sqlalchemy-utils: TypeDecorator types compare by their implementation -----------------

EMAIL_MODELS = """import sqlalchemy as sa
import sqlalchemy_utils

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sqlalchemy_utils.EmailType({length}), nullable=True),
)
"""


@pytest.mark.parametrize(("length", "kept"), [(255, True), (20, False)])
def test_type_decorator_compares_its_impl(
    db: Database, tmp_path: Path, length: int, kept: bool
) -> None:
    md = sa.MetaData()
    users = sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(
            users.insert(), [{"email": "a@example.org"}, {"email": "x" * 30 + "@example.org"}]
        )
    make_project(tmp_path, db.ini_url, EMAIL_MODELS.format(length=length))
    (tmp_path / "migrations" / "script.py.mako").write_text(
        (tmp_path / "migrations" / "script.py.mako")
        .read_text()
        .replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\nimport sqlalchemy_utils\n")
    )
    before = dump(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "email")
    revision = only_revision(tmp_path)
    upgrade = function_source(revision, "upgrade")
    code = upgrade.split("### end alembic-additive ###")[-1]
    if kept:
        assert "not a provable widening" not in upgrade
        assert "type_=sqlalchemy_utils.types.email.EmailType(length=255)" in code
    else:
        assert (
            "# alter_column users.email type: lossy type change: VARCHAR(100) → VARCHAR(20)"
            in upgrade
        )
        assert "1 value(s) would not fit" in upgrade
        assert "EmailType" not in code
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    if kept and db.dialect != "sqlite":
        col = {c["name"]: c for c in sa.inspect(db.engine).get_columns("users")}["email"]
        assert col["type"].length == 255


def test_audit_lists_orphan_views_and_enum_label_removals(
    make_database: object, tmp_path: Path
) -> None:
    """What the revision reports about other extensions' operations, the audit lists too.

    Run through the installed command: importing these models in the test process would
    register alembic_utils' comparator for every later in-process comparison."""
    import json
    import subprocess

    db: Database = make_database("postgresql")  # type: ignore[operator]
    _views_database(db)
    _enum_database(db)
    enum_part = ENUM_MODELS.format(values="'draft', 'active'")
    enum_part = enum_part.replace("import sqlalchemy as sa\n", "").replace(
        "metadata = sa.MetaData()\n", ""
    )
    make_project(tmp_path, db.ini_url, VIEWS_MODELS + "\n" + enum_part)
    cli = str(Path(sys.executable).with_name("alembic-additive"))

    def audit(*args: str) -> str:
        proc = subprocess.run(
            [cli, "audit", "-c", str(tmp_path / "alembic.ini"), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    report = json.loads(audit("--format", "json"))
    views = {v["table"]: (v["materialized"], v["rows"]) for v in report["orphan_views"]}
    assert views == {"legacy_names": (False, None), "legacy_totals": (True, 4)}
    [removal] = report["enum_value_removals"]
    assert removal["removed"] == ["archived", "lost"]
    assert removal["decision"]["action"] == "suppress"
    assert report["summary"]["orphan_views"] == 2
    text = audit()
    assert "Orphan views (database only):" in text and "Enum label removals:" in text
    markdown = audit("--format", "markdown")
    assert "**Orphan materialized view** `legacy_totals`: 4 rows (in use)" in markdown
    assert "**Enum labels still in use** `order_status`: removes 'archived'" in markdown
