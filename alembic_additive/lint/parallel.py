"""Linting files in worker processes: ``alembic-additive lint --jobs N``.

Like ``flake8 -j`` or ``pylint -j``: the files are cut into contiguous chunks of nearly equal
size, in the order the sequential run takes them; each chunk but the last is linted by a
forked child, the last by this process meanwhile, all with the sequential code
(:func:`alembic_additive.lint._lint_files`; each child has its own history of the versions
folders, read from the same files), and the findings, file errors and skipped paths are
joined chunk by chunk in that order. The result - and so every output format and the exit
code - is the one ``--jobs 1`` gives.

Plain :func:`os.fork` and a pipe per child, not :mod:`multiprocessing`: children inherit the
modules, the settings and the texts already read for the ``baseline``, and send back plain
values (:mod:`marshal`); importing :mod:`concurrent.futures` and starting a pool cost more
than linting 30 files. A child that dies without a result (killed, out of memory) is a
:class:`LintWorkerError`; an exception in a child is raised again here with its message.

Where fork is unavailable (Windows) or unsafe - macOS, whose system frameworks may not
survive it, and a process already running other threads (a library caller) - linting stays
in the process. So it does when there are few files: a child costs a fork and a history of
its own, so at most one process per :data:`FILES_PER_JOB` files is used (measured in
docs/benchmarks.md).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .config import LintConfig
from .history import Versions
from .model import LintError, LintFinding, LintResult
from .sql import SqlHit

#: Files per process below which forking one costs more than it saves.
FILES_PER_JOB = 32


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
    """Fork only on POSIX systems other than macOS, and only from a single thread."""
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def workers_for(jobs: int, files: int) -> int:
    """How many processes lint ``files`` files with ``--jobs jobs`` (1: this one alone)."""
    if jobs < 2 or files < 2 * FILES_PER_JOB or not can_fork():
        return 1
    return min(jobs, files // FILES_PER_JOB)


def chunks(count: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``[start, end)`` slices covering ``range(count)`` in order, of
    sizes differing by at most one."""
    bounds = [count * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]


@dataclass(frozen=True)
class Task:
    """What every process needs to lint its chunk (inherited by the children)."""

    files: list[str]
    texts: dict[str, str | LintError]
    skip: set[str]
    include_downgrade: bool
    config: LintConfig

    def lint(self, start: int, end: int, result: LintResult, versions: Versions) -> Shown:
        """Lint a chunk into ``result``; the warnings its parsing raised (``SyntaxWarning``
        for an invalid escape in a revision, on Python 3.12+) are kept, not shown, so that
        they can be shown in the sequential order (:func:`_show`)."""
        import warnings

        from . import _lint_files

        sql_cache: dict[str, tuple[SqlHit, ...]] = {}
        with warnings.catch_warnings(record=True) as caught:
            _lint_files(
                self.files[start:end],
                result,
                self.texts,
                self.skip,
                self.include_downgrade,
                self.config,
                versions=versions,
                sql_cache=sql_cache,
            )
        return [(str(w.message), w.category.__name__, w.filename, w.lineno) for w in caught]


Shown = list[tuple[str, str, str, int]]
"""Warnings raised while linting: (message, category name, file, line)."""


def _show(shown: Shown) -> None:
    """Raise the warnings a chunk kept, as the sequential run raised them (through the
    filters, so ``-W`` options apply alike)."""
    import builtins
    import warnings

    for message, name, filename, lineno in shown:
        category = getattr(builtins, name, None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn_explicit(message, category, filename, lineno)


def lint_in_workers(task: Task, workers: int, result: LintResult) -> None:
    """Lint ``task.files`` in ``workers`` processes (this one included), appending to
    ``result`` exactly what :func:`alembic_additive.lint._lint_files` would, in order."""
    bounds = chunks(len(task.files), workers)
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    try:
        for start, end in bounds[:-1]:
            children.append(_fork(task, start, end, [fd for _, fd in children]))
        own = LintResult()
        own_shown = task.lint(*bounds[-1], own, Versions(texts=task.texts))
        for index, (pid, fd) in enumerate(children):
            children[index] = (0, -1)  # _receive closes and waits, whatever happens
            _join(*_receive(pid, fd), result)
        _join(own, own_shown, result)
    finally:  # after an error: no child is left behind
        for pid, fd in children:
            if fd >= 0:
                os.close(fd)  # a child still writing gets EPIPE and stops
            if pid:
                os.waitpid(pid, 0)


def _fork(task: Task, start: int, end: int, siblings: list[int]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            for fd in (read_end, *siblings):
                os.close(fd)
            payload = _run_child(task, start, end)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _run_child(task: Task, start: int, end: int) -> bytes:
    import marshal

    part = LintResult()
    try:
        shown = task.lint(start, end, part, Versions(texts=task.texts))
    except Exception as exc:  # raised again in the parent, as one line like any error
        return marshal.dumps(("error", str(exc).strip() or type(exc).__name__))
    findings = [vars(f) for f in part.findings]
    errors = [(e.path, e.line, e.message) for e in part.errors]
    return marshal.dumps(("ok", (findings, errors, part.skipped, shown)))


def _receive(pid: int, fd: int) -> tuple[LintResult, Shown]:
    import marshal
    import signal

    try:
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not data:
        how = f"exit code {code}"
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        raise LintWorkerError(
            f"a lint worker process stopped without a result ({how}); try again with --jobs 1"
        )
    kind, value = marshal.loads(data)
    if kind == "error":
        raise LintWorkerError(value)
    findings, errors, skipped, shown = value
    part = LintResult()
    part.findings = [LintFinding(**f) for f in findings]
    part.errors = [LintError(*e) for e in errors]
    part.skipped = list(skipped)
    return part, [tuple(w) for w in shown]


def _join(part: LintResult, shown: Shown, result: LintResult) -> None:
    _show(shown)
    result.findings.extend(part.findings)
    result.errors.extend(part.errors)
    result.skipped.extend(part.skipped)
