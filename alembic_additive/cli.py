"""The ``alembic-additive`` command line: a click group whose commands call plain functions.

Exit codes, the same for every command:

* 0 - the command ran and found nothing to complain about;
* 1 - the command ran and found something (``--check`` drift, lint findings, verify losses);
* 2 - bad input or an error (one line on stderr; the traceback only with ``--debug``).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


class UsageError(Exception):
    """Bad input the user can fix; shown as one line, exit code 2."""


def handle_errors(fn: F) -> F:
    """Turn any exception into one line on stderr and exit 2 (traceback with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            if debug:
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            click.echo(f"alembic-additive: error: {message}", err=True)
            ctx.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def emit(
    text: str, *, bold_lines: Callable[[str], bool] | None = None, marks: tuple[str, ...] = ()
) -> None:
    """Print a report. On a terminal, headings (``bold_lines``) are bold and ``marks`` (rule
    ids) red; click strips the styles when the output is not a terminal, and ``NO_COLOR``
    turns them off everywhere."""
    color = False if os.environ.get("NO_COLOR") else None
    lines = []
    for line in text.splitlines(keepends=True):
        if bold_lines is not None and bold_lines(line):
            line = click.style(line.rstrip("\n"), bold=True) + ("\n" if line.endswith("\n") else "")
        for mark in marks:
            if f" {mark} " in line:
                line = line.replace(f" {mark} ", f" {click.style(mark, fg='red', bold=True)} ", 1)
        lines.append(line)
    click.echo("".join(lines), nl=False, color=color)


class _Group(click.Group):
    """Usage errors exit 2 with one line, like every other error."""


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="alembic-additive")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def main(debug: bool) -> None:
    """Make Alembic's autogenerate safe for databases that drifted from their models.

    \b
    Examples:
      alembic-additive demo            # the whole story on a throwaway SQLite database
      alembic-additive audit           # drift between the database and the models
      alembic-additive lint            # flag data-destroying revisions
      alembic-additive verify --url postgresql://ci@localhost/ci   # run revisions, fail on loss
    """


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to build the demo in, e.g. `--dir .` for the current one; it must not hold "
    "an Alembic project (default: a new temporary folder).",
)
@handle_errors
def demo(directory: Path | None) -> None:
    """Build a drifted SQLite clinic database, autogenerate with the plugin, upgrade twice.

    \b
    Example:
      alembic-additive demo --dir ./clinic-demo
    """
    from .demo import run_demo

    sys.exit(run_demo(directory, echo=click.echo))


def _register() -> None:
    """Commands live in their own modules; this group only collects them."""
    from .audit.command import audit, cleanup, recover
    from .lint.command import lint
    from .verify.command import verify

    for command in (audit, recover, cleanup, lint, verify):
        main.add_command(command)


_register()
