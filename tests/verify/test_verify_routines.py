"""verify compares the values a user-defined function or procedure changes when a statement
of the revision calls it (``alembic_additive/verify/effects.py``, ``Routine``).

Each revision changes values of a table *only* through a routine it calls: ``SELECT f()``,
a function in an ``UPDATE``'s ``WHERE``, a function that calls another, a trigger function
that calls one, ``CALL p()``. Before the catalog's routines were read, the PostgreSQL ones
printed "No data lost" plus a note that the table was "not compared", and the MariaDB
function printed "No data lost". Everything runs through the real command on a temporary
Alembic project, and the tables are read back afterwards, so every report is about a change
that really happened.
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


def _project(tmp_path: Path, db: Database, routines: list[str]) -> Project:
    project = new_project(tmp_path, db)
    project.revision("r1", None, TABLES + "\n".join(f"op.execute({r!r})" for r in routines))
    return project


# -- PostgreSQL ----------------------------------------------------------------------------

ARCHIVE = (
    "CREATE FUNCTION archive_and_trim() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE mirror SET v = v || '!' WHERE id <= 2; RETURN 2; END $$"
)


def test_postgresql_select_of_a_function_that_updates_another_table(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(tmp_path, make_database("postgresql"), [ARCHIVE])
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE items SET n = n + 1 WHERE id = 1")
op.execute("SELECT archive_and_trim()")
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed items.n: 1 of 3 non-null values changed",
        "r2: values-changed mirror.v: 2 of 3 non-null values changed",
    ]
    assert run.err == ""  # compared, so no "not compared" note
    assert rows(project.db, "SELECT v FROM mirror ORDER BY id") == [("a!",), ("b!",), ("c",)]


def test_postgresql_function_in_an_update_where_clause(tmp_path: Path, make_database: Any) -> None:
    # The UPDATE writes items.n with the values it had; the function its WHERE calls
    # (schema-qualified, in another schema, SQL language) rewrites totals.
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE SCHEMA app",
            "CREATE FUNCTION app.keep(i integer) RETURNS boolean LANGUAGE sql AS "
            "'UPDATE totals SET total = total * 2 WHERE id = 2; SELECT i > 1'",
        ],
    )
    project.revision("r2", "r1", 'op.execute("UPDATE items SET n = n WHERE app.keep(id)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (160,)]


def test_postgresql_function_calling_functions_recursively(
    tmp_path: Path, make_database: Any
) -> None:
    # outer() -> middle() (BEGIN ATOMIC SQL body, PostgreSQL 14+) -> inner() (PL/pgSQL);
    # inner() and outer() call each other too: the chain ends.
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE FUNCTION inner_fn(depth integer) RETURNS integer LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE totals SET total = total + 1 WHERE id = 1; "
            "IF depth > 0 THEN RETURN outer_fn(depth - 1); END IF; RETURN 0; END $$",
            "CREATE FUNCTION middle_fn(depth integer) RETURNS integer LANGUAGE sql "
            "BEGIN ATOMIC SELECT inner_fn(depth); END",
            "CREATE FUNCTION outer_fn(depth integer) RETURNS integer LANGUAGE plpgsql AS $$ "
            "BEGIN RETURN middle_fn(depth); END $$",
        ],
    )
    project.revision("r2", "r1", 'op.execute("SELECT outer_fn(2)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(13,), (20,)]


def test_postgresql_function_called_from_a_trigger_function(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE FUNCTION bump(by integer) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE totals SET total = total + by WHERE id = 2; END $$",
            "CREATE FUNCTION items_after() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM bump(NEW.n); RETURN NULL; END $$",
            "CREATE TRIGGER items_after AFTER INSERT ON items FOR EACH ROW "
            "EXECUTE FUNCTION items_after()",
        ],
    )
    project.revision("r2", "r1", 'op.execute("INSERT INTO items (id, n) VALUES (4, 5)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert run.err == ""
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (25,)]


def test_postgresql_function_created_and_called_in_the_same_revision(
    tmp_path: Path, make_database: Any
) -> None:
    # The catalog read on the revision's first call has no archive_and_trim() yet: it is
    # read again after the CREATE FUNCTION.
    project = _project(tmp_path, make_database("postgresql"), [])
    project.revision(
        "r2",
        "r1",
        f"""
op.execute("SELECT abs(-1)")
op.execute({ARCHIVE!r})
op.execute("SELECT archive_and_trim()")
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: values-changed mirror.v: 2 of 3 non-null values changed"]
    assert run.err == ""


