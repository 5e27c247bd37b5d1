"""What verify's value fingerprints cost per column, on each dialect, against one table scan.

Why this exists: ``verify`` keeps each side of a revision's fingerprints in a temporary table
(``alembic_additive/verify/prints_store.py``) and compares the two with a join
(``alembic_additive/verify/prints.py``). A join the database cannot do well is slow in a way
no test sees: MariaDB joins two unindexed tables by nested loops (192 s for 50,000 rows
each, before the key was indexed in the ``CREATE``), PostgreSQL without statistics sorts on
disk and JIT-compiles the query. ``benchmarks/verify_overhead.py`` measures verify end to end
against ``alembic upgrade``, on PostgreSQL only; this script measures the fingerprint cycle
of one column on all three dialects, against the physical floor, one ``SELECT count(*),
count(code)`` scan of the same table.

For each dialect (SQLite file, PostgreSQL and MariaDB scratch databases; a server that is
not reachable is skipped): a table ``events (id integer PRIMARY KEY, code integer, note
varchar(40))`` of ``--rows`` rows; then, ``--repeat`` times, the median of: one scan; one
``take`` (the ``CREATE TEMPORARY TABLE ... AS SELECT`` of the side before); after 1 value
changed and ``--rows // 4`` rows inserted, ``after`` (the side after: another temporary
table, or on PostgreSQL a query, computed by the comparison) and ``compare``; dropping the
temporary tables. It prints the times and the ratio of a column's whole cycle (take, after,
compare, drop) to one scan. It always exits 0: a benchmark, not a test.

Run: ``python benchmarks/verify_fingerprints.py [--rows 50000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from _scratch import median_time

from alembic_additive.findings import TableRef
from alembic_additive.verify import prints
from alembic_additive.verify.prints_store import TempTables

PG_URL = os.environ.get(
    "ALEMBIC_ADDITIVE_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
MYSQL_URL = os.environ.get("ALEMBIC_ADDITIVE_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


@contextmanager
def _database(dialect: str, folder: Path) -> Iterator[sa.Engine]:
    if dialect == "sqlite":
        engine = sa.create_engine(f"sqlite:///{folder / 'bench.sqlite'}")
        yield engine
        engine.dispose()
        return
    admin = sa.create_engine(
        PG_URL if dialect == "postgresql" else MYSQL_URL, isolation_level="AUTOCOMMIT"
    )
    name = f"aa_fpbench_{uuid.uuid4().hex[:8]}"
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    engine = sa.create_engine(admin.url.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted}"))
        admin.dispose()


def _fill(conn: sa.Connection, first: int, last: int) -> None:
    events = sa.table("events", sa.column("id"), sa.column("code"), sa.column("note"))
    batch = 5_000
    for start in range(first, last + 1, batch):
        rows = [
            {"id": i, "code": i * 7, "note": f"note {i}"}
            for i in range(start, min(start + batch, last + 1))
        ]
        conn.execute(events.insert(), rows)


def measure(dialect: str, rows: int, repeat: int, folder: Path) -> dict[str, float] | None:
    try:
        context = _database(dialect, folder)
        engine = context.__enter__()
    except sa.exc.OperationalError as error:
        print(f"{dialect}: skipped, server not reachable ({type(error).__name__})")
        return None
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "CREATE TABLE events (id integer PRIMARY KEY, code integer, note varchar(40))"
                )
            )
            _fill(conn, 1, rows)
            conn.commit()
            ref = TableRef(None, "events")
            scan = median_time(
                lambda: conn.execute(sa.text("SELECT count(*), count(code) FROM events")).one(),
                repeat,
            )
            store = TempTables(conn)
            take = median_time(lambda: prints.take(conn, ref, ["code"], store), repeat)
            store.drop_all()
            afters, compares, drops = [], [], []
            for _ in range(repeat):
                before = prints.take(conn, ref, ["code"], store)["code"]
                conn.execute(sa.text("UPDATE events SET code = -1 WHERE id = 1"))
                _fill(conn, rows + 1, rows + rows // 4)
                start = time.perf_counter()
                after = prints.after(conn, ref, ["code"], store)["code"]
                afters.append(time.perf_counter() - start)
                start = time.perf_counter()
                found = prints.compare(conn, store, before, after)
                compares.append(time.perf_counter() - start)
                assert found.changed == 1, found
                start = time.perf_counter()
                store.drop_all()
                drops.append(time.perf_counter() - start)
                conn.rollback()
        return {
            "scan": scan,
            "take": take,
            "after": statistics.median(afters),
            "compare": statistics.median(compares),
            "drop": statistics.median(drops),
        }
    finally:
        context.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"rows: {args.rows:,}; one column; median of {args.repeat}")
    print(
        f"{'dialect':<11} {'scan':>9} {'take':>9} {'after':>9} {'compare':>9} {'drop':>9}"
        "  cycle/scan"
    )
    with tempfile.TemporaryDirectory() as folder:
        for dialect in ("sqlite", "postgresql", "mysql"):
            got = measure(dialect, args.rows, args.repeat, Path(folder))
            if got is None:
                continue
            cycle = got["take"] + got["after"] + got["compare"] + got["drop"]
            print(
                f"{dialect:<11} {got['scan'] * 1000:7.1f}ms {got['take'] * 1000:7.1f}ms "
                f"{got['after'] * 1000:7.1f}ms {got['compare'] * 1000:7.1f}ms "
                f"{got['drop'] * 1000:7.1f}ms  "
                f"{cycle / got['scan']:6.1f}x"
            )


if __name__ == "__main__":
    main()
