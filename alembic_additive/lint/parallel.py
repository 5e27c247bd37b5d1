"""Linting files in worker processes: ``alembic-additive lint --jobs N``.

Like ``flake8 -j`` or ``pylint -j``: the files are cut into contiguous chunks, in the order
the sequential run takes them; forked workers lint each chunk with the sequential code
(:func:`alembic_additive.lint._lint_files`, each worker with its own history of the
versions folders, read from the same files) and send back plain findings, file errors and
skipped paths, which the parent joins chunk by chunk in that order. The result - and so
every output format and the exit code - is the one ``--jobs 1`` gives.

Workers are forked (the parent's modules, settings and the texts it already read for the
``baseline`` are inherited, nothing is pickled but chunk bounds and results). Where fork is
unavailable (Windows) or unsafe (macOS, where system frameworks may not survive it and
Python itself defaults to spawn), linting stays in the process: a spawned worker would
import the package again, which costs more than linting a few hundred files.

Parallel only when it pays: each worker costs a fork and a history of its own, so a worker
is started per :data:`FILES_PER_JOB` files at most (measured in docs/benchmarks.md: two
workers break even at about 60 files of the benchmark corpus).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .config import LintConfig
from .history import Versions
from .model import LintError, LintFinding, LintResult
from .sql import SqlHit

#: Files per worker below which starting one costs more than it saves.
FILES_PER_JOB = 32
#: Chunks per worker: small enough that one slow chunk does not leave a worker idle long,
#: large enough that each worker's history cache is reused.
CHUNKS_PER_JOB = 4


class LintWorkerError(RuntimeError):
    """A worker process stopped without a result (killed, out of memory): exit code 2."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, as ``taskset`` or a container's
    cpuset leave it), else the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Fork-based workers are used on POSIX systems other than macOS."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def workers_for(jobs: int, files: int) -> int:
    """How many worker processes to start for ``files`` files with ``--jobs jobs``
    (1: lint in this process)."""
    if jobs < 2 or not can_fork():
        return 1
    return max(1, min(jobs, files // FILES_PER_JOB))


def chunks(count: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, end)`` slices covering ``range(count)``, in order, of nearly
    equal sizes (at most :data:`CHUNKS_PER_JOB` per worker)."""
    parts = min(count, workers * CHUNKS_PER_JOB) or 1
    bounds = [count * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]


@dataclass(frozen=True)
class Task:
    """What every worker needs, inherited through fork (never pickled)."""

    files: list[str]
    texts: dict[str, str | LintError]
    skip: set[str]
    include_downgrade: bool
    config: LintConfig


ChunkResult = tuple[list[LintFinding], list[LintError], list[str]]

# A worker's state, kept across its chunks: the task, its history and its SQL cache.
_task: Task | None = None
_versions: Versions | None = None
_sql_cache: dict[str, tuple[SqlHit, ...]] = {}


def _start_worker(task: Task) -> None:
    import signal

    global _task, _versions
    _task = task
    _versions = Versions(texts=task.texts)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _lint_chunk(start: int, end: int) -> ChunkResult:
    from . import _lint_files

    task, versions = _task, _versions
    assert task is not None and versions is not None, "lint worker not started"
    part = LintResult()
    _lint_files(
        task.files[start:end],
        part,
        task.texts,
        task.skip,
        task.include_downgrade,
        task.config,
        versions=versions,
        sql_cache=_sql_cache,
    )
    return part.findings, part.errors, part.skipped


def lint_in_workers(task: Task, workers: int, result: LintResult) -> None:
    """Lint ``task.files`` in ``workers`` forked processes, appending to ``result`` exactly
    what :func:`alembic_additive.lint._lint_files` would, in the same order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(task,)
    )
    try:
        futures = [pool.submit(_lint_chunk, s, e) for s, e in chunks(len(task.files), workers)]
        for future in futures:
            findings, errors, skipped = future.result()
            result.findings.extend(findings)
            result.errors.extend(errors)
            result.skipped.extend(skipped)
    except BrokenProcessPool:
        raise LintWorkerError(
            "a lint worker process stopped unexpectedly (killed or out of memory?); "
            "try again with --jobs 1"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
