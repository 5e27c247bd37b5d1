"""Text (a terminal), markdown (the seed's shape; a CI step summary) and JSON."""

from __future__ import annotations

import json
from typing import Any

from ..operations._support import printable


def _n(value: Any, item: dict[str, Any] | None = None) -> str:
    if item is not None and item.get("timed_out"):
        return "unknown (timed out)"
    if value is None:
        return "unknown"
    if item is not None and item.get("estimated"):
        return f"~{value}"
    return str(value)


def _where(item: dict[str, Any]) -> str:
    table = f"{item['schema']}.{item['table']}" if item.get("schema") else item["table"]
    column = item.get("column")
    return printable(f"{table}.{column}" if column else table)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"


_SUMMARY_LABELS = [
    ("database_tables", "tables in the database"),
    ("model_tables", "tables in the models"),
    ("orphan_tables", "tables only in the database"),
    ("orphan_views", "views only in the database"),
    ("missing_tables", "tables only in the models"),
    ("orphan_columns", "orphan columns"),
    ("orphan_columns_with_data", "orphan columns holding data"),
    ("empty_orphan_columns", "empty orphan columns"),
    ("missing_columns", "columns missing from the database"),
    ("type_mismatches", "type mismatches"),
    ("lossy_type_mismatches", "lossy type mismatches"),
    ("nullability_mismatches", "nullability mismatches"),
    ("orphan_indexes", "orphan indexes"),
    ("orphan_constraints", "orphan constraints"),
    ("enum_value_removals", "enum label removals"),
    ("possible_renames", "possible renames"),
    ("contradicted_claims", "model claims the data contradicts"),
    ("suppressed_operations", "operations the policy suppresses"),
    ("pending_operations", "operations the policy would write"),
]


#: Counts of what only other extensions produce (alembic_utils views, alembic-postgresql-enum
#: labels): shown when there is something to count, so most projects never see them.
_SHOWN_WHEN_NONZERO = frozenset({"orphan_views", "enum_value_removals"})


def _summary_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (key, label)
        for key, label in _SUMMARY_LABELS
        if key not in _SHOWN_WHEN_NONZERO or summary.get(key)
    ]


