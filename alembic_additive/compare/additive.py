"""The last comparator: probe the data, apply the policy, rewrite the revision.

It runs at priority LAST on the ``autogenerate`` target, after every ``schema`` comparator
(Alembic's and the finding collectors in this package) has finished, so it sees the whole
tree. The verdict is kept on ``upgrade_ops.info`` for the audit command.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import CommandError, DispatchPriority, PriorityDispatchResult

from .. import options as options_mod
from .. import policy, probe
from ..findings import Action, OrphanColumn, OrphanTable, Verdict
from . import STATE_KEY, findings_of

if TYPE_CHECKING:  # alembic.autogenerate is still importing when plugins load
    from alembic.autogenerate.api import AutogenContext

log = logging.getLogger(f"alembic.{__name__}")

VERDICT_KEY = "alembic_additive.verdict"


def additive(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    # imported here, not at module level: they use alembic.autogenerate, which is still
    # being imported while Alembic loads plugins
    from .. import render, rewrite

    found = findings_of(upgrade_ops)
    config = autogen_context.migration_context.config
    try:
        opts = options_mod.resolve(
            autogen_context.opts, config.config_file_name if config is not None else None
        )
    except options_mod.OptionsError as exc:
        raise CommandError(f"alembic-additive: {exc}") from None
    measurements = probe.measure(
        autogen_context.connection, probe.requests_for(found), opts.probe, opts.probe_timeout
    )
    verdict = policy.decide(found, measurements, opts)
    _log(verdict)
    lines = render.report_lines(verdict, autogen_context)
    rewrite.apply(upgrade_ops, verdict, autogen_context, lines)
    upgrade_ops.info[VERDICT_KEY] = verdict
    upgrade_ops.info.pop(STATE_KEY, None)
    return PriorityDispatchResult.CONTINUE


def _log(verdict: Verdict) -> None:
    for d in verdict.decisions:
        f = d.finding
        if isinstance(f, OrphanColumn):
            log.info("Detected orphan column '%s.%s': %s", f.table, f.column.name, d.reason)
        elif isinstance(f, OrphanTable):
            log.info("Detected orphan table '%s': %s", f.table, d.reason)
        elif d.action is Action.SUPPRESS:
            log.info("Suppressed %s on '%s': %s", f.key.kind.value, f.table, d.reason)
    for g in verdict.renames:
        log.info("Possible rename '%s.%s' -> '%s'", g.table, g.old, g.new)


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(additive, "autogenerate", priority=DispatchPriority.LAST)
