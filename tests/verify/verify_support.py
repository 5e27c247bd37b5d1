"""Helpers for the verify tests: a small Alembic project per test, with hand-written
revision files, on the test's fresh database.

``make_project`` (tests/helpers.py) writes alembic.ini and env.py; the revisions are written
here, one file each, with the body of ``upgrade()`` given by the test. Helper modules get a
unique name, because Python caches imported modules by name for the whole test session.
"""

from __future__ import annotations

import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import make_project

from alembic_additive.verify import VerifyResult, verify
from alembic_additive.verify.command import verify as verify_command

if TYPE_CHECKING:
    from conftest import Database

MODELS = "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"

REVISION = '''"""{message}"""
from alembic import op
import sqlalchemy as sa
{imports}

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''

# The usual starting point: a table with three rows, every column filled.
ITEMS = """
op.create_table(
    "items",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("legacy", sa.Integer, nullable=True),
)
items = sa.table("items", sa.column("id"), sa.column("name"), sa.column("note"), sa.column("legacy"))
op.bulk_insert(items, [
    {"id": 1, "name": "a", "note": "x", "legacy": 10},
    {"id": 2, "name": "b", "note": "y", "legacy": 20},
    {"id": 3, "name": "c", "note": "z", "legacy": 30},
])
"""


@dataclass
class Run:
    """One run of the click command."""

    code: int
    out: str
    err: str


@dataclass
class Project:
    """An Alembic project in ``folder`` pointing at ``db``."""

    folder: Path
    db: Database

    @property
    def ini(self) -> Path:
        return self.folder / "alembic.ini"

    def revision(
        self, revision: str, down: str | tuple[str, ...] | None, body: str, imports: str = ""
    ) -> Path:
        """Write ``migrations/versions/<revision>.py`` whose upgrade() runs ``body``."""
        text = REVISION.format(
            message=revision,
            imports=imports,
            revision=revision,
            down=down,
            body=textwrap.indent(textwrap.dedent(body).strip() or "pass", "    "),
        )
        path = self.folder / "migrations" / "versions" / f"{revision}.py"
        path.write_text(text, encoding="utf-8")
        return path

    def module(self, source: str) -> str:
        """Write a helper module next to alembic.ini (on sys.path); return its unique name."""
        name = f"migration_helpers_{uuid.uuid4().hex[:10]}"
        (self.folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return name

    def verify(self, **kwargs: Any) -> VerifyResult:
        return verify(self.ini, **kwargs)

    def cli(self, *args: str, config: bool = True) -> Run:
        argv = (["-c", str(self.ini)] if config else []) + list(args)
        result = CliRunner().invoke(verify_command, argv, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def version(self) -> list[str]:
        """The rows of alembic_version ([] when the table does not exist)."""
        with self.db.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return []
            return sorted(
                r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            )


def new_project(tmp_path: Path, db: Database) -> Project:
    folder = tmp_path / "project"
    make_project(folder, db.ini_url, MODELS)
    return Project(folder, db)


def triples(result: VerifyResult) -> list[tuple[Any, ...]]:
    """The violations as (revision, kind, table, column, before, after) tuples."""
    return [
        (v.revision, v.kind.value, v.table, v.column, v.before, v.after) for v in result.violations
    ]


def violation_lines(run: Any) -> list[str]:
    """The violation lines of a CLI run's output (the summary line dropped)."""
    lines: list[str] = run.out.splitlines()[:-1]
    return lines


def rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """What ``sql`` reads from the test's database, as plain tuples."""
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def hashed_tables(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The tables verify fingerprints from now on (filled as it takes them)."""
    from alembic_additive.verify import prints

    tables: set[str] = set()
    real = prints.take

    def take(connection: Any, ref: Any, *args: Any, **kwargs: Any) -> Any:
        tables.add(str(ref))
        return real(connection, ref, *args, **kwargs)

    monkeypatch.setattr(prints, "take", take)
    return tables
