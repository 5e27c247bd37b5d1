"""Attacks on where verify keeps its fingerprints: temporary tables on its own connection
(``alembic_additive/verify/prints_store.py``), compared with joins (``prints.py``). Each
revision runs under verify and, on a twin database, under the real ``alembic upgrade``: what
verify reports is checked against what the plain upgrade really did.

Regression tests: large tables with updates, NULLs, deletes, key changes and inserts at once
(also under ``--rollback``); composite keys and keyless duplicates; renames beside inserts; a
SQLite batch rebuild; MariaDB implicit commits, ``SET NAMES``, ``USE`` and truncation;
``autocommit_block()`` and ``search_path``; ``--seed-rows`` running a failed revision again.
Bugs found, fixed since (``test_found``, the ``SET ROLE`` test): a user table named like
verify's temporary tables (skipped, or shadowed), SQLite NULL primary keys, a rollback to a
savepoint dropping the fingerprints, ``SET ROLE`` and ``SET TIME ZONE`` after a write, a table
renamed with one of its columns. Still an expected failure (strict): ``DISCARD TEMP``.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from attack_support import contents, lines, plain_upgrade, twins
from conftest import DIALECTS, _server_url
from verify_support import Project, Run

from alembic_additive.verify import prints_store


def big(n: int) -> str:
    return f"""
op.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v VARCHAR(20), w TEXT)")
big = sa.table("big", sa.column("id"), sa.column("v"), sa.column("w"))
op.bulk_insert(big, [{{"id": i, "v": "val%d" % i, "w": "w%d" % i}} for i in range(1, {n} + 1)])
"""


def judged(
    tmp_path: Path, make_database: Any, dialect: str, setup: str, change: str, *args: str
) -> tuple[Run, dict[str, Any], dict[str, Any], Project]:
    """verify's run of r2 (``args`` on its command line); a plain upgrade's tables before and
    after on the twin; the verified project."""
    verified, plain = twins(tmp_path, make_database, dialect, setup, change)
    run = verified.cli(*args)
    before, after = plain_upgrade(plain)
    return run, before, after, verified


def changed_by_key(before: dict[str, Any], after: dict[str, Any], table: str, col: str) -> int:
    """Rows (by their first column) on both sides whose ``col`` differs, non-null on both."""
    old = {r[0]: r[before[table]["columns"].index(col)] for r in before[table]["rows"]}
    new = {r[0]: r[after[table]["columns"].index(col)] for r in after[table]["rows"]}
    both = old.keys() & new.keys()
    return sum(1 for k in both if "None" not in (old[k], new[k]) and old[k] != new[k])


CHANGED = "r2: values-changed big.v: {} of 300 non-null values changed"
MIXED = """
op.execute("UPDATE big SET v = 'changed' WHERE id <= 5")
op.execute("UPDATE big SET v = NULL WHERE id BETWEEN 6 AND 8")
op.execute("DELETE FROM big WHERE id BETWEEN 9 AND 11")
op.execute("UPDATE big SET id = id + 100000 WHERE id BETWEEN 12 AND 14")
op.execute("UPDATE big SET id = id + 200000, v = 'moved' WHERE id BETWEEN 15 AND 16")
big = sa.table("big", sa.column("id"), sa.column("v"))
op.bulk_insert(big, [{"id": i, "v": "new"} for i in range(300001, 300001 + %d)])
"""


def mixed_lines(n: int) -> list[str]:
    # v: 5 overwritten, 2 moved under a new key with a new value, 3 deleted while rows were
    # inserted (rows replaced); 3 set to NULL; id: the 8 key values gone (5 moved, 3 deleted)
    return [
        f"r2: values-lost big.w: non-null values {n} → {n - 3}",  # the deleted rows'
        f"r2: values-lost big.v: non-null values {n} → {2 * n - 6} (3 set to NULL)",
        f"r2: values-changed big.v: 10 of {n} non-null values changed",
        f"r2: values-changed big.id: 8 of {n} non-null values changed",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_large_table_updated_cleared_deleted_rekeyed_and_inserted(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    n = 12000  # above the old 10,000-row bucketing
    verified, plain = twins(tmp_path, make_database, dialect, big(n), MIXED % n)

    start = time.monotonic()
    run = verified.cli()
    elapsed = time.monotonic() - start

    before, after = plain_upgrade(plain)
    assert changed_by_key(before, after, "big", "v") == 5
    assert contents(verified) == after
    assert (run.code, lines(run)) == (1, mixed_lines(n)), run
    # Without an index on the temporary tables' key, MariaDB joined them by nested loops:
    # 150 s here (10,000 rows and one UPDATE: 8 s; 20,000: 30 s). Now about 2 s on each.
    assert elapsed < 10.0, f"verify took {elapsed:.1f} s"


def test_rollback_reports_the_same_and_leaves_nothing(tmp_path: Path, make_database: Any) -> None:
    verified, _ = twins(tmp_path, make_database, "postgresql", big(1500), MIXED % 1500)
    start = contents(verified)

    run = verified.cli("--rollback")

    assert (run.code, lines(run)) == (1, mixed_lines(1500)), run
    assert contents(verified) == start and verified.version() == ["r1"]
    with verified.db.engine.connect() as conn:  # no table of verify's in any schema
        found = conn.execute(sa.text("SELECT 1 FROM pg_class WHERE relname LIKE 'alembic_add%'"))
        assert found.all() == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_composite_keys_and_keyless_duplicates(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    setup = """
