"""``drop-index`` (warning): ``op.drop_index`` loses no rows, but queries slow down and a
unique index stops enforcing uniqueness - duplicates written afterwards are permanent.

Not reported: ``op.drop_index_if_exists`` (this package's downgrade of an added index), an
index the same upgrade created before dropping it, and one it re-creates under the same name
after dropping it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lifecycle import drop_key
from ..model import Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, OpCall) and event.method == "drop_index":
        name = event.shown(0, "index_name")
        table = event.table if event.batch else event.shown(1, "table_name")
        yield Hit(
            f"`{event.call_text}` drops index `{name}`"
            + (f" on `{table}`" if table != "?" else "")
            + ": queries that use it slow down and a unique index stops rejecting duplicates",
            table=None if table == "?" else table,
            name=name,
            drops=drop_key("index", event.name_of(0, "index_name")),
        )


RULE = Rule(
    id="drop-index",
    summary="Dropping an index slows queries and can end a uniqueness guarantee.",
    message=(
        "keep it until no query needs it; to undo an index this history added, use "
        "`op.drop_index_if_exists`"
    ),
    check=check,
    methods=frozenset({"drop_index"}),
    severity="warning",
)
