"""Upgrade-time guards: a verdict taken where autogenerate ran is re-proved where the upgrade runs.

The issue's case: a revision written when ``t.code`` had no NULL and table ``e`` was empty
(so SET NOT NULL and ``e.qty`` NOT NULL without default were kept), upgraded after one NULL
row and two ``e`` rows were inserted. Without guards PostgreSQL fails cleanly, MariaDB
(strict) adds ``e.qty`` filled with invented 0s and then fails on ``t.code`` (partial state),
and MariaDB with ``sql_mode=''`` succeeds with the NULL silently turned into ``''``. With
the guard at the top of ``upgrade()``, every dialect refuses before any change, with one line
per failing check, and the rerun after fixing the data completes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

t = sa.Table(
    "t",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(20), nullable=False),
)

e = sa.Table(
    "e",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("qty", sa.Integer, nullable=False),
)
"""

SESSION_MODE_MARKER = "    with connectable.connect() as connection:\n"


def build(engine: sa.Engine) -> None:
    md = sa.MetaData()
    t = sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(20), nullable=True),
    )
    sa.Table("e", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"id": 1, "code": "a"}, {"id": 2, "code": "b"}])


def without_version_table(state: dict[str, Any]) -> dict[str, Any]:
    """Alembic creates its (empty) version table before any revision runs; not ours."""
    state = dict(state)
    version = state.pop("alembic_version", None)
    assert version is None or version["rows"] == [], version
    return state


def set_session_sql_mode(project: Path, mode: str) -> None:
    env = project / "migrations" / "env.py"
    text = env.read_text()
    assert SESSION_MODE_MARKER in text
    env.write_text(
        text.replace(
            SESSION_MODE_MARKER,
            SESSION_MODE_MARKER
            + f"        connection.exec_driver_sql(\"SET SESSION sql_mode = '{mode}'\")\n"
            + "        connection.commit()\n",
        )
    )


CASES = [
    pytest.param("sqlite", None, id="sqlite"),
    pytest.param("postgresql", None, id="postgresql"),
    pytest.param("mysql", None, id="mariadb-strict"),
    pytest.param("mysql", "", id="mariadb-sql_mode-empty"),
]


