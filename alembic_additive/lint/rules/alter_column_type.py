"""``alter-column-type``: ``op.alter_column(..., type_=...)`` converts every existing value.

A narrower type truncates, rounds or fails on the values that do not fit. The rule stays
silent only when ``existing_type=`` is given and
:func:`alembic_additive.widening.classify` proves the change a widening
(``VARCHAR(50)`` -> ``VARCHAR(100)``, ``INTEGER`` -> ``BIGINT``); both types are built by the
engine's whitelist evaluator, never by ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ...findings import Kind
from ..model import Event, OpCall, Rule


def check(event: Event) -> Iterator[str]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    new = event.arg(None, "type_")
    if new is None:
        return
    target = f"`{event.table}.{event.column}`"
    shown = ast.unparse(new)
    existing = event.arg(None, "existing_type")
    if existing is None:
        yield (
            f"`{event.call_text}` changes the type of {target} to `{shown}` without "
            "`existing_type=`, so it cannot be proven a widening"
        )
        return
    old_type, new_type = event.evaluate_type(existing), event.evaluate_type(new)
    if old_type is None or new_type is None:
        yield (
            f"`{event.call_text}` changes the type of {target} from `{ast.unparse(existing)}` "
            f"to `{shown}`, which cannot be evaluated statically to prove a widening"
        )
        return
    from ...widening import classify

    widening, reason, _misfit = classify(_as_type(old_type), _as_type(new_type))
    if not widening:
        yield f"`{event.call_text}` changes the type of {target}: {reason}"


def _as_type(value: object) -> Any:
    """The evaluator returns TypeEngine instances typed as object; classify wants the type."""
    return value


RULE = Rule(
    id=Kind.ALTER_COLUMN_TYPE.value,
    summary="Changing a column's type can truncate, round or reject existing values.",
    message=(
        "add a column of the new type, backfill it, switch readers over and drop the old "
        "column later (expand/contract); pass `existing_type=` so widenings are recognised"
    ),
    check=check,
)
