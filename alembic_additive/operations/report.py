"""The findings block: comments at the top of ``upgrade()``, invisible to ``alembic check``.

It is an operation only so that it travels with the revision through Alembic's rendering.
Its lines may be given as a function, called once when the revision is rendered: the counts
that only inform these comments are taken then, not while ``alembic check`` compares.
It has an empty ``ops`` list, so ``alembic check`` (which collects diffs from operations and
descends into anything with ``ops``) sees no difference because of it, and it executes
nothing. When it is the only thing in ``upgrade()`` it renders ``pass`` after the comments,
so the function still has a body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops

from ._support import printable


class AdditiveReportOp(ops.MigrateOperation):
    """Comment lines for the revision; no effect on the database."""

    ops: Sequence[ops.MigrateOperation] = ()

    def __init__(
        self,
        lines: Sequence[str] | Callable[[], Sequence[str]],
        *,
        standalone: bool = False,
    ) -> None:
        self._lines = lines
        self.standalone = standalone

    @property
    def lines(self) -> list[str]:
        """The comment lines (computed on first use when given as a function)."""
        if callable(self._lines):
            self._lines = list(self._lines())
        return list(self._lines)

    def reverse(self) -> AdditiveReportOp:
        return AdditiveReportOp([])

    def to_diff_tuple(self) -> tuple[str]:
        return ("alembic_additive_report",)


@Operations.implementation_for(AdditiveReportOp)
def run_report(operations: Operations, operation: AdditiveReportOp) -> None:
    """Nothing to run: the report is for the reader of the revision."""


@renderers.dispatch_for(AdditiveReportOp)
def render_report(autogen_context: AutogenContext, op: AdditiveReportOp) -> list[str]:
    lines = [f"# {printable(line)}".rstrip() for line in op.lines]
    if lines and op.standalone:
        lines.append("pass")
    return lines
