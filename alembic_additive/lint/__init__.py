"""Static analysis of Alembic revision files: find operations that destroy data.

The runtime half of alembic-additive stops autogenerate from *writing* destructive
operations; this half reads the revisions people wrote or edited by hand, before they run.
:func:`lint_paths` parses every file once, walks what ``upgrade()`` can reach
(:mod:`.engine`), asks every rule (:mod:`.rules`) about each operation and SQL string,
applies suppressions and ``[tool.alembic_additive.lint]`` (:mod:`.config`), and returns a
:class:`LintResult` the formatters (:mod:`.output`) render.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .config import DEFAULT_CONFIG, LintConfig, LintConfigError, load_config, parse_suppressions
from .config import suppresses as _suppresses
from .engine import ModuleInfo, Walker
from .model import Event, LintError, LintFinding, LintResult, SqlCall, SuppressionComment
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
) -> LintResult:
    """Lint revision files and folders (searched recursively for ``*.py``).

    ``downgrade()`` is skipped unless ``include_downgrade``: rolling back an addition is
    supposed to remove it. ``alembic_ini`` gives the revision graph for ``config.baseline``;
    without it the graph is read from the ``revision`` / ``down_revision`` variables of the
    linted files and the files next to them. Revisions in ``config.allow_revisions`` or at or
    before the baseline are not parsed at all. Raises :class:`LintConfigError` for a bad
    baseline.
    """
    files = discover(paths)
    result = LintResult(files=len(files))
    cwd = Path.cwd()
    texts: dict[str, str | LintError] = {}
    skip = set(config.allow_revisions)
    if config.baseline:
        skip |= _at_or_before(config.baseline, files, alembic_ini, texts)
    sql_cache: dict[str, tuple[SqlHit, ...]] = {}
    for path in files:
        display = display_path(path, cwd)
        text = texts.pop(os.path.abspath(path), None) or _read(path, display)
        if isinstance(text, LintError):
            result.errors.append(text)
            continue
        if skip:
            ids = quick_revision_ids(text)
            if ids is not None and ids[0] in skip:
                result.skipped.append(display)
                continue
        module = _parse(text, display)
        if isinstance(module, LintError):
            result.errors.append(module)
        elif module.revision is not None and module.revision in skip:
            result.skipped.append(display)
        else:
            result.findings.extend(
                _lint_module(module, display, include_downgrade, config, sql_cache)
            )
    # one call reached through several paths (a helper called twice) is reported once
    result.findings = sorted(set(result.findings))
    result.errors.sort()
    return result


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
        result.errors.append(_syntax_error(path, exc))
        return result
    module = ModuleInfo.scan(tree, source)
    if module.revision is None or module.revision not in config.allow_revisions:
        result.findings = sorted(set(_lint_module(module, path, include_downgrade, config, {})))
    return result


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to lint: given files as they are, folders searched for ``*.py`` (skipping
    ``__pycache__`` and hidden folders), each file once, in a stable order.

    Plain :func:`os.walk` and string paths: on a folder of thousands of revisions, pathlib's
    per-file objects and ``resolve()`` system calls cost as much as linting does.
    """
    out: list[Path] = []
    seen: set[str] = set()
    for raw in paths:
        top = os.fspath(raw)
        if os.path.isdir(top):
            found: list[str] = []
            for root, dirs, files in os.walk(top):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".py"))
        else:
            found = [top]
        for file in found:
            key = os.path.abspath(file)
            if key not in seen:
                seen.add(key)
                out.append(Path(file))
    return out


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as reports show it: relative to the working folder when inside it."""
    text = os.fspath(path)
    if os.path.isabs(text):
        base = os.fspath(cwd or Path.cwd()).rstrip(os.sep) + os.sep
        return text[len(base) :] if text.startswith(base) else text
    return os.path.normpath(text)


def _read(path: Path, display: str) -> str | LintError:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return LintError(display, 1, f"cannot read: {exc.strerror or exc}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LintError(display, 1, f"cannot read: not UTF-8 ({exc.reason})")


def _parse(source: str, display: str) -> ModuleInfo | LintError:
    try:
        tree = ast.parse(source, filename=display)
    except (SyntaxError, ValueError) as exc:
        return _syntax_error(display, exc)
    return ModuleInfo.scan(tree, source)


def _syntax_error(display: str, exc: SyntaxError | ValueError) -> LintError:
    if isinstance(exc, SyntaxError):
        return LintError(display, exc.lineno or 1, f"syntax error: {exc.msg}")
    return LintError(display, 1, f"syntax error: {exc}")


def _lint_module(
    module: ModuleInfo,
    display: str,
    include_downgrade: bool,
    config: LintConfig,
    sql_cache: dict[str, tuple[SqlHit, ...]],
) -> Iterator[LintFinding]:
    events: list[Event] = Walker(module, sql_cache).walk_roots(include_downgrade)
    comments = parse_suppressions(module.source)
    valid = [c for c in comments if c.problem is None]
    rules = [rule for rule in RULES if rule.id not in config.ignore]
    for event in [*events, *comments]:
        for rule in rules:
            for detail in rule.check(event):
                if isinstance(event, SuppressionComment):
                    line, column = event.line, event.column
                else:
                    node = event.node
                    lines, starts = _anchor_lines(event)
                    if any(_suppresses(c, rule.id, lines, starts) for c in valid):
                        continue
                    line = node.lineno
                    column = module.char_column(node.lineno, node.col_offset)
                yield LintFinding(
                    path=display,
                    line=line,
                    column=column,
                    rule=rule.id,
                    message=rule.render(detail),
                    revision=module.revision,
                )


def _anchor_lines(event: Event) -> tuple[set[int], set[int]]:
    """Lines where a trailing suppression counts, and lines an own-line comment may precede."""
    if isinstance(event, SuppressionComment):
        return {event.line}, set()
    node = event.node
    lines = {node.lineno, node.end_lineno or node.lineno}
    starts = {node.lineno}
    if isinstance(event, SqlCall) and event.anchor is not None:
        lines.add(event.anchor.lineno)
        starts.add(event.anchor.lineno)
    return lines, starts


# --------------------------------------------------------------------------- baseline


_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*(?P<value>.+?)\s*(?:#.*)?$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(?P<value>.+?)\s*(?:#.*)?$", re.M)


def quick_revision_ids(source: str) -> tuple[str, tuple[str, ...]] | None:
    """``(revision, down_revisions)`` read from the assignment lines Alembic writes, without
    parsing the file; None when they are not simple literals (then the AST decides)."""
    revs, downs = list(_REVISION.finditer(source)), list(_DOWN_REVISION.finditer(source))
    if len(revs) != 1 or len(downs) != 1:
        return None  # absent, or ambiguous (a docstring could hold such a line)
    rev, down = revs[0], downs[0]
    try:
        rev_value = ast.literal_eval(rev["value"])
        down_value = ast.literal_eval(down["value"])
    except (ValueError, SyntaxError):
        return None
    if not isinstance(rev_value, str):
        return None
    if down_value is None:
        return rev_value, ()
    if isinstance(down_value, str):
        return rev_value, (down_value,)
    if isinstance(down_value, (tuple, list)) and all(isinstance(d, str) for d in down_value):
        return rev_value, tuple(down_value)
    return None


def _at_or_before(
    baseline: str,
    files: list[Path],
    alembic_ini: str | os.PathLike[str] | None,
    texts: dict[str, str | LintError],
) -> set[str]:
    """The baseline revision and all its ancestors.

    Without an alembic.ini, the graph comes from the linted files and their siblings (so a
    single file passed by pre-commit still finds its ancestors). The texts read for it are
    kept in ``texts`` so that linting does not read them again.
    """
    if alembic_ini is not None:
        return _ancestors_from_script(baseline, alembic_ini)
    graph: dict[str, tuple[str, ...]] = {}
    linted = [os.path.abspath(f) for f in files]
    wanted = set(linted)
    folders = sorted({os.path.dirname(f) for f in linted})
    candidates = list(linted)
    for folder in folders:
        candidates += sorted(
            os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".py")
        )
    for key in dict.fromkeys(candidates):
        text = _read(Path(key), key)
        if key in wanted:
            texts[key] = text
        if isinstance(text, LintError):
            continue
        ids = quick_revision_ids(text)
        if ids is None:
            module = _parse(text, key)
            if isinstance(module, LintError) or module.revision is None:
                continue
            ids = (module.revision, module.down_revisions)
        graph.setdefault(ids[0], ids[1])
    start = _match_revision(baseline, graph)
    seen: set[str] = set()
    todo = [start]
    while todo:
        rev = todo.pop()
        if rev in seen:
            continue
        seen.add(rev)
        todo.extend(r for r in graph.get(rev, ()) if r not in seen)
    return seen


def _match_revision(baseline: str, graph: dict[str, tuple[str, ...]]) -> str:
    if baseline in graph:
        return baseline
    matches = [rev for rev in graph if rev.startswith(baseline)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise LintConfigError(f"baseline {baseline!r} is ambiguous: {', '.join(sorted(matches))}")
    raise LintConfigError(f"baseline revision {baseline!r} not found among the revision files")


def _ancestors_from_script(baseline: str, alembic_ini: str | os.PathLike[str]) -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        script = ScriptDirectory.from_config(Config(os.fspath(alembic_ini)))
        return {s.revision for s in script.walk_revisions(base="base", head=baseline)}
    except (CommandError, RevisionError) as exc:
        raise LintConfigError(f"baseline {baseline!r}: {exc}") from None
