"""Render the verdict for people: the revision's comment block.

The model code in it (columns, tables, classes) comes from :mod:`alembic_additive.model_code`
and must paste and run; the rename hints must be complete enough to follow as written
(upgrade *and* downgrade, with what MySQL needs to rename a column).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

from .findings import (
    Action,
    Decision,
    EnumValueRemoval,
    MissingColumn,
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
from .model_code import (
    alter_code,
    class_code,
    code_imports,
    column_code,
    declarative_base_name,
    index_code,
    mapped_column_code,
    portable_type,
    python_type_name,
    table_code,
    table_index_codes,
)

__all__ = [
    "SECTION_TITLES",
    "column_code",
    "index_code",
    "mapped_column_code",
    "python_type_name",
    "report_lines",
    "table_code",
    "table_index_codes",
]


def report_lines(verdict: Verdict, autogen_context: AutogenContext) -> list[str]:
    """The comment block for ``upgrade()``; empty when there is nothing to say."""
    m = verdict.measurements
    by_section: dict[str, list[str]] = {k: [] for k in _SECTIONS}
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    base = declarative_base_name(autogen_context.metadata)
    code_given: list[str] = []

    for d in sorted(verdict.decisions, key=_order):
        f = d.finding
        if isinstance(f, OrphanColumn):
            counts = m.get(f.table)
            nn = counts.non_null.get(f.column.name)
            nn_s = format_count(nn, counts.estimated, counts.timed_out)
            rows_s = format_count(counts.rows, counts.estimated, counts.timed_out)
            where = f"{f.table}.{f.column.name}"
            if nn == 0:
                by_section["empty"].append(f"{where}: 0 non-null value(s) in {rows_s} rows")
            else:
                code = column_code(autogen_context, f.table.name, f.column)
                counted = f"{where}: {nn_s} non-null value(s) in {rows_s} rows"
                by_section["columns"].append(f"{counted} — add to your model: {code}")
                declarative = mapped_column_code(autogen_context, f.table.name, f.column, code)
                by_section["columns"].append(f"    or, declarative: {declarative}")
                code_given.append(code)
        elif isinstance(f, OrphanTable):
            counts = m.get(f.table)
            rows_s = format_count(counts.rows, counts.estimated, counts.timed_out)
            if counts.rows == 0:
                by_section["tables"].append(f"{f.table}: 0 rows (empty)")
            else:
                by_section["tables"].append(f"{f.table}: {rows_s} row(s) — add to your models:")
                if base is not None:
                    code = class_code(autogen_context, f.reflected, base)
                else:
                    code = table_code(autogen_context, f.reflected)  # schema= included
                by_section["tables"].extend(f"    {line}".rstrip() for line in code.splitlines())
                code_given.append(code)
        elif isinstance(f, OrphanView):
            by_section["views"].extend(_view_lines(f, m))
        if d.action is Action.SUPPRESS:
            by_section["suppressed"].append(f"{_describe_op(d, prefix)}: {d.reason}")
        elif d.action is Action.KEEP and d.reason.startswith(("allowed", "configured")):
            by_section["kept"].append(f"{_describe_op(d, prefix)}: {d.reason}")
        elif d.action is Action.RELAX_NOT_NULL:
            by_section["relaxed"].append(f"{_describe_op(d, prefix)}: {d.reason}")

    for guess in sorted(verdict.renames, key=lambda g: (g.table, g.old, g.new)):
        by_section["renames"].extend(_column_rename(autogen_context, verdict, guess))
    for old, new in table_renames(verdict, autogen_context):
        by_section["renames"].extend(_table_rename(verdict, old, new, prefix))
    needs = sorted({line for code in code_given for line in code_imports(code)})
    if needs:
        by_section["imports"].extend(needs)

    if not any(by_section.values()):
        return []
    with_data = sum(1 for line in by_section["columns"] if not line.startswith(" "))
    header = (
        f"### alembic-additive: {with_data} orphan column(s) with data, "
        f"{len(by_section['empty'])} empty orphan column(s), "
        f"{sum(isinstance(d.finding, OrphanTable) for d in verdict.decisions)} orphan table(s), "
        f"{len(by_section['suppressed'])} suppressed operation(s) (probe: {m.mode}) ###"
    )
    views = sum(isinstance(d.finding, OrphanView) for d in verdict.decisions)
    if views:  # only then: the header of every other revision stays as it was
        header = header.replace(" orphan table(s), ", f" orphan table(s), {views} orphan view(s), ")
    lines = [header]
    for key, title in _SECTIONS.items():
        if by_section[key]:
            lines.append(title)
            lines.extend(by_section[key])
    lines.append("### end alembic-additive ###")
    return lines


_SECTIONS = {
    "columns": "Orphan columns holding data (in the database, not in your models):",
    "empty": "Empty orphan columns (kept; drop them deliberately, e.g. alembic-additive cleanup):",
    "tables": "Orphan tables (in the database, not in your models):",
    "views": "Orphan views (in the database, not in your models):",
    "imports": "The model code above needs:",
    "renames": "Possible renames (never applied automatically):",
    "relaxed": "Added as nullable:",
    "kept": "Destructive operations kept by configuration:",
    "suppressed": "Suppressed operations:",
}


SECTION_TITLES = tuple(_SECTIONS.values())


def _order(d: Decision) -> tuple[str, str, str, str]:
    """Stable output: Alembic finds orphan columns through a set, in no particular order."""
    key = d.key
    return (key.table.schema or "", key.table.name, key.kind.value, key.name or "")


def _describe_op(d: Decision, prefix: str) -> str:
    f = d.finding
    if isinstance(f, OrphanTable):
        return f"drop_table {f.table}"
    if isinstance(f, OrphanColumn):
        return f"drop_column {f.table}.{f.column.name}"
    if isinstance(f, OrphanIndex):
        return f"drop_index {f.name} on {f.table}"
    if isinstance(f, OrphanConstraint):
        return f"drop_constraint {f.name} ({f.constraint_type}) on {f.table}"
    if isinstance(f, TypeChange):
        return f"alter_column {f.table}.{f.column} type"
    if isinstance(f, NotNullChange):
        return f"alter_column {f.table}.{f.column} nullable=False"
    if isinstance(f, MissingColumn):
        return f"add_column {f.table}.{f.column.name}"
    if isinstance(f, OrphanView):
        return f"drop_entity {f.table} ({'materialized view' if f.materialized else 'view'})"
    if isinstance(f, EnumValueRemoval):
        return f"sync_enum_values {f.table}"
    return f"{f.key.kind.value} {f.table}"


def _view_lines(f: OrphanView, m: Any) -> list[str]:
    """``name: view`` or ``name: materialized view, N row(s)``, and the entity to register."""
    if f.materialized:
        counts = m.get(f.table)
        head = (
            f"{f.table}: materialized view, "
            f"{format_count(counts.rows, counts.estimated, counts.timed_out)} row(s)"
        )
    else:
        head = f"{f.table}: view"
    if not f.code:
        return [head]
    return [f"{head} — register it with alembic_utils (register_entities):", f"    {f.code}"]


# --- renames ---------------------------------------------------------------------------------


def _column_rename(
    autogen_context: AutogenContext, verdict: Verdict, guess: RenameGuess
) -> list[str]:
    """Both halves of a column rename, with what MySQL needs to rename (type, NULL, default).

    Followed as written, the upgrade renames instead of adding an empty column, and the
    downgrade renames back instead of refusing (or, forced, dropping the values).
    """
    orphan = next(
        (
            d.finding.column
            for d in verdict.decisions
            if isinstance(d.finding, OrphanColumn)
            and d.finding.table == guess.table
            and d.finding.column.name == guess.old
        ),
        None,
    )
    schema = guess.table.schema
    existing: dict[str, Any] = {}
    if orphan is not None:
        existing = {
            "existing_type": portable_type(orphan.type, autogen_context.dialect),
            "existing_nullable": orphan.nullable,
            "existing_server_default": orphan.server_default,
        }
    forward = ops.AlterColumnOp(
        guess.table.name, guess.old, schema=schema, modify_name=guess.new, **existing
    )
    backward = ops.AlterColumnOp(
        guess.table.name, guess.new, schema=schema, modify_name=guess.old, **existing
    )
    values = format_count(guess.non_null)
    return [
        f"{guess.table}.{guess.old} -> {guess.new}: if this is a rename ({values} value(s) to "
        f"keep), in upgrade() replace the line adding {guess.new!r} with:",
        f"    {alter_code(autogen_context, forward)}",
        f"  and in downgrade() replace the line dropping {guess.new!r} with:",
        f"    {alter_code(autogen_context, backward)}",
    ]


def _shape(table: sa.Table) -> Counter[str]:
    return Counter(type_family(c.type) for c in table.columns)


def table_renames(
    verdict: Verdict, autogen_context: AutogenContext
) -> list[tuple[OrphanTable, TableRef]]:
    """An orphan table with rows beside a missing model table of the same column shape
    (as many columns, of the same families): maybe a rename."""
    m = verdict.measurements
    tables = autogen_context.sorted_tables if autogen_context.metadata is not None else []
    model = {TableRef(t.schema, t.name): t for t in tables}
    missing = [d.finding.table for d in verdict.decisions if isinstance(d.finding, MissingTable)]
    out = []
    for d in sorted(verdict.decisions, key=_order):
        f = d.finding
        if not isinstance(f, OrphanTable) or m.rows(f.table) == 0:
            continue
        for ref in missing:
            new = model.get(ref)
            same_schema = new is not None and ref.schema == f.table.schema
            if same_schema and new is not None and _shape(new) == _shape(f.reflected):
                out.append((f, ref))
    return out


def _table_rename(verdict: Verdict, old: OrphanTable, new: TableRef, prefix: str) -> list[str]:
    counts = verdict.measurements.get(old.table)
    rows = format_count(counts.rows, counts.estimated, counts.timed_out)
    schema = f", schema={new.schema!r}" if new.schema else ""
    return [
        f"{old.table} -> {new.name}: if this is a rename ({rows} row(s) to keep), in upgrade() "
        f"replace the create_table of {new.name!r} with:",
        f"    {prefix}rename_table({old.table.name!r}, {new.name!r}{schema})",
        f"  and in downgrade() replace the line dropping table {new.name!r} with:",
        f"    {prefix}rename_table({new.name!r}, {old.table.name!r}{schema})",
    ]
