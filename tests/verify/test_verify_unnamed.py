"""verify compares the values changed by code a statement runs without naming it: writes
through a view (its base tables, and what they fire), a view's query, the user functions a
table's defaults, checks, generated columns, index expressions, triggers' ``WHEN`` and
domains call, and a PostgreSQL ``DO`` block's body (``alembic_additive/verify/catalog.py``,
``effects.py``, ``statements.py``).

Each revision changes values *only* that way. Before the catalog's views and unnamed
functions were read, the PostgreSQL ones printed "No data lost" plus a note that the table
was "not compared", and the MariaDB ones printed "No data lost"; a ``DO`` block fingerprinted
every column of every table (so the ``DO`` tests assert which tables were hashed).
Everything runs through the real command on a temporary Alembic project, and the tables are
read back afterwards, so every report is about a change that really happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Database
from verify_support import Project, hashed_tables, new_project, rows, violation_lines

from alembic_additive.verify import effects

TABLES = """
op.create_table("items", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer))
op.create_table("mirror", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("v", sa.String(40)))
op.create_table("totals", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer))
op.execute("INSERT INTO items (id, n) VALUES (1, 1), (2, 2), (3, 3)")
op.execute("INSERT INTO mirror (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
op.execute("INSERT INTO totals (id, total) VALUES (1, 10), (2, 20)")
"""
# A function that doubles totals.total of row 2 whenever it runs (PostgreSQL).
BUMP = (
    "CREATE FUNCTION bump(x bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE totals SET total = total * 2 WHERE id = 2; RETURN true; END $$"
)


def _project(tmp_path: Path, db: Database, setup: list[str]) -> Project:
    project = new_project(tmp_path, db)
    project.revision("r1", None, TABLES + "\n".join(f"op.execute({s!r})" for s in setup))
    return project


# -- PostgreSQL: views ---------------------------------------------------------------------


def test_postgresql_update_through_nested_views_in_another_schema(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE SCHEMA app",
            "CREATE VIEW first_two AS SELECT id, v FROM mirror WHERE id <= 2",
            "CREATE VIEW app.shown AS SELECT * FROM public.first_two",
        ],
    )
    project.revision("r2", "r1", 'op.execute("UPDATE app.shown SET v = upper(v)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: values-changed mirror.v: 2 of 3 non-null values changed"]
    assert run.err == ""  # compared, so no "not compared" note
    assert rows(project.db, "SELECT v FROM mirror ORDER BY id") == [("A",), ("B",), ("c",)]


def test_postgresql_insert_and_delete_through_views_fire_the_base_tables(
    tmp_path: Path, make_database: Any
) -> None:
    # The INSERT through items_view fires items' trigger (totals); the DELETE through
    # parents_view fires the ON DELETE SET DEFAULT of kids.parent_id (2 becomes 1).
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE TABLE parents (id integer PRIMARY KEY)",
            "CREATE TABLE kids (id integer PRIMARY KEY, "
            "parent_id integer DEFAULT 1 REFERENCES parents (id) ON DELETE SET DEFAULT)",
            "INSERT INTO parents VALUES (1), (2)",
            "INSERT INTO kids VALUES (1, 1), (2, 2)",
            "CREATE FUNCTION items_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE totals SET total = total + NEW.n WHERE id = 1; RETURN NULL; END $$",
            "CREATE TRIGGER items_added AFTER INSERT ON items FOR EACH ROW "
            "EXECUTE FUNCTION items_added()",
            "CREATE VIEW items_view AS SELECT id, n FROM items",
            "CREATE VIEW parents_view AS SELECT id FROM parents",
        ],
    )
    project.revision(
        "r2",
        "r1",
        """
op.execute("INSERT INTO items_view (id, n) VALUES (4, 5)")
op.execute("DELETE FROM parents_view WHERE id = 2")
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert sorted(violation_lines(run)) == [
        "r2: rows-lost parents: rows 2 → 1",
        "r2: values-changed kids.parent_id: 1 of 2 non-null values changed",
        "r2: values-changed totals.total: 1 of 2 non-null values changed",
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(15,), (20,)]
    assert rows(project.db, "SELECT parent_id FROM kids ORDER BY id") == [(1,), (1,)]


def test_postgresql_reading_a_view_runs_the_functions_of_its_query(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [BUMP, "CREATE VIEW kept AS SELECT id, n FROM items WHERE bump(id)"],
    )
    project.revision("r2", "r1", 'op.execute("SELECT count(*) FROM kept")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (160,)]


# -- PostgreSQL: functions a write runs unnamed --------------------------------------------


@pytest.mark.parametrize(
    ("setup", "statement"),
    [
        pytest.param(
            ["CREATE FUNCTION next_n() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN "
             "UPDATE totals SET total = total * 2 WHERE id = 2; RETURN 7; END $$",
             "ALTER TABLE items ALTER COLUMN n SET DEFAULT next_n()"],
            "INSERT INTO items (id) VALUES (4)",
            id="column-default",
        ),
        pytest.param(
            [BUMP, "ALTER TABLE items ADD CONSTRAINT items_n CHECK (bump(n))"],
            "INSERT INTO items (id, n) VALUES (4, 4)",
            id="check",
        ),
        pytest.param(
            # an IMMUTABLE function may still call a volatile one that writes
            [BUMP, "CREATE FUNCTION same(x integer) RETURNS integer LANGUAGE plpgsql "
             "IMMUTABLE AS $$ BEGIN PERFORM bump(x); RETURN x; END $$",
             "ALTER TABLE items ADD COLUMN n2 integer GENERATED ALWAYS AS (same(n)) STORED"],
            "INSERT INTO items (id, n) VALUES (4, 4)",
            id="generated-column",
        ),
        pytest.param(
            [BUMP, "CREATE FUNCTION same(x integer) RETURNS integer LANGUAGE plpgsql "
             "IMMUTABLE AS $$ BEGIN PERFORM bump(x); RETURN x; END $$",
             "CREATE INDEX items_same ON items (same(n))"],
            "INSERT INTO items (id, n) VALUES (4, 4)",
            id="index-expression",
        ),
        pytest.param(
            [BUMP, "CREATE DOMAIN checked AS integer CHECK (bump(VALUE))",
             "ALTER TABLE mirror ADD COLUMN c checked"],
            "INSERT INTO mirror (id, v, c) VALUES (4, 'd', 1)",
            id="domain-check",
        ),
        pytest.param(
            [BUMP, "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "RETURN NEW; END $$",
             "CREATE TRIGGER items_when BEFORE INSERT ON items FOR EACH ROW "
             "WHEN (bump(NEW.n)) EXECUTE FUNCTION keep()"],
            "INSERT INTO items (id, n) VALUES (4, 4)",
            id="trigger-when",
        ),
        pytest.param(
            # a type change validates the CHECK again, for every row
            [BUMP, "ALTER TABLE items ADD CONSTRAINT items_n CHECK (bump(n))"],
            "ALTER TABLE items ALTER COLUMN n TYPE bigint",
            id="check-on-type-change",
        ),
    ],
)  # fmt: skip
def test_postgresql_functions_a_write_runs_without_naming_them(
    tmp_path: Path, make_database: Any, setup: list[str], statement: str
) -> None:
    project = _project(tmp_path, make_database("postgresql"), setup)
    project.revision("r2", "r1", f"op.execute({statement!r})")

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals WHERE id = 1") == [(10,)]
    assert rows(project.db, "SELECT total > 20 FROM totals WHERE id = 2") == [(True,)]


def test_postgresql_default_attached_in_the_revision_reads_the_catalog_again(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The catalog read for the first UPDATE has no table whose default calls bump(); the
    # CREATE TABLE that attaches it (and runs nothing) makes the INSERT read it again.
    project = _project(tmp_path, make_database("postgresql"), [BUMP])
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE items SET n = n WHERE id = 1")
op.execute("CREATE TABLE flags (id integer PRIMARY KEY, flag boolean DEFAULT bump(2))")
op.execute("INSERT INTO flags (id) VALUES (1)")
""",
    )
    project.verify(to_rev="r1")
    reads: list[int] = [0]
    real = effects.read

    def counting(*args: Any, **kwargs: Any) -> effects.Catalog:
        reads[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(effects, "read", counting)

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert reads == [2]
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (40,)]


# -- PostgreSQL: DO blocks -----------------------------------------------------------------


def test_postgresql_do_block_is_read_like_a_function_body(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was "anything may change" (every table hashed); now what its body updates and the
    # function it calls.
    project = _project(tmp_path, make_database("postgresql"), [BUMP])
    project.revision(
        "r2",
        "r1",
        'op.execute("DO $$ BEGIN UPDATE mirror SET v = upper(v) WHERE id = 3; '
        'PERFORM bump(1); END $$")',
    )
    project.verify(to_rev="r1")
    hashed = hashed_tables(monkeypatch)

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed mirror.v: 1 of 3 non-null values changed",
        "r2: values-changed totals.total: 1 of 2 non-null values changed",
    ]
    assert run.err == ""
    assert hashed == {"mirror", "totals"}


def test_postgresql_do_block_with_dynamic_sql_compares_everything(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, make_database("postgresql"), [])
    project.revision(
        "r2",
        "r1",
        "op.execute(\"DO $$ BEGIN EXECUTE format('UPDATE %I SET total = 0', 'totals'); END $$\")",
    )
    project.verify(to_rev="r1")
    hashed = hashed_tables(monkeypatch)

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 2 of 2 non-null values changed"
    ]
    assert hashed == {"items", "mirror", "totals"}


def test_postgresql_views_defaults_and_do_blocks_that_change_nothing_report_nothing(
    tmp_path: Path, make_database: Any
) -> None:
    # Followed (fingerprinted), but no value changes: no false report, and no "not
    # compared" note (the UPDATE through the view and the default's function used to
    # leave one).
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE FUNCTION same_again() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE mirror SET v = v; RETURN 0; END $$",
            "ALTER TABLE items ALTER COLUMN n SET DEFAULT same_again()",
            "CREATE VIEW mirror_view AS SELECT id, v FROM mirror",
        ],
    )
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE mirror_view SET v = v")
op.execute("INSERT INTO items (id) VALUES (4)")
""",
    )
    project.revision(
        "r3", "r2", 'op.execute("DO $$ BEGIN UPDATE totals SET total = total; END $$")'
    )
    project.revision("r4", "r3", 'op.execute("SELECT count(*) FROM mirror_view")')

    run = project.cli()

    assert (run.code, run.err) == (0, ""), run
    assert run.out.startswith("No data lost: 4 revisions verified"), run.out


# -- MariaDB -------------------------------------------------------------------------------


def test_mariadb_update_through_nested_views_in_another_database(
    tmp_path: Path, make_database: Any
) -> None:
    db = make_database("mysql")
    other = make_database("mysql")  # a second database (schema), dropped afterwards
    here, there = db.url.database, other.url.database
    project = _project(
        tmp_path,
        db,
        [
            f"CREATE VIEW `{there}`.first_two AS SELECT id, v FROM `{here}`.mirror WHERE id <= 2",
            f"CREATE VIEW shown AS SELECT * FROM `{there}`.first_two",
        ],
    )
    project.revision("r2", "r1", 'op.execute("UPDATE shown SET v = upper(v)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: values-changed mirror.v: 2 of 3 non-null values changed"]
    assert rows(db, "SELECT v FROM mirror ORDER BY id") == [("A",), ("B",), ("c",)]


def test_mariadb_reading_a_view_runs_the_functions_of_its_query(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(
        tmp_path,
        make_database("mysql"),
        [
            "CREATE FUNCTION bump(x INT) RETURNS INT MODIFIES SQL DATA BEGIN "
            "UPDATE totals SET total = total * 2 WHERE id = 2; RETURN x; END",
            "CREATE VIEW kept AS SELECT id, n FROM items WHERE bump(id) > 2",
        ],
    )
    project.revision("r2", "r1", 'op.execute("SELECT count(*) FROM kept")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (160,)]


# -- SQLite --------------------------------------------------------------------------------


def test_sqlite_view_written_through_its_instead_of_trigger(
    tmp_path: Path, make_database: Any
) -> None:
    # SQLite writes a view only through an INSTEAD OF trigger, a trigger of the view: this
    # was followed before views were read (it passes on the previous commit too).
    project = _project(
        tmp_path,
        make_database("sqlite"),
        [
            "CREATE VIEW mirror_view AS SELECT id, v FROM mirror",
            "CREATE TRIGGER mirror_view_update INSTEAD OF UPDATE ON mirror_view BEGIN "
            "UPDATE mirror SET v = NEW.v WHERE id = OLD.id; END",
        ],
    )
    project.revision("r2", "r1", "op.execute(\"UPDATE mirror_view SET v = v || '!'\")")

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: values-changed mirror.v: 3 of 3 non-null values changed"]
    assert rows(project.db, "SELECT v FROM mirror ORDER BY id") == [("a!",), ("b!",), ("c!",)]
