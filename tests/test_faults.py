"""Crashes and concurrency: an additive revision killed half-way completes on rerun, and
two concurrent upgrades on PostgreSQL end with the same schema."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import ALEMBIC, alembic, assert_preserved, dump, make_project, only_revision

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(100)),
    sa.Column("plan", sa.String(20), nullable=False, server_default="free"),
    sa.Column("score", sa.Integer, nullable=True),
)

invites = sa.Table(
    "invites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Index("ix_invites_token", "token"),
)
"""


def drifted(engine: sa.Engine) -> None:
    md = sa.MetaData()
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
        sa.Column("legacy", sa.String(20)),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            accounts.insert(), [{"email": f"a{i}@example.test", "legacy": "x"} for i in range(5)]
        )


def upgrade_statements(revision: Path) -> list[int]:
    """End line of each statement in ``upgrade()``."""
    tree = ast.parse(revision.read_text())
    (fn,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"]
    return [
        s.end_lineno or s.lineno
        for s in fn.body
        if not isinstance(s, ast.Expr) or not isinstance(s.value, ast.Constant)
    ]


def schema_of(engine: sa.Engine) -> dict[str, object]:
    insp = sa.inspect(engine)
    return {
        t: (
            [(c["name"], c["nullable"]) for c in insp.get_columns(t)],
            sorted(i["name"] for i in insp.get_indexes(t)),
        )
        for t in sorted(insp.get_table_names())
    }


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_killed_upgrade_completes_on_rerun(
    dialect: str, make_database: object, tmp_path: Path
) -> None:
    reference: Database = make_database(dialect)  # type: ignore[operator]
    drifted(reference.engine)
    ref_project = tmp_path / "reference"
    make_project(ref_project, reference.ini_url, MODELS)
    alembic(ref_project, "revision", "--autogenerate", "-m", "additive", "--rev-id", "r1")
    alembic(ref_project, "upgrade", "head")
    expected_schema = schema_of(reference.engine)
    expected_rows = dump(reference.engine)
    revision_text = only_revision(ref_project).read_text()
    statements = upgrade_statements(only_revision(ref_project))
    assert len(statements) == 4  # create_table, create_index, two add_column

    for k, line in enumerate(statements, 1):
        db: Database = make_database(dialect)  # type: ignore[operator]
        drifted(db.engine)
        project = tmp_path / f"killed_after_{k}"
        make_project(project, db.ini_url, MODELS)
        versions = project / "migrations" / "versions"
        lines = revision_text.splitlines()
        lines.insert(line, "    import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
        (versions / "r1_additive.py").write_text("\n".join(lines) + "\n")
        crashed = alembic(project, "upgrade", "head", check=False)
        assert crashed.returncode == -9, crashed.stderr
        (versions / "r1_additive.py").write_text(revision_text)
        alembic(project, "upgrade", "head")
        assert schema_of(db.engine) == expected_schema, f"killed after statement {k}"
        assert dump(db.engine) == expected_rows


ENV_WITH_LOCK = "from alembic_additive.locking import migration_lock\n"


def _concurrent(project: Path, runs: int = 2) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [ALEMBIC, "-c", str(project / "alembic.ini"), "upgrade", "head"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(runs)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_concurrent_upgrades_with_the_lock_helper(make_database: object, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    drifted(db.engine)
    make_project(tmp_path, db.ini_url, MODELS)
    env = tmp_path / "migrations" / "env.py"
    text = env.read_text()
    text = text.replace(
        "from alembic import context\n", "from alembic import context\n" + ENV_WITH_LOCK
    )
    text = text.replace(
        "    with connectable.connect() as connection:\n",
        "    with connectable.connect() as connection, migration_lock(connection):\n",
    )
    env.write_text(text)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "additive")
    before = dump(db.engine)
    before.pop("alembic_version")  # created, empty, by the revision command; filled by upgrade
    results = _concurrent(tmp_path, runs=3)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert_preserved(before, dump(db.engine))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert "No new upgrade operations detected." in alembic(tmp_path, "check").stdout


def test_concurrent_upgrades_without_the_lock_converge(
    make_database: object, tmp_path: Path
) -> None:
    """Without the helper the slower run may fail on the version table; the schema is right
    regardless, and a rerun succeeds (transactional DDL rolled the loser back)."""
    db: Database = make_database("postgresql")  # type: ignore[operator]
    drifted(db.engine)
    make_project(tmp_path, db.ini_url, MODELS)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "additive")
    before = dump(db.engine)
    before.pop("alembic_version")  # created, empty, by the revision command; filled by upgrade
    results = _concurrent(tmp_path)
    assert any(r.returncode == 0 for r in results)
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    assert "No new upgrade operations detected." in alembic(tmp_path, "check").stdout
