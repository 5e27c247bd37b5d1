"""Static analysis of Alembic revision files: find operations that destroy data.

The runtime half of alembic-additive stops autogenerate from *writing* destructive
operations; this half reads the revisions people wrote or edited by hand, before they run.
:func:`lint_paths` parses every file once, walks what ``upgrade()`` can reach
(:mod:`.walker`), asks every rule (:mod:`.rules`) about each operation and SQL string
(:mod:`.engine`), applies suppressions and ``[tool.alembic_additive.lint]`` (:mod:`.config`),
and returns a :class:`LintResult` the formatters (:mod:`.output`) render. Files are found
and read by :mod:`.files`; the history around them (baseline, earlier column types) is
:mod:`.history`; with ``jobs`` above 1, chunks of files are linted in worker processes
(:mod:`.parallel`), with the same result.
"""

from __future__ import annotations

import ast
import functools
import gc
import os
from collections.abc import Iterable

from .config import DEFAULT_CONFIG, LintConfig, LintConfigError, load_config
from .engine import lint_module
from .files import discover, discover_names, display_path, parse, read, syntax_error
from .history import Versions, at_or_before, quick_revision_ids
from .model import LintError, LintFinding, LintResult
from .names import ModuleInfo
from .parallel import Task, lint_in_workers, workers_for
from .rules import RULES
from .sql import SqlHit

__all__ = [
    "DEFAULT_CONFIG",
    "RULES",
    "LintConfig",
    "LintConfigError",
    "LintError",
    "LintFinding",
    "LintResult",
    "discover",
    "display_path",
    "lint_paths",
    "lint_source",
    "load_config",
    "quick_revision_ids",
]


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    include_downgrade: bool = False,
    config: LintConfig = DEFAULT_CONFIG,
    alembic_ini: str | os.PathLike[str] | None = None,
    jobs: int = 1,
) -> LintResult:
    """Lint revision files and folders (searched recursively for ``*.py``).

    ``downgrade()`` is skipped unless ``include_downgrade``: rolling back an addition is
    supposed to remove it. ``alembic_ini`` gives the revision graph for ``config.baseline``;
    without it the graph is read from the ``revision`` / ``down_revision`` variables of the
    linted files and the files next to them. Revisions in ``config.allow_revisions`` or at or
    before the baseline are not parsed at all. Raises :class:`LintConfigError` for a bad
    baseline.

    ``jobs`` above 1 lints the files in up to that many forked worker processes when there
    are enough of them (:func:`.parallel.workers_for`); the result is the same.
    """
    files = discover_names(paths)
    result = LintResult(files=len(files))
    texts: dict[str, str | LintError] = {}
    skip = set(config.allow_revisions)
    if config.baseline:
        skip |= at_or_before(config.baseline, files, alembic_ini, texts)
    was_enabled = gc.isenabled()
    gc.disable()  # (1) below
    try:
        workers = workers_for(jobs, len(files))
        if workers > 1:
            task = Task(files, texts, skip, include_downgrade, config)
            lint_in_workers(task, workers, result)
        else:
            _lint_files(files, result, texts, skip, include_downgrade, config)
    finally:
        if was_enabled:
            gc.enable()
    result.findings = _in_order(result.findings)
    result.errors.sort()
    return result


# (1) Parsing a thousand files makes millions of AST nodes, and each allocation burst
# triggers the cyclic garbage collector over everything alive; nothing the linter builds
# refers to itself, so reference counting frees it all and the collector only costs time.
#
# (2) The history (or the baseline) may have read the file first, naming it by its absolute
# path; the report names it as given, whoever read it and in whichever worker.


def _lint_files(
    files: list[str],
    result: LintResult,
    texts: dict[str, str | LintError],
    skip: set[str],
    include_downgrade: bool,
    config: LintConfig,
    *,
    versions: Versions | None = None,
    sql_cache: dict[str, tuple[SqlHit, ...]] | None = None,
) -> None:
    """Lint ``files`` in order into ``result`` (a worker passes its own history and cache,
    kept across its chunks)."""
    base = os.getcwd().rstrip(os.sep) + os.sep
    if sql_cache is None:
        sql_cache = {}
    if versions is None:  # the history reuses what was read, and vice versa
        versions = Versions(texts=texts)
    for path in files:
        key = os.path.abspath(path)
        if key.startswith(base):
            display = key[len(base) :]
        else:  # :func:`display_path` without asking the OS for the working folder per file
            display = path if os.path.isabs(path) else os.path.normpath(path)
        text = texts.get(key) or read(path, display)
        texts[key] = text
        if isinstance(text, LintError):  # (2) above
            result.errors.append(LintError(display, text.line, text.message))
            continue
        if skip:
            ids = quick_revision_ids(text)
            if ids is not None and ids[0] in skip:
                result.skipped.append(display)
                continue
        module = parse(text, display)
        if isinstance(module, LintError):
            result.errors.append(module)
        elif module.revision is not None and module.revision in skip:
            result.skipped.append(display)
        else:
            history = functools.partial(versions.previous_type, key, module.down_revisions)
            result.findings.extend(
                lint_module(module, display, include_downgrade, config, sql_cache, history)
            )


def lint_source(
    source: str,
    path: str = "<revision>",
    *,
    include_downgrade: bool = False,
    config: LintConfig = DEFAULT_CONFIG,
) -> LintResult:
    """Lint one revision given as text (for editors and tests); no baseline support."""
    result = LintResult(files=1)
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        result.errors.append(syntax_error(path, exc))
        return result
    module = ModuleInfo.scan(tree, source)
    if module.revision is None or module.revision not in config.allow_revisions:
        result.findings = _in_order(lint_module(module, path, include_downgrade, config, {}))
    return result


def _in_order(findings: Iterable[LintFinding]) -> list[LintFinding]:
    """Sorted by place; at one place (several statements in one SQL string) in the order
    they run. One call reached through several paths (a helper called twice) once."""
    return sorted(dict.fromkeys(findings), key=lambda f: (f.path, f.line, f.column))
