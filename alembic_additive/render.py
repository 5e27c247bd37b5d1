"""Render the verdict for people: the revision's comment block and paste-ready model code.

Code is rendered through Alembic's own renderer (``render_op_text``), so a suggested
``sa.Column(...)`` reads exactly like the columns in the revision; the declarative form is
derived from that text with :mod:`ast`, never by guessing at type names.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import re
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import ops

from .findings import (
    Action,
    Decision,
    EnumValueRemoval,
    MissingColumn,
    NotNullChange,
    OrphanColumn,
    OrphanConstraint,
    OrphanIndex,
    OrphanTable,
    OrphanView,
    TypeChange,
    Verdict,
    format_count,
)


def column_code(
    autogen_context: AutogenContext,
    table: str,
    column: sa.Column[Any],
    *,
    keep_imports: bool = False,
) -> str:
    """``sa.Column('name', sa.Type(), nullable=...)`` exactly as Alembic would render it.

    The imports the code needs (``from sqlalchemy.dialects import postgresql``) are added to
    ``autogen_context.imports`` only with ``keep_imports``: comments need none.
    """
    with _scratch_imports(autogen_context, keep_imports):
        text = render_op_text(autogen_context, ops.AddColumnOp(table, column._copy()))
    call = _call(text)
    column_text = ast.get_source_segment(text, call.args[1]) or ""
    return _for_models(column_text, autogen_context)


def mapped_column_code(
    autogen_context: AutogenContext,
    table: str,
    column: sa.Column[Any],
    source: str | None = None,
    *,
    keep_imports: bool = False,
) -> str:
    """``name: Mapped[T | None] = mapped_column(sa.Type(), ...)`` for declarative models.

    ``source`` is the column's :func:`column_code`, when the caller has it already.
    """
    source = source or column_code(autogen_context, table, column, keep_imports=keep_imports)
    call = _call(source)
    parts = [ast.get_source_segment(source, a) or "" for a in call.args[1:]]
    parts += [ast.get_source_segment(source, k) or "" for k in call.keywords]
    name = column.name
    if not name.isidentifier() or name.startswith("_"):
        attr = "_".join(name.split()) if "_".join(name.split()).isidentifier() else "column_"
        parts.insert(0, repr(name))
    else:
        attr = name
    py = python_type_name(column.type)
    annotation = f"{py} | None" if column.nullable else py
    return f"{attr}: Mapped[{annotation}] = mapped_column({', '.join(parts)})"


def table_code(
    autogen_context: AutogenContext, table: sa.Table, *, keep_imports: bool = False
) -> str:
    """``sa.Table('name', metadata, sa.Column(...), ...)`` for an orphan table."""
    with _scratch_imports(autogen_context, keep_imports):
        text = render_op_text(autogen_context, ops.CreateTableOp.from_table(table))
    call = _call(text)
    args = [ast.get_source_segment(text, a) or "" for a in call.args]
    kwargs = [ast.get_source_segment(text, k) or "" for k in call.keywords]
    indexes = [code for code in map(index_code, _sorted_indexes(table)) if code]
    inner = ",\n    ".join([args[0], "metadata", *args[1:], *indexes, *kwargs])
    return _for_models(f"sa.Table(\n    {inner},\n)", autogen_context)


def _sorted_indexes(table: sa.Table) -> list[sa.Index]:
    return sorted(table.indexes, key=lambda ix: str(ix.name or ""))


def index_code(index: sa.Index) -> str | None:
    """``sa.Index('name', 'a', 'b', unique=True)`` for a plain-column index; None for an
    expression index (Alembic renders those into revisions, not into models)."""
    names = [c.name for c in index.expressions if isinstance(c, sa.Column)]
    if len(names) != len(index.expressions) or index.name is None:
        return None
    unique = ", unique=True" if index.unique else ""
    return f"sa.Index({', '.join(repr(n) for n in [str(index.name), *names])}{unique})"


def table_index_codes(table: sa.Table) -> list[str]:
    """The indexes of ``table`` as model code (for declarative ``__table_args__``)."""
    return [code for code in map(index_code, _sorted_indexes(table)) if code]


def python_type_name(type_: sa.types.TypeEngine[Any]) -> str:
    try:
        py = type_.python_type
    except NotImplementedError:
        return "Any"
    if py.__module__ == "builtins":
        return py.__name__
    if py in (datetime.datetime, datetime.date, datetime.time, datetime.timedelta):
        return f"datetime.{py.__name__}"
    if py is decimal.Decimal:
        return "decimal.Decimal"
    return f"{py.__module__}.{py.__qualname__}"


def report_lines(verdict: Verdict, autogen_context: AutogenContext) -> list[str]:
    """The comment block for ``upgrade()``; empty when there is nothing to say."""
    m = verdict.measurements
    by_section: dict[str, list[str]] = {k: [] for k in _SECTIONS}
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""

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
        elif isinstance(f, OrphanTable):
            counts = m.get(f.table)
            rows_s = format_count(counts.rows, counts.estimated, counts.timed_out)
            if counts.rows == 0:
                by_section["tables"].append(f"{f.table}: 0 rows (empty)")
            else:
                by_section["tables"].append(f"{f.table}: {rows_s} row(s) — add to your models:")
                code = table_code(autogen_context, f.reflected)
                by_section["tables"].extend(f"    {line}" for line in code.splitlines())
        elif isinstance(f, OrphanView):
            by_section["views"].extend(_view_lines(f, m))
        if d.action is Action.SUPPRESS:
            by_section["suppressed"].append(f"{_describe_op(d, prefix)}: {d.reason}")
        elif d.action is Action.KEEP and d.reason.startswith(("allowed", "configured")):
            by_section["kept"].append(f"{_describe_op(d, prefix)}: {d.reason}")
        elif d.action is Action.RELAX_NOT_NULL:
            by_section["relaxed"].append(f"{_describe_op(d, prefix)}: {d.reason}")

    for guess in sorted(verdict.renames, key=lambda g: (g.table, g.old, g.new)):
        schema = f", schema={guess.table.schema!r}" if guess.table.schema else ""
        by_section["renames"].append(
            f"{guess.table}.{guess.old} -> {guess.new}: if this is a rename, replace the add with "
            f"{prefix}alter_column({guess.table.name!r}, {guess.old!r}, "
            f"new_column_name={guess.new!r}{schema})"
        )

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


class _scratch_imports:
    """Rendering code for comments must not add imports to the revision file."""

    def __init__(self, autogen_context: AutogenContext, keep: bool = False) -> None:
        self.ctx = autogen_context
        self.keep = keep
        self.saved: set[str] = set()

    def __enter__(self) -> None:
        self.saved = set(self.ctx.imports)

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            self.ctx.imports.clear()
            self.ctx.imports.update(self.saved)


def _for_models(code: str, autogen_context: AutogenContext) -> str:
    """Turn revision code into model code: ``op.f('name')`` is just ``'name'`` in a model,
    and ``autoincrement=False`` (reflection's default for non-key columns) is noise."""
    prefix = re.escape(autogen_context.opts.get("alembic_module_prefix") or "op.")
    code = re.sub(prefix + r"f\(('(?:[^'\\]|\\.)*')\)", r"\1", code)
    return code.replace(", autoincrement=False", "")


def _call(text: str) -> ast.Call:
    expr = ast.parse(text.strip(), mode="eval").body
    assert isinstance(expr, ast.Call)
    return expr
