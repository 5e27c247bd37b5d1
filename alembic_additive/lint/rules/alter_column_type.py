"""``alter-column-type`` (error): ``op.alter_column(..., type_=...)`` converts every value.

A narrower type truncates, rounds or fails on the values that do not fit. The rule stays
silent when :func:`alembic_additive.widening.classify` proves the change a widening
(``VARCHAR(50)`` -> ``VARCHAR(100)``, ``INTEGER`` -> ``BIGINT``). The previous type is
``existing_type=`` when given, else the type the history gives the column: the nearest
earlier revision of the same versions folder (following ``down_revision``) that creates the
table, adds the column or changes its type. Types are built by the whitelist evaluator of
:mod:`..typeeval`, never by ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ..model import Event, Hit, OpCall, Rule


def check(event: Event) -> Iterator[Hit]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    new = event.arg(None, "type_")
    if new is None:
        return
    table, column = event.table, event.column
    target = f"`{table}.{column}`"
    shown = ast.unparse(new)
    existing = event.arg(None, "existing_type")
    old_type: object | None = None
    source = ""
    if existing is not None:
        old_type = event.evaluate_type(existing)
        if old_type is None:
            yield Hit(
                f"`{event.call_text}` changes the type of {target} from "
                f"`{ast.unparse(existing)}` to `{shown}`, which cannot be evaluated "
                "statically to prove a widening",
                table=table,
                name=column,
            )
            return
    else:
        known_table = event.table_name
        known_column = event.name_of(0 if event.batch else 1, "column_name")
        if known_table is not None and known_column is not None:
            old_type = event.previous_type(known_table, known_column)
        if old_type is None:
            yield Hit(
                f"`{event.call_text}` changes the type of {target} to `{shown}` without "
                "`existing_type=`, and no earlier revision in this folder gives the column's "
                "type, so it cannot be proven a widening; pass `existing_type=`",
                table=table,
                name=column,
            )
            return
        source = f" (the previous type `{old_type!r}` is from an earlier revision)"
    new_type = event.evaluate_type(new)
    if new_type is None:
        yield Hit(
            f"`{event.call_text}` changes the type of {target} to `{shown}`, which cannot be "
            "evaluated statically to prove a widening",
            table=table,
            name=column,
        )
        return
    from ...widening import classify

    widening, reason, _misfit = classify(_as_type(old_type), _as_type(new_type))
    if not widening:
        yield Hit(
            f"`{event.call_text}` changes the type of {target}: {reason}{source}",
            table=table,
            name=column,
        )


def _as_type(value: object) -> Any:
    """The evaluator returns TypeEngine instances typed as object; classify wants the type."""
    return value


RULE = Rule(
    id="alter-column-type",
    summary="Changing a column's type can truncate, round or reject existing values.",
    message=(
        "add a column of the new type, backfill it, switch readers over and drop the old "
        "column later (expand/contract)"
    ),
    check=check,
    severity="error",
)
