"""What names mean in a revision file: imports, module-level aliases, revision ids.

A revision reaches Alembic's operations in many ways - ``from alembic import op as x``,
``import alembic.op``, ``o = op``, ``from alembic.op import drop_table``, ``def upgrade(op)``
with ``alembic.op`` passed in by env.py, ``with op.batch_alter_table(...) as batch_op``.
Everything is reduced to a *binding*: a dotted module path (``"alembic.op"``,
``"sqlalchemy.text"``) or a :class:`Batch`. :class:`ModuleInfo` gathers the facts of the
top-level statements once per file; :func:`resolve` answers "what is this expression".
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

OP = "alembic.op"
OP_PREFIX = OP + "."

TEXT_CALLS = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlalchemy.DDL",
        "sqlalchemy.schema.DDL",
        "sqlalchemy.sql.ddl.DDL",
    }
)
"""Callables whose first argument is raw SQL text."""

#: ``contextlib.contextmanager`` and friends: a helper decorated so yields what ``with`` binds.
CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})

#: Annotations that say a parameter is Alembic's operations object (``def upgrade(op:
#: Operations)``); matched on the last dotted part, since the import may be anywhere.
OPERATIONS_TYPES = frozenset({"Operations", "BatchOperations"})


@dataclass(frozen=True)
class Batch:
    """The ``as`` target of ``op.batch_alter_table(table)``: an op bound to one table.

    ``table`` is the table as a reader sees it: the literal, else the expression's source;
    ``literal`` says which.
    """

    table: str | None
    literal: bool = False


Binding = str | Batch
"""What a name means: a dotted module path (``"alembic.op"``, ``"sqlalchemy"``) or a batch."""

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class ModuleInfo:
    """Facts about one revision file gathered from its top-level statements only."""

    tree: ast.Module
    source: str
    names: dict[str, Binding] = field(default_factory=dict)
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    values: dict[str, list[ast.expr]] = field(default_factory=dict)
    star_imports: set[str] = field(default_factory=set)
    revision: str | None = None
    down_revisions: tuple[str, ...] = ()
    _lines: list[str] | None = None

    @classmethod
    def scan(cls, tree: ast.Module, source: str) -> ModuleInfo:
        info = cls(tree, source)
        info._scan(tree.body)
        # ``o = op`` at module level, possibly chained: resolve after all imports are known.
        for _ in range(3):
            changed = False
            for name, values in info.values.items():
                if name in info.names or len(values) != 1:
                    continue
                binding = resolve(values[0], info.names)
                if binding is not None:
                    info.names[name] = binding
                    changed = True
            if not changed:
                break
        return info

    def _scan(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for local, dotted in import_names(stmt):
                    if local == "*":
                        self.star_imports.add(dotted)
                    else:
                        self.names[local] = dotted
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[stmt.name] = stmt
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if stmt.value is None:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.values.setdefault(target.id, []).append(stmt.value)
                        self._revision_vars(target.id, stmt.value)
            elif isinstance(stmt, ast.If):
                self._scan(stmt.body)
                self._scan(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                self._scan(stmt.body)
                for handler in stmt.handlers:
                    self._scan(handler.body)
                self._scan(stmt.orelse)
                self._scan(stmt.finalbody)

    def _revision_vars(self, name: str, value: ast.expr) -> None:
        if name == "revision" and isinstance(value, ast.Constant):
            if isinstance(value.value, str):
                self.revision = value.value
        elif name == "down_revision":
            self.down_revisions = string_tuple(value)

    @property
    def module_text(self) -> str:
        """The source of the module-level statements (not of functions or classes): the
        constants a function may fold into its SQL."""
        lines = self.lines
        return "\n".join(
            "\n".join(lines[stmt.lineno - 1 : stmt.end_lineno or stmt.lineno])
            for stmt in self.tree.body
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        )

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.source.splitlines()
        return self._lines

    def char_column(self, line: int, col_offset: int) -> int:
        """1-based column in characters (``col_offset`` counts UTF-8 bytes)."""
        if 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:col_offset].decode("utf-8", "ignore")) + 1
        return col_offset + 1

    def is_context_manager(self, name: str) -> bool:
        """Is the module-level function ``name`` decorated with ``@contextmanager``?"""
        fn = self.functions.get(name)
        if fn is None:
            return False
        for decorator in fn.decorator_list:
            target = resolve(decorator, self.names)
            if target in CONTEXT_MANAGERS:
                return True
            if isinstance(decorator, ast.Name) and decorator.id == "contextmanager":
                return True
        return False

    def operations_parameter(self, name: str) -> str | None:
        """The parameter of entry point ``name`` that receives ``alembic.op``, if any.

        Some projects write ``def upgrade(op, tables, tester):`` and pass ``alembic.op`` in
        from env.py; the first parameter counts when it is named ``op`` or annotated with
        Alembic's ``Operations``.
        """
        fn = self.functions.get(name)
        if fn is None:
            return None
        params = [*fn.args.posonlyargs, *fn.args.args]
        if not params:
            return None
        first = params[0]
        if first.arg == "op":
            return first.arg
        annotation = first.annotation
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            text = annotation.value
        else:
            text = ast.unparse(annotation)
        return first.arg if text.rsplit(".", 1)[-1] in OPERATIONS_TYPES else None


def import_names(stmt: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """``(local name, dotted target)`` pairs an import binds (``("*", module)`` for ``*``);
    relative imports bind nothing we care about."""
    if isinstance(stmt, ast.Import):
        return [
            (alias.asname, alias.name) if alias.asname else (alias.name.split(".")[0],) * 2
            for alias in stmt.names
        ]
    if stmt.level or not stmt.module:
        return []
    return [
        ("*", stmt.module)
        if alias.name == "*"
        else (alias.asname or alias.name, f"{stmt.module}.{alias.name}")
        for alias in stmt.names
    ]


def string_tuple(value: ast.expr) -> tuple[str, ...]:
    """``"a"`` -> ``("a",)``, ``("a", "b")`` -> the same; anything else -> ``()``."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return (value.value,)
    if isinstance(value, (ast.Tuple, ast.List)):
        return tuple(
            e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        )
    return ()


def resolve(expr: ast.expr, names: Mapping[str, Binding]) -> Binding | None:
    """What ``expr`` refers to: ``op`` -> ``"alembic.op"``, ``alembic.op`` -> the same,
    ``sa.text`` -> ``"sqlalchemy.text"``, a batch alias -> its :class:`Batch`."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = resolve(expr.value, names)
        if isinstance(base, str):
            return f"{base}.{expr.attr}"
    return None


def call_arg(call: ast.Call, position: int | None, *keywords: str) -> ast.expr | None:
    """The argument passed by one of ``keywords`` or at ``position`` (None when absent)."""
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position is not None and position < len(call.args):
        value = call.args[position]
        if not isinstance(value, ast.Starred):
            return value
    return None
