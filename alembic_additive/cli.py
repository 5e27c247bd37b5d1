"""The ``alembic-additive`` command line: a click group whose commands call plain functions.

Exit codes, the same for every command:

* 0 - the command ran and found nothing to complain about;
* 1 - the command ran and found something (``--check`` drift, lint findings, verify losses);
* 2 - bad input or an error (one line on stderr; the traceback only with ``--debug``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__

# re-exported: the exit codes and helpers every command shares
from .cli_support import (
    EXIT_ERROR,
    EXIT_FOUND,
    EXIT_OK,
    UsageError,
    emit,
    handle_errors,
)

__all__ = ["EXIT_ERROR", "EXIT_FOUND", "EXIT_OK", "UsageError", "emit", "handle_errors", "main"]


#: Commands defined in their own modules, imported only when they run (or when ``--help``
#: lists them): ``alembic-additive --version`` must not pay for Alembic and SQLAlchemy.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("alembic_additive.audit.command", "audit"),
    "recover": ("alembic_additive.audit.command", "recover"),
    "cleanup": ("alembic_additive.audit.command", "cleanup"),
    "lint": ("alembic_additive.lint.command", "lint"),
    "verify": ("alembic_additive.verify.command", "verify"),
}


class _OneLineUsageError(click.ClickException):
    """A usage error click found (unknown option, bad ``--format`` value): one line on
    stderr and exit 2, like every other error, instead of click's usage block."""

    exit_code = EXIT_ERROR

    def show(self, file: object = None) -> None:
        click.echo(f"alembic-additive: error: {self.format_message()}", err=True)


def _one_line_usage(exc: click.UsageError) -> click.ClickException:
    """``exc`` as one line naming where help is, unless it asks for the help itself."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `alembic-additive`: the help
        return exc
    hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return _OneLineUsageError(exc.format_message() + hint)


class _Group(click.Group):
    """Usage errors exit 2 with one line, like every other error; commands are loaded when
    they are used (see :data:`LAZY_COMMANDS`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line_usage(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # the command's own options, or an unknown command
            raise _one_line_usage(exc) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module_name, attr = LAZY_COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module_name), attr)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


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
