"""verify proves values, not only counts: a value that is still there but different
(truncated, cast, trimmed, re-encoded) is ``values-changed``, with counts and never values;
a column whose values all reappear in another column of its table is ``column-renamed``,
not ``column-removed``; lossless changes report nothing.

Each loss from issue 10 is a revision written by hand (plain ``op.alter_column`` /
``batch_alter_table``), run through the real command; each printed "No data lost" before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic
from verify_support import ITEMS, new_project


def _masked(db: Database) -> str:
    return db.url.render_as_string(hide_password=True)


def test_mariadb_longtext_truncated_to_text_is_values_changed(
    tmp_path: Path, make_database: object
) -> None:
    db: Database = make_database("mysql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "docs",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("body", mysql.LONGTEXT),
)
op.bulk_insert(
    sa.table("docs", sa.column("id"), sa.column("body")),
    [{"id": 1, "body": "x" * 100_000}, {"id": 2, "body": "short"}, {"id": 3, "body": "y" * 70_000}],
)
""",
        imports="from sqlalchemy.dialects import mysql",
    )
    project.revision(
        "r2",
        "r1",
        """
op.execute("SET SESSION sql_mode = ''")
op.alter_column("docs", "body", type_=sa.Text, existing_type=mysql.LONGTEXT)
""",
        imports="from sqlalchemy.dialects import mysql",
    )

    run = project.cli()

    assert run.code == 1, run
    assert run.out.splitlines() == [
        "r2: values-changed docs.body: 2 of 3 non-null values changed",
        f"Found 1 violation in 2 revisions (base → r2) on {_masked(db)}.",
    ]
    with db.engine.connect() as conn:  # really truncated: the report is about a real loss
        assert conn.execute(sa.text("SELECT max(length(body)) FROM docs")).scalar() == 65_535


def test_mariadb_utf8mb4_to_latin1_is_values_changed(tmp_path: Path, make_database: object) -> None:
    db: Database = make_database("mysql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.execute(
    "CREATE TABLE people (id INTEGER PRIMARY KEY, "
    "name VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci) "
    "DEFAULT CHARSET=latin1"
)
op.execute("INSERT INTO people (id, name) VALUES (1, '山田太郎'), (2, 'Zoë'), (3, 'plain')")
""",
    )
    # The model says String(100): the MODIFY takes the table's character set, latin1.
    project.revision(
        "r2",
        "r1",
        """
op.execute("SET SESSION sql_mode = ''")
op.alter_column("people", "name", type_=sa.String(100), existing_type=sa.String(50))
""",
    )

    run = project.cli("--format", "json")

    assert run.code == 1, run
    # 'Zoë' and 'plain' survive the conversion (latin1 has ë); only the Japanese name is lost.
    assert json.loads(run.out) == {
        "violations": [
            {
                "revision": "r2",
                "kind": "values-changed",
                "table": "people",
                "column": "name",
                "before": 3,
                "after": 3,
                "changed": 1,
            }
        ]
    }
    assert "山田" not in run.out + run.err  # counts, never values


def test_sqlite_batch_cast_of_text_in_integer_column_is_values_changed(
    tmp_path: Path, make_database: object
) -> None:
    db: Database = make_database("sqlite")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "stock",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("qty", sa.Integer),
)
op.execute("INSERT INTO stock (id, qty) VALUES (1, 5), (2, ''), (3, 'n/a'), (4, NULL), (5, 0)")
""",
    )
    project.revision(
        "r2",
        "r1",
        """
with op.batch_alter_table("stock", recreate="always") as batch:
    batch.alter_column("qty", type_=sa.Numeric(20, 0), existing_type=sa.Integer)
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert run.out.splitlines() == [
        "r2: values-changed stock.qty: 2 of 4 non-null values changed",
        f"Found 1 violation in 2 revisions (base → r2) on {_masked(db)}.",
    ]
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM stock WHERE qty = 0")).scalar() == 3


def test_postgresql_char_to_varchar_trims_padding_is_values_changed(
    tmp_path: Path, make_database: object
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table(
    "codes",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.CHAR(5)),
)
op.execute("INSERT INTO codes (id, code) VALUES (1, 'ab   '), (2, 'abcde'), (3, NULL)")
""",
    )
    project.revision(
        "r2",
        "r1",
        'op.alter_column("codes", "code", type_=sa.String(10), existing_type=sa.CHAR(5))',
    )

    run = project.cli("--format", "json")

    assert run.code == 1, run
    assert json.loads(run.out)["violations"] == [
        {
            "revision": "r2",
            "kind": "values-changed",
            "table": "codes",
            "column": "code",
            "before": 2,
            "after": 2,
            "changed": 1,
        }
    ]


