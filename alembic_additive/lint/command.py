"""``alembic-additive lint``: the click command around :func:`alembic_additive.lint.lint_paths`.

The command only gathers inputs (paths, alembic.ini, pyproject settings), calls the library
and maps the result to the exit codes every alembic-additive command shares.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_support import emit, handle_errors
from .config import FAIL_ON
from .output import FORMATS


class LintUsageError(ValueError):
    """The command was given nothing it can lint; shown as one line, exit code 2."""


@click.command("lint", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-c",
    "--config",
    "ini",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=(
        "alembic.ini of the project (default: ./alembic.ini if present). Its versions "
        "folders are linted when no PATH is given; it also orders revisions for `baseline`."
    ),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (like ruff), json, github (workflow annotations) or sarif (2.1.0).",
)
@click.option(
    "--include-downgrade",
    is_flag=True,
    help="Also lint downgrade(); by default only what upgrade() runs is checked.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=None,
    help="Exit 1 on findings of this severity or worse (default: error, or `fail_on` in "
    "pyproject.toml).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Lint in up to N processes (default: the CPUs this process may use; 1: in this "
    "process). Only with enough files to pay for it; the output is the same.",
)
@click.option("--list-rules", is_flag=True, help="List every rule with its severity and exit.")
@click.option(
    "--explain",
    "explain",
    metavar="RULE",
    default=None,
    help="Print a rule's documentation (problem, solution, how to suppress) and exit.",
)
@handle_errors
def lint(
    paths: tuple[Path, ...],
    ini: Path | None,
    fmt: str,
    include_downgrade: bool,
    fail_on: str | None,
    jobs: int | None,
    list_rules: bool,
    explain: str | None,
) -> None:
    """Report operations in Alembic revision files that can destroy data.

    Reads each revision's upgrade() and the functions it calls, without running anything,
    and reports drops, risky type changes, SET NOT NULL, renames and destructive raw SQL.

    \b
    Examples:
      alembic-additive lint                        # versions folders of ./alembic.ini
      alembic-additive lint migrations/versions --format github
      alembic-additive lint -c db/alembic.ini --include-downgrade
      alembic-additive lint --jobs 1               # one process (default: one per CPU)

    \b
    Accept one finding, with a reason (required):
      op.drop_column("users", "fax")  # additive: allow drop-column -- never written
    Project-wide, in pyproject.toml:
      [tool.alembic_additive.lint]
      ignore = ["drop-index"]
      allow_revisions = ["1a2b3c4d5e6f"]
      baseline = "9f8e7d6c5b4a"   # this revision and older ones are not checked

    \b
    Severity: each rule is an error (data is lost: a table, column or rows
    dropped, a type narrowed) or a warning (nothing is lost, something changes:
    an index or constraint dropped, NOT NULL set, a rename); see --list-rules.
    Change one in pyproject.toml: severity = { drop-index = "error" }.

    \b
    Exit codes: 0 clean (warnings only, unless --fail-on warning), 1 errors found,
    2 usage error or a file that does not parse.

    \b
    Rule documentation, installed with the package:
      alembic-additive lint --list-rules
      alembic-additive lint --explain drop-column
    """
    from . import lint_paths, load_config
    from .output import render
    from .parallel import usable_cpus

    if list_rules:
        click.echo(rules_table())
        return
    if explain is not None:
        click.echo(explain_rule(explain), nl=False)
        return

    if ini is not None and not ini.is_file():
        raise LintUsageError(f"{ini}: no such file (given with -c/--config)")
    project_ini = ini if ini is not None else _default_ini()
    targets = list(paths)
    if not targets:
        if project_ini is None:
            raise LintUsageError("no PATH given and no ./alembic.ini (pass PATH or -c INI)")
        targets = version_locations(project_ini)
    config = load_config(targets[0] if paths else Path.cwd())
    result = lint_paths(
        targets,
        include_downgrade=include_downgrade,
        config=config,
        alembic_ini=project_ini if config.baseline else None,
        jobs=jobs if jobs is not None else usable_cpus(),
    )
    report = render(result, fmt)
    if report and fmt == "text":
        emit(report + "\n", marks=tuple(sorted({f.rule for f in result.findings})))
    elif report:
        click.echo(report)
    for error in result.errors:
        click.echo(str(error), err=True)
    code = result.exit_code_for(fail_on or config.fail_on)
    click.get_current_context().exit(code)


def rule_doc(rule_id: str) -> Path:
    """The installed documentation page of a rule (shipped as package data)."""
    return Path(__file__).parent / "docs" / f"{rule_id}.md"


def rules_table() -> str:
    """One line per rule: id, default severity, summary, and where its page is."""
    from .rules import RULES

    width = max(len(rule.id) for rule in RULES)
    lines = [f"{rule.id:<{width}}  {rule.severity:<7}  {rule.summary}" for rule in RULES]
    folder = rule_doc("x").parent
    lines += ["", f"Each rule's page: alembic-additive lint --explain RULE (files in {folder})"]
    return "\n".join(lines)


def explain_rule(rule_id: str) -> str:
    """The documentation page of ``rule_id``; an unknown id is a usage error."""
    from .rules import BY_ID

    if rule_id not in BY_ID:
        raise LintUsageError(f"unknown rule {rule_id!r} (one of {', '.join(BY_ID)})")
    return rule_doc(rule_id).read_text(encoding="utf-8")


def _default_ini() -> Path | None:
    candidate = Path("alembic.ini")
    return candidate if candidate.is_file() else None


def version_locations(ini: Path) -> list[Path]:
    """The versions folders of the Alembic project configured in ``ini``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(Config(str(ini)))
    raw = getattr(script, "_version_locations", None) or (script.versions,)
    folders = [Path(p) for p in raw if Path(p).is_dir()]
    if not folders:
        raise LintUsageError(f"{ini}: the versions folder {script.versions} does not exist")
    return folders
