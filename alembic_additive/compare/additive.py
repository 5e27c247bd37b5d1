"""The last comparator: probe the data, apply the policy, rewrite the revision.

It runs at priority LAST on the ``autogenerate`` target, after every ``schema`` comparator
(Alembic's and the finding collectors in this package) has finished, so it sees the whole
tree.

Counting happens in two steps. While comparing, only the tables whose verdict depends on
data are read (a NOT NULL to tighten, a NOT NULL column to add to a table that may have
rows): that is all ``alembic check`` needs. The counts that only inform the revision's
comments (orphan columns and tables, values that would not fit) are taken when the revision
is rendered, on a new connection from the same engine, so ``alembic check`` never pays for
them. An async engine cannot be reconnected once its event loop is gone, so there every
count is taken while comparing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import CommandError, DispatchPriority, PriorityDispatchResult

from .. import options as options_mod
from .. import policy, probe, session
from ..findings import (
    Action,
    Findings,
    Kind,
    Measurements,
    OrphanColumn,
    OrphanTable,
    TableRef,
    Verdict,
)
from . import STATE_KEY, findings_of

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")

VERDICT_KEY = "alembic_additive.verdict"
"""``upgrade_ops.info`` key of the verdict reached while comparing."""
PENDING_KEY = "alembic_additive.pending"
"""``upgrade_ops.info`` key of the :class:`PendingVerdict` (every count, on demand)."""

Progress = Callable[[int, int, TableRef], None]


@dataclass
class PendingVerdict:
    """The comparison's findings, decided again with every count when someone asks.

    The revision's comment block asks when it is rendered; ``alembic-additive audit`` asks
    directly (with a progress callback). ``alembic check`` never asks, so it never counts
    what it does not need.
    """

    findings: Findings
    options: options_mod.Options
    measured: Measurements
    later: list[probe.Request]
    engine: sa.Engine | None
    model_tables: int
    #: env.py's connection state (search_path, database), replayed on the later connection
    state: session.SessionState | None = None
    _full: Verdict | None = field(default=None, repr=False)

    def complete(self, progress: Progress | None = None) -> Verdict:
        if self._full is None:
            counted = _measure_later(
                self.engine, self.later, self.options, self.measured, progress, self.state
            )
            self._full = policy.decide(self.findings, counted, self.options)
            _log(self._full)
        return self._full


def additive(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    # imported here, not at module level: they use alembic.autogenerate, which is still
    # being imported while Alembic loads plugins
    from .. import findings_only, render, rewrite

    found = findings_of(upgrade_ops)
    upgrade_ops.info.pop(STATE_KEY, None)
    config = autogen_context.migration_context.config
    try:
        opts = options_mod.resolve(
            autogen_context.opts, config.config_file_name if config is not None else None
        )
        dialect = autogen_context.dialect
        if dialect is not None:
            opts = dataclasses.replace(opts, default_schema=dialect.default_schema_name)
        opts.check_allow_drop(_drop_targets(found))
    except options_mod.OptionsError as exc:
        raise CommandError(f"alembic-additive: {exc}") from None

    requests = probe.requests_for(found)
    connection = autogen_context.connection
    state = _state(connection) if requests and opts.probe != "off" else None
    if connection is not None and (
        connection.dialect.is_async or state is None or not state.replayable
    ):
        # an async engine (Alembic's async template) cannot be reconnected from outside
        # its event loop once env.py is done, and a connection whose state a new one cannot
        # be given (SQLite with attached databases) sees what no other does: count
        # everything while we are inside it
        urgent = {r.table for r in requests}
    else:
        # the tables the requests for those findings read (an enum's are its columns' tables)
        needed = Findings([f for f in found.items if policy.needs_counts(f)])
        urgent = {r.table for r in probe.requests_for(needed)}
    now = probe.measure(
        autogen_context.connection,
        [r for r in requests if r.table in urgent],
        opts.probe,
        opts.probe_timeout,
    )
    later = [r for r in requests if r.table not in urgent]
    verdict = policy.decide(found, now, opts)
    upgrade_ops.info[VERDICT_KEY] = verdict
    _summary(verdict)

    pending = PendingVerdict(
        found,
        opts,
        now,
        later,
        connection.engine if connection is not None else None,
        len(autogen_context.sorted_tables),
        state,
    )
    upgrade_ops.info[PENDING_KEY] = pending

    def report() -> Sequence[str]:
        return render.report_lines(pending.complete(), autogen_context)

    rewrite.apply(upgrade_ops, verdict, autogen_context, report if found.items else None)
    if found.items:
        findings_only.install(
            autogen_context.migration_context, opts.findings_only_revision, _counts_line(verdict)
        )
    return PriorityDispatchResult.CONTINUE


def _counts_line(verdict: Verdict) -> str:
    """``2 orphan column(s), 1 orphan table(s)``: what a findings-only revision is about."""
    orphans = Findings([d.finding for d in verdict.decisions])
    columns = sum(1 for _ in orphans.of(OrphanColumn))
    tables = sum(1 for _ in orphans.of(OrphanTable))
    others = len(verdict.decisions) - columns - tables
    parts = [f"{columns} orphan column(s)", f"{tables} orphan table(s)"]
    if others:
        parts.append(f"{others} other finding(s)")
    return ", ".join(parts)


def _drop_targets(found: Findings) -> list[tuple[str | None, str, str | None]]:
    """``(schema, table, column)`` of every orphan whose drop ``allow_drop`` could keep."""
    out: list[tuple[str | None, str, str | None]] = []
    for f in found.items:
        if isinstance(f, OrphanColumn):
            out.append((f.table.schema, f.table.name, f.column.name))
        elif f.key.kind is Kind.DROP_TABLE:  # orphan tables, and what is decided like one
            out.append((f.table.schema, f.table.name, None))
    return out


def _state(connection: sa.Connection | None) -> session.SessionState | None:
    """env.py's connection state; None (count everything now) if it cannot be read."""
    if connection is None or connection.dialect.is_async:
        return None
    try:
        return session.capture(connection)
    except sa.exc.SQLAlchemyError as exc:
        log.debug("Could not read the connection's state (%s); counting now", exc)
        return None


