"""``alembic-additive audit``, ``recover`` and ``cleanup`` on real databases."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project

from alembic_additive import clinic
from alembic_additive.cli import main

NOISE = "\n".join(
    f'noise_{i} = sa.Table("noise_{i}", metadata, sa.Column("id", sa.Integer, primary_key=True), '
    f'sa.Column("label", sa.String(40)), sa.Column("n", sa.Integer))'
    for i in range(30)
)


@pytest.fixture(autouse=True)
def fresh_models_module() -> Iterator[None]:
    """env.py imports the project's ``models``; each test has its own."""
    sys.modules.pop("models", None)
    yield
    sys.modules.pop("models", None)


def clinic_project(db: Database, folder: Path) -> Path:
    with db.engine.begin() as conn:
        clinic.build_database(conn)
        noise = sa.MetaData()
        exec(
            compile("import sqlalchemy as sa\nmetadata = md\n" + NOISE, "noise", "exec"),
            {"md": noise},
        )
        noise.create_all(conn)
        for table in noise.sorted_tables:
            conn.execute(table.insert(), [{"label": "x", "n": 1}, {"label": None, "n": None}])
    make_project(folder, db.ini_url, clinic.MODELS_SOURCE + "\n" + NOISE + "\n")
    return folder / "alembic.ini"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--debug", *args], catch_exceptions=False)


def test_audit_json_reports_exactly_the_drift(db: Database, tmp_path: Path) -> None:
    ini = clinic_project(db, tmp_path)
    result = run("audit", "-c", str(ini), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)

    with_data = {
        (c["table"], c["column"]): c["non_null"] for c in report["orphan_columns"] if c["non_null"]
    }
    assert with_data == clinic.ORPHAN_COLUMNS_WITH_DATA
    empty = {(c["table"], c["column"]) for c in report["orphan_columns"] if c["non_null"] == 0}
    assert empty == set(clinic.EMPTY_ORPHAN_COLUMNS)
    for c in report["orphan_columns"]:
        assert c["rows"] == clinic.TABLE_ROWS[c["table"]]
        assert c["decision"]["action"] == "suppress"
    assert {t["table"]: t["rows"] for t in report["orphan_tables"]} == {
        "dashboards": 0,
        "session": 3,
    }
    assert {t["table"] for t in report["missing_tables"]} == {"migration_invitations"}
    assert {(c["table"], c["column"]) for c in report["missing_columns"]} == set(
        clinic.MISSING_COLUMNS
    )
    # nothing that is not drift: the 30 identical noise tables appear nowhere
    assert "noise_" not in result.stdout
    assert report["type_mismatches"] == [] and report["nullability_mismatches"] == []
    assert report["orphan_constraints"] == []
    assert [i["table"] for i in report["orphan_indexes"]] == ["session"]
    s = report["summary"]
    assert (s["database_tables"], s["model_tables"]) == (78 + 30, 77 + 30)
    assert s["orphan_columns_with_data"] == 32 and s["pending_operations"] == 4


def test_audit_text_markdown_and_check(make_database: object, tmp_path: Path) -> None:
    db: Database = make_database("sqlite")  # type: ignore[operator]
    ini = clinic_project(db, tmp_path)
    text = run("audit", "-c", str(ini))
    assert text.exit_code == 0
    assert "  vitals.patient_id" in text.stdout and "15 non-null" in text.stdout
    md = run("audit", "-c", str(ini), "--format", "markdown", "-o", str(tmp_path / "drift.md"))
    assert md.exit_code == 0
    markdown = (tmp_path / "drift.md").read_text()
    assert "## Summary statistics" in markdown and "## Critical findings" in markdown
    assert "### vitals table:\n\n- blood_pressure (11 value(s), VARCHAR(20))" in markdown
    assert "**Orphan table** `dashboards`: 0 rows (empty)" in markdown
    assert "**Orphan table** `session`: 3 rows (in use)" in markdown
    checked = run("audit", "-c", str(ini), "--format", "json", "--check")
    assert checked.exit_code == 1  # two missing columns and a missing table are pending
    # once the revision is applied, only the suppressed drift remains: --check passes
    alembic(tmp_path, "revision", "--autogenerate", "-m", "sync")
    alembic(tmp_path, "upgrade", "head")
    sys.modules.pop("models", None)
    assert run("audit", "-c", str(ini), "--format", "json", "--check").exit_code == 0


