"""The plugin's settings and Alembic's own filters, through the real ``alembic`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, dump, function_source, make_project, only_revision, op_calls

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("status", sa.String(20), nullable=False),
)
"""


def drifted(engine: sa.Engine) -> None:
    md = sa.MetaData()
    patients = sa.Table(
        "patients",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100)),
        sa.Column("legacy", sa.String(20)),
        sa.Column("notes", sa.Text),
    )
    reports = sa.Table("old_reports", md, sa.Column("id", sa.Integer, primary_key=True))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            patients.insert(), [{"name": "A", "legacy": "x"}, {"name": "B", "legacy": None}]
        )
        conn.execute(reports.insert(), [{}, {}])


@pytest.fixture
def sqlite_db(make_database: object) -> Database:
    return make_database("sqlite")  # type: ignore[operator,no-any-return]


def test_allow_drop_keeps_named_drops(sqlite_db: Database, tmp_path: Path) -> None:
    drifted(sqlite_db.engine)
    make_project(
        tmp_path,
        sqlite_db.ini_url,
        MODELS,
        '            additive_allow_drop=["old_reports", "patients.notes"],\n',
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    revision = only_revision(tmp_path)
    calls = op_calls(revision, "upgrade")
    assert "drop_table" in calls
    upgrade = function_source(revision, "upgrade")
    # kept drops run twice (issue 9), outside batch mode; on SQLite the table is rebuilt
    assert "op.drop_column_safe('patients', 'notes')" in upgrade
    assert "op.drop_table('old_reports', if_exists=True)" in upgrade
    assert "legacy" not in upgrade.split("### end alembic-additive ###")[1]
    assert "# drop_table old_reports: allowed by allow_drop" in upgrade


def test_pyproject_policy_and_probe_off(sqlite_db: Database, tmp_path: Path) -> None:
    drifted(sqlite_db.engine)
    make_project(tmp_path, sqlite_db.ini_url, MODELS)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive]\nprobe = "off"\n\n[tool.alembic_additive.policy]\n"add-column" = "suppress"\n'
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    revision = only_revision(tmp_path)
    assert op_calls(revision, "upgrade") == []
    upgrade = function_source(revision, "upgrade")
    assert "# patients.legacy: unknown non-null value(s) in unknown rows" in upgrade
    assert "(probe: off)" in upgrade
    assert "# add_column patients.status: configured: add-column = suppress" in upgrade
    assert upgrade.rstrip().endswith("# ### end Alembic commands ###") is False or "pass" in upgrade
    compile(revision.read_text(), str(revision), "exec")


