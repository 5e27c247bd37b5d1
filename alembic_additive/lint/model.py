"""The lint package's vocabulary: what the engine sees, what a rule is, what it reports.

The engine (:mod:`.engine`) turns a revision file into *events* - calls of Alembic operations,
raw SQL about to run, suppression comments - and hands each event to every rule. Rules never
walk the AST themselves, so each stays a few lines long (one small unit per rule, like
squawk) and the expensive part, the walk, happens once per file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .names import Binding
from .sql import SqlHit

TypeSource = tuple[ast.expr, Mapping[str, Binding]]
"""A type expression and the names (its module's imports) that give it meaning."""

#: Where every rule's documentation lives; SARIF and the messages point here.
DOCS_BASE = "https://github.com/alembic-additive/alembic-additive/blob/main/docs/rules"


class _Missing:
    """The value of an argument the call does not pass (distinct from a literal ``None``)."""

    def __repr__(self) -> str:
        return "MISSING"


#: Returned by :meth:`OpCall.literal` when the argument is absent.
MISSING = _Missing()


def _unparse(expr: ast.expr | None) -> str:
    return "?" if expr is None else ast.unparse(expr)


def _no_history(table: str, column: str) -> TypeSource | None:
    return None


def _constant(expr: ast.expr) -> str | None:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


class _Unknown:
    """The value of an argument that is passed but is not a literal we can read."""

    def __repr__(self) -> str:
        return "UNKNOWN"


#: Returned by :meth:`OpCall.literal` when the argument is an expression, not a literal.
UNKNOWN = _Unknown()


@dataclass(frozen=True, eq=False)
class OpCall:
    """A call of an Alembic operation: ``op.drop_column(...)`` or ``batch_op.drop_column(...)``.

    ``batch`` is True when the receiver is the ``as`` target of ``op.batch_alter_table()``; the
    table is then not an argument but ``batch_table`` (the literal given to
    ``batch_alter_table``, when it is one). ``names`` are what names mean where the call is
    (to evaluate type expressions with :mod:`.typeeval`); ``display`` / ``literal_text`` read
    arguments as literals where the walker can (:mod:`.folding`); ``previous_type`` asks the
    history for a column's earlier type; ``root`` is the entry point the call runs under.
    """

    method: str
    node: ast.Call
    batch: bool
    batch_table: str | None
    receiver: str
    batch_literal: bool = field(default=False, kw_only=True)
    names: Mapping[str, Binding] = field(repr=False)
    display: Callable[[ast.expr | None], str] = field(repr=False, default=_unparse)
    previous_type: Callable[[str, str], TypeSource | None] = field(repr=False, default=_no_history)
    literal_text: Callable[[ast.expr], str | None] = field(repr=False, default=_constant)
    root: str = "upgrade"

    def arg(self, position: int | None, name: str) -> ast.expr | None:
        """The argument passed by keyword ``name`` or at ``position`` (None when absent).

        ``position`` is counted as Alembic's signature for ``op.*`` counts it; for batch calls
        pass the position Alembic's batch signature uses (it has no table argument).
        """
        for keyword in self.node.keywords:
            if keyword.arg == name:
                return keyword.value
        if position is not None and position < len(self.node.args):
            value = self.node.args[position]
            if not isinstance(value, ast.Starred):
                return value
        return None

    def literal(self, position: int | None, name: str) -> object:
        """The literal value of an argument, or :data:`MISSING` / :data:`UNKNOWN`."""
        value = self.arg(position, name)
        if value is None:
            return MISSING
        if isinstance(value, ast.Constant):
            return value.value
        return UNKNOWN

    def shown(self, position: int | None, name: str) -> str:
        """An argument as a person reads it: the literal it amounts to (``op.f("ix")`` and
        a variable assigned a literal included), else the source expression."""
        return self.display(self.arg(position, name))

    def name_of(self, position: int | None, name: str) -> str | None:
        """The argument's value when it is certainly one known string, else None."""
        value = self.arg(position, name)
        return None if value is None else self.literal_text(value)

    @property
    def table_name(self) -> str | None:
        """The table as a known string (schema-qualified when ``schema=`` is a literal), for
        matching a drop with an earlier create; None when it is computed at run time."""
        if self.batch:
            return self.batch_table if self.batch_literal else None
        table = self.name_of(0, "table_name")
        schema = self.name_of(None, "schema")
        return f"{schema}.{table}" if table is not None and schema else table

    @property
    def table(self) -> str:
        """The table the operation works on, for messages."""
        if self.batch:
            return self.batch_table or "?"
        return self.shown(0, "table_name")

    @property
    def column(self) -> str:
        """The column of ``drop_column`` / ``alter_column`` (after the table, unless batch)."""
        return self.shown(0 if self.batch else 1, "column_name")

    @property
    def call_text(self) -> str:
        """``op.drop_column`` / ``batch_op.drop_column``: the callee as written."""
        return f"{self.receiver}.{self.method}" if self.receiver else self.method


@dataclass(frozen=True, eq=False)
class SqlCall:
    """Raw SQL about to run: ``op.execute``, ``conn.execute``, ``exec_driver_sql``, ``text()``.

    ``candidates`` are the strings the argument can evaluate to (constant parts folded, unknown
    parts replaced by :data:`alembic_additive.lint.sql.PLACEHOLDER`); ``construct`` names a
    SQLAlchemy construct that destroys data (``"DELETE"``, ``"UPDATE SET NULL"``) when the
    argument is ``table.delete()`` and the like rather than a string. ``anchor`` is the
    expression the SQL came from (a suppression comment may sit on its line too). ``cache``
    is the lint run's memo of parsed SQL, shared by all files.
    """

    node: ast.Call
    via: str
    candidates: tuple[str, ...]
    construct: str | None
    anchor: ast.expr | None
    cache: dict[str, tuple[SqlHit, ...]] = field(repr=False, default_factory=dict)
    table: str | None = None
    root: str = "upgrade"


@dataclass(frozen=True)
class SuppressionComment:
    """One ``# additive: allow <rule>[, <rule>] -- <reason>`` comment.

    ``problem`` says what is wrong with it (no reason, unknown rule, bad syntax); a comment
    with a problem suppresses nothing and is itself reported as ``invalid-suppression``.
    ``own_line`` is True when the comment is alone on its line, which lets it cover the next
    line - a trailing comment only covers its own line, so it cannot leak onto a neighbour.
    """

    line: int
    column: int
    text: str
    rules: tuple[str, ...]
    reason: str | None
    problem: str | None
    own_line: bool


Event = OpCall | SqlCall | SuppressionComment
"""Everything a rule can be asked about."""


SEVERITIES = ("error", "warning")
"""``error``: the operation loses data (rows, values, a table) or fails on it; ``warning``:
nothing is lost but something people rely on changes (an index, a constraint, a name)."""


@dataclass(frozen=True)
class Hit:
    """What a rule saw in an event: the detail of the message, the table and object name
    it is about (None when unknown), and ``drops``: the object the operation removes as
    ``(kind, normalised name)``, which lets the engine tell an object created earlier in
    the same upgrade - or re-created after - from a pre-existing one. ``offset`` orders
    statements inside one SQL string; ``severity`` overrides the rule's default for this
    finding (a ``DROP INDEX`` in raw SQL is a warning of ``destructive-sql``)."""

    detail: str
    table: str | None = None
    name: str | None = None
    drops: tuple[str, str] | None = None
    offset: int = 0
    severity: str | None = None


@dataclass(frozen=True)
class Rule:
    """One lint rule: a stable kebab-case id (a :class:`~alembic_additive.findings.Kind`
    value), a one-line summary (SARIF ``shortDescription``), the advice appended to every
    message, its default severity, and a check that yields one :class:`Hit` per problem it
    sees in an event (usually none)."""

    id: str
    summary: str
    message: str
    check: Callable[[Event], Iterable[Hit]]
    severity: str = "error"
    methods: frozenset[str] = frozenset()
    """The ``op`` methods whose calls the rule looks at (the engine asks it about no other
    :class:`OpCall`); empty for rules about SQL or comments."""
    sql: bool = False
    """Does the rule look at :class:`SqlCall` events?"""
    comments: bool = False
    """Does the rule look at :class:`SuppressionComment` events?"""

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE}/{self.id}.md"

    def render(self, detail: str) -> str:
        """The full finding message: what was seen and why it loses data, then the advice."""
        return f"{detail}; {self.message}"


