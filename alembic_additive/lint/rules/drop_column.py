"""``drop-column``: ``op.drop_column`` deletes a column and every value in it.

Also breaks the release still running during a deploy, which keeps selecting the column.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if isinstance(event, OpCall) and event.method == "drop_column":
        yield (
            f"`{event.call_text}` deletes column `{event.table}.{event.column}` "
            "and every value in it"
        )


RULE = Rule(
    id=Kind.DROP_COLUMN.value,
    summary="Dropping a column deletes every value in it.",
    message=(
        "expand/contract: stop reading and writing it in one release, then remove it later "
        "with `op.drop_column_if_empty` (refuses while it holds data) or "
        "`alembic-additive cleanup`"
    ),
    check=check,
)
