"""Render-and-run: the revision text is compared with a reviewed snapshot, then executed.

The snapshot pins every line the plugin writes (findings block, operations, downgrade) for a
small drift that touches each policy branch; executing it twice on the real database proves
the text is not just pretty but correct. Regenerate a snapshot after an intended change with
``ALEMBIC_ADDITIVE_UPDATE_SNAPSHOTS=1`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

SNAPSHOTS = Path(__file__).parent / "snapshots"

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("code", sa.String(10), nullable=True),
    sa.Column("email", sa.String(255), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("visits_count", sa.Integer, nullable=False, server_default="0"),
)

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.Integer, nullable=False),
    sa.Column("seen_at", sa.DateTime, nullable=True),
    sa.Index("ix_visits_patient_id", "patient_id"),
)
"""


def build_drifted(engine: sa.Engine) -> None:
    """What the database has: a lagging, hand-patched version of the models above."""
    md = sa.MetaData()
    patients = sa.Table(
        "patients",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=True),  # model widens to 200: kept
        sa.Column("code", sa.String(40), nullable=True),  # model narrows to 10: suppressed
        sa.Column("legacy_code", sa.String(20), nullable=True),  # orphan with data
        sa.Column("notes", sa.Text, nullable=True),  # empty orphan
        sa.Column("visits_count", sa.Integer, nullable=False, server_default="0"),
    )
    old_reports = sa.Table(
        "old_reports",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=True),
    )
    sa.Table("scratch", md, sa.Column("id", sa.Integer, primary_key=True))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            patients.insert(),
            [
                {"name": "Patient A", "code": "A" * 30, "legacy_code": "L-1"},
                {"name": "Patient B", "code": "B", "legacy_code": "L-2"},
                {"name": "Patient C", "code": None, "legacy_code": None},
            ],
        )
        conn.execute(old_reports.insert(), [{"body": "r1"}, {"body": "r2"}])


def test_rendered_revision_matches_snapshot_and_runs_twice(db: Database, tmp_path: Path) -> None:
    build_drifted(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, MODELS)
    before = dump(db.engine)

    alembic(project, "revision", "--autogenerate", "-m", "snapshot")
    revision = only_revision(project)
    text = revision.read_text(encoding="utf-8")
    rendered = (
        "\n".join(
            [
                "\n".join(
                    line for line in text.splitlines() if line.startswith("import alembic_additive")
                ),
                "def upgrade():",
                function_source(revision, "upgrade"),
                "def downgrade():",
                function_source(revision, "downgrade"),
            ]
        )
        + "\n"
    )
    snapshot = SNAPSHOTS / f"clinic_small.{db.dialect}.txt"
    if os.environ.get("ALEMBIC_ADDITIVE_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(rendered, encoding="utf-8")
    assert rendered == snapshot.read_text(encoding="utf-8")

    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    after = dump(db.engine)
    assert_preserved(before, after)
    insp = sa.inspect(db.engine)
    columns = {c["name"]: c for c in insp.get_columns("patients")}
    assert columns["status"]["nullable"] is True  # relaxed: the table has rows
    assert columns["code"]["type"].length == 40  # the lossy narrowing was not applied
    assert columns["name"]["type"].length == 200  # the widening was
    assert "visits" in insp.get_table_names()
    assert [ix["name"] for ix in insp.get_indexes("visits")] == ["ix_visits_patient_id"]