op.execute("CREATE TABLE pairs (a INTEGER, b INTEGER, v VARCHAR(10), PRIMARY KEY (a, b))")
op.execute("INSERT INTO pairs VALUES (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z')")
op.execute("CREATE TABLE tags (item INTEGER, tag VARCHAR(10))")
op.execute("INSERT INTO tags VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, NULL), (5, 'a')")
"""
    change = """
op.execute("UPDATE pairs SET v = CASE WHEN b = 1 THEN 'y' ELSE 'x' END WHERE a = 1")
op.execute("UPDATE pairs SET a = 3 WHERE a = 2")
op.execute("INSERT INTO pairs VALUES (9, 9, 'x')")
op.execute("UPDATE tags SET tag = 'c' WHERE item = 1")
op.execute("DELETE FROM tags WHERE item = 3")
"""
    run, _, after, verified = judged(tmp_path, make_database, dialect, setup, change)

    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == [
        "r2: rows-lost tags: rows 5 → 4",
        "r2: values-changed pairs.v: 2 of 3 non-null values changed",  # swapped: same values
        "r2: values-changed pairs.a: 1 of 3 non-null values changed",  # a key value
        "r2: values-changed tags.tag: 1 of 4 non-null values changed",
    ]


RENAME_COLUMN = 'op.alter_column("big", "v", new_column_name="label", existing_type=sa.String(20))'
RENAMES = {
    "column": (RENAME_COLUMN, "big.label", "column-renamed big.v → label: 1500 non-null values"),
    "table": ('op.rename_table("big", "large")', "large.v", "table-renamed big → large: 1500 rows"),
}


@pytest.mark.parametrize("kind", list(RENAMES))
@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_beside_inserts(
    tmp_path: Path, make_database: Any, dialect: str, kind: str
) -> None:
    rename, where, kept = RENAMES[kind]
    table, column = where.split(".")
    change = f"""{rename}
t = sa.table("{table}", sa.column("id"), sa.column("{column}"))
op.bulk_insert(t, [{{"id": i, "{column}": "new"}} for i in range(100001, 101501)])
"""
    run, *_ = judged(tmp_path, make_database, dialect, big(1500), change)

    assert (run.code, lines(run)) == (0, [f"r2: {kept} kept"]), run


def test_sqlite_batch_rebuild_of_a_large_table(tmp_path: Path, make_database: Any) -> None:
    setup = """
op.execute("CREATE TABLE nums (id INTEGER PRIMARY KEY, qty NUMERIC)")
nums = sa.table("nums", sa.column("id"), sa.column("qty"))
op.bulk_insert(nums, [{"id": i, "qty": i} for i in range(1, 12001)])
op.execute("UPDATE nums SET qty = '' WHERE id = 1")
op.execute("UPDATE nums SET qty = 'n/a' WHERE id = 2")
"""
    change = """
with op.batch_alter_table("nums") as batch:
    batch.alter_column("qty", type_=sa.Integer, existing_type=sa.Numeric)
nums = sa.table("nums", sa.column("id"), sa.column("qty"))
op.bulk_insert(nums, [{"id": i, "qty": 7} for i in range(100001, 112001)])
"""
    run, before, after, _ = judged(tmp_path, make_database, "sqlite", setup, change)

    assert changed_by_key(before, after, "nums", "qty") == 2  # '' and 'n/a' cast to 0
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed nums.qty: 2 of 12000 non-null values changed"]


def test_mariadb_session_changes_and_implicit_commits(tmp_path: Path, make_database: Any) -> None:
    other = make_database("mysql").url.database
    change = f"""
