"""``destructive-sql``: raw SQL that drops, truncates, deletes or nulls out data.

``op.execute``, ``conn.execute``, ``exec_driver_sql``, ``sa.text`` and ``DDL`` take SQL the
other rules cannot see into. :mod:`alembic_additive.lint.sql` reads it with a real parser, so
``COMMENT ... 'never drop this'`` and a column named ``dropped_at`` are not findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import Event, Rule, SqlCall
from ..sql import find_destructive

_CONSTRUCTS = {
    "DELETE": "a SQLAlchemy `delete()` deletes rows",
    "UPDATE SET NULL": "a SQLAlchemy `update()` overwrites values with NULL",
    "DropTable": "SQLAlchemy `DropTable` deletes the table and every row in it",
    "DropColumn": "SQLAlchemy `DropColumn` deletes the column and every value in it",
    "DropIndex": "SQLAlchemy `DropIndex` drops the index",
    "DropConstraint": "SQLAlchemy `DropConstraint` drops the constraint",
    "DropSchema": "SQLAlchemy `DropSchema` deletes the schema and everything in it",
}


def check(event: Event) -> Iterator[str]:
    if not isinstance(event, SqlCall):
        return
    if event.construct is not None:
        yield f"`{event.via}`: {_CONSTRUCTS[event.construct]}"
    seen: set[str] = set()
    for sql in event.candidates:
        for hit in find_destructive(sql, event.cache):
            if hit.what not in seen:
                seen.add(hit.what)
                yield f"`{event.via}`: {hit.what}"


RULE = Rule(
    id=Kind.DESTRUCTIVE_SQL.value,
    summary="Raw SQL that drops, truncates, deletes or overwrites data with NULL.",
    message=(
        "raw SQL bypasses the guards; use `op.drop_table_if_empty` / "
        "`op.drop_column_if_empty`, or leave the data and run `alembic-additive cleanup` later"
    ),
    check=check,
)
