"""The AST walker: from a parsed revision file to the events the rules judge.

What runs when Alembic applies a revision is ``upgrade()`` and whatever it calls, so the
walker starts there and follows calls of module-level functions transitively (binding ``op``
or a ``batch_op`` passed as an argument to the helper's parameter). It resolves every way a
revision can reach Alembic's operations - ``from alembic import op as x``, ``import
alembic.op``, ``o = op``, ``from alembic.op import drop_table``, ``with
op.batch_alter_table(...) as batch_op`` - and it does not care about control flow: a drop in
an ``if`` branch or a loop body runs on *some* database, so it is reported.

SQL strings are folded where their constant parts can be read: f-strings, ``+``, ``%``,
``.format()``, ``"".join()``, names assigned in the function or the module, and loop
variables over literal lists. Unknown parts become :data:`~.sql.PLACEHOLDER`.

Speed matters (the linter runs in pre-commit on every revision): the file is parsed once,
top-level statements are scanned once, and a function body is only walked when its source
text mentions something that could matter (``drop_``, ``execute``, a helper's name...).
"""

from __future__ import annotations

import ast
import functools
import importlib
import itertools
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .model import Event, OpCall, SqlCall
from .sql import PLACEHOLDER, SqlHit

OP = "alembic.op"
_OP_PREFIX = OP + "."

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

_BARE_TEXT = frozenset({"text", "DDL"})
_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql", "executescript", "executemany"})
_SQL_KEYWORDS = ("sqltext", "statement", "sql", "text", "object_")
_STR_METHODS_KEEP = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "casefold"})
#: Methods of ``text()`` that return the same SQL with extras attached.
_TEXT_PASSTHROUGH = frozenset({"bindparams", "columns", "execution_options"})
_DEDENT = frozenset({"textwrap.dedent", "inspect.cleandoc"})

#: Substrings whose absence from a function's source proves the walk would find nothing.
_TRIGGERS = ("drop_", "rename_", "alter_column", "execute", "exec_driver_sql", "text", "DDL")

_MAX_CANDIDATES = 16
_MAX_DEPTH = 12
_MAX_CALL_DEPTH = 24

#: Modules whose TypeEngine classes the type evaluator may instantiate.
_TYPE_MODULES = frozenset(
    {
        "sqlalchemy",
        "sqlalchemy.types",
        "sqlalchemy.sql.sqltypes",
        "sqlalchemy.dialects.postgresql",
        "sqlalchemy.dialects.mysql",
        "sqlalchemy.dialects.sqlite",
        "sqlalchemy.dialects.mssql",
        "sqlalchemy.dialects.oracle",
    }
)


@dataclass(frozen=True)
class Batch:
    """The ``as`` target of ``op.batch_alter_table(table)``: an op bound to one table."""

    table: str | None


Binding = str | Batch
"""What a name means: a dotted module path (``"alembic.op"``, ``"sqlalchemy"``) or a batch."""

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


# --------------------------------------------------------------------------- module facts


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
            self.down_revisions = _string_tuple(value)

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


def _string_tuple(value: ast.expr) -> tuple[str, ...]:
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


# --------------------------------------------------------------------------- function facts


@dataclass
class _Facts:
    """One pass over a function's AST, sorted into what the walker needs."""

    calls: list[ast.Call] = field(default_factory=list)
    names: list[ast.Name] = field(default_factory=list)
    withs: list[ast.withitem] = field(default_factory=list)
    values: dict[str, list[ast.expr]] = field(default_factory=dict)
    augmented: dict[str, list[ast.expr]] = field(default_factory=dict)
    loops: dict[str, list[ast.expr]] = field(default_factory=dict)
    params: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)


#: ``op`` methods that only build schema: their arguments (columns, types, ``server_default=
#: sa.text("now()")``) are constructed, not executed, so the walk does not descend into them.
_CONSTRUCTIVE_OPS = frozenset(
    {
        "f",
        "add_column",
        "create_table",
        "create_index",
        "create_foreign_key",
        "create_unique_constraint",
        "create_primary_key",
        "create_check_constraint",
        "create_exclude_constraint",
        "create_table_comment",
        "create_table_if_not_exists",
        "add_column_if_not_exists",
        "create_index_if_not_exists",
        "bulk_insert",
        "inline_literal",
    }
)


