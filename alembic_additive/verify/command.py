"""``alembic-additive verify``: the click command around :func:`alembic_additive.verify.verify`.

The command only gathers inputs, calls the library, prints the report and maps the result to
the exit codes every alembic-additive command shares (0 nothing lost, 1 violations, 2 error).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from ..cli_support import EXIT_FOUND, EXIT_OK, UsageError, handle_errors
from .output import FORMATS


class _UsageError(click.ClickException):
    """A click usage error, shown as one line (like every other error) with exit code 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"alembic-additive: error: {self.format_message()}", err=True)


class _Command(click.Command):
    """Turns click's three-line usage errors into one line, exit 2."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise _UsageError(error.format_message()) from error


@click.command("verify", cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "ini",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="alembic.ini of the project (default: ./alembic.ini). Its env.py is not run.",
)
@click.option(
    "--url",
    default=None,
    help="Database to run on (default: sqlalchemy.url of alembic.ini). A scratch or CI "
    "database, or a production copy with --rollback.",
)
@click.option(
    "--from",
    "from_rev",
    default=None,
    metavar="REV",
    help="Start here (default: the database's current revision).",
)
@click.option(
    "--to",
    "to_rev",
    default="head",
    show_default=True,
    metavar="REV",
    help="Stop after this revision.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (one line per violation and a summary) or json.",
)
@click.option(
    "--rollback",
    is_flag=True,
    help="Run everything in one transaction and roll it back at the end, leaving the "
    "database unchanged (PostgreSQL; refused where DDL is not transactional).",
)
@click.option(
    "--seed-rows",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Before each revision, give every empty table N synthetic rows, so a DELETE on "
    "it is seen.",
)
@click.option(
    "--schema",
    "schemas",
    multiple=True,
    metavar="NAME",
    help="Also count the tables of this schema (repeatable); the default schema always is.",
)
@click.option(
    "--recount-all",
    is_flag=True,
    help="PostgreSQL: scan every table after every revision, not only those the "
    "transaction's statistics show as written (slower; also sees writes a revision makes "
    "through a connection of its own).",
)
@click.option(
    "--sqlite-foreign-keys",
    is_flag=True,
    help="SQLite: run with PRAGMA foreign_keys=ON, as an env.py that turns them on does "
    "(env.py is not run), so ON DELETE/ON UPDATE actions run as under alembic upgrade.",
)
@handle_errors
def verify(
    ini: Path | None,
    url: str | None,
    from_rev: str | None,
    to_rev: str,
    fmt: str,
    rollback: bool,
    seed_rows: int,
    schemas: tuple[str, ...],
    recount_all: bool,
    sqlite_foreign_keys: bool,
) -> None:
    """Run the revisions one at a time and fail if any of them lost data.

    Before and after each revision it counts tables, columns, rows and non-null values
    per column (one query per table; on PostgreSQL only the tables the revision wrote
    are scanned again). A revision that removes a table or a column, or
    lowers a row count or a non-null count, is a violation — even when the loss is hidden
    in a helper module or in SQL built at run time, which lint cannot see. Values a
    revision's statements could change are fingerprinted before and after it: a value
    still there but different (truncated, cast, trimmed, re-encoded) is values-changed;
    a column whose values all moved to another column is column-renamed (not a violation).

    \b
    Examples:
      alembic-additive verify --url postgresql://ci@localhost/ci_db
      alembic-additive verify -c db/alembic.ini --from 1a2b3c --to head --format json
      alembic-additive verify --url "$PROD_COPY_URL" --rollback --seed-rows 3

    \b
    Exit codes: 0 nothing lost, 1 violations, 2 error (unreachable database, failing
    revision, --rollback on a dialect without transactional DDL).
    """
    from . import RevisionFailed
    from . import verify as run_verify
    from .output import render

    if ini is None:
        ini = Path("alembic.ini")
        if not ini.is_file():
            raise UsageError("no ./alembic.ini (pass the project's alembic.ini with -c)")

    def note(message: str) -> None:
        click.echo(f"alembic-additive: note: {message}", err=True)

    try:
        result = run_verify(
            ini,
            url=url,
            from_rev=from_rev,
            to_rev=to_rev,
            rollback=rollback,
            seed_rows=seed_rows,
            schemas=(None, *dict.fromkeys(schemas)),
            on_note=note,
            recount_all=recount_all,
            sqlite_foreign_keys=sqlite_foreign_keys,
        )
    except RevisionFailed as failure:
        # What ran before the failing revision is still worth seeing; the error line
        # (printed by handle_errors) names the revision.
        if failure.partial.violations or fmt == "json":
            click.echo(render(failure.partial, fmt, summary=False))
        raise
    click.echo(render(result, fmt))
    click.get_current_context().exit(EXIT_FOUND if result.violations else EXIT_OK)
