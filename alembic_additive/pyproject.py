"""Finding and reading ``[tool.alembic_additive]`` in pyproject.toml, and nothing else.

Kept apart from :mod:`alembic_additive.options` (the plugin's settings, which need the
finding kinds and so SQLAlchemy) so that ``alembic-additive lint`` reads its
``[tool.alembic_additive.lint]`` subtable through the same reader without importing
SQLAlchemy: start-up time is most of a pre-commit lint run.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class OptionsError(ValueError):
    """A configuration value is invalid; the message names the setting and what is allowed."""


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (a file or a folder)."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def tool_section(start: Path) -> tuple[Path | None, Mapping[str, Any]]:
    """``[tool.alembic_additive]`` of the nearest pyproject.toml, and that file's path.

    Shared by the plugin's settings and the lint settings (its ``lint`` subtable), so both
    find the same file and report a broken one the same way.
    """
    candidate = find_pyproject(start)
    if candidate is None:
        return None, {}
    try:
        with candidate.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OptionsError(f"{candidate}: not valid TOML ({exc})") from None
    tool = data.get("tool", {})
    section = tool.get("alembic_additive", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(section, Mapping):
        raise OptionsError(f"{candidate} [tool.alembic_additive]: expected a table")
    return candidate, section
