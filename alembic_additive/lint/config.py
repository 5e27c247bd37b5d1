"""Lint settings: ``[tool.alembic_additive.lint]`` in pyproject.toml and inline suppressions.

Two ways to accept a finding, each leaving a reviewable trace: a comment on the call
(``# additive: allow drop-column -- the column was never written``) whose reason is
mandatory, and project-wide settings::

    [tool.alembic_additive.lint]
    ignore = ["drop-index"]            # rules not checked at all
    allow_revisions = ["1a2b3c4d5e6f"] # revisions already reviewed
    baseline = "9f8e7d6c5b4a"          # this revision and everything before it is history
    fail_on = "warning"                # exit 1 on warnings too (default: errors only)
    severity = { drop-index = "error" } # a rule's severity, instead of its default

A typo in any of these is an error (exit 2), never silently ignored: a misspelt rule id
would otherwise quietly re-enable - or keep disabled - a data-loss check.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import SEVERITIES, SuppressionComment
from .rules import BY_ID

SECTION = "[tool.alembic_additive.lint]"
MARKER = "additive:"
_COMMENT = re.compile(r"#\s*additive:\s*(?P<body>.*)$")
_FORM = "expected `# additive: allow <rule>[, <rule>] -- <reason>`"


class LintConfigError(ValueError):
    """A lint setting is invalid; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class LintConfig:
    """Project-wide lint settings (all empty by default: every rule, every revision)."""

    ignore: frozenset[str] = frozenset()
    allow_revisions: frozenset[str] = frozenset()
    baseline: str | None = None
    severity: Mapping[str, str] = field(default_factory=dict)
    """Rule id -> ``"error"`` / ``"warning"``, overriding the rule's default severity."""
    fail_on: str = "error"
    """Exit 1 on findings of this severity or worse: ``error``, ``warning`` or ``never``."""


DEFAULT_CONFIG = LintConfig()


def load_config(start: Path) -> LintConfig:
    """Read ``[tool.alembic_additive.lint]`` from the nearest pyproject.toml above ``start``."""
    from ..pyproject import OptionsError, tool_section

    try:
        path, tool = tool_section(start)
    except OptionsError as exc:
        raise LintConfigError(str(exc)) from None
    if path is None:
        return DEFAULT_CONFIG
    section = tool.get("lint", {})
    if not isinstance(section, Mapping):
        raise LintConfigError(f"{path} {SECTION}: expected a table")
    return from_mapping(section, f"{path} {SECTION}")


def from_mapping(raw: Mapping[str, Any], origin: str = SECTION) -> LintConfig:
    """Validate the settings of the lint section into a :class:`LintConfig`."""
    ignore: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    baseline: str | None = None
    severity: dict[str, str] = {}
    fail_on = "error"
    for key, value in raw.items():
        where = f"{origin} {key}"
        if key == "ignore":
            ignore = _strings(value, where, "a list of rule ids")
            unknown = sorted(ignore - set(BY_ID))
            if unknown:
                known = ", ".join(BY_ID)
                raise LintConfigError(f"{where}: unknown rule {unknown[0]!r} (one of {known})")
        elif key == "allow_revisions":
            allow = _strings(value, where, "a list of revision ids")
        elif key == "baseline":
            if not isinstance(value, str) or not value.strip():
                raise LintConfigError(f"{where}: expected a revision id, got {value!r}")
            baseline = value.strip()
        elif key == "fail_on":
            fail_on = check_fail_on(value, where)
        elif key == "severity":
            severity = _severities(value, where)
        else:
            raise LintConfigError(
                f"{where}: unknown setting (expected ignore, allow_revisions, baseline, "
                "fail_on or severity)"
            )
    return LintConfig(
        ignore=ignore, allow_revisions=allow, baseline=baseline, severity=severity, fail_on=fail_on
    )


FAIL_ON = ("error", "warning", "never")


def check_fail_on(value: object, where: str) -> str:
    """``fail_on`` must be one of :data:`FAIL_ON`."""
    if value not in FAIL_ON:
        raise LintConfigError(f"{where}: expected one of {', '.join(FAIL_ON)}, got {value!r}")
    return str(value)


def _severities(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise LintConfigError(f"{where}: expected a table of rule id = severity, got {value!r}")
    out: dict[str, str] = {}
    for rule, level in value.items():
        if rule not in BY_ID:
            known = ", ".join(BY_ID)
            raise LintConfigError(f"{where}: unknown rule {rule!r} (one of {known})")
        if level not in SEVERITIES:
            raise LintConfigError(
                f"{where}.{rule}: expected {' or '.join(SEVERITIES)}, got {level!r}"
            )
        out[str(rule)] = str(level)
    return out


def _strings(value: object, where: str, what: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise LintConfigError(f"{where}: expected {what}, got {value!r}")
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise LintConfigError(f"{where}: expected {what}, got {value!r}")
    return frozenset(items)


def parse_suppressions(source: str) -> list[SuppressionComment]:
    """Every ``# additive: ...`` comment in ``source``, checked for rule ids and a reason.

    Comments are found with :mod:`tokenize`, so the marker inside a string literal is not a
    suppression. Files without the marker (nearly all of them) skip tokenizing entirely.
    """
    if MARKER not in source:
        return []
    found: list[SuppressionComment] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _COMMENT.match(token.string)
            if match is None:
                continue
            line, col = token.start
            own_line = not token.line[:col].strip()
            found.append(_parse_comment(token.string.strip(), match["body"], line, col, own_line))
    except (tokenize.TokenError, SyntaxError):
        pass  # the file parsed with ast, so this does not happen; keep what was found
    return found


def _parse_comment(text: str, body: str, line: int, col: int, own_line: bool) -> SuppressionComment:
    def make(rules: tuple[str, ...], reason: str | None, problem: str | None) -> SuppressionComment:
        return SuppressionComment(line, col + 1, text, rules, reason, problem, own_line)

    body = body.strip()
    verb, _, rest = body.partition(" ")
    if verb != "allow":
        return make((), None, f"is not a suppression: {_FORM}")
    ids_part, sep, reason_part = rest.partition("--")
    rules = tuple(r for r in re.split(r"[\s,]+", ids_part.strip()) if r)
    reason = reason_part.strip() if sep else None
    if not rules:
        return make((), reason, f"names no rule: {_FORM}")
    unknown = [r for r in rules if r not in BY_ID]
    if unknown:
        return make(rules, reason, f"names unknown rule {unknown[0]!r} (one of {', '.join(BY_ID)})")
    if not reason:
        return make(rules, None, "has no reason: add `-- <why this is safe>` after the rule ids")
    return make(rules, reason, None)


def suppresses(
    comment: SuppressionComment, rule: str, lines: Iterable[int], starts: Iterable[int]
) -> bool:
    """Does a valid ``comment`` cover a finding of ``rule``?

    ``lines`` are the lines of the finding where a trailing comment counts (the call's first
    and last line, the line of the SQL string); ``starts`` are the lines a comment alone on
    the line just above may cover.
    """
    if comment.problem is not None or rule not in comment.rules:
        return False
    if comment.line in lines:
        return True
    return comment.own_line and (comment.line + 1) in starts