def _table(rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


def to_text(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [f"Drift audit of {report['database']} (probe: {s['probe']})", ""]
    width = max(len(label) for _, label in _SUMMARY_LABELS)
    lines += [f"  {label.ljust(width)}  {s[key]}" for key, label in _summary_rows(s)]

    def section(title: str, rows: list[list[str]]) -> None:
        if rows:
            lines.extend(["", title, *_table(rows)])

    section(
        "Orphan tables (database only):",
        [
            [_where(t), f"{_n(t['rows'], t)} rows", t["decision"]["action"]]
            for t in report["orphan_tables"]
        ],
    )
    section(
        "Orphan views (database only):",
        [
            [
                _where(v),
                "materialized view" if v["materialized"] else "view",
                f"{_n(v['rows'], v)} rows" if v["materialized"] else "",
                v["decision"]["action"],
            ]
            for v in report["orphan_views"]
        ],
    )
    section(
        "Missing tables (models only):",
        [[_where(t), t["decision"]["action"]] for t in report["missing_tables"]],
    )
    section(
        "Orphan columns holding data:",
        [
            [_where(c), c["type"], f"{_n(c['non_null'], c)} non-null", f"{_n(c['rows'], c)} rows"]
            for c in report["orphan_columns"]
            if c["non_null"] != 0
        ],
    )
    section(
        "Empty orphan columns:",
        [
            [_where(c), c["type"], f"{_n(c['rows'], c)} rows"]
            for c in report["orphan_columns"]
            if c["non_null"] == 0
        ],
    )
    section(
        "Missing columns (models only):",
        [[_where(c), c["type"], c["decision"]["action"]] for c in report["missing_columns"]],
    )
    section(
        "Type mismatches:",
        [
            [
                _where(t),
                f"{t['database_type']} -> {t['model_type']}",
                t["classification"],
                ""
                if t["values_not_fitting"] is None
                else f"{_n(t['values_not_fitting'], t)} value(s) would not fit",
                t["decision"]["action"],
            ]
            for t in report["type_mismatches"]
        ],
    )
    section(
        "Nullability mismatches (model says NOT NULL):",
        [
            [
                _where(n),
                f"{_n(n['nulls'], n)} NULL of {_n(n['rows'], n)} rows",
                n["decision"]["action"],
            ]
            for n in report["nullability_mismatches"]
        ],
    )
    section(
        "Orphan indexes and constraints:",
        [[_where(i), str(i["name"]), "index"] for i in report["orphan_indexes"]]
        + [
            [_where(c), str(c["name"]), f"{c['type']} constraint"]
            for c in report["orphan_constraints"]
        ],
    )
    section(
        "Enum label removals:",
        [
            [_where(e), ", ".join(e["removed"]), e["decision"]["action"], e["decision"]["reason"]]
            for e in report["enum_value_removals"]
        ],
    )
    section(
        "Possible renames (never applied automatically):",
        [
            [_where(r), f"{r['from']} -> {r['to']}", f"{_n(r['non_null'], r)} non-null"]
            for r in report["possible_renames"]
        ],
    )
    return "\n".join(printable(line) for line in lines) + "\n"


def to_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    out = [
        "# Database drift audit",
        "",
        f"Database: `{report['database']}` · probe: {s['probe']}",
        "",
        "## Summary statistics",
        "",
    ]
    out += [f"- **{s[key]}** {label}" for key, label in _summary_rows(s)]
    out += ["", "## Critical findings", ""]
    critical: list[str] = []
    if s["orphan_columns_with_data"]:
        critical.append(
            f"**{s['orphan_columns_with_data']} orphan column(s) hold data**: they are in the "
            "database but not in the models; add them back (`alembic-additive recover`)."
        )
    if report["missing_columns"]:
        names = ", ".join(f"`{_where(c)}`" for c in report["missing_columns"])
        critical.append(f"**Missing columns in the database**: {names}")
    if report["missing_tables"]:
        names = ", ".join(f"`{_where(t)}`" for t in report["missing_tables"])
        critical.append(f"**Tables the models declare but the database lacks**: {names}")
    for t in report["orphan_tables"]:
        rows = _n(t["rows"], t)
        state = "empty" if t["rows"] == 0 else "in use"
        critical.append(f"**Orphan table** `{_where(t)}`: {rows} rows ({state})")
    for v in report["orphan_views"]:
        if v["materialized"] and v["rows"] != 0:
            critical.append(
                f"**Orphan materialized view** `{_where(v)}`: {_n(v['rows'], v)} rows (in use)"
            )
    for e in report["enum_value_removals"]:
        if e["decision"]["action"] == "suppress":
            reason = e["decision"]["reason"]
            critical.append(f"**Enum labels still in use** `{_where(e)}`: {reason}")
    lossy = [  # a measured change is lossy where values would change (then suppressed)
        t
        for t in report["type_mismatches"]
        if t["classification"] == "lossy"
        or (t["classification"] == "measured" and t["decision"]["action"] == "suppress")
    ]
    for t in lossy:
        misfits = t["values_not_fitting"]
        detail = "" if misfits is None else f": {_n(misfits, t)} value(s) would not fit"
        critical.append(
            f"**Lossy type change** `{_where(t)}`: {t['database_type']} → {t['model_type']}"
            f"{detail} ({t['decision']['action']})"
        )
    for n in report["nullability_mismatches"]:
        if n["nulls"] != 0 and n["decision"]["action"] == "suppress":
            critical.append(
                f"**NOT NULL in the model, NULLs in the database** `{_where(n)}`: "
                f"{_n(n['nulls'], n)} NULL value(s) of {_n(n['rows'], n)} rows (suppress)"
            )
    out += [f"{i}. {c}" for i, c in enumerate(critical, 1)] or ["No critical findings."]

    by_table: dict[str, list[dict[str, Any]]] = {}
    for c in report["orphan_columns"]:
        if c["non_null"] != 0:
            table = f"{c['schema']}.{c['table']}" if c.get("schema") else c["table"]
            by_table.setdefault(table, []).append(c)
    if by_table:
        out += ["", "## Orphan columns with data", ""]
        for table, cols in by_table.items():
            out += [f"### {table} table:", ""]
            out += [f"- {c['column']} ({_n(c['non_null'], c)} value(s), {c['type']})" for c in cols]
            out.append("")
    empty = [c for c in report["orphan_columns"] if c["non_null"] == 0]
    if empty:
        out += ["", "## Empty orphan columns", ""]
        out += [f"- `{_where(c)}` ({c['type']})" for c in empty]
    if report["type_mismatches"] or report["nullability_mismatches"]:
        out += ["", "## Type and nullability mismatches", ""]
        out += [
            f"- `{_where(t)}`: {t['database_type']} → {t['model_type']} ({t['classification']}; "
            f"{t['decision']['action']})"
            for t in report["type_mismatches"]
        ]
        out += [
            f"- `{_where(n)}`: model says NOT NULL, {_n(n['nulls'], n)} NULL value(s) "
            f"({n['decision']['action']})"
            for n in report["nullability_mismatches"]
        ]
    if report["possible_renames"]:
        out += ["", "## Possible renames", ""]
        out += [
            f"- `{_where(r)}`: `{r['from']}` → `{r['to']}`?" for r in report["possible_renames"]
        ]
    return "\n".join(printable(line) for line in out).rstrip() + "\n"


FORMATS = {"text": to_text, "markdown": to_markdown, "json": to_json}
