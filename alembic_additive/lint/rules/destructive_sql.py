"""``destructive-sql`` (error; warning for a dropped index or constraint): raw SQL that
drops, truncates, deletes or nulls out data.

``op.execute``, ``conn.execute``, ``exec_driver_sql``, ``sa.text`` and ``DDL`` take SQL the
other rules cannot see into. :mod:`alembic_additive.lint.sql` reads it with a real parser, so
``COMMENT ... 'never drop this'`` and a column named ``dropped_at`` are not findings. Each
destructive statement is one finding, named in full. Rows deleted through the ORM
(``session.query(Model).delete()``) count too. Not reported: a drop of an object created
earlier in the same upgrade (a temporary table created in the same SQL string, say), and an
index or constraint re-created under the same name later in the same upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lifecycle import drop_key
from ..model import Event, Hit, Rule, SqlCall
from ..sql import find_destructive

_CONSTRUCTS = {
    "DELETE": "a SQLAlchemy `delete()` deletes rows",
    "ORM DELETE": "deletes the rows the query matches through the ORM",
    "UPDATE SET NULL": "a SQLAlchemy `update()` overwrites values with NULL",
    "DropTable": "SQLAlchemy `DropTable` deletes the table and every row in it",
    "DropColumn": "SQLAlchemy `DropColumn` deletes the column and every value in it",
    "DropIndex": "SQLAlchemy `DropIndex` drops the index",
    "DropConstraint": "SQLAlchemy `DropConstraint` drops the constraint",
    "DropSchema": "SQLAlchemy `DropSchema` deletes the schema and everything in it",
}
_WARNINGS = frozenset({"DropIndex", "DropConstraint"})


def check(event: Event) -> Iterator[Hit]:
    if not isinstance(event, SqlCall):
        return
    if event.construct is not None:
        of = f" of `{event.table}`" if event.table else ""
        yield Hit(
            f"`{event.via}`{of}: {_CONSTRUCTS[event.construct]}",
            table=event.table,
            severity="warning" if event.construct in _WARNINGS else None,
        )
    seen: set[tuple[str, str | None, str | None, str]] = set()
    for sql in event.candidates:
        for hit in find_destructive(sql, event.cache):
            key = (hit.kind, hit.table, hit.name, hit.what)
            if key in seen:
                continue
            seen.add(key)
            yield Hit(
                f"`{event.via}`: {hit.what}",
                table=hit.table,
                name=hit.name,
                drops=drop_key(hit.kind, hit.name, hit.table),
                offset=hit.offset,
                severity=hit.severity,
            )


RULE = Rule(
    id="destructive-sql",
    summary="Raw SQL that drops, truncates, deletes or overwrites data with NULL.",
    message=(
        "raw SQL bypasses the guards; use `op.drop_table_if_empty` / "
        "`op.drop_column_if_empty`, or leave the data and run `alembic-additive cleanup` later"
    ),
    check=check,
    sql=True,
    severity="error",
)
