"""Each kind of loss is reported with the right revision, table, column and counts — also
when the loss is hidden where lint cannot see it (a helper module, SQL built at run time) —
and additive chains pass. Every test runs on SQLite, PostgreSQL and MariaDB/MySQL."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic
from verify_support import ITEMS, new_project, triples

from alembic_additive.verify import LossKind


def test_delete_is_rows_lost(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("DELETE FROM items WHERE id > 1")')
    alembic(project.folder, "upgrade", "r1")  # the real alembic CLI; verify starts from here

    run = project.cli("--format", "json")

    assert run.code == 1, run
    assert json.loads(run.out) == {
        "violations": [
            {
                "revision": "r2",
                "kind": "rows-lost",
                "table": "items",
                "column": None,
                "before": 3,
                "after": 1,
            }
        ]
    }
    assert run.err == ""
    assert project.version() == ["r2"]  # committed, like alembic upgrade


def test_text_format_one_line_per_violation_and_a_summary(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("DELETE FROM items WHERE id > 1")')
    project.revision("r3", "r2", 'op.execute("UPDATE items SET note = NULL")')

    run = project.cli()

    assert run.code == 1
    masked = project.db.url.render_as_string(hide_password=True)
    assert run.out.splitlines() == [
        "r2: rows-lost items: rows 3 → 1",
        "r3: values-lost items.note: non-null values 1 → 0",
        f"Found 2 violations in 3 revisions (base → r3) on {masked}.",
    ]


def test_update_set_null_is_values_lost(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("UPDATE items SET note = NULL WHERE id <= 2")')

    result = project.verify()

    assert triples(result) == [("r2", "values-lost", "items", "note", 3, 1)]
    assert result.revisions == ["r1", "r2"]


def test_drop_column_in_a_helper_module_is_column_removed(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    helper = project.module(
        """
        from alembic import op


        def retire_legacy_columns(table):
            op.drop_column(table, "legacy")
        """
    )
    project.revision("r1", None, ITEMS)
    project.revision(
        "r2", "r1", 'retire_legacy_columns("items")', imports=f"from {helper} import *"
    )

    result = project.verify()

    assert triples(result) == [("r2", "column-removed", "items", "legacy", 3, None)]
    run = project.cli("--from", "base")  # the database is at r2 now: start over is refused
    assert run.code == 2 and "not at --from base" in run.err


def test_drop_table_built_at_run_time_is_table_removed(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        ITEMS
        + """
op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True))
op.execute("INSERT INTO audit (id) VALUES (1)")
op.execute("INSERT INTO audit (id) VALUES (2)")
""",
    )
    project.revision(
        "r2",
        "r1",
        """
verb = "".join(["DR", "OP", " TA", "BLE "])
op.execute(verb + "au" + "dit")
""",
    )

    result = project.verify()

    assert triples(result) == [("r2", "table-removed", "audit", None, 2, None)]
    assert result.violations[0].kind is LossKind.TABLE_REMOVED


def test_rows_lost_and_values_cleared_in_surviving_rows(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision(
        "r2",
        "r1",
        """
op.execute("DELETE FROM items WHERE id = 3")
op.execute("UPDATE items SET note = NULL WHERE id = 1")
""",
    )

    result = project.verify()

    # name and legacy fell by exactly the deleted row: only note lost more than that.
    assert triples(result) == [
        ("r2", "rows-lost", "items", None, 3, 2),
        ("r2", "values-lost", "items", "note", 3, 1),
    ]


def test_clean_additive_chain_exits_0(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.add_column("items", sa.Column("price", sa.Integer))')
    project.revision("r3", "r2", 'op.create_index("ix_items_name", "items", ["name"])')
    project.revision("r4", "r3", 'op.execute("UPDATE items SET price = 5")')
    project.revision(
        "r5",
        "r4",
        """
op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(20)))
op.execute("INSERT INTO tags (id, label) VALUES (1, 'new')")
""",
    )
    project.revision(
        "r6",
        "r5",
        """
op.add_column_if_not_exists("items", sa.Column("sku", sa.String(20), nullable=True))
op.add_column_if_not_exists("items", sa.Column("sku", sa.String(20), nullable=True))
""",
        imports="import alembic_additive.operations  # noqa: F401",
    )

    run = project.cli()

    assert run.code == 0, run
    masked = project.db.url.render_as_string(hide_password=True)
    assert run.out.splitlines() == [f"No data lost: 6 revisions verified (base → r6) on {masked}."]
    assert project.version() == ["r6"]
    with project.db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(price) FROM items")).scalar() == 3


def test_at_head_nothing_to_run(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    alembic(project.folder, "upgrade", "head")

    run = project.cli("--format", "json")

    assert (run.code, json.loads(run.out)) == (0, {"violations": []})


def test_from_and_to_choose_the_span(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.add_column("items", sa.Column("price", sa.Integer))')
    project.revision("r3", "r2", 'op.execute("DELETE FROM items")')

    first = project.verify(to_rev="r2")
    assert (first.revisions, first.violations, project.version()) == (["r1", "r2"], [], ["r2"])

    second = project.verify(from_rev="r2")
    assert second.start == ("r2",)
    assert triples(second) == [("r3", "rows-lost", "items", None, 3, 0)]

    wrong = project.cli("--from", "r1")  # the database is at r3 now
    assert wrong.code == 2
    assert wrong.err.strip() == (
        "alembic-additive: error: the database is at r3, not at --from r1; "
        "omit --from or stamp the database first"
    )


def test_from_on_a_database_without_version_table(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    # Built by other means (a restore, create_all) and never stamped: --from says where it is.
    with project.db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE items (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
        conn.execute(sa.text("INSERT INTO items (id, note) VALUES (1, 'a'), (2, 'b')"))
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("UPDATE items SET note = NULL")')

    result = project.verify(from_rev="r1")

    assert result.revisions == ["r2"]
    assert triples(result) == [("r2", "values-lost", "items", "note", 2, 0)]
    assert project.version() == ["r2"]


def test_branches_and_merge_are_not_losses(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    # The version table goes from one row to two and back to one: not a loss of data.
    project.revision("r1", None, ITEMS)
    project.revision("r2a", "r1", 'op.add_column("items", sa.Column("a", sa.Integer))')
    project.revision("r2b", "r1", 'op.add_column("items", sa.Column("b", sa.Integer))')
    project.revision("r3", ("r2a", "r2b"), "pass")

    result = project.verify()

    assert result.violations == []
    assert sorted(result.revisions) == ["r1", "r2a", "r2b", "r3"]
    assert result.revisions[-1] == "r3"
    assert project.version() == ["r3"]
