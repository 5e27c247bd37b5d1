"""``--seed-rows`` reads CHECK constraints written on a column (``sa.Column(...,
sa.CheckConstraint(...))``, ``qty INTEGER CHECK (qty > 5)``) on MariaDB too.

MariaDB keeps such a constraint with the column, and SQLAlchemy's reflection does not return
it: the seeder wrote its row-number values, the insert failed (4025, CONSTRAINT `t.qty`
failed), the table was skipped with a note, and a DELETE on it was "No data lost" where
SQLite and PostgreSQL report it (``alembic_additive/verify/seed.py`` now reads
``information_schema.CHECK_CONSTRAINTS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import lines, plain_upgrade, twins
from conftest import DIALECTS

CHECKED = """
op.create_table(
    "t",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("qty", sa.Integer, sa.CheckConstraint("qty > 5 AND qty < 100"), nullable=False),
    sa.Column("kind", sa.String(5), sa.CheckConstraint("kind IN ('a', 'b')"), nullable=False),
    sa.Column("price", sa.Numeric(6, 2), sa.CheckConstraint("price >= 0"), nullable=False),
)
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_column_level_checks_are_respected_when_seeding(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(
        tmp_path, make_database, dialect, CHECKED, 'op.execute("DELETE FROM t WHERE qty > 6")'
    )

    run = verified.cli("--seed-rows", "3")

    assert run.err == "", run  # no "seed: skipped table t" note
    assert run.code == 1, run
    assert lines(run) == ["r2: rows-lost t: rows 3 → 1"]
    before, after = plain_upgrade(plain)  # empty tables: a plain upgrade passes
    assert before == after
