"""``set-not-null`` (warning): ``op.alter_column(..., nullable=False)`` fails on existing
NULLs.

It also breaks the release still running during a deploy if that code writes NULL, and the
usual quick fix - a backfill in the same revision - overwrites unknown values with a guess.
Nothing is lost by the statement itself (it fails instead), hence a warning. Not reported
when the call itself says the column already is NOT NULL (``existing_nullable=False``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import MISSING, Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    nullable = event.literal(None, "nullable")
    if nullable is MISSING or nullable is None or nullable is True:
        return
    existing = event.literal(None, "existing_nullable")
    if existing is False and nullable is False:
        return  # already NOT NULL: nothing changes
    yield Hit(
        f"`{event.call_text}` makes `{event.table}.{event.column}` NOT NULL, which fails on "
        "existing NULLs and on running code that still writes them",
        table=event.table,
        name=event.column,
    )


RULE = Rule(
    id="set-not-null",
    summary="Setting NOT NULL fails on existing NULLs and on code that writes them.",
    message=(
        "backfill the NULLs in one revision and tighten to NOT NULL in a later one, once "
        "the code never writes NULL"
    ),
    check=check,
    methods=frozenset({"alter_column"}),
    severity="warning",
)
