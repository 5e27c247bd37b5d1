"""The examples cannot rot: each runs end to end, through the real command lines.

``examples/clinic`` (the seed story) on SQLite, PostgreSQL and MariaDB/MySQL, the server
ones through ``DATABASE_URL`` as its README says; ``examples/declarative`` on SQLite and
PostgreSQL. Each runs in a temporary copy of what would be committed of the example.
(``tests/test_docs_commands.py`` runs the READMEs' command blocks as printed, on SQLite.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from examples_support import (
    EXAMPLES,
    command_env,
    copy_example,
    ignore_patterns,
    is_ignored,
    new_files,
    run,
    tracked_files,
)
from helpers import assert_preserved, dump, function_source, op_calls

from alembic_additive import clinic

pytestmark = pytest.mark.slow


def _server(dialect: str, make_database: Any) -> Database | None:
    return None if dialect == "sqlite" else make_database(dialect)  # type: ignore[no-any-return]


def _revisions(folder: Path) -> list[Path]:
    return sorted((folder / "migrations" / "versions").glob("*.py"))


def _audit(folder: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = run(["alembic-additive", "audit", "--format", "json", "-o", "audit.json"], folder, env)
    assert "wrote audit.json" in proc.stdout
    report: dict[str, Any] = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    (folder / "audit.json").unlink()
    return report


def _check(folder: Path, env: dict[str, str]) -> None:
    proc = run(["alembic", "check"], folder, env)
    assert "No new upgrade operations detected." in proc.stdout


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_clinic_example_end_to_end(dialect: str, make_database: Any, tmp_path: Path) -> None:
    server = _server(dialect, make_database)
    env = command_env({"DATABASE_URL": server.url_string} if server else {}, tmp_path)
    folder = copy_example("clinic", tmp_path / "clinic")
    committed = tracked_files(folder)
    assert committed == [".gitignore", "README.md", "make_database.py"], committed

    proc = run(["python", "make_database.py"], folder, env)
    assert "78 tables" in proc.stdout
    engine = server.engine if server else sa.create_engine(f"sqlite:///{folder / 'clinic.db'}")
    assert (folder / "clinic.db").exists() == (server is None)
    assert (folder / "models.py").read_text(encoding="utf-8") == clinic.MODELS_SOURCE
    env_py = (folder / "migrations" / "env.py").read_text(encoding="utf-8")
    assert 'autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"]' in env_py
    before = dump(engine)
    assert len(before) == 78
    # building again refuses: the database is not empty
    again = run(["python", "make_database.py"], folder, env, check=False)
    assert again.returncode == 2 and "already has 78 table(s)" in again.stdout

    # audit: the seed's numbers, from the project's own env.py, on the database it names
    report = _audit(folder, env)
    summary = report["summary"]
    assert summary["database_tables"] == 78 and summary["model_tables"] == 77
    assert summary["orphan_columns_with_data"] == len(clinic.ORPHAN_COLUMNS_WITH_DATA)
    assert summary["empty_orphan_columns"] == len(clinic.EMPTY_ORPHAN_COLUMNS)
    assert summary["missing_columns"] == len(clinic.MISSING_COLUMNS) == 2
    assert [t["table"] for t in report["missing_tables"]] == sorted(clinic.MISSING_TABLES)
    assert {t["table"]: t["rows"] for t in report["orphan_tables"]} == clinic.ORPHAN_TABLES
    with_data = {
        (c["table"], c["column"]): c["non_null"] for c in report["orphan_columns"] if c["non_null"]
    }
    assert with_data == clinic.ORPHAN_COLUMNS_WITH_DATA
    backend = sa.make_url(server.url_string).get_backend_name() if server else "sqlite"
    assert report["database"].startswith(backend)

    # autogenerate: additive only
    run(["alembic", "revision", "--autogenerate", "-m", "sync with database"], folder, env)
    (revision,) = _revisions(folder)
    assert revision.name.endswith("_sync_with_database.py")
    calls = op_calls(revision, "upgrade")
    assert sorted(calls) == [
        "add_column_if_not_exists",
        "add_column_if_not_exists",
        "create_index_if_not_exists",
        "create_table",
    ]
    assert all(c.endswith(("_if_empty", "_if_exists")) for c in op_calls(revision, "downgrade"))
    upgrade = function_source(revision, "upgrade")
    assert "# vitals.patient_id: 15 non-null value(s) in 20 rows — add to your model:" in upgrade

    # upgrade, stamp base, upgrade: the second run is a no-op that succeeds
    run(["alembic", "upgrade", "head"], folder, env)
    run(["alembic", "stamp", "base"], folder, env)
    run(["alembic", "upgrade", "head"], folder, env)
    after = dump(engine)
    assert_preserved(before, after)
    for table, column in clinic.MISSING_COLUMNS:
        assert column in after[table]["columns"]
    assert set(clinic.MISSING_TABLES) <= set(after)

    # recover: code for every orphan holding data, which compiles and runs
    run(["alembic-additive", "recover", "--style", "core", "-o", "recovered.py"], folder, env)
    source = (folder / "recovered.py").read_text(encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(source, "recovered.py", "exec"), namespace)
    recovered = {
        (table, column.name)
        for table, columns in namespace["RECOVERED_COLUMNS"].items()
        for column in columns
    }
    assert recovered == set(clinic.ORPHAN_COLUMNS_WITH_DATA)
    assert isinstance(namespace["session_table"], sa.Table)

    _check(folder, env)
    assert_preserved(before, dump(engine))

    if server is None:
        # nothing the walkthrough generated would be committed
        generated = new_files(folder, committed)
        patterns = ignore_patterns(EXAMPLES / "clinic")
        assert generated and not [g for g in generated if not is_ignored(g, False, patterns)]
    else:
        engine.dispose()


def _paste_recovered(folder: Path) -> None:
    """Do what recovered.py says: paste the recovered line into the model class."""
    recovered = (folder / "recovered.py").read_text(encoding="utf-8")
    match = re.search(r"^    (loyalty_tier: Mapped\[.*\))  # 3 value\(s\)$", recovered, re.M)
    assert match, recovered
    models = folder / "models.py"
    text = models.read_text(encoding="utf-8")
    anchor = "    email: Mapped[str] = mapped_column(String(255))\n"
    assert anchor in text
    text = text.replace(anchor, anchor + f"    {match.group(1)}\n", 1)
    text = text.replace("from sqlalchemy import", "import sqlalchemy as sa\nfrom sqlalchemy import")
    models.write_text(text, encoding="utf-8")


def _shipped(engine: sa.Engine) -> int | None:
    """How many orders have shipped_at set; None when the column does not exist."""
    if "shipped_at" not in {c["name"] for c in sa.inspect(engine).get_columns("orders")}:
        return None
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(shipped_at) FROM orders")).scalar_one())


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_declarative_example_end_to_end(dialect: str, make_database: Any, tmp_path: Path) -> None:
    server = _server(dialect, make_database)
    env = command_env({"DATABASE_URL": server.url_string} if server else {}, tmp_path)
    folder = copy_example("declarative", tmp_path / "declarative")
    committed = tracked_files(folder)
    assert "models.py" in committed and "migrations/env.py" in committed
    assert "migrations/script.py.mako" in committed and "alembic.ini" in committed
    models = (folder / "models.py").read_text(encoding="utf-8")
    assert "class Base(DeclarativeBase)" in models and "mapped_column(" in models

    run(["python", "make_database.py"], folder, env)
    engine = server.engine if server else sa.create_engine(f"sqlite:///{folder / 'shop.db'}")
    before = dump(engine)
    assert set(before) == {"customers", "orders"}

    report = _audit(folder, env)
    summary = report["summary"]
    assert (summary["orphan_columns_with_data"], summary["empty_orphan_columns"]) == (1, 1)
    assert (summary["missing_columns"], summary["missing_tables"]) == (1, 1)
    assert summary["pending_operations"] == 2

    run(["alembic", "revision", "--autogenerate", "-m", "sync with database"], folder, env)
    (revision,) = _revisions(folder)
    assert sorted(op_calls(revision, "upgrade")) == ["add_column_if_not_exists", "create_table"]
    assert sorted(op_calls(revision, "downgrade")) == [
        "drop_column_if_empty",
        "drop_table_if_empty",
    ]
    upgrade = function_source(revision, "upgrade")
    assert "# customers.loyalty_tier: 3 non-null value(s) in 4 rows — add to your model:" in upgrade
    assert "loyalty_tier: Mapped[str | None] = mapped_column(" in upgrade

    run(["alembic", "upgrade", "head"], folder, env)
    run(["alembic", "stamp", "base"], folder, env)
    run(["alembic", "upgrade", "head"], folder, env)
    assert_preserved(before, dump(engine))
    assert _shipped(engine) == 0

    # the application writes to the new column; the downgrade then refuses, changing nothing
    proc = run(["python", "ship_order.py"], folder, env)
    assert proc.stdout.strip() == "order 1 shipped at 2025-07-18 09:30"
    refused = run(["alembic", "downgrade", "-1"], folder, env, check=False)
    assert refused.returncode != 0
    assert "refusing to drop column orders.shipped_at: it holds 1 non-null value(s)" in (
        refused.stdout
    )
    assert _shipped(engine) == 1 and "coupons" in sa.inspect(engine).get_table_names()
    run(["alembic", "-x", "additive_force=1", "downgrade", "-1"], folder, env)
    assert _shipped(engine) is None and "coupons" not in sa.inspect(engine).get_table_names()
    run(["alembic", "upgrade", "head"], folder, env)
    _check(folder, env)

    # recover, paste into the model: no orphan with data left, nothing more to add
    run(["alembic-additive", "recover", "-o", "recovered.py"], folder, env)
    compile((folder / "recovered.py").read_text(encoding="utf-8"), "recovered.py", "exec")
    _paste_recovered(folder)
    assert _audit(folder, env)["summary"]["orphan_columns_with_data"] == 0
    run(["alembic", "revision", "--autogenerate", "-m", "recovered"], folder, env)
    second = next(p for p in _revisions(folder) if p.name.endswith("_recovered.py"))
    assert op_calls(second, "upgrade") == []
    assert_preserved(before, dump(engine))

    if server is None:
        patterns = ignore_patterns(EXAMPLES / "declarative")
        changed = [f for f in new_files(folder, committed) if not is_ignored(f, False, patterns)]
        assert changed == [], changed
    else:
        engine.dispose()
