"""``alembic-additive cleanup``: the seed's optional last phase, opt-in, never autogenerate.

It writes a revision that drops only orphans that are empty *now* (measured exactly), and
guards the drops twice: ``op.ensure_empty`` first counts every target inside the upgrade's
transaction and refuses, with nothing dropped, if data appeared since; then each drop is a
``drop_*_if_empty`` guard of its own. The downgrade re-creates the dropped structure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from alembic.config import Config
from alembic.operations import ops

from .. import probe
from ..compare.additive import PENDING_KEY, PendingVerdict
from ..findings import Measurements, OrphanColumn, OrphanTable
from ..operations import DropColumnIfEmptyOp, DropTableIfEmptyOp, EnsureEmptyOp
from .collect import Comparison, compare_project


@dataclasses.dataclass
class CleanupResult:
    columns: list[str]
    tables: list[str]
    revision: str | None


def write_cleanup(
    config: Config, message: str, x_args: dict[str, str] | None = None
) -> CleanupResult:
    chosen: dict[str, list[str]] = {"columns": [], "tables": []}

    def directives(context: Any, revision: Any, directives: list[ops.MigrationScript]) -> None:
        script = directives[0]
        upgrade_ops = script.upgrade_ops_list[-1]
        pending = upgrade_ops.info.get(PENDING_KEY)
        if not isinstance(pending, PendingVerdict):
            directives[:] = []
            return
        exact = dataclasses.replace(
            pending,
            options=dataclasses.replace(pending.options, probe="exact"),
            measured=Measurements(),
            later=probe.requests_for(pending.findings),
            _full=None,
        )
        verdict = exact.complete()
        m = verdict.measurements
        drops: list[ops.MigrateOperation] = []
        col_targets: list[tuple[str | None, str, str]] = []
        table_targets: list[tuple[str | None, str]] = []
        empty_tables = {
            f.table
            for d in verdict.decisions
            if isinstance(f := d.finding, OrphanTable) and m.rows(f.table) == 0
        }
        for d in sorted(verdict.decisions, key=lambda d: (str(d.key.table), d.key.name or "")):
            f = d.finding
            counts = m.get(f.table)
            if counts.estimated or counts.timed_out:
                continue
            if isinstance(f, OrphanColumn) and f.table not in empty_tables:
                if counts.non_null.get(f.column.name) == 0:
                    col_targets.append((f.table.schema, f.table.name, f.column.name))
                    drops.append(
                        DropColumnIfEmptyOp(
                            f.table.name, f.column.name, schema=f.table.schema, column=f.column
                        )
                    )
                    chosen["columns"].append(f"{f.table}.{f.column.name}")
            elif isinstance(f, OrphanTable) and f.table in empty_tables:
                table_targets.append((f.table.schema, f.table.name))
                create = ops.CreateTableOp.from_table(f.reflected)
                drops.append(
                    DropTableIfEmptyOp(f.table.name, schema=f.table.schema, create_op=create)
                )
                chosen["tables"].append(str(f.table))
        if not drops:
            directives[:] = []
            return
        new_upgrade = ops.UpgradeOps([EnsureEmptyOp(col_targets, table_targets), *drops])
        script.upgrade_ops = new_upgrade
        script.downgrade_ops = new_upgrade.reverse()

    result: Comparison = compare_project(
        config, x_args, message=message, process_revision_directives=directives, write=True
    )
    return CleanupResult(
        chosen["columns"], chosen["tables"], result.written[0] if result.written else None
    )
