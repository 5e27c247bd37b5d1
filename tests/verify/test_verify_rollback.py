"""``--rollback``: on PostgreSQL the whole run is one transaction, rolled back at the end, so
the database (schema, rows, alembic_version) is identical afterwards; elsewhere it is refused
before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import alembic, dump
from verify_support import ITEMS, Project, new_project, triples

from alembic_additive.verify import VerifyError


def _state(project: Project) -> dict[str, Any]:
    """Everything a run could change: rows and columns, indexes, keys, the version."""
    engine = project.db.engine
    insp = sa.inspect(engine)
    schema = {
        name: {
            "indexes": sorted(str(sorted(i.items())) for i in insp.get_indexes(name)),
            "pk": insp.get_pk_constraint(name)["constrained_columns"],
            "fks": sorted(str(sorted(f.items())) for f in insp.get_foreign_keys(name)),
            "types": [str(c["type"]) for c in insp.get_columns(name)],
        }
        for name in insp.get_table_names()
    }
    return {"dump": dump(engine), "schema": schema, "version": project.version()}


CHAIN = {
    "r2": 'op.execute("DELETE FROM items WHERE id = 3")',
    "r3": """
op.add_column("items", sa.Column("price", sa.Integer, nullable=True))
op.create_index("ix_items_name", "items", ["name"])
op.create_table("empty_one", sa.Column("id", sa.Integer, primary_key=True))
op.drop_table("audit")
""",
    "r4": 'op.execute("UPDATE items SET note = NULL")',
}


def _project_at_r1(tmp_path: Path, make_database: Callable[[str], Any], dialect: str) -> Project:
    project = new_project(tmp_path, make_database(dialect))
    project.revision(
        "r1",
        None,
        ITEMS
        + """
op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True))
op.execute("INSERT INTO audit (id) VALUES (1)")
""",
    )
    down = "r1"
    for rev, body in CHAIN.items():
        project.revision(rev, down, body)
        down = rev
    alembic(project.folder, "upgrade", "r1")
    return project


def test_rollback_leaves_postgresql_identical(
    tmp_path: Path, make_database: Callable[[str], Any]
) -> None:
    project = _project_at_r1(tmp_path, make_database, "postgresql")
    before = _state(project)
    assert before["version"] == ["r1"]

    run = project.cli("--rollback", "--seed-rows", "2")

    assert run.code == 1, run
    assert run.out.splitlines() == [
        "r2: rows-lost items: rows 3 → 2",
        "r3: table-removed audit: rows 1 → table removed",
        "r4: values-lost items.note: non-null values 2 → 0",
        "Found 3 violations in 3 revisions (r1 → r4) on "
        f"{project.db.url.render_as_string(hide_password=True)} (rolled back).",
    ]
    assert _state(project) == before


def test_rollback_from_an_empty_postgresql_database(
    tmp_path: Path, make_database: Callable[[str], Any]
) -> None:
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", 'op.execute("DELETE FROM items")')

    result = project.verify(rollback=True)

    assert triples(result) == [("r2", "rows-lost", "items", None, 3, 0)]
    assert result.rolled_back
    with project.db.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []  # not even alembic_version


@pytest.mark.parametrize(
    "body, why",
    [
        (
            """
with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY ix_items_note ON items (note)")
""",
            "it uses autocommit_block(), which commits; --rollback cannot undo that",
        ),
        (
            'op.execute("COMMIT")',
            "it ends the transaction (COMMIT/ROLLBACK); --rollback cannot undo that",
        ),
        (
            'op.execute("UPDATE items SET note = NULL; COMMIT;")',
            "it ends the transaction (COMMIT/ROLLBACK); --rollback cannot undo that",
        ),
    ],
    ids=["autocommit_block", "commit", "commit-in-a-script"],
)
def test_rollback_stops_a_revision_that_would_commit(
    tmp_path: Path, make_database: Callable[[str], Any], body: str, why: str
) -> None:
    project = _project_at_r1(tmp_path, make_database, "postgresql")
    project.revision("r2", "r1", 'op.execute("DELETE FROM items")\n' + body)
    before = _state(project)

    run = project.cli("--rollback")

    assert run.code == 2
    assert run.err == f"alembic-additive: error: revision r2 failed: {why}\n"
    assert _state(project) == before


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_rollback_refused_without_transactional_ddl(
    tmp_path: Path, make_database: Callable[[str], Any], dialect: str
) -> None:
    project = _project_at_r1(tmp_path, make_database, dialect)
    before = _state(project)

    run = project.cli("--rollback")

    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith(
        f"alembic-additive: error: --rollback needs transactional DDL, which {dialect} "
    )
    assert _state(project) == before  # nothing ran: still at r1, audit still there

    with pytest.raises(VerifyError, match="--rollback needs transactional DDL"):
        project.verify(rollback=True)
    assert _state(project) == before


def test_rollback_runs_function_bodies_that_contain_end(
    tmp_path: Path, make_database: Callable[[str], Any]
) -> None:
    # ``END;`` inside a dollar-quoted body is PL/pgSQL, not the end of the transaction.
    project = _project_at_r1(tmp_path, make_database, "postgresql")
    project.revision(
        "r2",
        "r1",
        """
op.execute('''
CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
    NEW.note := 'touched';
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
''')
op.execute("UPDATE items SET name = name")
""",
    )
    before = _state(project)

    result = project.verify(rollback=True, to_rev="r2")

    assert result.revisions == ["r2"]
    # The trigger really overwrote every note: seen (tests/verify/test_verify_fired.py),
    # and rolled back like the rest.
    assert [(v.kind.value, v.table, v.column, v.changed) for v in result.violations] == [
        ("values-changed", "items", "note", 3)
    ]
    assert _state(project) == before
