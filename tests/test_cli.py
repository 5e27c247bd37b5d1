"""The command line: ``demo`` end to end, errors as one line with exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from alembic_additive import __version__, clinic
from alembic_additive.cli import main


def test_demo_in_an_empty_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "78 tables; the models declare 77" in out
    assert (
        "vitals.patient_id: 15 non-null value(s) in 20 rows — add to your model:" in out
        or "... and" in out
    )
    assert "Applied it twice (upgrade head, stamp base, upgrade head): both runs succeeded." in out
    assert "Added columns: document_processing_queue.attempts, imaging_results.laterality." in out
    assert "Created tables: migration_invitations." in out
    # an item whose code follows on indented lines says where the code is
    assert "add to your models:\n" not in out and "add to your model:\n" not in out
    assert "alembic check (the orphans stay in the database" in out
    assert out.splitlines()[-1].endswith("history")
    alembic_script = Path(sys.executable).with_name("alembic")
    assert f"&& {alembic_script} history" in out or "&& alembic history" in out
    assert "is unchanged; `alembic check` reports no pending operation." in out
    # the project it leaves behind is real: the counts in the database are the seed's
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo' / 'clinic.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(patient_id) FROM vitals")).scalar() == 15
    assert len(list((tmp_path / "demo" / "migrations" / "versions").glob("*.py"))) == 1
    assert set(sa.inspect(engine).get_table_names()) >= set(clinic.TABLE_ROWS) | {
        "migration_invitations"
    }


def test_demo_refuses_a_used_folder(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\n")
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"alembic-additive: error: {tmp_path} already has alembic.ini; pick an empty folder"
    ]
    assert (tmp_path / "alembic.ini").read_text() == "[alembic]\n"


def test_demo_never_overwrites_a_project(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text("# mine\n")
    (tmp_path / "migrations").mkdir()
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "already has models.py, migrations; pick an empty folder" in result.output
    assert (tmp_path / "models.py").read_text() == "# mine\n"
    assert not (tmp_path / "clinic.db").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("")
    result = CliRunner().invoke(main, ["--debug", "demo", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and result.exception is not None


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.output.strip() == f"alembic-additive, version {__version__}"


def test_installed_console_script_runs_the_demo(tmp_path: Path) -> None:
    script = (
        shutil.which("alembic-additive", path=str(Path(sys.executable).parent))
        or "alembic-additive"
    )
    proc = subprocess.run(
        [script, "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "both runs succeeded" in proc.stdout
    [db] = tmp_path.glob("alembic-additive-demo-*/clinic.db")
    # where the throwaway project is, and how to choose or remove it
    assert f"rm -r {db.parent}" in proc.stdout and "--dir" in proc.stdout
    # the closing hint runs as printed, from a shell whose PATH lacks the venv
    hint = next(line for line in proc.stdout.splitlines() if "look around:" in line)
    command_line = hint.split("look around:", 1)[1].strip()
    shell = subprocess.run(
        ["bash", "-c", command_line],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert shell.returncode == 0, shell.stderr
    assert "sync models with database" in shell.stdout


def test_every_command_module_imports_on_its_own() -> None:
    """No import cycle through the group: each command module can be imported first."""
    for module in (
        "alembic_additive.audit.command",
        "alembic_additive.lint.command",
        "alembic_additive.verify.command",
        "alembic_additive.cli",
    ):
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
