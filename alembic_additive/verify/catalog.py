"""What the database defines that a statement runs without naming it, read from the catalog.

:mod:`.effects` follows, for the writes, calls and reads of one statement, what they fire;
this module reads what there is to follow, with a few catalog queries (no table is scanned),
at most once per revision (:mod:`.values` decides when):

* **triggers** by table, with the events that fire them and what their body may change
  (:func:`.statements.body` on SQLite's stored ``CREATE TRIGGER``, MariaDB's
  ``ACTION_STATEMENT``, a PostgreSQL trigger function's PL/pgSQL or SQL source; another
  language: anything). A PostgreSQL view's ``INSTEAD OF`` trigger and a SQLite view's (the
  only way to write one) are triggers of the view;
* **foreign-key actions** by referenced table (``ON UPDATE``/``ON DELETE`` ``CASCADE``,
  ``SET NULL``, ``SET DEFAULT``);
* **user-defined routines** by name: PostgreSQL ``pg_proc`` outside the system schemas, not
  an extension's functions nor trigger functions (followed as triggers); MariaDB/MySQL
  ``information_schema.ROUTINES``. A body is read when first called (another language, an
  aggregate, a definition the user may not read: anything);
* **views**: the relations a view's query reads (its base tables, views in turn) and the
  functions it calls. PostgreSQL: ``pg_depend`` of the view's ``_RETURN`` rule; MariaDB
  (10.11 has no ``VIEW_TABLE_USAGE``): its ``VIEW_DEFINITION``, stored with every relation
  qualified, read with :func:`.sqlnames.relations` and :func:`.sqlnames.calls` (empty,
  when the user may not see it: anything). SQLite has no updatable views;
* **functions a write runs unnamed** (:attr:`Catalog.implicit`), PostgreSQL only: column
  defaults and generated columns (``pg_attrdef``), ``CHECK`` constraints
  (``pg_constraint``), index expressions and predicates (``pg_index``), triggers' ``WHEN``
  conditions, a domain's defaults and checks for every column of that domain. MariaDB 10.11
  refuses stored functions in ``DEFAULT``, generated columns and ``CHECK`` (error 1901) and
  has no expression indexes; SQLite's functions are the application's;
* tables with a PostgreSQL **rule** (other than a view's ``_RETURN``): anything may change.

PostgreSQL: four queries, every schema but the system ones (its catalog is small); views,
implicit functions and rules come from one. MariaDB/MySQL: four queries on the schemas
verify counts, views of every schema (a view elsewhere may write a table here). SQLite: the
``sqlite_master`` of each schema and its foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import sqlnames, statements
from .statements import Touched

Name = tuple[str | None, str]
"""A table, view or routine as the closure names it: lower case, schema None for the
default schema."""

_RULES = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}  # PostgreSQL's letters


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
class View:
    """A view (or materialized view): what its query reads and calls. ``readable`` False:
    its definition could not be read (anything may change when it is used)."""

    relations: set[Name] = field(default_factory=set)
    calls: set[Name] = field(default_factory=set)
    readable: bool = True


@dataclass
class Catalog:
    """Triggers by table, foreign-key actions by referenced table, tables with rules,
    user-defined routines by name, views, functions writes run unnamed."""

    default: str | None
    triggers: dict[Name, list[Trigger]] = field(default_factory=dict)
    actions: dict[Name, list[Action]] = field(default_factory=dict)
    opaque: set[Name] = field(default_factory=set)
    routines: dict[Name, list[Routine]] = field(default_factory=dict)
    views: dict[Name, View] = field(default_factory=dict)
    implicit: dict[Name, set[Name]] = field(default_factory=dict)
    """Per table, the functions an INSERT/UPDATE/DELETE or a rewrite runs without naming
    them: defaults, generated columns, checks, index expressions, triggers' WHEN."""
    actions_fire: bool = True
    actions_skipped: bool = False
    """Set by :func:`.effects.consequences` when an action would have fired had foreign
    keys been on."""
    _bare: dict[str, list[Name]] | None = field(default=None, repr=False, compare=False)

    def name(self, schema: str | None, table: str) -> Name:
        schema = None if schema is None else schema.lower()
        default = None if self.default is None else self.default.lower()
        return (None if schema == default else schema, table.lower())

    def tables(self) -> set[Name]:
        """Every table or view the catalog knows something about."""
        return (
            set(self.triggers) | set(self.actions) | self.opaque | set(self.views)
            | set(self.implicit)
        )  # fmt: skip

    def known(self, name: Name) -> list[Name]:
        """The catalog's tables ``name`` stands for: an unqualified name not in the default
        schema may be in another schema of the search path, so it matches any."""
        if self._bare is None:
            self._bare = {}
            for known in self.tables():
                self._bare.setdefault(known[1], []).append(known)
        if name[0] is not None or name in self._bare.get(name[1], ()):
            return [name]
        return self._bare.get(name[1]) or [name]

    def routines_named(self, name: Name) -> list[Routine]:
        """The routines a called name may stand for (an unqualified one: in any schema)."""
        schema, routine = self.name(*name)
        if schema is not None:
            return self.routines.get((schema, routine), [])
        return [r for (_, n), found in self.routines.items() if n == routine for r in found]


