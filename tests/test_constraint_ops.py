"""Added constraints are idempotent, named or unnamed, and a downgrade drops only what its
upgrade created.

Through the real ``alembic`` command on SQLite, PostgreSQL and MariaDB: autogenerate, upgrade,
``stamp base``, upgrade again, ``alembic check``; every table's rows compared before and
after; the constraint lists compared before and after the downgrade.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

import alembic_additive.operations  # noqa: F401  (registers op.*_if_not_exists)

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData({convention})

orgs = sa.Table("orgs", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100)),
    sa.Column("org_id", sa.Integer),
    sa.UniqueConstraint("email"),
    sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
)
"""

CONVENTION = (
    'naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s", '
    '"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}'
)


def drifted(engine: sa.Engine) -> None:
    """Both tables, with rows, without the constraints."""
    md = sa.MetaData()
    orgs = sa.Table("orgs", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    users = sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(100)),
        sa.Column("org_id", sa.Integer),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(orgs.insert(), [{"id": 1}, {"id": 2}])
        conn.execute(
            users.insert(),
            [{"id": i, "email": f"u{i}@example.test", "org_id": 1 + i % 2} for i in range(5)],
        )


def constraints(engine: sa.Engine, table: str = "users") -> dict[str, Any]:
    """Unique constraints (as column lists), foreign keys and indexes of ``table``."""
    engine.dispose()  # SQLite: a pooled connection answers PRAGMAs from a stale schema
    insp = sa.inspect(engine)
    return {
        "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        "fk": sorted(
            (tuple(f["constrained_columns"]), f["referred_table"])
            for f in insp.get_foreign_keys(table)
        ),
        "unique_indexes": sorted(
            tuple(i["column_names"]) for i in insp.get_indexes(table) if i["unique"]
        ),
    }


def names(engine: sa.Engine, table: str = "users") -> set[str]:
    engine.dispose()
    insp = sa.inspect(engine)
    out = {str(u["name"]) for u in insp.get_unique_constraints(table)}
    out |= {str(f["name"]) for f in insp.get_foreign_keys(table)}
    out |= {str(i["name"]) for i in insp.get_indexes(table)}
    return out


def without_preflight(revision: Path) -> None:
    """The revision as an older plugin (or a person) wrote it: no upgrade-time guard, so a
    failing statement runs after the ones before it."""
    text = revision.read_text()
    text = re.sub(r"\n    # alembic-additive: the data this upgrade.*?\n", "\n", text)
    text = re.sub(r"\n    op\.preflight\(\n.*?\n    \)\n", "\n", text, flags=re.S)
    revision.write_text(text)


def point_at(project: Path, db: Database) -> None:
    """Aim the project at another database (autogenerate on one, upgrade another)."""
    ini = project / "alembic.ini"
    text = re.sub(
        r"(?m)^sqlalchemy\.url = .*$", lambda _: f"sqlalchemy.url = {db.ini_url}", ini.read_text()
    )
    ini.write_text(text)


@pytest.mark.parametrize("named", [False, True], ids=["unnamed", "naming-convention"])
def test_added_constraints_run_twice_and_check_is_clean(
    db: Database, tmp_path: Path, named: bool
) -> None:
    drifted(db.engine)
    project = tmp_path / "p"
    make_project(project, db.ini_url, MODELS.format(convention=CONVENTION if named else ""))
    before = dump(db.engine)
    names_before = names(db.engine)
    alembic(project, "revision", "--autogenerate", "-m", "constraints")
    upgrade = function_source(only_revision(project), "upgrade")
    assert "create_unique_constraint_if_not_exists(" in upgrade
    assert "create_foreign_key_if_not_exists(" in upgrade
    alembic(project, "upgrade", "head")
    once = constraints(db.engine)
    once_names = names(db.engine)
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert constraints(db.engine) == once
    assert names(db.engine) == once_names  # no users_email_key1, email_2, ..._fkey1
    assert ("org_id",) in [fk[0] for fk in once["fk"]]
    assert [("email",)] in (once["unique"][:1], once["unique_indexes"][:1])
    alembic(project, "check")
    assert_preserved(before, dump(db.engine))
    alembic(project, "downgrade", "base")
    after = constraints(db.engine)
    assert after["fk"] == [] and ("email",) not in after["unique"] + after["unique_indexes"]
    # nothing the upgrade made is left (MariaDB's index for the foreign key included)
    assert names(db.engine) == names_before
    assert_preserved(before, dump(db.engine))


