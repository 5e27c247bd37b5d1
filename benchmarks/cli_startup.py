"""How long does ``alembic-additive`` take to start?

Why this exists: the command line is run from pre-commit hooks and CI steps many times a
day, and used to import every command - Alembic and SQLAlchemy included - before doing
anything (0.33-0.41 s for ``--version``). Each command's dependencies are now imported when
it runs. The target: **``alembic-additive --version`` in at most 0.15 s**, measured end to
end from the shell (interpreter start-up included). A bare ``python -c pass`` is timed
alongside, as the floor.

What it does: runs both ``--repeat`` times, alternating, and keeps the best wall-clock and
the best CPU time (user + sys of the child, what the shell's ``time`` reports; the figure
to trust on a busy machine). It prints the figures and "TARGET MET" / "TARGET MISSED" for
each; it always exits 0 (a benchmark, not a test; tests/test_cli_startup.py checks which
modules load).

Run: ``python benchmarks/cli_startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from lint_throughput import Timing, _run, best_interleaved

TARGET = 0.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per measurement (best)")
    args = parser.parse_args()
    script = shutil.which("alembic-additive", path=os.path.dirname(sys.executable))
    command = [script] if script else [sys.executable, "-m", "alembic_additive.cli"]
    bare: Timing
    version: Timing
    bare, version = best_interleaved(
        [lambda: _run([sys.executable, "-c", "pass"]), lambda: _run([*command, "--version"])],
        args.repeat,
    )
    print(f"best of {args.repeat}, alternating:       wall      CPU (user+sys)")
    print(f"python -c pass                  {bare[0]:6.3f} s  {bare[1]:6.3f} s")
    print(f"alembic-additive --version      {version[0]:6.3f} s  {version[1]:6.3f} s")
    for label, index in (("CPU", 1), ("wall", 0)):
        verdict = "TARGET MET" if version[index] <= TARGET else "TARGET MISSED"
        print(f"start-up ({label}): {version[index]:.3f} s (target <= {TARGET} s): {verdict}")


if __name__ == "__main__":
    main()
