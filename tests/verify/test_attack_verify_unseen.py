"""Losses verify did not see: each revision changes or loses values that a plain ``alembic
upgrade`` (run on a second database) really loses, while verify printed "No data lost" (exit
0). Fixed in ``alembic_additive/verify/statements.py`` / ``altering.py`` / ``values.py``, and
(large tables: fingerprints kept per row in temporary tables) ``prints.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins
from conftest import DIALECTS

SETTINGS = """
op.execute("CREATE TABLE settings (id INTEGER PRIMARY KEY, value VARCHAR(50))")
op.execute("INSERT INTO settings (id, value) VALUES (1, 'user-a'), (2, 'user-b')")
"""
RESET = """
op.execute("{empty}")
op.execute("INSERT INTO settings (id, value) VALUES (1, 'default'), (2, 'default')")
"""


@pytest.mark.parametrize(
    ("dialect", "empty"),
    [(d, "DELETE FROM settings") for d in DIALECTS]
    + [(d, "TRUNCATE TABLE settings") for d in ("postgresql", "mysql")],
)
def test_rows_deleted_and_inserted_again_with_other_values(
    tmp_path: Path, make_database: Any, dialect: str, empty: str
) -> None:
    verified, plain = twins(tmp_path, make_database, dialect, SETTINGS, RESET.format(empty=empty))

    run = verified.cli()

    before, after = plain_upgrade(plain)
    assert before["settings"]["rows"] == [("1", "'user-a'"), ("2", "'user-b'")]
    assert after["settings"]["rows"] == [("1", "'default'"), ("2", "'default'")]
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed settings.value: 2 of 2 non-null values changed"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_cleared_while_rows_are_inserted(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        """
op.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(50))")
op.execute("INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')")
""",
        """
op.execute("UPDATE users SET email = NULL WHERE id <= 2")
op.execute("INSERT INTO users (id, email) VALUES (10, 'new1@x'), (11, 'new2@x')")
""",
    )

    run = verified.cli("--format", "json")

    _, after = plain_upgrade(plain)
    assert ("1", "None") in after["users"]["rows"]  # a@x is gone
    assert run.code == 1, run
    found = json.loads(run.out)["violations"]
    assert [(v["kind"] in ("values-lost", "values-changed"), v["column"]) for v in found] == [
        (True, "email")
    ]
    assert (found[0]["kind"], found[0]["changed"]) == ("values-lost", 2)  # a@x, b@x


LARGE = """
op.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v VARCHAR(20))")
big = sa.table("big", sa.column("id"), sa.column("v"))
op.bulk_insert(big, [{"id": i, "v": "val%d" % i} for i in range(1, 10501)])
"""
LARGE_CHANGE = """
op.execute("UPDATE big SET v = 'changed' WHERE id <= 5")
big = sa.table("big", sa.column("id"), sa.column("v"))
op.bulk_insert(big, [{"id": i, "v": "new"} for i in range(100001, 112001)])
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_large_table_values_changed_while_rows_are_inserted(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(tmp_path, make_database, dialect, LARGE, LARGE_CHANGE)

    run = verified.cli()

    before, after = plain_upgrade(plain)
    assert ("1", "'val1'") in before["big"]["rows"]
    assert ("1", "'changed'") in after["big"]["rows"]
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed big.v: 5 of 10500 non-null values changed"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_table_renamed_away_and_created_again_with_changed_values(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        """
op.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50))")
op.execute("INSERT INTO items (id, name) VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')")
""",
        """
op.execute("ALTER TABLE items RENAME TO items_old")
op.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50))")
op.execute("INSERT INTO items (id, name) SELECT id, substr(name, 1, 2) FROM items_old")
op.execute("DROP TABLE items_old")
""",
    )

    run = verified.cli()

    _, after = plain_upgrade(plain)
    assert after["items"]["rows"] == [("1", "'al'"), ("2", "'be'"), ("3", "'ga'")]
    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed items.name: 3 of 3 non-null values changed"]


def test_columns_differing_only_in_case(tmp_path: Path, make_database: Any) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        "postgresql",
        """
op.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, "Name" VARCHAR(50), name VARCHAR(50))')
op.execute("INSERT INTO items VALUES (1, 'A', 'a'), (2, 'B', 'b')")
""",
        """op.execute('UPDATE items SET "Name" = \\'changed\\'')""",
    )

    run = verified.cli()

    before, after = plain_upgrade(plain)
    assert before["items"] != after["items"]
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed items.Name: 2 of 2 non-null values changed"]
