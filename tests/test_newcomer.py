"""The rough edges a newcomer hits with the standalone commands, CI checks and messages.

Each test is a case from the issue "Suggestions you can paste, other autogenerate
extensions, and the rough edges a newcomer hits", run as a user would: the installed
console script or the click group, on real databases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from conftest import Database
from helpers import alembic, make_project

from alembic_additive.cli import main

CLI = str(Path(sys.executable).with_name("alembic-additive"))

MODELS = """import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


metadata = Base.metadata


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(5), nullable=False)
"""


@pytest.fixture(autouse=True)
def fresh_models_module() -> Iterator[None]:
    """env.py imports the project's ``models``; each test has its own."""
    sys.modules.pop("models", None)
    yield
    sys.modules.pop("models", None)


def drifted(db: Database) -> None:
    """``patients.code`` holds values longer than the model's String(5), and NULLs; an
    orphan column ``notes`` holds data."""
    with db.engine.begin() as conn:
        md = sa.MetaData()
        t = sa.Table(
            "patients",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("code", sa.String(40), nullable=True),
            sa.Column("notes", sa.String(40), nullable=True),
        )
        md.create_all(conn)
        conn.execute(
            t.insert(),
            [
                {"id": 1, "code": "A-0000000001", "notes": "n"},
                {"id": 2, "code": None, "notes": None},
                {"id": 3, "code": "B1", "notes": None},
            ],
        )


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_metadata_module_is_found_in_the_working_directory(tmp_path: Path) -> None:
    """``--metadata models:Base`` from the folder holding models.py, as Alembic's
    ``prepend_sys_path = .`` does for a project."""
    (tmp_path / "models.py").write_text(MODELS)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    drifted(Database("sqlite", engine.url, engine))
    proc = subprocess.run(
        [CLI, "audit", "--url", "sqlite:///app.db", "--metadata", "models:Base"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "patients.notes" in proc.stdout


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_url_without_driver_works_in_every_command(
    dialect: str, make_database: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``postgresql://`` (SQLAlchemy 2.1: psycopg 3) and ``mysql://`` (mysqlclient) use the
    drivers this package installs; ``--debug`` says which."""
    db: Database = make_database(dialect)  # type: ignore[operator]
    drifted(db)
    bare = db.url.set(drivername=dialect).render_as_string(hide_password=False)
    (tmp_path / "app_models.py").write_text(MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    for command in ("audit", "recover"):
        result = CliRunner().invoke(
            main, ["--debug", command, "--url", bare, "--metadata", "app_models:Base"]
        )
        assert result.exit_code == 0, result.output
        assert "notes" in result.stdout
        expected = "pymysql" if dialect == "mysql" else "psycopg2"
        assert f"{dialect}+{expected}" in result.stderr, result.stderr
    project = tmp_path / "p"
    make_project(project, bare.replace("%", "%%"), MODELS)
    cleaned = run("cleanup", "-c", str(project / "alembic.ini"))
    assert cleaned.exit_code == 0, cleaned.output
    assert cleaned.output.startswith("Nothing to clean up") or "Wrote" in cleaned.output


def test_a_bad_setting_is_one_line_with_one_prefix(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    drifted(Database("sqlite", engine.url, engine))
    make_project(
        tmp_path, f"sqlite:///{tmp_path / 'app.db'}", MODELS, '            additive_probe="fast",\n'
    )
    result = run("audit", "-c", str(tmp_path / "alembic.ini"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "alembic-additive: error: context.configure(additive_...) probe: expected one of "
        "exact, estimate, off, got 'fast'"
    ]
    plain = alembic(tmp_path, "check", check=False)
    assert plain.returncode != 0
    assert plain.stderr.count("alembic-additive:") == 1, plain.stderr


def test_a_connection_error_in_project_mode_names_the_masked_url(tmp_path: Path) -> None:
    make_project(tmp_path, "postgresql+psycopg2://u:S3cretPw@127.0.0.1:1/x", MODELS)
    result = run("audit", "-c", str(tmp_path / "alembic.ini"))
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(
        "alembic-additive: error: cannot connect to postgresql+psycopg2://u:***@127.0.0.1:1/x: "
        "OperationalError: "
    )
    assert "S3cretPw" not in result.output


def test_audit_strict_fails_on_models_the_data_contradicts(db: Database, tmp_path: Path) -> None:
    """Models say String(5) NOT NULL; the column holds longer values and NULLs. The policy
    suppresses both changes, so ``alembic check`` and ``audit --check`` pass; ``--strict``
    makes CI fail, and every format says why, in counts."""
    drifted(db)
    make_project(tmp_path, db.ini_url, MODELS)
    ini = str(tmp_path / "alembic.ini")
    assert run("audit", "-c", ini, "--check").exit_code == 0
    alembic(tmp_path, "check")
    strict = run("audit", "-c", ini, "--strict", "--format", "json")
    assert strict.exit_code == 1, strict.output
    report = json.loads(strict.stdout)
    assert report["summary"]["contradicted_claims"] == 2
    [mismatch] = report["type_mismatches"]
    assert (mismatch["values_not_fitting"], mismatch["decision"]["action"]) == (1, "suppress")
    [nulls] = report["nullability_mismatches"]
    assert (nulls["nulls"], nulls["decision"]["action"]) == (1, "suppress")

    text = run("audit", "-c", ini).stdout
    assert "model claims the data contradicts" in text
    row = next(
        line for line in text.splitlines() if line.startswith("  patients.code") and "->" in line
    )
    assert row.split()[-6:] == ["1", "value(s)", "would", "not", "fit", "suppress"]

    markdown = run("audit", "-c", ini, "--format", "markdown").stdout
    assert "1 value(s) would not fit (suppress)" in markdown
    assert (
        "**NOT NULL in the model, NULLs in the database** `patients.code`: "
        "1 NULL value(s) of 3 rows (suppress)" in markdown
    )
    critical = markdown.split("## Critical findings", 1)[1].split("\n## ", 1)[0]
    assert "would not fit" in critical and "NOT NULL in the model" in critical


def test_estimated_counts_show_a_tilde_in_every_format(
    make_database: object, tmp_path: Path
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    drifted(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE legacy (id integer)"))
        conn.execute(sa.text("INSERT INTO legacy SELECT generate_series(1, 50)"))
        conn.execute(sa.text("ANALYZE"))
    make_project(tmp_path, db.ini_url, MODELS, '            additive_probe="estimate",\n')
    ini = str(tmp_path / "alembic.ini")
    text = run("audit", "-c", ini).stdout
    assert "  legacy  ~50 rows" in text
    assert "~1 NULL of ~3 rows" in text
    markdown = run("audit", "-c", ini, "--format", "markdown").stdout
    assert "**Orphan table** `legacy`: ~50 rows (in use)" in markdown
    report = json.loads(run("audit", "-c", ini, "--format", "json").stdout)
    assert report["summary"]["probe"] == "estimate"
    assert all(t["estimated"] for t in report["orphan_tables"])
    assert all(n["estimated"] for n in report["nullability_mismatches"])


ORPHAN_ONLY = """import sqlalchemy as sa

metadata = sa.MetaData()
patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=True),
)
"""


@pytest.mark.parametrize("choice", ["write", "skip"])
def test_a_findings_only_revision_is_written_or_skipped_as_configured(
    choice: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    drifted(Database("sqlite", engine.url, engine))
    make_project(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", ORPHAN_ONLY)
    if choice == "skip":
        (tmp_path / "pyproject.toml").write_text(
            '[tool.alembic_additive]\nfindings_only_revision = "skip"\n'
        )
    proc = alembic(tmp_path, "revision", "--autogenerate", "-m", "again")
    written = list((tmp_path / "migrations" / "versions").glob("*.py"))
    if choice == "write":
        assert len(written) == 1
        assert "this revision holds only findings (1 orphan column(s), 0 orphan table(s))" in (
            proc.stdout
        )
    else:
        assert written == []
        assert (
            "no revision written: the upgrade would hold only findings "
            "(1 orphan column(s), 0 orphan table(s))" in proc.stdout
        )
    alembic(tmp_path, "upgrade", "head")
    # a revision with something to run is written whatever the setting
    (tmp_path / "models.py").write_text(
        ORPHAN_ONLY.replace(
            'sa.Column("code", sa.String(40), nullable=True),',
            'sa.Column("code", sa.String(40), nullable=True),\n'
            '    sa.Column("email", sa.String(80), nullable=True),',
        )
    )
    sys.modules.pop("models", None)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "email")
    assert len(list((tmp_path / "migrations" / "versions").glob("*.py"))) == len(written) + 1


def test_skip_leaves_an_empty_revision_the_user_asked_for(tmp_path: Path) -> None:
    """No drift at all: Alembic's own empty revision is not the plugin's to remove."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE patients (id INTEGER PRIMARY KEY, code VARCHAR(40))"))
    make_project(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", ORPHAN_ONLY)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive]\nfindings_only_revision = "skip"\n'
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "nothing")
    assert len(list((tmp_path / "migrations" / "versions").glob("*.py"))) == 1


