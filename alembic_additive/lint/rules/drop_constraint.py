"""``drop-constraint`` (warning): ``op.drop_constraint`` stops the database enforcing a rule.

No row is deleted, but rows that break the rule can be written from then on, and the
constraint cannot be put back without finding and fixing them first. Not reported: a
constraint the same upgrade created before dropping it, or re-creates under the same name
after dropping it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lifecycle import drop_key
from ..model import Event, Hit, OpCall, Rule

#: ``drop_constraint`` and the if-exists drop kept by configuration; the downgrade of an
#: added constraint (``drop_constraint_if_created``) is not a finding.
METHODS = frozenset({"drop_constraint", "drop_constraint_if_exists"})


def check(event: Event) -> Iterator[Hit]:
    if isinstance(event, OpCall) and event.method in METHODS:
        name = event.shown(0, "constraint_name")
        table = event.table if event.batch else event.shown(1, "table_name")
        yield Hit(
            f"`{event.call_text}` drops constraint `{name}` on `{table}`, so rows that break "
            "it can be written and it cannot be re-added without cleaning them",
            table=table,
            name=name,
            drops=drop_key("constraint", event.name_of(0, "constraint_name")),
        )


RULE = Rule(
    id="drop-constraint",
    summary="Dropping a constraint lets invalid rows in for good.",
    message=(
        "keep it, or replace it in two steps: add the new constraint, then drop the old one "
        "in a later release"
    ),
    check=check,
    methods=METHODS,
    severity="warning",
)
