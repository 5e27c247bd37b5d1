"""PostgreSQL: after a revision only the tables it could have changed are counted again
(transaction statistics, relfilenode, columns, transaction id). These tests try the ways a
revision can lose data without an obvious DELETE, in both transaction modes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from verify_support import ITEMS, Project, new_project, triples

from alembic_additive.findings import TableRef
from alembic_additive.verify import snapshot

ABC = """
for name in ("a", "b", "c"):
    op.create_table(name, sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
    op.execute(f"INSERT INTO {name} (id, v) VALUES (1, 1), (2, 2)")
"""


@pytest.fixture
def pg(tmp_path: Path, make_database: Callable[[str], Any]) -> Project:
    return new_project(tmp_path, make_database("postgresql"))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The tables snapshots scan, in order."""
    names: list[str] = []
    real = snapshot.count_table

    def spy(connection: Any, ref: TableRef, columns: Any) -> snapshot.TableState:
        names.append(ref.name)
        return real(connection, ref, columns)

    monkeypatch.setattr(snapshot, "count_table", spy)
    yield names


@pytest.mark.parametrize("rollback", [False, True], ids=["commit", "rollback"])
def test_only_written_tables_are_counted_again(
    pg: Project, counted: list[str], rollback: bool
) -> None:
    pg.revision("r1", None, ABC)
    pg.revision("r2", "r1", 'op.execute("DELETE FROM b WHERE id = 1")')
    pg.revision("r3", "r2", 'op.add_column("c", sa.Column("w", sa.Integer))')
    pg.revision("r4", "r3", 'op.create_index("ix_a_v", "a", ["v"])')

    result = pg.verify(rollback=rollback, from_rev=None)

    assert triples(result) == [("r2", "rows-lost", "b", None, 2, 1)]
    # before r1: nothing; after r1: a, b, c (new); after r2: b; after r3: c; after r4: none.
    assert counted == ["a", "b", "c", "b", "c"]


def test_recount_all_counts_every_table_every_time(pg: Project, counted: list[str]) -> None:
    pg.revision("r1", None, ABC)
    pg.revision("r2", "r1", "pass")

    pg.verify(recount_all=True)

    assert counted == ["a", "b", "c", "a", "b", "c"]


@pytest.mark.parametrize("rollback", [False, True], ids=["commit", "rollback"])
@pytest.mark.parametrize(
    "body, expected",
    [
        (
            # rewritten by one revision, truncated by the next
            None,
            [("r3", "rows-lost", "items", None, 3, 0)],
        ),
        (
            'op.drop_column("items", "note")\nop.add_column("items", sa.Column("note", sa.Text))',
            [("r2", "values-lost", "items", "note", 3, 0)],
        ),
        (
            'op.execute("ALTER TABLE items ALTER COLUMN legacy TYPE bigint USING NULL")',
            [("r2", "values-lost", "items", "legacy", 3, 0)],
        ),
        (
            """
op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE")),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("items.id", ondelete="SET NULL")))
op.execute("INSERT INTO tags (id, item_id, owner_id) VALUES (1, 1, 1), (2, 2, 3), (3, 3, 3)")
""",
            None,
        ),
    ],
    ids=["truncate-after-rewrite", "drop-and-re-add-column", "type-change-using-null", "cascades"],
)
def test_hidden_losses_are_still_seen(
    pg: Project, rollback: bool, body: str | None, expected: list[Any] | None
) -> None:
    pg.revision("r1", None, ITEMS)
    if body is None:
        pg.revision("r2", "r1", 'op.alter_column("items", "id", type_=sa.BigInteger)')
        pg.revision("r3", "r2", 'op.execute("TRUNCATE items")')
    elif expected is None:  # cascades: set up in r2, delete in r3
        pg.revision("r2", "r1", body)
        pg.revision("r3", "r2", 'op.execute("DELETE FROM items WHERE id = 3")')
        expected = [
            ("r3", "rows-lost", "items", None, 3, 2),
            ("r3", "rows-lost", "tags", None, 3, 2),  # ON DELETE CASCADE
            ("r3", "values-lost", "tags", "owner_id", 3, 1),  # ON DELETE SET NULL
        ]
    else:
        pg.revision("r2", "r1", body)
    # r1 committed first: the rows predate the run's transaction, so nothing but the
    # savepoint per revision keeps the TRUNCATE from happening in place, unseen.
    pg.verify(to_rev="r1")

    result = pg.verify(rollback=rollback)

    assert triples(result) == expected


def test_delete_inside_autocommit_block(pg: Project) -> None:
    # The block commits: the transaction statistics no longer cover the revision, so
    # everything is counted again.
    pg.revision("r1", None, ITEMS)
    pg.revision(
        "r2",
        "r1",
        """
with op.get_context().autocommit_block():
    op.execute("DELETE FROM items WHERE id = 1")
""",
    )

    assert triples(pg.verify()) == [("r2", "rows-lost", "items", None, 3, 2)]


def test_update_inside_autocommit_block_is_compared(pg: Project) -> None:
    # SQLAlchemy's transaction is a fake one there: the savepoint around a fingerprint
    # query failed the revision ("SAVEPOINT can only be used in transaction blocks").
    pg.revision("r1", None, ITEMS)
    pg.revision(
        "r2",
        "r1",
        """
with op.get_context().autocommit_block():
    op.execute("UPDATE items SET legacy = 11 WHERE id = 1")
""",
    )

    result = pg.verify()

    assert [(v.kind.value, v.table, v.column, v.changed) for v in result.violations] == [
        ("values-changed", "items", "legacy", 1)
    ]


@pytest.mark.parametrize("rollback", [False, True], ids=["commit", "rollback"])
def test_partitions_and_their_parent(pg: Project, rollback: bool) -> None:
    pg.revision(
        "r1",
        None,
        """
op.execute("CREATE TABLE events (id integer, at date) PARTITION BY RANGE (at)")
op.execute("CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')")
op.execute("CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
op.execute("INSERT INTO events VALUES (1, '2023-05-01'), (2, '2024-05-01'), (3, '2024-06-01')")
""",
    )
    pg.revision("r2", "r1", 'op.execute("DELETE FROM events_2024 WHERE id = 3")')

    result = pg.verify(rollback=rollback)

    assert triples(result) == [
        ("r2", "rows-lost", "events", None, 3, 2),
        ("r2", "rows-lost", "events_2024", None, 2, 1),
    ]


def test_write_through_another_connection_needs_recount_all(pg: Project) -> None:
    # A revision that opens its own connection writes outside verify's transaction, where
    # the statistics cannot see it: only --recount-all catches that.
    helper = pg.module(
        f"""
        import sqlalchemy as sa


        def purge():
            engine = sa.create_engine({pg.db.url_string!r})
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM items WHERE id = 1"))
            engine.dispose()
        """
    )
    pg.revision("r1", None, ITEMS)
    pg.revision("r2", "r1", "purge()", imports=f"from {helper} import purge")
    pg.revision("r3", "r2", 'op.execute("UPDATE items SET note = NULL WHERE id = 2")')
    pg.cli("--to", "r1")

    assert triples(pg.verify(to_rev="r2")) == []  # missed without --recount-all

    pg.db.engine.dispose()
    with pg.db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO items (id, name, note, legacy) VALUES (1, 'a', 'x', 10)")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'r1'")
    run = pg.cli("--recount-all", "--to", "r2")
    assert run.code == 1 and run.out.startswith("r2: rows-lost items: rows 3 → 2")


def test_other_schemas_on_request(pg: Project) -> None:
    pg.revision(
        "r1",
        None,
        """
op.execute("CREATE SCHEMA app")
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), schema="app")
op.execute("INSERT INTO app.t (id) VALUES (1), (2)")
""",
    )
    pg.revision("r2", "r1", 'op.execute("DELETE FROM app.t")')
    pg.verify(to_rev="r1")

    assert pg.cli("--to", "r2", "--schema", "public").code == 0  # app is not counted
    pg.db.engine.dispose()
    with pg.db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO app.t (id) VALUES (1), (2)")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'r1'")

    run = pg.cli("--schema", "app", "--schema", "public", "--format", "json")

    assert run.code == 1, run
    assert '"table": "app.t"' in run.out and run.out.count('"revision"') == 1
