"""The policy: for every kind of operation autogenerate can emit, what happens and why.

This is the one place that decides. It reads findings (what differs) and measurements (how
much data is involved) and returns decisions; it never touches Alembic's operation tree and
never talks to the database.

=====================  ===================================================================
kind                   default verdict
=====================  ===================================================================
drop-table             suppress; report the table with its row count
drop-column            suppress; report non-null and row counts, suggest model code
drop-index             suppress; report
drop-constraint        suppress; report
alter-column-type      keep when provably widening, or measured with no value that would
                       change (re-checked at upgrade); else suppress, report values not fitting
set-not-null           keep when the column measurably has no NULL; else suppress
add-column             if-not-exists; NOT NULL without default on a non-empty table → nullable
create-table           if-not-exists
create-index           if-not-exists
=====================  ===================================================================

``allow_drop`` and per-kind overrides (``safe`` / ``allow`` / ``suppress``) come from
:mod:`alembic_additive.options`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .checks import Check, CheckHolds, Empty, ForeignKey, NoNull, Unique
from .findings import (
    Action,
    Decision,
    EnumValueRemoval,
    Finding,
    Findings,
    KeptAddColumn,
    KeptChange,
    KeptCheck,
    KeptCreateTable,
    KeptForeignKey,
    KeptNotNull,
    KeptTypeChange,
    KeptUnique,
    Measurements,
    MissingColumn,
    MissingIndex,
    MissingTable,
    NotNullChange,
    OrphanColumn,
    OrphanConstraint,
    OrphanIndex,
    OrphanTable,
    OrphanView,
    RenameGuess,
    TableRef,
    TypeChange,
    Verdict,
    format_count,
    type_family,
)
from .options import Options, action_for_override
from .types.guard_check import type_fits


def decide(findings: Findings, measurements: Measurements, options: Options) -> Verdict:
    """Decide every finding; guess renames. Pure: same inputs, same verdict."""
    decisions = [_decide_one(f, measurements, options) for f in findings.items]
    return Verdict(decisions, _rename_guesses(findings, measurements), measurements)


def needs_counts(finding: Finding) -> bool:
    """Whether the verdict on ``finding`` depends on measured data.

    Only these are measured while autogenerate compares (and so under ``alembic check``);
    every other count only informs the revision's comments and is taken when the revision
    is written, which keeps ``alembic check`` free of table scans it does not need.
    """
    return (
        isinstance(finding, (NotNullChange, EnumValueRemoval))
        or (isinstance(finding, MissingColumn) and finding.needs_backfill)
        or (isinstance(finding, TypeChange) and finding.measured)
    )


def _decide_one(f: Finding, m: Measurements, options: Options) -> Decision:
    override = action_for_override(options.override(f.key.kind))
    if override is not None:
        return Decision(
            f, override, f"configured: {f.key.kind.value} = {options.override(f.key.kind)}"
        )
    if isinstance(f, (OrphanTable, OrphanColumn, OrphanView)):
        column = f.column.name if isinstance(f, OrphanColumn) else None
        if options.drop_allowed(f.table.schema, f.table.name, column):
            return Decision(f, Action.KEEP, "allowed by allow_drop")
    return _DEFAULTS[type(f)](f, m)


def _counts(m: Measurements, f: OrphanTable | OrphanColumn) -> tuple[str, str, bool]:
    counts = m.get(f.table)
    rows = format_count(counts.rows, counts.estimated, counts.timed_out)
    if isinstance(f, OrphanTable):
        return rows, rows, counts.rows != 0
    nn = counts.non_null.get(f.column.name)
    return format_count(nn, counts.estimated, counts.timed_out), rows, nn != 0


def _orphan_table(f: Any, m: Measurements) -> Decision:
    rows, _, has_data = _counts(m, f)
    if has_data:
        return Decision(f, Action.SUPPRESS, f"orphan table holds {rows} row(s)")
    return Decision(f, Action.SUPPRESS, "orphan table is empty (0 rows); clean up deliberately")


def _orphan_column(f: Any, m: Measurements) -> Decision:
    nn, rows, has_data = _counts(m, f)
    if has_data:
        return Decision(
            f, Action.SUPPRESS, f"orphan column holds {nn} non-null value(s) in {rows} rows"
        )
    return Decision(f, Action.SUPPRESS, f"orphan column is empty (0 values in {rows} rows)")


def _missing_table(f: Any, m: Measurements) -> Decision:
    return Decision(f, Action.IF_NOT_EXISTS, "model table missing from the database")


def _missing_column(f: Any, m: Measurements) -> Decision:
    assert isinstance(f, MissingColumn)
    if f.needs_backfill:
        counts = m.get(f.table)
        if counts.rows != 0 or counts.estimated:  # only a measured 0 proves the table empty
            rows = format_count(counts.rows, counts.estimated, counts.timed_out)
            return Decision(
                f,
                Action.RELAX_NOT_NULL,
                f"NOT NULL without a server default on a table with {rows} row(s): "
                "added as nullable; backfill, then tighten",
            )
    return Decision(f, Action.IF_NOT_EXISTS, "model column missing from the database")


def _missing_index(f: Any, m: Measurements) -> Decision:
    return Decision(f, Action.IF_NOT_EXISTS, "model index missing from the database")


def _orphan_index(f: Any, m: Measurements) -> Decision:
    return Decision(f, Action.SUPPRESS, "index not in the models; dropping it is left to you")


def _orphan_constraint(f: Any, m: Measurements) -> Decision:
    assert isinstance(f, OrphanConstraint)
    return Decision(
        f,
        Action.SUPPRESS,
        f"{f.constraint_type} constraint not in the models; dropping it is left to you",
    )


def _type_change(f: Any, m: Measurements) -> Decision:
    assert isinstance(f, TypeChange)
    if f.widening:
        return Decision(f, Action.KEEP, f.reason)
    counts = m.get(f.table)
    if f.measured and f.misfit is not None:
        # no rule proves it, but each value was tested: keep only on an exact 0
        misfits = counts.misfits.get(f.column)
        if misfits == 0 and not counts.estimated and not counts.timed_out:
            return Decision(
                f,
                Action.KEEP,
                f"{f.reason}: no value would change (measured; checked again at upgrade)",
            )
        shown = format_count(misfits, counts.estimated, counts.timed_out)
        return Decision(f, Action.SUPPRESS, f"{f.reason}: {shown} value(s) would change")
    detail = ""
    if f.misfit is not None:
        misfits = counts.misfits.get(f.column)
        detail = (
            f"; {format_count(misfits, counts.estimated, counts.timed_out)} value(s) would not fit"
        )
    return Decision(f, Action.SUPPRESS, f"lossy type change: {f.reason}{detail}")


def _not_null(f: Any, m: Measurements) -> Decision:
    assert isinstance(f, NotNullChange)
    counts = m.get(f.table)
    nn = counts.non_null.get(f.column)
    if counts.rows is not None and nn is not None and not counts.estimated and counts.rows == nn:
        return Decision(f, Action.KEEP, "no NULL values (measured)")
    if counts.rows is None or nn is None or counts.estimated:
        why = "timed out" if counts.timed_out else "not measured exactly"
        return Decision(f, Action.SUPPRESS, f"cannot prove the column has no NULL ({why})")
    return Decision(f, Action.SUPPRESS, f"{counts.rows - nn} NULL value(s) would violate NOT NULL")


def _orphan_view(f: Any, m: Measurements) -> Decision:
    assert isinstance(f, OrphanView)
    if not f.materialized:
        return Decision(f, Action.SUPPRESS, "orphan view; dropping it is left to you")
    counts = m.get(f.table)
    rows = format_count(counts.rows, counts.estimated, counts.timed_out)
    if counts.rows == 0 and not counts.estimated:
        return Decision(
            f, Action.SUPPRESS, "orphan materialized view is empty (0 rows); clean up deliberately"
        )
    return Decision(f, Action.SUPPRESS, f"orphan materialized view holds {rows} row(s)")


def _enum_values(f: Any, m: Measurements) -> Decision:
    """Removing enum labels is safe only when no row holds one (measured, per column)."""
    assert isinstance(f, EnumValueRemoval)
    parts: list[str] = []
    unknown = used = False
    for label in f.removed:
        per_column: list[tuple[str, int | None, str]] = []
        for table, column, _ in f.columns:
            counts = m.get(table)
            n = None if counts.estimated else counts.uses.get((column, label))
            shown = format_count(n, timed_out=counts.timed_out)
            per_column.append((f"{table}.{column}", n, shown))
        known = [n for _, n, _ in per_column if n is not None]
        unknown = unknown or len(known) < len(per_column)
        used = used or any(known)
        total = "unknown" if len(known) < len(per_column) else str(sum(known))
        detail = ", ".join(f"{where} {shown}" for where, n, shown in sorted(per_column) if n != 0)
        parts.append(f"{label!r} (used by {total} row(s){': ' + detail if detail else ''})")
    reason = f"removes {', '.join(parts)}"
    if not used and not unknown:
        return Decision(f, Action.KEEP, f"{reason}: no row holds a removed value (measured)")
    return Decision(f, Action.SUPPRESS, reason)


def guards(changes: Sequence[KeptChange]) -> list[Check]:
    """The upgrade-time checks the final upgrade needs (``op.preflight``), in order.

    Every kept operation whose success depends on the data is re-proved where the upgrade
    runs: SET NOT NULL (no NULL), a NOT NULL column added without a server default (the
    table is empty), a unique key or primary key (no duplicate, no NULL in a key), a foreign
    key (no orphan row), a CHECK (no row for which it is FALSE). However the operation came
    to be kept (measured, or configured ``allow``), it is guarded: the guard protects the
    upgrade, not a decision. A table the revision creates is empty and needs nothing.

    A key column the same revision adds is predictable from its definition (see
    :mod:`alembic_additive.checks`): NULL-filled, it breaks nothing; with a constant server
    default, every row has the same value, so a unique key on it needs at most one row.
    """
    created = {c.table for c in changes if isinstance(c, KeptCreateTable)}
    added: dict[TableRef, dict[str, KeptAddColumn]] = {}
    for c in changes:
        if isinstance(c, KeptAddColumn):
            added.setdefault(c.table, {})[c.column] = c
    out: list[Check] = []
    for c in changes:
        if isinstance(c, KeptCreateTable) or c.table in created:
            continue
        new = added.get(c.table, {})
        t, s = c.table.name, c.table.schema
        if isinstance(c, KeptNotNull):
            out.append(NoNull(table=t, schema=s, column=c.column, added=_fresh(new, [c.column])))
        elif isinstance(c, KeptAddColumn):
            if not c.nullable and c.default is None and not c.generated:
                out.append(Empty(table=t, schema=s, column=c.column))
        elif isinstance(c, KeptUnique):
            fresh = _fresh(new, c.columns)
            out.append(Unique(table=t, schema=s, columns=c.columns, name=c.name, added=fresh))
            if fresh and set(fresh) == set(c.columns) and all(new[x].constant for x in fresh):
                out.append(Empty(table=t, schema=s, column=fresh[0], max_rows=1))
        elif isinstance(c, KeptForeignKey):
            out.append(
                ForeignKey(
                    table=t,
                    schema=s,
                    columns=c.columns,
                    referent=c.referent.name,
                    referent_schema=c.referent.schema,
                    referent_columns=c.referent_columns,
                    name=c.name,
                    added=_fresh(new, c.columns),
                    referent_created=c.referent in created,
                )
            )
        elif isinstance(c, KeptCheck):
            out.append(
                CheckHolds(table=t, schema=s, condition=c.condition, name=c.name, added=tuple(new))
            )
        elif isinstance(c, KeptTypeChange):
            fits = type_fits(c)  # None when a rule proves every value survives
            if fits is not None:
                out.append(fits)
    return list(dict.fromkeys(out))  # one check per condition, first place kept


def _fresh(new: dict[str, KeptAddColumn], columns: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if c in new)


_DEFAULTS: dict[type[Any], Callable[[Any, Measurements], Decision]] = {
    OrphanTable: _orphan_table,
    OrphanView: _orphan_view,
    EnumValueRemoval: _enum_values,
    OrphanColumn: _orphan_column,
    MissingTable: _missing_table,
    MissingColumn: _missing_column,
    MissingIndex: _missing_index,
    OrphanIndex: _orphan_index,
    OrphanConstraint: _orphan_constraint,
    TypeChange: _type_change,
    NotNullChange: _not_null,
}


def _rename_guesses(findings: Findings, m: Measurements) -> list[RenameGuess]:
    """An orphan column with data beside a model-only column of the same family."""
    guesses: list[RenameGuess] = []
    missing = list(findings.of(MissingColumn))
    for orphan in findings.of(OrphanColumn):
        nn = m.non_null(orphan.table, orphan.column.name)
        if nn == 0:
            continue
        for new in missing:
            if new.table == orphan.table and type_family(new.column.type) == type_family(
                orphan.column.type
            ):
                guesses.append(RenameGuess(orphan.table, orphan.column.name, new.column.name, nn))
    return guesses
