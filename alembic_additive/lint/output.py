"""Formatters for lint results: text (like ruff), JSON, GitHub annotations and SARIF 2.1.0.

Each formatter returns the whole document as one string, so the command writes it with a
single ``echo`` and tests can assert on it without capturing streams. Errors (files that do
not parse) are not part of these documents: the command prints them on stderr, one line
each, because a machine-readable report that silently omits a file would look clean.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePath

from .. import __version__
from .model import DOCS_BASE, LintFinding, LintResult
from .rules import RULES

FORMATS = ("text", "json", "github", "sarif")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_URI = "https://github.com/alembic-additive/alembic-additive"


def format_text(result: LintResult) -> str:
    """``path:line:col: rule [severity] message`` per finding, then a summary line, like
    ruff (``Found 3 findings (2 errors, 1 warning).``)."""
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.rule} [{f.severity}] {f.message}"
        for f in result.findings
    ]
    count = len(result.findings)
    if count:
        errors, warnings = result.count("error"), result.count("warning")
        split = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        lines.append(f"Found {_plural(count, 'finding')} ({split}).")
    elif not result.errors:
        lines.append("All checks passed.")
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def format_json(result: LintResult) -> str:
    """``{"findings": [{"rule", "severity", "path", "line", "column", "table", "name",
    "revision", "message"}]}`` (``table`` / ``name``: the object, null when unknown)."""
    return json.dumps({"findings": [f.as_dict() for f in result.findings]}, indent=2)


def format_github(result: LintResult) -> str:
    """GitHub Actions workflow commands: one ``::error`` or ``::warning`` per finding."""
    lines = []
    for f in result.findings:
        props = (
            f"file={_gh_property(f.path)},line={f.line},col={f.column},title={_gh_property(f.rule)}"
        )
        lines.append(f"::{f.severity} {props}::{_gh_data(f.message)}")
    return "\n".join(lines)


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def format_sarif(result: LintResult) -> str:
    """A SARIF 2.1.0 log with every rule (id, descriptions, helpUri) and one result per
    finding, for GitHub code scanning and other SARIF viewers."""
    index = {rule.id: i for i, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.id,
            "name": _pascal(rule.id),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": f"{rule.summary} Safe alternative: {rule.message}."},
            "helpUri": f"{DOCS_BASE}/{rule.id}.md",
            "help": {"text": f"See {DOCS_BASE}/{rule.id}.md"},
            "defaultConfiguration": {"level": rule.severity},
        }
        for rule in RULES
    ]
    results = [_sarif_result(f, index) for f in result.findings]
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "alembic-additive",
                "version": __version__,
                "informationUri": TOOL_URI,
                "rules": rules,
            }
        },
        "results": results,
    }
    if result.errors:
        run["invocations"] = [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": error.message},
                        "locations": [_location(error.path, error.line, None)],
                    }
                    for error in result.errors
                ],
            }
        ]
    log = {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": [run]}
    return json.dumps(log, indent=2)


def _sarif_result(finding: LintFinding, index: dict[str, int]) -> dict[str, object]:
    out: dict[str, object] = {
        "ruleId": finding.rule,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [_location(finding.path, finding.line, finding.column)],
    }
    if finding.rule in index:
        out["ruleIndex"] = index[finding.rule]
    if finding.revision:
        out["properties"] = {"revision": finding.revision}
    return out


def _location(path: str, line: int, column: int | None) -> dict[str, object]:
    region: dict[str, int] = {"startLine": line}
    if column is not None:
        region["startColumn"] = column
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": PurePath(path).as_posix()},
            "region": region,
        }
    }


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


FORMATTERS: dict[str, Callable[[LintResult], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
    "sarif": format_sarif,
}


def render(result: LintResult, fmt: str) -> str:
    """The report for ``result`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return FORMATTERS[fmt](result)
