"""``rename-column`` (warning): ``op.alter_column(..., new_column_name=...)`` breaks the old
name.

The release still running during a deploy selects and inserts the old column name: its
reads fail and its writes are lost. The values themselves are kept, hence a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    if event.arg(None, "new_column_name") is None:
        return
    new = event.shown(None, "new_column_name")
    yield Hit(
        f"`{event.call_text}` renames `{event.table}.{event.column}` to `{new}`: code still "
        "using the old name fails and its writes are lost",
        table=event.table,
        name=event.column,
    )


RULE = Rule(
    id="rename-column",
    summary="Renaming a column breaks code that still uses the old name.",
    message=(
        "expand/contract: add the new column, write both and backfill, move readers, then "
        "drop the old one later with `op.drop_column_if_empty`"
    ),
    check=check,
    methods=frozenset({"alter_column"}),
    severity="warning",
)
