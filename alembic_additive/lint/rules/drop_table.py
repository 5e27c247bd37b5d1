"""``drop-table`` (error): ``op.drop_table`` deletes a table and every row in it.

Autogenerate proposes it for any table the models no longer declare, which on a drifted
database includes tables other applications still write to. Not reported: a table the same
upgrade created before dropping it (a scratch table).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lifecycle import drop_key
from ..model import Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, OpCall) and event.method == "drop_table":
        yield Hit(
            f"`{event.call_text}` deletes table `{event.table}` and every row in it",
            table=event.table,
            name=event.table,
            drops=drop_key("table", event.table_name),
        )


RULE = Rule(
    id="drop-table",
    summary="Dropping a table deletes every row in it.",
    message=(
        "keep the table (models may ignore it) and remove it once it is empty with "
        "`op.drop_table_if_empty` or `alembic-additive cleanup`"
    ),
    check=check,
    methods=frozenset({"drop_table"}),
    severity="error",
)
