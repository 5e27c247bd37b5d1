"""Which drops lose nothing: objects created earlier in the same upgrade, or re-created later.

A revision that builds a scratch table or index, uses it and drops it - or a temporary table
created and dropped in one SQL string - destroys nothing that existed before it ran. An index
or constraint dropped and created again under the same name in the same upgrade (to change
its columns, to rebuild it around a type change) is back when the upgrade finishes. Neither
is a loss, so neither is reported; a *table* or *column* dropped and re-created is still a
loss (the rows or values are gone) and stays reported.

Objects are matched by kind and name (case-insensitive, unquoted; schema-qualified when the
call says so) and only when the name is a known string: a name computed at run time never
exempts anything.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from .facts import contains
from .model import Event, Hit, OpCall, SqlCall, SuppressionComment
from .names import FunctionNode
from .sql import created_objects, normalise

#: Kinds whose drop-and-recreate in one upgrade restores what was there.
RECREATABLE = frozenset({"index", "constraint"})

_CREATE_CONSTRAINT = frozenset(
    {
        "create_unique_constraint",
        "create_foreign_key",
        "create_check_constraint",
        "create_primary_key",
        "create_exclude_constraint",
        # this package's idempotent forms (what autogenerate writes with the plugin)
        "create_unique_constraint_if_not_exists",
        "create_foreign_key_if_not_exists",
        "create_check_constraint_if_not_exists",
        "create_primary_key_if_not_exists",
    }
)

Position = tuple[int, int]
"""(index of the event in run order, offset of the statement inside its SQL string)."""


@dataclass
class Lifecycle:
    """Every object each entry point creates, with where it is created.

    Only creations that certainly run before (or after) the drop count: the create call in
    the same function as the drop and not inside a branch, loop or ``try`` (``if not
    exists: op.create_table("x")`` followed by ``op.drop_table("x")`` drops a pre-existing
    ``x`` on some databases), and SQL that is one string, not one of several candidates.
    Where a call sits is worked out only for a drop with a same-named creation.
    """

    created: dict[tuple[str, tuple[str, str]], list[tuple[Position, Event]]]
    places: _Places

    @classmethod
    def of(cls, events: Sequence[Event], functions: Sequence[FunctionNode]) -> Lifecycle:
        created: dict[tuple[str, tuple[str, str]], list[tuple[Position, Event]]] = {}
        for index, event in enumerate(events):
            if isinstance(event, OpCall):
                for key in _op_creates(event):
                    created.setdefault((event.root, key), []).append(((index, 0), event))
            elif isinstance(event, SqlCall) and len(event.candidates) == 1:
                for made in created_objects(event.candidates[0]):
                    entry = ((index, made.offset), event)
                    created.setdefault((event.root, made.key), []).append(entry)
        return cls(created, _Places(functions))

    def _place(self, event: Event) -> tuple[str, bool]:
        if isinstance(event, SuppressionComment):
            return "", True
        return self.places.of(event.node)

    def not_a_loss(self, event: Event, index: int, hit: Hit) -> bool:
        """Is the drop ``hit`` of ``event`` (at ``index`` in run order) of an object this
        upgrade created before it, or re-creates after it (indexes and constraints only)?"""
        if hit.drops is None or isinstance(event, SuppressionComment):
            return False
        entries = self.created.get((event.root, hit.drops))
        if not entries:
            return False
        function = self._place(event)[0]
        positions = []
        for position, creation in entries:
            where, conditional = self._place(creation)
            if where == function and not conditional:
                positions.append(position)
        here = (index, hit.offset)
        if any(p < here for p in positions):
            return True
        return hit.drops[0] in RECREATABLE and any(p > here for p in positions)


#: Statements whose body may run or not (or more than once, or later): a creation inside one
#: is not certain to have happened before a drop.
_BRANCHING: tuple[type[ast.AST], ...] = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.Match,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    *[t for t in (getattr(ast, "TryStar", None),) if isinstance(t, type)],
)
#: The same inside one statement: ``cond and op.create_table(...)``, lambdas, comprehensions.
_BRANCHING_EXPR: frozenset[type] = frozenset(
    {
        ast.IfExp,
        ast.BoolOp,
        ast.Lambda,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
    }
)


class _Places:
    """Where a call sits: the module-level function it is in, and whether it is conditional.

    Found from positions, statement by statement down to the one holding the call, rather
    than by walking every expression of the file.
    """

    def __init__(self, functions: Sequence[FunctionNode]) -> None:
        self.functions = functions

    def of(self, node: ast.AST) -> tuple[str, bool]:
        position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        for fn in self.functions:
            if _contains(fn, position):
                return fn.name, _conditional(fn.body, position, False)
        return "", True


def _conditional(body: list[ast.stmt], position: tuple[int, int], branched: bool) -> bool:
    for stmt in body:
        if not _contains(stmt, position):
            continue
        inner = branched or isinstance(stmt, _BRANCHING)
        for block in _blocks(stmt):
            if any(_contains(s, position) for s in block):
                return _conditional(block, position, inner)
        return inner or contains(stmt, _BRANCHING_EXPR)
    return True  # not found: assume the worst


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    out = [b for b in blocks if isinstance(b, list)]
    out += [h.body for h in getattr(stmt, "handlers", [])]
    out += [c.body for c in getattr(stmt, "cases", [])]
    return out


def _contains(node: ast.AST, position: tuple[int, int]) -> bool:
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    end = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
    return start <= position <= end


def _op_creates(event: OpCall) -> list[tuple[str, str]]:
    method = event.method
    if method in ("create_table", "create_table_if_not_exists"):
        table = event.table_name
        return [("table", normalise(table))] if table else []
    if method in ("create_index", "create_index_if_not_exists", "replace_index_if_changed"):
        name = event.name_of(0, "index_name")
        return [("index", normalise(name))] if name else []
    if method in _CREATE_CONSTRAINT:
        name = event.name_of(0, "constraint_name")
        return [("constraint", normalise(name))] if name else []
    if method in ("add_column", "add_column_if_not_exists"):
        table = event.table_name
        column = event.arg(0 if event.batch else 1, "column")
        name = _column_name(column, event)
        return [("column", normalise(f"{table}.{name}"))] if table and name else []
    return []


def _column_name(column: ast.expr | None, event: OpCall) -> str | None:
    """The name of ``sa.Column("name", ...)`` given to ``add_column``."""
    if isinstance(column, ast.Call) and column.args:
        return event.literal_text(column.args[0])
    if isinstance(column, ast.Call):
        for keyword in column.keywords:
            if keyword.arg == "name":
                return event.literal_text(keyword.value)
    return None


def drop_key(kind: str, name: str | None, table: str | None = None) -> tuple[str, str] | None:
    """The identity of a dropped object for :meth:`Lifecycle.not_a_loss` (None if unknown)."""
    if name is None or "{...}" in name:
        return None
    if kind == "column":
        return ("column", normalise(f"{table}.{name}")) if table else None
    return (kind, normalise(name))
