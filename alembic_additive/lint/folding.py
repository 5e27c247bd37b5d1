"""Folding expressions into the strings they evaluate to, without running anything.

SQL strings are folded where their constant parts can be read: f-strings, ``+``, ``%``,
``.format()``, ``"".join()``, names assigned in the function or the module, loop variables
over literal lists, and strings handed to a helper's parameter. Unknown parts become
:data:`~.sql.PLACEHOLDER`. The same machinery gives messages the *literal* a reader would
look for: ``batch_op.f('ix_users_email')`` or a variable assigned ``"ix_users_email"`` just
above are shown as ``ix_users_email``.
"""

from __future__ import annotations

import ast
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

from .facts import Facts, WithNode
from .names import OP, TEXT_CALLS, Batch, Binding, ModuleInfo, call_arg, resolve
from .sql import PLACEHOLDER

BARE_TEXT = frozenset({"text", "DDL"})
_STR_METHODS_KEEP = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "casefold"})
#: Methods of ``text()`` that return the same SQL with extras attached.
_TEXT_PASSTHROUGH = frozenset({"bindparams", "columns", "execution_options"})
_DEDENT = frozenset({"textwrap.dedent", "inspect.cleandoc"})

MAX_CANDIDATES = 16
_MAX_DEPTH = 12

Strings = dict[str, tuple[str, ...]]


@dataclass
class Scope:
    """A function being walked with one binding of its parameters.

    ``strings`` holds the strings a helper's parameters received at the call site
    (``_run("DROP TABLE x")`` -> ``sql = ("DROP TABLE x",)``), folded in the caller's scope.
    ``consumed`` collects the ``text()`` calls already read as part of an ``execute``;
    ``shown`` how each parameter's argument reads at the call site; ``sessions`` the names
    bound to ORM sessions; ``blocks`` every ``with ... as name`` binding of a name, by block.
    """

    names: dict[str, Binding]
    facts: Facts
    module: ModuleInfo
    consumed: set[int]
    strings: Strings = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    blocks: dict[str, list[tuple[WithNode, Binding]]] = field(default_factory=dict)


def display(expr: ast.expr | None, scope: Scope) -> str:
    """An argument as a person reads it: the literal it amounts to, else its source text."""
    if expr is None:
        return "?"
    value = literal_text(expr, scope)
    if value is not None:
        return value
    if isinstance(expr, ast.Name) and expr.id in scope.shown:
        return scope.shown[expr.id]
    return ast.unparse(expr)


