"""``set-not-null``: ``op.alter_column(..., nullable=False)`` fails on existing NULLs.

It also breaks the release still running during a deploy if that code writes NULL, and the
usual quick fix - a backfill in the same revision - overwrites unknown values with a guess.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import MISSING, Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    nullable = event.literal(None, "nullable")
    if nullable is MISSING or nullable is None or nullable is True:
        return
    yield (
        f"`{event.call_text}` makes `{event.table}.{event.column}` NOT NULL, which fails on "
        "existing NULLs and on running code that still writes them"
    )


RULE = Rule(
    id=Kind.SET_NOT_NULL.value,
    summary="Setting NOT NULL fails on existing NULLs and on code that writes them.",
    message=(
        "backfill the NULLs in one revision and tighten to NOT NULL in a later one, once "
        "the code never writes NULL"
    ),
    check=check,
)
