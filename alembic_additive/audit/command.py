"""Click commands ``audit``, ``recover`` and ``cleanup`` (plain functions do the work)."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from ..cli_support import EXIT_ERROR, EXIT_FOUND, EXIT_OK, UsageError, emit, handle_errors
from ..findings import TableRef

_project_options = [
    click.option(
        "-c",
        "--config",
        "config_file",
        default="alembic.ini",
        show_default=True,
        help="Alembic configuration file.",
    ),
    click.option(
        "-n",
        "--name",
        default="alembic",
        show_default=True,
        help="Section of the configuration file.",
    ),
    click.option(
        "-x",
        "x_args",
        multiple=True,
        metavar="KEY=VALUE",
        help="Passed to env.py, as with alembic -x.",
    ),
    click.option("--url", default=None, help="Standalone mode: database URL (with --metadata)."),
    click.option(
        "--metadata",
        "metadata_path",
        default=None,
        metavar="MODULE:ATTR",
        help="Standalone mode: the models' MetaData (or declarative base).",
    ),
]


def project_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_project_options):
        fn = option(fn)
    return fn


def _x(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-x expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """The report is the output: Alembic's INFO lines (hundreds on a large schema, from the
    project's own logging setup) are held back unless ``--debug``; warnings still show."""
    if click.get_current_context().find_root().params.get("debug"):
        # which driver a URL resolved to, and the like: only asked for with --debug
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
        logger = logging.getLogger("alembic.alembic_additive.urls")
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def compare(
    config_file: str, name: str, x_args: tuple[str, ...], url: str | None, metadata_path: str | None
) -> Any:
    """Run the comparison in project or standalone mode."""
    from .collect import compare_project, compare_standalone

    if url or metadata_path:
        if not (url and metadata_path):
            raise UsageError("standalone mode needs both --url and --metadata")
        with quiet_logs():
            return compare_standalone(url, metadata_path)
    with quiet_logs():
        return compare_project(load_config(config_file, name), _x(x_args))


def load_config(config_file: str, name: str) -> Any:
    """The Alembic Config, or a one-line error naming the file and what is wrong with it."""
    import configparser

    from alembic.config import Config

    path = Path(config_file)
    if not path.is_file():
        raise UsageError(f"{config_file}: no such Alembic configuration file")
    config = Config(str(path), ini_section=name)
    try:
        location = config.get_main_option("script_location")
    except configparser.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise UsageError(f"{config_file}: not a valid configuration file ({first})") from None
    if not location:
        raise UsageError(f"{config_file}: section [{name}] has no script_location")
    return config


