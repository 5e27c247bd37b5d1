"""Alembic operations that make revisions safe to run twice and refuse to destroy data.

Importing this package registers them with Alembic (``op.add_column_if_not_exists`` and
friends), so revision files written by the plugin import it. Each module holds one
operation: the op class with ``reverse()``, its registration, implementation and renderer.
"""

from __future__ import annotations

from ._support import IMPORT_LINE
from .add_column import AddColumnIfNotExistsOp
from .alter_column import WideningAlterColumnOp
from .create_index import CreateIndexIfNotExistsOp
from .create_table import CreateTableIfNotExistsOp
from .drop_column import DropColumnIfEmptyOp
from .drop_index import DropIndexIfExistsOp
from .drop_table import DropTableIfEmptyOp
from .ensure_empty import EnsureEmptyOp
from .guard import PreflightOp
from .report import AdditiveReportOp

__all__ = [
    "IMPORT_LINE",
    "AddColumnIfNotExistsOp",
    "AdditiveReportOp",
    "CreateIndexIfNotExistsOp",
    "CreateTableIfNotExistsOp",
    "DropColumnIfEmptyOp",
    "DropIndexIfExistsOp",
    "DropTableIfEmptyOp",
    "EnsureEmptyOp",
    "PreflightOp",
    "WideningAlterColumnOp",
]
