"""``rename-table`` (warning): ``op.rename_table`` breaks every reader and writer of the old
name.

During a deploy the old release keeps using the old name: its reads fail and its writes are
lost until it is replaced. The rows themselves are kept, hence a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, OpCall) and event.method == "rename_table":
        old = event.shown(0, "old_table_name")
        new = event.shown(1, "new_table_name")
        yield Hit(
            f"`{event.call_text}` renames `{old}` to `{new}`: code still using `{old}` fails "
            "and its writes are lost",
            table=old,
            name=old,
        )


RULE = Rule(
    id="rename-table",
    summary="Renaming a table breaks code that still uses the old name.",
    message=(
        "expand/contract: create the new table, write to both and backfill, move readers, "
        "then drop the old one later with `op.drop_table_if_empty`"
    ),
    check=check,
    methods=frozenset({"rename_table"}),
    severity="warning",
)