op.execute("UPDATE big SET v = 'changé' WHERE id <= 5")
op.execute("ALTER TABLE big ADD COLUMN extra INTEGER")  # commits
op.execute("SET NAMES latin1")
op.execute("USE {other}")
op.execute("CREATE TABLE IF NOT EXISTS big (id INTEGER PRIMARY KEY, w TEXT)")
op.execute("REPLACE INTO big VALUES (1, 'elsewhere')")  # the twins share this database
op.execute("USE " + op.get_bind().engine.url.database)
op.execute("UPDATE big SET w = NULL WHERE id BETWEEN 6 AND 7")
op.execute("SET SESSION sql_mode = ''")
op.execute("ALTER TABLE big MODIFY w VARCHAR(4)")  # w1000 .. w2000 cut
op.execute("INSERT INTO big (id, v, w) VALUES (-1, 'a', 'b'), (-2, 'a', 'b')")
"""
    run, before, after, verified = judged(tmp_path, make_database, "mysql", big(2000), change)

    assert changed_by_key(before, after, "big", "w") == 1001
    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == [
        "r2: values-changed big.v: 5 of 2000 non-null values changed",
        "r2: values-lost big.w: non-null values 2000 → 2000 (2 set to NULL)",
        "r2: values-changed big.w: 1001 of 2000 non-null values changed",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_autocommit_block_and_search_path_between_writes(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    pg = dialect == "postgresql"
    setup = big(300) + ('op.execute("CREATE SCHEMA other")' if pg else "")
    moved = """
op.execute("SET search_path TO other")
op.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, w TEXT)")
op.execute("UPDATE public.big SET w = 'z' WHERE id = 10")
op.execute("SET search_path TO public")
"""
    tail = """op.execute("UPDATE big SET w = 'z' WHERE id = 10")"""
    change = f"""
op.execute("UPDATE big SET v = 'changed' WHERE id <= 5")
with op.get_context().autocommit_block():
    op.execute("CREATE INDEX {"CONCURRENTLY " if pg else ""}ix ON big (v)")
    op.execute("UPDATE big SET w = NULL WHERE id <= 3")
{moved if pg else tail}
"""
    run, _, after, verified = judged(tmp_path, make_database, dialect, setup, change)

    assert contents(verified) == after
    assert run.code == 1, run
    assert lines(run) == [
        "r2: values-lost big.w: non-null values 300 → 297",
        CHANGED.format(5),
        "r2: values-changed big.w: 1 of 300 non-null values changed",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_seed_rows_run_again_after_a_failure_compares_afresh(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    setup = big(300) + 'op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(20))")'
    change = """
op.execute("UPDATE big SET v = 'changed' WHERE id <= 5")
op.execute("INSERT INTO t (id, v) VALUES (1, 'x')")  # fails beside a seeded row 1
"""
    run, _, after, verified = judged(
        tmp_path, make_database, dialect, setup, change, "--seed-rows", "3"
    )

    assert contents(verified) == after
    assert "ran it again without seeding" in run.err
    assert (run.code, lines(run)) == (1, [CHANGED.format(5)])


# -- bugs found (fixed, except DISCARD TEMP: xfail, strict, the cause in the reason) ----------

NAMED = "alembic_additive_prints_"
SAVEPOINT = """
try:
    with op.get_bind().begin_nested():
        op.execute("UPDATE big SET v = 'changed', id = id + 1")  # duplicate key: fails
except sa.exc.IntegrityError:
    pass
