"""``op.preflight``: every data-dependent check of a revision, run before its first change.

The policy keeps some operations because of what the data looked like where autogenerate
ran: SET NOT NULL (no NULL), a NOT NULL column without default (empty table), a unique key
(no duplicates), a foreign key (no orphan rows), a CHECK (no violating row). The upgrade
runs elsewhere, later. So the revision re-proves each of these on the database it runs
against, in one operation rendered at the very top of ``upgrade()`` (after the findings
comments, before any DDL)::

    op.preflight(
        {'kind': 'no-null', 'table': 't', 'column': 'code'},
        {'kind': 'empty', 'table': 'e', 'column': 'qty'},
    )

Every check is counted first; if any fails, one :class:`GuardRefused` lists one line per
failing check (table, column, count, fix; never a value) and the upgrade stops before its
first DDL statement. That matters on MariaDB/MySQL and SQLite, whose DDL is not
transactional: the database is left exactly as it was, and once the data is fixed the rerun
completes. On PostgreSQL the transaction would roll back anyway; the guard still refuses
first, with a readable message, and before MariaDB-style silent conversions could happen.

``-x additive_force=1`` does **not** skip these checks: the force switch is for deliberate
drops in downgrades, where the user accepts losing data. A failing guard means the
operation itself would fail or invent data (MariaDB fills NOT NULL with 0/'' and, with a
non-strict ``sql_mode``, silently converts NULLs); there is nothing to accept. To go ahead
anyway, fix the data, or edit the revision and remove the operation with its check.

Offline (``--sql``) no count is possible: on PostgreSQL each check becomes a ``DO`` block
that raises when its count is not 0 (the script's transaction then aborts); on other
dialects a ``-- alembic-additive guard`` comment and the counting ``SELECT``, to be run
and read by whoever applies the script. The check kinds and their registry (add kinds from
other modules with :func:`register_check`) are in :mod:`alembic_additive.checks`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops
from alembic.util import CommandError

from ..checks import CHECKS, Check, LiveSchema, check_from_spec, count_all, register_check
from . import _support
from .report import AdditiveReportOp

log = logging.getLogger(f"alembic.{__name__}")

__all__ = ["CHECKS", "GuardRefused", "PreflightOp", "register_check"]

COMMENT = (
    "# alembic-additive: the data this upgrade relies on is checked first, on the database it "
    "runs on; if a check fails, nothing is changed"
)


class GuardRefused(CommandError):
    """A preflight check failed; the upgrade changed nothing."""


@Operations.register_operation("preflight")
class PreflightOp(ops.MigrateOperation):
    """Count what every kept data-dependent operation of the revision needs; refuse if any
    count is not 0. Executes no DDL and adds no difference for ``alembic check``."""

    ops: Sequence[ops.MigrateOperation] = ()  # no diff of its own (see report.py)

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks: list[Check] = list(checks)

    @classmethod
    def preflight(cls, operations: Operations, *checks: Mapping[str, Any] | Check) -> None:
        """Run the checks (``{'kind': ..., ...}`` specs or :class:`Check` objects)."""
        built = [c if isinstance(c, Check) else check_from_spec(c) for c in checks]
        operations.invoke(cls(built))

    def reverse(self) -> AdditiveReportOp:
        # a downgrade only relaxes what these checks protect: nothing to prove
        return AdditiveReportOp([])

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("alembic_additive_preflight", tuple(c.kind for c in self.checks))


@Operations.implementation_for(PreflightOp)
def preflight(operations: Operations, operation: PreflightOp) -> None:
    if _support.offline(operations):
        _offline(operations, operation.checks)
        return
    counts = count_all(operations.get_bind(), operation.checks)
    failures = [
        _support.printable(check.refusal(count))
        for check, count in zip(operation.checks, counts, strict=True)
        if count
    ]
    if failures:
        raise GuardRefused(
            f"alembic-additive: refusing to upgrade, {len(failures)} check(s) failed on this "
            "database; nothing was changed:\n" + "\n".join(f"  {line}" for line in failures)
        )
    log.info("alembic-additive: %d preflight check(s) passed", len(operation.checks))


def _offline(operations: Operations, checks: Sequence[Check]) -> None:
    """``--sql``: a DO block per check on PostgreSQL; elsewhere a comment and the SELECT."""
    ctx = operations.migration_context
    impl = ctx.impl
    dialect = ctx.dialect
    live = LiveSchema(None)
    for check in checks:
        stmt = check.statement(live)
        if stmt is None:
            continue
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        sql = " ".join(sql.split())
        if dialect.name == "postgresql":
            impl.static_output(_do_block(sql, check) + impl.command_terminator)
        else:
            impl.static_output(
                f"-- alembic-additive guard ({check.kind}): {_comment(check.describe())}\n"
                "-- the SELECT below must return 0; if it does not, STOP: fix the data before "
                "running the rest of this script (this dialect cannot abort it by itself)\n"
                + sql
                + impl.command_terminator
            )


def _comment(text: str) -> str:
    return " ".join(_support.printable(text).split())


_SENTINEL = 918273645546372819  # stands for the count in the refusal line of a DO block


def _do_block(sql: str, check: Check) -> str:
    """A PostgreSQL ``DO`` block raising with the refusal line when the count is not 0."""
    message = _support.printable(check.refusal(_SENTINEL))
    message = message.replace("%", "%%").replace(str(_SENTINEL), "%").replace("'", "''")
    tag = "$alembic_additive$"
    while tag in sql or tag in message:
        tag = f"$aa_{uuid.uuid4().hex[:8]}$"
    return (
        f"DO {tag}\n"
        "DECLARE n bigint;\n"
        "BEGIN\n"
        f"    n := ({sql});\n"
        "    IF n > 0 THEN\n"
        f"        RAISE EXCEPTION 'alembic-additive: refusing to upgrade: {message}', n;\n"
        "    END IF;\n"
        f"END {tag}"
    )


@renderers.dispatch_for(PreflightOp)
def render_preflight(autogen_context: AutogenContext, op: PreflightOp) -> list[str]:
    autogen_context.imports.add(_support.IMPORT_LINE)
    prefix = autogen_context.opts.get("alembic_module_prefix") or ""
    specs = "".join(f"\n    {check.to_spec()!r}," for check in op.checks)
    return [COMMENT, f"{prefix}preflight({specs}\n)"]
