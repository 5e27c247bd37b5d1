"""The four report formats: text like ruff, JSON, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lint_support import project

from alembic_additive.lint import LintError, LintFinding, LintResult
from alembic_additive.lint.output import FORMATS, render
from alembic_additive.lint.rules import RULES


@pytest.fixture
def result(tmp_path: Path) -> LintResult:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_table("users")
        op.execute("DELETE FROM a, b")
        """,
        revision="abc123",
    )
    found = lint()
    assert len(found.findings) == 2
    return found


def test_text_like_ruff(result: LintResult) -> None:
    lines = render(result, "text").splitlines()
    assert re.fullmatch(
        r"\S+abc123_rev\.py:9:5: drop-table \[error\] `op\.drop_table` .+", lines[0]
    )
    assert re.fullmatch(r"\S+abc123_rev\.py:10:5: destructive-sql \[error\] .+", lines[1])
    assert lines[-1] == "Found 2 findings (2 errors, 0 warnings)."


def test_text_summary_forms() -> None:
    assert render(LintResult(), "text") == "All checks passed."
    one = LintResult(findings=[LintFinding("a.py", 1, 1, "drop-table", "m")])
    assert render(one, "text").splitlines()[-1] == "Found 1 finding (1 error, 0 warnings)."
    warned = LintResult(findings=[LintFinding("a.py", 1, 1, "drop-index", "m", severity="warning")])
    assert render(warned, "text").splitlines() == [
        "a.py:1:1: drop-index [warning] m",
        "Found 1 finding (0 errors, 1 warning).",
    ]
    broken = LintResult(errors=[LintError("a.py", 3, "syntax error: x")])
    assert render(broken, "text") == ""  # errors go to stderr; no false "passed"


def test_json_schema(result: LintResult) -> None:
    data = json.loads(render(result, "json"))
    assert list(data) == ["findings"]
    first = data["findings"][0]
    assert list(first) == [
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "table",
        "name",
        "revision",
        "message",
    ]
    assert (first["rule"], first["severity"], first["line"], first["column"]) == (
        "drop-table",
        "error",
        9,
        5,
    )
    assert (first["table"], first["name"], first["revision"]) == ("users", "users", "abc123")
    assert json.loads(render(LintResult(), "json")) == {"findings": []}


def test_github_annotations(result: LintResult) -> None:
    lines = render(result, "github").splitlines()
    assert len(lines) == 2
    pattern = r"::error file=[^,]+abc123_rev\.py,line=(\d+),col=(\d+),title=([a-z-]+)::(.+)"
    match = re.fullmatch(pattern, lines[0])
    assert match is not None
    assert match.groups()[:3] == ("9", "5", "drop-table")


def test_github_escapes_special_characters() -> None:
    finding = LintFinding("dir,x/a:b.py", 1, 2, "drop-table", "50% lost\nreally")
    line = render(LintResult(findings=[finding]), "github")
    assert (
        line == "::error file=dir%2Cx/a%3Ab.py,line=1,col=2,title=drop-table::50%25 lost%0Areally"
    )


def test_sarif_structure(result: LintResult) -> None:
    log = json.loads(render(result, "sarif"))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "alembic-additive"
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == [rule.id for rule in RULES]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["helpUri"].endswith(f"docs/rules/{rule['id']}.md")
    first = run["results"][0]
    assert first["ruleId"] == "drop-table"
    assert ids[first["ruleIndex"]] == "drop-table"
    assert first["message"]["text"]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("abc123_rev.py")
    assert "\\" not in location["artifactLocation"]["uri"]
    assert location["region"] == {"startLine": 9, "startColumn": 5}


def test_sarif_reports_unparsable_files_as_notifications() -> None:
    broken = LintResult(errors=[LintError("a.py", 3, "syntax error: invalid syntax")])
    run = json.loads(render(broken, "sarif"))["runs"][0]
    assert run["results"] == []
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["message"]["text"] == "syntax error: invalid syntax"


def test_every_rule_has_a_doc_page() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules"
    for rule in RULES:
        page = docs / f"{rule.id}.md"
        assert page.is_file(), page
        text = page.read_text(encoding="utf-8")
        for section in ("## Problem", "## Solution", "## How to suppress", "## Severity"):
            assert section in text, (page, section)


def test_formats_are_all_rendered(result: LintResult) -> None:
    for fmt in FORMATS:
        assert render(result, fmt)


@pytest.fixture
def mixed(tmp_path: Path) -> LintResult:
    """One error (a dropped column) and one warning (a dropped index)."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index("ix_users_email", table_name="users")
        op.drop_column("users", "fax")
        """
    )
    return lint()


def test_severity_in_every_format(mixed: LintResult) -> None:
    assert [(f.rule, f.severity) for f in mixed.findings] == [
        ("drop-index", "warning"),
        ("drop-column", "error"),
    ]
    text = render(mixed, "text").splitlines()
    assert ": drop-index [warning] `op.drop_index`" in text[0]
    assert ": drop-column [error] `op.drop_column`" in text[1]
    assert text[-1] == "Found 2 findings (1 error, 1 warning)."
    data = json.loads(render(mixed, "json"))["findings"]
    assert [(f["severity"], f["table"], f["name"]) for f in data] == [
        ("warning", "users", "ix_users_email"),
        ("error", "users", "fax"),
    ]
    github = render(mixed, "github").splitlines()
    assert github[0].startswith("::warning file=") and ",title=drop-index::" in github[0]
    assert github[1].startswith("::error file=") and ",title=drop-column::" in github[1]
    run = json.loads(render(mixed, "sarif"))["runs"][0]
    assert [r["level"] for r in run["results"]] == ["warning", "error"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert levels == {rule.id: rule.severity for rule in RULES}


def test_documented_default_severities() -> None:
    """Losing data (a table, a column, rows, values narrowed) is an error; a change that
    loses nothing but something people rely on is a warning."""
    assert {rule.id: rule.severity for rule in RULES} == {
        "drop-table": "error",
        "drop-column": "error",
        "drop-index": "warning",
        "drop-constraint": "warning",
        "alter-column-type": "error",
        "set-not-null": "warning",
        "rename-table": "warning",
        "rename-column": "warning",
        "destructive-sql": "error",
        "invalid-suppression": "warning",
    }


def test_rule_ids_are_the_plugin_kinds() -> None:
    """The ids are written out in the rules (importing findings would import SQLAlchemy on
    every lint run); they must stay the plugin's Kind values."""
    from alembic_additive.findings import Kind

    kinds = {kind.value for kind in Kind}
    assert {rule.id for rule in RULES} - kinds == {"invalid-suppression"}


def test_every_rule_page_states_its_severity_and_what_is_not_a_loss() -> None:
    """The pages are package data (``lint --explain``) and the docs site's docs/rules."""
    from alembic_additive.lint.command import rule_doc

    site = Path(__file__).resolve().parents[2] / "docs" / "rules"
    for rule in RULES:
        page = rule_doc(rule.id)
        assert page.is_file(), page
        assert (site / f"{rule.id}.md").read_text(encoding="utf-8") == page.read_text(
            encoding="utf-8"
        )
        text = page.read_text(encoding="utf-8")
        assert f"## Severity\n\n**{rule.severity}**" in text, rule.id
        if rule.id.startswith("drop-") or rule.id in ("destructive-sql", "set-not-null"):
            assert "## Not reported" in text, rule.id


def test_every_rule_says_which_events_it_looks_at() -> None:
    """The engine asks a rule only about the events it declares: a rule declaring none
    would silently never report anything."""
    for rule in RULES:
        assert rule.methods or rule.sql or rule.comments, rule.id
