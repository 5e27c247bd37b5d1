"""Errors exit 2 with one line on stderr and no traceback: an unreachable database (the URL's
password masked), a failing revision (named, with the first line of its error), bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import make_project
from verify_support import ITEMS, MODELS, Project, new_project

from alembic_additive.verify import RevisionFailed, VerifyError, verify


def _one_line_error(run: Any) -> str:
    assert run.code == 2, run
    assert run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    line: str = run.err.strip()
    assert line.startswith("alembic-additive: error: ")
    return line


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgresql://u:secret@127.0.0.1:1/x", "postgresql://u:***@127.0.0.1:1/x"),
        ("mysql+pymysql://u:secret@127.0.0.1:1/x", "mysql+pymysql://u:***@127.0.0.1:1/x"),
    ],
)
def test_unreachable_database_masks_the_password(tmp_path: Path, url: str, masked: str) -> None:
    project = Project(tmp_path, None)  # type: ignore[arg-type]
    make_project(tmp_path, url.replace("%", "%%"), MODELS)
    project.revision("r1", None, ITEMS)

    for args in (["--url", url], []):  # given on the command line, or read from alembic.ini
        run = project.cli(*args)
        line = _one_line_error(run)
        assert line.startswith(f"alembic-additive: error: cannot connect to {masked}: ")
        assert "secret" not in run.out + run.err
    with pytest.raises(VerifyError) as caught:
        verify(project.ini)
    assert "secret" not in str(caught.value)


def test_password_is_masked_in_the_summary(
    tmp_path: Path, make_database: Callable[[str], Any]
) -> None:
    # The test server trusts local connections, so any password works.
    db = make_database("postgresql")
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    url = db.url.set(username="postgres", password="secret").render_as_string(hide_password=False)

    run = project.cli("--url", url)

    assert run.code == 0, run
    assert "secret" not in run.out + run.err
    assert "postgres:***@" in run.out


def test_failing_revision_is_named(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("DELETE FROM items WHERE id = 1")')
    project.revision("r3", "r2", 'op.execute("UPDATE no_such_table SET x = 1")')
    project.revision("r4", "r3", "pass")

    run = project.cli()

    line = _one_line_error(run)
    assert line.startswith("alembic-additive: error: revision r3 failed: ")
    assert "no_such_table" in line
    # What ran before the failure is still reported, and stays applied (each was committed).
    assert run.out.splitlines() == ["r2: rows-lost items: rows 3 → 2"]
    assert project.version() == ["r2"]


def test_failing_revision_python_error_and_json(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'raise RuntimeError("boom\\nsecond line")')

    run = project.cli("--format", "json")

    assert _one_line_error(run) == "alembic-additive: error: revision r2 failed: boom"
    assert run.out.strip().startswith("{") and '"violations": []' in run.out

    with pytest.raises(RevisionFailed) as caught:
        project.verify(from_rev="r1")
    assert caught.value.revision == "r2"
    assert caught.value.partial.revisions == []


def test_usage_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(tmp_path, None)  # type: ignore[arg-type]
    make_project(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", MODELS)
    project.revision("r1", None, ITEMS)

    assert "'xml' is not one of" in _one_line_error(project.cli("--format", "xml"))
    assert "--seed-rows" in _one_line_error(project.cli("--seed-rows", "-1"))
    assert "No such option" in _one_line_error(project.cli("--nope"))
    assert "nope.ini: no such file" in _one_line_error(
        project.cli("-c", str(tmp_path / "nope.ini"), config=False)
    )
    assert "Can't locate revision" in _one_line_error(project.cli("--to", "zzz"))
    monkeypatch.chdir(tmp_path / "migrations")
    assert "no ./alembic.ini" in _one_line_error(project.cli(config=False))


def test_no_url_anywhere(tmp_path: Path) -> None:
    project = Project(tmp_path, None)  # type: ignore[arg-type]
    make_project(tmp_path, "", MODELS)

    line = _one_line_error(project.cli())

    assert line == (
        "alembic-additive: error: no database URL: pass --url or set sqlalchemy.url in alembic.ini"
    )


def test_help_shows_an_example() -> None:
    from click.testing import CliRunner

    from alembic_additive.verify.command import verify as command

    run = CliRunner().invoke(command, ["--help"])
    assert run.exit_code == 0
    assert "alembic-additive verify --url" in run.output
    assert "--rollback" in run.output and "--seed-rows N" in run.output


def test_nothing_committed_by_a_refused_run(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    with pytest.raises(VerifyError):
        project.verify(to_rev="nope")
    with project.db.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
