"""verify never prints a value from a table, also when a revision fails.

A failing revision is reported with the first line of the driver's error, and drivers quote
the offending value there: PostgreSQL ``invalid input syntax for type integer: "<value>"``,
MariaDB ``Duplicate entry '<value>' for key 'ux'`` and ``Truncated incorrect INTEGER value:
'<value>'``. Before, verify printed the cell (``alembic_additive/urls.py`` now masks it); the
error's kind and the names in it stay. So does a data migration's own ``ValueError``
(``int(row.value)``) or ``KeyError`` (``mapping[row.value]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, twins
from helpers import alembic

TOKEN = "ZQX-secret-cell-9317"
SETUP = f"""
op.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50), day VARCHAR(20))")
op.execute(
    "INSERT INTO items VALUES (1, '{TOKEN}', '2020-13-45'), (2, '{TOKEN}', '{TOKEN}')"
)
"""
FAILING = [
    (
        "postgresql",
        'op.execute("ALTER TABLE items ALTER COLUMN name TYPE integer USING name::integer")',
        'InvalidTextRepresentation: invalid input syntax for type integer: "***"',
    ),
    (
        "postgresql",
        'op.execute("ALTER TABLE items ALTER COLUMN day TYPE date USING day::date")',
        'DatetimeFieldOverflow: date/time field value out of range: "***"',
    ),
    (
        "mysql",
        'op.execute("CREATE UNIQUE INDEX ux ON items (name)")',
        "IntegrityError: (1062, \"Duplicate entry '***' for key 'ux'\")",
    ),
    (
        "mysql",
        'op.execute("ALTER TABLE items MODIFY name INTEGER")',
        "OperationalError: (1292, \"Truncated incorrect INTEGER value: '***'\")",
    ),
    # a data migration's own Python error quotes the value too
    (
        "sqlite",
        'rows = op.get_bind().execute(sa.text("SELECT name FROM items")).all()\n'
        "[int(name) for (name,) in rows]",
        "invalid literal for int() with base 10: '***'",
    ),
    (
        "sqlite",
        'rows = op.get_bind().execute(sa.text("SELECT name FROM items")).all()\n'
        "[{'a': 1}[name] for (name,) in rows]",
        "'***'",
    ),
]


@pytest.mark.parametrize(("dialect", "change", "error"), FAILING)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_failing_revision_is_reported_without_the_value(
    tmp_path: Path, make_database: Any, dialect: str, change: str, error: str, fmt: str
) -> None:
    verified, plain = twins(tmp_path, make_database, dialect, SETUP, change)
    before = contents(verified)

    run = verified.cli("--format", fmt)

    assert run.code == 2, run
    assert TOKEN not in run.out + run.err
    assert run.err == f"alembic-additive: error: revision r2 failed: {error}\n"
    # the same revision fails under alembic upgrade too, and changes nothing there
    assert alembic(plain.folder, "upgrade", "head", check=False).returncode != 0
    assert contents(plain) == contents(verified) == before