def test_backup_is_structure_and_counts_only(
    make_database: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db: Database = make_database("sqlite")  # type: ignore[operator]
    ini = clinic_project(db, tmp_path)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE patients SET first_name = 'Zyxwvut-Secret-Name' WHERE id = 1"))
    monkeypatch.chdir(tmp_path)
    result = run("audit", "-c", str(ini), "--format", "json", "--backup")
    assert result.exit_code == 0
    (backup,) = tmp_path.glob("database-backup-*Z.json")
    assert len(backup.name) == len("database-backup-2025-07-17T17-16-59Z.json")
    data = json.loads(backup.read_text())
    tables = {t["table"]: t for t in data["tables"]}
    assert {n: t["rows"] for n, t in tables.items() if n in clinic.TABLE_ROWS} == clinic.TABLE_ROWS
    vitals = {c["name"]: c for c in tables["vitals"]["columns"]}
    assert vitals["patient_id"]["nullable"] is True
    for text in (backup.read_text(), result.stdout, result.stderr):
        assert "Zyxwvut" not in text


def test_recovered_code_clears_the_orphans(db: Database, tmp_path: Path) -> None:
    ini = clinic_project(db, tmp_path)
    result = run("recover", "-c", str(ini), "--style", "core", "-o", str(tmp_path / "recovered.py"))
    assert result.exit_code == 0, result.output
    code = (tmp_path / "recovered.py").read_text()
    compile(code, "recovered.py", "exec")
    # append the recovered columns to the models and the orphan table: audit again
    models = tmp_path / "models.py"
    models.write_text(
        models.read_text()
        + "\n\nimport recovered as _recovered\n_recovered.apply(metadata)\n"
        + "for _t in list(_recovered.metadata.tables.values()):\n    _t.to_metadata(metadata)\n"
    )
    sys.modules.pop("recovered", None)
    sys.modules.pop("models", None)
    again = run("audit", "-c", str(ini), "--format", "json")
    sys.modules.pop("recovered", None)
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert [c for c in report["orphan_columns"] if c["non_null"] != 0] == []
    assert [t["table"] for t in report["orphan_tables"]] == ["dashboards"]
    assert report["orphan_indexes"] == []  # the session table's index was recovered too
    assert report["type_mismatches"] == []


def test_recover_declarative_compiles_and_maps(make_database: object, tmp_path: Path) -> None:
    db: Database = make_database("sqlite")  # type: ignore[operator]
    ini = clinic_project(db, tmp_path)
    result = run("recover", "-c", str(ini), "--style", "declarative")
    (tmp_path / "recovered_declarative.py").write_text(result.stdout)
    import importlib

    module = importlib.import_module("recovered_declarative")  # the project folder is on sys.path
    sys.modules.pop("recovered_declarative", None)
    session = module.Session
    assert [c.name for c in session.__table__.columns] == ["sid", "sess", "expire"]  # type: ignore[attr-defined]
    assert "class VitalsRecovered:" in result.stdout
    assert (
        "    patient_id: Mapped[int | None] = mapped_column(sa.INTEGER(), nullable=True)  # 15 value(s)"
        in result.stdout
    )


def test_cleanup_drops_only_what_is_empty_and_refuses_new_data(
    db: Database, tmp_path: Path
) -> None:
    ini = clinic_project(db, tmp_path)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "sync")
    alembic(tmp_path, "upgrade", "head")
    sys.modules.pop("models", None)
    result = run("cleanup", "-c", str(ini), "-m", "drop empty orphans")
    assert result.exit_code == 0, result.output
    assert "drops 98 empty column(s) and 1 empty table(s)" in result.stdout
    before = dump(db.engine)

    # data appears in one target after the revision was written: nothing is dropped
    table, column = sorted(clinic.EMPTY_ORPHAN_COLUMNS)[0]
    with db.engine.begin() as conn:
        t = sa.table(table, sa.column(column))
        conn.execute(sa.update(t).values({column: None}))  # touch, still empty
        conn.execute(
            sa.insert(sa.table("dashboards", sa.column("id"), sa.column("name"))).values(
                id=1, name="d"
            )
        )
    refused = alembic(tmp_path, "upgrade", "head", check=False)
    assert refused.returncode != 0
    assert (
        "refusing to clean up, data appeared since the audit in: dashboards (1 row(s)); nothing was dropped"
        in refused.stderr
    )
    after = dump(db.engine)
    after["dashboards"] = before["dashboards"]
    assert after == before

    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM dashboards"))
    alembic(tmp_path, "upgrade", "head")
    cleaned = dump(db.engine)
    assert "dashboards" not in cleaned
    for t, c in clinic.EMPTY_ORPHAN_COLUMNS:
        assert c not in cleaned[t]["columns"]
    for t, c in clinic.ORPHAN_COLUMNS_WITH_DATA:
        assert c in cleaned[t]["columns"]
    # every value that existed is still there, minus the empty columns
    kept = {
        n: {
            "columns": [c for c in s["columns"] if (n, c) not in clinic.EMPTY_ORPHAN_COLUMNS],
            "rows": None,
        }
        for n, s in before.items()
    }
    for name, state in before.items():
        if name in ("dashboards", "alembic_version"):
            continue
        idx = [
            i
            for i, c in enumerate(state["columns"])
            if (name, c) not in clinic.EMPTY_ORPHAN_COLUMNS
        ]
        kept[name]["rows"] = sorted(tuple(r[i] for i in idx) for r in state["rows"])
    assert_preserved({n: s for n, s in kept.items() if s["rows"] is not None}, cleaned)

    alembic(tmp_path, "downgrade", "-1")
    restored = dump(db.engine)
    assert "dashboards" in restored
    for t, c in clinic.EMPTY_ORPHAN_COLUMNS:
        assert c in restored[t]["columns"]


