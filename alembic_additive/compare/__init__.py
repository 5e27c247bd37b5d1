"""Comparators: one concern per module, each ending in its own ``setup(plugin)``.

Alembic's own comparators (priority MEDIUM) build the operation tree first. Ours run at
priority LAST on the ``schema`` target and only *read* that tree, turning what they see into
findings (:mod:`alembic_additive.findings`). :mod:`.additive` then runs last on the
``autogenerate`` target: probe, policy, rewrite.
"""

from __future__ import annotations

from alembic.operations import ops

from ..findings import Findings, TableRef

STATE_KEY = "alembic_additive"


def findings_of(upgrade_ops: ops.UpgradeOps) -> Findings:
    """The findings collected for this autogenerate run (kept on the UpgradeOps itself)."""
    found = upgrade_ops.info.get(STATE_KEY)
    if not isinstance(found, Findings):
        found = Findings()
        upgrade_ops.info[STATE_KEY] = found
    return found


def table_ref(op: ops.MigrateOperation) -> TableRef:
    """The table an operation belongs to, as Alembic names it."""
    return TableRef(getattr(op, "schema", None), str(op.table_name))  # type: ignore[attr-defined]


def walk(upgrade_ops: ops.UpgradeOps) -> list[tuple[TableRef | None, ops.MigrateOperation]]:
    """Every leaf operation with the table of the ModifyTableOps holding it (None at top)."""
    out: list[tuple[TableRef | None, ops.MigrateOperation]] = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            ref = TableRef(op.schema, str(op.table_name))
            out.extend((ref, inner) for inner in op.ops)
        else:
            out.append((None, op))
    return out