def _measure_later(
    engine: sa.Engine | None,
    requests: list[probe.Request],
    opts: options_mod.Options,
    now: Measurements,
    progress: Progress | None = None,
    state: session.SessionState | None = None,
) -> Measurements:
    """Counts for the comments, on a fresh connection given env.py's connection state
    (``state``); unknown if that is not possible."""
    tables = dict(now.tables)
    if requests and engine is not None and opts.probe != "off":
        try:
            with engine.connect() as conn, conn.begin():
                with session.replayed(conn, state) if state else contextlib.nullcontext():
                    counted = probe.measure(
                        conn, requests, opts.probe, opts.probe_timeout, progress
                    )
                tables.update(counted.tables)
        except (sa.exc.SQLAlchemyError, session.NotReconstructible) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning(
                "Could not count the data behind the findings (%s); shown as unknown", first
            )
    return Measurements(tables, mode=now.mode if now.tables else opts.probe)


def _summary(verdict: Verdict) -> None:
    """One line while comparing; the details, with counts, come when the revision is written."""
    orphans = Findings([d.finding for d in verdict.decisions])
    columns = sum(1 for _ in orphans.of(OrphanColumn))
    tables = sum(1 for _ in orphans.of(OrphanTable))
    suppressed = sum(1 for d in verdict.decisions if d.action is Action.SUPPRESS)
    if verdict.decisions:
        log.info(
            "alembic-additive: %d orphan column(s), %d orphan table(s); %d destructive "
            "operation(s) suppressed",
            columns,
            tables,
            suppressed,
        )


def _log(verdict: Verdict) -> None:
    for d in verdict.decisions:
        f = d.finding
        if isinstance(f, OrphanColumn):
            log.info("Detected orphan column '%s.%s': %s", f.table, f.column.name, d.reason)
        elif isinstance(f, OrphanTable):
            log.info("Detected orphan table '%s': %s", f.table, d.reason)
        elif d.action is Action.SUPPRESS:
            where = f"{f.table}.{f.key.name}" if f.key.name else str(f.table)
            log.info("Suppressed %s on '%s': %s", f.key.kind.value, where, d.reason)
    for g in verdict.renames:
        log.info("Possible rename '%s.%s' -> '%s'", g.table, g.old, g.new)


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(additive, "autogenerate", priority=DispatchPriority.LAST)