LOSSLESS = """
op.add_column("items", sa.Column("price", sa.Numeric(8, 2)))
op.execute("UPDATE items SET price = 1.5")
"""


def test_lossless_type_changes_and_backfills_change_nothing(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS + LOSSLESS)
    # Widen everything: same values, other types. SQLite rewrites the table to do it.
    project.revision(
        "r2",
        "r1",
        """
with op.batch_alter_table("items") as batch:
    batch.alter_column("legacy", type_=sa.BigInteger, existing_type=sa.Integer)
    batch.alter_column("name", type_=sa.String(100), existing_type=sa.String(50), existing_nullable=False)
    batch.alter_column("price", type_=sa.Numeric(12, 4), existing_type=sa.Numeric(8, 2))
""",
    )
    project.revision(
        "r3",
        "r2",
        """
op.add_column("items", sa.Column("extra", sa.Integer))
op.execute("UPDATE items SET extra = legacy * 2")
op.execute("UPDATE items SET note = note WHERE id = 1")
""",
    )

    run = project.cli()

    assert run.code == 0, run
    assert run.out.splitlines() == [
        f"No data lost: 3 revisions verified (base → r3) on {_masked(db)}."
    ]


def test_update_overwriting_values_is_values_changed(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    # A trailing space and a case change are changes (binary comparison, not collation).
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE items SET name = 'A' WHERE id = 1")
op.execute("UPDATE items SET note = 'y ' WHERE id = 2")
op.execute("UPDATE items SET legacy = 20 WHERE id = 2")
""",
    )

    result = project.verify()

    assert [(v.kind.value, v.column, v.before, v.changed) for v in result.violations] == [
        ("values-changed", "name", 3, 1),
        ("values-changed", "note", 3, 1),
    ]


RENAME_SOURCE = """
op.create_table(
    "jobs",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("function_fullname", sa.String(200)),
    sa.Column("state", sa.String(20)),
)
op.execute(
    "INSERT INTO jobs (id, function_fullname, state) VALUES "
    "(1, 'app.tasks.send', 'done'), (2, 'app.tasks.sync', 'done'), (3, NULL, 'new')"
)
"""


def test_alter_column_rename_is_column_renamed_not_removed(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, RENAME_SOURCE)
    project.revision(
        "r2",
        "r1",
        """
op.alter_column(
    "jobs", "function_fullname", new_column_name="job_name", existing_type=sa.String(200)
)
""",
    )

    run = project.cli()

    assert run.code == 0, run
    assert run.out.splitlines() == [
        "r2: column-renamed jobs.function_fullname → job_name: 2 non-null values kept",
        f"No data lost: 2 revisions verified (base → r2) on {_masked(db)}.",
    ]


MISC = """
op.add_column("jobs", sa.Column("misc", sa.String(20)))
op.execute("UPDATE jobs SET misc = 'legacy'")
"""


def test_add_copy_drop_is_column_renamed_and_partial_copy_is_removed(
    tmp_path: Path, db: Database
) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, RENAME_SOURCE + MISC)
    project.revision(
        "r2",
        "r1",
        """
op.add_column("jobs", sa.Column("job_name", sa.String(200)))
op.execute("UPDATE jobs SET job_name = function_fullname")
with op.batch_alter_table("jobs") as batch:
    batch.drop_column("function_fullname")
""",
    )
    # A copy that is not the same values is no rename: the old column's values are gone.
    project.revision(
        "r3",
        "r2",
        """
op.add_column("jobs", sa.Column("status", sa.String(20)))
op.execute("UPDATE jobs SET status = 'x'")
with op.batch_alter_table("jobs") as batch:
    batch.drop_column("misc")
""",
    )

    run = project.cli("--format", "json")

    assert run.code == 1, run
    assert json.loads(run.out) == {
        "violations": [
            {
                "revision": "r3",
                "kind": "column-removed",
                "table": "jobs",
                "column": "misc",
                "before": 3,
                "after": None,
            }
        ],
        "renamed": [
            {
                "revision": "r2",
                "kind": "column-renamed",
                "table": "jobs",
                "column": "function_fullname",
                "before": 2,
                "after": 2,
                "to": "job_name",
            }
        ],
    }


def test_table_without_primary_key_is_compared_as_a_multiset(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table("tags", sa.Column("label", sa.String(20)))
op.execute("INSERT INTO tags (label) VALUES ('a'), ('a'), ('b')")
""",
    )
    project.revision("r2", "r1", "op.execute(\"UPDATE tags SET label = 'b' WHERE label = 'a'\")")

    result = project.verify()

    assert [(v.kind.value, v.table, v.column, v.changed) for v in result.violations] == [
        ("values-changed", "tags", "label", 2)
    ]


