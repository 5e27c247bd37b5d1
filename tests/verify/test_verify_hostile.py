"""verify with hostile identifiers: quoted by SQLAlchemy, counted right, named exactly."""

from __future__ import annotations

from pathlib import Path

from conftest import Database
from helpers import alembic
from verify_support import new_project, triples

TABLE = 'Order "Items"; --'
COLUMN = "größe select"


def test_hostile_names_are_counted_and_reported(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        f"""
        t = op.create_table(
            {TABLE!r},
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column({COLUMN!r}, sa.String(20), nullable=True),
        )
        op.bulk_insert(t, [{{"id": i, {COLUMN!r}: "v"}} for i in range(1, 5)])
        """,
    )
    project.revision(
        "r2",
        "r1",
        f"""
        t = sa.table({TABLE!r}, sa.column("id"), sa.column({COLUMN!r}))
        op.execute(t.update().where(t.c.id > 2).values({{{COLUMN!r}: None}}))
        op.execute(t.delete().where(t.c.id == 4))
        """,
    )
    alembic(project.folder, "upgrade", "r1")

    result = project.verify()

    assert triples(result) == [
        ("r2", "rows-lost", TABLE, None, 4, 3),
        ("r2", "values-lost", TABLE, COLUMN, 4, 2),
    ]


def test_hostile_names_are_fingerprinted_and_renamed(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        f"""
        t = op.create_table(
            {TABLE!r},
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column({COLUMN!r}, sa.String(20), nullable=True),
            sa.Column("Old Name; DROP", sa.String(20), nullable=True),
        )
        op.bulk_insert(
            t, [{{"id": i, {COLUMN!r}: "v", "Old Name; DROP": "k"}} for i in range(1, 5)]
        )
        """,
    )
    project.revision(
        "r2",
        "r1",
        f"""
        t = sa.table({TABLE!r}, sa.column("id"), sa.column({COLUMN!r}))
        op.execute(t.update().where(t.c.id == 1).values({{{COLUMN!r}: "w"}}))
        op.alter_column({TABLE!r}, "Old Name; DROP", new_column_name="New\\"Name",
                        existing_type=sa.String(20))
        """,
    )

    result = project.verify()

    assert [(v.kind.value, v.table, v.column, v.changed) for v in result.violations] == [
        ("values-changed", TABLE, COLUMN, 1)
    ]
    assert [(v.kind.value, v.column, v.renamed_to) for v in result.renamed] == [
        ("column-renamed", "Old Name; DROP", 'New"Name')
    ]
