"""Type changes that keep every value are not ``values-changed``; ones that change values
still are (``alembic_additive/verify/prints.py``, the canonical text of a value).

MariaDB prints fractional seconds to the column's precision and a DATETIME at midnight with
its time, and a BIT as bytes of the column's width: DATETIME -> DATETIME(6), DATE ->
DATETIME, TIME -> TIME(3) and BIT(8) -> BIT(16) each reported every value changed (a false
"values-changed", exit 1, on a lossless widening). PostgreSQL: DATE -> TIMESTAMP likewise.
The printed text is still what is compared when a date or time becomes text (a DATETIME(6)
becoming VARCHAR keeps '.000000').
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins

TABLES = {
    "postgresql": """
op.execute(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, ts TIMESTAMP(6), ts3 TIMESTAMP(3), "
    "tm TIME(0))"
)
op.execute(
    "INSERT INTO t VALUES (1, '2020-01-01', '2020-01-01 10:00:00.5', "
    "'2020-01-01 10:00:00.123', '10:00:00'), "
    "(2, '1999-12-31', '2021-06-01 00:00:00', '2020-01-01 00:00:00', '23:59:59')"
)
""",
    "mysql": """
op.execute(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, dt DATETIME, dt6 DATETIME(6), "
    "dt3 DATETIME(3), tm TIME, tm3 TIME(3), ts TIMESTAMP NULL, bi BIT(8), bw BIT(16))"
)
op.execute(
    "INSERT INTO t VALUES (1, '2020-01-01', '2020-01-01 10:00:00', "
    "'2020-01-01 10:00:00.5', '2020-01-01 10:00:00.123', '10:00:00', '-01:00:00.250', "
    "'2020-01-01 10:00:00', 5, 300), "
    "(2, '1999-12-31', '2021-06-01 00:00:00', '2021-06-01 00:00:00', "
    "'2020-01-01 00:00:00', '838:59:59', '00:00:00', '2021-06-01 12:00:00', 255, 65535)"
)
""",
}
LOSSLESS = {
    "postgresql": """
op.execute("ALTER TABLE t ALTER COLUMN d TYPE TIMESTAMP")
op.execute("ALTER TABLE t ALTER COLUMN ts3 TYPE TIMESTAMP(6)")
op.execute("ALTER TABLE t ALTER COLUMN tm TYPE TIME(6)")
op.execute("ALTER TABLE t ALTER COLUMN ts TYPE TEXT")
""",
    "mysql": """
op.execute("ALTER TABLE t MODIFY d DATETIME")
op.execute("ALTER TABLE t MODIFY dt DATETIME(6)")
op.execute("ALTER TABLE t MODIFY dt3 DATETIME(6)")
op.execute("ALTER TABLE t MODIFY tm TIME(3)")
op.execute("ALTER TABLE t MODIFY tm3 TIME(6)")
op.execute("ALTER TABLE t MODIFY ts DATETIME")
op.execute("ALTER TABLE t MODIFY bi BIT(16)")
op.execute("ALTER TABLE t MODIFY dt6 VARCHAR(40)")
""",
}


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_lossless_temporal_and_bit_widenings_report_nothing(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    verified, plain = twins(tmp_path, make_database, dialect, TABLES[dialect], LOSSLESS[dialect])

    run = verified.cli()

    assert run.code == 0, run
    assert run.out.startswith("No data lost"), run
    plain_upgrade(plain)
    assert contents(verified) == contents(plain)


LOSSY = {
    "postgresql": (
        """
op.execute("ALTER TABLE t ALTER COLUMN ts TYPE DATE")
op.execute("ALTER TABLE t ALTER COLUMN ts3 TYPE TIMESTAMP(0)")
""",
        [
            "r2: values-changed t.ts: 1 of 2 non-null values changed",
            "r2: values-changed t.ts3: 1 of 2 non-null values changed",
        ],
    ),
    "mysql": (
        """
op.execute("SET SESSION sql_mode = ''")
op.execute("ALTER TABLE t MODIFY dt6 DATETIME")
op.execute("ALTER TABLE t MODIFY dt DATE")
op.execute("ALTER TABLE t MODIFY tm3 TIME")
op.execute("ALTER TABLE t MODIFY bw BIT(8)")
""",
        [
            "r2: values-changed t.dt: 1 of 2 non-null values changed",
            "r2: values-changed t.dt6: 1 of 2 non-null values changed",
            "r2: values-changed t.tm3: 1 of 2 non-null values changed",
            "r2: values-changed t.bw: 2 of 2 non-null values changed",
        ],
    ),
}


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_lossy_temporal_and_bit_changes_are_values_changed(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    change, expected = LOSSY[dialect]
    verified, plain = twins(tmp_path, make_database, dialect, TABLES[dialect], change)

    run = verified.cli()

    assert run.code == 1, run
    assert sorted(lines(run)) == sorted(expected)
    before, after = plain_upgrade(plain)
    assert before["t"] != after["t"]
    assert contents(verified) == after
