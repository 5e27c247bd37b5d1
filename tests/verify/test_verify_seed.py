"""``--seed-rows N``: empty tables get N synthetic rows before each revision, so a DELETE on
a table that is empty in CI is still seen; tables that cannot be filled are skipped with one
note, and the run goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, make_project
from verify_support import Project, new_project

SHOP = """
op.create_table(
    "customers",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(40), nullable=False, unique=True),
    sa.Column("created", sa.DateTime, nullable=False),
)
op.create_table(
    "orders",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("amount", sa.Numeric(8, 2), nullable=False),
    sa.Column("status", sa.Enum("new", "paid", name="order_status"), nullable=False),
    sa.Column("code", sa.String(3), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.UniqueConstraint("customer_id", "code"),
)
"""


def _count(project: Project, table: str) -> int:
    with project.db.engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
        )


def test_delete_on_empty_table_is_missed_without_seeding(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, SHOP)
    project.revision("r2", "r1", 'op.execute("DELETE FROM orders")')

    assert project.cli().code == 0


def test_seed_rows_catches_delete_on_empty_table(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, SHOP)
    project.revision("r2", "r1", 'op.execute("DELETE FROM orders")')
    # A later revision inserts without an id: seeding must not have desynced the sequence.
    project.revision(
        "r3",
        "r2",
        "op.execute(\"INSERT INTO customers (email, created) VALUES ('n@x', CURRENT_TIMESTAMP)\")",
    )

    run = project.cli("--seed-rows", "5")

    assert run.code == 1, run
    assert run.out.splitlines()[0] == "r2: rows-lost orders: rows 5 → 0"
    assert len(run.out.splitlines()) == 2
    assert run.err == ""  # every table could be filled: no note
    assert _count(project, "customers") == 6  # seeded rows stay without --rollback


def test_seeding_respects_types_keys_and_uniqueness(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "everything",
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("small", sa.SmallInteger, nullable=False),
    sa.Column("ratio", sa.Float, nullable=False),
    sa.Column("price", sa.Numeric(4, 2), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("at", sa.Time, nullable=False),
    sa.Column("stamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ident", sa.Uuid, nullable=False, unique=True),
    sa.Column("blob", sa.LargeBinary, nullable=False),
    sa.Column("short", sa.String(2), nullable=False, unique=True),
    sa.Column("code", sa.CHAR(3), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.Column("mood", sa.Enum("ok", "meh", name="mood"), nullable=False),
    sa.Column("defaulted", sa.Integer, nullable=False, server_default="7"),
)
op.create_table(
    "nodes",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("nodes.id"), nullable=True),
    sa.Column("everything_id", sa.BigInteger, sa.ForeignKey("everything.id"), nullable=False),
)
op.create_table(
    "profiles",
    sa.Column("everything_id", sa.BigInteger, sa.ForeignKey("everything.id"), primary_key=True),
    sa.Column("bio", sa.Text),
)
""",
    )
    project.revision("r2", "r1", "pass")

    result = project.verify(seed_rows=40)

    assert result.violations == [] and result.notes == []
    assert _count(project, "everything") == 40
    assert _count(project, "nodes") == 40
    assert _count(project, "profiles") == 40  # one per referenced row (its key is the FK)
    with project.db.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(DISTINCT defaulted) FROM everything")).scalar() == 1
        )
        assert conn.execute(sa.text("SELECT count(parent_id) FROM nodes")).scalar() == 0