def test_postgresql_functions_that_read_or_rewrite_the_same_values_report_nothing(
    tmp_path: Path, make_database: Any
) -> None:
    # They are followed (fingerprinted), but change no value: no false report, and no
    # "not compared" note (before, the UPDATE inside same_again() produced one).
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE FUNCTION count_items() RETURNS bigint LANGUAGE sql AS "
            "'SELECT count(*) FROM items'",
            "CREATE FUNCTION same_again() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE mirror SET v = v; END $$",
        ],
    )
    project.revision(
        "r2",
        "r1",
        """
op.execute("SELECT count_items()")
op.execute("SELECT same_again()")
op.execute("UPDATE items SET n = n WHERE count_items() > 0")
""",
    )

    run = project.cli()

    assert (run.code, run.err) == (0, ""), run
    assert run.out.startswith("No data lost: 2 revisions verified"), run.out


def test_postgresql_function_with_dynamic_sql_compares_everything(
    tmp_path: Path, make_database: Any
) -> None:
    project = _project(
        tmp_path,
        make_database("postgresql"),
        [
            "CREATE FUNCTION dynamic() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
            "EXECUTE format('UPDATE %I SET total = 0', 'totals'); END $$"
        ],
    )
    project.revision("r2", "r1", 'op.execute("SELECT dynamic()")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 2 of 2 non-null values changed"
    ]
    assert run.err == ""


def test_catalog_is_read_once_per_revision_for_calls(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, make_database("postgresql"), [ARCHIVE])
    project.revision(
        "r2",
        "r1",
        f"""
op.execute("SELECT archive_and_trim()")
op.execute("SELECT abs(-1), archive_and_trim()")
op.execute({ARCHIVE.replace("CREATE", "CREATE OR REPLACE")!r})
op.execute("SELECT archive_and_trim()")
""",
    )
    project.revision("r3", "r2", 'op.add_column("items", sa.Column("extra", sa.Integer))')
    reads: list[int] = []
    real = effects.read

    def counting(*args: Any, **kwargs: Any) -> effects.Catalog:
        reads[-1] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(effects, "read", counting)
    for revision in ("r1", "r2", "r3"):
        reads.append(0)
        project.verify(to_rev=revision)

    # r2 writes no row itself: its calls read the catalog, and again after the redefinition
    assert reads == [1, 2, 0]


# -- MariaDB -------------------------------------------------------------------------------


def test_mariadb_stored_function_called_from_a_select(tmp_path: Path, make_database: Any) -> None:
    project = _project(
        tmp_path,
        make_database("mysql"),
        [
            "CREATE FUNCTION archive_and_trim() RETURNS INT MODIFIES SQL DATA BEGIN "
            "UPDATE mirror SET v = concat(v, '!') WHERE id <= 2; RETURN 2; END"
        ],
    )
    project.revision("r2", "r1", 'op.execute("SELECT archive_and_trim()")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: values-changed mirror.v: 2 of 3 non-null values changed"]
    assert rows(project.db, "SELECT v FROM mirror ORDER BY id") == [("a!",), ("b!",), ("c",)]


def test_mariadb_procedure_called_with_call(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CALL was read as "anything may change" (every value fingerprinted) before routines
    # were read, and so was caught; now the procedure's body says which (items is not
    # hashed), and a procedure that calls a function is followed through it.
    project = _project(
        tmp_path,
        make_database("mysql"),
        [
            "CREATE FUNCTION halve(x INT) RETURNS INT MODIFIES SQL DATA BEGIN "
            "UPDATE totals SET total = total DIV 2 WHERE id = x; RETURN x; END",
            "CREATE PROCEDURE trim_mirror(n INT) MODIFIES SQL DATA BEGIN "
            "UPDATE mirror SET v = upper(v) WHERE id = n; DO halve(1); END",
        ],
    )
    project.revision("r2", "r1", 'op.execute("CALL trim_mirror(3)")')
    project.verify(to_rev="r1")
    hashed = hashed_tables(monkeypatch)

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed mirror.v: 1 of 3 non-null values changed",
        "r2: values-changed totals.total: 1 of 2 non-null values changed",
    ]
    assert hashed == {"mirror", "totals"}
    assert rows(project.db, "SELECT v FROM mirror ORDER BY id") == [("a",), ("b",), ("C",)]
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(5,), (20,)]


def test_mariadb_trigger_that_calls_a_procedure(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trigger's CALL was "anything" too; now only what bump() changes is hashed.
    project = _project(
        tmp_path,
        make_database("mysql"),
        [
            "CREATE PROCEDURE bump(by_n INT) MODIFIES SQL DATA "
            "UPDATE totals SET total = total + by_n WHERE id = 2",
            "CREATE TRIGGER items_after AFTER INSERT ON items FOR EACH ROW CALL bump(NEW.n)",
        ],
    )
    project.revision("r2", "r1", 'op.execute("INSERT INTO items (id, n) VALUES (4, 5)")')
    project.verify(to_rev="r1")
    hashed = hashed_tables(monkeypatch)

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed totals.total: 1 of 2 non-null values changed"
    ]
    assert hashed == {"totals"}
    assert rows(project.db, "SELECT total FROM totals ORDER BY id") == [(10,), (25,)]