op.execute("UPDATE big SET v = 'changed' WHERE id <= 2")
"""
EVENTS = """
op.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, at %s)")
op.execute("INSERT INTO events VALUES (1, '2020-01-01 10:00'), (2, '2020-01-02 10:00')")
op.execute("INSERT INTO events VALUES (3, '2020-01-03 10:00')")
"""
ZONE = """
op.execute("UPDATE events SET at = '2021-01-01 10:00' WHERE id = 1")
op.execute("%s")
"""
ZONES = {
    "postgresql": ("TIMESTAMPTZ", "SET TIME ZONE 'Asia/Tokyo'"),
    "mysql": ("TIMESTAMP NULL", "SET time_zone = '+09:00'"),
}
SCENARIOS: dict[str, tuple[str, str, tuple[str, str, int] | None, list[str] | None]] = {
    # name: (setup, change, (table, column, values a plain upgrade changed), verify's lines)
    "prefix": (
        f'op.execute("CREATE TABLE {NAMED}archive (id INTEGER PRIMARY KEY)")\n'
        f'op.execute("INSERT INTO {NAMED}archive VALUES (1), (2)")',
        f'op.drop_table("{NAMED}archive")',
        None,
        [f"r2: table-removed {NAMED}archive: rows 2 → table removed"],
    ),
    "shadowed": (
        big(300) + f'op.execute("CREATE TABLE {NAMED}1 (id INTEGER)")',
        "op.execute(\"UPDATE big SET v = 'changed' WHERE id <= 5\")\n"
        f'op.execute("INSERT INTO {NAMED}1 (id) VALUES (1)")',
        ("big", "v", 5),
        [CHANGED.format(5)],
    ),
    "null-key": (
        'op.execute("CREATE TABLE codes (id VARCHAR(9) PRIMARY KEY, label VARCHAR(9))")\n'
        "op.execute(\"INSERT INTO codes VALUES (NULL, 'n1'), (NULL, 'n2'), ('a', 'x')\")",
        "op.execute(\"UPDATE codes SET label = 'y' WHERE id = 'a'\")",
        ("codes", "label", 1),
        ["r2: values-changed codes.label: 1 of 3 non-null values changed"],
    ),
    "savepoint": (big(300), SAVEPOINT, ("big", "v", 2), [CHANGED.format(2)]),
    "discard-temp": (
        big(300),
        'op.execute("CREATE TEMPORARY TABLE staging AS SELECT id FROM big WHERE id <= 2")\n'
        "op.execute(\"UPDATE big SET v = 'changed' WHERE id IN (SELECT id FROM staging)\")\n"
        'op.execute("DISCARD TEMP")',
        ("big", "v", 2),
        [CHANGED.format(2)],
    ),
    "time-zone": (  # %s: as ZONES says, per dialect
        EVENTS,
        ZONE,
        ("events", "at", 1),
        ["r2: values-changed events.at: 1 of 3 non-null values changed"],
    ),
    "table-and-column-renamed": (
        big(300),
        RENAME_COLUMN + '\nop.rename_table("big", "large")',
        None,
        None,  # every row kept: exit 0, nothing removed
    ),
}
BUGS = {
    "discard-temp": "DISCARD TEMP (a revision dropping its own temporary tables) drops "
    "verify's too: comparing fails, a note, 'No data lost', exit 0",
}
CASES = [
    *((name, d) for name in ("prefix", "shadowed", "table-and-column-renamed") for d in DIALECTS),
    ("null-key", "sqlite"),
    *(("savepoint", d) for d in DIALECTS),  # MySQL: passes (the table is kept)
    ("discard-temp", "postgresql"),
    ("time-zone", "postgresql"),
    ("time-zone", "mysql"),
]


def _param(name: str, dialect: str) -> Any:
    ok = name != "discard-temp"
    marks = [] if ok else [pytest.mark.xfail(strict=True, reason=BUGS[name])]
    return pytest.param(name, dialect, marks=marks, id=f"{name}-{dialect}")


@pytest.mark.parametrize(("name", "dialect"), [_param(*c) for c in CASES])
def test_found(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch, name: str, dialect: str
) -> None:
    monkeypatch.setattr(prints_store, "_numbers", itertools.count(1))  # as in a new CLI run
    setup, change, evidence, expected = SCENARIOS[name]
    if name == "time-zone":
        setup, change = setup % ZONES[dialect][0], change % ZONES[dialect][1]

    run, before, after, _ = judged(tmp_path, make_database, dialect, setup, change)

    assert before != after  # the plain upgrade passes, and changes something
    if evidence is not None:
        assert changed_by_key(before, after, *evidence[:2]) == evidence[2]
    if expected is None:
        assert run.code == 0 and "removed" not in run.out, run
    else:
        assert (run.code, lines(run)) == (1, expected), run


@pytest.fixture
def pg_role() -> Iterator[tuple[str, list[sa.Engine]]]:
    """A new PostgreSQL role; dropped afterwards, with what it owns in the engines listed."""
    name = f"aa_role_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_server_url("postgresql"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name}")
    used: list[sa.Engine] = []
    yield name, used
    for engine in used:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {name}")
            conn.commit()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP ROLE {name}")
    admin.dispose()


def test_postgresql_set_role_after_a_write(
    tmp_path: Path, make_database: Any, pg_role: tuple[str, list[sa.Engine]]
) -> None:
    role, used = pg_role
    grants = f"""
op.execute("GRANT SELECT ON big TO {role}")
op.execute("GRANT CREATE ON SCHEMA public TO {role}")
op.execute("GRANT SELECT, UPDATE ON alembic_version TO {role}")
"""
    change = f"""
op.execute("UPDATE big SET v = 'changed' WHERE id <= 5")
op.execute("SET ROLE {role}")
op.execute("CREATE TABLE audit (id INTEGER)")  # owned by the application's role
"""
    verified, plain = twins(tmp_path, make_database, "postgresql", big(300) + grants, change)
    used += [verified.db.engine, plain.db.engine]

    run = verified.cli()

    before, after = plain_upgrade(plain)
    assert changed_by_key(before, after, "big", "v") == 5
    assert (run.code, lines(run)) == (1, [CHANGED.format(5)]), run
