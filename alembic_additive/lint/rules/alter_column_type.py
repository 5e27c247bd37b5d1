"""``alter-column-type`` (error): ``op.alter_column(..., type_=...)`` converts every value.

A narrower type truncates, rounds or fails on the values that do not fit. The rule stays
silent when the change is a widening: obvious ones (a longer string of the same kind, a
larger integer) are decided from the source (:func:`..typeeval.obvious_widening`), the rest
by :func:`alembic_additive.widening.classify`, which needs SQLAlchemy. The previous type is
``existing_type=`` when given, else the type the history gives the column: the nearest
earlier revision of the same versions folder (following ``down_revision``) that creates the
table, adds the column or changes its type. Types are built by the whitelist evaluator of
:mod:`..typeeval`, never by ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ..model import Event, Hit, OpCall, Rule, TypeSource
from ..typeeval import evaluate_type, obvious_widening, static_type


def check(event: Event) -> Iterator[Hit]:
    if not isinstance(event, OpCall) or event.method != "alter_column":
        return
    new = event.arg(None, "type_")
    if new is None:
        return
    existing = event.arg(None, "existing_type")
    previous: TypeSource | None = None
    if existing is not None:
        previous = (existing, event.names)
    else:
        known_table = event.table_name
        known_column = event.name_of(0 if event.batch else 1, "column_name")
        if known_table is not None and known_column is not None:
            previous = event.previous_type(known_table, known_column)
        if previous is None:
            table, column = event.table, event.column
            yield Hit(
                f"`{event.call_text}` changes the type of `{table}.{column}` to "
                f"`{ast.unparse(new)}` without "
                "`existing_type=`, and no earlier revision in this folder gives the column's "
                "type, so it cannot be proven a widening; pass `existing_type=`",
                table=table,
                name=column,
            )
            return
    old_static = static_type(previous[0], previous[1])
    new_static = static_type(new, event.names)
    if old_static and new_static and obvious_widening(old_static, new_static):
        return  # decided without importing SQLAlchemy
    table, column = event.table, event.column
    target, shown = f"`{table}.{column}`", ast.unparse(new)
    source = ""
    if existing is None:
        source = f" (the previous type `{ast.unparse(previous[0])}` is from an earlier revision)"
    old_type = evaluate_type(previous[0], previous[1])
    new_type = evaluate_type(new, event.names)
    if old_type is None or new_type is None:
        was = f"from `{ast.unparse(previous[0])}` " if old_type is None else ""
        yield Hit(
            f"`{event.call_text}` changes the type of {target} {was}to `{shown}`, which "
            f"cannot be evaluated statically to prove a widening{source}",
            table=table,
            name=column,
        )
        return
    widening, reason = widens(old_type, new_type)
    if not widening:
        yield Hit(
            f"`{event.call_text}` changes the type of {target}: {reason}{source}",
            table=table,
            name=column,
        )


def widens(old: object, new: object) -> tuple[bool, str]:
    """Whether the change loses no stored value: :func:`alembic_additive.widening.classify`,
    remembered per pair of types (histories repeat the same few changes, ``String(255)`` ->
    ``Text``, hundreds of times).

    Single -> double precision keeps every stored number exactly, so lint, which flags data
    loss, does not report it; the plugin, which promises values read back unchanged, measures
    the values that read back with more digits (0.1 as 0.10000000149011612) before keeping it.
    """
    key = (type(old), repr(old), type(new), repr(new))
    answer = _CLASSIFIED.get(key)
    if answer is None:
        from ...widening import classify

        widening, reason, misfit = classify(_as_type(old), _as_type(new))
        if not widening and misfit is not None and misfit.what == "float_text":
            widening = True
        answer = _CLASSIFIED[key] = (widening, reason)
    return answer


_CLASSIFIED: dict[tuple[object, ...], tuple[bool, str]] = {}


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
    methods=frozenset({"alter_column"}),
    severity="error",
)
