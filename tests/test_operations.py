"""The package's operations on real databases: idempotent adds, guarded drops."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from conftest import Database

from alembic_additive.operations import (
    AddColumnIfNotExistsOp,
    DropColumnIfEmptyOp,
    DropTableIfEmptyOp,
)
from alembic_additive.operations._support import RefusedDrop


@pytest.fixture
def op(db: Database) -> Iterator[Operations]:
    md = sa.MetaData()
    t = sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(50)),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(t.insert(), [{"label": "a"}, {"label": "b"}])
    with db.engine.begin() as conn:
        yield Operations(MigrationContext.configure(conn))


def columns(op: Operations, table: str = "items") -> list[str]:
    return [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)]


def test_add_column_if_not_exists_runs_twice(op: Operations) -> None:
    for _ in range(2):
        op.add_column_if_not_exists("items", sa.Column("note", sa.Text(), nullable=True))
    assert columns(op) == ["id", "label", "note"]


def test_add_column_keeps_existing_column_untouched(op: Operations) -> None:
    # same name, different definition: the live column (and its data) wins
    op.add_column_if_not_exists("items", sa.Column("label", sa.Integer(), nullable=True))
    labels = op.get_bind().execute(sa.text("SELECT label FROM items ORDER BY id")).scalars().all()
    assert labels == ["a", "b"]


def test_create_and_drop_index_if_exists_run_twice(op: Operations) -> None:
    for _ in range(2):
        op.create_index_if_not_exists("ix_items_label", "items", ["label"])
    names = [ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("items")]
    assert "ix_items_label" in names
    for _ in range(2):
        op.drop_index_if_exists("ix_items_label", "items")
    assert "ix_items_label" not in [
        ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("items")
    ]


def test_drop_column_if_empty_refuses_data(op: Operations) -> None:
    with pytest.raises(
        RefusedDrop, match=r"refusing to drop column items\.label: it holds 2 non-null"
    ):
        op.drop_column_if_empty("items", "label")
    assert "label" in columns(op)


def test_drop_column_if_empty_drops_empty_and_tolerates_missing(op: Operations) -> None:
    op.add_column_if_not_exists("items", sa.Column("note", sa.Text(), nullable=True))
    op.drop_column_if_empty("items", "note")
    op.drop_column_if_empty("items", "note")  # already gone: nothing to do
    assert columns(op) == ["id", "label"]


def test_drop_column_ignores_values_equal_to_the_literal_default(op: Operations) -> None:
    op.add_column_if_not_exists(
        "items", sa.Column("tries", sa.Integer(), nullable=False, server_default="0")
    )
    op.get_bind().execute(sa.text("UPDATE items SET tries = 3 WHERE label = 'a'"))
    with pytest.raises(RefusedDrop, match="1 non-null value\\(s\\) other than its default"):
        op.drop_column_if_empty("items", "tries", default="0")
    op.get_bind().execute(sa.text("UPDATE items SET tries = 0"))
    op.drop_column_if_empty("items", "tries", default="0")
    assert "tries" not in columns(op)


def test_drop_column_force(db: Database) -> None:
    sa.Table(
        "t",
        md := sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("v", sa.Integer),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(md.tables["t"].insert(), [{"v": 1}])
        forced = Operations(MigrationContext.configure(conn, opts={"additive_force": True}))
        forced.drop_column_if_empty("t", "v")
    assert [c["name"] for c in sa.inspect(db.engine).get_columns("t")] == ["id"]


def test_drop_table_if_empty(op: Operations) -> None:
    with pytest.raises(RefusedDrop, match="refusing to drop table items: it holds 2 row"):
        op.drop_table_if_empty("items")
    op.get_bind().execute(sa.text("DELETE FROM items"))
    op.drop_table_if_empty("items")
    op.drop_table_if_empty("items")
    assert not sa.inspect(op.get_bind()).has_table("items")


def test_reverse_round_trip() -> None:
    col = sa.Column("tries", sa.Integer(), nullable=False, server_default="0")
    add = AddColumnIfNotExistsOp("items", col, schema="s")
    drop = add.reverse()
    assert isinstance(drop, DropColumnIfEmptyOp)
    assert (drop.table_name, drop.column_name, drop.schema, drop.default) == (
        "items",
        "tries",
        "s",
        "0",
    )
    again = drop.reverse()
    assert isinstance(again, AddColumnIfNotExistsOp) and again.column is col
    with pytest.raises(ValueError, match="without the table definition"):
        DropTableIfEmptyOp("t").reverse()


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", "ALTER TABLE items ADD COLUMN IF NOT EXISTS note TEXT"),
        ("sqlite", "ALTER TABLE items ADD COLUMN note TEXT"),
    ],
)
def test_offline_sql(dialect: str, expected: str) -> None:
    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, "output_buffer": buf}
    )
    Operations(ctx).add_column_if_not_exists("items", sa.Column("note", sa.Text()))
    assert expected in buf.getvalue()
    with pytest.raises(RefusedDrop, match=r"cannot check that items\.note is empty in --sql mode"):
        Operations(ctx).drop_column_if_empty("items", "note")
    forced = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, "output_buffer": buf, "additive_force": True}
    )
    Operations(forced).drop_column_if_empty("items", "note")
    assert "DROP COLUMN note" in buf.getvalue()


def test_ensure_empty_counts_each_table_once(op: Operations) -> None:
    op.add_column_if_not_exists("items", sa.Column("a", sa.Text(), nullable=True))
    op.add_column_if_not_exists("items", sa.Column("b", sa.Text(), nullable=True))
    statements: list[str] = []
    bind = op.get_bind()

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(bind, "before_cursor_execute", record)
    try:
        op.ensure_empty(
            columns=[(None, "items", "a"), (None, "items", "b"), (None, "items", "gone")]
        )
        op.get_bind().execute(sa.text("UPDATE items SET b = 'x' WHERE label = 'a'"))
        with pytest.raises(
            RefusedDrop,
            match=r"data appeared since the audit in: items\.b \(1 value\(s\)\); nothing was dropped",
        ):
            op.ensure_empty(columns=[(None, "items", "a"), (None, "items", "b")])
    finally:
        sa.event.remove(bind, "before_cursor_execute", record)
    assert len([s for s in statements if "count(" in s.lower()]) == 2  # one per call, per table
