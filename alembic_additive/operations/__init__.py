"""Alembic operations that make revisions safe to run twice and refuse to destroy data.

Importing this package registers them with Alembic (``op.add_column_if_not_exists`` and
friends), so revision files written by the plugin import it. Each module holds one
operation: the op class with ``reverse()``, its registration, implementation and renderer.
"""

from __future__ import annotations

from ..types import guard_check as _type_fits  # noqa: F401  # registers the type-fits check
from ._support import IMPORT_LINE
from .add_column import AddColumnIfNotExistsOp
from .alter_column import WideningAlterColumnOp
from .alter_column_recorded import AlterColumnRecordedOp
from .alter_column_safe import AlterColumnSafeOp
from .create_check import CreateCheckConstraintIfNotExistsOp
from .create_foreign_key import CreateForeignKeyIfNotExistsOp
from .create_index import CreateIndexIfNotExistsOp
from .create_primary_key import CreatePrimaryKeyIfNotExistsOp
from .create_table import CreateTableIfNotExistsOp
from .create_unique import CreateUniqueConstraintIfNotExistsOp
from .drop_column import DropColumnIfEmptyOp
from .drop_column_if_exists import DropColumnIfExistsOp
from .drop_column_safe import DropColumnSafeOp
from .drop_constraint_if_created import DropConstraintIfCreatedOp
from .drop_constraint_if_exists import DropConstraintIfExistsOp
from .drop_index import DropIndexIfExistsOp
from .drop_table import DropTableIfEmptyOp
from .ensure_empty import EnsureEmptyOp
from .guard import PreflightOp
from .replace_index import ReplaceIndexOp
from .report import AdditiveReportOp
from .restore_index import RestoreIndexOp

__all__ = [
    "IMPORT_LINE",
    "AddColumnIfNotExistsOp",
    "AdditiveReportOp",
    "AlterColumnRecordedOp",
    "AlterColumnSafeOp",
    "CreateCheckConstraintIfNotExistsOp",
    "CreateForeignKeyIfNotExistsOp",
    "CreateIndexIfNotExistsOp",
    "CreatePrimaryKeyIfNotExistsOp",
    "CreateTableIfNotExistsOp",
    "CreateUniqueConstraintIfNotExistsOp",
    "DropColumnIfEmptyOp",
    "DropColumnIfExistsOp",
    "DropColumnSafeOp",
    "DropConstraintIfCreatedOp",
    "DropConstraintIfExistsOp",
    "DropIndexIfExistsOp",
    "DropTableIfEmptyOp",
    "EnsureEmptyOp",
    "PreflightOp",
    "ReplaceIndexOp",
    "RestoreIndexOp",
    "WideningAlterColumnOp",
]
