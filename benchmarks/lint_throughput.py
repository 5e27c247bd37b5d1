"""Is ``alembic-additive lint`` fast enough to run on every commit?

Why this exists: the linter runs in pre-commit and CI over whole ``versions/`` folders,
which in old projects hold thousands of revisions. Reading Python needs a parse, so the
floor is ``ast.parse`` of every file; everything the linter adds - the walk from
``upgrade()``, folding SQL strings, sqlglot on the few strings that mention DROP / DELETE /
TRUNCATE / UPDATE ... NULL, suppressions, sorting - should cost no more than parsing again.
The target is: the lint engine takes at most 2.0x the time of bare ``ast.parse`` (each
reading the files from disk) over the same files.

What it does:

1. writes ``--files`` (default 2,000) revision files, shaped like Alembic's autogenerate
   output, to a temporary folder: mostly ``create_table`` + indexes (with the drops in
   ``downgrade()``) and ``add_column``, plus data migrations with ``op.execute``, batch
   operations, type changes, merges, and a few revisions that do destroy data;
2. times reading + ``ast.parse`` of every file, and :func:`alembic_additive.lint.lint_paths`
   on the folder, alternating the two and keeping the best of ``--repeat`` runs each, with
   the garbage collector off while timing (a first, cold lint run that also pays for
   importing sqlglot and SQLAlchemy is timed and printed separately);
3. prints the figures, the ratio and "TARGET MET" or "TARGET MISSED". It always exits 0: it
   is a benchmark, not a test.

Run: ``python benchmarks/lint_throughput.py [--files N] [--repeat N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import ast
import gc
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alembic_additive.lint import lint_paths

TARGET_RATIO = 2.0

_TYPES = [
    "sa.Integer()",
    "sa.BigInteger()",
    "sa.String(length=50)",
    "sa.String(length=255)",
    "sa.Text()",
    "sa.Boolean()",
    "sa.DateTime(timezone=True)",
    "sa.Numeric(precision=10, scale=2)",
    "sa.Date()",
    "postgresql.JSONB(astext_type=sa.Text())",
]
_WORDS = [
    "account",
    "order",
    "invoice",
    "patient",
    "visit",
    "payment",
    "product",
    "customer",
    "address",
    "note",
]


def _header(rev: str, down: str | None, message: str, rng: random.Random) -> str:
    extra = "from sqlalchemy.dialects import postgresql\n" if rng.random() < 0.5 else ""
    return f'''"""{message}

Revision ID: {rev}
Revises: {down or ""}
Create Date: 2024-05-0{rng.randint(1, 9)} 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
{extra}

# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


