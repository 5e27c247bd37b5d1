"""What measuring a type change costs: one scan of the table.

A measured type change (PostgreSQL ``CHAR(5)`` → ``VARCHAR(10)`` here) is counted twice: by
the probe while autogenerate compares, and by the ``type-fits`` check of ``op.preflight``
when the upgrade runs. Each is one ``SELECT`` over the table; this script times both against
a plain ``SELECT count(*)`` of the same table (the cost of one sequential scan), on a
throw-away PostgreSQL database.

    .venv/bin/python benchmarks/type_measure.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os

import sqlalchemy as sa
from _scratch import median_time, scratch_database

from alembic_additive import probe
from alembic_additive.checks import LiveSchema
from alembic_additive.findings import MisfitCheck, TableRef
from alembic_additive.types.guard_check import TypeFits

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ALEMBIC_ADDITIVE_PG_URL", DEFAULT_URL))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with scratch_database(sa.make_url(args.url), args.keep, "aa_typebench") as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                sa.text("CREATE TABLE codes (id bigint PRIMARY KEY, code CHAR(5), note text)")
            )
            conn.execute(
                sa.text(
                    "INSERT INTO codes SELECT i, lpad((i % 100000)::text, 5, '0'), md5(i::text) "
                    "FROM generate_series(1, :n) AS i"
                ),
                {"n": args.rows},
            )
            conn.execute(sa.text("ANALYZE codes"))
        check = MisfitCheck("padded", 5)
        request = probe.Request(TableRef(None, "codes"), non_null={"code"}, misfits={"code": check})
        stmt, _, _ = probe.count_statement(engine.dialect, request)
        guard = TypeFits(table="codes", column="code", test="padded", limit=5, dialect="postgresql")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM codes")).scalar()  # warm the cache
            plain = median_time(
                lambda: conn.execute(sa.text("SELECT count(*) FROM codes")).scalar(), args.repeat
            )
            probed = median_time(lambda: conn.execute(stmt).one(), args.repeat)
            live = LiveSchema(conn)
            guarded = median_time(lambda: guard.violations(conn, live), args.repeat)
        engine.dispose()
    print(f"rows: {args.rows:,}  (median of {args.repeat})")
    print(f"SELECT count(*)                      {plain * 1000:8.1f} ms")
    print(f"probe: rows, non-null, padded values {probed * 1000:8.1f} ms  ({probed / plain:.1f}x)")
    print(
        f"guard: type-fits (padded)            {guarded * 1000:8.1f} ms  ({guarded / plain:.1f}x)"
    )


if __name__ == "__main__":
    main()
