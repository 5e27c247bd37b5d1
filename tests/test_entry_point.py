"""The installed package registers itself with Alembic's plugin loader.

Alembic 1.18.0 - 1.20.0 iterated the object an ``alembic.plugins`` entry point loads; 1.20.1
is the first release that accepts a module, which is what ``pyproject.toml`` requires.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import types
import warnings

import alembic
import alembic.runtime.plugins as plugins


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def test_entry_point_points_at_a_module() -> None:
    (ep,) = [
        e
        for e in importlib.metadata.entry_points(group="alembic.plugins")
        if e.name == "alembic_additive"
    ]
    assert ep.value == "alembic_additive.plugin"
    assert isinstance(ep.load(), types.ModuleType)


def test_installed_alembic_accepts_a_module_entry_point() -> None:
    assert _version(alembic.__version__) >= (1, 20, 1)
    requirement = [
        r for r in importlib.metadata.requires("alembic-additive") or [] if r.startswith("alembic>")
    ]
    assert requirement == ["alembic>=1.20.1"]
    assert "alembic_additive" in plugins._all_plugins


def test_loader_registers_the_plugin_without_deprecation_warning() -> None:
    # a fresh interpreter, so the loader runs now and its warnings can be seen
    code = (
        "import warnings; warnings.simplefilter('error');"
        "import alembic.runtime.plugins as p; assert 'alembic_additive' in p._all_plugins"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_enabling_by_name_matches_only_this_plugin() -> None:
    from alembic.util import PriorityDispatcher

    dispatcher = PriorityDispatcher()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plugins.Plugin.populate_autogenerate_priority_dispatch(dispatcher, ["alembic_additive"])
    registered = {fn.__module__ for entries in dispatcher._registry.values() for fn, _ in entries}
    assert registered == {
        "alembic_additive.compare.ledger",
        "alembic_additive.compare.tables",
        "alembic_additive.compare.columns",
        "alembic_additive.compare.indexes",
        "alembic_additive.compare.alter_columns",
        "alembic_additive.compare.stored_names",
        "alembic_additive.compare.views",
        "alembic_additive.compare.enums",
        "alembic_additive.compare.additive",
    }