def test_include_object_is_honoured(sqlite_db: Database, tmp_path: Path) -> None:
    drifted(sqlite_db.engine)
    make_project(
        tmp_path,
        sqlite_db.ini_url,
        MODELS,
        "            include_object=lambda obj, name, type_, reflected, compare_to: name != 'old_reports',\n",
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    assert "old_reports" not in only_revision(tmp_path).read_text()


def test_invalid_option_is_one_clear_line(sqlite_db: Database, tmp_path: Path) -> None:
    drifted(sqlite_db.engine)
    make_project(tmp_path, sqlite_db.ini_url, MODELS, '            additive_probe="sometimes",\n')
    before = dump(sqlite_db.engine)
    proc = alembic(tmp_path, "revision", "--autogenerate", "-m", "x", check=False)
    assert proc.returncode != 0
    message = (
        "alembic-additive: context.configure(additive_...) probe: "
        "expected one of exact, estimate, off, got 'sometimes'"
    )
    assert f"FAILED: {message}" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list((tmp_path / "migrations" / "versions").glob("*.py"))
    after = dump(sqlite_db.engine)
    # Alembic itself creates its (empty) version table before autogenerate runs
    assert after.pop("alembic_version")["rows"] == []
    assert after == before


def test_check_reports_only_what_the_policy_acts_on(sqlite_db: Database, tmp_path: Path) -> None:
    drifted(sqlite_db.engine)
    make_project(tmp_path, sqlite_db.ini_url, MODELS)
    pending = alembic(tmp_path, "check", check=False)
    assert pending.returncode != 0
    assert "add_column" in pending.stderr and "remove_column" not in pending.stderr
    assert "remove_table" not in pending.stderr
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    alembic(tmp_path, "upgrade", "head")
    assert "No new upgrade operations detected." in alembic(tmp_path, "check").stdout


def test_postgresql_non_default_schema(make_database: object, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    with db.engine.begin() as conn:
        conn.execute(sa.text('CREATE SCHEMA "Clinic Data"'))
        conn.execute(
            sa.text('CREATE TABLE "Clinic Data".patients (id serial PRIMARY KEY, legacy text)')
        )
        conn.execute(
            sa.text("""INSERT INTO "Clinic Data".patients (legacy) VALUES ('a'), (NULL), ('b')""")
        )
    models = """import sqlalchemy as sa

metadata = sa.MetaData()

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=True),
    schema="Clinic Data",
)
"""
    make_project(
        tmp_path,
        db.ini_url,
        models,
        "            include_schemas=True,\n"
        "            include_name=lambda name, type_, parent: type_ != 'schema' or name in (None, 'Clinic Data'),\n",
    )
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    revision = only_revision(tmp_path)
    upgrade = function_source(revision, "upgrade")
    assert "# Clinic Data.patients.legacy: 2 non-null value(s) in 3 rows" in upgrade
    assert (
        "op.add_column_if_not_exists('patients', sa.Column('status', sa.String(length=20), nullable=True), schema='Clinic Data')"
        in upgrade
    )
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    cols = [c["name"] for c in sa.inspect(db.engine).get_columns("patients", schema="Clinic Data")]
    assert cols == ["id", "legacy", "status"]
    assert "No new upgrade operations detected." in alembic(tmp_path, "check").stdout


def test_estimate_mode_on_postgresql(make_database: object, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    drifted(db.engine)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    make_project(tmp_path, db.ini_url, MODELS, '            additive_probe="estimate",\n')
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# patients.legacy: ~1 non-null value(s) in ~2 rows" in upgrade
    assert "# old_reports: ~2 row(s)" in upgrade


def test_check_scans_nothing_and_revision_counts_once(sqlite_db: Database, tmp_path: Path) -> None:
    """Counts that only inform the comments are not taken under ``alembic check``."""
    import sys

    from alembic import command
    from alembic.config import Config
    from alembic.util import AutogenerateDiffsDetected

    drifted(sqlite_db.engine)
    ini = make_project(
        tmp_path, sqlite_db.ini_url, MODELS.replace("nullable=False", "nullable=True")
    )
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop("models", None)
        with pytest.raises(AutogenerateDiffsDetected):
            command.check(Config(str(ini)))
        assert not [s for s in statements if "count(" in s.lower()]
        statements.clear()
        command.revision(Config(str(ini)), autogenerate=True, message="x")
        counts = [s for s in statements if "count(" in s.lower()]
        assert len(counts) == 2  # one per table with orphans: patients, old_reports
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
        sys.path.remove(str(tmp_path))
        sys.modules.pop("models", None)
    upgrade = function_source(only_revision(tmp_path), "upgrade")
    assert "# patients.legacy: 1 non-null value(s) in 2 rows" in upgrade


def test_a_timed_out_probe_still_gives_a_safe_revision(
    make_database: object, tmp_path: Path
) -> None:
    """A table too large to count in time: its orphan reads "unknown (timed out)", its drop
    is still suppressed, and a NOT NULL column for it is still added nullable."""
    db: Database = make_database("postgresql")  # type: ignore[operator]
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE patients (id serial PRIMARY KEY, name varchar(100), legacy varchar(20))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO patients (name, legacy) SELECT 'p', 'x' FROM generate_series(1, 400000)"
            )
        )
        conn.execute(sa.text("CREATE TABLE old_reports (id serial PRIMARY KEY)"))
    make_project(tmp_path, db.ini_url, MODELS, "            additive_probe_timeout=0.001,\n")
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x")
    revision = only_revision(tmp_path)
    upgrade = function_source(revision, "upgrade")
    assert (
        "# patients.legacy: unknown (timed out) non-null value(s) in unknown (timed out) rows"
        in upgrade
    )
    assert "NOT NULL without a server default on a table with unknown (timed out) row(s)" in upgrade
    assert not [c for c in op_calls(revision, "upgrade") if c.startswith("drop")]
    alembic(tmp_path, "upgrade", "head")
    cols = {c["name"]: c for c in sa.inspect(db.engine).get_columns("patients")}
    assert "legacy" in cols and cols["status"]["nullable"] is True


def test_wrong_credentials_are_one_line(make_database: object, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from alembic_additive.cli import main

    db: Database = make_database("mysql")  # type: ignore[operator]
    url = db.url.set(username="nobody_here", password="Wrong-Pw-1").render_as_string(
        hide_password=False
    )
    make_project(tmp_path, url, MODELS)
    result = CliRunner().invoke(main, ["audit", "-c", str(tmp_path / "alembic.ini")])
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    # 1045 or 1698, depending on which accounts the server has: both say "Access denied"
    masked = url.replace("Wrong-Pw-1", "***")
    assert line.startswith(f"alembic-additive: error: cannot connect to {masked}: OperationalError: (")
    assert "Access denied for user 'nobody_here'" in line
    assert "Wrong-Pw-1" not in result.output


def test_offline_sql_mode(sqlite_db: Database, tmp_path: Path) -> None:
    """``alembic upgrade --sql`` prints the additive DDL; a guarded downgrade cannot count
    offline, so it refuses with one line unless forced."""
    drifted(sqlite_db.engine)
    make_project(tmp_path, sqlite_db.ini_url, MODELS)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "x", "--rev-id", "r1")
    before = dump(sqlite_db.engine)
    sql = alembic(tmp_path, "upgrade", "head", "--sql")
    assert "ALTER TABLE patients ADD COLUMN status VARCHAR(20)" in sql.stdout
    refused = alembic(tmp_path, "downgrade", "r1:base", "--sql", check=False)
    assert refused.returncode != 0
    assert (
        "cannot check that patients.status is empty in --sql mode"
        in refused.stdout + refused.stderr
    )
    forced = alembic(tmp_path, "-x", "additive_force=1", "downgrade", "r1:base", "--sql")
    assert "ALTER TABLE patients DROP COLUMN status" in forced.stdout
    assert dump(sqlite_db.engine) == before  # offline mode touched nothing


def test_only_findings_revision_can_be_skipped_as_the_faq_says(
    sqlite_db: Database, tmp_path: Path
) -> None:
    md = sa.MetaData()
    sa.Table(
        "patients", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("legacy", sa.Text)
    )
    md.create_all(sqlite_db.engine)
    models = 'import sqlalchemy as sa\nmetadata = sa.MetaData()\nsa.Table("patients", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
    plain = tmp_path / "plain"
    make_project(plain, sqlite_db.ini_url, models)
    alembic(plain, "revision", "--autogenerate", "-m", "x")
    upgrade = function_source(only_revision(plain), "upgrade")
    assert upgrade.endswith("    # ### end alembic-additive ###\n    pass")
    compile(only_revision(plain).read_text(), "r.py", "exec")
    skipping = tmp_path / "skipping"
    make_project(
        skipping,
        sqlite_db.ini_url,
        models,
        "            process_revision_directives=lambda c, r, d: d.clear() if not d[0].upgrade_ops.as_diffs() else None,\n",
    )
    alembic(skipping, "revision", "--autogenerate", "-m", "x")
    assert not list((skipping / "migrations" / "versions").glob("*.py"))
