"""The rule registry: one module per rule, each exporting ``RULE``.

Rule ids are the kebab-case values of :class:`alembic_additive.findings.Kind` (plus
``invalid-suppression``), the same words the plugin's configuration uses. Adding a rule means
adding a module and a line here, a page in ``docs/rules/`` and a test file.
"""

from __future__ import annotations

from ..model import Rule
from . import (
    alter_column_type,
    destructive_sql,
    drop_column,
    drop_constraint,
    drop_index,
    drop_table,
    invalid_suppression,
    rename_column,
    rename_table,
    set_not_null,
)

RULES: tuple[Rule, ...] = (
    drop_table.RULE,
    drop_column.RULE,
    drop_index.RULE,
    drop_constraint.RULE,
    alter_column_type.RULE,
    set_not_null.RULE,
    rename_table.RULE,
    rename_column.RULE,
    destructive_sql.RULE,
    invalid_suppression.RULE,
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

INVALID_SUPPRESSION = invalid_suppression.ID

__all__ = ["BY_ID", "INVALID_SUPPRESSION", "RULES", "Rule"]
