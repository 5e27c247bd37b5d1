"""Revisions whose upgrade would hold only the findings block: write them, or skip them.

While orphans remain in a database, every ``alembic revision --autogenerate`` finds them
again; with nothing else to do, the revision holds the findings comments and ``pass``. The
``findings_only_revision`` setting says what to do with such a revision:

* ``"write"`` (the default): write it, as Alembic writes any revision it is asked for, and
  say on the console that it holds nothing to run;
* ``"skip"``: write no file, and say so on the console (``alembic-additive audit`` shows the
  same findings whenever they are wanted).

The default follows Alembic: ``alembic revision`` always writes a file, and scripts around
it (``alembic revision --autogenerate && git add ...``) rely on that. The plugin cannot see
the revision directives from a comparator, so it chains itself after the project's own
``process_revision_directives`` hook (Alembic reads the hook from the migration context's
options after comparing), and only ever removes a revision that it made findings-only: an
empty revision the user asked for on a database without drift is left alone.
"""

from __future__ import annotations

from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import ops
from alembic.util import msg

from .operations.report import AdditiveReportOp

HOOK_KEY = "process_revision_directives"
NOT_WRITING = "alembic_additive_not_writing"
"""Set in the context options by the commands that compare without writing a revision
(``alembic-additive audit``): the findings-only handling stays out of their way."""


def is_findings_only(script: ops.MigrationScript) -> bool:
    """The upgrade holds the plugin's findings block and no operation at all."""
    upgrades = script.upgrade_ops_list
    has_report = any(isinstance(op, AdditiveReportOp) for u in upgrades for op in u.ops)
    return has_report and not any(u.as_diffs() for u in upgrades)


def install(migration_context: MigrationContext, choice: str, summary: str) -> None:
    """Chain the findings-only handling after the project's ``process_revision_directives``."""
    opts = migration_context.opts
    user_hook = opts.get(HOOK_KEY)
    if opts.get(NOT_WRITING) or getattr(user_hook, "alembic_additive", False):
        return

    def hook(context: MigrationContext, revision: Any, directives: list[Any]) -> None:
        if user_hook is not None:
            user_hook(context, revision, directives)
        kept = []
        for script in directives:
            if isinstance(script, ops.MigrationScript) and is_findings_only(script):
                if choice == "skip":
                    msg(
                        f"alembic-additive: no revision written: the upgrade would hold only "
                        f"findings ({summary}); `alembic-additive audit` shows them "
                        '(findings_only_revision = "write" writes such revisions)'
                    )
                    continue
                msg(
                    f"alembic-additive: this revision holds only findings ({summary}) and runs "
                    'nothing (findings_only_revision = "skip" writes no such revision)'
                )
            kept.append(script)
        directives[:] = kept

    hook.alembic_additive = True  # type: ignore[attr-defined]
    opts[HOOK_KEY] = hook
