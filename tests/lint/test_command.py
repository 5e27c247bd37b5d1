"""``alembic-additive lint`` through click: arguments, pyproject, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lint_support import upgrade_source

from alembic_additive.lint.command import lint


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(lint, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _project(tmp_path: Path) -> Path:
    """An Alembic project with alembic.ini and an empty versions folder."""
    from alembic import command
    from alembic.config import Config

    command.init(Config(str(tmp_path / "alembic.ini")), str(tmp_path / "migrations"))
    return tmp_path / "migrations" / "versions"


def test_clean_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r1.py").write_text(upgrade_source('op.add_column("t", sa.Column("c"))'))
    code, out, err = _run(["r1.py"], tmp_path, monkeypatch)
    assert (code, out.strip(), err) == (0, "All checks passed.", "")


def test_findings_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r1.py").write_text(upgrade_source('op.drop_table("t")'))
    code, out, _ = _run(["r1.py"], tmp_path, monkeypatch)
    assert code == 1
    assert out.splitlines()[0].startswith("r1.py:9:5: drop-table [error] ")
    assert out.splitlines()[-1] == "Found 1 finding (1 error, 0 warnings)."


def test_syntax_error_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.py").write_text("def upgrade(:\n    pass\n")
    code, out, err = _run(["bad.py"], tmp_path, monkeypatch)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [err.strip()]
    assert err.startswith("bad.py:1: syntax error: ")
    assert "Traceback" not in err


def test_syntax_error_among_good_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text("x = (\n")
    (tmp_path / "r1.py").write_text(upgrade_source('op.drop_table("t")'))
    code, out, err = _run([".", "--format", "json"], tmp_path, monkeypatch)
    assert code == 2
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["drop-table"]
    assert err.startswith("bad.py:1: syntax error: ")


def test_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run([], tmp_path, monkeypatch)  # no PATH and no alembic.ini
    assert code == 2 and "no PATH given" in err and "Traceback" not in err
    code, _, err = _run(["missing.py"], tmp_path, monkeypatch)
    assert code == 2
    code, _, err = _run(["-c", "nope.ini"], tmp_path, monkeypatch)
    assert code == 2 and "nope.ini" in err
    code, _, _ = _run([".", "--format", "xml"], tmp_path, monkeypatch)
    assert code == 2


def test_bad_pyproject_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive.lint]\nignore = ["nope"]\n')
    (tmp_path / "r1.py").write_text(upgrade_source("pass"))
    code, out, err = _run(["r1.py"], tmp_path, monkeypatch)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "unknown rule 'nope'" in err


def test_defaults_to_the_versions_of_alembic_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = _project(tmp_path)
    (versions / "r1_drop.py").write_text(upgrade_source('op.drop_column("t", "c")'))
    code, out, _ = _run([], tmp_path, monkeypatch)
    assert code == 1
    assert "migrations/versions/r1_drop.py:9:5: drop-column" in out
    # the same through -c from another folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, _ = _run(["-c", str(tmp_path / "alembic.ini")], elsewhere, monkeypatch)
    assert code == 1 and "r1_drop.py:9:5: drop-column" in out


def test_pyproject_settings_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nignore = ["drop-index"]\nallow_revisions = ["r2"]\n'
    )
    (tmp_path / "r1.py").write_text(upgrade_source('op.drop_index("ix", table_name="t")'))
    (tmp_path / "r2.py").write_text(upgrade_source('op.drop_table("t")', revision="r2"))
    code, out, _ = _run(["r1.py", "r2.py"], tmp_path, monkeypatch)
    assert (code, out.strip()) == (0, "All checks passed.")


def test_baseline_uses_alembic_ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = _project(tmp_path)
    (versions / "a.py").write_text(upgrade_source('op.drop_table("a")', revision="aaa"))
    (versions / "b.py").write_text(upgrade_source('op.drop_table("b")', "bbb", down="aaa"))
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive.lint]\nbaseline = "aaa"\n')
    code, out, _ = _run(["--format", "json"], tmp_path, monkeypatch)
    assert code == 1
    assert [f["revision"] for f in json.loads(out)["findings"]] == ["bbb"]


def test_include_downgrade_and_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r1.py").write_text(
        upgrade_source("pass").replace(
            "def downgrade():\n    pass", 'def downgrade():\n    op.drop_table("t")'
        )
    )
    assert _run(["r1.py"], tmp_path, monkeypatch)[0] == 0
    code, out, _ = _run(
        ["r1.py", "--include-downgrade", "--format", "github"], tmp_path, monkeypatch
    )
    assert code == 1 and out.startswith("::error file=r1.py,line=")
    code, out, _ = _run(
        ["r1.py", "--include-downgrade", "--format", "sarif"], tmp_path, monkeypatch
    )
    assert code == 1 and json.loads(out)["runs"][0]["results"][0]["ruleId"] == "drop-table"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(lint, ["--help"])
    assert result.exit_code == 0
    assert "alembic-additive lint migrations/versions --format github" in result.output
    assert "Exit codes" in result.output


def test_exit_1_only_on_errors_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings are reported but do not fail the run unless asked: --fail-on warning, or
    ``fail_on`` / ``severity`` in pyproject.toml."""
    (tmp_path / "r1.py").write_text(upgrade_source('op.drop_index("ix_t_a", table_name="t")'))
    code, out, _ = _run(["r1.py"], tmp_path, monkeypatch)
    assert code == 0
    assert out.splitlines() == [
        out.splitlines()[0],
        "Found 1 finding (0 errors, 1 warning).",
    ]
    assert out.startswith("r1.py:9:5: drop-index [warning] ")
    assert _run(["r1.py", "--fail-on", "warning"], tmp_path, monkeypatch)[0] == 1
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive.lint]\nfail_on = "warning"\n')
    assert _run(["r1.py"], tmp_path, monkeypatch)[0] == 1
    assert _run(["r1.py", "--fail-on", "error"], tmp_path, monkeypatch)[0] == 0
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nseverity = { drop-index = "error" }\n'
    )
    code, out, _ = _run(["r1.py", "--format", "github"], tmp_path, monkeypatch)
    assert code == 1 and out.startswith("::error file=r1.py,line=9,col=5,title=drop-index::")
    (tmp_path / "r2.py").write_text(upgrade_source('op.drop_table("t")', revision="r2"))
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive.lint]\nfail_on = "never"\n')
    assert _run(["r2.py"], tmp_path, monkeypatch)[0] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('fail_on = "warn"', "expected one of error, warning, never"),
        ('severity = { drop-indx = "error" }', "unknown rule 'drop-indx'"),
        ('severity = { drop-index = "fatal" }', "expected error or warning"),
        ('severity = ["drop-index"]', "expected a table of rule id = severity"),
    ],
)
def test_bad_severity_settings_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.alembic_additive.lint]\n{body}\n")
    (tmp_path / "r1.py").write_text(upgrade_source('op.drop_table("t")'))
    code, out, err = _run(["r1.py"], tmp_path, monkeypatch)
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1


def test_rule_docs_from_the_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint --help` points at --list-rules / --explain, which work without the repository."""
    help_text = CliRunner().invoke(lint, ["--help"]).output
    assert "alembic-additive lint --explain drop-column" in help_text
    assert "--list-rules" in help_text
    code, out, _ = _run(["--list-rules"], tmp_path, monkeypatch)
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["drop-table", "error", "Dropping"]
    assert any(line.split()[:2] == ["drop-index", "warning"] for line in out.splitlines())
    code, out, _ = _run(["--explain", "drop-index"], tmp_path, monkeypatch)
    assert code == 0 and out.startswith("# drop-index\n") and "## Severity" in out
    code, _, err = _run(["--explain", "drop-indx"], tmp_path, monkeypatch)
    assert code == 2 and "unknown rule 'drop-indx'" in err
