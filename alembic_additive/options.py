"""Configuration: ``context.configure(additive_*=...)`` keywords and ``[tool.alembic_additive]``.

Keywords passed to ``context.configure`` win over ``pyproject.toml``, which wins over the
defaults. Invalid values raise :class:`OptionsError` with a one-line message, because a typo
in a safety setting must never be silently ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Action, Kind

# the pyproject.toml reader lives apart so that lint reads it without SQLAlchemy
from .pyproject import OptionsError as OptionsError  # re-exported: callers catch it here
from .pyproject import tool_section

PROBE_MODES = ("exact", "estimate", "off")

#: What autogenerate does with a revision whose upgrade would hold only the findings block.
FINDINGS_ONLY_CHOICES = ("write", "skip")

#: Overrides a user may set per operation kind. "safe" is the additive default.
POLICY_CHOICES = ("safe", "allow", "suppress")

#: The kinds the plugin can meet in autogenerate output (the rest are lint-only).
POLICY_KINDS = (
    Kind.DROP_TABLE,
    Kind.DROP_COLUMN,
    Kind.DROP_INDEX,
    Kind.DROP_CONSTRAINT,
    Kind.ALTER_COLUMN_TYPE,
    Kind.SET_NOT_NULL,
    Kind.ADD_COLUMN,
    Kind.CREATE_TABLE,
    Kind.CREATE_INDEX,
)

_PREFIX = "additive_"


@dataclass(frozen=True)
class Options:
    """Resolved settings for one autogenerate run."""

    probe: str = "exact"
    probe_timeout: float = 30.0
    policy: Mapping[Kind, str] = field(default_factory=dict)
    allow_drop: frozenset[str] = frozenset()
    #: the dialect's default schema name (``public``), set by the plugin from the connection:
    #: ``public.users.old_flag`` then names the same column as ``users.old_flag``
    default_schema: str | None = None
    findings_only_revision: str = "write"

    def override(self, kind: Kind) -> str:
        """The user's choice for ``kind``: "safe" unless configured otherwise."""
        return self.policy.get(kind, "safe")

    def drop_allowed(self, schema: str | None, table: str, column: str | None = None) -> bool:
        """True when ``allow_drop`` names this table or column.

        An unqualified name (``legacy``, ``users.old_flag``) means the default schema only:
        with ``include_schemas=True`` the same table name in another schema may hold data
        the entry was never meant for. Other schemas need ``schema.table[.column]``.
        """
        return bool(self._names(schema, table, column) & self.allow_drop)

    def _names(self, schema: str | None, table: str, column: str | None) -> set[str]:
        leaf = table if column is None else f"{table}.{column}"
        if schema is None or schema == self.default_schema:
            names = {leaf}
            if self.default_schema:
                names.add(f"{self.default_schema}.{leaf}")
            return names
        return {f"{schema}.{leaf}"}

    def check_allow_drop(self, objects: Iterable[tuple[str | None, str, str | None]]) -> None:
        """Refuse an entry that names two of ``objects`` (``(schema, table, column)``).

        ``a.b`` is table ``b`` of schema ``a`` and also column ``b`` of table ``a`` in the
        default schema; when both are there, keeping either drop on a guess could lose the
        other's data.
        """
        named: dict[str, list[str]] = {}
        for schema, table, column in objects:
            what = (
                f"table {schema + '.' if schema else ''}{table}"
                if column is None
                else f"column {schema + '.' if schema else ''}{table}.{column}"
            )
            for name in self._names(schema, table, column) & self.allow_drop:
                named.setdefault(name, []).append(what)
        for entry in sorted(named):
            if len(set(named[entry])) > 1:
                both = " and ".join(sorted(set(named[entry])))
                raise OptionsError(
                    f"allow_drop entry {entry!r} is ambiguous: it names {both}; qualify it "
                    "(schema.table, or schema.table.column with the default schema's name)"
                )


def from_mapping(raw: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """Validate user settings (without the ``additive_`` prefix) into Options fields."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{origin} {name}"
        if name == "probe":
            if value not in PROBE_MODES:
                raise OptionsError(
                    f"{where}: expected one of {', '.join(PROBE_MODES)}, got {value!r}"
                )
            out["probe"] = value
        elif name == "probe_timeout":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value <= 0
            ):
                raise OptionsError(f"{where}: expected a positive number of seconds, got {value!r}")
            out["probe_timeout"] = float(value)
        elif name == "policy":
            if not isinstance(value, Mapping):
                raise OptionsError(f"{where}: expected a table of kind = choice")
            policy: dict[Kind, str] = {}
            for k, choice in value.items():
                try:
                    kind = Kind(str(k).replace("_", "-"))
                except ValueError:
                    kind = None
                if kind not in POLICY_KINDS:
                    allowed = ", ".join(k.value for k in POLICY_KINDS)
                    raise OptionsError(f"{where}: unknown kind {k!r} (one of {allowed})")
                if choice not in POLICY_CHOICES:
                    raise OptionsError(
                        f"{where}.{k}: expected one of {', '.join(POLICY_CHOICES)}, got {choice!r}"
                    )
                assert kind is not None
                policy[kind] = str(choice)
            out["policy"] = policy
        elif name == "allow_drop":
            if not isinstance(value, (list, tuple, set, frozenset)) or not all(
                isinstance(v, str) for v in value
            ):
                raise OptionsError(f"{where}: expected a list of 'table' or 'table.column' names")
            out["allow_drop"] = frozenset(value)
        elif name == "findings_only_revision":
            if value not in FINDINGS_ONLY_CHOICES:
                choices = ", ".join(FINDINGS_ONLY_CHOICES)
                raise OptionsError(f"{where}: expected one of {choices}, got {value!r}")
            out["findings_only_revision"] = value
        elif name == "lint":
            continue  # read by the lint command, not by the plugin
        else:
            raise OptionsError(f"{where}: unknown setting")
    return out


def read_pyproject(start: Path | None) -> dict[str, Any]:
    """``[tool.alembic_additive]`` from the nearest pyproject.toml at or above ``start``."""
    if start is None:
        return {}
    path, section = tool_section(start)
    return from_mapping(section, f"{path} [tool.alembic_additive]") if path else {}


def resolve(configure_opts: Mapping[str, Any], config_file: str | None) -> Options:
    """Merge defaults, pyproject.toml (next to alembic.ini, else the working directory) and
    the ``additive_*`` keywords given to ``context.configure``."""
    start = Path(config_file).resolve().parent if config_file else Path.cwd()
    merged = read_pyproject(start)
    keywords = {k[len(_PREFIX) :]: v for k, v in configure_opts.items() if k.startswith(_PREFIX)}
    given = from_mapping(keywords, "context.configure(additive_...)")
    # per-kind policy entries merge (a keyword overrides one kind, not the whole table)
    policy = {**merged.get("policy", {}), **given.pop("policy", {})}
    merged.update(given)
    if policy:
        merged["policy"] = policy
    return Options(**merged)


def action_for_override(choice: str) -> Action | None:
    """Map a user override onto an action; None keeps the policy's own verdict."""
    return {"allow": Action.KEEP, "suppress": Action.SUPPRESS}.get(choice)
