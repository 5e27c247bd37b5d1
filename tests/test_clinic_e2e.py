"""The seed story end to end, through the real ``alembic`` command, on all three dialects.

Done-when of the core issue: zero drops in ``upgrade()``, the two missing columns and the
missing table added, every orphan with data named with its exact count; ``upgrade head``,
``stamp base``, ``upgrade head`` all succeed; every pre-existing row and value unchanged;
``alembic check`` passes afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import Database
from helpers import (
    alembic,
    assert_preserved,
    dump,
    function_source,
    make_project,
    only_revision,
    op_calls,
)

from alembic_additive import clinic


def without(state: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """``state`` minus one column per table (for drops that lose nothing)."""
    out = dict(state)
    for table, column in columns.items():
        cols = state[table]["columns"]
        i = cols.index(column)
        rows = sorted(r[:i] + r[i + 1 :] for r in state[table]["rows"])
        out[table] = {"columns": cols[:i] + cols[i + 1 :], "rows": rows}
    return out


def test_clinic_drift_is_additive_and_idempotent(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        clinic.build_database(conn)
    project = tmp_path / "project"
    make_project(project, db.ini_url, clinic.MODELS_SOURCE)
    before = dump(db.engine)
    assert len(before) == 78

    result = alembic(project, "revision", "--autogenerate", "-m", "sync")
    revision = only_revision(project)

    # no drop of any kind in upgrade(); the additive operations are all there
    calls = op_calls(revision, "upgrade")
    assert not [c for c in calls if c.startswith("drop") or c == "alter_column"], calls
    assert sorted(calls) == [
        "add_column_if_not_exists",
        "add_column_if_not_exists",
        "create_index_if_not_exists",
        "create_table",
    ]
    upgrade = function_source(revision, "upgrade")
    assert "if_not_exists=True" in upgrade  # the create_table
    # every orphan with data is named with its exact count, in the documented form
    for (table, column), count in clinic.ORPHAN_COLUMNS_WITH_DATA.items():
        rows = clinic.TABLE_ROWS[table]
        line = f"# {table}.{column}: {count} non-null value(s) in {rows} rows — add to your model: sa.Column("
        assert line in upgrade, line
    for table, column in clinic.EMPTY_ORPHAN_COLUMNS:
        assert (
            f"# {table}.{column}: 0 non-null value(s) in {clinic.TABLE_ROWS[table]} rows\n"
            in upgrade + "\n"
        )
    assert "# dashboards: 0 rows (empty)" in upgrade
    assert f"# session: {clinic.ORPHAN_TABLES['session']} row(s) — add to your models:" in upgrade
    # the findings are logged like Alembic's "Detected ..." lines
    assert (
        "Detected orphan column 'vitals.patient_id': orphan column holds 15 non-null value(s) in 20 rows"
        in result.stderr
    )

    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")

    after = dump(db.engine)
    assert_preserved(before, after)
    assert "migration_invitations" in after
    assert "laterality" in after["imaging_results"]["columns"]
    assert "attempts" in after["document_processing_queue"]["columns"]
    # the NOT NULL column with a server default was filled by the database, not by us
    attempts = after["document_processing_queue"]["columns"].index("attempts")
    assert {r[attempts] for r in after["document_processing_queue"]["rows"]} == {"0"}
    assert len(after) == 80  # + migration_invitations + alembic_version

    check = alembic(project, "check")
    assert "No new upgrade operations detected." in check.stdout


def test_guarded_downgrade_refuses_to_destroy_new_data(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        clinic.build_database(conn)
    project = tmp_path / "project"
    make_project(project, db.ini_url, clinic.MODELS_SOURCE)
    alembic(project, "revision", "--autogenerate", "-m", "sync")
    revision = only_revision(project)
    assert op_calls(revision, "downgrade") == [
        "drop_column_if_empty",
        "drop_column_if_empty",
        "drop_index_if_exists",
        "drop_table_if_empty",
    ]
    alembic(project, "upgrade", "head")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO migration_invitations (email, token) VALUES ('x@example.test', 't')"
            )
        )
    before = dump(db.engine)

    refused = alembic(project, "downgrade", "base", check=False)
    assert refused.returncode != 0
    assert "refusing to drop table migration_invitations: it holds 1 row(s)" in refused.stderr
    assert "additive_force=1" in refused.stderr
    after = dump(db.engine)
    if db.dialect == "postgresql":  # transactional DDL: the whole downgrade rolled back
        assert_preserved(before, after)
    else:
        # Without transactional DDL the guarded drops that ran before the refusal stay done;
        # each of them only dropped a column holding nothing but what the upgrade put there.
        dropped = {"imaging_results": "laterality", "document_processing_queue": "attempts"}
        assert_preserved(without(before, dropped), after)
    assert after["migration_invitations"] == before["migration_invitations"]

    # the columns hold only what the upgrade put there (NULL, and the server default '0'),
    # so once the table is emptied the downgrade goes through without force
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM migration_invitations"))
    alembic(project, "downgrade", "base")
    after = dump(db.engine)
    assert "migration_invitations" not in after
    assert "attempts" not in after["document_processing_queue"]["columns"]
    assert "laterality" not in after["imaging_results"]["columns"]


def test_force_drops_on_explicit_request(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        clinic.build_database(conn)
    project = tmp_path / "project"
    make_project(project, db.ini_url, clinic.MODELS_SOURCE)
    alembic(project, "revision", "--autogenerate", "-m", "sync")
    alembic(project, "upgrade", "head")
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE imaging_results SET laterality = 'left'"))
    refused = alembic(project, "downgrade", "base", check=False)
    assert (
        "refusing to drop column imaging_results.laterality: it holds 4 non-null value(s)"
        in refused.stderr
    )
    alembic(project, "-x", "additive_force=1", "downgrade", "base")
    assert "laterality" not in dump(db.engine)["imaging_results"]["columns"]
