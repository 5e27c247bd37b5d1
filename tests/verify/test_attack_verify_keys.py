"""verify compares rows by primary key; these revisions change which key a row has, or whether
the table has one, together with values (``alembic_additive/verify/prints.py``).

Each printed "No data lost" before: a value whose row's key changed (the key column itself
included) was compared with nothing, and a side read with a primary key was not comparable
with a side read without one (a primary key added or dropped in the same revision as a type
change, a table rebuilt by ``CREATE TABLE ... AS SELECT``). Rows whose key is gone and rows
whose key is new are now matched by value. Every case runs the same revisions through the
real ``alembic upgrade`` on a second database, and shows the loss is real there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins
from conftest import DIALECTS

USERS = """
op.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(50))")
op.execute("INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x'), (300, 'c@x')")
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_changed_primary_key_values_are_values_changed(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path, make_database, dialect, USERS, 'op.execute("UPDATE users SET id = id + 1000")'
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed users.id: 3 of 3 non-null values changed"]
    before, after = plain_upgrade(plain)
    assert before["users"]["rows"] == [("1", "'a@x'"), ("2", "'b@x'"), ("300", "'c@x'")]
    assert after["users"]["rows"] == [("1001", "'a@x'"), ("1002", "'b@x'"), ("1300", "'c@x'")]
    assert contents(verified) == after


def test_mariadb_primary_key_clipped_with_empty_sql_mode(
    tmp_path: Path, make_database: Any
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        "mysql",
        USERS,
        """
op.execute("SET SESSION sql_mode = ''")
op.execute("ALTER TABLE users MODIFY id TINYINT NOT NULL")
""",
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed users.id: 1 of 3 non-null values changed"]
    _, after = plain_upgrade(plain)
    assert after["users"]["rows"] == [("1", "'a@x'"), ("127", "'c@x'"), ("2", "'b@x'")]
    assert contents(verified) == after


def test_mariadb_latin1_conversion_of_a_natural_key(tmp_path: Path, make_database: Any) -> None:
    # The key itself is re-encoded: its row's other values were compared with nothing.
    verified, plain = twins(
        tmp_path,
        make_database,
        "mysql",
        """
op.execute(
    "CREATE TABLE people (handle VARCHAR(20) PRIMARY KEY, name VARCHAR(50)) "
    "DEFAULT CHARSET=utf8mb4"
)
op.execute(
    "INSERT INTO people (handle, name) VALUES "
    "('yamada', '山田太郎'), ('たなか', '田中'), ('bob', 'Bob')"
)
""",
        """
op.execute("SET SESSION sql_mode = ''")
op.execute("ALTER TABLE people CONVERT TO CHARACTER SET latin1")
""",
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == [
        "r2: values-changed people.handle: 1 of 3 non-null values changed",
        "r2: values-changed people.name: 2 of 3 non-null values changed",
    ]
    _, after = plain_upgrade(plain)
    assert after["people"]["rows"] == [
        ("'???'", "'??'"),
        ("'bob'", "'Bob'"),
        ("'yamada'", "'????'"),
    ]
    assert contents(verified) == after


LEGACY = """
op.execute(
    "CREATE TABLE legacy (id INTEGER NOT NULL, code VARCHAR(20){pk})"
)
op.execute("INSERT INTO legacy (id, code) VALUES (1, 'abcdef'), (2, 'ghijkl'), (3, 'mn')")
"""
NARROW = """
op.alter_column(
    "legacy", "code", type_=sa.String(3), existing_type=sa.String(20),
    postgresql_using="left(code, 3)",
)
"""
KEYS = {
    "add": ("", NARROW + 'op.create_primary_key("pk_legacy", "legacy", ["id"])\n'),
    "drop": (
        ", CONSTRAINT pk_legacy PRIMARY KEY (id)",
        NARROW + 'op.drop_constraint("pk_legacy", "legacy", type_="primary")\n',
    ),
}
# SQLite adds a primary key by copying the table (batch mode), casting as it goes.
SQLITE_ADD = """
with op.batch_alter_table("legacy", recreate="always") as batch:
    batch.alter_column("code", type_=sa.Integer, existing_type=sa.String(20))
    batch.create_primary_key("pk_legacy", ["id"])
"""


@pytest.mark.parametrize(
    ("dialect", "key"),
    [
        ("sqlite", "add"),
        ("postgresql", "add"),
        ("postgresql", "drop"),
        ("mysql", "add"),
        ("mysql", "drop"),
    ],
)
def test_value_change_beside_a_primary_key_added_or_dropped(
    tmp_path: Path, make_database: Any, dialect: str, key: str
) -> None:
    pk, change = KEYS[key]
    if dialect == "sqlite":
        change = SQLITE_ADD
    if dialect == "mysql":
        change = "op.execute(\"SET SESSION sql_mode = ''\")\n" + change
    verified, plain = twins(tmp_path, make_database, dialect, LEGACY.format(pk=pk), change)

    run = verified.cli()

    changed = 3 if dialect == "sqlite" else 2  # SQLite's CAST makes every code 0
    assert run.code == 1, run
    assert lines(run) == [f"r2: values-changed legacy.code: {changed} of 3 non-null values changed"]
    before, after = plain_upgrade(plain)
    assert before["legacy"] != after["legacy"]
    assert contents(verified) == after


REBUILD = """
op.execute("CREATE TABLE items_new AS SELECT id, {expr} AS name FROM items")
op.execute("DROP TABLE items")
op.execute("ALTER TABLE items_new RENAME TO items")
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_table_rebuilt_without_primary_key_is_compared_by_value(
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
        REBUILD.format(expr="substr(name, 1, 2)"),
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed items.name: 3 of 3 non-null values changed"]
    _, after = plain_upgrade(plain)
    assert after["items"]["rows"] == [("1", "'al'"), ("2", "'be'"), ("3", "'ga'")]
    assert contents(verified) == after


BIG = """
op.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v VARCHAR(20))")
big = sa.table("big", sa.column("id"), sa.column("v"))
op.bulk_insert(big, [{"id": i, "v": "val%d" % i} for i in range(1, 12001)])
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_large_table_rebuilt_without_primary_key(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # A side without key is compared with the keyed side as a multiset of values: the one
    # value that is not among the values before is counted.
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        BIG,
        REBUILD.replace("items", "big")
        .replace("AS name", "AS v")
        .format(expr="CASE WHEN id = 7 THEN 'x' ELSE v END"),
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed big.v: 1 of 12000 non-null values changed"]
    before, after = plain_upgrade(plain)
    assert before["big"] != after["big"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_replaced_under_other_keys_are_seen_where_values_are_compared(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # A DELETE hidden by an INSERT of as many rows leaves every count as it was; the column
    # the revision also updates is fingerprinted, and the deleted row's value is gone.
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        USERS,
        """
op.execute("UPDATE users SET email = lower(email)")
op.execute("DELETE FROM users WHERE id = 2")
op.execute("INSERT INTO users (id, email) VALUES (4, 'd@x')")
""",
    )

    run = verified.cli()

    assert run.code == 1, run
    # the DELETE fingerprints every column: the key 2 is gone and 4 came, matched by value
    assert lines(run) == [
        "r2: values-changed users.email: 1 of 3 non-null values changed",
        "r2: values-changed users.id: 1 of 3 non-null values changed",
    ]
    before, after = plain_upgrade(plain)
    assert ("2", "'b@x'") in before["users"]["rows"]
    assert ("2", "'b@x'") not in after["users"]["rows"]


# -- what changes no value reports nothing ---------------------------------------------------

LOSSLESS = {
    # the key widened and renamed, rows only added, values rewritten as they were
    "sqlite": """
with op.batch_alter_table("users") as batch:
    batch.alter_column("id", new_column_name="user_id", type_=sa.BigInteger,
                       existing_type=sa.Integer)
op.execute("UPDATE users SET email = email")
op.execute("INSERT INTO users (user_id, email) VALUES (4, 'd@x')")
""",
    "postgresql": """
op.execute("ALTER TABLE users ALTER COLUMN id TYPE BIGINT")
op.execute("ALTER TABLE users RENAME COLUMN id TO user_id")
op.execute("UPDATE users SET email = email")
op.execute("INSERT INTO users (user_id, email) VALUES (4, 'd@x')")
""",
    "mysql": """
op.execute("ALTER TABLE users MODIFY id BIGINT NOT NULL")
op.execute("ALTER TABLE users RENAME COLUMN id TO user_id")
op.execute("UPDATE users SET email = email")
op.execute("INSERT INTO users (user_id, email) VALUES (4, 'd@x')")
""",
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_lossless_key_changes_and_inserts_report_nothing(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # Before, the rename was "column-removed users.id" (a violation): the new column held a
    # value more, at the inserted row's key.
    verified, plain = twins(tmp_path, make_database, dialect, USERS, LOSSLESS[dialect])

    run = verified.cli()

    assert run.code == 0, run
    assert lines(run) == ["r2: column-renamed users.id → user_id: 3 non-null values kept"]
    before, after = plain_upgrade(plain)
    assert sorted(after["users"]["rows"]) == sorted([*before["users"]["rows"], ("4", "'d@x'")])
    assert contents(verified) == after