def test_an_invalid_findings_only_choice_is_one_line(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    drifted(Database("sqlite", engine.url, engine))
    make_project(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", ORPHAN_ONLY)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive]\nfindings_only_revision = "never"\n'
    )
    proc = alembic(tmp_path, "revision", "--autogenerate", "-m", "x", check=False)
    assert proc.returncode != 0
    assert "findings_only_revision: expected one of write, skip, got 'never'" in proc.stderr
    assert list((tmp_path / "migrations" / "versions").glob("*.py")) == []


def test_recover_follows_the_project_style_by_default(tmp_path: Path) -> None:
    """Declarative models get classes, Core models get ``sa.Column`` lists, unasked."""
    for models, expected, absent in (
        (MODELS, "Mapped[", "RECOVERED_COLUMNS"),
        (ORPHAN_ONLY, "RECOVERED_COLUMNS", "Mapped["),
    ):
        folder = tmp_path / expected.strip("[")
        folder.mkdir()
        engine = sa.create_engine(f"sqlite:///{folder / 'app.db'}")
        drifted(Database("sqlite", engine.url, engine))
        make_project(folder, f"sqlite:///{folder / 'app.db'}", models)
        sys.modules.pop("models", None)
        result = run("recover", "-c", str(folder / "alembic.ini"))
        assert result.exit_code == 0, result.output
        assert expected in result.stdout and absent not in result.stdout
        compile(result.stdout, "recovered.py", "exec")
