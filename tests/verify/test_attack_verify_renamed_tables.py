"""A table renamed with every row and value kept (``op.rename_table``, as common as a column
rename) was reported as ``table-removed`` with its row count: exit 1 for a revision that
loses nothing, while a renamed column is ``column-renamed`` (not a violation). It is now
``table-renamed`` (``ALTER TABLE t RENAME TO u`` fingerprints ``t``; ``values.py`` finds its
rows in the new table); values changed in the renamed table are still ``values-changed``, and
a renamed table that lost rows stays ``table-removed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins
from conftest import DIALECTS


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_table_with_every_row_kept_is_not_a_loss(
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
        'op.rename_table("items", "products")',
    )

    run = verified.cli()

    before, after = plain_upgrade(plain)
    assert after["products"] == before["items"]  # every row and value kept
    assert contents(verified) == after
    assert "table-removed" not in run.out, run
    assert run.code == 0, run
    assert lines(run) == ["r2: table-renamed items → products: 3 rows kept"]


ITEMS = """
op.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50))")
op.execute("INSERT INTO items (id, name) VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')")
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_table_with_values_changed_is_values_changed(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        ITEMS,
        'op.rename_table("items", "products")\n'
        'op.execute("UPDATE products SET name = upper(name) WHERE id <= 2")',
    )

    run = verified.cli()

    _, after = plain_upgrade(plain)
    assert after["products"]["rows"] == [("1", "'ALPHA'"), ("2", "'BETA'"), ("3", "'gamma'")]
    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == [
        "r2: values-changed products.name: 2 of 3 non-null values changed",
        "r2: table-renamed items → products: 3 rows kept",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_table_that_lost_a_row_is_table_removed(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        dialect,
        ITEMS,
        'op.rename_table("items", "products")\nop.execute("DELETE FROM products WHERE id = 3")',
    )

    run = verified.cli()

    _, after = plain_upgrade(plain)
    assert len(after["products"]["rows"]) == 2
    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == ["r2: table-removed items: rows 3 → table removed"]
