"""What a write fires besides itself: triggers and foreign-key actions, from the catalog.

:mod:`.statements` reads which columns a statement changes. A statement that writes rows of a
table ``t`` (``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, ``DROP TABLE``) can change
values of tables it never names:

* ``ON UPDATE CASCADE`` / ``SET NULL`` / ``SET DEFAULT`` and ``ON DELETE SET NULL`` /
  ``SET DEFAULT`` of a foreign key that references ``t`` rewrite the referencing columns of
  the child table; ``ON DELETE CASCADE`` deletes child rows (the row counts see that) and
  fires, in turn, what the child's deletes fire;
* a trigger on ``t`` for that event: an ``UPDATE`` that fires one may change every column of
  ``t`` (a ``BEFORE`` trigger assigns ``NEW``), and its body may change other tables. The
  body is read with :func:`.statements.body`: SQLite's stored ``CREATE TRIGGER`` text,
  MariaDB's ``ACTION_STATEMENT``, PostgreSQL's trigger function source when it is PL/pgSQL
  or SQL (any other language, ``EXECUTE`` or ``CALL``: anything may change);
* a PostgreSQL rule on ``t`` (other than a view's): anything may change.

A statement (or a trigger body) that calls a user-defined function or procedure
(:attr:`.statements.Touched.calls`: ``SELECT archive()``, ``UPDATE t ... WHERE f(id)``,
``CALL p()``) changes what that routine's body can change. Routines are read from
PostgreSQL's ``pg_proc`` (every schema but the system ones; not functions of an extension,
nor trigger functions, which are followed as triggers) and MariaDB/MySQL's
``information_schema.ROUTINES`` (the schemas verify counts); a body is read with
:func:`.statements.body` when it is first called (PL/pgSQL, SQL — ``BEGIN ATOMIC`` bodies
from ``pg_get_functiondef`` — or MariaDB's routine text; another language, an aggregate, a
definition the user may not read, ``EXECUTE``: anything). Overloads of one name count
together; an unqualified name matches that name in any schema (the search path decides). A
called name the catalog does not have is a built-in (or an extension's) and changes
nothing; a ``CALL`` of a procedure it does not have: anything.

What those changes write or call fires in turn; :meth:`Catalog.consequences` follows the
chain to its end (each table event and each routine once, so recursion ends). It answers,
for the writes and calls of one statement, which columns of which tables may change, so that
:mod:`.values` fingerprints them *before* the statement runs.

The catalog is read at most once per revision, on its first write or function call (a
revision that does neither costs nothing), and again only after a statement that may have
redefined triggers, functions, rules or foreign keys (:attr:`.statements.Touched.redefines`).
Which schemas: PostgreSQL every schema but the system ones (its catalog is small);
MariaDB/MySQL and SQLite the schemas verify counts (a child table elsewhere is not compared
anyway).

SQLite runs foreign-key actions only when ``PRAGMA foreign_keys`` is on, which a connection
is not unless something turns it on (verify does with ``--sqlite-foreign-keys``, as an
``env.py`` connect event does): with it off, actions fire nothing and are not followed.
MariaDB/InnoDB does not fire triggers for cascaded changes; following them anyway only costs
a fingerprint.

Conservative throughout: a trigger fires for every row of its event (``UPDATE OF``, ``WHEN``
and disabled triggers included), and an ``ON UPDATE`` action for any update of the parent.
Taking a fingerprint too many costs time, never a false report: a value is reported only if
it differs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import statements
from .statements import ALL, Touched

Name = tuple[str | None, str]
"""A table as the closure names it: lower case, schema None for the default schema."""

_RULES = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}  # PostgreSQL's letters
_CHANGING = frozenset({"SET NULL", "SET DEFAULT"})


@dataclass(frozen=True)
class Trigger:
    """One trigger: the events that fire it and what its body may change (None: anything)."""

    events: frozenset[str]
    body: Touched | None


@dataclass(frozen=True)
class Action:
    """A foreign key's actions, from the referenced table's side: ``child.column``."""

    child: Name
    column: str
    on_update: str
    on_delete: str


@dataclass
class Routine:
    """One user-defined function or procedure; its body is read when first called."""

    source: str | None
    """The text :func:`.statements.body` reads; None: not readable (anything may change)."""
    dialect: str
    read: bool = False
    touched: Touched | None = None

    def body(self) -> Touched | None:
        """What calling it may change; None: anything."""
        if not self.read:
            if self.source is not None:
                self.touched = statements.body(self.source, self.dialect)
            self.read = True
        return self.touched


@dataclass
class Catalog:
    """Triggers by table, foreign-key actions by referenced table, tables with rules,
    user-defined routines by name."""

    default: str | None
    triggers: dict[Name, list[Trigger]] = field(default_factory=dict)
    actions: dict[Name, list[Action]] = field(default_factory=dict)
    opaque: set[Name] = field(default_factory=set)
    routines: dict[Name, list[Routine]] = field(default_factory=dict)
    actions_fire: bool = True
    actions_skipped: bool = False
    """Set by :meth:`consequences` when an action would have fired had foreign keys been on."""

    def name(self, schema: str | None, table: str) -> Name:
        schema = None if schema is None else schema.lower()
        default = None if self.default is None else self.default.lower()
        return (None if schema == default else schema, table.lower())

    def _known(self, name: Name) -> list[Name]:
        """The catalog's tables ``name`` stands for: an unqualified name not in the default
        schema may be in another schema of the search path, so it matches any."""
        known = set(self.triggers) | set(self.actions) | self.opaque
        if name in known or name[0] is not None:
            return [name]
        return [k for k in known if k[1] == name[1]] or [name]

    def _routines(self, name: Name) -> list[Routine]:
        """The routines a called name may stand for (an unqualified one: in any schema)."""
        schema, routine = self.name(*name)
        if schema is not None:
            return self.routines.get((schema, routine), [])
        return [r for (_, n), found in self.routines.items() if n == routine for r in found]

    def consequences(
        self,
        writes: dict[Name, set[str]],
        unknown: Collection[str],
        calls: Collection[Name] = (),
        procedures: Collection[Name] = (),
    ) -> dict[Name, set[str] | None] | None:
        """The columns (None: every column) the triggers, actions and routines these writes
        and calls fire may change, followed to the end; None when anything may change."""
        tables = set(self.triggers) | set(self.actions) | self.opaque
        queue: list[tuple[Name, str]] = []
        called: list[Routine] = []
        out: dict[Name, set[str] | None] = {}

        def follow(body: Touched) -> bool:
            """A body's changes into ``out``, its writes and calls into the queues; False
            when it calls a procedure the catalog does not have."""
            for (schema, table), columns in body.tables.items():
                for changed in self._known(self.name(schema, table)):
                    _add(out, changed, columns)
            for (schema, table), events in body.writes.items():
                for written in self._known(self.name(schema, table)):
                    queue.extend((written, e) for e in events)
            queue.extend((other, e) for other in tables for e in body.unknown_writes)
            for name in body.calls:
                called.extend(self._routines(name))
            for name in body.procedures:
                found = self._routines(name)
                if not found:
                    return False
                called.extend(found)
            return True

        if not follow(
            Touched(writes=dict(writes), unknown_writes=set(unknown), calls=set(calls),
                    procedures=set(procedures))
        ):  # fmt: skip
            return None
        seen: set[tuple[Name, str]] = set()
        done: set[int] = set()
        while queue or called:
            if called:
                routine = called.pop()
                if id(routine) in done:
                    continue  # recursion, or called twice: once is enough
                done.add(id(routine))
                body = routine.body()
                if body is None or not follow(body):
                    return None
                continue
            name, event = queue.pop()
            if (name, event) in seen:
                continue
            seen.add((name, event))
            if name in self.opaque and event != "DROP":
                return None
            if event != "DROP":  # SQLite's implicit DELETE of a dropped table fires none
                for trigger in self.triggers.get(name, ()):
                    if event not in trigger.events:
                        continue
                    if trigger.body is None:
                        return None
                    if event == "UPDATE":
                        _add(out, name, ALL)  # a BEFORE UPDATE trigger may set any NEW.column
                    if not follow(trigger.body):
                        return None
            for action in self.actions.get(name, ()):
                if event == "TRUNCATE":  # TRUNCATE ... CASCADE empties the children too
                    queue.append((action.child, "TRUNCATE"))
                    continue
                rule = action.on_update if event == "UPDATE" else ""
                if event in ("DELETE", "DROP"):
                    rule = action.on_delete
                if not rule:
                    continue
                if not self.actions_fire:
                    self.actions_skipped = True
                    continue
                if rule in _CHANGING or event == "UPDATE":  # ON UPDATE CASCADE rewrites keys
                    _add(out, action.child, {action.column.lower()})
                    queue.append((action.child, "UPDATE"))
                else:  # ON DELETE CASCADE: the child rows go (counted), and fire in turn
                    queue.append((action.child, "DELETE"))
        return out


def _add(out: dict[Name, set[str] | None], name: Name, columns: set[str] | None) -> None:
    if name in out:
        old = out[name]
        out[name] = None if old is None or columns is None else old | columns
    else:
        out[name] = None if columns is None else set(columns)


def read(connection: sa.Connection, schemas: Iterable[str | None]) -> Catalog:
    """The triggers, foreign-key actions and rules that writes to the tables of ``schemas``
    (None: the default schema) can fire. A few catalog queries, no table is scanned."""
    dialect = connection.dialect.name
    default = connection.dialect.default_schema_name
    wanted = sorted({default if s is None else s for s in schemas} - {None})  # type: ignore[type-var]
    catalog = Catalog(default)
    if dialect == "postgresql":
        _read_postgresql(connection, catalog)
    elif dialect in ("mysql", "mariadb"):
        _read_mysql(connection, catalog, [str(s) for s in wanted])
    elif dialect == "sqlite":
        _read_sqlite(connection, catalog, [str(s) for s in wanted] or ["main"])
    return catalog


def _rule(value: str | None) -> str:
    """An action that changes or deletes child rows ("CASCADE", "SET NULL", "SET DEFAULT"),
    else ""."""
    text = " ".join((value or "").upper().split())
    return text if text in ("CASCADE", "SET NULL", "SET DEFAULT") else ""


def _add_action(
    catalog: Catalog, parent: Name, child: Name, column: str, on_update: str, on_delete: str
) -> None:
    if on_update or on_delete:
        catalog.actions.setdefault(parent, []).append(Action(child, column, on_update, on_delete))


_PG_SYSTEM = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
)


def _read_postgresql(connection: sa.Connection, catalog: Catalog) -> None:
    triggers = connection.execute(
        sa.text(
            "SELECT n.nspname, c.relname, t.tgtype, l.lanname, p.prosrc "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang "
            f"WHERE NOT t.tgisinternal AND {_PG_SYSTEM}"
        )
    )
    for schema, table, tgtype, language, source in triggers:
        events = {e for bit, e in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"),
                                   (32, "TRUNCATE")) if tgtype & bit}  # fmt: skip
        body = (
            statements.body(source or "", "postgresql") if language in ("plpgsql", "sql") else None
        )
        catalog.triggers.setdefault(catalog.name(schema, table), []).append(
            Trigger(frozenset(events), body)
        )
    keys = connection.execute(
        sa.text(
            "SELECT n.nspname, pc.relname, cn.nspname, cc.relname, a.attname, "
            "k.confupdtype, k.confdeltype "
            "FROM pg_constraint k JOIN pg_class pc ON pc.oid = k.confrelid "
            "JOIN pg_namespace n ON n.oid = pc.relnamespace "
            "JOIN pg_class cc ON cc.oid = k.conrelid "
            "JOIN pg_namespace cn ON cn.oid = cc.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
            "WHERE k.contype = 'f' AND (k.confupdtype IN ('c', 'n', 'd') "
            f"OR k.confdeltype IN ('c', 'n', 'd')) AND {_PG_SYSTEM}"
        )
    )
    for schema, parent, child_schema, child, column, on_update, on_delete in keys:
        _add_action(
            catalog,
            catalog.name(schema, parent),
            catalog.name(child_schema, child),
            column,
            _RULES.get(on_update, ""),
            _RULES.get(on_delete, ""),
        )
    rules = connection.execute(
        sa.text(
            "SELECT n.nspname, c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE r.rulename <> '_RETURN' AND {_PG_SYSTEM}"
        )
    )
    catalog.opaque.update(catalog.name(schema, table) for schema, table in rules)
    # A BEGIN ATOMIC body (PostgreSQL 14+) is stored parsed, with an empty prosrc.
    atomic = (connection.dialect.server_version_info or (0,)) >= (14,)
    source = (
        "CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_functiondef(p.oid) ELSE p.prosrc END"
        if atomic
        else "p.prosrc"
    )
    routines = connection.execute(
        sa.text(
            f"SELECT n.nspname, p.proname, l.lanname, {source} "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
            "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e') "
            f"AND {_PG_SYSTEM}"
        )
    )
    for schema, name, language, text in routines:
        readable = language in ("plpgsql", "sql") and text is not None
        catalog.routines.setdefault(catalog.name(schema, name), []).append(
            Routine(text if readable else None, "postgresql")
        )


def _read_mysql(connection: sa.Connection, catalog: Catalog, schemas: list[str]) -> None:
    if not schemas:
        return
    triggers = connection.execute(
        sa.text(
            "SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, EVENT_MANIPULATION, "
            "ACTION_STATEMENT FROM information_schema.TRIGGERS "
            "WHERE EVENT_OBJECT_SCHEMA IN :schemas"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    )
    for schema, table, event, source in triggers:
        catalog.triggers.setdefault(catalog.name(schema, table), []).append(
            Trigger(frozenset({str(event).upper()}), statements.body(source or "", "mysql"))
        )
    routines = connection.execute(
        sa.text(
            "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_DEFINITION "
            "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN :schemas"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    )
    for schema, name, text in routines:  # no privilege on it: ROUTINE_DEFINITION is NULL
        catalog.routines.setdefault(catalog.name(schema, name), []).append(
            Routine(None if text is None else str(text), "mysql")
        )
    keys = connection.execute(
        sa.text(
            "SELECT k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.TABLE_SCHEMA, "
            "k.TABLE_NAME, k.COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE "
            "FROM information_schema.REFERENTIAL_CONSTRAINTS r "
            "JOIN information_schema.KEY_COLUMN_USAGE k "
            "ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA "
            "AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME "
            "WHERE r.UNIQUE_CONSTRAINT_SCHEMA IN :schemas "
            "AND k.REFERENCED_TABLE_NAME IS NOT NULL"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    )
    for schema, parent, child_schema, child, column, on_update, on_delete in keys:
        _add_action(
            catalog,
            catalog.name(schema, parent),
            catalog.name(child_schema, child),
            column,
            _rule(on_update),
            _rule(on_delete),
        )


def _read_sqlite(connection: sa.Connection, catalog: Catalog, schemas: list[str]) -> None:
    catalog.actions_fire = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
    quote = connection.dialect.identifier_preparer.quote_schema
    for schema in schemas:
        master = f"{quote(schema)}.sqlite_master"
        triggers = connection.exec_driver_sql(
            f"SELECT tbl_name, sql FROM {master} WHERE type = 'trigger'"
        )
        for table, sql in triggers:
            events, body = sqlite_trigger(sql or "")
            catalog.triggers.setdefault(catalog.name(schema, table), []).append(
                Trigger(events, body)
            )
        keys = connection.execute(
            sa.text(
                f'SELECT m.name, p."table", p."from", p.on_update, p.on_delete FROM {master} m '
                "JOIN pragma_foreign_key_list(m.name, :schema) p WHERE m.type = 'table'"
            ),
            {"schema": schema},
        )
        for child, parent, column, on_update, on_delete in keys:
            _add_action(
                catalog,
                catalog.name(schema, parent),
                catalog.name(schema, child),
                column,
                _rule(on_update),
                _rule(on_delete),
            )


_EVENTS = frozenset({"INSERT", "UPDATE", "DELETE"})


def sqlite_trigger(sql: str) -> tuple[frozenset[str], Touched | None]:
    """A SQLite trigger's stored ``CREATE TRIGGER`` text: (the events that fire it, what
    its body may change). Events not read: all three; a body not read: None."""
    tokens = statements.tokenize(sql, "sqlite")
    if tokens is None:
        return _EVENTS, None
    events: set[str] = set()
    start = None
    for i, token in enumerate(tokens):
        if token.token_type.name == "BEGIN":
            start = i + 1
            break
        word = token.text.upper()
        if word == "ON" and token.token_type.name == "ON" and not events:
            break
        if word in _EVENTS and token.token_type.name != "IDENTIFIER" and not events:
            events.add(word)
    end = len(tokens)
    if end and tokens[-1].text.upper() == "END":
        end -= 1
    if start is None or not events:
        return _EVENTS, None
    return frozenset(events), statements.scan(tokens[start:end], "sqlite")