def test_values_changed_through_the_installed_command(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision("r2", "r1", "op.execute(\"UPDATE items SET note = 'secret-value'\")")
    command = Path(sys.executable).with_name("alembic-additive")

    proc = subprocess.run(
        [str(command), "verify", "-c", str(project.ini)],
        capture_output=True,
        text=True,
        cwd=project.folder,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=300,
    )

    assert proc.returncode == 1, proc
    assert (
        proc.stdout.splitlines()[0]
        == "r2: values-changed items.note: 3 of 3 non-null values changed"
    )
    assert "secret-value" not in proc.stdout + proc.stderr


def test_values_without_key_and_renames_are_counted_exactly(tmp_path: Path, db: Database) -> None:
    project = new_project(tmp_path, db)
    tags = """
op.create_table("tags", sa.Column("label", sa.String(20)))
op.execute("INSERT INTO tags (label) VALUES ('a'), ('a'), ('b')")
"""
    project.revision("r1", None, ITEMS + RENAME_SOURCE + tags)
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE items SET note = 'changed' WHERE id >= 2")
op.alter_column(
    "jobs", "function_fullname", new_column_name="job_name", existing_type=sa.String(200)
)
op.execute("UPDATE tags SET label = 'c' WHERE label = 'b'")
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert run.out.splitlines()[:3] == [
        "r2: values-changed items.note: 2 of 3 non-null values changed",
        "r2: values-changed tags.label: 1 of 3 non-null values changed",  # no key: a multiset
        "r2: column-renamed jobs.function_fullname → job_name: 2 non-null values kept",
    ]


def test_statement_verify_cannot_read_fingerprints_everything(
    tmp_path: Path, make_database: object
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision(
        "r2",
        "r1",
        "op.execute(\"DO $$ BEGIN EXECUTE 'UPDATE items SET name = ''z'' WHERE id = 3'; END $$\")",
    )  # a DO block is read like a function body; EXECUTE in it is not read

    result = project.verify()

    assert [(v.kind.value, v.column, v.changed) for v in result.violations] == [
        ("values-changed", "name", 1)
    ]


def test_values_changed_under_rollback_leaves_the_database_unchanged(
    tmp_path: Path, make_database: object
) -> None:
    db: Database = make_database("postgresql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        """
op.create_table("codes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.CHAR(5)))
op.execute("INSERT INTO codes (id, code) VALUES (1, 'ab   '), (2, 'abcde')")
""",
    )
    project.revision(
        "r2",
        "r1",
        'op.alter_column("codes", "code", type_=sa.String(10), existing_type=sa.CHAR(5))',
    )
    alembic(project.folder, "upgrade", "r1")

    run = project.cli("--rollback")

    assert run.code == 1, run
    assert (
        run.out.splitlines()[0] == "r2: values-changed codes.code: 1 of 2 non-null values changed"
    )
    assert project.version() == ["r1"]
    with db.engine.connect() as conn:  # still CHAR(5), padding and all
        padded = conn.execute(sa.text("SELECT concat(code, '|') FROM codes ORDER BY id"))
        assert padded.scalars().all() == ["ab   |", "abcde|"]
        kind = "SELECT data_type FROM information_schema.columns WHERE table_name = 'codes' AND column_name = 'code'"
        assert conn.execute(sa.text(kind)).scalar() == "character"


def test_function_called_from_a_select_or_a_default_is_compared_one_behind_an_operator_is_noted(
    tmp_path: Path, make_database: object
) -> None:
    # A function a statement names is followed (tests/verify/test_verify_routines.py), and so
    # is one a column default runs (tests/verify/test_verify_unnamed.py); one behind an
    # operator names nothing verify reads: PostgreSQL's statistics are the back-stop.
    db: Database = make_database("postgresql")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision(
        "r1",
        None,
        ITEMS
        + """
op.create_table("mirror", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Text))
op.execute("INSERT INTO mirror (id, v) VALUES (1, 'a'), (2, 'b')")
op.execute(
    "CREATE FUNCTION overwrite_mirror() RETURNS integer LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE mirror SET v = v || '!'; RETURN 0; END $$"
)
op.execute("ALTER TABLE items ALTER COLUMN legacy SET DEFAULT overwrite_mirror()")
op.execute(
    "CREATE FUNCTION same_mirror(a integer, b integer) RETURNS boolean LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE mirror SET v = v || '?'; RETURN a = b; END $$"
)
op.execute(
    "CREATE OPERATOR === (LEFTARG = integer, RIGHTARG = integer, FUNCTION = same_mirror)"
)
""",
    )
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE items SET legacy = 11 WHERE id = 1")
op.execute("SELECT overwrite_mirror()")
""",
    )
    project.revision("r3", "r2", "op.execute(\"INSERT INTO items (id, name) VALUES (4, 'd')\")")
    project.revision("r4", "r3", 'op.execute("SELECT 1 === 2")')

    run = project.cli()

    assert run.code == 1, run
    assert run.out.splitlines()[:-1] == [
        "r2: values-changed items.legacy: 1 of 3 non-null values changed",
        "r2: values-changed mirror.v: 2 of 2 non-null values changed",
        "r3: values-changed mirror.v: 2 of 2 non-null values changed",
    ]
    assert run.err.splitlines() == [
        "alembic-additive: note: values of mirror not compared in r4: it was written by "
        "something no statement of the revision names (a trigger, a cascade, a function)"
    ]
    with db.engine.connect() as conn:
        values = conn.execute(sa.text("SELECT v FROM mirror ORDER BY id")).scalars().all()
    assert values == ["a!!?", "b!!?"]


def test_sqlite_insert_or_replace_is_values_changed(tmp_path: Path, make_database: object) -> None:
    # SQLite's OR REPLACE deletes the row it meets and inserts the new one: same key, new
    # values. It was read as a plain INSERT (nothing to compare).
    db: Database = make_database("sqlite")  # type: ignore[operator]
    project = new_project(tmp_path, db)
    project.revision("r1", None, ITEMS)
    project.revision(
        "r2",
        "r1",
        'op.execute("INSERT OR REPLACE INTO items (id, name, note, legacy) '
        "VALUES (2, 'b', 'replaced', 20)\")",
    )

    run = project.cli()

    assert run.code == 1, run
    assert (
        run.out.splitlines()[0] == "r2: values-changed items.note: 1 of 3 non-null values changed"
    )
