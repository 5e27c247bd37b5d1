"""``drop-table``: ``op.drop_table`` deletes a table and every row in it.

Autogenerate proposes it for any table the models no longer declare, which on a drifted
database includes tables other applications still write to.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Kind
from ..model import Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if isinstance(event, OpCall) and event.method == "drop_table":
        yield f"`{event.call_text}` deletes table `{event.table}` and every row in it"


RULE = Rule(
    id=Kind.DROP_TABLE.value,
    summary="Dropping a table deletes every row in it.",
    message=(
        "keep the table (models may ignore it) and remove it once it is empty with "
        "`op.drop_table_if_empty` or `alembic-additive cleanup`"
    ),
    check=check,
)
