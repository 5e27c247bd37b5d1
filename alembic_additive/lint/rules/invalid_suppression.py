"""``invalid-suppression`` (warning): a ``# additive: allow`` comment that suppresses nothing.

A suppression must name known rules and give a reason (``-- why this is safe``): a silenced
data-loss warning without a reason is the one nobody can review later. The finding it meant
to silence is still reported with its own severity, so this one is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Event, Hit, Rule, SuppressionComment

ID = "invalid-suppression"


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, SuppressionComment) and event.problem is not None:
        yield Hit(f"`{event.text}` {event.problem}")


RULE = Rule(
    id=ID,
    summary="A suppression comment without a reason or with an unknown rule.",
    message=(
        "write `# additive: allow <rule> -- <why this is safe>` on the line of the call or "
        "on its own line just above it"
    ),
    check=check,
    comments=True,
    severity="warning",
)
