"""How long does ``op.alter_column_safe``'s SQLite rebuild take next to Alembic's own batch?

Why this exists: on SQLite the plugin replaces Alembic's batch "move and copy" with SQLite's
documented 12-step procedure (foreign keys off outside the transaction, one savepoint, the
stored CREATE TABLE edited, rowid kept, indexes and triggers recreated from their stored SQL,
``foreign_key_check``). Both copy every row once; the target is that the plugin's rebuild
takes at most 1.5x the time of ``batch_alter_table`` on the same table.

What it does:

1. builds a SQLite file with ``--rows`` rows (default 1,000,000) in ``users`` (integer
   primary key, two VARCHAR(50), an integer, a timestamp; an index on ``email``) and a small
   child table ``posts`` referencing it. With ``--expression-index`` the table also has an
   index on ``lower(name)``: the rebuild recreates it, Alembic's batch silently drops it, so
   that comparison is of unequal work and is reported apart;
2. for each of ``--repeat`` rounds, copies the file twice and widens ``users.name`` to
   VARCHAR(100) in each copy, once with Alembic's ``op.batch_alter_table(...).alter_column``
   and once with ``op.alter_column_safe``, both through Alembic's ``Operations`` on a
   migration context, alternating which goes first so that drift hits both alike;
3. checks both copies hold the same rows, then prints the best time of each, the ratio and
   "TARGET MET" or "TARGET MISSED". It always exits 0: it is a benchmark, not a test.

Run: ``python benchmarks/sqlite_rebuild.py`` (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

import alembic_additive.operations  # noqa: F401  (registers op.alter_column_safe)

TARGET = 1.5


def build(path: Path, rows: int, expression_index: bool) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), email VARCHAR(50),
                            score INTEGER, created DATETIME);
        CREATE INDEX ix_users_email ON users (email);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER,
                            FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
        """
    )
    conn.executemany(
        "INSERT INTO users (id, name, email, score, created) VALUES (?, ?, ?, ?, ?)",
        (
            (i, f"user {i}", f"u{i}@example.org", i % 1000, "2025-01-01 00:00:00")
            for i in range(1, rows + 1)
        ),
    )
    conn.executemany(
        "INSERT INTO posts (id, user_id) VALUES (?, ?)", ((i, i) for i in range(1, 1001))
    )
    if expression_index:
        conn.execute("CREATE INDEX ix_users_lower_name ON users (lower(name))")
    conn.commit()
    conn.close()


def alembic_batch(op: Operations) -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name", existing_type=sa.VARCHAR(50), type_=sa.String(100))


def alembic_additive_rebuild(op: Operations) -> None:
    op.alter_column_safe(  # type: ignore[attr-defined]
        "users", "name", existing_type=sa.VARCHAR(50), type_=sa.String(100)
    )


def timed(path: Path, change: Callable[[Operations], None]) -> float:
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        op = Operations(MigrationContext.configure(conn))
        start = time.perf_counter()
        change(op)
        conn.commit()
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def contents(path: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(path)
    users = conn.execute("SELECT count(*), total(score) FROM users").fetchone()
    posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    kind = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    conn.close()
    return int(users[0]) + int(users[1]), int(posts), "ok" if "VARCHAR(100)" in kind else "bad"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--expression-index", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.db"
        start = time.perf_counter()
        build(seed, args.rows, args.expression_index)
        print(f"built {args.rows:,} rows in {time.perf_counter() - start:.1f} s")
        times: dict[str, list[float]] = {"alembic batch_alter_table": [], "alter_column_safe": []}
        runs = [
            ("alembic batch_alter_table", alembic_batch),
            ("alter_column_safe", alembic_additive_rebuild),
        ]
        for round_ in range(args.repeat):
            order = runs if round_ % 2 == 0 else runs[::-1]
            results = {}
            for name, change in order:
                copy = Path(tmp) / f"{round_}-{name.split()[0]}.db"
                shutil.copyfile(seed, copy)
                times[name].append(timed(copy, change))
                results[name] = contents(copy)
                copy.unlink()
            if len(set(results.values())) != 1:
                raise SystemExit(f"the two rebuilds disagree: {results}")
        best = {name: min(values) for name, values in times.items()}
        ratio = best["alter_column_safe"] / best["alembic batch_alter_table"]
        for name, value in best.items():
            each = ", ".join(f"{t:.2f}" for t in times[name])
            median = statistics.median(times[name])
            print(f"{name}: best {value:.2f} s, median {median:.2f} s of {args.repeat} ({each})")
        verdict = "TARGET MET" if ratio <= TARGET else "TARGET MISSED"
        print(f"ratio: {ratio:.2f}x (target <= {TARGET}x) - {verdict}")


if __name__ == "__main__":
    main()
