"""The gatherer's table of fields to descend into (``facts._children``) against Python's own
grammar: every field that may hold a node is visited, none that holds a name, a number or
a leaf is, so the single-pass walk sees exactly the nodes a full ``ast.walk`` would."""

from __future__ import annotations

import ast
import re

from alembic_additive.lint.facts import _children, gather
from alembic_additive.lint.names import ModuleInfo

_SCALARS = {"identifier", "int", "string", "constant"}
#: Nodes with nothing below them (``import`` aliases hold only names).
_LEAVES = {"expr_context", "operator", "unaryop", "cmpop", "boolop", "alias"}


def _grammar() -> dict[type, list[tuple[str, str]]]:
    """Node class -> ``(type, field)`` from the ASDL signature in each class's docstring."""
    out: dict[type, list[tuple[str, str]]] = {}
    for name in dir(ast):
        kind = getattr(ast, name)
        if not (isinstance(kind, type) and issubclass(kind, ast.AST)) or not kind.__doc__:
            continue
        match = re.match(r"(\w+)\((.*)\)$", kind.__doc__.strip())
        if match is None or match.group(1) != name:
            continue
        parts = [p.strip() for p in match.group(2).split(",") if p.strip()]
        out[kind] = [tuple(p.rsplit(" ", 1)) for p in parts]  # type: ignore[misc]
    return out


def test_children_are_exactly_the_node_fields() -> None:
    grammar = _grammar()
    assert ast.Call in grammar and ast.AnnAssign in grammar  # the docstrings were read
    for kind, fields in grammar.items():
        expected = [
            field
            for type_, field in fields
            if type_.rstrip("*?") not in _SCALARS | _LEAVES and field in kind._fields
        ]
        got = [field for field, _nullable in _children(kind)]
        assert got == expected, kind.__name__


def test_lists_that_may_hold_none_are_filtered() -> None:
    assert ("keys", True) in _children(ast.Dict)
    assert ("kw_defaults", True) in _children(ast.arguments)
    tree = ast.parse("def f(*, a, b=1):\n    return {**x, 'k': op.execute('DROP TABLE t')}\n")
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    facts = gather(fn, ModuleInfo.scan(tree, ""))
    assert [ast.unparse(c.func) for c in facts.calls] == ["op.execute"]