def test_standalone_mode_masks_the_password(
    make_database: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    with db.engine.begin() as conn:
        clinic.build_database(conn)
    (tmp_path / "clinic_models.py").write_text(clinic.MODELS_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    url = db.url.set(password="Very-Secret-9").render_as_string(
        hide_password=False
    )  # trust auth ignores it
    for fmt in ("text", "markdown", "json"):
        result = run("audit", "--url", url, "--metadata", "clinic_models:metadata", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "Very-Secret-9" not in result.stdout + result.stderr
        assert "***" in result.stdout
    bad = CliRunner().invoke(
        main,
        [
            "audit",
            "--url",
            "postgresql+psycopg2://u:Very-Secret-9@127.0.0.1:1/x",
            "--metadata",
            "clinic_models:metadata",
        ],
    )
    assert bad.exit_code == 2
    assert "Very-Secret-9" not in bad.output
    assert len(bad.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "-c", "missing.ini"], "missing.ini: no such Alembic configuration file"),
        (["audit", "--url", "sqlite://"], "standalone mode needs both --url and --metadata"),
        (
            ["audit", "--url", "sqlite://", "--metadata", "nope"],
            "--metadata expects package.module:attribute",
        ),
        (
            ["audit", "--url", "sqlite://", "--metadata", "no_such_mod:md"],
            "cannot import 'no_such_mod'",
        ),
        (["audit", "-x", "novalue"], "-x expects KEY=VALUE, got 'novalue'"),
        (["cleanup", "-c", "missing.ini"], "missing.ini: no such Alembic configuration file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_errors_from_the_project_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.ini").write_text("[alembic\nfoo")
    result = CliRunner().invoke(main, ["audit", "-c", "broken.ini"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "alembic-additive: error: broken.ini: not a valid configuration file "
        "(File contains no section headers.)"
    )
    project = tmp_path / "p"
    make_project(project, "postgresql+psycopg2://u:S3cretPw@127.0.0.1:1/x", clinic.MODELS_SOURCE)
    result = CliRunner().invoke(main, ["audit", "-c", str(project / "alembic.ini")])
    assert result.exit_code == 2 and "S3cretPw" not in result.output
    assert result.output.strip().splitlines()[-1].startswith(
        "alembic-additive: error: cannot connect to postgresql+psycopg2://u:***@127.0.0.1:1/x: "
        "OperationalError: "
    )
    env = project / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "from models import metadata as target_metadata", "target_metadata = None"
        )
    )
    (project / "alembic.ini").write_text(
        (project / "alembic.ini")
        .read_text()
        .replace("postgresql+psycopg2://u:S3cretPw@127.0.0.1:1/x", f"sqlite:///{tmp_path / 'x.db'}")
    )
    result = CliRunner().invoke(main, ["audit", "-c", str(project / "alembic.ini")])
    assert result.exit_code == 2
    assert "does not provide a MetaData object" in result.output.strip().splitlines()[-1]


def test_progress_bar_only_on_an_interactive_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from alembic_additive.audit.command import _Progress
    from alembic_additive.findings import TableRef

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Tty()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = _Progress(True)
    bar(1, 4, TableRef(None, "vitals"))
    bar(4, 4, TableRef(None, "vitals"))
    assert "counting [#######" in terminal.getvalue() and "1/4 vitals" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")
    quiet = Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    _Progress(False)(1, 4, TableRef(None, "vitals"))  # --format json
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    _Progress(True)(1, 4, TableRef(None, "vitals"))  # not a terminal
    assert quiet.getvalue() == "" and pipe.getvalue() == ""


def test_env_py_that_raises_is_one_line(tmp_path: Path) -> None:
    project = tmp_path / "p"
    make_project(project, f"sqlite:///{tmp_path / 'x.db'}", clinic.MODELS_SOURCE)
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text() + '\nraise RuntimeError("env.py failed on purpose")\n')
    result = CliRunner().invoke(main, ["audit", "-c", str(project / "alembic.ini")])
    assert result.exit_code == 2
    assert (
        result.output.strip().splitlines()[-1]
        == "alembic-additive: error: env.py failed on purpose"
    )
    assert "Traceback" not in result.output