class _Progress:
    """``tables done / total, current table`` on stderr, only on an interactive terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int, table: TableRef) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rcounting [{bar}] {done}/{total} {str(table)[:40]:<40}{end}")
        sys.stderr.flush()


def _is_heading(line: str) -> bool:
    """Section titles of the text and markdown reports."""
    return line.startswith("#") or (line.rstrip().endswith(":") and not line.startswith(" "))


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        emit(text, bold_lines=_is_heading)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@click.command()
@project_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of printing it.",
)
@click.option("--check", is_flag=True, help="Exit 1 when there is drift the policy would act on.")
@click.option(
    "--strict",
    is_flag=True,
    help="Like --check, and also exit 1 when the models claim what the data contradicts "
    "(a type too narrow for the values, NOT NULL over NULLs): changes the policy suppressed.",
)
@click.option(
    "--backup",
    "backup",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Also write a JSON backup of the database structure (default name: UTC timestamp).",
)
@handle_errors
def audit(
    config_file: str,
    name: str,
    x_args: tuple[str, ...],
    url: str | None,
    metadata_path: str | None,
    fmt: str,
    output: Path | None,
    check: bool,
    strict: bool,
    backup: str | None,
) -> None:
    """Report the drift between the database and the models, with counts and decisions.

    \b
    Examples:
      alembic-additive audit                      # the project in ./alembic.ini
      alembic-additive audit --format markdown -o drift.md
      alembic-additive audit --format json --check
      alembic-additive audit --strict   # --check, and fail on models the data contradicts
      alembic-additive audit --url sqlite:///app.db --metadata app.models:Base
    """
    from .formats import FORMATS
    from .report import build_report

    comparison = compare(config_file, name, x_args, url, metadata_path)
    with quiet_logs():
        verdict = comparison.verdict(_Progress(fmt != "json"))
    report = build_report(comparison, verdict)
    _emit(FORMATS[fmt](report), output)
    if backup is not None:
        _write_backup(comparison, backup, fmt)
    summary = report["summary"]
    if (check or strict) and summary["pending_operations"]:
        sys.exit(EXIT_FOUND)
    if strict and summary["contradicted_claims"]:
        sys.exit(EXIT_FOUND)
    sys.exit(EXIT_OK)


def _write_backup(comparison: Any, backup: str, fmt: str) -> None:
    import sqlalchemy as sa

    from . import backup as backup_mod

    engine = comparison.pending.engine
    if engine is None:
        raise UsageError("no database connection to back up")
    schemas: set[str | None] = {None}
    schemas |= {f.table.schema for f in comparison.pending.findings.items if f.table.schema}
    data = backup_mod.structure(
        engine, sorted(schemas, key=lambda s: s or ""), progress=_Progress(fmt != "json")
    )
    path = Path(backup) if backup else Path(backup_mod.default_name())
    backup_mod.write(data, path)
    click.echo(
        f"structure backup: {path} ({len(data['tables'])} tables, {sa.__name__} reflection)",
        err=True,
    )


@click.command()
@project_options
@click.option(
    "--style",
    type=click.Choice(["auto", "declarative", "core"]),
    default="auto",
    show_default=True,
    help="mapped_column classes, or sa.Column / sa.Table; auto follows the project "
    "(declarative when the models' MetaData belongs to a declarative base).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the code to FILE instead of printing it.",
)
@handle_errors
def recover(
    config_file: str,
    name: str,
    x_args: tuple[str, ...],
    url: str | None,
    metadata_path: str | None,
    style: str,
    output: Path | None,
) -> None:
    """Write model code for every orphan column and table that holds data.

    \b
    Examples:
      alembic-additive recover --style declarative -o recovered.py
      alembic-additive recover --style core
    """
    from .recover import recovery_code

    comparison = compare(config_file, name, x_args, url, metadata_path)
    with quiet_logs():
        verdict = comparison.verdict(_Progress(True))
    code = recovery_code(verdict, comparison.dialect, style, comparison.metadata)
    _emit(code, output)
    sys.exit(EXIT_OK)


@click.command()
@click.option(
    "-c",
    "--config",
    "config_file",
    default="alembic.ini",
    show_default=True,
    help="Alembic configuration file.",
)
@click.option(
    "-n", "--name", default="alembic", show_default=True, help="Section of the configuration file."
)
@click.option("-x", "x_args", multiple=True, metavar="KEY=VALUE", help="Passed to env.py.")
@click.option(
    "-m", "--message", default="drop empty orphans", show_default=True, help="Revision message."
)
@handle_errors
def cleanup(config_file: str, name: str, x_args: tuple[str, ...], message: str) -> None:
    """Write a revision that drops only the orphan columns and tables that are empty now.

    Opt-in and never part of autogenerate. The upgrade re-counts every target first and
    refuses, with nothing dropped, if data appeared since; the downgrade re-creates them.

    \b
    Example:
      alembic-additive cleanup -m "drop empty orphans" && alembic upgrade head
    """

    from .cleanup import write_cleanup

    with quiet_logs():
        result = write_cleanup(load_config(config_file, name), message, _x(x_args))
    if result.revision is None:
        click.echo("Nothing to clean up: no orphan is empty.")
    else:
        click.echo(
            f"Wrote {result.revision}: drops {len(result.columns)} empty column(s) and "
            f"{len(result.tables)} empty table(s)."
        )
    sys.exit(EXIT_OK)


__all__ = ["EXIT_ERROR", "audit", "cleanup", "recover"]
