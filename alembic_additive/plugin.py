"""The Alembic plugin ``alembic_additive`` (entry point group ``alembic.plugins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing it here would re-enter Alembic's plugin loader
    from alembic.runtime.plugins import Plugin


def setup(plugin: Plugin) -> None:
    """Register the comparators; enable with ``autogenerate_plugins=[..., "alembic_additive"]``."""
    from .compare import (
        additive,
        alter_columns,
        columns,
        enums,
        indexes,
        ledger,
        stored_names,
        tables,
        views,
    )

    # ledger hides the ledger table before Alembic compares; stored_names edits the tree
    # before the collectors read it; views and enums read other extensions' operations;
    # additive must stay last
    order = (ledger, stored_names, tables, columns, indexes, alter_columns, views, enums, additive)
    for module in order:
        module.setup(plugin)