def test_unfillable_table_is_skipped_with_one_note(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "strict",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("amount", sa.Integer, nullable=False),
    sa.CheckConstraint("amount * 2 = 1", name="ck_impossible"),
)
op.create_table(
    "needs_strict",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("strict_id", sa.Integer, sa.ForeignKey("strict.id"), nullable=False),
)
op.create_table("plain", sa.Column("id", sa.Integer, primary_key=True))
""",
    )
    project.revision("r2", "r1", "pass")
    project.revision("r3", "r2", 'op.execute("DELETE FROM plain")')

    run = project.cli("--seed-rows", "3")

    assert run.code == 1, run
    assert run.out.splitlines()[0] == "r3: rows-lost plain: rows 3 → 0"
    notes = run.err.splitlines()
    assert len(notes) == 2, notes  # once each, although seeding happens before every revision
    assert notes[0].startswith(
        "alembic-additive: note: seed: skipped table strict: insert failed: "
    )
    assert notes[1] == (
        "alembic-additive: note: seed: skipped table needs_strict: "
        "foreign key (strict_id) references strict, which has no rows"
    )


# A chain that a plain upgrade passes (its tables are empty) but that the seeded rows would
# break: a non-native enum (VARCHAR, no CHECK) made strict later, and a short text column later
# parsed as JSON. Each dialect makes them strict its own way.
STRICT_LATER = """
op.create_table(
    "orders",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum("new", "paid", native_enum=False, create_constraint=False)),
)
op.create_table(
    "events",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("payload", sa.String(1)),
)
"""

ENUM_STRICT = """
dialect = op.get_bind().dialect.name
if dialect == "postgresql":
    op.execute("CREATE TYPE order_status AS ENUM ('new', 'paid')")
    op.execute("ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::order_status")
elif dialect == "mysql":
    op.execute("ALTER TABLE orders MODIFY status ENUM('new', 'paid')")
else:
    with op.batch_alter_table("orders") as batch:
        batch.create_check_constraint("ck_status", "status IN ('new', 'paid')")
"""

JSON_LATER = """
dialect = op.get_bind().dialect.name
if dialect == "postgresql":
    op.execute("ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::json")
elif dialect == "mysql":
    op.execute("ALTER TABLE events MODIFY payload JSON")
else:
    with op.batch_alter_table("events") as batch:
        batch.create_check_constraint("ck_payload", "json_valid(payload)")
"""


def test_seed_rows_never_fails_a_chain_a_plain_upgrade_passes(
    tmp_path: Path, db: Database, make_database: Any
) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, STRICT_LATER)
    project.revision("r2", "r1", "pass")
    project.revision("r3", "r2", ENUM_STRICT)
    project.revision("r4", "r3", JSON_LATER)
    project.revision("r5", "r4", 'op.execute("DELETE FROM orders")')
    # The plain upgrade passes, on a fresh database of the same dialect.
    plain = make_database(db.dialect)
    fresh = tmp_path / "plain"
    make_project(fresh, plain.ini_url, "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n")
    for path in (project.folder / "migrations" / "versions").glob("r*.py"):
        (fresh / "migrations" / "versions" / path.name).write_text(path.read_text())
    alembic(fresh, "upgrade", "head")

    run = project.cli("--seed-rows", "12")

    assert run.code == 1, run
    assert run.out.splitlines()[:-1] == ["r5: rows-lost orders: rows 12 → 0"], run
    notes = run.err.splitlines()
    assert len(notes) == 2, notes
    assert notes[0].startswith(
        "alembic-additive: note: seed: revision r3 failed with seeded rows ("
    )
    assert notes[1].startswith(
        "alembic-additive: note: seed: revision r4 failed with seeded rows ("
    )
    assert all(n.endswith("; removed them and ran it again without seeding") for n in notes)
    assert project.version() == ["r5"]


def test_seeding_respects_simple_check_constraints(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "limits",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("debt", sa.Numeric(8, 2), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("mood", sa.Enum("ok", "meh", native_enum=False, create_constraint=True)),
    sa.CheckConstraint("kind IN ('a', 'b')", name="ck_kind"),
    sa.CheckConstraint("qty BETWEEN 5 AND 9", name="ck_qty"),
    sa.CheckConstraint("debt < 0", name="ck_debt"),
    sa.CheckConstraint("level >= 100 AND level <= 102", name="ck_level"),
)
""",
    )
    project.revision("r2", "r1", 'op.execute("DELETE FROM limits")')

    run = project.cli("--seed-rows", "4")

    assert run.err == "", run  # filled: no table skipped
    assert run.code == 1
    assert run.out.splitlines()[0] == "r2: rows-lost limits: rows 4 → 0"
