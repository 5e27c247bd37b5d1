"""``alembic-additive lint``: the click command around :func:`alembic_additive.lint.lint_paths`.

The command only gathers inputs (paths, alembic.ini, pyproject settings), calls the library
and maps the result to the exit codes every alembic-additive command shares.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_support import EXIT_ERROR, EXIT_FOUND, EXIT_OK, emit, handle_errors
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
@handle_errors
def lint(paths: tuple[Path, ...], ini: Path | None, fmt: str, include_downgrade: bool) -> None:
    """Report operations in Alembic revision files that can destroy data.

    Reads each revision's upgrade() and the functions it calls, without running anything,
    and reports drops, risky type changes, SET NOT NULL, renames and destructive raw SQL.

    \b
    Examples:
      alembic-additive lint                        # versions folders of ./alembic.ini
      alembic-additive lint migrations/versions --format github
      alembic-additive lint -c db/alembic.ini --include-downgrade

    \b
    Accept one finding, with a reason (required):
      op.drop_column("users", "fax")  # additive: allow drop-column -- never written
    Project-wide, in pyproject.toml:
      [tool.alembic_additive.lint]
      ignore = ["drop-index"]
      allow_revisions = ["1a2b3c4d5e6f"]
      baseline = "9f8e7d6c5b4a"   # this revision and older ones are not checked

    \b
    Exit codes: 0 clean, 1 findings, 2 usage error or a file that does not parse.
    Rules are documented in docs/rules/<rule-id>.md.
    """
    from . import lint_paths, load_config
    from .output import render

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
    )
    report = render(result, fmt)
    if report and fmt == "text":
        emit(report + "\n", marks=tuple(sorted({f.rule for f in result.findings})))
    elif report:
        click.echo(report)
    for error in result.errors:
        click.echo(str(error), err=True)
    code = EXIT_ERROR if result.errors else EXIT_FOUND if result.findings else EXIT_OK
    click.get_current_context().exit(code)


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
