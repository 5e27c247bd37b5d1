"""The stored CREATE TABLE is edited only where the change is (alembic_additive/sqlite/ddl.py);
every edited statement is also executed by SQLite to prove it is valid."""

from __future__ import annotations

import sqlite3

import pytest

from alembic_additive.sqlite.ddl import CreateTable, DefinitionError, Editor, affinity


def valid(sql: str) -> str:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    conn.execute(sql)
    conn.close()
    return sql


@pytest.mark.parametrize(
    ("sql", "column", "alias"),
    [
        ("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)", "id", True),
        ("CREATE TABLE t (id integer primary key autoincrement)", "id", True),
        ("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY ASC)", "id", True),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY DESC)", "id", False),
        ("CREATE TABLE t (id INT PRIMARY KEY)", "id", False),
        ("CREATE TABLE t (id BIGINT PRIMARY KEY)", "id", False),
        ('CREATE TABLE t ("id" INTEGER, a TEXT, PRIMARY KEY ("id"))', "id", True),
        ("CREATE TABLE t (id INTEGER, a TEXT, PRIMARY KEY (id, a))", "id", False),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT) WITHOUT ROWID", "id", False),
        ("CREATE TABLE t (id INTEGER, a TEXT CHECK (a != 'PRIMARY KEY'))", "id", False),
    ],
)
def test_rowid_alias(sql: str, column: str, alias: bool) -> None:
    assert CreateTable(valid(sql)).is_rowid_alias(column) is alias


def edit(sql: str, change: str, column: str, value: object = None) -> str:
    table = CreateTable(valid(sql))
    editor = Editor(table)
    getattr(editor, change)(column, value) if change != "drop_column" else editor.drop_column(
        column
    )
    return valid(editor.result())


def test_type_is_replaced_and_everything_else_kept() -> None:
    sql = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, -- a comment, with a comma\n"
        '  "na,me" varchar ( 50 ) COLLATE NOCASE NOT NULL ON CONFLICT IGNORE '
        'CHECK (length("na,me") < 60),\n'
        "  b /* (no type) */, c TEXT, UNIQUE (c) ON CONFLICT REPLACE)"
    )
    out = edit(sql, "set_type", "na,me", "VARCHAR(100)")
    assert out == sql.replace("varchar ( 50 )", "VARCHAR(100)")
    assert edit(sql, "set_type", "b", "TEXT").count("b TEXT /* (no type) */") == 1


def test_nullability() -> None:
    sql = "CREATE TABLE t (a TEXT NOT NULL ON CONFLICT FAIL DEFAULT 'x', b TEXT CHECK (b IS NOT NULL), c INT)"
    assert edit(sql, "set_nullable", "a", True) == (
        "CREATE TABLE t (a TEXT DEFAULT 'x', b TEXT CHECK (b IS NOT NULL), c INT)"
    )
    assert edit(sql, "set_nullable", "b", False).count("CHECK (b IS NOT NULL) NOT NULL") == 1
    assert edit(sql, "set_nullable", "a", False) == sql  # already NOT NULL


@pytest.mark.parametrize(
    ("stored", "new", "expected"),
    [
        ("a INT DEFAULT -1 NOT NULL", "DEFAULT 2", "a INT DEFAULT 2 NOT NULL"),
        ("a TEXT DEFAULT (lower('X')) NOT NULL", None, "a TEXT NOT NULL"),
        ("a TEXT DEFAULT 'it''s'", "DEFAULT CURRENT_TIMESTAMP", "a TEXT DEFAULT CURRENT_TIMESTAMP"),
        ("a TEXT", "DEFAULT 'x'", "a TEXT DEFAULT 'x'"),
        ("a TEXT CHECK (a != 'DEFAULT 1')", None, "a TEXT CHECK (a != 'DEFAULT 1')"),
    ],
)
def test_defaults(stored: str, new: str | None, expected: str) -> None:
    sql = f"CREATE TABLE t ({stored}, z INT)"
    assert edit(sql, "set_default", "a", new) == f"CREATE TABLE t ({expected}, z INT)"


def test_add_column_goes_before_table_constraints() -> None:
    sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES other (id))"
    editor = Editor(CreateTable(valid(sql)))
    editor.add_column("created DATETIME DEFAULT CURRENT_TIMESTAMP")
    assert valid(editor.result()) == (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, p INT, created DATETIME DEFAULT "
        "CURRENT_TIMESTAMP, FOREIGN KEY (p) REFERENCES other (id))"
    )


def test_drop_column_and_rename() -> None:
    sql = 'CREATE TABLE "t" (a INT, b TEXT, c REAL)'
    assert edit(sql, "drop_column", "a") == 'CREATE TABLE "t" (b TEXT, c REAL)'
    assert edit(sql, "drop_column", "b") == 'CREATE TABLE "t" (a INT, c REAL)'
    assert (
        CreateTable(sql).renamed('"new ""t"""')
        == 'CREATE TABLE "new ""t""" (a INT, b TEXT, c REAL)'
    )
    with pytest.raises(DefinitionError):
        Editor(CreateTable("CREATE TABLE t (a INT)")).drop_column("a")


def test_refuses_what_it_cannot_edit() -> None:
    with pytest.raises(DefinitionError):
        CreateTable("CREATE TABLE t AS SELECT 1")
    with pytest.raises(DefinitionError):
        CreateTable("CREATE VIEW v AS SELECT 1")
    with pytest.raises(DefinitionError):
        CreateTable("CREATE TABLE t (a INT").columns()


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", "INTEGER"),
        ("BIGINT", "INTEGER"),
        ("VARCHAR(100)", "TEXT"),
        ("CLOB", "TEXT"),
        ("BLOB", "BLOB"),
        ("", "BLOB"),
        ("DOUBLE PRECISION", "REAL"),
        ("NUMERIC(10, 2)", "NUMERIC"),
        ("DATETIME", "NUMERIC"),
    ],
)
def test_affinity(declared: str, expected: str) -> None:
    assert affinity(declared) == expected
