"""The revision history around the linted files: baseline ancestry and earlier column types.

Two questions need the revisions *before* a file: which revisions are at or before the
``baseline`` (not linted), and what type a column had before an ``alter_column`` that does
not say (``existing_type=`` missing). Both are answered from the files of the same versions
folder, following ``down_revision`` - read with a regular expression where Alembic's own
assignment lines allow it, parsed only when a type must be looked up.
"""

from __future__ import annotations

import ast
import bisect
import collections
import os
import re
from dataclasses import dataclass, field

from .config import LintConfigError
from .files import parse, read
from .model import LintError, TypeSource
from .names import OP, ModuleInfo, call_arg, resolve

_REVISION = re.compile(r"revision\s*(?::[^=\n]*)?=\s*(?P<value>.+?)\s*(?:#.*)?$", re.M)
_DOWN_REVISION = re.compile(r"down_revision\s*(?::[^=\n]*)?=\s*(?P<value>.+?)\s*(?:#.*)?$", re.M)


def _assignments(source: str, name: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of ``pattern`` at the start of the lines that start with ``name``: a substring
    search finds the few candidate lines, the expression only checks those (a multi-line
    regular expression tried at every position costs a tenth of parsing the file)."""
    found = []
    if source.startswith(name):
        match = pattern.match(source)
        if match is not None:
            found.append(match)
    needle = "\n" + name
    at = source.find(needle)
    while at >= 0:
        match = pattern.match(source, at + 1)
        if match is not None:
            found.append(match)
        at = source.find(needle, at + 1)
    return found


def quick_revision_ids(source: str) -> tuple[str, tuple[str, ...]] | None:
    """``(revision, down_revisions)`` read from the assignment lines Alembic writes, without
    parsing the file; None when they are not simple literals (then the AST decides)."""
    revs = _assignments(source, "revision", _REVISION)
    downs = _assignments(source, "down_revision", _DOWN_REVISION)
    if len(revs) != 1 or len(downs) != 1:
        return None  # absent, or ambiguous (a docstring could hold such a line)
    rev, down = revs[0], downs[0]
    try:
        rev_value = _literal(rev["value"])
        down_value = _literal(down["value"])
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


_STRING = re.compile(r"""(?P<q>['"])(?P<s>[\w.-]*)(?P=q)""")


def _literal(text: str) -> object:
    """A quoted revision id or ``None`` without compiling anything (this runs on every
    file of the folder); other literals (tuples for merges) go to :func:`ast.literal_eval`."""
    if text == "None":
        return None
    match = _STRING.fullmatch(text)
    if match is not None:
        return match["s"]
    return ast.literal_eval(text)


# --------------------------------------------------------------------------- baseline


def at_or_before(
    baseline: str,
    files: list[str],
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
        text = read(key, key)
        if key in wanted:
            texts[key] = text
        if isinstance(text, LintError):
            continue
        ids = quick_revision_ids(text)
        if ids is None:
            module = parse(text, key)
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


# --------------------------------------------------------------------------- column types


_COLUMN = frozenset(
    {"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column"}
)


@dataclass
class _Folder:
    """One versions folder, indexed for :meth:`Versions.previous_type`.

    ``lowered`` is every file's text, lower-cased and joined, so that finding the files
    that mention a table is one substring search over the folder rather than one per file;
    ``starts`` / ``files`` map an offset in it back to its file. The revision graph is read
    (``graph``, revision -> (file, parents)) only when a file other than the asking one
    mentions the column.
    """

    files: list[str] = field(default_factory=list)
    lowered: str = ""
    starts: list[int] = field(default_factory=list)
    graph: dict[str, tuple[str, tuple[str, ...]]] | None = None

    def mentioning(self, table: str, column: str) -> set[str]:
        """Files whose lower-cased text contains both ``table`` and ``column`` as whole
        names (see :func:`_bounded`): the only ones whose column types can hold the pair."""
        lowered, starts, files = self.lowered, self.starts, self.files
        if not table:  # the empty name is in every text
            return {
                f
                for i, f in enumerate(files)
                if _names(lowered, column, starts[i], starts[i + 1] - 1)
            }
        found: set[str] = set()
        at = lowered.find(table)
        while at >= 0:
            index = bisect.bisect_right(starts, at) - 1
            end = starts[index + 1] - 1  # the separator before the next text
            after = at + len(table)
            if after > end:  # straddling two texts
                at = lowered.find(table, at + 1)
            elif _bounded(lowered, at, after) and _names(lowered, column, starts[index], end):
                found.add(files[index])
                at = lowered.find(table, end)  # one hit per file is enough
            else:
                at = lowered.find(table, at + 1)
        return found


_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _bounded(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` not glued to a letter, digit or ``_``? A string literal equal
    to the name - the only thing :func:`_column_types` keys on - starts after a quote (or
    the newline of a backslash continuation) and ends before a quote or a backslash, so an
    occurrence inside a longer word (``account_5`` in ``account_50``) cannot be one."""
    before = text[start - 1] if start else ""
    return before not in _WORD and text[end : end + 1] not in _WORD


def _names(text: str, name: str, start: int, end: int) -> bool:
    """Does ``text[start:end]`` contain ``name`` as in :func:`_bounded`?"""
    if not name:
        return True
    at = text.find(name, start, end)
    while at >= 0:
        if _bounded(text, at, at + len(name)):
            return True
        at = text.find(name, at + 1, end)
    return False


@dataclass
class Versions:
    """The revision files next to the linted ones, read only when a type must be looked up.

    One instance per lint run: each folder's graph and each revision's column types are
    read once however many ``alter_column`` calls ask.
    """

    folders: dict[str, _Folder] = field(default_factory=dict)
    texts: dict[str, str | LintError] = field(default_factory=dict)
    """Absolute path -> text, shared with the lint loop so no file is read twice."""
    types: dict[str, dict[tuple[str, str], TypeSource]] = field(default_factory=dict)

    def previous_type(
        self, path: str, downs: tuple[str, ...], table: str, column: str
    ) -> TypeSource | None:
        """The type expression ``table.column`` had before the revision in ``path`` (whose
        parents are ``downs``): the nearest ancestor in the same folder that creates the
        table, adds the column or changes its type decides. None when no ancestor says.

        Only ancestors whose text mentions both names are parsed, so walking back through a
        long history costs a substring search over the folder.
        """
        path = os.path.abspath(path)
        folder = self._folder(os.path.dirname(path))
        key = (table.lower(), column.lower())
        files = folder.mentioning(*key)
        if not files:
            return None  # no file of the folder even mentions the column
        if files == {path} and key not in self._types(path):
            return None  # only this revision names it, and could only answer for itself
        graph = self._graph(folder)
        naming = {revision for revision, (file, _) in graph.items() if file in files}
        todo, seen = collections.deque(downs), set(downs)
        while todo and naming:
            revision = todo.popleft()
            entry = graph.get(revision)
            if entry is None:
                continue
            file, parents = entry
            if revision in naming:
                found = self._types(file).get(key)
                if found is not None:
                    return found
                naming.discard(revision)  # once none is left, no ancestor can say
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return None

    def _folder(self, path: str) -> _Folder:
        folder = self.folders.get(path)
        if folder is not None:
            return folder
        folder = self.folders[path] = _Folder()
        try:
            names = sorted(n for n in os.listdir(path) if n.endswith(".py"))
        except OSError:
            names = []
        texts: list[str] = []
        offset = 0
        for name in names:
            file = os.path.join(path, name)
            text = self._read(file)
            if isinstance(text, LintError):
                continue
            lowered = text.lower()  # per text: lower() may change a text's length
            folder.files.append(file)
            folder.starts.append(offset)
            texts.append(lowered)
            offset += len(lowered) + 1
        folder.starts.append(offset)
        # a name straddling the separator is rejected in :meth:`_Folder.mentioning`
        folder.lowered = "\0".join(texts) + "\0"
        return folder

    def _graph(self, folder: _Folder) -> dict[str, tuple[str, tuple[str, ...]]]:
        """revision -> (file, parents) for the folder's files (the first file wins a
        revision id written twice)."""
        if folder.graph is not None:
            return folder.graph
        graph: dict[str, tuple[str, tuple[str, ...]]] = {}
        for file in folder.files:
            text = self._read(file)
            if isinstance(text, LintError):
                continue
            ids = quick_revision_ids(text)
            if ids is None:
                module = parse(text, file)
                if isinstance(module, LintError) or module.revision is None:
                    continue
                ids = (module.revision, module.down_revisions)
            graph.setdefault(ids[0], (file, ids[1]))
        folder.graph = graph
        return graph

    def _read(self, file: str) -> str | LintError:
        text = self.texts.get(file)
        if text is None:
            text = self.texts[file] = read(file, file)
        return text

    def _types(self, file: str) -> dict[tuple[str, str], TypeSource]:
        found = self.types.get(file)
        if found is None:
            found = self.types[file] = {}
            text = self._read(file)
            module = parse(text, file) if isinstance(text, str) else text
            if isinstance(module, ModuleInfo):
                for name, fn in module.functions.items():
                    if name == "upgrade" or name.startswith("upgrade_"):
                        found.update(_column_types(fn, module))
        return found


def _column_types(fn: ast.AST, module: ModuleInfo) -> dict[tuple[str, str], TypeSource]:
    """``(table, column) -> type expression`` as ``fn`` leaves them (the last call wins)."""
    from .facts import within

    names = module.names
    blocks: list[tuple[ast.With, str, str]] = []  # (with, alias, table)
    calls: list[ast.Call] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.With):
            for item in node.items:
                ctx, alias = item.context_expr, item.optional_vars
                if (
                    isinstance(ctx, ast.Call)
                    and isinstance(alias, ast.Name)
                    and resolve(ctx.func, names) == f"{OP}.batch_alter_table"
                ):
                    batch_table = _string(call_arg(ctx, 0, "table_name"))
                    if batch_table is not None:
                        blocks.append((node, alias.id, batch_table))
    out: dict[tuple[str, str], TypeSource] = {}
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        table: str | None
        if resolve(func.value, names) == OP:
            table, shift = _string(call_arg(call, 0, "table_name")), 1
        elif isinstance(func.value, ast.Name):
            inside = [
                t for block, alias, t in blocks if alias == func.value.id and within(call, block)
            ]
            if not inside:
                continue
            table, shift = inside[-1], 0
        else:
            continue
        if table is None:
            continue
        table = table.lower()
        if func.attr == "create_table" and shift:
            for arg in call.args[1:]:
                _column_type(arg, table, module, out)
        elif func.attr == "add_column":
            _column_type(call_arg(call, shift, "column"), table, module, out)
        elif func.attr == "alter_column":
            column = _string(call_arg(call, shift, "column_name"))
            new = call_arg(call, None, "type_")
            if column is not None and new is not None:
                out[(table, column.lower())] = (new, module.names)
    return out


def _column_type(
    expr: ast.expr | None, table: str, module: ModuleInfo, out: dict[tuple[str, str], TypeSource]
) -> None:
    if not isinstance(expr, ast.Call) or resolve(expr.func, module.names) not in _COLUMN:
        return
    name = _string(call_arg(expr, 0, "name"))
    type_ = call_arg(expr, 1, "type_")
    if name is not None and type_ is not None:
        out[(table, name.lower())] = (type_, module.names)


def _string(expr: ast.expr | None) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None