@dataclass(frozen=True, order=True)
class LintFinding:
    """One reported problem. ``line`` and ``column`` are 1-based, columns in characters."""

    path: str
    line: int
    column: int
    rule: str
    message: str
    revision: str | None = None
    severity: str = "error"
    table: str | None = None
    name: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "table": self.table,
            "name": self.name,
            "revision": self.revision,
            "message": self.message,
        }


@dataclass(frozen=True, order=True)
class LintError:
    """A file that could not be linted (syntax error, unreadable): exit code 2."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class LintResult:
    """What :func:`alembic_additive.lint.lint_paths` found across all files."""

    findings: list[LintFinding] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    """Files not checked because their revision is allowed or at/before the baseline."""

    @property
    def exit_code(self) -> int:
        """0 clean, 1 errors found, 2 a file could not be linted (the CLI's defaults)."""
        return self.exit_code_for("error")

    def exit_code_for(self, fail_on: str) -> int:
        """0 clean, 1 findings at or above ``fail_on`` (``"error"``, ``"warning"`` or
        ``"never"``), 2 a file could not be linted (the CLI's documented codes)."""
        if self.errors:
            return 2
        if fail_on == "never":
            return 0
        failing = {"error"} if fail_on == "error" else {"error", "warning"}
        return 1 if any(f.severity in failing for f in self.findings) else 0

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)
