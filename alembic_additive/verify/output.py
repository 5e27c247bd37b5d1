"""Render a :class:`~alembic_additive.verify.VerifyResult` as text or JSON.

Text is for people reading a CI log: one line per violation, starting with the revision so
the culprit is the first word, then a summary line. JSON is for tools and has exactly the
documented shape, ``{"violations": [{revision, kind, table, column, before, after}]}``.
Both contain counts and names only, and the URL only with its password masked.
"""

from __future__ import annotations

import json

from . import LossKind, VerifyResult, Violation

FORMATS = ("text", "json")


def render(result: VerifyResult, fmt: str, *, summary: bool = True) -> str:
    """The whole report in ``fmt``; ``summary=False`` leaves out the text summary line
    (used when a failing revision cut the run short and the error line says why)."""
    if fmt == "json":
        return render_json(result)
    if fmt == "text":
        return render_text(result, summary=summary)
    raise ValueError(f"unknown format {fmt!r}")


def render_json(result: VerifyResult) -> str:
    out: dict[str, object] = {"violations": [v.as_dict() for v in result.violations]}
    if result.renamed:  # only when there are some: the documented shape stays as it was
        out["renamed"] = [v.as_dict() for v in result.renamed]
    return json.dumps(out, indent=2)


def render_text(result: VerifyResult, *, summary: bool = True) -> str:
    lines = [violation_line(v) for v in result.violations]
    lines += [violation_line(v) for v in result.renamed]
    if summary:
        lines.append(summary_line(result))
    return "\n".join(lines)


def violation_line(v: Violation) -> str:
    """``<revision>: <kind> <table>[.<column>]: <what> <before> → <after>``."""
    if v.kind is LossKind.TABLE_REMOVED:
        return f"{v.revision}: {v.kind.value} {v.table}: rows {v.before} → table removed"
    if v.kind is LossKind.ROWS_LOST:
        return f"{v.revision}: {v.kind.value} {v.table}: rows {v.before} → {v.after}"
    if v.kind is LossKind.VALUES_CHANGED:
        return (
            f"{v.revision}: {v.kind.value} {v.table}.{v.column}: {v.changed} of "
            f"{v.before} non-null values changed"
        )
    if v.kind is LossKind.COLUMN_RENAMED:
        return (
            f"{v.revision}: {v.kind.value} {v.table}.{v.column} → {v.renamed_to}: "
            f"{v.before} non-null values kept"
        )
    if v.kind is LossKind.TABLE_RENAMED:
        return f"{v.revision}: {v.kind.value} {v.table} → {v.renamed_to}: {v.before} rows kept"
    after = "column removed" if v.kind is LossKind.COLUMN_REMOVED else str(v.after)
    where = f"{v.table}.{v.column}"
    cleared = f" ({v.changed} set to NULL)" if v.changed is not None else ""
    return f"{v.revision}: {v.kind.value} {where}: non-null values {v.before} → {after}{cleared}"


def summary_line(result: VerifyResult) -> str:
    where = f"on {result.url}" + (" (rolled back)" if result.rolled_back else "")
    if not result.revisions:
        return f"No data lost: no revision to run {where}."
    span = f"{_heads(result.start)} → {result.revisions[-1]}"
    runs = _plural(len(result.revisions), "revision")
    if result.violations:
        found = _plural(len(result.violations), "violation")
        return f"Found {found} in {runs} ({span}) {where}."
    return f"No data lost: {runs} verified ({span}) {where}."


def _heads(heads: tuple[str, ...]) -> str:
    return ", ".join(heads) if heads else "base"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
