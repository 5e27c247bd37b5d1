"""What every command shares: exit codes, one-line errors, report printing.

Kept apart from :mod:`alembic_additive.cli` (which registers the commands) so that each
command module can import it at module level without an import cycle.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


class UsageError(Exception):
    """Bad input the user can fix; shown as one line, exit code 2."""


def one_line(exc: BaseException) -> str:
    """The first line of an error, without the ``alembic-additive:`` prefix that the
    plugin's own errors carry for plain ``alembic`` (the command adds its own)."""
    text = str(exc).strip()
    message = text.splitlines()[0] if text else type(exc).__name__
    prefix = "alembic-additive: "
    while message.startswith(prefix):
        message = message[len(prefix) :]
    return message


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
            click.echo(f"alembic-additive: error: {one_line(exc)}", err=True)
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
