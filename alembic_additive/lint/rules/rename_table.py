"""``rename-table``: ``op.rename_table`` breaks every reader and writer of the old name.

During a deploy the old release keeps using the old name: its reads fail and its writes are
lost until it is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if isinstance(event, OpCall) and event.method == "rename_table":
        old = event.shown(0, "old_table_name")
        new = event.shown(1, "new_table_name")
        yield (
            f"`{event.call_text}` renames `{old}` to `{new}`: code still using `{old}` fails "
            "and its writes are lost"
        )


RULE = Rule(
    id=Kind.RENAME_TABLE.value,
    summary="Renaming a table breaks code that still uses the old name.",
    message=(
        "expand/contract: create the new table, write to both and backfill, move readers, "
        "then drop the old one later with `op.drop_table_if_empty`"
    ),
    check=check,
)
