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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_CONFIG, LintConfig, LintConfigError, load_config, parse_suppressions
from .config import suppresses as _suppresses
from .engine import ModuleInfo, Walker
from .model import Event, LintError, LintFinding, LintResult, SqlCall, SuppressionComment
from .rules import BY_ID, RULES
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
]


@dataclass
class _Parsed:
    path: Path
    display: str
    module: ModuleInfo


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
    files next to the linted ones. Raises :class:`LintConfigError` for a bad baseline.
    """
    files = discover(paths)
    result = LintResult(files=len(files))
    cwd = Path.cwd()
    parsed: Iterable[_Parsed] = _parse_all(files, cwd, result.errors)
    skip = set(config.allow_revisions)
    if config.baseline:
        # the graph needs every revision id first; otherwise each tree is dropped as soon as
        # it is linted, which keeps memory flat on folders of thousands of revisions
        parsed = list(parsed)
        skip |= _at_or_before(config.baseline, parsed, alembic_ini)
    sql_cache: dict[str, tuple[SqlHit, ...]] = {}
    for item in parsed:
        if item.module.revision is not None and item.module.revision in skip:
            result.skipped.append(item.display)
            continue
        result.findings.extend(
            _lint_module(item.module, item.display, include_downgrade, config, sql_cache)
        )
    result.findings.sort()
    result.errors.sort()
    return result


def _parse_all(files: list[Path], cwd: Path, errors: list[LintError]) -> Iterator[_Parsed]:
    for path in files:
        display = display_path(path, cwd)
        module_or_error = _parse(path, display)
        if isinstance(module_or_error, LintError):
            errors.append(module_or_error)
        else:
            yield _Parsed(path, display, module_or_error)


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
        result.findings = sorted(_lint_module(module, path, include_downgrade, config, {}))
    return result


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to lint: given files as they are, folders searched for ``*.py`` (skipping
    ``__pycache__`` and hidden folders), each file once, in a stable order."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*.py")
                if not any(
                    part == "__pycache__" or part.startswith(".")
                    for part in p.relative_to(path).parts[:-1]
                )
            )
        else:
            found = [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as reports show it: relative to the working folder when inside it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(cwd or Path.cwd()))
        except ValueError:
            return str(path)
    return os.path.normpath(path)


def _parse(path: Path, display: str) -> ModuleInfo | LintError:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return LintError(display, 1, f"cannot read: {exc.strerror or exc}")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LintError(display, 1, f"cannot read: not UTF-8 ({exc.reason})")
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


def _at_or_before(
    baseline: str, parsed: list[_Parsed], alembic_ini: str | os.PathLike[str] | None
) -> set[str]:
    """The baseline revision and all its ancestors."""
    if alembic_ini is not None:
        return _ancestors_from_script(baseline, alembic_ini)
    graph = {p.module.revision: p.module.down_revisions for p in parsed if p.module.revision}
    for folder in sorted({p.path.parent for p in parsed}):
        for sibling in folder.glob("*.py"):
            if any(sibling == p.path for p in parsed):
                continue
            module = _parse(sibling, display_path(sibling))
            if isinstance(module, ModuleInfo) and module.revision:
                graph.setdefault(module.revision, module.down_revisions)
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


# the rule ids, for the command's help text
RULE_IDS = tuple(BY_ID)
