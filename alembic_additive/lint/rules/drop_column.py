"""``drop-column`` (error): ``op.drop_column`` deletes a column and every value in it.

Also breaks the release still running during a deploy, which keeps selecting the column.
``op.drop_column_if_exists`` / ``op.drop_column_safe`` (drops kept by configuration) are
reported too; ``op.drop_column_if_empty`` is not.
Not reported: a column the same upgrade added before dropping it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lifecycle import drop_key
from ..model import Event, Hit, OpCall, Rule

#: ``drop_column``, and this package's drops kept by configuration (``allow_drop``): they
#: delete the values as surely. ``drop_column_if_empty`` refuses while there are any.
METHODS = frozenset({"drop_column", "drop_column_if_exists", "drop_column_safe"})


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, OpCall) and event.method in METHODS:
        position = 0 if event.batch else 1
        yield Hit(
            f"`{event.call_text}` deletes column `{event.table}.{event.column}` "
            "and every value in it",
            table=event.table,
            name=event.column,
            drops=drop_key("column", event.name_of(position, "column_name"), event.table_name),
        )


RULE = Rule(
    id="drop-column",
    summary="Dropping a column deletes every value in it.",
    message=(
        "expand/contract: stop reading and writing it in one release, then remove it later "
        "with `op.drop_column_if_empty` (refuses while it holds data) or "
        "`alembic-additive cleanup`"
    ),
    check=check,
    methods=METHODS,
    severity="error",
)