def _gather(fn: FunctionNode, module: ModuleInfo) -> _Facts:
    """Collect calls, assignments, ``with`` items, loops and helper references of ``fn``.

    A hand-rolled walk rather than :func:`ast.walk`: it is the hot loop of the linter, and
    it skips what cannot matter - constants, and the arguments of SQLAlchemy constructors
    (``sa.Column(...)``, types) and of schema-building ``op`` methods, which make up most of
    an autogenerated revision's nodes.
    """
    facts = _Facts()
    names, functions = module.names, module.functions
    stack: list[ast.AST] = [fn]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            continue
        if isinstance(node, ast.Call):
            target = resolve(node.func, names)
            if isinstance(target, str):
                if target.startswith("sqlalchemy.") and target not in TEXT_CALLS:
                    continue  # builds a schema object or a type: nothing runs
                if target.startswith(_OP_PREFIX) and target[len(_OP_PREFIX) :] in _CONSTRUCTIVE_OPS:
                    facts.calls.append(node)
                    continue
            facts.calls.append(node)
            stack.append(node.func)
            stack.extend(node.args)
            stack.extend([k.value for k in node.keywords])
            continue
        if isinstance(node, ast.Name):
            if node.id in functions and isinstance(node.ctx, ast.Load):
                facts.names.append(node)
            continue
        if isinstance(node, ast.Attribute):
            stack.append(node.value)
            continue
        _record(node, facts)
        for field_name in node._fields:
            value = getattr(node, field_name, None)
            if isinstance(value, list):
                stack.extend([v for v in value if isinstance(v, ast.AST)])
            elif isinstance(value, ast.AST):
                stack.append(value)
    return facts


