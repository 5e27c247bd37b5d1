"""``drop-index``: ``op.drop_index`` loses no rows, but queries slow down and a unique index
stops enforcing uniqueness - duplicates written afterwards are permanent.

``op.drop_index_if_exists`` (this package's downgrade of an added index) is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if isinstance(event, OpCall) and event.method == "drop_index":
        name = event.shown(0, "index_name")
        yield (
            f"`{event.call_text}` drops index `{name}`: queries that use it slow down and a "
            "unique index stops rejecting duplicates"
        )


RULE = Rule(
    id=Kind.DROP_INDEX.value,
    summary="Dropping an index slows queries and can end a uniqueness guarantee.",
    message=(
        "keep it until no query needs it; to undo an index this history added, use "
        "`op.drop_index_if_exists`"
    ),
    check=check,
)