def read(connection: sa.Connection, schemas: Iterable[str | None]) -> Catalog:
    """What statements on the tables of ``schemas`` (None: the default schema) can run
    unnamed (see the module's docstring). A few catalog queries, no table is scanned."""
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


_REGCLASS = "'pg_catalog.{}'::pg_catalog.regclass"
_PROC, _CLASS, _REWRITE = (_REGCLASS.format(c) for c in ("pg_proc", "pg_class", "pg_rewrite"))
_USER_OID = 16384  # FirstNormalObjectId: what initdb made (the system's objects) is below
_PG_UNNAMED = f"""\
SELECT DISTINCT n.nspname, c.relname, c.relkind, d.refclassid = {_PROC}, rn.nspname,
  COALESCE(p.proname, r.relname)
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = CASE d.classid
  WHEN {_REGCLASS.format("pg_attrdef")} THEN
    (SELECT a.adrelid FROM pg_catalog.pg_attrdef a WHERE a.oid = d.objid)
  WHEN {_REGCLASS.format("pg_constraint")} THEN
    (SELECT k.conrelid FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid)
  WHEN {_CLASS} THEN
    (SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = d.objid)
  WHEN {_REWRITE} THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w
    WHERE w.oid = d.objid AND w.rulename = '_RETURN')
  WHEN {_REGCLASS.format("pg_trigger")} THEN (SELECT g.tgrelid FROM pg_catalog.pg_trigger g
    WHERE g.oid = d.objid AND g.tgfoid <> d.refobjid)
  END
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_proc p ON d.refclassid = {_PROC} AND p.oid = d.refobjid
LEFT JOIN pg_catalog.pg_class r ON d.refclassid = {_CLASS} AND r.oid = d.refobjid
  AND d.classid = {_REWRITE} AND r.oid <> c.oid AND r.relkind IN ('r', 'p', 'v', 'm', 'f')
JOIN pg_catalog.pg_namespace rn ON rn.oid = COALESCE(p.pronamespace, r.relnamespace)
WHERE d.objid >= {_USER_OID} AND d.refobjid >= {_USER_OID}
  AND (d.refclassid = {_PROC} OR (d.refclassid = {_CLASS} AND d.classid = {_REWRITE}))
  AND {_PG_SYSTEM}
  AND rn.nspname NOT IN ('pg_catalog', 'information_schema')
UNION
SELECT n.nspname, c.relname, c.relkind, true, pn.nspname, p.proname
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_proc p ON d.refclassid = {_PROC} AND p.oid = d.refobjid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_catalog.pg_attribute a ON a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = CASE d.classid
    WHEN {_REGCLASS.format("pg_type")} THEN d.objid
    WHEN {_REGCLASS.format("pg_constraint")} THEN
      (SELECT k.contypid FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid)
    END
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE d.refobjid >= {_USER_OID} AND {_PG_SYSTEM}
  AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
UNION
SELECT n.nspname, c.relname, c.relkind, false, NULL, NULL
FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE w.rulename <> '_RETURN' AND {_PG_SYSTEM}"""
"""Views' relations and functions, the functions a table's writes run unnamed (defaults,
generated columns, checks, index expressions, triggers' WHEN, the defaults and checks of a
column's domain), and tables with rules (the rows with NULLs), in one query."""


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
    for schema, table, kind, function, ref_schema, ref in connection.execute(sa.text(_PG_UNNAMED)):
        name = catalog.name(schema, table)
        if ref is None:  # a rule
            catalog.opaque.add(name)
        elif kind in ("v", "m"):  # a view's query, or its columns' defaults
            view = catalog.views.setdefault(name, View())
            (view.calls if function else view.relations).add(catalog.name(ref_schema, ref))
        elif function:
            catalog.implicit.setdefault(name, set()).add(catalog.name(ref_schema, ref))
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
    views = connection.execute(
        sa.text(
            "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
            "WHERE TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', "
            "'information_schema')"
        )
    )
    for schema, name, text in views:  # no SHOW VIEW privilege: an empty definition
        catalog.views[catalog.name(schema, name)] = _mysql_view(catalog, schema, text)
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


def _mysql_view(catalog: Catalog, schema: str, definition: str | None) -> View:
    """A view from its stored definition, where MariaDB qualifies every relation
    (```db`.`t```) and a function of another schema (```db`.`f`(...)``)."""
    tokens = sqlnames.tokenize(definition or "", "mysql") if definition else None
    if not tokens:
        return View(readable=False)
    return View(
        {catalog.name(s or schema, n) for s, n in sqlnames.relations(tokens)},
        {catalog.name(s or schema, n) for s, n in sqlnames.calls(tokens)},
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
