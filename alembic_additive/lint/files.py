"""Finding and reading revision files: discovery, decoding, parsing, display paths.

Plain :func:`os.walk` and string paths: on a folder of thousands of revisions, pathlib's
per-file objects and ``resolve()`` system calls cost as much as linting does.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from pathlib import Path

from .model import LintError
from .names import ModuleInfo


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to lint: given files as they are, folders searched for ``*.py`` (skipping
    ``__pycache__`` and hidden folders), each file once, in a stable order."""
    return [Path(name) for name in discover_names(paths)]


def discover_names(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """:func:`discover` as plain strings (what the lint loop uses: no path objects)."""
    out: list[str] = []
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
                out.append(file)
    return out


def display_path(path: str | os.PathLike[str], cwd: Path | None = None) -> str:
    """The path as reports show it: relative to the working folder when inside it."""
    text = os.fspath(path)
    if os.path.isabs(text):
        base = os.fspath(cwd or Path.cwd()).rstrip(os.sep) + os.sep
        return text[len(base) :] if text.startswith(base) else text
    return os.path.normpath(text)


def read(path: str | os.PathLike[str], display: str) -> str | LintError:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return LintError(display, 1, f"cannot read: {exc.strerror or exc}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LintError(display, 1, f"cannot read: not UTF-8 ({exc.reason})")


def parse(source: str, display: str) -> ModuleInfo | LintError:
    try:
        tree = ast.parse(source, filename=display)
    except (SyntaxError, ValueError) as exc:
        return syntax_error(display, exc)
    return ModuleInfo.scan(tree, source)


def syntax_error(display: str, exc: SyntaxError | ValueError) -> LintError:
    if isinstance(exc, SyntaxError):
        return LintError(display, exc.lineno or 1, f"syntax error: {exc.msg}")
    return LintError(display, 1, f"syntax error: {exc}")
