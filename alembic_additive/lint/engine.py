"""Running the rules over one parsed revision: events in, findings out.

The walker (:mod:`.walker`) turns the file into events in the order they run; every rule
(:mod:`.rules`) is asked about every event; a drop of an object the same upgrade created
before - or re-creates after - is dropped from the report (:mod:`.lifecycle`); suppression
comments and ``[tool.alembic_additive.lint]`` (:mod:`.config`) decide the rest, including
each finding's severity.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from .config import LintConfig, parse_suppressions, suppresses
from .lifecycle import Lifecycle
from .model import Event, LintFinding, OpCall, Rule, SqlCall, SuppressionComment
from .names import ModuleInfo
from .rules import RULES
from .sql import SqlHit
from .walker import History, Walker, no_history


def lint_module(
    module: ModuleInfo,
    display: str,
    include_downgrade: bool,
    config: LintConfig,
    sql_cache: dict[str, tuple[SqlHit, ...]],
    history: History = no_history,
) -> Iterator[LintFinding]:
    """The findings of one revision file (``display`` is its path as reports show it)."""
    events: list[Event] = Walker(module, sql_cache, history).walk_roots(include_downgrade)
    comments = parse_suppressions(module.source)
    valid = [c for c in comments if c.problem is None]
    by_method, sql_rules, comment_rules = _dispatch(config.ignore)
    lifecycle: Lifecycle | None = None
    for index, event in enumerate([*events, *comments]):
        if isinstance(event, OpCall):
            rules = by_method.get(event.method, ())
        else:
            rules = sql_rules if isinstance(event, SqlCall) else comment_rules
        for rule in rules:
            for hit in rule.check(event):
                if isinstance(event, SuppressionComment):
                    line, column = event.line, event.column
                else:
                    if hit.drops is not None:
                        lifecycle = lifecycle or Lifecycle.of(
                            events, list(module.functions.values())
                        )
                        if lifecycle.not_a_loss(event, index, hit):
                            continue
                    node = event.node
                    lines, starts = _anchor_lines(event)
                    if any(suppresses(c, rule.id, lines, starts) for c in valid):
                        continue
                    line = node.lineno
                    column = module.char_column(node.lineno, node.col_offset)
                yield LintFinding(
                    path=display,
                    line=line,
                    column=column,
                    rule=rule.id,
                    message=rule.render(hit.detail),
                    revision=module.revision,
                    severity=config.severity.get(rule.id) or hit.severity or rule.severity,
                    table=hit.table,
                    name=hit.name,
                )


@functools.lru_cache(maxsize=8)
def _dispatch(
    ignore: frozenset[str],
) -> tuple[dict[str, tuple[Rule, ...]], tuple[Rule, ...], tuple[Rule, ...]]:
    """The rules to ask about each kind of event: most events (``create_table``, ``f``...)
    concern no rule at all, and asking ten rules about each costs more than the walk."""
    rules = [rule for rule in RULES if rule.id not in ignore]
    by_method: dict[str, tuple[Rule, ...]] = {}
    for rule in rules:
        for method in rule.methods:
            by_method[method] = (*by_method.get(method, ()), rule)
    sql = tuple(rule for rule in rules if rule.sql)
    comments = tuple(rule for rule in rules if rule.comments)
    return by_method, sql, comments


def _anchor_lines(event: Event) -> tuple[set[int], set[int]]:
    """Lines where a trailing suppression counts, and lines an own-line comment may precede."""
    if isinstance(event, SuppressionComment):
        return {event.line}, set()
    node = event.node
    lines = {node.lineno, node.end_lineno or node.lineno}
    starts = {node.lineno}
    if isinstance(event, SqlCall) and event.anchor is not None:
        lines.add(event.anchor.lineno)
        starts.add(event.anchor.lineno)
    return lines, starts
