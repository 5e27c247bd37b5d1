"""Apply the policy's verdict to Alembic's operation tree.

Suppressed operations disappear; additive ones become their ``*_if_not_exists`` twins and
move to the top level of ``upgrade()`` (they need no batch mode, even on SQLite), in the
same order; alterations lose only the parts the policy refused. The downgrade is derived
afterwards by Alembic from what remains, so it only ever undoes what the upgrade adds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

from . import kept, policy, twins
from .findings import TAGGED_KEY, Action, Decision, Key, Kind, TableRef, Verdict, format_count
from .operations import (
    AddColumnIfNotExistsOp,
    AdditiveReportOp,
    AlterColumnRecordedOp,
    AlterColumnSafeOp,
    CreateIndexIfNotExistsOp,
    CreateTableIfNotExistsOp,
    DropColumnSafeOp,
    WideningAlterColumnOp,
)
from .operations.guard import PreflightOp

# our idempotent operations need no batch mode, so they leave the table's container; so does
# alter_column_safe, which rebuilds a SQLite table itself (batch's copy would cascade deletes)
_TOP_LEVEL = (AddColumnIfNotExistsOp, CreateIndexIfNotExistsOp, AlterColumnSafeOp, DropColumnSafeOp)

_DROP_KINDS = (Kind.DROP_TABLE, Kind.DROP_COLUMN, Kind.DROP_INDEX, Kind.DROP_CONSTRAINT)


def apply(
    upgrade_ops: ops.UpgradeOps,
    verdict: Verdict,
    autogen_context: AutogenContext,
    report: Sequence[str] | Callable[[], Sequence[str]] | None,
) -> None:
    decisions = verdict.by_key()
    state = _State(decisions, verdict)
    state.sqlite = autogen_context.dialect is not None and autogen_context.dialect.name == "sqlite"
    new_ops: list[ops.MigrateOperation] = []
    for op in upgrade_ops.ops:
        new_ops.extend(state.top(op))
    new_ops = _foreign_keys_last(new_ops)
    dialect = autogen_context.dialect
    checks = policy.guards(kept.read(new_ops, dialect)) if dialect is not None else []
    if checks:  # one guard op, before any DDL: a refusal then changes nothing
        new_ops.insert(0, PreflightOp(checks))
    if report is not None:
        new_ops.insert(0, AdditiveReportOp(report, standalone=not new_ops))
    upgrade_ops.ops = new_ops


def _foreign_keys_last(operations: list[ops.MigrateOperation]) -> list[ops.MigrateOperation]:
    """Foreign keys created after everything else the revision adds.

    Autogenerate writes a revision table by table, in name order, so a foreign key from
    ``a_child`` comes before the unique constraint (or column) of ``b_parent`` it references,
    and the upgrade fails (PostgreSQL: no unique constraint matching; MariaDB: errno 150).
    Created last in the upgrade, they are dropped first in the downgrade, which Alembic
    derives by reversing the upgrade. Within each group the order is kept.
    """
    rest: list[ops.MigrateOperation] = []
    keys: list[ops.MigrateOperation] = []
    for op in operations:
        if isinstance(op, ops.CreateForeignKeyOp):
            keys.append(op)
        elif isinstance(op, ops.ModifyTableOps) and any(
            isinstance(inner, ops.CreateForeignKeyOp) for inner in op.ops
        ):
            others = [o for o in op.ops if not isinstance(o, ops.CreateForeignKeyOp)]
            fks = [o for o in op.ops if isinstance(o, ops.CreateForeignKeyOp)]
            if others:
                rest.append(ops.ModifyTableOps(op.table_name, others, schema=op.schema))
            keys.append(ops.ModifyTableOps(op.table_name, fks, schema=op.schema))
        else:
            rest.append(op)
    return rest + keys


class _State:
    def __init__(self, decisions: dict[Key, Decision], verdict: Verdict) -> None:
        self.decisions = decisions
        self.verdict = verdict
        #: autogenerate runs against SQLite: kept alterations become alter_column_safe
        self.sqlite = False

    def action(self, key: Key) -> Action:
        decision = self.decisions.get(key)
        if decision is not None:
            return decision.action
        # never let a drop through that the policy did not see
        return Action.SUPPRESS if key.kind in _DROP_KINDS else Action.KEEP

    def top(self, op: ops.MigrateOperation) -> list[ops.MigrateOperation]:
        if isinstance(op, ops.ModifyTableOps):
            return self.table(op)
        if isinstance(op, ops.DropTableOp):
            ref = TableRef(op.schema, op.table_name)
            if self.action(Key(Kind.DROP_TABLE, ref)) is Action.SUPPRESS:
                return []
            return [twins.kept_drop(op)]
        if isinstance(op, ops.CreateTableOp):
            action = self.action(Key(Kind.CREATE_TABLE, TableRef(op.schema, op.table_name)))
            if action is Action.SUPPRESS:
                return []
            if action is Action.IF_NOT_EXISTS:
                return [CreateTableIfNotExistsOp.from_op(op)]
            return [op]
        ref = TableRef(getattr(op, "schema", None), str(getattr(op, "table_name", "")))
        moved = self.leaf(ref, op)
        return [] if moved is None else [moved]

    def table(self, container: ops.ModifyTableOps) -> list[ops.MigrateOperation]:
        """Split a table's operations: kept ones stay grouped, additive ones move up."""
        ref = TableRef(container.schema, container.table_name)
        out: list[ops.MigrateOperation] = []
        chunk: list[ops.MigrateOperation] = []

        def flush() -> None:
            if chunk:
                out.append(
                    ops.ModifyTableOps(container.table_name, list(chunk), schema=container.schema)
                )
                chunk.clear()

        changed = twins.changed_indexes(container.ops)
        by_name = twins.declared_by_name(container.ops)
        for op in container.ops:
            if isinstance(op, (ops.DropIndexOp, ops.CreateIndexOp)) and op.index_name in by_name:
                continue  # the live index is the one the model names
            if isinstance(op, ops.DropIndexOp) and op.index_name in changed:
                continue  # replaced by its same-named CreateIndexOp below
            new = self.leaf(ref, op)
            if isinstance(new, ops.CreateIndexOp) and new.index_name in changed:
                new = twins.replacement(new, changed[str(new.index_name)])
            if new is None:
                continue
            if isinstance(new, (*_TOP_LEVEL, *twins.TOP_LEVEL)):
                flush()
                out.append(new)
            else:
                chunk.append(new)
        flush()
        return out

    def leaf(self, ref: TableRef, op: ops.MigrateOperation) -> ops.MigrateOperation | None:
        """The operation to keep in place of ``op`` (itself, a replacement, or None)."""
        if isinstance(op, ops.DropColumnOp):
            kept = self._keep_or_drop(Key(Kind.DROP_COLUMN, ref, op.column_name), op)
            if kept is not None and self.sqlite:  # batch's copy would cascade: rebuild
                return DropColumnSafeOp.from_op(op)
            return kept
        if isinstance(op, ops.DropIndexOp):
            return self._keep_or_drop(Key(Kind.DROP_INDEX, ref, op.index_name), op)
        if isinstance(op, ops.DropConstraintOp):
            name = op.constraint_name if isinstance(op.constraint_name, str) else None
            return self._keep_or_drop(Key(Kind.DROP_CONSTRAINT, ref, name), op)
        if isinstance(op, ops.AddColumnOp):
            key = Key(Kind.ADD_COLUMN, ref, op.column.name)
            action = self.action(key)
            if action is Action.SUPPRESS:
                return None
            if action is Action.IF_NOT_EXISTS:
                return AddColumnIfNotExistsOp.from_op(op)
            if action is Action.RELAX_NOT_NULL:
                new = AddColumnIfNotExistsOp.from_op(op, nullable=True)
                counts = self.verdict.measurements.get(ref)
                new.backfill_rows = format_count(counts.rows, counts.estimated, counts.timed_out)
                return new
            return op
        if isinstance(op, ops.CreateIndexOp):
            action = self.action(Key(Kind.CREATE_INDEX, ref, op.index_name))
            if action is Action.SUPPRESS:
                return None
            if action is Action.IF_NOT_EXISTS:
                return CreateIndexIfNotExistsOp.from_op(op)
            return op
        if isinstance(op, ops.AlterColumnOp):
            if (
                op.modify_type is not None
                and self.action(Key(Kind.ALTER_COLUMN_TYPE, ref, op.column_name)) is Action.SUPPRESS
            ):
                op.modify_type = None
            if (
                op.modify_nullable is False
                and self.action(Key(Kind.SET_NOT_NULL, ref, op.column_name)) is Action.SUPPRESS
            ):
                op.modify_nullable = None
            if not op.has_changes():
                return None
            kept = WideningAlterColumnOp.from_op(op) if op.modify_type is not None else op
            if op.modify_nullable is False:  # the downgrade loosens only what it tightened
                return AlterColumnRecordedOp.from_op(kept)
            return AlterColumnSafeOp.from_op(kept) if self.sqlite else kept
        if isinstance(op, ops.AddConstraintOp):
            return twins.constraint(op)
        tagged = op.info.get(TAGGED_KEY)
        if isinstance(tagged, Key):  # another extension's operation, seen by a collector
            return self._keep_or_drop(tagged, op)
        return op

    def _keep_or_drop(self, key: Key, op: ops.MigrateOperation) -> ops.MigrateOperation | None:
        return None if self.action(key) is Action.SUPPRESS else twins.kept_drop(op)