@pytest.mark.parametrize(("dialect", "sql_mode"), CASES)
def test_verdicts_are_reproved_where_the_upgrade_runs(
    make_database: Any, tmp_path: Path, dialect: str, sql_mode: str | None
) -> None:
    db: Database = make_database(dialect)
    build(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, MODELS)
    if sql_mode is not None:
        set_session_sql_mode(project, sql_mode)

    alembic(project, "revision", "--autogenerate", "-m", "tighten")
    revision = only_revision(project)
    upgrade = function_source(revision, "upgrade")
    assert "op.preflight(" in upgrade
    assert "{'kind': 'no-null', 'table': 't', 'column': 'code'}" in upgrade
    assert "{'kind': 'empty', 'table': 'e', 'column': 'qty'}" in upgrade
    # the guard comes before the first operation that changes anything
    first_ddl = min(upgrade.index(s) for s in ("add_column", "alter_column") if s in upgrade)
    assert upgrade.index("op.preflight(") < first_ddl

    # production drifted after the revision was written
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, code) VALUES (3, NULL)"))
        conn.execute(sa.text("INSERT INTO e (id) VALUES (1), (2)"))
    before = dump(db.engine)

    refused = alembic(project, "upgrade", "head", check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "refusing to upgrade, 2 check(s) failed" in output
    assert "nothing was changed" in output
    assert "t.code: 1 NULL value(s), but this upgrade makes the column NOT NULL" in output
    assert "e: 2 row(s), but this upgrade adds e.qty NOT NULL without a server default" in output
    assert "Traceback" not in output
    # exactly as it was: rows, values, columns, and the column still nullable
    assert without_version_table(dump(db.engine)) == without_version_table(before)
    insp = sa.inspect(db.engine)
    assert {c["name"]: c["nullable"] for c in insp.get_columns("t")}["code"] is True
    assert alembic(project, "current").stdout.strip() == ""
    # the force switch is for deliberate drops; it does not skip a guard
    forced = alembic(project, "-x", "additive_force=1", "upgrade", "head", check=False)
    assert forced.returncode != 0
    assert "refusing to upgrade, 2 check(s) failed" in forced.stdout + forced.stderr
    assert without_version_table(dump(db.engine)) == without_version_table(before)

    # fix the data; the rerun completes
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE t SET code = 'c' WHERE code IS NULL"))
        conn.execute(sa.text("DELETE FROM e"))
    fixed = dump(db.engine)
    alembic(project, "upgrade", "head")
    insp = sa.inspect(db.engine)
    assert {c["name"]: c["nullable"] for c in insp.get_columns("t")}["code"] is False
    assert {c["name"]: c["nullable"] for c in insp.get_columns("e")}["qty"] is False
    assert_preserved(without_version_table(fixed), dump(db.engine))

    # running it again is a no-op, and the models match
    after = dump(db.engine)
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert dump(db.engine) == after
    alembic(project, "check")


def test_policy_derives_checks_from_the_final_tree() -> None:
    """Which kept operation gets which check: read with isinstance from Alembic's own
    operation classes, reasoning about columns and tables the same revision creates."""
    from alembic.operations import ops

    from alembic_additive import kept, policy
    from alembic_additive.checks import CheckHolds, Empty, ForeignKey, NoNull, Unique
    from alembic_additive.operations import AddColumnIfNotExistsOp

    dialect = sa.create_engine("sqlite://").dialect
    tree: list[ops.MigrateOperation] = [
        ops.CreateTableOp("parents", [sa.Column("id", sa.Integer, primary_key=True)]),
        AddColumnIfNotExistsOp("u", sa.Column("plain", sa.String(5), nullable=True)),
        AddColumnIfNotExistsOp("u", sa.Column("flag", sa.String(5), server_default="x")),
        AddColumnIfNotExistsOp("u", sa.Column("stamp", sa.DateTime, server_default=sa.func.now())),
        AddColumnIfNotExistsOp("u", sa.Column("qty", sa.Integer, nullable=False)),
        ops.ModifyTableOps(
            "u",
            [
                ops.CreateUniqueConstraintOp("uq_plain", "u", ["plain"]),
                ops.CreateUniqueConstraintOp("uq_flag", "u", ["flag"]),
                ops.CreateUniqueConstraintOp("uq_stamp", "u", ["stamp"]),
                ops.CreateIndexOp("ix_expr", "u", [sa.text("lower(name)")], unique=True),
                ops.CreateIndexOp("ix_plain", "u", ["name"], unique=False),
                ops.CreatePrimaryKeyOp("pk_u", "u", ["id"]),
                ops.CreateForeignKeyOp("fk_parent", "u", "parents", ["parent_id"], ["id"]),
                ops.CreateCheckConstraintOp("ck_qty", "u", "qty > 0"),
                ops.AlterColumnOp("u", "name", modify_nullable=False),
            ],
        ),
        ops.CreateUniqueConstraintOp("uq_new", "parents", ["id"]),  # on a new table: nothing
    ]
    checks = policy.guards(kept.read(tree, dialect))
    assert checks == [
        Empty(table="u", column="qty"),
        Unique(table="u", columns=("plain",), name="uq_plain", added=("plain",)),
        Unique(table="u", columns=("flag",), name="uq_flag", added=("flag",)),
        Empty(table="u", column="flag", max_rows=1),
        Unique(table="u", columns=("stamp",), name="uq_stamp", added=("stamp",)),
        NoNull(table="u", column="id"),
        Unique(table="u", columns=("id",), name="pk_u"),
        ForeignKey(
            table="u",
            columns=("parent_id",),
            referent="parents",
            referent_columns=("id",),
            name="fk_parent",
            referent_created=True,
        ),
        CheckHolds(
            table="u", condition="qty > 0", name="ck_qty", added=("plain", "flag", "stamp", "qty")
        ),
        NoNull(table="u", column="name"),
    ]
    # the revision's form round-trips through the registry
    from alembic_additive.checks import check_from_spec

    assert [check_from_spec(c.to_spec()) for c in checks] == checks


UNIQUE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100), nullable=True, unique=True),
    sa.Column("badge", sa.String(20), nullable=True, unique=True),
)
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_unique_true_columns_are_guarded(make_database: Any, tmp_path: Path, dialect: str) -> None:
    """``unique=True`` on an existing column (unnamed constraint) and on an added nullable
    column: the existing one is checked for duplicates, the new one (all NULL) passes."""
    db: Database = make_database(dialect)
    md = sa.MetaData()
    users = sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(100), nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(users.insert(), [{"id": 1, "email": "a@x"}, {"id": 2, "email": None}])
    project = tmp_path / "project"
    make_project(project, db.ini_url, UNIQUE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "unique")
    upgrade = function_source(only_revision(project), "upgrade")
    assert "{'kind': 'unique', 'table': 'users', 'columns': ['email']}" in upgrade
    assert "'columns': ['badge'], 'added': ['badge']}" in upgrade

    with db.engine.begin() as conn:
        conn.execute(users.insert(), [{"id": 3, "email": "a@x"}, {"id": 4, "email": None}])
    before = without_version_table(dump(db.engine))
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "refusing to upgrade, 1 check(s) failed" in output, output
    assert "users(email): 1 row(s) repeat a non-NULL key another row holds" in output
    assert without_version_table(dump(db.engine)) == before

    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET email = 'b@x' WHERE id = 3"))
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    alembic(project, "check")
    uniques = sa.inspect(db.engine).get_unique_constraints("users")
    indexes = [ix for ix in sa.inspect(db.engine).get_indexes("users") if ix["unique"]]
    assert len(uniques) + len(indexes) >= 2


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_check_counts_on_each_dialect(make_database: Any, dialect: str) -> None:
    """The counting statements, alone and sharing one scan per table: NULL keys never
    conflict or dangle, a CHECK passes on NULL, a multi-column key counts the rows beyond
    the first of each key."""
    from alembic_additive.checks import CheckHolds, Empty, ForeignKey, NoNull, Unique, count_all

    db: Database = make_database(dialect)
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)"))
        conn.execute(sa.text("INSERT INTO p (id) VALUES (1), (2)"))
        conn.execute(
            sa.text(
                "INSERT INTO c (id, a, b) VALUES (1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 1, NULL), "
                "(5, 1, NULL), (6, 3, 2), (7, NULL, 0)"
            )
        )
    checks = [
        NoNull(table="c", column="a"),
        Unique(table="c", columns=("a", "b")),
        Unique(table="c", columns=("a",)),
        ForeignKey(table="c", columns=("a",), referent="p", referent_columns=("id",)),
        ForeignKey(
            table="c", columns=("b",), referent="p", referent_columns=("id",), referent_created=True
        ),
        CheckHolds(table="c", condition="b > 0"),
        Empty(table="c", column="new"),
        Empty(table="c", column="a"),  # the column exists: the add is a no-op
        Unique(table="c", columns=("new",), added=("new",)),  # added by the revision: all NULL
    ]
    expected = [1, 2, 4, 1, 1, 1, 7, 0, 0]
    with db.engine.connect() as conn:
        assert count_all(conn, checks) == expected
        assert [check.violations(conn) for check in checks] == expected