def _record(node: ast.AST, facts: _Facts) -> None:
    """Assignments, ``with`` items, loop targets and parameters, for aliases and folding."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                facts.values.setdefault(target.id, []).append(node.value)
    elif isinstance(node, ast.AnnAssign):
        if isinstance(node.target, ast.Name) and node.value is not None:
            facts.values.setdefault(node.target.id, []).append(node.value)
    elif isinstance(node, ast.AugAssign):
        if isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            facts.augmented.setdefault(node.target.id, []).append(node.value)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        facts.withs.extend(node.items)
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        if isinstance(node.target, ast.Name):
            facts.loops.setdefault(node.target.id, []).append(node.iter)
    elif isinstance(node, ast.arguments):
        for arg in (*node.posonlyargs, *node.args, *node.kwonlyargs):
            facts.params.add(arg.arg)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        facts.imports.update((k, v) for k, v in import_names(node) if k != "*")


# --------------------------------------------------------------------------- the walker


@dataclass
class _Scope:
    """A function being walked with one binding of its parameters.

    ``strings`` holds the SQL strings a helper's parameters received at the call site
    (``_run("DROP TABLE x")`` -> ``sql = ("DROP TABLE x",)``), folded in the caller's scope.
    """

    names: dict[str, Binding]
    facts: _Facts
    strings: dict[str, tuple[str, ...]] = field(default_factory=dict)


_Strings = dict[str, tuple[str, ...]]


class Walker:
    """Collects the events reachable from a revision's entry points.

    ``sql_cache`` is shared by every file of one lint run (see :func:`.sql.find_destructive`).
    """

    def __init__(self, module: ModuleInfo, sql_cache: dict[str, tuple[SqlHit, ...]]) -> None:
        self.module = module
        self.sql_cache = sql_cache
        self.events: list[Event] = []
        self._facts: dict[str, _Facts] = {}
        self._visited: set[tuple[object, ...]] = set()
        self._seen: set[tuple[object, ...]] = set()
        self._consumed: set[int] = set()
        self._stack: list[str] = []
        self._triggers = self._trigger_words()

    def _trigger_words(self) -> tuple[str, ...]:
        extra = list(self.module.functions)
        for name, binding in self.module.names.items():
            if not isinstance(binding, str):
                continue
            if binding.startswith(_OP_PREFIX) or binding in TEXT_CALLS:
                extra.append(name)
        return (*_TRIGGERS, *extra)

    def walk_roots(self, include_downgrade: bool) -> list[Event]:
        """Walk ``upgrade()`` (and ``upgrade_<name>()`` of multi-database templates), plus
        the downgrade functions when asked; return the events in discovery order."""
        prefixes = ("upgrade", "downgrade") if include_downgrade else ("upgrade",)
        for name, fn in self.module.functions.items():
            is_root = any(name == p or name.startswith(p + "_") for p in prefixes)
            if is_root and self._worth_walking(fn):
                self._walk_function(name, {})
        return self.events

    def _worth_walking(self, fn: FunctionNode) -> bool:
        if self.module.star_imports & {OP, "alembic"}:
            return True
        first = fn.body[0].lineno if fn.body else fn.lineno
        end = fn.end_lineno or first
        text = "\n".join(self.module.lines[first - 1 : end])  # the body, not the def line
        return any(word in text for word in self._triggers)

    # ----------------------------------------------------------------- functions and calls

    def _walk_function(
        self, name: str, bound: dict[str, Binding], strings: _Strings | None = None
    ) -> None:
        if name in self._stack or len(self._stack) >= _MAX_CALL_DEPTH:
            # recursion: walk it once more without the strings (which would grow forever)
            strings = None
        strings = strings or {}
        key = (name, tuple(sorted(bound.items())), tuple(sorted(strings.items())))
        if key in self._visited:
            return
        self._visited.add(key)
        self._stack.append(name)
        try:
            self._walk_body(name, bound, strings)
        finally:
            self._stack.pop()

    def _walk_body(self, name: str, bound: dict[str, Binding], strings: _Strings) -> None:
        fn = self.module.functions[name]
        facts = self._facts.get(name)
        if facts is None:
            facts = self._facts[name] = _gather(fn, self.module)
        names: dict[str, Binding] = dict(self.module.names)
        names.update(bound)
        scope = _Scope(names, facts, strings)
        self._bind_locals(scope)

        called: set[int] = set()
        deferred: list[ast.Call] = []
        for call in facts.calls:
            self._classify(call, scope, called, deferred)
        for call in deferred:  # standalone text(): after the execute() calls that consume them
            if id(call) not in self._consumed:
                self._sql_event(call, scope, via=_callee_text(call.func), text_call=True)
        for ref in facts.names:
            if id(ref) not in called and ref.id not in facts.params:
                self._walk_function(ref.id, {})

    def _bind_locals(self, scope: _Scope) -> None:
        """Local aliases (``o = op``) and batch contexts (``with ... as batch_op``)."""
        names, facts = scope.names, scope.facts
        names.update(facts.imports)  # ``from alembic import op`` inside the function
        for _ in range(3):  # chains like ``a = op; b = a``
            changed = False
            for local, values in facts.values.items():
                for value in values:
                    binding = resolve(value, names)
                    if binding is not None and names.get(local) != binding:
                        names[local] = binding
                        changed = True
            if not changed:
                break
        for item in facts.withs:
            ctx, target = item.context_expr, item.optional_vars
            if not isinstance(ctx, ast.Call) or not isinstance(target, ast.Name):
                continue
            if _is_op_method(ctx.func, names, "batch_alter_table"):
                table = _arg(ctx, 0, "table_name")
                literal = table.value if isinstance(table, ast.Constant) else None
                names[target.id] = Batch(literal if isinstance(literal, str) else None)

    def _classify(
        self, call: ast.Call, scope: _Scope, called: set[int], deferred: list[ast.Call]
    ) -> None:
        func, names = call.func, scope.names
        if isinstance(func, ast.Attribute):
            receiver = resolve(func.value, names)
            if isinstance(receiver, Batch) or receiver == OP:
                if func.attr == "execute":
                    self._sql_event(call, scope, via=_callee_text(func))
                else:
                    batch = receiver if isinstance(receiver, Batch) else None
                    self._op_event(call, func.attr, scope, _receiver_text(func.value), batch)
            elif isinstance(receiver, str) and f"{receiver}.{func.attr}" in TEXT_CALLS:
                deferred.append(call)
            elif isinstance(receiver, str) and f"{receiver}.{func.attr}".startswith(_OP_PREFIX):
                # alembic.op.drop_table(...) through ``import alembic``
                method = f"{receiver}.{func.attr}"[len(_OP_PREFIX) :]
                if method == "execute":
                    self._sql_event(call, scope, via=_callee_text(func))
                elif "." not in method:
                    self._op_event(call, method, scope, _receiver_text(func.value), None)
            elif func.attr in _EXECUTE_METHODS:
                self._sql_event(call, scope, via=_callee_text(func))
        elif isinstance(func, ast.Name):
            binding = names.get(func.id)
            if binding is None and OP in self.module.star_imports:
                binding = None if func.id in self.module.functions else _OP_PREFIX + func.id
            if isinstance(binding, str) and binding.startswith(_OP_PREFIX):
                method = binding[len(_OP_PREFIX) :]
                if method == "execute":
                    self._sql_event(call, scope, via=func.id)
                else:
                    self._op_event(call, method, scope, "", None)
            elif binding in TEXT_CALLS or (binding is None and func.id in _BARE_TEXT):
                deferred.append(call)
            elif func.id in self.module.functions and binding is None:
                called.add(id(func))
                if func.id not in scope.facts.params:
                    self._walk_function(func.id, *self._bind_arguments(call, func.id, scope))

    def _bind_arguments(
        self, call: ast.Call, name: str, scope: _Scope
    ) -> tuple[dict[str, Binding], _Strings]:
        """Parameters of the helper that receive ``op`` or a ``batch_op`` in this call, and
        those that receive a string we can fold (SQL handed to a helper that runs it)."""
        args = self.module.functions[name].args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        known = set(positional) | {a.arg for a in args.kwonlyargs}
        pairs: list[tuple[str, ast.expr]] = []
        for index, value in enumerate(call.args):
            if isinstance(value, ast.Starred) or index >= len(positional):
                break
            pairs.append((positional[index], value))
        pairs += [(k.arg, k.value) for k in call.keywords if k.arg in known and k.arg]
        bound: dict[str, Binding] = {}
        strings: _Strings = {}
        for param, value in pairs:
            binding = resolve(value, scope.names)
            if binding == OP or isinstance(binding, Batch):
                bound[param] = binding
            elif not isinstance(value, ast.Constant) or isinstance(value.value, str):
                folded = _Folder(self, scope).fold(value)
                if folded:
                    strings[param] = tuple(folded)
        return bound, strings

    # ----------------------------------------------------------------- events

    def _op_event(
        self, call: ast.Call, method: str, scope: _Scope, receiver: str, batch: Batch | None
    ) -> None:
        if (id(call), method) in self._seen:
            return
        self._seen.add((id(call), method))
        evaluate = functools.partial(evaluate_type, names=scope.names)
        self.events.append(
            OpCall(
                method=method,
                node=call,
                batch=batch is not None,
                batch_table=batch.table if batch is not None else None,
                receiver=receiver,
                evaluate_type=evaluate,
            )
        )

    def _sql_event(self, call: ast.Call, scope: _Scope, via: str, text_call: bool = False) -> None:
        if text_call:
            self._consumed.add(id(call))
        arg = _arg(call, 0, *_SQL_KEYWORDS)
        if arg is None:
            return
        folder = _Folder(self, scope)
        candidates = folder.fold(arg) or []
        construct = None
        if not candidates:
            for value in folder.values_of(arg):
                construct = construct or _construct(value, scope.names)
        if not candidates and construct is None:
            return
        key = (id(call), "sql", *candidates, construct or "")
        if key in self._seen:  # a helper reached twice with the same strings
            return
        self._seen.add(key)
        self.events.append(
            SqlCall(
                node=call,
                via=via,
                candidates=tuple(dict.fromkeys(candidates)),
                construct=construct,
                anchor=folder.anchor or arg,
                cache=self.sql_cache,
            )
        )


def _is_op_method(func: ast.expr, names: Mapping[str, Binding], method: str) -> bool:
    binding = resolve(func, names)
    return binding == f"{OP}.{method}"


def _arg(call: ast.Call, position: int, *keywords: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position < len(call.args) and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def _receiver_text(expr: ast.expr) -> str:
    return expr.id if isinstance(expr, ast.Name) else ast.unparse(expr)


def _callee_text(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ast.unparse(func)


#: SQLAlchemy DDL elements that destroy data, by class name.
DDL_CONSTRUCTS = frozenset({"DropTable", "DropColumn", "DropIndex", "DropConstraint", "DropSchema"})


def _construct(expr: ast.expr, names: Mapping[str, Binding]) -> str | None:
    """``table.delete()``, ``sa.delete(t)``, ``t.update().values(c=None)``, ``DropTable(t)``
    passed to execute: the kind of destruction, or None."""
    node: ast.expr = expr
    saw_update = False
    nulls = False
    while isinstance(node, ast.Call):
        func = node.func
        binding = resolve(func, names)
        if isinstance(binding, str) and binding.startswith("sqlalchemy."):
            leaf = binding.rsplit(".", 1)[1]
            if leaf in DDL_CONSTRUCTS:
                return leaf
        if binding in ("sqlalchemy.delete", "sqlalchemy.sql.delete"):
            return "DELETE"
        if binding in ("sqlalchemy.update", "sqlalchemy.sql.update"):
            saw_update = True
        if isinstance(func, ast.Attribute):
            if func.attr == "delete":
                return "DELETE"
            if func.attr == "update":
                saw_update = True
            if func.attr == "values" and any(
                isinstance(k.value, ast.Constant) and k.value.value is None for k in node.keywords
            ):
                nulls = True
            node = func.value
        else:
            break
    return "UPDATE SET NULL" if saw_update and nulls else None


# --------------------------------------------------------------------------- string folding


class _Folder:
    """Folds an expression into the SQL strings it can evaluate to."""

    def __init__(self, walker: Walker, scope: _Scope) -> None:
        self.walker = walker
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
            return (body + orelse)[:_MAX_CANDIDATES] or None
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
            isinstance(func, ast.Name) and binding is None and func.id in _BARE_TEXT
        ):
            self.walker._consumed.add(id(expr))
            self.anchor = self.anchor or expr
            inner = _arg(expr, 0, "text", "statement")
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
        return self.walker.module.values.get(expr.id, [])

    def _name(self, name: str, depth: int) -> list[str] | None:
        if name in self._resolving:
            return None
        if name in self.scope.strings:
            return list(self.scope.strings[name])
        facts = self.scope.facts
        local = name in facts.values or name in facts.loops or name in facts.params
        sources = facts.values.get(name, []) if local else self.walker.module.values.get(name, [])
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
        return out[:_MAX_CANDIDATES] or None

    def _elements(self, iterable: ast.expr) -> list[ast.expr]:
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            return list(iterable.elts)
        if isinstance(iterable, ast.Name):
            facts = self.scope.facts
            if iterable.id in facts.values:
                sources = facts.values[iterable.id]
            else:
                sources = self.walker.module.values.get(iterable.id, [])
            out: list[ast.expr] = []
            for source in sources:
                if isinstance(source, (ast.List, ast.Tuple, ast.Set)):
                    out.extend(source.elts)
            return out
        return []


def _combos(parts: list[list[str]]) -> Iterator[tuple[str, ...]]:
    return itertools.islice(itertools.product(*parts), _MAX_CANDIDATES)


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


# --------------------------------------------------------------------------- type evaluation


def evaluate_type(expr: ast.expr, names: Mapping[str, Binding]) -> object | None:
    """Build the SQLAlchemy type an ``existing_type=`` / ``type_=`` expression denotes.

    A whitelist evaluator, never ``eval``: the callee must resolve to a ``TypeEngine``
    subclass in SQLAlchemy's type or dialect modules and every argument must be a literal
    (or, for ``ARRAY(sa.Integer())``, another such type). Anything else gives None, which the
    rule treats as "cannot prove this is a widening".
    """
    from sqlalchemy.types import TypeEngine

    call = expr if isinstance(expr, ast.Call) else None
    target = resolve(call.func if call else expr, names)
    if not isinstance(target, str) or "." not in target:
        return None
    module_name, _, attr = target.rpartition(".")
    if module_name not in _TYPE_MODULES:
        return None
    try:
        cls = getattr(importlib.import_module(module_name), attr, None)
    except ImportError:
        return None
    if not (isinstance(cls, type) and issubclass(cls, TypeEngine)):
        return None
    if call is None:
        args: list[object] = []
        kwargs: dict[str, object] = {}
    else:
        try:
            args = [_literal(a, names) for a in call.args]
            kwargs = {k.arg: _literal(k.value, names) for k in call.keywords if k.arg}
        except _NotLiteral:
            return None
        if any(k.arg is None for k in call.keywords):
            return None
    try:
        return cls(*args, **kwargs)
    except Exception:  # wrong arguments for the type: "cannot prove"
        return None


class _NotLiteral(Exception):
    """An argument of a type expression is not a literal."""


def _literal(expr: ast.expr, names: Mapping[str, Binding]) -> object:
    if isinstance(expr, ast.Constant):
        return expr.value
    if (
        isinstance(expr, ast.UnaryOp)
        and isinstance(expr.op, ast.USub)
        and isinstance(expr.operand, ast.Constant)
        and isinstance(expr.operand.value, (int, float))
        and not isinstance(expr.operand.value, bool)
    ):
        return -expr.operand.value
    if isinstance(expr, (ast.Tuple, ast.List)):
        return [_literal(e, names) for e in expr.elts]
    nested = evaluate_type(expr, names)
    if nested is None:
        raise _NotLiteral
    return nested
