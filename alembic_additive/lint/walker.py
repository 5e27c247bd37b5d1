"""The AST walker: from a parsed revision file to the events the rules judge.

What runs when Alembic applies a revision is ``upgrade()`` and whatever it calls, so the
walker starts there and follows calls of module-level functions transitively (binding ``op``
or a ``batch_op`` passed as an argument to the helper's parameter, and what a
``@contextmanager`` helper yields to ``with helper(...) as batch_op``). It does not care
about control flow: a drop in an ``if`` branch or a loop body runs on *some* database, so it
is reported. It does care about *order*: events come out in the order they run, so that the
engine can tell an object created earlier in the same upgrade from a pre-existing one.

Speed matters (the linter runs in pre-commit on every revision): a function body is only
walked when its source text mentions something that could matter (``drop_``, ``execute``,
``delete``, a helper's name, ``text(`` with destructive SQL words in reach...).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable

from .facts import Facts, WithNode, gather, within
from .folding import BARE_TEXT, Folder, Scope, Strings, display, literal_text
from .model import Event, OpCall, SqlCall, TypeSource
from .names import OP, OP_PREFIX, TEXT_CALLS, Batch, Binding, ModuleInfo, call_arg, resolve
from .sql import SqlHit, might_destroy

_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql", "executescript", "executemany"})
_SQL_KEYWORDS = ("sqltext", "statement", "sql", "text", "object_")

#: Substrings whose absence from a function's source proves walking it would find nothing:
#: every rule is about an ``op`` method among these, a ``.delete()``, or executed SQL.
_TRIGGERS = ("drop_", "rename_", "alter_column", "execute", "exec_driver_sql", "delete")
#: Words that build SQL without running it (``sa.text``, ``DDL``): they matter only when text
#: the function can fold in (its own, the module's constants) could be destructive SQL.
_SQL_WORDS = ("text", "DDL")

_MAX_CALL_DEPTH = 24

#: ORM sessions: ``session.query(Model).delete()`` deletes rows like a DELETE statement.
_SESSIONS = frozenset({"sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session"})
_SESSION_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.orm.scoped_session",
    }
)

#: SQLAlchemy DDL elements that destroy data, by class name.
DDL_CONSTRUCTS = frozenset({"DropTable", "DropColumn", "DropIndex", "DropConstraint", "DropSchema"})

History = Callable[[str, str], TypeSource | None]
"""``(table, column) -> type`` the column had before this revision (None when unknown)."""


def no_history(table: str, column: str) -> TypeSource | None:
    return None


class Walker:
    """Collects the events reachable from a revision's entry points, in the order they run.

    ``sql_cache`` is shared by every file of one lint run (see :func:`.sql.find_destructive`);
    ``history`` finds a column's type in earlier revisions (for ``alter_column`` without
    ``existing_type=``).
    """

    def __init__(
        self,
        module: ModuleInfo,
        sql_cache: dict[str, tuple[SqlHit, ...]],
        history: History = no_history,
    ) -> None:
        self.module = module
        self.sql_cache = sql_cache
        self.history = history
        self.events: list[Event] = []
        self._facts: dict[str, Facts] = {}
        self._visited: set[tuple[object, ...]] = set()
        self._seen: set[tuple[object, ...]] = set()
        self._consumed: set[int] = set()
        self._stack: list[str] = []
        self._root = "upgrade"

    def walk_roots(self, include_downgrade: bool) -> list[Event]:
        """Walk ``upgrade()`` (and ``upgrade_<name>()`` of multi-database templates), plus
        the downgrade functions when asked; return the events in the order they run.

        An entry point whose first parameter is the operations object (``def upgrade(op,
        tables, tester):``, env.py passing ``alembic.op`` in) gets it bound to ``op``.
        """
        prefixes = ("upgrade", "downgrade") if include_downgrade else ("upgrade",)
        for name, fn in self.module.functions.items():
            is_root = any(name == p or name.startswith(p + "_") for p in prefixes)
            if is_root and self._worth_walking(fn):
                self._root = name
                param = self.module.operations_parameter(name)
                self._walk_function(name, {param: OP} if param else {})
        return self.events

    def _worth_walking(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Could walking ``fn`` produce a finding? Never says no to one."""
        module = self.module
        if module.star_imports & {OP, "alembic"}:
            return True  # any name may be an op method
        first = fn.body[0].lineno if fn.body else fn.lineno
        body = "\n".join(module.lines[first - 1 : fn.end_lineno or first])  # not the def line
        if any(word in body for word in _TRIGGERS) or any(f in body for f in module.functions):
            return True
        sql_words = list(_SQL_WORDS)
        for name, binding in module.names.items():
            if isinstance(binding, str):
                if binding.startswith(OP_PREFIX) and name in body:
                    return True  # ``from alembic.op import drop_table as zap``
                if binding in TEXT_CALLS:
                    sql_words.append(name)
        if any(word in body for word in sql_words):
            return might_destroy(body) or might_destroy(module.module_text)
        return False

    # ----------------------------------------------------------------- functions and calls

    def _walk_function(
        self,
        name: str,
        bound: dict[str, Binding],
        strings: Strings | None = None,
        shown: dict[str, str] | None = None,
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
            scope = self._scope(name, bound, strings, shown or {})
            self._walk_body(scope)
        finally:
            self._stack.pop()

    def _scope(
        self, name: str, bound: dict[str, Binding], strings: Strings, shown: dict[str, str]
    ) -> Scope:
        facts = self._facts.get(name)
        if facts is None:
            facts = self._facts[name] = gather(self.module.functions[name], self.module)
        names: dict[str, Binding] = dict(self.module.names)
        names.update(bound)
        scope = Scope(names, facts, self.module, self._consumed, strings, shown)
        self._bind_locals(scope)
        return scope

    def _walk_body(self, scope: Scope) -> None:
        facts = scope.facts
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

    def _bind_locals(self, scope: Scope) -> None:
        """Local aliases (``o = op``), ORM sessions and ``with ... as batch_op`` blocks."""
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
        for local, values in facts.values.items():
            if any(self._makes_session(v, scope) for v in values):
                scope.sessions.add(local)
        for item, block in facts.withs:
            ctx, target = item.context_expr, item.optional_vars
            if not isinstance(ctx, ast.Call) or not isinstance(target, ast.Name):
                continue
            binding = self._context_binding(ctx, scope)
            if binding is not None:
                scope.blocks.setdefault(target.id, []).append((block, binding))
                names[target.id] = binding
            elif self._makes_session(ctx, scope):
                scope.sessions.add(target.id)

    def _context_binding(self, ctx: ast.Call, scope: Scope) -> Binding | None:
        """What ``with <ctx> as x`` binds ``x`` to: a :class:`Batch` for
        ``op.batch_alter_table(t)``, or what a ``@contextmanager`` helper of this module
        yields (``with _with_batch(t) as batch_op``)."""
        if resolve(ctx.func, scope.names) == f"{OP}.batch_alter_table":
            table = call_arg(ctx, 0, "table_name")
            literal = table is not None and literal_text(table, scope) is not None
            return Batch(display(table, scope), literal)
        func = ctx.func
        if isinstance(func, ast.Name) and self.module.is_context_manager(func.id):
            if func.id in self._stack:
                return None
            helper = self._helper_scope(ctx, func.id, scope)
            self._stack.append(func.id)
            try:
                return self._yielded(helper)
            finally:
                self._stack.pop()
        return None

    def _yielded(self, scope: Scope) -> Binding | None:
        """The operations object a context-manager helper yields (a batch, else ``op``)."""
        found: Binding | None = None
        for value in scope.facts.yields:
            binding = resolve(value, scope.names)
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                binding = self._context_binding(value, scope) or binding
            if isinstance(binding, Batch):
                return binding
            if binding == OP:
                found = OP
        return found

    def _makes_session(self, value: ast.expr, scope: Scope) -> bool:
        """``orm.Session(bind=...)``, ``sessionmaker(...)()`` or ``Factory(...)`` where
        ``Factory = sessionmaker(...)``: an ORM session whose queries run SQL."""
        if not isinstance(value, ast.Call):
            return False
        target = resolve(value.func, scope.names)
        if target in _SESSIONS:
            return True
        if isinstance(value.func, ast.Call):
            return resolve(value.func.func, scope.names) in _SESSION_MAKERS
        if isinstance(value.func, ast.Name):
            name = value.func.id
            facts = scope.facts
            sources = facts.values.get(name) or self.module.values.get(name, [])
            return any(
                isinstance(s, ast.Call) and resolve(s.func, scope.names) in _SESSION_MAKERS
                for s in sources
            )
        return False

    def _receiver(self, expr: ast.expr, at: ast.expr, scope: Scope) -> Binding | None:
        """What ``expr`` means at ``at``: a name bound by several ``with ... as batch_op``
        blocks means the block ``at`` is in (the innermost), not the last one written."""
        if isinstance(expr, ast.Name) and expr.id in scope.blocks:
            chosen: tuple[WithNode, Binding] | None = None
            for block, binding in scope.blocks[expr.id]:
                if within(at, block):
                    chosen = (block, binding)  # sorted by position: later = inner
            if chosen is not None:
                return chosen[1]
        return resolve(expr, scope.names)

    def _classify(
        self, call: ast.Call, scope: Scope, called: set[int], deferred: list[ast.Call]
    ) -> None:
        func, names = call.func, scope.names
        if isinstance(func, ast.Attribute):
            receiver = self._receiver(func.value, call, scope)
            if isinstance(receiver, Batch) or receiver == OP:
                if func.attr == "execute":
                    self._sql_event(call, scope, via=_callee_text(func))
                else:
                    batch = receiver if isinstance(receiver, Batch) else None
                    self._op_event(call, func.attr, scope, _receiver_text(func.value), batch)
            elif isinstance(receiver, str) and f"{receiver}.{func.attr}" in TEXT_CALLS:
                deferred.append(call)
            elif isinstance(receiver, str) and f"{receiver}.{func.attr}".startswith(OP_PREFIX):
                # alembic.op.drop_table(...) through ``import alembic``
                method = f"{receiver}.{func.attr}"[len(OP_PREFIX) :]
                if method == "execute":
                    self._sql_event(call, scope, via=_callee_text(func))
                elif "." not in method:
                    self._op_event(call, method, scope, _receiver_text(func.value), None)
            elif func.attr in _EXECUTE_METHODS:
                self._sql_event(call, scope, via=_callee_text(func))
            elif func.attr == "delete" and scope.sessions:
                self._orm_delete(call, func, scope)
        elif isinstance(func, ast.Name):
            binding = names.get(func.id)
            if binding is None and OP in self.module.star_imports:
                binding = None if func.id in self.module.functions else OP_PREFIX + func.id
            if isinstance(binding, str) and binding.startswith(OP_PREFIX):
                method = binding[len(OP_PREFIX) :]
                if method == "execute":
                    self._sql_event(call, scope, via=func.id)
                else:
                    self._op_event(call, method, scope, "", None)
            elif binding in TEXT_CALLS or (binding is None and func.id in BARE_TEXT):
                deferred.append(call)
            elif func.id in self.module.functions and binding is None:
                called.add(id(func))
                if func.id not in scope.facts.params:
                    bound, strings, shown = self._bind_arguments(call, func.id, scope)
                    self._walk_function(func.id, bound, strings, shown)

    def _helper_scope(self, call: ast.Call, name: str, scope: Scope) -> Scope:
        bound, strings, shown = self._bind_arguments(call, name, scope)
        return self._scope(name, bound, strings, shown)

    def _bind_arguments(
        self, call: ast.Call, name: str, scope: Scope
    ) -> tuple[dict[str, Binding], Strings, dict[str, str]]:
        """Parameters of the helper that receive ``op`` or a ``batch_op`` in this call, those
        that receive a string we can fold (SQL handed to a helper that runs it), and how
        each argument reads at the call site (for messages: the helper's ``table_name`` is
        ``"users"`` or ``t``, never ``table_name``)."""
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
        strings: Strings = {}
        shown: dict[str, str] = {}
        for param, value in pairs:
            binding = self._receiver(value, call, scope)
            if binding == OP or isinstance(binding, Batch):
                bound[param] = binding
                continue
            shown[param] = display(value, scope)
            if not isinstance(value, ast.Constant) or isinstance(value.value, str):
                folded = Folder(scope).fold(value)
                if folded:
                    strings[param] = tuple(folded)
        return bound, strings, shown

    # ----------------------------------------------------------------- events

    def _op_event(
        self, call: ast.Call, method: str, scope: Scope, receiver: str, batch: Batch | None
    ) -> None:
        if (id(call), method) in self._seen:
            return
        self._seen.add((id(call), method))
        self.events.append(
            OpCall(
                method=method,
                node=call,
                batch=batch is not None,
                batch_table=batch.table if batch is not None else None,
                receiver=receiver,
                batch_literal=batch is not None and batch.literal,
                names=scope.names,
                display=functools.partial(display, scope=scope),
                literal_text=functools.partial(literal_text, scope=scope),
                previous_type=self.history,
                root=self._root,
            )
        )

    def _orm_delete(self, call: ast.Call, func: ast.Attribute, scope: Scope) -> None:
        """``session.query(Model)[.filter(...)...].delete()``: rows deleted through the ORM."""
        node: ast.expr = func.value
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "query":
                base = node.func.value
                if isinstance(base, ast.Name) and base.id in scope.sessions:
                    model = node.args[0] if node.args else None
                    key = (id(call), "orm-delete")
                    if key in self._seen:
                        return
                    self._seen.add(key)
                    self.events.append(
                        SqlCall(
                            node=call,
                            via=f"{base.id}.query(...).delete",
                            candidates=(),
                            construct="ORM DELETE",
                            anchor=None,
                            cache=self.sql_cache,
                            table=_model_name(model, scope),
                            root=self._root,
                        )
                    )
                return
            node = node.func.value

    def _sql_event(self, call: ast.Call, scope: Scope, via: str, text_call: bool = False) -> None:
        if text_call:
            self._consumed.add(id(call))
        arg = call_arg(call, 0, *_SQL_KEYWORDS)
        if arg is None:
            return
        folder = Folder(scope)
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
                root=self._root,
            )
        )


def _model_name(model: ast.expr | None, scope: Scope) -> str | None:
    if model is None:
        return None
    text = literal_text(model, scope)
    return text if text is not None else ast.unparse(model)


def _receiver_text(expr: ast.expr) -> str:
    return expr.id if isinstance(expr, ast.Name) else ast.unparse(expr)


def _callee_text(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ast.unparse(func)


def _construct(expr: ast.expr, names: dict[str, Binding]) -> str | None:
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