PARENT_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

customers = sa.Table(
    "customers", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, nullable=True),
    sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_orders_customer_id"),
)
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_foreign_key_to_a_table_the_revision_creates(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    """The parent table does not exist when the guard runs: the revision creates it empty,
    so every non-NULL key of the existing child rows would be an orphan."""
    db: Database = make_database(dialect)
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER)"))
        conn.execute(sa.text("INSERT INTO orders (id, customer_id) VALUES (1, NULL)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, PARENT_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "customers")
    upgrade = function_source(only_revision(project), "upgrade")
    assert "'referent': 'customers'" in upgrade and "'referent_created': True" in upgrade

    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (id, customer_id) VALUES (2, 7), (3, 8)"))
    before = without_version_table(dump(db.engine))
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "orders(customer_id): 2 row(s) reference no row of customers(id)" in output, output
    assert without_version_table(dump(db.engine)) == before  # customers not created either
    assert "customers" not in sa.inspect(db.engine).get_table_names()

    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET customer_id = NULL"))
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    alembic(project, "check")


HOSTILE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

t = sa.Table(
    'Order "items"; --',
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("co'de %s", sa.String(20), nullable=False, unique=True),
)
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_guards_quote_hostile_identifiers(make_database: Any, tmp_path: Path, dialect: str) -> None:
    """Quotes, a semicolon, a comment marker and a percent sign in the names: the counts are
    right, the refusal names them, and the revision and offline SQL stay well-formed."""
    db: Database = make_database(dialect)
    md = sa.MetaData()
    t = sa.Table(
        'Order "items"; --',
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("co'de %s", sa.String(20), nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(t.insert(), [{"id": 1, "co'de %s": "a"}, {"id": 2, "co'de %s": "b"}])
    project = tmp_path / "project"
    make_project(project, db.ini_url, HOSTILE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "hostile")
    upgrade = function_source(only_revision(project), "upgrade")
    assert "{'kind': 'no-null', 'table': 'Order \"items\"; --', 'column': \"co'de %s\"}" in upgrade
    if dialect == "postgresql":
        offline = alembic(project, "upgrade", "head", "--sql").stdout
        assert offline.count("DO $alembic_additive$") == 2
        assert "co''de %%s" in offline  # the refusal text, as a PL/pgSQL string literal

    with db.engine.begin() as conn:
        conn.execute(t.insert(), [{"id": 3, "co'de %s": None}, {"id": 4, "co'de %s": "a"}])
    before = without_version_table(dump(db.engine))
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert 'Order "items"; --.co\'de %s: 1 NULL value(s)' in output, output
    assert 'Order "items"; --(co\'de %s): 1 row(s) repeat a non-NULL key' in output, output
    assert without_version_table(dump(db.engine)) == before

    with db.engine.begin() as conn:
        conn.execute(t.delete().where(t.c["id"].in_([3, 4])))
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