def literal_text(expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
    """The one string ``expr`` certainly is: a literal, ``op.f("ix")`` / ``batch_op.f("ix")``,
    a name assigned exactly one such value (in the function, else the module), or a string
    a helper's parameter received. None when it is not a single known string."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr == "f" and len(expr.args) == 1 and not expr.keywords:
            receiver = resolve(expr.func.value, scope.names)
            if receiver == OP or isinstance(receiver, Batch):
                return literal_text(expr.args[0], scope, depth + 1)
        return None
    if isinstance(expr, ast.Name):
        name = expr.id
        if name in scope.strings:
            values = scope.strings[name]
            return values[0] if len(values) == 1 and PLACEHOLDER not in values[0] else None
        facts = scope.facts
        if name in facts.loops or name in facts.augmented:
            return None
        if name in facts.values:
            sources = facts.values[name]
        elif name in facts.params:
            return None
        else:
            sources = scope.module.values.get(name, [])
        if len(sources) != 1:
            return None
        return literal_text(sources[0], scope, depth + 1)
    if isinstance(expr, (ast.JoinedStr, ast.BinOp)):
        folded = Folder(scope).fold(expr)
        if folded and len(folded) == 1 and PLACEHOLDER not in folded[0]:
            return folded[0]
    return None


class Folder:
    """Folds an expression into the SQL strings it can evaluate to."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.anchor: ast.expr | None = None
        self._resolving: set[str] = set()

    def fold(self, expr: ast.expr, depth: int = 0) -> list[str] | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else None
        if isinstance(expr, ast.JoinedStr):
            return self._joined(expr, depth)
        if isinstance(expr, ast.BinOp):
            return self._binop(expr, depth)
        if isinstance(expr, ast.Call):
            return self._call(expr, depth)
        if isinstance(expr, ast.Name):
            return self._name(expr.id, depth)
        if isinstance(expr, ast.IfExp):
            body = self.fold(expr.body, depth + 1) or []
            orelse = self.fold(expr.orelse, depth + 1) or []
            return (body + orelse)[:MAX_CANDIDATES] or None
        return None

    def _part(self, expr: ast.expr, depth: int) -> list[str]:
        folded = self.fold(expr, depth + 1)
        if folded:
            return folded
        if isinstance(expr, ast.Constant) and expr.value is not None:
            return [str(expr.value)]
        return [PLACEHOLDER]

    def _joined(self, expr: ast.JoinedStr, depth: int) -> list[str]:
        parts: list[list[str]] = []
        for value in expr.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append([value.value])
            elif isinstance(value, ast.FormattedValue):
                parts.append(self._part(value.value, depth))
        return _product(parts)

    def _binop(self, expr: ast.BinOp, depth: int) -> list[str] | None:
        if isinstance(expr.op, ast.Add):
            left, right = self.fold(expr.left, depth + 1), self.fold(expr.right, depth + 1)
            if left is None and right is None:
                return None
            return _product([left or [PLACEHOLDER], right or [PLACEHOLDER]])
        if isinstance(expr.op, ast.Mod):
            templates = self.fold(expr.left, depth + 1)
            if templates is None:
                return None
            return [_percent(t, self._percent_values(expr.right, depth)) for t in templates]
        return None

    def _percent_values(self, expr: ast.expr, depth: int) -> tuple[object, ...] | None:
        if isinstance(expr, ast.Dict):
            return None
        elts = expr.elts if isinstance(expr, ast.Tuple) else [expr]
        values: list[object] = []
        for elt in elts:
            if isinstance(elt, ast.Constant):
                values.append(elt.value)
            else:
                folded = self.fold(elt, depth + 1)
                values.append(folded[0] if folded and len(folded) == 1 else PLACEHOLDER)
        return tuple(values)

    def _call(self, expr: ast.Call, depth: int) -> list[str] | None:
        func = expr.func
        names = self.scope.names
        binding = resolve(func, names)
        if binding in TEXT_CALLS or (
            isinstance(func, ast.Name) and binding is None and func.id in BARE_TEXT
        ):
            self.scope.consumed.add(id(expr))
            self.anchor = self.anchor or expr
            inner = call_arg(expr, 0, "text", "statement")
            return self.fold(inner, depth + 1) if inner is not None else None
        if binding in _DEDENT or (isinstance(func, ast.Name) and func.id == "dedent"):
            return self.fold(expr.args[0], depth + 1) if expr.args else None
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in _STR_METHODS_KEEP and not expr.args:
            return self.fold(func.value, depth + 1)
        if func.attr in _TEXT_PASSTHROUGH and isinstance(func.value, ast.Call):
            return self.fold(func.value, depth + 1)
        if func.attr == "format":
            templates = self.fold(func.value, depth + 1)
            if templates is None:
                return None
            return [self._format(t, expr, depth) for t in templates]
        if func.attr == "join" and len(expr.args) == 1:
            seps = self.fold(func.value, depth + 1)
            items = expr.args[0]
            if seps and len(seps) == 1 and isinstance(items, (ast.List, ast.Tuple)):
                parts = [self._part(e, depth) for e in items.elts]
                return [seps[0].join(p) for p in _combos(parts)]
        return None

    def _format(self, template: str, call: ast.Call, depth: int) -> str:
        def value(expr: ast.expr | None) -> str:
            if expr is None:
                return PLACEHOLDER
            folded = self._part(expr, depth)
            return folded[0] if len(folded) == 1 else PLACEHOLDER

        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        out: list[str] = []
        auto = 0
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return template
        for literal, field_name, _spec, _conversion in fields:
            out.append(literal)
            if field_name is None:
                continue
            if field_name == "":
                arg = call.args[auto] if auto < len(call.args) else None
                auto += 1
                out.append(value(arg))
            elif field_name.isdigit():
                index = int(field_name)
                out.append(value(call.args[index] if index < len(call.args) else None))
            elif field_name.isidentifier():
                out.append(value(keywords.get(field_name)))
            else:
                out.append(PLACEHOLDER)
        return "".join(out)

    def values_of(self, expr: ast.expr) -> list[ast.expr]:
        """What a name was assigned (locally, else in the module); other expressions as is."""
        if not isinstance(expr, ast.Name):
            return [expr]
        facts = self.scope.facts
        if expr.id in facts.values:
            return facts.values[expr.id]
        if expr.id in facts.params or expr.id in facts.loops:
            return []
        return self.scope.module.values.get(expr.id, [])

    def _name(self, name: str, depth: int) -> list[str] | None:
        if name in self._resolving:
            return None
        if name in self.scope.strings:
            return list(self.scope.strings[name])
        facts = self.scope.facts
        local = name in facts.values or name in facts.loops or name in facts.params
        sources = facts.values.get(name, []) if local else self.scope.module.values.get(name, [])
        self._resolving.add(name)
        try:
            out: list[str] = []
            for value in sources:
                out.extend(self.fold(value, depth + 1) or [])
            if local and name in facts.augmented:
                tails = [self._part(v, depth) for v in facts.augmented[name]]
                out = _product([out or [PLACEHOLDER], *tails])
            if local:
                for iterable in facts.loops.get(name, []):
                    for element in self._elements(iterable):
                        out.extend(self.fold(element, depth + 1) or [])
        finally:
            self._resolving.discard(name)
        return out[:MAX_CANDIDATES] or None

    def _elements(self, iterable: ast.expr) -> list[ast.expr]:
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            return list(iterable.elts)
        if isinstance(iterable, ast.Name):
            facts = self.scope.facts
            if iterable.id in facts.values:
                sources = facts.values[iterable.id]
            else:
                sources = self.scope.module.values.get(iterable.id, [])
            out: list[ast.expr] = []
            for source in sources:
                if isinstance(source, (ast.List, ast.Tuple, ast.Set)):
                    out.extend(source.elts)
            return out
        return []


def _combos(parts: list[list[str]]) -> Iterator[tuple[str, ...]]:
    return itertools.islice(itertools.product(*parts), MAX_CANDIDATES)


def _product(parts: list[list[str]]) -> list[str]:
    return ["".join(combo) for combo in _combos(parts)]


_PERCENT = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)


def _percent(template: str, values: tuple[object, ...] | None) -> str:
    """``template % values`` when the values are known, else each field -> placeholder."""
    if values is not None and PLACEHOLDER not in values:
        try:
            return template % values
        except (TypeError, ValueError, KeyError):
            pass
    return _PERCENT.sub(lambda m: "%" if m.group(0) == "%%" else PLACEHOLDER, template)
