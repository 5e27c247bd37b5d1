"""The audit report as plain data: the JSON format is this dictionary, documented in
``docs/audit.md``; the text and markdown formats are views of it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..findings import (
    Action,
    Decision,
    EnumValueRemoval,
    MissingColumn,
    MissingIndex,
    MissingTable,
    NotNullChange,
    OrphanColumn,
    OrphanConstraint,
    OrphanIndex,
    OrphanTable,
    OrphanView,
    TypeChange,
    Verdict,
)
from .collect import Comparison

SCHEMA_VERSION = 1


def type_name(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # a type the dialect cannot compile still has a name
        return type(type_).__name__.upper()


def _decision(d: Decision) -> dict[str, str]:
    return {"action": d.action.value, "reason": d.reason}


def _contradicted_type(item: dict[str, Any]) -> bool:
    """The model's type cannot hold what the column holds (or that is not known), so the
    policy kept the database's type: the models claim something the data contradicts."""
    if item["decision"]["action"] != Action.SUPPRESS.value:
        return False
    return bool(item["values_not_fitting"] != 0)


def _contradicted_not_null(item: dict[str, Any]) -> bool:
    """The model says NOT NULL, the column holds NULLs (or could not be shown not to)."""
    return bool(item["decision"]["action"] == Action.SUPPRESS.value and item["nulls"] != 0)


def build_report(comparison: Comparison, verdict: Verdict) -> dict[str, Any]:
    """Every finding with its counts and the policy's decision. Counts only, never values."""
    m = verdict.measurements
    dialect = comparison.dialect
    out: dict[str, list[dict[str, Any]]] = {
        "orphan_tables": [],
        "orphan_views": [],
        "missing_tables": [],
        "orphan_columns": [],
        "missing_columns": [],
        "type_mismatches": [],
        "nullability_mismatches": [],
        "orphan_indexes": [],
        "orphan_constraints": [],
        "missing_indexes": [],
        "enum_value_removals": [],
        "possible_renames": [],
    }
    for d in verdict.decisions:
        f = d.finding
        base = {"schema": f.table.schema, "table": f.table.name}
        counts = m.get(f.table)
        exactness = {"estimated": counts.estimated, "timed_out": counts.timed_out}
        if isinstance(f, OrphanView):
            out["orphan_views"].append(
                {
                    **base,
                    "materialized": f.materialized,
                    "rows": counts.rows if f.materialized else None,
                    **exactness,
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, EnumValueRemoval):
            out["enum_value_removals"].append(
                {
                    "schema": f.table.schema,
                    "table": f.table.name,
                    "removed": list(f.removed),
                    "columns": sorted(f"{t}.{c}" for t, c, _ in f.columns),
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, OrphanTable):
            out["orphan_tables"].append(
                {**base, "rows": counts.rows, **exactness, "decision": _decision(d)}
            )
        elif isinstance(f, MissingTable):
            out["missing_tables"].append({**base, "decision": _decision(d)})
        elif isinstance(f, OrphanColumn):
            out["orphan_columns"].append(
                {
                    **base,
                    "column": f.column.name,
                    "type": type_name(f.column.type, dialect),
                    "nullable": bool(f.column.nullable),
                    "non_null": counts.non_null.get(f.column.name),
                    "rows": counts.rows,
                    **exactness,
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, MissingColumn):
            out["missing_columns"].append(
                {
                    **base,
                    "column": f.column.name,
                    "type": type_name(f.column.type, dialect),
                    "nullable": bool(f.column.nullable),
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, TypeChange):
            out["type_mismatches"].append(
                {
                    **base,
                    "column": f.column,
                    "database_type": type_name(f.existing_type, dialect),
                    "model_type": type_name(f.new_type, dialect),
                    "classification": (
                        "widening" if f.widening else "measured" if f.measured else "lossy"
                    ),
                    "values_not_fitting": counts.misfits.get(f.column) if f.misfit else None,
                    **exactness,
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, NotNullChange):
            nn = counts.non_null.get(f.column)
            nulls = None if counts.rows is None or nn is None else counts.rows - nn
            out["nullability_mismatches"].append(
                {
                    **base,
                    "column": f.column,
                    "nulls": nulls,
                    "rows": counts.rows,
                    **exactness,
                    "decision": _decision(d),
                }
            )
        elif isinstance(f, OrphanIndex):
            out["orphan_indexes"].append(
                {**base, "name": f.name, "columns": list(f.columns), "decision": _decision(d)}
            )
        elif isinstance(f, OrphanConstraint):
            out["orphan_constraints"].append(
                {**base, "name": f.name, "type": f.constraint_type, "decision": _decision(d)}
            )
        elif isinstance(f, MissingIndex):
            out["missing_indexes"].append({**base, "name": f.name, "decision": _decision(d)})
    for g in verdict.renames:
        out["possible_renames"].append(
            {
                "schema": g.table.schema,
                "table": g.table.name,
                "from": g.old,
                "to": g.new,
                "non_null": g.non_null,
                "estimated": m.get(g.table).estimated,
                "timed_out": m.get(g.table).timed_out,
            }
        )
    for items in out.values():
        items.sort(
            key=lambda i: (
                i.get("schema") or "",
                i["table"],
                str(i.get("column") or i.get("name") or ""),
            )
        )

    with_data = [c for c in out["orphan_columns"] if c["non_null"] != 0]
    contradicted = [
        *(t for t in out["type_mismatches"] if _contradicted_type(t)),
        *(n for n in out["nullability_mismatches"] if _contradicted_not_null(n)),
    ]
    model_tables = comparison.pending.model_tables
    summary = {
        "database_tables": model_tables - len(out["missing_tables"]) + len(out["orphan_tables"]),
        "model_tables": model_tables,
        "orphan_tables": len(out["orphan_tables"]),
        "orphan_tables_with_rows": sum(1 for t in out["orphan_tables"] if t["rows"] != 0),
        "orphan_views": len(out["orphan_views"]),
        "enum_value_removals": len(out["enum_value_removals"]),
        "missing_tables": len(out["missing_tables"]),
        "orphan_columns": len(out["orphan_columns"]),
        "orphan_columns_with_data": len(with_data),
        "empty_orphan_columns": len(out["orphan_columns"]) - len(with_data),
        "missing_columns": len(out["missing_columns"]),
        "type_mismatches": len(out["type_mismatches"]),
        "lossy_type_mismatches": sum(
            1 for t in out["type_mismatches"] if t["classification"] == "lossy"
        ),
        "nullability_mismatches": len(out["nullability_mismatches"]),
        "orphan_indexes": len(out["orphan_indexes"]),
        "orphan_constraints": len(out["orphan_constraints"]),
        "possible_renames": len(out["possible_renames"]),
        "contradicted_claims": len(contradicted),
        "suppressed_operations": sum(1 for d in verdict.decisions if d.action is Action.SUPPRESS),
        "pending_operations": comparison.pending_operations,
        "probe": m.mode,
    }
    return {"version": SCHEMA_VERSION, "database": comparison.url, "summary": summary, **out}