def test_downgrade_keeps_constraints_that_existed_before(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    """Written against development, run on production where someone already added them."""
    dev = make_database(db.dialect)
    drifted(dev.engine)
    drifted(db.engine)
    with db.engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        if db.dialect == "sqlite":
            with ops.batch_alter_table("users") as batch:
                batch.create_unique_constraint("hand_uq", ["email"])
                batch.create_foreign_key("hand_fk", "orgs", ["org_id"], ["id"])
        else:
            ops.create_unique_constraint("hand_uq", "users", ["email"])
            ops.create_foreign_key("hand_fk", "users", "orgs", ["org_id"], ["id"])
    existing = constraints(db.engine)
    existing_names = names(db.engine)
    project = tmp_path / "p"
    make_project(project, dev.ini_url, MODELS.format(convention=""))
    alembic(project, "revision", "--autogenerate", "-m", "constraints")
    point_at(project, db)
    before = dump(db.engine)
    for _ in range(2):
        alembic(project, "upgrade", "head")
        assert constraints(db.engine) == existing  # found by definition: nothing added
        alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    alembic(project, "check")
    alembic(project, "downgrade", "base")
    assert constraints(db.engine) == existing
    assert names(db.engine) == existing_names
    assert_preserved(before, dump(db.engine))


def test_partial_failure_on_mariadb_converges_after_the_data_is_fixed(
    make_database: Any, tmp_path: Path
) -> None:
    """Column added, unique constraint added, then the foreign key fails on an orphan row:
    after the row is fixed, the rerun skips what exists instead of "Duplicate key name"."""
    db: Database = make_database("mysql")
    drifted(db.engine)
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, email, org_id) VALUES (9, 'x@t', 99)"))
    models = MODELS.format(convention=CONVENTION).replace(
        '    sa.Column("org_id", sa.Integer),\n',
        '    sa.Column("org_id", sa.Integer),\n    sa.Column("nick", sa.String(20)),\n',
    )
    project = tmp_path / "p"
    make_project(project, db.ini_url, models)
    alembic(project, "revision", "--autogenerate", "-m", "partial")
    revision = only_revision(project)
    without_preflight(revision)
    upgrade = function_source(revision, "upgrade")
    assert upgrade.index("add_column_if_not_exists") < upgrade.index("create_unique_constraint")
    assert upgrade.index("create_unique_constraint") < upgrade.index("create_foreign_key")
    failed = alembic(project, "upgrade", "head", check=False)
    assert failed.returncode != 0 and "1452" in failed.stderr  # the orphan row
    assert "uq_users_email" in names(db.engine)  # MariaDB kept what ran before
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET org_id = 1 WHERE id = 9"))
    before = {t: v for t, v in dump(db.engine).items() if t in ("users", "orgs")}
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    alembic(project, "check")
    assert constraints(db.engine)["fk"] == [(("org_id",), "orgs")]
    assert_preserved(before, dump(db.engine))


@pytest.fixture
def op(db: Database) -> Any:
    drifted(db.engine)
    with db.engine.begin() as conn:
        yield Operations(MigrationContext.configure(conn))


def checks(op: Operations) -> list[str]:
    return sorted(str(c["name"]) for c in sa.inspect(op.get_bind()).get_check_constraints("users"))


@pytest.mark.parametrize("name", ["ck_users_id_positive", None], ids=["named", "unnamed"])
def test_check_and_primary_key_operations_run_twice(op: Operations, name: str | None) -> None:
    """Alembic does not autogenerate these; revisions written by hand use the operations."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for _ in range(2):
        if sqlite:
            with op.batch_alter_table("users") as batch:
                batch.create_check_constraint_if_not_exists(name, "id >= 0")
        else:
            op.create_check_constraint_if_not_exists(name, "users", "id >= 0")
    found = checks(op)
    assert len(found) == 1, found
    if name:
        assert found == [name]
    with pytest.raises(sa.exc.DBAPIError), op.get_bind().begin_nested():
        op.get_bind().execute(sa.text("INSERT INTO users (id) VALUES (-1)"))
    pk_before = sa.inspect(op.get_bind()).get_pk_constraint("users")
    # the table has this primary key already: a no-op, not "multiple primary keys"
    op.create_primary_key_if_not_exists("pk_users", "users", ["id"])
    assert sa.inspect(op.get_bind()).get_pk_constraint("users") == pk_before
    # the downgrade drops only a constraint the ledger says was created
    from alembic_additive.operations.ledger import LEDGER_TABLE

    ledger = sa.table(LEDGER_TABLE, sa.column("object_name"))
    recorded = op.get_bind().execute(sa.select(ledger.c.object_name)).scalars().all()
    assert len(recorded) == 1