'''


def _column(name: str, rng: random.Random) -> str:
    type_ = rng.choice(_TYPES[:9])
    default = ", server_default=sa.text('now()')" if "DateTime" in type_ else ""
    return f"sa.Column({name!r}, {type_}, nullable={rng.random() < 0.6}{default})"


def _create_table(table: str, rng: random.Random) -> tuple[str, str]:
    cols = ["sa.Column('id', sa.Integer(), nullable=False)"]
    cols += [_column(f"{table}_{i}", rng) for i in range(rng.randint(3, 12))]
    body = ",\n        ".join(cols)
    up = (
        f"    op.create_table(\n        {table!r},\n        {body},\n"
        f"        sa.PrimaryKeyConstraint('id'),\n    )\n"
        f"    op.create_index(op.f('ix_{table}_{table}_0'), {table!r}, ['{table}_0'], "
        "unique=False)\n"
    )
    down = f"    op.drop_index(op.f('ix_{table}_{table}_0'), table_name={table!r})\n"
    down += f"    op.drop_table({table!r})\n"
    return up, down


def _add_columns(table: str, rng: random.Random) -> tuple[str, str]:
    up = down = ""
    for i in range(rng.randint(1, 4)):
        col = f"{table}_extra_{i}"
        up += f"    op.add_column({table!r}, {_column(col, rng)})\n"
        down = f"    op.drop_column({table!r}, {col!r})\n" + down
    return up, down


def _data_migration(table: str, rng: random.Random) -> tuple[str, str]:
    up = (
        f"    op.add_column({table!r}, sa.Column('status', sa.String(length=20), nullable=True))\n"
        f"    op.execute(\"UPDATE {table} SET status = 'active' WHERE status IS NULL\")\n"
        f"    op.alter_column({table!r}, 'status', existing_type=sa.String(length=20), "
        "nullable=False)\n"
    )
    down = f"    op.drop_column({table!r}, 'status')\n"
    return up, down


def _widen(table: str, rng: random.Random) -> tuple[str, str]:
    up = (
        f"    op.alter_column({table!r}, 'code', existing_type=sa.String(length=50), "
        "type_=sa.String(length=255), existing_nullable=True)\n"
    )
    down = (
        f"    op.alter_column({table!r}, 'code', existing_type=sa.String(length=255), "
        "type_=sa.String(length=50), existing_nullable=True)\n"
    )
    return up, down


def _batch(table: str, rng: random.Random) -> tuple[str, str]:
    up = (
        f"    with op.batch_alter_table({table!r}, schema=None) as batch_op:\n"
        f"        batch_op.add_column(sa.Column('flag', sa.Boolean(), nullable=True))\n"
        f"        batch_op.create_index(batch_op.f('ix_{table}_flag'), ['flag'], unique=False)\n"
    )
    down = (
        f"    with op.batch_alter_table({table!r}, schema=None) as batch_op:\n"
        f"        batch_op.drop_index(batch_op.f('ix_{table}_flag'))\n"
        f"        batch_op.drop_column('flag')\n"
    )
    return up, down


def _destructive(table: str, rng: random.Random) -> tuple[str, str]:
    up = (
        f"    op.drop_column({table!r}, 'legacy_code')\n"
        f"    op.execute('DROP TABLE IF EXISTS {table}_archive')\n"
    )
    down = f"    op.add_column({table!r}, sa.Column('legacy_code', sa.String(), nullable=True))\n"
    return up, down


_KINDS: list[tuple[float, Callable[[str, random.Random], tuple[str, str]]]] = [
    (0.50, _create_table),
    (0.25, _add_columns),
    (0.06, _data_migration),
    (0.05, _widen),
    (0.06, _batch),
    (0.03, _destructive),
]


def write_revisions(folder: Path, count: int, seed: int = 20240501) -> list[Path]:
    """``count`` revision files in ``folder``, one linear history (with a few merges)."""
    rng = random.Random(seed)
    paths: list[Path] = []
    down: str | None = None
    for n in range(count):
        rev = f"{rng.getrandbits(48):012x}"
        table = f"{rng.choice(_WORDS)}_{n}"
        roll, acc = rng.random(), 0.0
        for weight, kind in _KINDS:
            acc += weight
            if roll < acc:
                up, dn = kind(table, rng)
                break
        else:  # a merge point: both functions empty
            up = dn = "    pass\n"
        text = _header(rev, down, f"{kind.__name__.strip('_')} {table}", rng)
        text += f"def upgrade() -> None:\n    # ### commands auto generated by Alembic ###\n{up}"
        text += "    # ### end Alembic commands ###\n\n\n"
        text += f"def downgrade() -> None:\n    # ### commands auto generated by Alembic ###\n{dn}"
        text += "    # ### end Alembic commands ###\n"
        path = folder / f"{rev}_{table}.py"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        down = rev
    return paths


def _bare_parse(paths: list[Path]) -> None:
    for path in paths:
        ast.parse(path.read_bytes().decode("utf-8"), filename=str(path))


def _time(fn: Callable[[], object]) -> float:
    """One run in seconds, with the garbage collector off while timing."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def _best_interleaved(
    a: Callable[[], object], b: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Best of ``repeat`` runs of each, alternating, so machine drift hits both alike."""
    times_a, times_b = [], []
    for _ in range(repeat):
        times_a.append(_time(a))
        times_b.append(_time(b))
    return min(times_a), min(times_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000, help="revision files to generate")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best)")
    parser.add_argument("--keep", type=Path, default=None, help="write the files here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aa-lint-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = write_revisions(folder, args.files)
        size = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} revision files, {size / 1024:.0f} KiB, in {folder}")

        start = time.perf_counter()
        result = lint_paths([folder])  # cold: pays for importing sqlglot and SQLAlchemy
        cold = time.perf_counter() - start
        findings = len(result.findings)
        bare, lint = _best_interleaved(
            lambda: _bare_parse(paths), lambda: lint_paths([folder]), args.repeat
        )

        ratio = lint / bare
        print(f"bare ast.parse (read + parse), best of {args.repeat}: {bare * 1000:8.1f} ms")
        print(f"lint engine (lint_paths),      best of {args.repeat}: {lint * 1000:8.1f} ms")
        print(f"  first lint run (incl. imports):        {cold * 1000:8.1f} ms")
        print(f"  findings: {findings}, errors: {len(result.errors)}")
        print(f"  throughput: {len(paths) / lint:,.0f} files/s")
        verdict = "TARGET MET" if ratio <= TARGET_RATIO else "TARGET MISSED"
        print(f"ratio lint / ast.parse: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x): {verdict}")


if __name__ == "__main__":
    main()
